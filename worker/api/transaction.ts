/*
 * transaction.ts — producer.transaction() for a producer made with a transactionalId:
 * Kafka's transactional producer, on the same doors the Kafka front uses — the
 * transactional id's coordinator (TransactionCoordinatorDO: InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and the partitions' append, which
 * judges the transactional batches (producer id, epoch, sequence) as a Produce's.
 * Every rule is the core's; this file only keeps the client's side of the protocol,
 * as kafkajs's and the Java client's transaction managers do:
 *
 *   - the producer id and epoch, from InitProducerId at the first transaction (which
 *     fences every earlier producer of the id); after a transaction that failed, the
 *     producer resumes with its own id and epoch (KIP-360), so the coordinator bumps
 *     the epoch and the partitions start its sequences again — or answers
 *     PRODUCER_FENCED when another producer took the id meanwhile;
 *   - the next sequence number of each partition, in the producer's epoch;
 *   - the partitions and groups of the open transaction: each partition is added at
 *     the coordinator before its first batch is appended, each group before its
 *     offsets are sent (TxnOffsetCommit to the group).
 *
 * Sends of a transaction run one after another (a send's partitions in parallel), so
 * that each partition gets its sequences in order. An append that fails leaves the
 * partition's sequence unknown: the transaction can then only be aborted. A send
 * refused before anything is appended (a bad message, a record too large) changes
 * nothing and the transaction goes on. commit() and abort() are EndTxn, answered once
 * the markers are on every partition; a transaction with nothing added ends without it.
 */
import { encodeBatchesWithin } from "../../wasm/kafdo";
import { KD_ATTR_TRANSACTIONAL } from "../../wasm/generated/abi";
import { KafdoError, KafkaCode } from "../common/errors";
import type { AppendResult } from "../common/records";
import type { ProducerMessage, RecordMetadata, Transaction, TransactionOffsets } from "../common/api";
import type { TransactionPartition, TxnProducer } from "../common/transactions";
import type { OffsetCommit } from "../common/groups";
import { transactionStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";
import { callPartition, retriable } from "../partitions/access";
import { checkPartition, maxMessageBytes, topicConfigText, topicFor } from "../partitions/topics";
import { checkGroupId, group } from "./groups";
import { byPartition, planMessages, toRecord, type Planned } from "./send-plan";

/* Kafka's transaction.timeout.ms default. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60000;

/* How often, and how far apart, a call the coordinator answers CONCURRENT_TRANSACTIONS
 * (a transaction still ending) is made again, as Kafka's clients retry it. */
const COORDINATOR_RETRIES = 50;
const COORDINATOR_BACKOFF_MS = 20;

export interface TransactionsConfig {
  transactionalId: string;
  transactionTimeoutMs: number;
  /* The codec number of the batches' attributes. */
  codec: number;
  retries: number;
}

/* A refusal that fences the producer: a newer one has its transactional id. */
function isFencing(e: unknown): boolean {
  const code = KafdoError.from(e)?.code;
  return code === KafkaCode.PRODUCER_FENCED || code === KafkaCode.INVALID_PRODUCER_EPOCH;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/* `call`, made again while the coordinator answers CONCURRENT_TRANSACTIONS. */
async function withCoordinator<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const k = KafdoError.from(e);
      if (k?.code !== KafkaCode.CONCURRENT_TRANSACTIONS || attempt >= COORDINATOR_RETRIES) throw k ?? e;
      await sleep(COORDINATOR_BACKOFF_MS);
    }
  }
}

/* The transactional side of one producer: its id and epoch, its sequences, its open transaction. */
export class ProducerTransactions {
  private producer: TxnProducer | null = null;
  /* A transaction failed: resume with a new epoch (KIP-360) before the next. */
  private resume = false;
  /* A newer producer took the transactional id: this one can do nothing more (as
   * Kafka's clients, it does not even try InitProducerId again, which would abort
   * the newer producer's open transaction). */
  private fenced: KafdoError | null = null;
  /* The next sequence number per partition (topicId/partition), in this epoch. */
  private sequences = new Map<string, number>();
  private current: OpenTransaction | null = null;
  /* begin() is initialising: a second begin() meanwhile is refused as one open. */
  private beginning = false;
  private sticky = Math.floor(Math.random() * 0x7fffffff);

