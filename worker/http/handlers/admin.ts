/*
 * admin.ts — /admin/topics: list, create, describe, delete, add partitions, change
 * configs, a topic's offsets, and DeleteRecords.
 *
 * Kafka's rules (names, partition counts, configs, growing only) are the core's,
 * reached through api/'s admin; these handlers check only that the body has the
 * right JSON types. Counts are Kafka int32 fields, so a number outside int32 is a
 * malformed request rather than a partition count the core would refuse.
 */
import { createAdmin } from "../../api";
import type { Admin } from "../../common/api";
import type { ConfigChanges, CreateTopicConfig, RecordsToDelete } from "../../common/topics";
import { invalidRequest } from "../errors";
import { Query, array, has, integer, object, partitionField, readJson, string, stringMap } from "../input";
import type { Context } from "../router";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

async function withAdmin<T>(c: Context, use: (a: Admin) => Promise<T>): Promise<T> {
  const admin = createAdmin(c.env);
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

export async function listTopics(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json({ topics: await withAdmin(c, (a) => a.listTopics()) });
}

export async function createTopic(c: Context): Promise<Response> {
  Query.none(c.url);
  const body = object(await readJson(c.request), "body", ["topic", "partitions", "config"]);
  const request: CreateTopicConfig = { topic: string(body.topic, "body.topic") };
  if (has(body, "partitions")) request.partitions = integer(body.partitions, "body.partitions", INT32_MIN, INT32_MAX);
  if (has(body, "config")) request.config = stringMap(body.config, "body.config", string);
  const description = await withAdmin(c, (a) => a.createTopic(request));
  return Response.json(description, {
    status: 201,
    headers: { location: `/admin/topics/${encodeURIComponent(description.topic)}` },
  });
}

export async function describeTopic(c: Context): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
  return Response.json(await withAdmin(c, (a) => a.describeTopic(topic)));
}

export async function deleteTopic(c: Context): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
  await withAdmin(c, (a) => a.deleteTopic(topic));
  return new Response(null, { status: 204 });
}

export async function createPartitions(c: Context): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
  const body = object(await readJson(c.request), "body", ["count"]);
  const count = integer(body.count, "body.count", INT32_MIN, INT32_MAX);
  return Response.json(await withAdmin(c, (a) => a.createPartitions(topic, count)));
}

export async function topicOffsets(c: Context): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
  const offsets = await withAdmin(c, (a) => a.listOffsets(topic));
  const partitions = [...offsets]
    .sort(([a], [b]) => a - b)
    .map(([partition, { earliest, latest }]) => ({ partition, earliest, latest }));
  return Response.json({ topic, partitions });
}

/* Kafka's DeleteRecords: {"partitions": [{"partition", "offset"}]}, offset -1 for the
 * high watermark. All or one error: a partition refused makes the answer that
 * partition's error (416 OFFSET_OUT_OF_RANGE, 404 UNKNOWN_TOPIC_OR_PARTITION), and the
 * message names each refusal; the partitions that agreed are done (api/delete-records.ts). */
export async function deleteRecords(c: Context): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
  const body = object(await readJson(c.request), "body", ["partitions"]);
  const partitions: RecordsToDelete[] = array(body.partitions, "body.partitions", 1, INT32_MAX).map((item, i) => {
    const where = `body.partitions[${i}]`;
    const p = object(item, where, ["partition", "offset"]);
    return {
      partition: partitionField(p.partition, `${where}.partition`),
      offset: integer(p.offset, `${where}.offset`, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    };
  });
  return Response.json({ topic, partitions: await withAdmin(c, (a) => a.deleteRecords(topic, partitions)) });
}
/* PATCH changes only the configs named (null: back to the default); PUT makes the
 * configs named the topic's whole set. Body: {"configs": {...}, "validateOnly"?: bool}. */
async function alterConfigs(c: Context, replace: boolean): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
  const body = object(await readJson(c.request), "body", ["configs", "validateOnly"]);
  const configs: ConfigChanges = stringMap(body.configs, "body.configs", (v, where) =>
    v === null ? null : string(v, where),
  );
  let validateOnly = false;
  if (has(body, "validateOnly")) {
    if (typeof body.validateOnly !== "boolean") throw invalidRequest("body.validateOnly must be true or false");
    validateOnly = body.validateOnly;
  }
  return Response.json(await withAdmin(c, (a) => a.alterConfigs(topic, configs, { replace, validateOnly })));
}

export const patchConfigs = (c: Context) => alterConfigs(c, false);
export const putConfigs = (c: Context) => alterConfigs(c, true);
