/*
 * transaction.ts — atomic produce for KafdoClient, over POST /transactions/produce
 * (one Kafka transaction per call: every record, on any topics and partitions, and a
 * consumer group's offsets commit together, or nothing does).
 *
 *   await client.produceTransaction({ records: [...], offsets: { groupId, topics } })
 *
 *   const txn = client.transaction({ transactionalId: "enricher" });
 *   txn.send({ topic: "out", value: 1 });
 *   txn.sendOffsets({ consumerGroupId: "g", topics: [...] });
 *   await txn.commit();   // the one request; abort() sends nothing
 *
 * client.transaction() is kafkajs's Transaction shape over that one call: the records
 * and offsets are gathered here and go to the Worker at commit(), so a transaction
 * abandoned, aborted or failing leaves nothing visible.
 */
import type { RecordMetadata } from "../common/api";
import { KafdoClientError } from "./errors";
import { type ClientMessage, needsBase64, restMessage } from "./records";
import type { Transport } from "./transport";

/* A group's next offsets to consume (the last processed + 1), committed with the records. */
export interface ClientTransactionOffsets {
  groupId: string;
  topics: { topic: string; partitions: { partition: number; offset: number; metadata?: string }[] }[];
}

export interface ClientTransactionRequest {
  /* Kafka's transactional.id: the call fences every earlier producer of it. Absent:
   * an id of the call's own. */
  transactionalId?: string;
  /* Each names its topic. */
  records: (ClientMessage & { topic: string })[];
  offsets?: ClientTransactionOffsets;
  compression?: "none" | "gzip" | "snappy" | "lz4" | "zstd";
}

export interface ClientTransactionResult {
  transactionalId: string;
  /* Where each record was stored, in the records' order. */
  results: RecordMetadata[];
}

/* POST /transactions/produce. */
export async function produceTransaction(
  transport: Transport,
  request: ClientTransactionRequest,
): Promise<ClientTransactionResult> {
  if (request === null || typeof request !== "object" || !Array.isArray(request.records)) {
    throw new KafdoClientError("INVALID_REQUEST", "produceTransaction() takes { records: [...] }");
  }
  request.records.forEach((r, i) => {
    if (typeof r?.topic !== "string" || r.topic === "") {
      throw new KafdoClientError("INVALID_REQUEST", `produceTransaction() record ${i} names no topic`);
    }
  });
  const base64 = needsBase64(request.records);
  return transport.call<ClientTransactionResult>("POST", "/transactions/produce", {
    query: { encoding: base64 ? "base64" : undefined, compression: request.compression },
    body: {
      ...(request.transactionalId === undefined ? {} : { transactionalId: request.transactionalId }),
      records: request.records.map((r) => ({ topic: r.topic, ...restMessage(r, base64) })),
      ...(request.offsets === undefined ? {} : { offsets: request.offsets }),
    },
  });
}

/* kafkajs's sendOffsets argument. */
export interface ClientSendOffsets {
  consumerGroupId: string;
  topics: { topic: string; partitions: { partition: number; offset: number | string; metadata?: string }[] }[];
}

/* Records and offsets gathered, sent as one atomic produce at commit(). */
export class KafdoHttpTransaction {
  private readonly records: (ClientMessage & { topic: string })[] = [];
  private offsets: ClientTransactionOffsets | undefined;
  private ended = false;

  constructor(
    private readonly transport: Transport,
    private readonly options: { transactionalId?: string; compression?: ClientTransactionRequest["compression"] } = {},
  ) {}

  isActive(): boolean {
    return !this.ended;
  }

  send(message: ClientMessage & { topic: string }): void {
    this.sendBatch([message]);
  }

  sendBatch(messages: (ClientMessage & { topic: string })[]): void {
    this.guard();
    if (!Array.isArray(messages)) throw new KafdoClientError("INVALID_REQUEST", "sendBatch() takes an array");
    this.records.push(...messages);
  }

  /* One group per transaction; a partition given twice keeps its last offset. */
  sendOffsets({ consumerGroupId, topics }: ClientSendOffsets): void {
    this.guard();
    if (this.offsets && this.offsets.groupId !== consumerGroupId) {
      throw new KafdoClientError("INVALID_REQUEST", "a transaction over HTTP commits the offsets of one group");
    }
    const merged = new Map<string, { topic: string; partition: number; offset: number; metadata?: string }>();
    for (const t of this.offsets?.topics ?? []) {
      for (const p of t.partitions) merged.set(`${p.partition}:${t.topic}`, { topic: t.topic, ...p });
    }
    for (const t of topics) {
      for (const p of t.partitions) {
        merged.set(`${p.partition}:${t.topic}`, { topic: t.topic, ...p, offset: Number(p.offset) });
      }
    }
    const byTopic = new Map<string, ClientTransactionOffsets["topics"][number]>();
    for (const { topic, ...p } of merged.values()) {
      const t = byTopic.get(topic) ?? { topic, partitions: [] };
      t.partitions.push(p);
      byTopic.set(topic, t);
    }
    this.offsets = { groupId: consumerGroupId, topics: [...byTopic.values()] };
  }

  /* The one request: everything commits, or (an error thrown) nothing is visible. */
  async commit(): Promise<ClientTransactionResult> {
    this.guard();
    this.ended = true;
    return produceTransaction(this.transport, {
      ...this.options,
      records: this.records,
      ...(this.offsets === undefined ? {} : { offsets: this.offsets }),
    });
  }

  /* Nothing was sent: nothing to undo. */
  async abort(): Promise<void> {
    this.guard();
    this.ended = true;
  }

  private guard(): void {
    if (this.ended) throw new KafdoClientError("INVALID_TXN_STATE", "the transaction has ended");
  }
}
