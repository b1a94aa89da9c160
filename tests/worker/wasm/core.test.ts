/*
 * The wasm binding over the core's pure functions, inside workerd: checksums,
 * murmur2 and the partitioner, RecordBatch encode / inspect / decode, the
 * producer's split into batches within a size limit, and the errors a malformed
 * batch gives.
 */
import { describe, expect, it } from "vitest";
import {
  crc32c,
  decodeBatches,
  encodeBatch,
  encodeBatchesWithin,
  inspectBatches,
  murmur2,
  partition,
} from "../../../wasm/kafdo";
import { KafdoError } from "../../../worker/common/errors";
import type { ProducerRecord } from "../../../worker/common/records";
import { ATTRIBUTES_AT, CRC_AT, expectKafdoError, reseal, text, utf8, view } from "../helpers";

describe("crc32c", () => {
  it("matches the CRC-32C check value", () => {
    expect(crc32c(utf8("123456789"))).toBe(0xe3069283);
  });

  it("is 0 for no bytes and unsigned for every input", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    const c = crc32c(big);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(c).toBeLessThan(2 ** 32);
    big[50_000]! ^= 1;
    expect(crc32c(big)).not.toBe(c);
  });
});

describe("murmur2", () => {
  it("matches Kafka's Java client", () => {
    expect(murmur2(utf8("21"))).toBe(-973932308);
    expect(murmur2(utf8("foobar"))).toBe(-790332482);
    expect(murmur2(utf8("abc"))).toBe(479470107);
  });
});

describe("partition", () => {
  it("sends a keyed record to (murmur2 & 0x7fffffff) % partitions", () => {
    const positive = (h: number) => h & 0x7fffffff;
    for (const n of [1, 3, 7, 12, 100]) {
      expect(partition(utf8("foobar"), n, 0)).toBe(positive(-790332482) % n);
      expect(partition(utf8("21"), n, 0)).toBe(positive(-973932308) % n);
      expect(partition(utf8("abc"), n, 0)).toBe(479470107 % n);
    }
  });

  it("ignores the sticky counter for a keyed record", () => {
    expect(partition(utf8("abc"), 10, 0)).toBe(partition(utf8("abc"), 10, 12345));
  });

  it("sends a null-key record to sticky % partitions", () => {
    expect(partition(null, 5, 0)).toBe(0);
    expect(partition(null, 5, 7)).toBe(2);
    expect(partition(null, 5, 0xffffffff)).toBe(0xffffffff % 5);
  });

  it("treats an empty key as a key, not as null", () => {
    // murmur2 of no bytes is a fixed hash, not the sticky counter.
    const h = murmur2(new Uint8Array(0));
    expect(partition(new Uint8Array(0), 1000, 3)).toBe((h & 0x7fffffff) % 1000);
  });

  it("refuses fewer than one partition", async () => {
    const err = await expectKafdoError(() => partition(utf8("k"), 0, 0), "KD_ERR_INVALID_ARG");
    expect(err.code).toBe(-3);
  });
});

