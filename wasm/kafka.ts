/*
 * kafka.ts — the Kafka wire protocol codec (kafka_codec.c, kafka_schema.c): request
 * frames to JSON bodies and response bodies to frames, schema-driven from apache/kafka's
 * message definitions, and the APIs and versions it speaks.
 */
import { KafdoError, KD_ERR_INVALID_ARG, KafkaCode } from "../worker/common/errors";
import { type Reader, utf8 } from "./bytes";
import { invoke } from "./core";

/* A decoded request. `body` follows apache/kafka's message schema for the API, field
 * names in camelCase, every field present whatever the version (kafdo.h); bytes and
 * records fields are Uint8Array views into the frame, int64 beyond 2^53 a string.
 * Unknown here, as the body's shape depends on the API: the Kafka front types it by
 * API as RequestOf<"Produce"> and so on (worker/kafka/context.ts). */
export interface KafkaRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  body: unknown;
}

const utf8Decoder = new TextDecoder();

/* Decodes one request frame (size prefix included). `error` is 0, UNSUPPORTED_VERSION
 * or INVALID_REQUEST, with `body` null unless 0; throws a KafdoError when not even the
 * header can be read (the connection is garbage). */
export function kafkaDecode(frame: Uint8Array): { error: number; request: KafkaRequest } {
  return invoke({
    input: frame,
    run: (k, ptr, len) => k.kd_kafka_decode(ptr, len),
    accepts: (rc) => rc === 0 || rc === KafkaCode.UNSUPPORTED_VERSION || rc === KafkaCode.INVALID_REQUEST,
    read: (out, rc) => {
      const request = JSON.parse(utf8Decoder.decode(out.restView()), (_key, value: unknown) => {
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          const o = value as Record<string, unknown>;
          const keys = Object.keys(o);
          if (keys.length === 2 && typeof o.at === "number" && typeof o.len === "number")
            return frame.subarray(o.at, o.at + o.len);
        }
        return value;
      }) as KafkaRequest;
      return { error: rc, request };
    },
  });
}

/* Reads kd_kafka_encode's output: the hole table, then the frame, into which each
 * blob is copied at its hole. */
function finishFrame(r: Reader, blobs: Uint8Array[]): Uint8Array {
  const holes = r.list((): [number, number] => [r.u32(), r.u32()]);
  const frame = r.restView();
  for (const [position, index] of holes) {
    const blob = blobs[index];
    if (!blob) throw new KafdoError(KD_ERR_INVALID_ARG, `the core named blob ${index} of ${blobs.length}`);
    frame.set(blob, position);
  }
  return frame;
}

/* Encodes a response body (apache/kafka's schema, camelCase names) into a whole
 * frame, size prefix included. Uint8Array values (bytes, records) travel beside the
 * JSON and are copied into place; bigints become decimal strings. */
export function kafkaEncode(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify({ apiKey, apiVersion, correlationId, body }, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { blob: blobs.length - 1 };
    }
    if (typeof value === "bigint") return value.toString();
    return value;
  });
  /* "blobs" is known only once the body has been walked; it goes last. */
  return invoke({
    input: utf8(`${json.slice(0, -1)},"blobs":[${blobs.map((b) => b.length).join(",")}]}`),
    run: (k, ptr, len) => k.kd_kafka_encode(ptr, len),
    read: (r) => finishFrame(r, blobs),
  });
}

/* A response carrying only `errorCode` (kafdo.h, kd_kafka_error_response). */
export function kafkaErrorResponse(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  errorCode: number,
): Uint8Array {
  return invoke({
    run: (k) => k.kd_kafka_error_response(apiKey, apiVersion, correlationId, errorCode),
    read: (r) => finishFrame(r, []),
  });
}

/* The APIs and versions the codec speaks (the ApiVersions response lists them). */
export function kafkaSupported(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return invoke({
    run: (k) => k.kd_kafka_supported(),
    read: (r) =>
      JSON.parse(utf8Decoder.decode(r.restView())) as { apiKey: number; minVersion: number; maxVersion: number }[],
  });
}
