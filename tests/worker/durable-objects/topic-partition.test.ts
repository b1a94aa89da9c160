/*
 * A partition's log in a real SQLite-backed TopicPartitionDO, end to end through the
 * wasm binding and the storage door: the DO's RPC methods, offsets, fetch and read,
 * per-set failures, transactions, and persistence across instances.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { crc32c, encodeBatch, inspectBatches } from "../../../wasm/kafdo";
import { KafdoError } from "../../../worker/common/errors";
import type { TopicPartitionDO } from "../../../worker/durable-objects/TopicPartitionDO";
import { throwRefusals } from "../../../worker/durable-objects/rpc";
import {
  ATTRIBUTES_AT,
  CRC_AT,
  PRODUCER_ID_AT,
  baseOffsetOf,
  batchOf,
  expectKafdoError,
  reseal,
  text,
  view,
} from "../helpers";

let partitions = 0;
function freshPartition(): DurableObjectStub<TopicPartitionDO> {
  return env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`topic-${Date.now()}-${partitions++}/0`));
}

const MB = 1 << 20;

describe("TopicPartitionDO", () => {
  it("starts empty", async () => {
    const p = freshPartition();
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 0 });
    const fetched = await p.fetchBatches(0, MB);
    expect(fetched.batches).toHaveLength(0);
    expect(await p.read(0, 10, MB)).toEqual({
      logStartOffset: 0,
      highWatermark: 0,
      lastStableOffset: 0,
      nextOffset: 0,
      records: [],
    });
  });

  it("gives appends consecutive offsets", async () => {
    const p = freshPartition();
    expect(await p.append([batchOf(3, "a")])).toEqual([
      { errorCode: 0, recordCount: 3, baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0 },
    ]);
    expect(await p.append([batchOf(1, "b")])).toEqual([
      { errorCode: 0, recordCount: 1, baseOffset: 3, lastOffset: 3, logAppendTime: -1, logStartOffset: 0 },
    ]);
    // Several sets in one call, and a set of two batches back to back.
    const two = new Uint8Array([...batchOf(2, "d"), ...batchOf(4, "e")]);
    expect(await p.append([batchOf(5, "c"), two])).toEqual([
      { errorCode: 0, recordCount: 5, baseOffset: 4, lastOffset: 8, logAppendTime: -1, logStartOffset: 0 },
      { errorCode: 0, recordCount: 6, baseOffset: 9, lastOffset: 14, logAppendTime: -1, logStartOffset: 0 },
    ]);
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 15 });
  });

  it("stores batches with their assigned offsets and valid CRCs", async () => {
    const p = freshPartition();
    await p.append([batchOf(2, "a")]);
    await p.append([batchOf(3, "b")]);
    const { batches } = await p.fetchBatches(0, MB);
    const summaries = inspectBatches(batches);
    expect(summaries.map((s) => [s.baseOffset, s.recordCount])).toEqual([
      [0, 2],
      [2, 3],
    ]);
    const second = batches.subarray(summaries[0]!.sizeBytes);
    expect(baseOffsetOf(second)).toBe(2);
    expect(view(second).getUint32(CRC_AT, false)).toBe(crc32c(second.subarray(ATTRIBUTES_AT)));
  });

  it("fetches, from every offset, the batch containing it first", async () => {
    const p = freshPartition();
    const sizes = [3, 1, 4, 2];
    for (const [i, n] of sizes.entries()) await p.append([batchOf(n, `s${i}`)]);
    const hw = sizes.reduce((a, b) => a + b);

    for (let offset = 0; offset < hw; offset++) {
      // max bytes 1: still one whole batch, the one containing the offset.
      const one = await p.fetchBatches(offset, 1);
      expect(one.highWatermark).toBe(hw);
      const [only, ...rest] = inspectBatches(one.batches);
      expect(rest).toEqual([]);
      expect(only!.baseOffset).toBeLessThanOrEqual(offset);
      expect(only!.baseOffset + only!.lastOffsetDelta).toBeGreaterThanOrEqual(offset);

      // Plenty of bytes: that batch, then every later one.
      const all = inspectBatches((await p.fetchBatches(offset, MB)).batches);
      expect(all[0]).toEqual(only);
      expect(all[all.length - 1]!.baseOffset + all[all.length - 1]!.lastOffsetDelta).toBe(hw - 1);
    }
    expect((await p.fetchBatches(hw, MB)).batches).toHaveLength(0);
  });

  it("stops a fetch at max bytes after the first batch", async () => {
    const p = freshPartition();
    const batch = batchOf(3, "x");
    for (let i = 0; i < 4; i++) await p.append([batchOf(3, "x")]);
    const two = await p.fetchBatches(0, batch.length * 2);
    expect(inspectBatches(two.batches).map((s) => s.baseOffset)).toEqual([0, 3]);
    const twoAndAHalf = await p.fetchBatches(0, batch.length * 2 + Math.floor(batch.length / 2));
    expect(inspectBatches(twoAndAHalf.batches)).toHaveLength(2);
  });

  it("reads records from an offset", async () => {
    const p = freshPartition();
    await p.append([batchOf(3, "a")]);
    await p.append([batchOf(3, "b")]);
    const from4 = await p.read(4, 100, MB);
    expect(from4.highWatermark).toBe(6);
    expect(from4.records.map((r) => [r.offset, text(r.value)])).toEqual([
      [4, "b-1"],
      [5, "b-2"],
    ]);
    const from1 = await p.read(1, 3, MB);
    expect(from1.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([
      [1, "k1", "a-1"],
      [2, "k2", "a-2"],
      [3, "k0", "b-0"],
    ]);
    expect(from1.records[0]!.timestamp).toBe(1_700_000_000_001);
    expect((await p.read(6, 10, MB)).records).toEqual([]);
  });

  it("refuses offsets outside the log with OFFSET_OUT_OF_RANGE", async () => {
    const p = freshPartition();
    await p.append([batchOf(2, "a")]);
    const err = await expectKafdoError(() => throwRefusals(p).fetchBatches(3, MB), "OFFSET_OUT_OF_RANGE");
    expect(err.code).toBe(1);
    await expectKafdoError(() => throwRefusals(p).fetchBatches(-1, MB), "OFFSET_OUT_OF_RANGE");
    await expectKafdoError(() => throwRefusals(p).read(3, 10, MB), "OFFSET_OUT_OF_RANGE");
  });

  it("refuses a negative max bytes with INVALID_FETCH_SIZE", async () => {
    const p = freshPartition();
    await expectKafdoError(() => throwRefusals(p).fetchBatches(0, -1), "INVALID_FETCH_SIZE");
  });

  it("fails a corrupt set alone and leaves the log otherwise unchanged", async () => {
    const p = freshPartition();
    await p.append([batchOf(2, "before")]);
    const corrupt = batchOf(3, "bad");
    corrupt[corrupt.length - 2]! ^= 0x55;
    // A set whose second batch is corrupt fails whole: its good first batch is not stored.
    const halfCorrupt = new Uint8Array([...batchOf(1, "half"), ...corrupt]);

    const results = await p.append([batchOf(2, "good1"), corrupt, halfCorrupt, batchOf(1, "good2")]);
    expect(results).toEqual([
      { errorCode: 0, recordCount: 2, baseOffset: 2, lastOffset: 3, logAppendTime: -1, logStartOffset: 0 },
      { errorCode: 2, recordCount: 0, baseOffset: -1, lastOffset: -1, logAppendTime: -1, logStartOffset: -1 },
      { errorCode: 2, recordCount: 0, baseOffset: -1, lastOffset: -1, logAppendTime: -1, logStartOffset: -1 },
      { errorCode: 0, recordCount: 1, baseOffset: 4, lastOffset: 4, logAppendTime: -1, logStartOffset: 0 },
    ]);
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 5 });
    const { records } = await p.read(0, 100, MB);
    expect(records.map((r) => text(r.value))).toEqual(["before-0", "before-1", "good1-0", "good1-1", "good2-0"]);
  });

  it("refuses a batch over max batch bytes with MESSAGE_TOO_LARGE", async () => {
    const p = freshPartition();
    const batch = batchOf(10, "big");
    const results = await p.append([batch, batchOf(1, "small")], batch.length - 1);
    expect(results[0]).toEqual({
      errorCode: 10,
      recordCount: 0,
      baseOffset: -1,
      lastOffset: -1,
      logAppendTime: -1,
      logStartOffset: -1,
    });
    expect(results[1]).toEqual({
      errorCode: 0,
      recordCount: 1,
      baseOffset: 0,
      lastOffset: 0,
      logAppendTime: -1,
      logStartOffset: 0,
    });
    expect(await p.append([batch], batch.length)).toEqual([
      { errorCode: 0, recordCount: 10, baseOffset: 1, lastOffset: 10, logAppendTime: -1, logStartOffset: 0 },
    ]);
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 11 });
  });

  it("refuses a batch that would not fit one DO SQLite row, whatever max batch bytes says", async () => {
    const p = freshPartition();
    const huge = encodeBatch({}, [{ key: null, value: new Uint8Array(2_100_000).fill(7), timestamp: 1 }]);
    const [result] = await p.append([huge], 10 * MB);
    expect(result).toEqual({
      errorCode: 10,
      recordCount: 0,
      baseOffset: -1,
      lastOffset: -1,
      logAppendTime: -1,
      logStartOffset: -1,
    });
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 0 });
  });

  it("keeps its log across stubs and across instances", async () => {
    const name = `durable-${Date.now()}/0`;
    const id = env.TOPIC_PARTITION.idFromName(name);
    const first = env.TOPIC_PARTITION.get(id);
    await first.append([batchOf(3, "kept")]);

    const second = env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(name));
    expect(await second.offsets()).toEqual({ logStartOffset: 0, highWatermark: 3 });

    // Tear the instance down: what remains is only what SQLite holds.
    await evictDurableObject(second);
    const third = env.TOPIC_PARTITION.get(id);
    expect(await third.offsets()).toEqual({ logStartOffset: 0, highWatermark: 3 });
    expect((await third.read(0, 10, MB)).records.map((r) => text(r.value))).toEqual(["kept-0", "kept-1", "kept-2"]);
    expect(await third.append([batchOf(1, "more")])).toEqual([
      { errorCode: 0, recordCount: 1, baseOffset: 3, lastOffset: 3, logAppendTime: -1, logStartOffset: 0 },
    ]);
  });

  it("stores one SQLite row per batch", async () => {
    const p = freshPartition();
    await p.append([batchOf(100, "a"), batchOf(50, "b")]);
    await p.append([batchOf(1, "c")]);
    const rows = await runInDurableObject(p, (_instance, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM log_batches").one(),
    );
    expect(rows.n).toBe(3);
  });

  it("rolls back a whole append when storage fails mid-call", async () => {
    const p = freshPartition();
    await p.append([batchOf(2, "before")]);
    // Make storage refuse any batch stored at offset 5 or later.
    await runInDurableObject(p, (_instance, state) => {
      state.storage.sql.exec(
        "CREATE TRIGGER refuse_late BEFORE INSERT ON log_batches WHEN NEW.base_offset >= 5" +
          " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
      );
    });
    // The first set (offsets 2..4) is written before the second (at 5) fails.
    const err = await expectKafdoError(() => p.append([batchOf(3, "first"), batchOf(1, "second")]), "KD_ERR_STORAGE");
    expect(err.message).toContain("refused by the test");
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 2 });
    expect((await p.read(0, 10, MB)).records.map((r) => text(r.value))).toEqual(["before-0", "before-1"]);

    // The log still takes appends that storage accepts.
    expect(await p.append([batchOf(3, "after")])).toEqual([
      { errorCode: 0, recordCount: 3, baseOffset: 2, lastOffset: 4, logAppendTime: -1, logStartOffset: 0 },
    ]);
  });

  it("stores a compressed batch as it came and refuses to decode one whose payload is not its codec's", async () => {
    const p = freshPartition();
    const batch = batchOf(2, "zipped");
    view(batch).setInt16(ATTRIBUTES_AT, 2, false); // snappy, over bytes that are not snappy
    reseal(batch);
    expect(await p.append([batch])).toEqual([
      { errorCode: 0, recordCount: 2, baseOffset: 0, lastOffset: 1, logAppendTime: -1, logStartOffset: 0 },
    ]);
    const { batches } = await p.fetchBatches(0, MB);
    expect(batches).toEqual(batch);
    await expectKafdoError(() => throwRefusals(p).read(0, 10, MB), "CORRUPT_MESSAGE");
  });

  it("stores an int64 beyond 2^53 exactly", async () => {
    const p = freshPartition();
    const batch = batchOf(1, "pid");
    view(batch).setBigInt64(PRODUCER_ID_AT, 2n ** 60n + 1n, false);
    view(batch).setInt32(53, 0, false); /* an idempotent batch has a base sequence */
    reseal(batch);
    expect(await p.append([batch])).toEqual([
      { errorCode: 0, recordCount: 1, baseOffset: 0, lastOffset: 0, logAppendTime: -1, logStartOffset: 0 },
    ]);
    const stored = await runInDurableObject(p, (_instance, state) =>
      state.storage.sql
        .exec("SELECT CAST(producer_id AS TEXT) AS id, typeof(producer_id) AS type FROM log_batches")
        .one(),
    );
    expect(stored).toEqual({ id: (2n ** 60n + 1n).toString(), type: "integer" });
    const { batches } = await p.fetchBatches(0, MB);
    expect(view(batches).getBigInt64(PRODUCER_ID_AT, false)).toBe(2n ** 60n + 1n);
  });

  it("answers a refusal as a value, which the caller's stub throws as its KafdoError", async () => {
    const p = freshPartition();
    /* Thrown out of an RPC method, workerd would log the refusal as an uncaught error. */
    const answered = await runInDurableObject(p, (instance) => instance.fetchBatches(1, MB));
    expect(answered).toEqual({ kafdoRefusal: { code: 1, message: "offset 1 is outside the log [0, 0]" } });
    const err = await expectKafdoError(() => throwRefusals(p).fetchBatches(1, MB), "OFFSET_OUT_OF_RANGE");
    expect(err).toBeInstanceOf(KafdoError);
    expect(err.message).toBe("offset 1 is outside the log [0, 0]");
  });

  it("still throws a failure that is not a refusal", async () => {
    const p = freshPartition();
    /* A bad argument reaching the core is a bug, not a refusal: it stays thrown (and logged). */
    await expectKafdoError(() => p.fetchBatches(0.5, MB), "KD_ERR_INVALID_ARG");
  });
});