describe("encode and decode", () => {
  const T = 1_700_000_000_000;

  it("round-trips null, empty and unicode keys, values and headers", () => {
    const records: ProducerRecord[] = [
      { key: null, value: utf8("no key"), timestamp: T },
      { key: utf8("no value"), value: null, timestamp: T + 1 },
      { key: null, value: null, timestamp: T + 2 },
      { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: T + 3 },
      {
        key: utf8("ключ 🔑"),
        value: utf8("値 ✓ émoji 🎉"),
        timestamp: T - 5,
        headers: [
          { key: "trace-id", value: utf8("abc") },
          { key: "nullable", value: null },
          { key: "ünïcode-ключ", value: new Uint8Array([0, 255, 1]) },
          { key: "", value: new Uint8Array(0) },
        ],
      },
    ];
    const batch = encodeBatch({}, records);
    const decoded = decodeBatches(batch, 0, 100);
    expect(decoded).toHaveLength(records.length);
    decoded.forEach((rec, i) => {
      const want = records[i]!;
      expect(rec.offset).toBe(i);
      expect(rec.timestamp).toBe(want.timestamp);
      expect(rec.key).toEqual(want.key);
      expect(rec.value).toEqual(want.value);
      expect(rec.headers).toEqual(want.headers ?? []);
    });
    expect(decoded[0]!.key).toBeNull();
    expect(decoded[1]!.value).toBeNull();
    expect(decoded[3]!.key).toEqual(new Uint8Array(0));
    expect(text(decoded[4]!.key)).toBe("ключ 🔑");
    expect(text(decoded[4]!.value)).toBe("値 ✓ émoji 🎉");
    expect(decoded[4]!.headers[1]!.value).toBeNull();
  });

  it("round-trips 1000 records and places them at the base offset", () => {
    const records: ProducerRecord[] = Array.from({ length: 1000 }, (_, i) => ({
      key: utf8(`key-${i}`),
      value: utf8(`value-${i}-${"x".repeat(i % 50)}`),
      timestamp: T + i * 3,
      headers: i % 10 === 0 ? [{ key: "n", value: utf8(String(i)) }] : [],
    }));
    const batch = encodeBatch({ baseOffset: 500 }, records);
    const decoded = decodeBatches(batch, 0, 1000);
    expect(decoded).toHaveLength(1000);
    decoded.forEach((rec, i) => {
      expect(rec.offset).toBe(500 + i);
      expect(rec.timestamp).toBe(T + i * 3);
      expect(text(rec.key)).toBe(`key-${i}`);
      expect(text(rec.value)).toBe(`value-${i}-${"x".repeat(i % 50)}`);
      expect(rec.headers).toEqual(records[i]!.headers);
    });
  });

  it("decodes from a minimum offset and at most max records", () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ key: null, value: utf8(`v${i}`), timestamp: T }));
    const batch = encodeBatch({ baseOffset: 20 }, records);
    const from25 = decodeBatches(batch, 25, 1000);
    expect(from25.map((r) => r.offset)).toEqual([25, 26, 27, 28, 29]);
    expect(decodeBatches(batch, 22, 3).map((r) => text(r.value))).toEqual(["v2", "v3", "v4"]);
    expect(decodeBatches(batch, 30, 1000)).toEqual([]);
  });

  it("decodes batches back to back", () => {
    const a = encodeBatch({ baseOffset: 0 }, [{ key: null, value: utf8("a"), timestamp: T }]);
    const b = encodeBatch({ baseOffset: 1 }, [
      { key: null, value: utf8("b"), timestamp: T },
      { key: null, value: utf8("c"), timestamp: T },
    ]);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    expect(decodeBatches(both, 0, 10).map((r) => [r.offset, text(r.value)])).toEqual([
      [0, "a"],
      [1, "b"],
      [2, "c"],
    ]);
  });

  it("writes a CRC-32C over bytes 21 to the end", () => {
    const batch = encodeBatch({}, [{ key: null, value: utf8("crc"), timestamp: T }]);
    expect(view(batch).getUint32(CRC_AT, false)).toBe(crc32c(batch.subarray(ATTRIBUTES_AT)));
  });

  it("refuses an empty record list", async () => {
    await expectKafdoError(() => encodeBatch({}, []), "KD_ERR_INVALID_ARG");
  });

  it("compresses with the attributes' codec when that makes the batch smaller, and knows codecs 1-4 only", async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      key: null,
      value: utf8(`{"n":${i},"pad":"${"x".repeat(50)}"}`),
      timestamp: T,
    }));
    for (const codec of [1, 2, 3, 4]) {
      const batch = encodeBatch({ attributes: codec }, many);
      expect(view(batch).getInt16(ATTRIBUTES_AT, false) & 7).toBe(codec);
      expect(decodeBatches(batch, 0, 100).map((r) => text(r.value))).toEqual(many.map((r) => text(r.value)));
    }
    /* One tiny record does not shrink: stored uncompressed, and its attributes say so. */
    const tiny = encodeBatch({ attributes: 4 }, [{ key: null, value: utf8("v"), timestamp: T }]);
    expect(view(tiny).getInt16(ATTRIBUTES_AT, false) & 7).toBe(0);
    await expectKafdoError(
      () => encodeBatch({ attributes: 5 }, [{ key: null, value: utf8("v"), timestamp: T }]),
      "UNSUPPORTED_COMPRESSION_TYPE",
    );
  });
});

