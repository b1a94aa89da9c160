/*
 * partitions.ts — GET /topics/:topic/partitions/:partition/messages and /offsets.
 *
 * A read takes an offset (0 when absent) or a timestamp (from the first record at or
 * after it), a record limit and a byte limit; api/
 * says whether the topic, the partition and the offset exist. The answer carries
 * the partition's log start offset and high watermark, and nextOffset, the offset
 * to read from next. Its messages are written by the core (src-c/rest_json.c, as
 * ../records.ts's jsonMessage shapes a record) and sent on as they are.
 *
 * GET /topics/:topic/keys/:key answers a compacted topic's latest record of a key.
 */
import { partitionOffsets, readKey } from "../../api";
import { MAX_READ_BYTES, partitionOffsetForTime, partitionStableOffsets, readPartitionRest } from "../../api/read";
import { endpoint } from "../endpoint";
import { HttpError, invalidRequest } from "../errors";
import { jsonResponse, splicedJsonResponse } from "../json";
import type { Context } from "../router";
import { PartitionParam, TopicParam } from "../parameters";
import { ENCODINGS, Message, jsonMessage } from "../records";
import { NotFound, OffsetOutOfRange, ok } from "../responses";
import { AtLeast, INT32_MAX, Natural, StringEnum, Struct, Type, named } from "../schema";

export const MAX_READ_LIMIT = 10000;
export const DEFAULT_READ_LIMIT = 100;
export { MAX_READ_BYTES };
export const DEFAULT_READ_BYTES = 1024 * 1024;

const ReadResult = named(
  "ReadResult",
  Struct({
    topic: Type.String(),
    partition: AtLeast(0),
    logStartOffset: AtLeast(0),
    highWatermark: AtLeast(0),
    nextOffset: AtLeast(
      0,
      "The offset to read from next: the last message's + 1, else past the transaction markers and " +
        "aborted records skipped, or the offset asked for.",
    ),
    messages: Type.Array(Message),
  }),
);

const PartitionOffsets = named(
  "PartitionOffsets",
  Struct({
    topic: Type.String(),
    partition: AtLeast(0),
    earliest: AtLeast(0, "The log start offset."),
    latest: AtLeast(0, "The high watermark: the offset the next record will get."),
    lastStableOffset: AtLeast(
      0,
      "The last stable offset: the first offset of the earliest open transaction, else the high watermark " +
        "(a read_committed read stops there).",
    ),
    offsetForTimestamp: Type.Optional(
      Struct(
        { offset: AtLeast(-1), timestamp: AtLeast(-1) },
        { description: "With ?timestamp: the first record at or after it (-1 and -1: none)." },
      ),
    ),
  }),
);

export const readMessages = endpoint({
  summary: "Read messages",
  description:
    "Records from `offset` (or from the first record at or after `timestamp`) on, at most " +
    "`limit` of them and about `maxBytes` of stored " +
    "batches (always at least one batch, so a record larger than maxBytes is still " +
    "readable). Reading at the high watermark answers no messages; an offset below the " +
    "log start offset or above the high watermark is 416 OFFSET_OUT_OF_RANGE.",
  tags: ["consume"],
  params: { topic: TopicParam, partition: PartitionParam },
  query: {
    offset: Natural({ description: "The first offset to read. Default 0." }),
    timestamp: Natural({
      description:
        "Instead of offset: start at the first record whose timestamp (ms since the epoch) is at " +
        "or after this (Kafka's ListOffsets by time); at the high watermark when none is that late.",
    }),
    limit: Type.Integer({
      minimum: 1,
      maximum: MAX_READ_LIMIT,
      description: `At most this many records. Default ${DEFAULT_READ_LIMIT}.`,
    }),
    maxBytes: Type.Integer({
      minimum: 1,
      maximum: MAX_READ_BYTES,
      description: `About this many bytes of stored batches at most. Default ${DEFAULT_READ_BYTES}.`,
    }),
    isolation: StringEnum(["read_committed", "read_uncommitted"] as const, {
      description:
        "read_committed (default): only records of committed transactions (and those written " +
        "outside any), up to the last stable offset; read_uncommitted: aborted ones too, up to " +
        "the high watermark. Transaction markers are never messages.",
    }),
    encoding: StringEnum(ENCODINGS, {
      description:
        "json (default): keys and header values as strings when they are UTF-8, values as " +
        "JSON when they are UTF-8 JSON text, base64 in keyBase64 / valueBase64 / " +
        "headersBase64 otherwise. base64: key, value and header values all as base64.",
    }),
  },
  responses: { 200: ok("The records read.", ReadResult) },
  errors: [NotFound, OffsetOutOfRange],
  async handle(c, { params: { topic, partition }, query }) {
    if (query.timestamp !== undefined && query.offset !== undefined) {
      throw invalidRequest('query parameters "offset" and "timestamp" exclude each other');
    }
    const offset =
      query.timestamp !== undefined ? await offsetAtTime(c, topic, partition, query.timestamp) : (query.offset ?? 0);
    const limit = query.limit ?? DEFAULT_READ_LIMIT;
    const maxBytes = query.maxBytes ?? DEFAULT_READ_BYTES;
    const isolation = query.isolation;
    const encoding = query.encoding ?? "json";
    const read = await readPartitionRest(c.env, topic, partition, { offset, limit, maxBytes, isolation }, encoding);
    /* The messages are JSON the core wrote (src-c/rest_json.c): spliced in, not parsed. */
    const head = JSON.stringify({
      topic,
      partition,
      logStartOffset: read.logStartOffset,
      highWatermark: read.highWatermark,
      nextOffset: read.nextOffset,
    });
    return splicedJsonResponse(`${head.slice(0, -1)},"messages":[`, read.messages, "]}");
  },
});

