/*
 * cold-tier.ts — the R2 I/O of a partition's cold tier (Kafka's tiered storage).
 *
 * Every rule is the core's (src-c/tiering.c): which batches move, the segment's bytes
 * and index, the object's key, which objects are garbage, which byte range answers a
 * read. This module only puts, gets and deletes objects in the KAFDO_COLD bucket, in
 * the order that keeps a crash harmless:
 *
 *   - moving: plan (the core records the key as in flight), put, and only after the
 *     put succeeded, commit (the segment is recorded and its hot rows deleted in one
 *     transaction). A crash between put and commit leaves an object the core lists as
 *     garbage; the batches are still hot, and the next plan names the same key.
 *   - garbage (objects in flight never committed, segments retention deleted, a
 *     retired log's): deleted from the bucket, then forgotten by the core, so an
 *     object is never forgotten before it is gone.
 *   - reads: a read at a cold offset (the core says KD_ERR_COLD) gets the byte range
 *     the core names and hands the bytes back; the core checks them against the
 *     segment's index and CRCs and answers exactly as for hot batches. A read answers
 *     from one segment, as Kafka's remote fetch does; the client asks again from
 *     where it got to.
 *
 * Without the binding nothing tiers (a topic cannot ask for it: ClusterMetadataDO
 * refuses remote.storage.enable=true then), and a read of segments moved while it was
 * bound fails with KAFKA_STORAGE_ERROR rather than skipping them.
 */
import {
  logFetchColdIsolated,
  logFetchIsolated,
  logReadColdIsolated,
  logReadIsolated,
  logReadRestColdIsolated,
  logReadRestIsolated,
  tierCommit,
  tierForget,
  tierGarbage,
  tierLocate,
  tierPlan,
  type ColdRange,
} from "../../wasm/kafdo";
import { KafdoError, KD_ERR_COLD, KD_ERR_STORAGE } from "../common/errors";
import type { FetchResult, IsolationLevel, ReadResult } from "../common/records";
import type { Encoding, RestReadResult } from "../common/rest-read";

/* The most bytes in one segment object (segment.bytes may say less): a segment is
 * built in the isolate's memory, so it stays well under its 128 MB. */
export const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;

/* The most segments one alarm moves, and garbage objects one alarm deletes (R2's
 * delete takes at most 1000 keys a call). */
export const TIER_STEP_SEGMENTS = 4;
const GARBAGE_STEP_KEYS = 1000;

/* What a tiering step did, and when the next is due. */
export interface TierStep {
  more: boolean;
  active: boolean;
  nextDeadlineMs: number;
  sizeTriggerBytes: number;
}

function isCold(e: unknown): boolean {
  return KafdoError.from(e)?.code === KD_ERR_COLD;
}

export class ColdTier {
  /* One tiering step at a time: the core's in-flight keys assume it. */
  private stepping: Promise<TierStep> | undefined;

  constructor(
    private readonly db: number,
    private readonly bucket: R2Bucket | undefined,
    /* Names this partition's objects: the Durable Object's id, unique per topic id and partition. */
    private readonly keyPrefix: string,
  ) {}

  /* Deletes the objects that are no longer part of the log; true when more remain. */
  async collectGarbage(): Promise<boolean> {
    if (!this.bucket) return false;
    const keys = tierGarbage(this.db, GARBAGE_STEP_KEYS);
    if (keys.length === 0) return false;
    await this.bucket.delete(keys);
    tierForget(this.db, keys);
    return keys.length === GARBAGE_STEP_KEYS;
  }

  /* Moves up to TIER_STEP_SEGMENTS segments to the bucket. */
  step(nowMs: number): Promise<TierStep> {
    this.stepping ??= this.move(nowMs).finally(() => (this.stepping = undefined));
    return this.stepping;
  }

