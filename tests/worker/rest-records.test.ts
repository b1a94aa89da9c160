/*
 * records.ts on its own: how a stored record is shown in the REST API's JSON, for
 * records the REST API cannot itself produce (a header name repeated, as a Kafka
 * client may send).
 */
import { describe, expect, it } from "vitest";
import { jsonMessage } from "../../worker/http/records";
import type { ConsumerRecord } from "../../worker/types";
import { b64, utf8 } from "./rest-helpers";

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
    const textLast = jsonMessage(record([{ key: "h", value: bad }, { key: "h", value: utf8("ok") }]), "json");
    expect(textLast.headers).toEqual({ h: "ok" });
    expect(textLast).not.toHaveProperty("headersBase64");

    const bytesLast = jsonMessage(record([{ key: "h", value: utf8("ok") }, { key: "h", value: bad }]), "json");
    expect(bytesLast.headers).toEqual({});
    expect(bytesLast.headersBase64).toEqual({ h: b64(bad) });

    const base64 = jsonMessage(record([{ key: "h", value: utf8("a") }, { key: "h", value: null }]), "base64");
    expect(base64.headers).toEqual({ h: null });
  });

  it("shows values that are valid UTF-8 but not JSON, or JSON after a byte order mark, as valueBase64", () => {
    for (const text of ["hello", "\uFEFF1", "{", "1 2", " "]) {
      const shown = jsonMessage({ ...record([]), value: utf8(text) }, "json");
      expect(shown, text).not.toHaveProperty("value");
      expect(shown.valueBase64).toBe(b64(text));
    }
    expect(jsonMessage({ ...record([]), value: utf8(' {"a": 1} ') }, "json").value).toEqual({ a: 1 });
  });
});