  constructor(
    readonly env: Env,
    readonly config: TransactionsConfig,
  ) {
    if (typeof config.transactionalId !== "string" || config.transactionalId === "") {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "transactionalId is a non-empty string");
    }
  }

  async begin(): Promise<Transaction> {
    if (this.fenced) throw this.fenced;
    if (this.beginning || this.current?.isActive()) {
      throw new KafdoError(KafkaCode.INVALID_TXN_STATE, "a transaction of this producer is still open");
    }
    this.beginning = true;
    try {
      if (this.producer === null || this.resume) await this.init();
    } catch (e) {
      this.noteFencing(e);
      throw e;
    } finally {
      this.beginning = false;
    }
    this.current = new OpenTransaction(this, this.producer!);
    return this.current;
  }

  /* InitProducerId: a new epoch, fencing earlier producers (or, resuming, checking none came since). */
  private async init(): Promise<void> {
    const { transactionalId, transactionTimeoutMs } = this.config;
    const stub = transactionStub(this.env, transactionalId);
    const own = this.producer;
    const got = await withCoordinator(() =>
      stub.initProducerId(transactionalId, transactionTimeoutMs, own?.producerId ?? -1, own?.producerEpoch ?? -1),
    );
    this.producer = { transactionalId, producerId: got.producerId, producerEpoch: got.producerEpoch };
    this.sequences.clear();
    this.resume = false;
  }

  /* A call of the transaction failed with `e`: resume before the next, or stop for
   * good when fenced. */
  failed(e: unknown): void {
    this.resume = true;
    this.noteFencing(e);
  }

  noteFencing(e: unknown): void {
    if (isFencing(e)) this.fenced = KafdoError.from(e)!;
  }

  /* A coordinator call of the open transaction (retried while CONCURRENT_TRANSACTIONS). */
  async coordinator<T>(call: (stub: ReturnType<typeof transactionStub>) => Promise<T> | T): Promise<T> {
    const stub = transactionStub(this.env, this.config.transactionalId);
    try {
      return await withCoordinator(async () => await call(stub));
    } catch (e) {
      this.noteFencing(e);
      throw e;
    }
  }

  nextSticky(): number {
    return this.sticky++ >>> 0;
  }

  /* The next sequence number of partition `key` (topicId/partition). */
  sequence(key: string): number {
    return this.sequences.get(key) ?? 0;
  }

  /* Past `count` records appended to partition `key` (Kafka's sequences wrap at 2^31). */
  advanceSequence(key: string, count: number): void {
    this.sequences.set(key, (this.sequence(key) + count) % 0x80000000);
  }
}

/* One partition's records of a send, encoded as transactional batches. */
interface PartitionAppend {
  planned: Planned[];
  key: string;
  batches: Uint8Array;
}

class OpenTransaction implements Transaction {
  private ended = false;
  /* The sends so far, one after another. */
  private chain: Promise<unknown> = Promise.resolve();
  /* The append that failed, after which only abort() is allowed. */
  private failure: unknown = null;
  private readonly partitions = new Set<string>();
  private readonly groups = new Set<string>();

  constructor(
    private readonly owner: ProducerTransactions,
    private readonly producer: TxnProducer,
  ) {}

  isActive(): boolean {
    return !this.ended;
  }

  async send(message: ProducerMessage): Promise<RecordMetadata> {
    return (await this.sendBatch([message]))[0]!;
  }

  sendBatch(messages: ProducerMessage[]): Promise<RecordMetadata[]> {
    return this.inTurn(() => this.deliver(messages));
  }

  sendOffsets(offsets: TransactionOffsets): Promise<void> {
    return this.inTurn(() => this.commitOffsets(offsets));
  }

  async commit(): Promise<void> {
    await this.end(true);
  }

  async abort(): Promise<void> {
    await this.end(false);
  }

  /* Runs `step` after every earlier send, if the transaction can still take it. A send
   * made once commit() or abort() is called is refused: end() awaited the chain before
   * it, so end() marks the transaction ended before the send's turn comes. */
  private inTurn<T>(step: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.failure !== null) throw this.failureError();
      this.checkOpen();
      return step();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private checkOpen(): void {
    if (this.ended) throw new KafdoError(KafkaCode.INVALID_TXN_STATE, "the transaction has ended");
  }

  private failureError(): KafdoError {
    const cause = KafdoError.from(this.failure);
    return new KafdoError(
      cause?.code ?? KafkaCode.INVALID_TXN_STATE,
      `a send of this transaction failed (${cause?.message ?? String(this.failure)}); it can only be aborted`,
    );
  }

