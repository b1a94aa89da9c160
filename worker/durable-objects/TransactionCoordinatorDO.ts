/*
 * TransactionCoordinatorDO — Kafka's transaction coordinator for one transactional id
 * (addressing.ts: one object per id), its state in this object's SQLite.
 *
 * A shim over the core's coordinator (src-c/txn_coordinator.c), which owns the state
 * machine and every rule: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * the timeout abort. This class does the I/O the core asks for:
 *   - a producer id from the cluster's allocator (ClusterMetadataDO), for a new
 *     transactional id or one whose epochs ran out; the cluster registers the id then,
 *     for ListTransactions;
 *   - ending a transaction: the core stores PrepareCommit or PrepareAbort first; then
 *     every partition of the transaction gets its marker (TopicPartitionDO.writeTxnMarker)
 *     and every group added by AddOffsetsToTxn its offsets committed or dropped
 *     (ConsumerGroupDO.completeTxnOffsets), each struck off as it is done; then the core
 *     makes the state CompleteCommit or CompleteAbort. EndTxn is answered after that,
 *     so a read_committed consumer sees the transaction's records once the client's
 *     commit returns (Kafka answers once the decision is logged and writes the markers
 *     after). When a marker cannot be written yet, EndTxn is answered
 *     CONCURRENT_TRANSACTIONS (the client retries it, and is answered NONE once the
 *     transaction is complete) and the alarm tries again;
 *   - the alarm: an Ongoing transaction past transaction.timeout.ms is fenced (epoch
 *     bumped) and aborted, as Kafka's coordinator does; a Prepare* state left by a
 *     crash, or by a marker that failed, is driven to completion. Markers and offset
 *     completion are idempotent, so doing one twice is harmless.
 *
 * The partitions are reached by the topic id recorded when they joined the transaction
 * (not looked up by name again, which partitions/access.ts would do from a layer above
 * this one): a topic deleted meanwhile has a retired log, answering
 * UNKNOWN_TOPIC_OR_PARTITION, and gets no marker; one deleted and created again under
 * the same name is another log and never gets this transaction's marker.
 *
 * Refusals are Kafka's codes thrown as KafdoErrors (the core's), answered as values
 * across RPC (rpc.ts). Methods that can fail before any I/O are plain functions, as in
 * ConsumerGroupDO.
 */
import { DurableObject } from "cloudflare:workers";
import {
  registerStorage,
  txnAdd,
  txnComplete,
  txnDescribe,
  txnEnd,
  txnInit,
  txnMarked,
  txnOpen,
  txnPending,
  txnPoll,
  type KafdoStorage,
  type TxnInitOutput,
} from "../../wasm/kafdo";
import { KafdoError, KafkaCode } from "../common/errors";
import type {
  TransactionDescription,
  TransactionPartition,
  TransactionalProducer,
  TxnProducer,
} from "../common/transactions";
import { groupStub, metadataStub, partitionStub } from "./addressing";
import type { Env } from "./bindings";
import type { TransactionCoordinatorRpc } from "./interfaces";
import { answerRefusals } from "./rpc";

/* Kafka's coordinator epoch, written in each marker: the epoch of the coordinator's
 * partition of __transaction_state. Kafdo's coordinator of an id is always the same
 * Durable Object, so it never changes. */
const COORDINATOR_EPOCH = 0;

/* How soon the alarm tries again a marker that could not be written. */
const RETRY_MS = 1000;

/* A partition's answers to a marker that end its part: written, or nothing to write
 * it on (the topic deleted), or a newer epoch of the producer there already. */
const MARKER_ENDS = new Set([
  0,
  KafkaCode.UNKNOWN_TOPIC_OR_PARTITION,
  KafkaCode.INVALID_PRODUCER_EPOCH,
  KafkaCode.PRODUCER_FENCED,
]);

