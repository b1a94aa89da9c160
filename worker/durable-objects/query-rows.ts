/*
 * query-rows.ts — a partition's half of SQL over a topic (api/query.ts has the whole):
 * read a range of the log, decoded by the core (the partition's read), and run one
 * SELECT over those records in this object's SQLite.
 *
 * The records go to SQLite as JSON arrays bound to an INSERT (each under the 2 MB a
 * parameter may have), copied into a scratch table (so the JSON is parsed once, and
 * each value's JSON once more into a JSONB column that the field columns read), and
 * the statement reads that table through
 * a common table expression named after the topic (topicTable). All of it runs in one
 * transactionSync that is always rolled back: whatever a query does, the storage is as
 * it was, and the scratch table is never written to disk. (Temporary tables would do
 * it too, but Durable Object SQLite does not allow them.)
 *
 * A key, a value or a header value is its UTF-8 text, or its bytes as base64 text when
 * they are not UTF-8; headers are a JSON object text of name to value.
 */
import { KafdoError, KafkaCode } from "../common/errors";
import type { ConsumerRecord, ReadResult } from "../common/records";
import type { PartitionQuery, PartitionQueryResult, QueryRow, QueryValue, RecordRow } from "../common/query";

/* The record columns, in a RecordRow's order. */
export const RECORD_COLUMNS = ["partition", "offset", "timestamp", "key", "headers", "value"] as const;

const SCRATCH = "_kafdo_query_rows";

/* The most records one read of the log returns (the read API's ceiling). */
const READ_RECORDS = 10000;
const READ_BYTES = 4 << 20;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/* The JSON path of a top-level field, as an SQL string literal: '$."name"'. The plan
 * refuses names with a double quote or a backslash, which a path cannot quote. */
function fieldPath(field: string): string {
  return `'$."${field.replaceAll("'", "''")}"'`;
}

/* The common table expression that is the topic's table: the record columns, and a
 * column for each JSON field the query names (its top-level field of that name; NULL
 * when the value is not a JSON object or has no such field). */
export function topicTable(topic: string, fields: readonly string[]): string {
  const names = [...RECORD_COLUMNS, ...fields].map(quoteIdentifier).join(", ");
  const values = [...RECORD_COLUMNS.map(quoteIdentifier), ...fields.map((f) => `_j ->> ${fieldPath(f)}`)].join(", ");
  return `${quoteIdentifier(topic)}(${names}) AS (SELECT ${values} FROM ${SCRATCH})`;
}

const CREATE = `CREATE TABLE ${SCRATCH} ("partition" INTEGER, "offset" INTEGER, "timestamp" INTEGER, "key" TEXT, "headers" TEXT, "value" TEXT, _j BLOB)`;
const FILL =
  `INSERT INTO ${SCRATCH} SELECT r ->> 0, r ->> 1, r ->> 2, r ->> 3, r ->> 4, r ->> 5, ` +
  `CASE WHEN json_valid(r ->> 5) THEN jsonb(r ->> 5) END FROM (SELECT value AS r FROM json_each(?1))`;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function text(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return base64(bytes);
  }
}

function recordRow(partition: number, r: ConsumerRecord): RecordRow {
  const headers =
    r.headers.length === 0 ? "{}" : JSON.stringify(Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])));
  return [partition, r.offset, r.timestamp, text(r.key), headers, text(r.value)];
}

function recordBytes(r: ConsumerRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.key.length + (h.value?.length ?? 0);
  return n;
}

export function overBudget(message: string): KafdoError {
  return new KafdoError(KafkaCode.POLICY_VIOLATION, message);
}

