/*
 * transactions.ts — /admin/transactions: Kafka's transactions as their coordinators
 * keep them (api/transactions.ts): every transactional id's state, filtered by state,
 * and one id's state, producer, partitions, groups, timeout and start time. What
 * kafka-transactions.sh list / describe show, over HTTP.
 */
import { describeTransaction, listTransactions } from "../../api/transactions";
import type { TransactionState } from "../../common/transactions";
import { endpoint } from "../endpoint";
import { KafdoError, KafkaCode } from "../../common/errors";
import { TransactionNotFound, ok } from "../responses";
import { StringEnum, Struct, Type, named } from "../schema";

const STATES: readonly TransactionState[] = [
  "Empty",
  "Ongoing",
  "PrepareCommit",
  "PrepareAbort",
  "CompleteCommit",
  "CompleteAbort",
  "Dead",
  "PrepareEpochFence",
];

const TransactionalIdParam = Type.String({ description: "The transactional id, percent-encoded." });

const Transaction = named(
  "Transaction",
  Struct({
    transactionalId: Type.String(),
    state: StringEnum(STATES, { description: "Kafka's transaction state." }),
    producerId: Type.Integer(),
    producerEpoch: Type.Integer(),
    timeoutMs: Type.Integer({ description: "transaction.timeout.ms, as the producer gave it." }),
    startTimeMs: Type.Integer({
      description: "When the current (or last) transaction began, ms since the epoch; -1 before the first.",
    }),
    updateTimeMs: Type.Integer({ description: "The last change of state, ms since the epoch." }),
    partitions: Type.Array(Struct({ topic: Type.String(), partition: Type.Integer() }), {
      description: "The transaction's partitions; while it commits or aborts, those whose marker is still to write.",
    }),
    groups: Type.Array(Type.String(), {
      description: "The consumer groups whose offsets the transaction commits (AddOffsetsToTxn).",
    }),
  }),
);

const TransactionList = named("TransactionList", Struct({ transactions: Type.Array(Transaction) }));

export const listTransactionsEndpoint = endpoint({
  summary: "List transactions",
  description:
    "Every transactional id's transaction (Kafka's ListTransactions, with each one's details), by id; " +
    "?state= keeps those in that state (several: comma-separated).",
  tags: ["admin"],
  query: {
    state: Type.String({
      description: `Comma-separated states to keep: ${STATES.join(", ")}. A name that is none is 400 INVALID_REQUEST.`,
    }),
  },
  responses: { 200: ok("The transactions.", TransactionList) },
  async handle(c, { query }) {
    const states = query.state ? query.state.split(",").filter((s) => s !== "") : [];
    const { unknownStates, transactions } = await listTransactions(c.env, { states, producerIds: [], durationMs: -1 });
    if (unknownStates.length > 0)
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `no transaction state ${unknownStates.join(", ")}`);
    return Response.json({ transactions });
  },
});

export const describeTransactionEndpoint = endpoint({
  summary: "Describe a transaction",
  description:
    "One transactional id's transaction: its state, producer id and epoch, partitions and groups, " +
    "transaction.timeout.ms and when it began (Kafka's DescribeTransactions).",
  tags: ["admin"],
  params: { transactionalId: TransactionalIdParam },
  responses: { 200: ok("The transaction.", Transaction) },
  errors: [TransactionNotFound],
  async handle(c, { params }) {
    return Response.json(await describeTransaction(c.env, params.transactionalId));
  },
});