  private async move(nowMs: number): Promise<TierStep> {
    const idle = { more: false, active: false, nextDeadlineMs: -1, sizeTriggerBytes: -1 };
    if (!this.bucket) return idle;
    const more = await this.collectGarbage();
    for (let i = 0; i < TIER_STEP_SEGMENTS; i++) {
      const plan = tierPlan(this.db, nowMs, SEGMENT_MAX_BYTES, this.keyPrefix);
      if (!plan.segment) {
        return {
          more,
          active: plan.active,
          nextDeadlineMs: plan.nextDeadlineMs,
          sizeTriggerBytes: plan.sizeTriggerBytes,
        };
      }
      await this.bucket.put(plan.segment.key, plan.segment.bytes);
      tierCommit(this.db, plan.segment);
      if (!plan.more) {
        return {
          more,
          active: plan.active,
          nextDeadlineMs: plan.nextDeadlineMs,
          sizeTriggerBytes: plan.sizeTriggerBytes,
        };
      }
    }
    return { ...idle, more: true, active: true };
  }

  /* logFetchIsolated, from the bucket when the offset is cold. */
  fetch(
    offset: number,
    maxBytes: number,
    minOneBatch: boolean,
    isolation: IsolationLevel,
  ): FetchResult | Promise<FetchResult> {
    const hot = (): FetchResult => logFetchIsolated(this.db, offset, maxBytes, minOneBatch, isolation);
    try {
      return hot();
    } catch (e) {
      if (!isCold(e)) throw e;
    }
    return this.readCold(
      offset,
      maxBytes,
      minOneBatch,
      (bytes, position) => logFetchColdIsolated(this.db, offset, maxBytes, minOneBatch, isolation, bytes, position),
      hot,
    );
  }

  /* logReadIsolated, from the bucket when the offset is cold. */
  read(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    isolation: IsolationLevel,
  ): ReadResult | Promise<ReadResult> {
    const hot = (): ReadResult => logReadIsolated(this.db, offset, maxRecords, maxBytes, isolation);
    try {
      return hot();
    } catch (e) {
      if (!isCold(e)) throw e;
    }
    return this.readCold(
      offset,
      maxBytes,
      true,
      (bytes, position) => logReadColdIsolated(this.db, offset, maxRecords, maxBytes, isolation, bytes, position),
      hot,
    );
  }

  /* logReadRestIsolated, from the bucket when the offset is cold. */
  readRest(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    isolation: IsolationLevel,
    encoding: Encoding,
  ): RestReadResult | Promise<RestReadResult> {
    const hot = (): RestReadResult => logReadRestIsolated(this.db, offset, maxRecords, maxBytes, isolation, encoding);
    try {
      return hot();
    } catch (e) {
      if (!isCold(e)) throw e;
    }
    return this.readCold(
      offset,
      maxBytes,
      true,
      (bytes, position) =>
        logReadRestColdIsolated(this.db, offset, maxRecords, maxBytes, isolation, encoding, bytes, position),
      hot,
    );
  }

  /* Gets the range the core names and has it answer. The object can vanish between
   * the two when retention deletes its segment meanwhile: then the core is asked
   * again (it now answers OFFSET_OUT_OF_RANGE); a second miss is a storage failure. */
  private async readCold<T>(
    offset: number,
    maxBytes: number,
    minOneBatch: boolean,
    answer: (bytes: Uint8Array, position: number) => T,
    hot: () => T,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const range = tierLocate(this.db, offset, maxBytes, minOneBatch);
      if (!range) return hot();
      const bytes = range.length === 0 ? new Uint8Array(0) : await this.get(range);
      if (bytes) return answer(bytes, range.position);
      if (attempt > 0) throw new KafdoError(KD_ERR_STORAGE, `the cold tier's object ${range.key} is missing`);
    }
  }

  private async get(range: ColdRange): Promise<Uint8Array | null> {
    if (!this.bucket) {
      throw new KafdoError(KD_ERR_STORAGE, "offsets are in the cold tier but the KAFDO_COLD bucket is not bound");
    }
    const object = await this.bucket.get(range.key, { range: { offset: range.position, length: range.length } });
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  }
}