  private async deliver(messages: ProducerMessage[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(messages)) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "sendBatch takes an array of messages");
    }
    if (messages.length === 0) return [];
    const env = this.owner.env;
    const now = Date.now();
    const records = messages.map((m) => toRecord(m, now));
    const planned = await planMessages(
      env,
      messages,
      records,
      messages.map((_, i) => i),
      this.owner.nextSticky(),
    );
    const groups = byPartition(planned);
    /* Encoded (and so checked) before any partition is added or appended to. */
    const appends = this.encode(groups);
    const fresh: TransactionPartition[] = [];
    for (const g of groups) {
      const { topic, partition } = g[0]!;
      if (!this.partitions.has(`${topic.topicId}/${partition}`)) {
        fresh.push({ topic: topic.name, topicId: topic.topicId, partition });
      }
    }
    if (fresh.length > 0) {
      await this.owner.coordinator((c) => c.addPartitions(this.producer, fresh));
      for (const p of fresh) this.partitions.add(`${p.topicId}/${p.partition}`);
    }
    const outcomes = await Promise.allSettled(appends.map((a) => this.append(a)));
    const failed = outcomes.find((o) => o.status === "rejected");
    if (failed) {
      this.failure = failed.reason;
      this.owner.failed(failed.reason);
      /* Fenced: no EndTxn of this producer can succeed any more. */
      if (isFencing(failed.reason)) this.ended = true;
      throw KafdoError.from(failed.reason) ?? failed.reason;
    }
    const results: RecordMetadata[] = new Array(messages.length);
    outcomes.forEach((o, i) => {
      const result = (o as PromiseFulfilledResult<AppendResult>).value;
      appends[i]!.planned.forEach((p, j) => {
        const timestamp = result.logAppendTime >= 0 ? result.logAppendTime : p.record.timestamp;
        results[p.index] = { topic: p.topic.name, partition: p.partition, offset: result.baseOffset + j, timestamp };
      });
    });
    return results;
  }

  /* Each partition's records as transactional batches, with the producer's id and
   * epoch and the partition's next sequences — which move on only once every
   * partition's records are encoded: a refused record takes none. */
  private encode(groups: Planned[][]): PartitionAppend[] {
    const { producerId, producerEpoch } = this.producer;
    const attributes = this.owner.config.codec | KD_ATTR_TRANSACTIONAL;
    const appends = groups.map((planned) => {
      const topic = planned[0]!.topic;
      const key = `${topic.topicId}/${planned[0]!.partition}`;
      const batches = encodeBatchesWithin(
        { attributes, producerId, producerEpoch, baseSequence: this.owner.sequence(key) },
        planned.map((p) => p.record),
        maxMessageBytes(topic),
      );
      return { planned, key, batches };
    });
    for (const a of appends) this.owner.advanceSequence(a.key, a.planned.length);
    return appends;
  }

  /* The append, tried again as it was (same sequences: the partition answers a
   * duplicate with the offsets it stored) while the failure is retriable. */
  private async append(a: PartitionAppend): Promise<AppendResult> {
    const { topic, partition } = a.planned[0]!;
    for (let attempt = 0; ; attempt++) {
      try {
        return await callPartition(this.owner.env, topic, partition, async (stub) => {
          const [result] = await stub.append([a.batches], maxMessageBytes(topic), topicConfigText(topic));
          if (!result) throw new KafdoError(-1, "the partition answered no result");
          if (result.errorCode !== 0) throw new KafdoError(result.errorCode);
          return result;
        });
      } catch (e) {
        if (attempt >= this.owner.config.retries || !retriable(e)) throw e;
        await sleep(50 * 2 ** attempt);
      }
    }
  }

  /* AddOffsetsToTxn, then TxnOffsetCommit to the group: held pending until EndTxn. */
  private async commitOffsets(o: TransactionOffsets): Promise<void> {
    const groupId = checkGroupId(o?.consumerGroupId);
    if (!Array.isArray(o.topics)) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "sendOffsets takes { consumerGroupId, topics: [...] }");
    }
    const env = this.owner.env;
    const offsets: OffsetCommit[] = [];
    for (const t of o.topics) {
      const info = await topicFor(env, t.topic);
      for (const p of t.partitions) {
        checkPartition(info, p.partition);
        const offset = Number(p.offset);
        if (!Number.isSafeInteger(offset)) {
          throw new KafdoError(KafkaCode.INVALID_REQUEST, `offset ${String(p.offset)} is not an integer`);
        }
        offsets.push({ topic: t.topic, partition: p.partition, offset, metadata: p.metadata ?? "" });
      }
    }
    if (offsets.length === 0) return;
    if (!this.groups.has(groupId)) {
      await this.owner.coordinator((c) => c.addOffsets(this.producer, groupId));
      this.groups.add(groupId);
    }
    const member = o.consumerGroupMetadata;
    const code = await group(env, groupId).txnOffsetCommit(groupId, {
      producerId: this.producer.producerId,
      producerEpoch: this.producer.producerEpoch,
      memberId: member?.memberId ?? "",
      generationId: member?.generationId ?? -1,
      groupInstanceId: member?.groupInstanceId ?? null,
      offsets,
    });
    if (code !== 0) {
      const e = new KafdoError(code, `group ${groupId} refused the transaction's offsets`);
      this.owner.noteFencing(e);
      throw e;
    }
  }

  /* EndTxn, once the sends are done. The transaction is over whatever EndTxn answers. */
  private async end(commit: boolean): Promise<void> {
    await this.chain;
    if (this.failure !== null && (commit || this.ended)) throw this.failureError();
    this.checkOpen();
    this.ended = true;
    if (this.partitions.size === 0 && this.groups.size === 0) return;
    try {
      await this.owner.coordinator((c) => c.endTxn(this.producer, commit));
    } catch (e) {
      this.owner.failed(e);
      throw KafdoError.from(e) ?? e;
    }
  }
}
