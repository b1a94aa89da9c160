/*
 * parameters.ts — the path and query parameters several endpoints share, written once
 * in the document under components/parameters.
 */
import { MAX_GROUP_ID_BYTES } from "../api/groups";
import { COMPRESSIONS } from "../common/records";
import { ENCODINGS } from "./records";
import { INT32_MAX, StringEnum, Type, type TSchema } from "./schema";

const KEY = Symbol("kafdo.parameter");

/* `schema`, shown in the document as components/parameters/`key`. */
function shared<T extends TSchema>(key: string, schema: T): T {
  (schema as Record<symbol, unknown>)[KEY] = key;
  return schema;
}

export function parameterKey(schema: TSchema): string | undefined {
  return (schema as unknown as Record<symbol, string | undefined>)[KEY];
}

export const TopicParam = shared("topic", Type.String({ description: "The topic's name, percent-encoded." }));

export const PartitionParam = shared(
  "partition",
  Type.Integer({
    minimum: 0,
    maximum: INT32_MAX,
    description: "A partition number; one the topic does not have is 404 UNKNOWN_TOPIC_OR_PARTITION.",
  }),
);

export const GroupIdParam = shared(
  "groupId",
  Type.String({
    description:
      `The group's id, percent-encoded: 1 to ${MAX_GROUP_ID_BYTES} bytes of UTF-8 with no control ` +
      "character (C0, DEL or C1), else 400 INVALID_GROUP_ID.",
  }),
);

export const ProduceEncoding = shared(
  "produceEncoding",
  StringEnum(ENCODINGS, {
    description:
      "json (default): value is any JSON, stored as its UTF-8 JSON text; key and header " +
      "values are strings, stored as UTF-8. base64: key, value and header values are base64 " +
      "strings (standard alphabet, padded) of the raw bytes to store.",
  }),
);

export const ProduceCompression = shared(
  "produceCompression",
  StringEnum(COMPRESSIONS, {
    description:
      "none (default): the records are stored uncompressed. gzip, snappy, lz4, zstd: the core " +
      "compresses each stored batch with that codec, as a Kafka producer's compression.type " +
      "does, when that makes it smaller (stored bytes are what is billed). Every door reads " +
      "the records back the same either way.",
  }),
);
