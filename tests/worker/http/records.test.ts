/*
 * records.ts on its own: how a stored record is shown in the REST API's JSON, for
 * records the REST API cannot itself produce (a header name repeated, as a Kafka
 * client may send).
 */
import { describe, expect, it } from "vitest";
import { RawJson, stringifyJson } from "../../../worker/http/json";
import { jsonMessage } from "../../../worker/http/records";
import type { ConsumerRecord } from "../../../worker/common/records";
import { b64, utf8 } from "./helpers";

const record = (headers: ConsumerRecord["headers"]): ConsumerRecord => ({
  offset: 7,
  timestamp: 9,
  key: null,
  value: utf8("1"),
  headers,
});

describe("jsonMessage", () => {
  it("shows a repeated header name with its last value, in headers or headersBase64 but not both", () => {
    const bad = new Uint8Array([0xff]);
    const textLast = jsonMessage(
      record([
        { key: "h", value: bad },
        { key: "h", value: utf8("ok") },
      ]),
      "json",
    );
    expect(textLast.headers).toEqual({ h: "ok" });
    expect(textLast).not.toHaveProperty("headersBase64");

    const bytesLast = jsonMessage(
      record([
        { key: "h", value: utf8("ok") },
        { key: "h", value: bad },
      ]),
      "json",
    );
    expect(bytesLast.headers).toEqual({});
    expect(bytesLast.headersBase64).toEqual({ h: b64(bad) });

    const base64 = jsonMessage(
      record([
        { key: "h", value: utf8("a") },
        { key: "h", value: null },
      ]),
      "base64",
    );
    expect(base64.headers).toEqual({ h: null });
  });

  it("shows values that are valid UTF-8 but not JSON, or JSON after a byte order mark, as valueBase64", () => {
    for (const text of ["hello", "\uFEFF1", "{", "1 2", " "]) {
      const shown = jsonMessage({ ...record([]), value: utf8(text) }, "json");
      expect(shown, text).not.toHaveProperty("value");
      expect(shown.valueBase64).toBe(b64(text));
    }
    const spaced = stringifyJson(jsonMessage({ ...record([]), value: utf8(' {"a": 1} ') }, "json"));
    expect(spaced).toContain('"value": {"a": 1} ,');
    expect(JSON.parse(spaced).value).toEqual({ a: 1 });
  });
});

describe("stringifyJson", () => {
  it("writes each RawJson as its text and every other value as JSON.stringify does", () => {
    const body = {
      a: new RawJson('{"big":9007199254740993}'),
      list: [new RawJson("1e400"), "$& $1 $$", new RawJson('"$& $1 $$"'), null],
      nested: { raw: new RawJson("[ ]") },
    };
    expect(stringifyJson(body)).toBe(
      '{"a":{"big":9007199254740993},"list":[1e400,"$& $1 $$","$& $1 $$",null],"nested":{"raw":[ ]}}',
    );
    expect(stringifyJson({ n: 1, s: "x" })).toBe(JSON.stringify({ n: 1, s: "x" }));
  });

  it("leaves strings that look like a placeholder alone", () => {
    const sneaky = ["00000000-0000-4000-8000-000000000000:0", ":0", '":0"'];
    const text = stringifyJson({ sneaky, raw: new RawJson("true") });
    expect(JSON.parse(text)).toEqual({ sneaky, raw: true });
  });
});
