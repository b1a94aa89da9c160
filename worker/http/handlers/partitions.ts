/*
 * partitions.ts — GET /topics/:topic/partitions/:partition/messages and /offsets.
 *
 * A read takes an offset (0 when absent) or a timestamp (from the first record at or
 * after it), a record limit and a byte limit; api/
 * says whether the topic, the partition and the offset exist. The answer carries
 * the partition's log start offset and high watermark, and nextOffset, the offset
 * to read from next. It goes out through jsonResponse, which writes stored JSON values
 * as their stored text.
 *
 * GET /topics/:topic/keys/:key answers a compacted topic's latest record of a key.
 */
import { partitionOffsets, readKey, readPartition } from "../../api";
import { MAX_READ_BYTES, partitionOffsetForTime } from "../../api/read";
import { HttpError, invalidRequest } from "../errors";
import { Query, partitionParam } from "../input";
import { jsonResponse } from "../json";
import { ENCODINGS, jsonMessage } from "../records";
import type { Context } from "../router";

const INT32_MAX = 2 ** 31 - 1;
export const MAX_READ_LIMIT = 10000;
export const DEFAULT_READ_LIMIT = 100;
export { MAX_READ_BYTES };
export const DEFAULT_READ_BYTES = 1024 * 1024;

export async function readMessages(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const partition = partitionParam(c.param("partition"));
  const q = new Query(c.url, ["offset", "timestamp", "limit", "maxBytes", "encoding"]);
  const offsetAsked = q.int("offset", 0, Number.MAX_SAFE_INTEGER, -1);
  /* ?timestamp= (ms) starts at the first record at or after that time, instead of an offset. */
  const timestamp = q.int("timestamp", 0, Number.MAX_SAFE_INTEGER, -1);
  if (timestamp >= 0 && offsetAsked >= 0) {
    throw invalidRequest('query parameters "offset" and "timestamp" exclude each other');
  }
  const limit = q.int("limit", 1, MAX_READ_LIMIT, DEFAULT_READ_LIMIT);
  const maxBytes = q.int("maxBytes", 1, MAX_READ_BYTES, DEFAULT_READ_BYTES);
  const encoding = q.oneOf("encoding", ENCODINGS, "json");

  const offset = timestamp >= 0 ? await offsetAtTime(c, topic, partition, timestamp) : Math.max(offsetAsked, 0);
  const read = await readPartition(c.env, topic, partition, { offset, limit, maxBytes });
  const last = read.records[read.records.length - 1];
  return jsonResponse({
    topic: read.topic,
    partition: read.partition,
    logStartOffset: read.logStartOffset,
    highWatermark: read.highWatermark,
    nextOffset: last ? last.offset + 1 : offset,
    messages: read.records.map((r) => jsonMessage(r, encoding)),
  });
}

/* Where a read by time starts: the first record at or after `timestamp`, or the high
 * watermark (no messages) when none is that late. */
async function offsetAtTime(c: Context, topic: string, partition: number, timestamp: number): Promise<number> {
  const found = await partitionOffsetForTime(c.env, topic, partition, timestamp);
  return found.offset >= 0 ? found.offset : (await partitionOffsets(c.env, topic, partition)).latest;
}

export async function readOffsets(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const partition = partitionParam(c.param("partition"));
  /* ?timestamp=ms: also the first offset at or after that time (ListOffsets by time). */
  const timestamp = new Query(c.url, ["timestamp"]).int("timestamp", 0, Number.MAX_SAFE_INTEGER, -1);
  const { earliest, latest } = await partitionOffsets(c.env, topic, partition);
  if (timestamp < 0) return Response.json({ topic, partition, earliest, latest });
  const offsetForTimestamp = await partitionOffsetForTime(c.env, topic, partition, timestamp);
  return Response.json({ topic, partition, earliest, latest, offsetForTimestamp });
}

/* The latest record of a key (UTF-8 text in the path) in a compacted topic: 200 with
 * the message and its partition, 404 NOT_FOUND when the key has none. */
export async function readLatest(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const key = c.param("key");
  const q = new Query(c.url, ["partition", "encoding"]);
  const partition = q.int("partition", -1, INT32_MAX, -1);
  const encoding = q.oneOf("encoding", ENCODINGS, "json");
  const record = await readKey(c.env, topic, key, partition < 0 ? {} : { partition });
  if (!record) throw new HttpError("NOT_FOUND", `key ${JSON.stringify(key)} has no record in topic "${topic}"`);
  return jsonResponse({ topic, partition: record.partition, ...jsonMessage(record, encoding) });
}
