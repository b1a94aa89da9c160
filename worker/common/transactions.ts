/*
 * transactions.ts — what Kafdo's doors say about a transaction (Kafka's transactional
 * producers): one transactional id's state as its coordinator keeps it
 * (durable-objects/TransactionCoordinatorDO.ts, the rules in src-c/txn_coordinator.c),
 * as DescribeTransactions, ListTransactions and GET /admin/transactions show it.
 */

/* Kafka's TransactionState names. */
export type TransactionState =
  | "Empty"
  | "Ongoing"
  | "PrepareCommit"
  | "PrepareAbort"
  | "CompleteCommit"
  | "CompleteAbort"
  | "Dead"
  | "PrepareEpochFence";

/* A partition of a transaction; topicId names the log its marker goes to. */
export interface TransactionPartition {
  topic: string;
  topicId: string;
  partition: number;
}

export interface TransactionDescription {
  transactionalId: string;
  state: TransactionState;
  producerId: number;
  producerEpoch: number;
  /* transaction.timeout.ms, as the producer's InitProducerId gave it. */
  timeoutMs: number;
  /* When the current (or last) transaction began, ms since the epoch; -1 before the first. */
  startTimeMs: number;
  /* The last change of state, ms since the epoch. */
  updateTimeMs: number;
  /* The partitions in the transaction (while Prepare*: those whose marker is still to write). */
  partitions: { topic: string; partition: number }[];
  /* The consumer groups whose offsets the transaction commits (AddOffsetsToTxn). */
  groups: string[];
}

/* What InitProducerId answers a transactional producer. */
export interface TransactionalProducer {
  producerId: number;
  producerEpoch: number;
}

/* A producer's request within its transaction (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn). */
export interface TxnProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}