export class TransactionCoordinatorDO extends DurableObject<Env> implements TransactionCoordinatorRpc {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    txnOpen(this.db);
  }

  /* InitProducerId with this transactional id: its producer id and a new epoch, fencing
   * every producer before it. v3+ clients give their own id and epoch to resume after
   * an error (KIP-360). An ongoing transaction is aborted first, and the client is told
   * CONCURRENT_TRANSACTIONS, to retry. */
  initProducerId(
    transactionalId: string,
    timeoutMs: number,
    producerId = -1,
    producerEpoch = -1,
  ): TransactionalProducer | Promise<TransactionalProducer> {
    const ask = (newProducerId: number) =>
      txnInit(this.db, { transactionalId, timeoutMs, producerId, producerEpoch, newProducerId }, Date.now());
    const first = ask(-1);
    if (first.outcome !== "needProducerId") return this.#initAnswer(first);
    return metadataStub(this.env)
      .allocateTransactionalProducerId(transactionalId)
      .then((newProducerId) => this.#initAnswer(ask(newProducerId)));
  }

  async #initAnswer(r: TxnInitOutput): Promise<TransactionalProducer> {
    if (r.outcome === "drive") {
      await this.#finish();
      throw new KafdoError(
        KafkaCode.CONCURRENT_TRANSACTIONS,
        "the transaction in progress was fenced and aborted; retry InitProducerId",
      );
    }
    this.#schedule(r.deadline);
    return { producerId: r.producerId, producerEpoch: r.producerEpoch };
  }

  /* AddPartitionsToTxn: the partitions (with their topic ids) join the transaction,
   * which begins with its first; its timeout runs from then. */
  addPartitions(producer: TxnProducer, partitions: TransactionPartition[]): void {
    this.#schedule(txnAdd(this.db, producer, partitions, [], Date.now()));
  }

  /* AddOffsetsToTxn: the group's offsets (TxnOffsetCommit) are committed with the
   * transaction, or dropped with it. */
  addOffsets(producer: TxnProducer, groupId: string): void {
    this.#schedule(txnAdd(this.db, producer, [], [groupId], Date.now()));
  }

  /* EndTxn: answered once every marker is written (see the header). */
  endTxn(producer: TxnProducer, commit: boolean): void | Promise<void> {
    if (txnEnd(this.db, producer, commit, Date.now()) === "done") return;
    return this.#finish().then((complete) => {
      if (!complete) {
        throw new KafdoError(
          KafkaCode.CONCURRENT_TRANSACTIONS,
          "the transaction's markers are not all written yet; the coordinator goes on trying",
        );
      }
    });
  }

  /* DescribeTransactions; null for a transactional id never initialised. */
  describe(): TransactionDescription | null {
    return txnDescribe(this.db);
  }

  override async alarm(): Promise<void> {
    const polled = txnPoll(this.db, Date.now());
    if (!polled.drive) return this.#schedule(polled.deadline);
    if (await this.#finish()) this.#schedule(txnPoll(this.db, Date.now()).deadline);
  }

  /*
   * Completes a Prepare* state: the marker on every partition, the offsets of every
   * group, each struck off once done, then Complete*. Answers whether it completed;
   * if not, the alarm tries again soon. Running twice at once (EndTxn and the alarm)
   * is harmless: every step is idempotent.
   */
  async #finish(): Promise<boolean> {
    const work = txnPending(this.db);
    if (!work) return true;
    const { producerId, producerEpoch, commit } = work;
    const outcomes = await Promise.allSettled([
      ...work.partitions.map(async (p) => {
        const errorCode = await codeOf(
          partitionStub(this.env, p.topicId, p.partition).writeTxnMarker({
            producerId,
            producerEpoch,
            commit,
            coordinatorEpoch: COORDINATOR_EPOCH,
          }),
        );
        if (!MARKER_ENDS.has(errorCode)) throw new KafdoError(errorCode, `${p.topic}-${p.partition}'s marker`);
        txnMarked(this.db, p);
      }),
      ...work.groups.map(async (group) => {
        const errorCode = await codeOf(
          groupStub(this.env, group).completeTxnOffsets({ producerId, producerEpoch, commit }),
        );
        if (errorCode !== 0) throw new KafdoError(errorCode, `group ${group}'s transactional offsets`);
        txnMarked(this.db, { group });
      }),
    ]);
    const failed = outcomes.filter((o) => o.status === "rejected");
    if (failed.length === 0 && txnComplete(this.db, Date.now())) return true;
    for (const f of failed) console.warn("transaction coordinator: will retry", (f as PromiseRejectedResult).reason);
    this.#schedule(Date.now() + RETRY_MS);
    return false;
  }

  /* The alarm for the core's next deadline; none leaves the alarm as it is (a late
   * alarm finds nothing to do). Not awaited: the output gate holds the answer back
   * until storage has it. */
  #schedule(deadline: number | null): void {
    if (deadline !== null) void this.ctx.storage.setAlarm(deadline);
  }
}

/* The error code a marker or offset completion answered, or the refusal it threw. */
async function codeOf(call: Promise<{ errorCode: number }>): Promise<number> {
  try {
    return (await call).errorCode;
  } catch (e) {
    const k = KafdoError.from(e);
    if (k === undefined || k.code < 0) throw e;
    return k.code;
  }
}

answerRefusals(TransactionCoordinatorDO);
