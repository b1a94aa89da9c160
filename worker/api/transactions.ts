/*
 * transactions.ts — what an operator asks of Kafka's transactions, for the Kafka front
 * (DescribeTransactions, ListTransactions) and the REST front (/admin/transactions):
 * one transactional id's state, and the transactions of the cluster, filtered.
 *
 * Each transactional id's state lives in its TransactionCoordinatorDO; the cluster's
 * registry (ClusterMetadataDO) knows which ids exist, so an id never used is answered
 * TRANSACTIONAL_ID_NOT_FOUND without a coordinator being made for it. The filters are
 * Kafka's rules, the core's (txnListFilter).
 */
import { txnListFilter, type TxnListFilters } from "../../wasm/kafdo";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TransactionDescription } from "../common/transactions";
import { metadataStub, transactionStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";

export type { TxnListFilters };

/* Each id's transaction, in order; null for an id no producer ever initialised. */
export async function describeTransactions(env: Env, ids: string[]): Promise<(TransactionDescription | null)[]> {
  const known = new Set(await metadataStub(env).listTransactionalIds());
  return Promise.all(ids.map(async (id) => (known.has(id) ? await transactionStub(env, id).describe() : null)));
}

/* One transactional id's transaction; TRANSACTIONAL_ID_NOT_FOUND for an id never initialised. */
export async function describeTransaction(env: Env, id: string): Promise<TransactionDescription> {
  const [found] = await describeTransactions(env, [id]);
  if (!found) throw new KafdoError(KafkaCode.TRANSACTIONAL_ID_NOT_FOUND, `no transactional id "${id}"`);
  return found;
}

/* Every transaction the filters keep (empty filters: all), by id, and the state
 * filters that name no state. */
export async function listTransactions(
  env: Env,
  filters: TxnListFilters,
): Promise<{ unknownStates: string[]; transactions: TransactionDescription[] }> {
  const ids = await metadataStub(env).listTransactionalIds();
  const all = (await describeTransactions(env, ids)).filter((t): t is TransactionDescription => t !== null);
  const { unknownStates, keep } = txnListFilter(filters, all, Date.now());
  return { unknownStates, transactions: all.filter((_, i) => keep[i]) };
}
