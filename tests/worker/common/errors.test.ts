/*
 * The one error type: names, Kafka codes, and its revival after crossing RPC.
 */
import { describe, expect, it } from "vitest";
import { KD_ERR_INVALID_ARG, KD_ERR_NOMEM, KD_ERR_STORAGE, KafdoError, errorName } from "../../../worker/common/errors";

describe("KafdoError", () => {
  it("is named for its Kafka error and keeps its code", () => {
    const e = new KafdoError(1, "offset 9 is outside the log");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("OFFSET_OUT_OF_RANGE");
    expect(e.code).toBe(1);
    expect(e.kafkaCode).toBe(1);
    expect(String(e)).toBe("OFFSET_OUT_OF_RANGE: offset 9 is outside the log");
    expect(new KafdoError(76).message).toBe("UNSUPPORTED_COMPRESSION_TYPE");
  });

  it("names the core's own codes and tells Kafka clients what fits", () => {
    expect(errorName(KD_ERR_NOMEM)).toBe("KD_ERR_NOMEM");
    expect(errorName(KD_ERR_STORAGE)).toBe("KD_ERR_STORAGE");
    expect(errorName(KD_ERR_INVALID_ARG)).toBe("KD_ERR_INVALID_ARG");
    expect(new KafdoError(KD_ERR_STORAGE).kafkaCode).toBe(56); // KAFKA_STORAGE_ERROR
    expect(new KafdoError(KD_ERR_INVALID_ARG).kafkaCode).toBe(-1); // UNKNOWN_SERVER_ERROR
    expect(errorName(10)).toBe("MESSAGE_TOO_LARGE");
    expect(errorName(9999)).toBe("KAFKA_ERROR_9999");
  });

  it("is restored from the plain Error that RPC delivers", () => {
    const folded = new Error("CORRUPT_MESSAGE: CRC mismatch");
    const restored = KafdoError.from(folded);
    expect(restored).toBeInstanceOf(KafdoError);
    expect(restored!.code).toBe(2);
    expect(restored!.message).toBe("CRC mismatch");

    const named = Object.assign(new Error("storage failed"), { name: "KD_ERR_STORAGE" });
    expect(KafdoError.from(named)!.code).toBe(KD_ERR_STORAGE);

    const original = new KafdoError(10, "too big");
    expect(KafdoError.from(original)).toBe(original);
  });

  it("is not made up from other errors", () => {
    expect(KafdoError.from(new Error("boom"))).toBeUndefined();
    expect(KafdoError.from(new Error("NOT_A_KAFKA_ERROR: boom"))).toBeUndefined();
    expect(KafdoError.from(new TypeError("x is undefined"))).toBeUndefined();
    expect(KafdoError.from("CORRUPT_MESSAGE: a string")).toBeUndefined();
  });
});