/* Where a read by time starts: the first record at or after `timestamp`, or the high
 * watermark (no messages) when none is that late. */
async function offsetAtTime(c: Context, topic: string, partition: number, timestamp: number): Promise<number> {
  const found = await partitionOffsetForTime(c.env, topic, partition, timestamp);
  return found.offset >= 0 ? found.offset : (await partitionOffsets(c.env, topic, partition)).latest;
}

export const readOffsets = endpoint({
  summary: "A partition's offsets",
  description:
    "The log start offset, the high watermark and the last stable offset; with ?timestamp=ms also Kafka's ListOffsets " +
    "by time: the first offset whose record's timestamp is at or after it (offset and " +
    "timestamp -1 when no record is that late).",
  tags: ["consume"],
  params: { topic: TopicParam, partition: PartitionParam },
  query: { timestamp: Natural({ description: "ms since the epoch" }) },
  responses: { 200: ok("The log start offset, the high watermark and the last stable offset.", PartitionOffsets) },
  errors: [NotFound],
  async handle(c, { params: { topic, partition }, query }) {
    const { earliest, latest, lastStableOffset } = await partitionStableOffsets(c.env, topic, partition);
    const offsets = { topic, partition, earliest, latest, lastStableOffset };
    if (query.timestamp === undefined) return Response.json(offsets);
    const offsetForTimestamp = await partitionOffsetForTime(c.env, topic, partition, query.timestamp);
    return Response.json({ ...offsets, offsetForTimestamp });
  },
});

/* The latest record of a key (UTF-8 text in the path) in a compacted topic: 200 with
 * the message and its partition, 404 NOT_FOUND when the key has none. */
export const readLatest = endpoint({
  summary: "The latest record of a key (a compacted topic read as a table)",
  description:
    "For a topic with cleanup.policy=compact: the key's latest record, found with one lookup " +
    "in the key table its partition keeps. The partition is the one the key hashes to " +
    "(murmur2, as producers choose it) unless `partition` names another. A key with no record " +
    "(never written, or deleted by a tombstone that compaction has since removed) is 404 " +
    "NOT_FOUND; a tombstone still kept is answered with value null. A topic that is not " +
    "compacted is 400 INVALID_REQUEST.",
  tags: ["consume"],
  params: { topic: TopicParam, key: Type.String({ description: "The key, its UTF-8 text percent-encoded." }) },
  query: {
    partition: Type.Integer({
      minimum: 0,
      maximum: INT32_MAX,
      description: "Look in this partition instead of the one the key hashes to.",
    }),
    encoding: StringEnum(ENCODINGS, { description: "As for reads: json (default) or base64." }),
  },
  responses: { 200: ok("The key's latest record, with its topic and partition.", Message) },
  errors: [NotFound],
  async handle(c, { params: { topic, key }, query }) {
    const record = await readKey(
      c.env,
      topic,
      key,
      query.partition === undefined ? {} : { partition: query.partition },
    );
    if (!record) throw new HttpError("NOT_FOUND", `key ${JSON.stringify(key)} has no record in topic "${topic}"`);
    return jsonResponse({ topic, partition: record.partition, ...jsonMessage(record, query.encoding ?? "json") });
  },
});