describe("encode within max.message.bytes", () => {
  const T = 1_700_000_000_000;
  const records: ProducerRecord[] = Array.from({ length: 40 }, (_, i) => ({
    key: utf8(`key-${i}`),
    value: utf8("v".repeat(i * 7)),
    headers: i % 3 ? [{ key: "h", value: utf8(String(i)) }] : [],
    timestamp: T + i,
  }));

  it("is one batch when they fit exactly, several when they do not", () => {
    const one = encodeBatch({}, records);
    expect(encodeBatchesWithin({}, records, one.length)).toEqual(one);

    const split = encodeBatchesWithin({}, records, 1000);
    const batches = inspectBatches(split);
    expect(batches.length).toBeGreaterThan(4);
    for (const b of batches) expect(b.sizeBytes).toBeLessThanOrEqual(1000);
    expect(decodeBatches(split)).toEqual(decodeBatches(one));
  });

  it("refuses a record too large alone, and a negative timestamp", async () => {
    const err = await expectKafdoError(() => encodeBatchesWithin({}, records, 300), "MESSAGE_TOO_LARGE");
    expect(err.message).toMatch(/^record \d+ is \d+ bytes/);
    await expectKafdoError(
      () => encodeBatchesWithin({}, [{ key: null, value: null, timestamp: -1 }], 1000),
      "INVALID_TIMESTAMP",
    );
    await expectKafdoError(() => encodeBatchesWithin({}, records, -1), "KD_ERR_INVALID_ARG");
  });
});

describe("inspect", () => {
  it("summarizes each batch's header", () => {
    const first = encodeBatch(
      { baseOffset: 5, producerId: 42, producerEpoch: 3, baseSequence: 7, partitionLeaderEpoch: 9 },
      [
        { key: null, value: utf8("a"), timestamp: 1000 },
        { key: null, value: utf8("b"), timestamp: 3000 },
        { key: null, value: utf8("c"), timestamp: 2000 },
      ],
    );
    const second = encodeBatch({ baseOffset: 8 }, [{ key: utf8("k"), value: null, timestamp: 500 }]);
    const both = new Uint8Array(first.length + second.length);
    both.set(first);
    both.set(second, first.length);

    expect(inspectBatches(both)).toEqual([
      {
        baseOffset: 5,
        lastOffsetDelta: 2,
        firstTimestamp: 1000,
        maxTimestamp: 3000,
        producerId: 42,
        producerEpoch: 3,
        baseSequence: 7,
        partitionLeaderEpoch: 9,
        recordCount: 3,
        sizeBytes: first.length,
        attributes: 0,
      },
      {
        baseOffset: 8,
        lastOffsetDelta: 0,
        firstTimestamp: 500,
        maxTimestamp: 500,
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        partitionLeaderEpoch: -1,
        recordCount: 1,
        sizeBytes: second.length,
        attributes: 0,
      },
    ]);
  });

  it("uses explicit batch timestamps when given", () => {
    const batch = encodeBatch({ firstTimestamp: 10, maxTimestamp: 99 }, [
      { key: null, value: utf8("a"), timestamp: 10 },
      { key: null, value: utf8("b"), timestamp: 20 },
    ]);
    const [summary] = inspectBatches(batch);
    expect(summary!.firstTimestamp).toBe(10);
    expect(summary!.maxTimestamp).toBe(99);
  });
});

