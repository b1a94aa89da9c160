/*
 * admin.ts — /admin/topics: list, create, describe, delete, add partitions, change
 * configs, a topic's offsets, and DeleteRecords.
 *
 * Kafka's rules (names, partition counts, configs, growing only) are the core's,
 * reached through api/'s admin; the schemas here say only the JSON types. Counts are
 * Kafka int32 fields, so a number outside int32 is a malformed request rather than a
 * partition count the core would refuse.
 */
import { createAdmin } from "../../api";
import type { Admin } from "../../common/api";
import type { ConfigChanges } from "../../common/topics";
import { endpoint } from "../endpoint";
import type { Context } from "../router";
import { TopicParam } from "../parameters";
import { Conflict, NotFound, OffsetOutOfRange, noContent, ok } from "../responses";
import { dictionary } from "../input";
import { AtLeast, Int32, Nullable, PartitionNumber, StringMap, Struct, Type, named, type Static } from "../schema";

const TopicDescription = named(
  "TopicDescription",
  Struct({
    topic: Type.String(),
    topicId: Type.String({ description: "16 bytes, URL-safe base64 without padding, as Kafka's." }),
    partitions: Type.Array(Struct({ partition: AtLeast(0), leader: AtLeast(0, "Kafdo is one broker, node 0.") })),
    config: StringMap(Type.String(), { description: "Every topic config, set or default." }),
    createdAt: AtLeast(0, "ms since the epoch."),
  }),
);

const TopicList = named("TopicList", Struct({ topics: Type.Array(Type.String()) }));

const CreateTopic = named(
  "CreateTopic",
  Struct({
    topic: Type.String(),
    partitions: Type.Optional(Int32({ description: "1 when absent." })),
    config: Type.Optional(StringMap(Type.String(), { description: "Topic configs; values are strings, as Kafka's." })),
  }),
);

const AddPartitions = named(
  "AddPartitions",
  Struct({ count: Int32({ description: "The new total number of partitions." }) }),
);

const TopicOffsets = named(
  "TopicOffsets",
  Struct({
    topic: Type.String(),
    partitions: Type.Array(Struct({ partition: AtLeast(0), earliest: AtLeast(0), latest: AtLeast(0) })),
  }),
);

const DeleteRecords = named(
  "DeleteRecords",
  Struct({
    partitions: Type.Array(
      Struct({
        partition: PartitionNumber(),
        offset: Type.Integer({
          minimum: Number.MIN_SAFE_INTEGER,
          maximum: Number.MAX_SAFE_INTEGER,
          description: "Records below it are deleted; -1: the high watermark.",
        }),
      }),
      { minItems: 1 },
    ),
  }),
);

const DeletedRecords = named(
  "DeletedRecords",
  Struct({
    topic: Type.String(),
    partitions: Type.Array(Struct({ partition: AtLeast(0), lowWatermark: AtLeast(0, "The new log start offset.") })),
  }),
);

const AlterConfigs = named(
  "AlterConfigs",
  Struct({
    configs: StringMap(Nullable(Type.String()), {
      description: "Topic configs by name: a string value sets one, null returns it to its default.",
    }),
    validateOnly: Type.Optional(Type.Boolean({ description: "Check the changes, keep nothing. false when absent." })),
  }),
);

