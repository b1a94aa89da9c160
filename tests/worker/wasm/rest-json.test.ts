/*
 * The core's REST messages (src-c/rest_json.c, kd_batch_decode_rest) against the
 * TypeScript that shaped them before (worker/http/records.ts's jsonMessage written by
 * json.ts's stringifyJson), text for text, on records made to hit every rule: text and
 * binary keys, JSON and non-JSON values, repeated and numeric header names, names that
 * are not UTF-8, timestamps past 2^53.
 */
import { describe, expect, it } from "vitest";
import { decodeBatches, decodeBatchesRest, encodeBatch } from "../../../wasm/kafdo";
import type { ProducerRecord } from "../../../worker/common/records";
import { stringifyJson } from "../../../worker/http/json";
import { jsonMessage, type Encoding } from "../../../worker/http/records";
import { reseal, utf8, view } from "../helpers";

/* What the TypeScript wrote for the batch's records: the inside of "messages". */
function typescriptMessages(batch: Uint8Array, encoding: Encoding): string {
  return stringifyJson(decodeBatches(batch).map((r) => jsonMessage(r, encoding))).slice(1, -1);
}

function coreMessages(batch: Uint8Array, encoding: Encoding): string {
  const { count, messages } = decodeBatchesRest(batch, encoding);
  expect(count).toBe(decodeBatches(batch).length);
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(messages);
}

function expectSame(batch: Uint8Array): void {
  for (const encoding of ["json", "base64"] as const) {
    const core = coreMessages(batch, encoding);
    expect(core).toBe(typescriptMessages(batch, encoding));
    JSON.parse(`[${core}]`);
  }
}

/* A small seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const VALUES = [
  '{"a": [1, 2.5e-3, -0, true, false, null, "x\\u00e9\\n"]}',
  " 12345678901234567890123 ",
  '"quoted \\" \\\\ \\/ \\b\\f\\n\\r\\t"',
  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
  "[".repeat(5000) + "]".repeat(5000),
  "{}",
  "[]",
  '{"k":{"k":[{}]}}',
  "\uFEFF1",
  "hello",
  "{",
  "1 2",
  " ",
  "",
  "01",
  "1.",
  "-",
  "1e",
  "tru",
  "nul",
  "[1,]",
  '{"a":1,}',
  '{"a" 1}',
  '"\u0001"',
  '"\\x"',
  '"\\u12g4"',
  "\t\r\n null \t",
  '"é ☃ 😀"',
  "NaN",
  /* long strings: the core checks 8 bytes at a time, then byte by byte */
  ...[0, 1, 7, 8, 9, 15, 16, 23].flatMap((at) =>
    ["\u0001", "\u001f", '\\"', "\\\\", '"', "\\", "é", "\u007f"].map(
      (c) => `"${"a".repeat(at)}${c}${"b".repeat(20)}"`,
    ),
  ),
];

const TEXTS = ["", "k", "é", "😀", '"\\', "\u0000\u0001\u001f\u007f\b\f\n\r\t", "\u2028\u2029", "\uFEFFbom"];
const NAMES = ["h", "0", "1", "10", "01", "4294967294", "4294967295", "-1", "__proto__", "é", "", "z", "a"];

function bytesFrom(next: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

function randomRecord(next: () => number, i: number): ProducerRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const bytesOrText = (): Uint8Array | null => {
    const r = next();
    if (r < 0.15) return null;
    if (r < 0.4) return bytesFrom(next, Math.floor(next() * 6));
    if (r < 0.5) return Uint8Array.of(0xef, 0xbb, 0xbf, 0x41);
    if (r < 0.55) return Uint8Array.of(0xed, 0xa0, 0x80); /* a surrogate: not UTF-8 */
    return utf8(pick(TEXTS));
  };
  const value = next() < 0.7 ? utf8(pick(VALUES)) : bytesOrText();
  const headers = Array.from({ length: Math.floor(next() * 7) }, () => ({
    key: pick(NAMES),
    value: bytesOrText(),
  }));
  return { key: bytesOrText(), value, timestamp: 1_700_000_000_000 + i, headers };
}

describe("the core's REST messages", () => {
  it("are the text jsonMessage and stringifyJson write, for many records", () => {
    const next = random(19);
    for (let round = 0; round < 40; round++) {
      const records = Array.from({ length: 25 }, (_, i) => randomRecord(next, i));
      expectSame(encodeBatch({ baseOffset: round * 1000 }, records));
    }
  });

  it("show each value of VALUES as jsonMessage does", () => {
    for (const v of VALUES) expectSame(encodeBatch({}, [{ key: null, value: utf8(v), timestamp: 1 }]));
  });

  it("order headers as a JavaScript object's keys: indexes first, a name moved between maps last", () => {
    const bad = Uint8Array.of(0xff);
    const batch = encodeBatch({}, [
      {
        key: null,
        value: null,
        timestamp: 0,
        headers: [
          { key: "b", value: utf8("1") },
          { key: "7", value: utf8("2") },
          { key: "a", value: bad },
          { key: "b", value: bad },
          { key: "2", value: utf8("3") },
          { key: "b", value: utf8("4") },
          { key: "a", value: utf8("5") },
        ],
      },
    ]);
    expectSame(batch);
    expect(coreMessages(batch, "json")).toContain('"headers":{"2":"3","7":"2","b":"4","a":"5"}');
  });

  it("decode header names that are not UTF-8 as TextDecoder does, and drop a leading BOM", () => {
    /* Names of placeholder bytes, replaced in the batch by ill-formed ones. */
    const ill = [
      [0xff, 0xfe, 0x41],
      [0xe2, 0x82, 0x41],
      [0xf0, 0x9f, 0x98, 0x41],
      [0xef, 0xbb, 0xbf, 0x41],
      [0xc0, 0xaf, 0x41],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xef, 0xbb, 0xbf],
      [0xe2, 0x82],
    ];
    const placeholders = ill.map((b, i) => String.fromCharCode(0x61 + i).repeat(b.length));
    const batch = encodeBatch({}, [
      {
        key: null,
        value: utf8("1"),
        timestamp: 0,
        headers: [...placeholders.map((key) => ({ key, value: utf8("v") })), { key: "\uFFFDA", value: utf8("last") }],
      },
    ]);
    for (const [i, name] of placeholders.entries()) {
      const at = indexOf(batch, utf8(name));
      batch.set(ill[i]!, at);
    }
    expectSame(reseal(batch));
  });

  it("write timestamps past 2^53 as JavaScript writes the nearest double", () => {
    for (const ts of [
      2n ** 62n,
      -(2n ** 63n),
      2n ** 53n + 1n,
      2n ** 63n - 1n,
      -(2n ** 53n) - 3n,
      123456789012345678n,
    ]) {
      const batch = encodeBatch({}, [{ key: null, value: utf8("1"), timestamp: 0 }]);
      /* firstTimestamp (the record's delta is 0) */
      view(batch).setBigInt64(27, ts, false);
      expectSame(reseal(batch));
    }
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}