describe("memory", () => {
  it("round-trips inputs and outputs larger than the instance's initial memory", () => {
    // 3 x 8 MB values: staging the input and writing the output each grow memory
    // past emscripten's initial 16 MB, so every view must be made after the call.
    const values = [0x11, 0x22, 0x33].map((fill) => new Uint8Array(8 << 20).fill(fill));
    values[1]![12345] = 0x99;
    const batch = encodeBatch(
      {},
      values.map((value, i) => ({ key: utf8(`big${i}`), value, timestamp: i })),
    );
    expect(batch.length).toBeGreaterThan(24 << 20);
    const decoded = decodeBatches(batch, 0, 10);
    expect(decoded.map((r) => text(r.key))).toEqual(["big0", "big1", "big2"]);
    // Compared as a whole: toEqual walks 8 MB element by element far too slowly.
    const same = (a: Uint8Array | null, b: Uint8Array) =>
      a !== null && a.length === b.length && a.every((x, j) => x === b[j]);
    decoded.forEach((r, i) => expect(same(r.value, values[i]!), `value ${i}`).toBe(true));
    expect(crc32c(utf8("123456789"))).toBe(0xe3069283);
  });
});

describe("malformed batches", () => {
  const good = () =>
    encodeBatch({}, [
      { key: utf8("k1"), value: utf8("value one"), timestamp: 1 },
      { key: utf8("k2"), value: utf8("value two"), timestamp: 2 },
    ]);

  it("are CORRUPT_MESSAGE when a payload byte flips", async () => {
    const batch = good();
    batch[batch.length - 3]! ^= 0x40;
    const err = await expectKafdoError(() => decodeBatches(batch, 0, 10), "CORRUPT_MESSAGE");
    expect(err.code).toBe(2);
    expect(err.kafkaCode).toBe(2);
    expect(err.message.length).toBeGreaterThan(0);
    await expectKafdoError(() => inspectBatches(batch), "CORRUPT_MESSAGE");
  });

  it("are CORRUPT_MESSAGE when a header byte flips", async () => {
    const batch = good();
    batch[ATTRIBUTES_AT + 5]! ^= 0x01; // inside firstTimestamp, under the CRC
    await expectKafdoError(() => inspectBatches(batch), "CORRUPT_MESSAGE");
  });

  it("are CORRUPT_MESSAGE when truncated", async () => {
    const batch = good();
    await expectKafdoError(() => inspectBatches(batch.subarray(0, batch.length - 1)), "CORRUPT_MESSAGE");
    await expectKafdoError(() => inspectBatches(batch.subarray(0, 30)), "CORRUPT_MESSAGE");
  });

  it("decode as CORRUPT_MESSAGE when the payload is not what its codec says", async () => {
    for (const [codec, name] of [
      [1, "gzip"],
      [2, "snappy"],
      [3, "lz4"],
      [4, "zstd"],
    ] as const) {
      const batch = good();
      view(batch).setInt16(ATTRIBUTES_AT, codec, false); // over uncompressed records
      reseal(batch);
      const [summary] = inspectBatches(batch); // the header is valid; only the payload is opaque
      expect(summary!.attributes & 0x07).toBe(codec);
      const err = await expectKafdoError(() => decodeBatches(batch, 0, 10), "CORRUPT_MESSAGE");
      expect(err.message).toContain(name);
    }
  });

  it("are reported as KafdoError instances", () => {
    const batch = good();
    batch[batch.length - 1]! ^= 0xff;
    expect(() => decodeBatches(batch, 0, 10)).toThrow(KafdoError);
  });

  it("leave the instance usable", () => {
    const batch = good();
    batch[batch.length - 1]! ^= 0xff;
    expect(() => inspectBatches(batch)).toThrow();
    expect(decodeBatches(good(), 0, 10)).toHaveLength(2);
  });
});
