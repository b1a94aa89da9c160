/*
 * kafdo.ts — the TypeScript binding of the C core: the one place that knows the ABI
 * (src-c/kafdo.h). Everything above it calls typed functions and gets typed values or
 * a KafdoError; nothing above it sees a pointer.
 *
 * This file is the binding's entry; each core module has its own file beside it:
 *
 *   core.ts            the wasm instance and invoke(), the one way to call the core:
 *                      stage the input, call, read the output, in the Durable Object's
 *                      transaction when the call writes
 *   bytes.ts           the one Reader and the one Writer of the byte formats
 *   formats.ts         the output formats several modules read (internal)
 *   storage-host.ts    the storage door (src-c/storage.h): the core's SQL, run on DO SQLite
 *   batch.ts           RecordBatch v2, CRC-32C, murmur2, the partitioner
 *   log.ts             a partition's log: append, fetch, read, offsets, DeleteRecords
 *   retention.ts       retention and compaction steps
 *   tiering.ts         the cold tier
 *   txn-log.ts         a partition's side of transactions: markers, the LSO, isolated reads
 *   rest-read.ts       isolated reads written as a REST read's JSON messages (rest_json.c)
 *   topics.ts          the cluster's topics and producer ids
 *   groups.ts          consumer groups (Kafdo's protocol) and the registry of group ids
 *   group-reset.ts     resetting a group's committed offsets (kafka-consumer-groups --reset-offsets)
 *   group-txn.ts       a group's transactional offsets (TxnOffsetCommit), pending until the
 *                      transaction ends
 *   classic-groups.ts  Kafka's classic group protocol on the same groups
 *   kafka.ts           the Kafka wire protocol codec
 *   kafka-rules.ts     Kafka's per-request rules (acks, Fetch budget, Metadata, JoinGroup by version)
 *   sasl.ts            SCRAM credentials and exchanges, PLAIN messages
 *   acl.ts             Kafka's ACLs: which may be stored, filters, the authorization decision
 *   transactions.ts    the transaction coordinator of one transactional id, the registry of ids
 *   generated/abi.ts   kafdo.h's and storage.h's constants, written by
 *                      scripts/gen-core-tables.mjs (never by hand)
 *
 * Byte formats are kafdo.h's, little-endian. int64s cross the wasm boundary as BigInt
 * and appear above this layer as numbers (see worker/common/records.ts for why that is
 * safe).
 */
export { registerStorage, type KafdoStorage } from "./storage-host";
export { countSqlRows, sqlRows, type SqlRows } from "./storage-host";
export * from "./batch";
export * from "./log";
export * from "./retention";
export * from "./tiering";
export * from "./txn-log";
export * from "./rest-read";
export * from "./topics";
export * from "./groups";
export * from "./group-reset";
export * from "./group-txn";
export * from "./classic-groups";
export * from "./kafka";
export * from "./kafka-rules";
export * from "./sasl";
export * from "./acl";
export * from "./transactions";
