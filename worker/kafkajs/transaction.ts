/*
 * transaction.ts — kafkajs's Transaction (producer.transaction()) over the in-Worker
 * producer's (worker/api/transaction.ts): send and sendBatch take kafkajs's shapes and
 * answer its RecordMetadata, sendOffsets its { consumerGroupId, topics }, and every
 * refusal is kafkajs's error (KafkaJSProtocolError with type PRODUCER_FENCED,
 * INVALID_PRODUCER_EPOCH, ...). As kafkajs, a transaction that has ended refuses
 * every call with KafkaJSNonRetriableError("Cannot continue to use transaction once ended").
 */
import type { ProducerMessage, Transaction as ApiTransaction } from "../api";
import { KafkaJSNonRetriableError, asKafkajs } from "./errors";

/* What producer.ts gives a transaction: its message shapes turned into the API's. */
export interface KafkaJSSends<Record, Batch, Metadata> {
  messagesOfRecord(record: Record): ProducerMessage[];
  messagesOfBatch(batch: Batch): ProducerMessage[];
  metadataOf(sent: Awaited<ReturnType<ApiTransaction["sendBatch"]>>): Metadata[];
}

/* kafkajs's sendOffsets argument: offsets are strings in kafkajs. */
export interface TxnOffsets {
  consumerGroupId: string;
  topics: { topic: string; partitions: { partition: number; offset: string | number; metadata?: string }[] }[];
}

export class KafkaJSTransaction<Record, Batch, Metadata> {
  private ended = false;

  constructor(
    private readonly txn: ApiTransaction,
    private readonly sends: KafkaJSSends<Record, Batch, Metadata>,
  ) {}

  isActive(): boolean {
    return !this.ended && this.txn.isActive();
  }

  async send(record: Record): Promise<Metadata[]> {
    this.guard();
    const messages = this.sends.messagesOfRecord(record);
    return this.sends.metadataOf(await asKafkajs(() => this.txn.sendBatch(messages)));
  }

  async sendBatch(batch: Batch): Promise<Metadata[]> {
    this.guard();
    const messages = this.sends.messagesOfBatch(batch);
    return this.sends.metadataOf(await asKafkajs(() => this.txn.sendBatch(messages)));
  }

  async sendOffsets(offsets: TxnOffsets): Promise<void> {
    this.guard();
    await asKafkajs(() => this.txn.sendOffsets(offsets));
  }

  async commit(): Promise<void> {
    this.guard();
    await asKafkajs(() => this.txn.commit());
    this.ended = true;
  }

  async abort(): Promise<void> {
    this.guard();
    await asKafkajs(() => this.txn.abort());
    this.ended = true;
  }

  private guard(): void {
    if (!this.isActive()) throw new KafkaJSNonRetriableError("Cannot continue to use transaction once ended");
  }
}