async function withAdmin<T>(c: Context, use: (a: Admin) => Promise<T>): Promise<T> {
  const admin = createAdmin(c.env);
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

export const listTopics = endpoint({
  summary: "List topics",
  tags: ["admin"],
  responses: { 200: ok("The names of all topics.", TopicList) },
  async handle(c) {
    return Response.json({ topics: await withAdmin(c, (a) => a.listTopics()) });
  },
});

export const createTopic = endpoint({
  summary: "Create a topic",
  description:
    'Names are 1 to 249 characters of [a-zA-Z0-9._-], not "." or ".." ' +
    "(INVALID_TOPIC_EXCEPTION). Partitions default to 1 and are at most " +
    "KAFDO_MAX_PARTITIONS, 256 by default (INVALID_PARTITIONS). Configs are Kafka's topic " +
    "configs as strings: retention.ms, retention.bytes, cleanup.policy, max.message.bytes " +
    "(INVALID_CONFIG for an unknown name or a bad value).",
  tags: ["admin"],
  body: CreateTopic,
  responses: {
    201: {
      description: "The topic created.",
      schema: TopicDescription,
      headers: { Location: { description: "/admin/topics/{topic}", schema: Type.String() } },
    },
  },
  errors: [Conflict],
  async handle(c, { body }) {
    /* Configs in an object without a prototype, so that one named "__proto__" is a config. */
    const request = body.config ? { ...body, config: Object.assign(dictionary<string>(), body.config) } : body;
    const description = await withAdmin(c, (a) => a.createTopic(request));
    return Response.json(description, {
      status: 201,
      headers: { location: `/admin/topics/${encodeURIComponent(description.topic)}` },
    });
  },
});

export const describeTopic = endpoint({
  summary: "Describe a topic",
  tags: ["admin"],
  params: { topic: TopicParam },
  responses: { 200: ok("The topic.", TopicDescription) },
  errors: [NotFound],
  async handle(c, { params: { topic } }) {
    return Response.json(await withAdmin(c, (a) => a.describeTopic(topic)));
  },
});

export const deleteTopic = endpoint({
  summary: "Delete a topic",
  description: "Deletes the topic and its records. A topic created again under the name starts empty.",
  tags: ["admin"],
  params: { topic: TopicParam },
  responses: { 204: noContent("Deleted.") },
  errors: [NotFound],
  async handle(c, { params: { topic } }) {
    await withAdmin(c, (a) => a.deleteTopic(topic));
    return new Response(null, { status: 204 });
  },
});

export const createPartitions = endpoint({
  summary: "Add partitions",
  description:
    "Grows the topic to `count` partitions in total, as Kafka's createPartitions. A count " +
    "not above the current one is INVALID_PARTITIONS.",
  tags: ["admin"],
  params: { topic: TopicParam },
  body: AddPartitions,
  responses: { 200: ok("The topic with its new partitions.", TopicDescription) },
  errors: [NotFound],
  async handle(c, { params: { topic }, body }) {
    return Response.json(await withAdmin(c, (a) => a.createPartitions(topic, body.count)));
  },
});

export const topicOffsets = endpoint({
  summary: "A topic's offsets",
  tags: ["admin"],
  params: { topic: TopicParam },
  responses: { 200: ok("Every partition's log start offset and high watermark.", TopicOffsets) },
  errors: [NotFound],
  async handle(c, { params: { topic } }) {
    const offsets = await withAdmin(c, (a) => a.listOffsets(topic));
    const partitions = [...offsets]
      .sort(([a], [b]) => a - b)
      .map(([partition, { earliest, latest }]) => ({ partition, earliest, latest }));
    return Response.json({ topic, partitions });
  },
});

/* Kafka's DeleteRecords: {"partitions": [{"partition", "offset"}]}, offset -1 for the
 * high watermark. All or one error: a partition refused makes the answer that
 * partition's error (416 OFFSET_OUT_OF_RANGE, 404 UNKNOWN_TOPIC_OR_PARTITION), and the
 * message names each refusal; the partitions that agreed are done (api/delete-records.ts). */
export const deleteRecords = endpoint({
  summary: "Delete records",
  description:
    "Kafka's DeleteRecords: each partition's log start offset (its low watermark) rises to " +
    "`offset`, and the records below it are deleted; -1 is the high watermark (every record " +
    "the partition holds now). An offset at or below the low watermark changes nothing. The " +
    "partitions are checked against the topic first, so an unknown one (404) deletes nothing; " +
    "then each partition is asked, and an offset above its high watermark (or below -1) is " +
    "416 OFFSET_OUT_OF_RANGE, naming every partition refused. That is not atomic, as in " +
    "Kafka: the other partitions' records are deleted.",
  tags: ["admin"],
  params: { topic: TopicParam },
  body: DeleteRecords,
  responses: { 200: ok("Every partition's new low watermark, in the order asked.", DeletedRecords) },
  errors: [NotFound, OffsetOutOfRange],
  async handle(c, { params: { topic }, body }) {
    const partitions = body.partitions.map(({ partition, offset }) => ({ partition, offset }));
    return Response.json({ topic, partitions: await withAdmin(c, (a) => a.deleteRecords(topic, partitions)) });
  },
});

/* PATCH changes only the configs named (null: back to the default); PUT makes the
 * configs named the topic's whole set. */
function alterConfigs(replace: boolean) {
  return async (c: Context, { params: { topic }, body }: { params: { topic: string }; body: AlterConfigsBody }) => {
    const configs: ConfigChanges = Object.assign(dictionary<string | null>(), body.configs);
    const validateOnly = body.validateOnly ?? false;
    return Response.json(await withAdmin(c, (a) => a.alterConfigs(topic, configs, { replace, validateOnly })));
  };
}
type AlterConfigsBody = Static<typeof AlterConfigs>;

export const patchConfigs = endpoint({
  summary: "Change some of a topic's configs",
  description:
    "Sets the configs named and returns those given null to their defaults; the rest are kept " +
    "(Kafka's IncrementalAlterConfigs). Each value is checked as at creation (INVALID_CONFIG), " +
    "and nothing changes unless all are valid. Every partition follows at once (retention runs " +
    "with the new configs); other Worker isolates see the change within 5 s. With validateOnly, " +
    "answers what the topic would be and changes nothing.",
  tags: ["admin"],
  params: { topic: TopicParam },
  body: AlterConfigs,
  responses: { 200: ok("The topic with its configs.", TopicDescription) },
  errors: [NotFound],
  handle: alterConfigs(false),
});

export const putConfigs = endpoint({
  summary: "Replace a topic's configs",
  description:
    "The configs named become the topic's whole set: every config not named (or given null) " +
    "returns to its default (Kafka's AlterConfigs). Checked, applied and seen as PATCH is.",
  tags: ["admin"],
  params: { topic: TopicParam },
  body: AlterConfigs,
  responses: { 200: ok("The topic with its configs.", TopicDescription) },
  errors: [NotFound],
  handle: alterConfigs(true),
});
