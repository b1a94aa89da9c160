/*
 * query.ts — SQL over a topic (api/query.ts): what a query may read, what it answers, and
 * what the Worker asks each partition to run (durable-objects/query-rows.ts).
 *
 * Part of worker/common: imports nothing outside it.
 */

/* A query's budget: it fails (POLICY_VIOLATION) rather than read past either. */
export interface QueryOptions {
  /* At most this many records read, over all partitions (default 100000); checked
   * before anything is read, from the offsets the time and offset filters leave. The
   * answer holds at most this many rows too. */
  maxRows?: number;
  /* At most this many bytes of keys, values and headers read (default 16 MiB); a
   * partition stops reading when it alone passes it. */
  maxBytes?: number;
}

/* What a query read. */
export interface QueryStats {
  /* The partitions read (those the filters on `partition` leave). */
  partitions: number;
  recordsRead: number;
  bytesRead: number;
}

/* A value SQLite answers: a number, text or null (a blob is answered as base64 text). */
export type QueryValue = number | string | null;

/* A result row: column name to value. */
export type QueryRow = Record<string, QueryValue>;

export interface QueryResult {
  rows: QueryRow[];
  stats: QueryStats;
}

/* One partition's share of a query: read offsets [fromOffset, toOffset) (decoded by the
 * core), then run `statement` over them. */
export interface PartitionQuery {
  topic: string;
  partition: number;
  fromOffset: number;
  toOffset: number;
  maxBytes: number;
  maxRows: number;
  /* The JSON fields used as columns: the partition tells which it saw. */
  fields: string[];
  /* A SELECT over the rows, each a JSON array bound to ?1 (query-rows.ts says how). */
  statement: string;
  /* Whether the statement's rows are raw records (partition..value, as arrays) for the
   * merge, or result rows (objects). */
  raw: boolean;
}

/* A record as one row of the topic's table, its values in this order: partition, offset,
 * timestamp, key, headers (JSON object text), value. */
export type RecordRow = QueryValue[];

export interface PartitionQueryResult {
  rows: QueryRow[] | RecordRow[];
  recordsRead: number;
  bytesRead: number;
  /* For each of PartitionQuery.fields: whether some value read had it. */
  fieldsSeen: boolean[];
  /* Whether some value read was a JSON object. */
  sawObject: boolean;
}