/* Reads offsets [fromOffset, toOffset) as rows, within the query's byte budget. */
async function readRows(
  q: PartitionQuery,
  read: (offset: number, maxRecords: number, maxBytes: number) => ReadResult | Promise<ReadResult>,
): Promise<{ rows: RecordRow[]; bytes: number }> {
  const rows: RecordRow[] = [];
  let bytes = 0;
  for (let offset = q.fromOffset; offset < q.toOffset;) {
    const got = await read(offset, Math.min(READ_RECORDS, q.toOffset - offset), READ_BYTES);
    for (const r of got.records) {
      if (r.offset >= q.toOffset) break;
      bytes += recordBytes(r);
      if (bytes > q.maxBytes) {
        throw overBudget(
          `the query reads more than its byte budget (maxBytes ${q.maxBytes}) in partition ${q.partition} alone: ` +
            "narrow it with a filter on timestamp or offset, or raise maxBytes",
        );
      }
      rows.push(recordRow(q.partition, r));
    }
    /* Committed records only: a read may give none yet move past transaction markers
     * and aborted records (nextOffset); it stops at the last stable offset. */
    const last = got.records.at(-1);
    const next = Math.max(got.nextOffset ?? 0, last === undefined ? 0 : last.offset + 1);
    if (next <= offset) break;
    offset = next;
  }
  return { rows, bytes };
}

/* The rows as JSON arrays of at most about FILL_CHARS characters each: Durable Object
 * SQLite takes a string of at most 2 MB as a parameter. */
const FILL_CHARS = 512 * 1024;

function* jsonChunks(rows: RecordRow[]): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const r of rows) {
    const text = JSON.stringify(r);
    if (size + text.length > FILL_CHARS && parts.length > 0) {
      yield `[${parts.join(",")}]`;
      [parts, size] = [[], 0];
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length > 0) yield `[${parts.join(",")}]`;
}

class Rollback extends Error {}

/* SQLite's answer as JSON-able values: a blob (from a function such as jsonb) as base64. */
function cell(v: SqlStorageValue): QueryValue {
  return v instanceof ArrayBuffer ? base64(new Uint8Array(v)) : v;
}

/* Runs `q.statement` over `rows` (and tells which of q.fields the rows have), in a
 * transaction rolled back before it returns. */
export function queryRows(storage: DurableObjectStorage, q: PartitionQuery, rows: RecordRow[]): PartitionQueryResult {
  const sql = storage.sql;
  let result: PartitionQueryResult | undefined;
  try {
    storage.transactionSync(() => {
      sql.exec(CREATE);
      for (const chunk of jsonChunks(rows)) sql.exec(FILL, chunk);
      const seen = sql
        .exec(
          `SELECT EXISTS(SELECT 1 FROM ${SCRATCH} WHERE json_type(_j) = 'object')` +
            q.fields
              .map((f) => `, EXISTS(SELECT 1 FROM ${SCRATCH} WHERE json_type(_j, ${fieldPath(f)}) IS NOT NULL)`)
              .join(""),
        )
        .raw()
        .next().value as number[];
      let cursor: SqlStorageCursor<Record<string, SqlStorageValue>>;
      try {
        cursor = sql.exec(q.statement);
      } catch (e) {
        throw new KafdoError(KafkaCode.INVALID_REQUEST, `the query failed in SQLite: ${(e as Error).message}`);
      }
      const out: unknown[] = [];
      const names = cursor.columnNames;
      try {
        for (const raw of cursor.raw()) {
          if (out.length === q.maxRows) {
            throw overBudget(`the query answers more than its row budget (maxRows ${q.maxRows}) of rows`);
          }
          if (q.raw) out.push(raw);
          else out.push(Object.fromEntries(names.map((n, i) => [n, cell(raw[i]!)])) as QueryRow);
        }
      } catch (e) {
        if (KafdoError.from(e)) throw e;
        throw new KafdoError(KafkaCode.INVALID_REQUEST, `the query failed in SQLite: ${(e as Error).message}`);
      }
      result = {
        rows: out as QueryRow[] | RecordRow[],
        recordsRead: rows.length,
        bytesRead: 0,
        sawObject: seen[0] === 1,
        fieldsSeen: q.fields.map((_, i) => seen[i + 1] === 1),
      };
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return result!;
}

/* A partition's share of a query: its range read, then the statement run over it. */
export async function queryPartition(
  storage: DurableObjectStorage,
  q: PartitionQuery,
  read: (offset: number, maxRecords: number, maxBytes: number) => ReadResult | Promise<ReadResult>,
): Promise<PartitionQueryResult> {
  const { rows, bytes } = await readRows(q, read);
  return { ...queryRows(storage, q, rows), bytesRead: bytes };
}
