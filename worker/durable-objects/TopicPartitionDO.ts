/*
 * TopicPartitionDO — one partition of one topic: its log, in this object's SQLite.
 *
 * A shim. The core owns the log's schema, its SQL and every rule about offsets and
 * batches (src-c/log.c); this class registers its storage with the wasm binding,
 * opens the log once, and passes each RPC through, adding only what the core must
 * not do itself: read the clock.
 *
 * The read of stored batches is named fetchBatches, not fetch: `fetch` on a Durable
 * Object is its HTTP handler, and a stub's fetch() always sends a Request.
 *
 * Failures are KafdoErrors, thrown. Over RPC they arrive as Errors named for their
 * Kafka error (OFFSET_OUT_OF_RANGE, ...); KafdoError.from() restores them.
 */
import { DurableObject } from "cloudflare:workers";
import {
  logAppend,
  logFetch,
  logOffsets,
  logOpen,
  logRead,
  registerStorage,
  type KafdoStorage,
} from "../../wasm/kafdo";
import type { Env } from "../env";
import type { AppendResult, FetchResult, LogOffsets, ReadResult } from "../types";

/* Kafka's default max.message.bytes: the largest batch a topic accepts unless its
 * config says otherwise. */
export const DEFAULT_MAX_BATCH_BYTES = 1048588;

export class TopicPartitionDO extends DurableObject<Env> {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    logOpen(this.db);
  }

  /* Appends produce sets, each one or more RecordBatches back to back; one result
   * per set, in order. The sets' batches are stored with their offsets assigned. */
  append(sets: Uint8Array[], maxBatchBytes: number = DEFAULT_MAX_BATCH_BYTES): AppendResult[] {
    return logAppend(this.db, sets, Date.now(), maxBatchBytes);
  }

  /* Stored RecordBatch bytes from offset, as a Kafka Fetch returns them. */
  fetchBatches(offset: number, maxBytes: number): FetchResult {
    return logFetch(this.db, offset, maxBytes);
  }

  /* Decoded records from offset. */
  read(offset: number, maxRecords: number, maxBytes: number): ReadResult {
    return logRead(this.db, offset, maxRecords, maxBytes);
  }

  offsets(): LogOffsets {
    return logOffsets(this.db);
  }
}
