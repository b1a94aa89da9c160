/*
 * openapi.ts — the OpenAPI 3.1 document of the REST API, served at /openapi.json.
 *
 * Written by hand, as the reference a client author reads; tests/worker/
 * rest-openapi.test.ts keeps it true: every route of routes.ts is here and nothing
 * else is, path parameters match the patterns, and real responses validate against
 * the schemas. Schemas use a small subset of JSON Schema (type, properties,
 * required, additionalProperties, items, enum, minimum/maximum, minItems/maxItems,
 * $ref) so that the test's checker covers all of it.
 *
 * The bearer token of http/auth.ts is the bearerAuth security scheme: the document
 * requires it everywhere and lifts it on GET /health (security: []) and, as an
 * alternative, on webhooks (a signed topic's signature stands in for it). Every
 * operation that can be refused declares the 401.
 */
import { MAX_BODY_BYTES } from "./input";
import { DEFAULT_READ_BYTES, DEFAULT_READ_LIMIT, MAX_READ_BYTES, MAX_READ_LIMIT } from "./handlers/partitions";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_COMMIT_OFFSETS,
  MAX_SUBSCRIBED_TOPICS,
  STRATEGIES,
} from "./handlers/groups";
import { MAX_BATCH_MESSAGES } from "./handlers/produce";
import { MAX_GROUP_ID_BYTES } from "../api/groups";
import { VERSION } from "./version";
import { SUBSCRIPTION_DEFAULTS, SUBSCRIPTION_LIMITS } from "../integrations/webhook-subscriptions";
import { DEFAULT_TOLERANCE_SECONDS, KEPT_HEADERS, WEBHOOK_MAX_BODY_BYTES } from "../integrations/webhooks";

const INT32_MAX = 2147483647;

const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (description: string, s: object) => ({ description, content: { "application/json": { schema: s } } });
const body = (s: object) => ({ required: true, content: { "application/json": { schema: s } } });
const integer = (minimum: number, description?: string) => ({
  type: "integer",
  minimum,
  ...(description ? { description } : {}),
});

const INT32_MIN = -2147483648;
const int32 = (description: string) => ({ type: "integer", minimum: INT32_MIN, maximum: INT32_MAX, description });
const noContent = { description: "Done; no body." };
const challenge = {
  description: 'The challenge (RFC 6750): Bearer realm="kafdo", with error="invalid_token" for a wrong token.',
  schema: { type: "string" },
};

const GROUP_STATES = ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"];

export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "Kafdo REST API",
    version: VERSION,
    description: [
      "Kafka on Cloudflare Workers: produce, read, consume in groups, and administer topics and",
      "groups over HTTP.",
      "",
      "Every error has the shape {\"error\": {\"code\": \"<NAME>\", \"message\": \"...\"}}; codes are",
      "Kafka's error names (UNKNOWN_TOPIC_OR_PARTITION, ILLEGAL_GENERATION, ...), INVALID_REQUEST",
      "for a malformed request, or NOT_FOUND, METHOD_NOT_ALLOWED (405, with an Allow header),",
      "PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE.",
      "",
      `Request bodies are JSON (content-type application/json), at most ${MAX_BODY_BYTES} bytes.`,
      "Every endpoint refuses query parameters it does not take, and parameters given twice.",
      "",
      "When the Worker has a KAFDO_TOKEN secret, every endpoint but GET /health wants",
      "`Authorization: Bearer <token>` (the bearerAuth scheme) and answers 401 UNAUTHORIZED",
      "without it; a webhook to a topic that checks signatures is authenticated by its signature.",
    ].join("\n"),
    license: { name: "MIT", identifier: "MIT" },
  },
  security: [{ bearerAuth: [] }],
  tags: [
    { name: "produce" },
    { name: "consume" },
    { name: "consumer groups" },
    { name: "admin" },
    { name: "service" },
    { name: "webhooks" },
  ],
  paths: {
    "/topics/{topic}/produce": {
      post: {
        summary: "Produce one message",
        description:
          "Appends one record and answers once it is stored. An unknown topic is created with one " +
          "partition when KAFDO_AUTO_CREATE_TOPICS is not \"false\", else it is 404 " +
          "UNKNOWN_TOPIC_OR_PARTITION. Without `partition` the record goes by its key's hash " +
          "(murmur2, as Kafka's Java client), or to a partition of the producer's choice when keyless.",
        tags: ["produce"],
        parameters: [parameter("topic"), parameter("produceEncoding"), parameter("produceCompression")],
        requestBody: body(schema("ProduceMessage")),
        responses: {
          "200": json("Where the record was stored.", schema("RecordMetadata")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/topics/{topic}/produce-batch": {
      post: {
        summary: "Produce several messages",
        description:
          "Appends the messages, each to its own partition (explicit, by key, or chosen), one " +
          "request per partition in parallel. The results are in the order of the messages. " +
          "A malformed message refuses the whole batch before anything is stored.",
        tags: ["produce"],
        parameters: [parameter("topic"), parameter("produceEncoding"), parameter("produceCompression")],
        requestBody: body(schema("ProduceBatch")),
        responses: {
          "200": json("Where each record was stored, in order.", schema("ProduceBatchResult")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/topics/{topic}/partitions/{partition}/messages": {
      get: {
        summary: "Read messages",
        description:
          "Records from `offset` on, at most `limit` of them and about `maxBytes` of stored " +
          "batches (always at least one batch, so a record larger than maxBytes is still " +
          "readable). Reading at the high watermark answers no messages; an offset below the " +
          "log start offset or above the high watermark is 416 OFFSET_OUT_OF_RANGE.",
        tags: ["consume"],
        parameters: [
          parameter("topic"),
          parameter("partition"),
          {
            name: "offset",
            in: "query",
            description: "The first offset to read. Default 0.",
            schema: integer(0),
          },
          {
            name: "limit",
            in: "query",
            description: `At most this many records. Default ${DEFAULT_READ_LIMIT}.`,
            schema: { type: "integer", minimum: 1, maximum: MAX_READ_LIMIT },
          },
          {
            name: "maxBytes",
            in: "query",
            description: `About this many bytes of stored batches at most. Default ${DEFAULT_READ_BYTES}.`,
            schema: { type: "integer", minimum: 1, maximum: MAX_READ_BYTES },
          },
          {
            name: "encoding",
            in: "query",
            description:
              "json (default): keys and header values as strings when they are UTF-8, values as " +
              "JSON when they are UTF-8 JSON text, base64 in keyBase64 / valueBase64 / " +
              "headersBase64 otherwise. base64: key, value and header values all as base64.",
            schema: { type: "string", enum: ["json", "base64"] },
          },
        ],
        responses: {
          "200": json("The records read.", schema("ReadResult")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "416": response("OffsetOutOfRange"),
          "500": response("ServerError"),
        },
      },
    },
    "/topics/{topic}/partitions/{partition}/offsets": {
      get: {
        summary: "A partition's offsets",
        tags: ["consume"],
        parameters: [parameter("topic"), parameter("partition")],
        responses: {
          "200": json("The log start offset and the high watermark.", schema("PartitionOffsets")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "500": response("ServerError"),
        },
      },
    },

    "/topics/{topic}/keys/{key}": {
      get: {
        summary: "The latest record of a key (a compacted topic read as a table)",
        description:
          "For a topic with cleanup.policy=compact: the key's latest record, found with one lookup " +
          "in the key table its partition keeps. The partition is the one the key hashes to " +
          "(murmur2, as producers choose it) unless `partition` names another. A key with no record " +
          "(never written, or deleted by a tombstone that compaction has since removed) is 404 " +
          "NOT_FOUND; a tombstone still kept is answered with value null. A topic that is not " +
          "compacted is 400 INVALID_REQUEST.",
        tags: ["consume"],
        parameters: [
          parameter("topic"),
          {
            name: "key",
            in: "path",
            required: true,
            description: "The key, its UTF-8 text percent-encoded.",
            schema: { type: "string" },
          },
          {
            name: "partition",
            in: "query",
            description: "Look in this partition instead of the one the key hashes to.",
            schema: { type: "integer", minimum: 0, maximum: INT32_MAX },
          },
          {
            name: "encoding",
            in: "query",
            description: "As for reads: json (default) or base64.",
            schema: { type: "string", enum: ["json", "base64"] },
          },
        ],
        responses: {
          "200": json("The key's latest record, with its topic and partition.", schema("Message")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "500": response("ServerError"),
        },
      },
    },

    "/consumer-groups/{groupId}/join": {
      post: {
        summary: "Join a consumer group",
        description:
          "Joins the group as a new member (no memberId, or \"\") or rejoins as an existing one, " +
          "and answers when the rebalance this starts is complete: every other member has joined " +
          "again, or was dropped for not doing so within the rebalance timeout. So the answer " +
          "may take up to rebalanceTimeoutMs. It carries the member's id, the new generation, " +
          "and the partitions assigned to this member, which the group computes with the " +
          "member's strategy. Timeouts outside Kafka's bounds are 400 INVALID_SESSION_TIMEOUT; " +
          "a strategy other than the group's is 409 INCONSISTENT_GROUP_PROTOCOL.",
        tags: ["consumer groups"],
        parameters: [parameter("groupId")],
        requestBody: body(schema("JoinGroup")),
        responses: {
          "200": json("The member's place in the new generation.", schema("JoinResult")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "409": response("GroupConflict"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/consumer-groups/{groupId}/heartbeat": {
      post: {
        summary: "Send a heartbeat",
        description:
          "Keeps the member's session alive. 409 REBALANCE_IN_PROGRESS: the group is " +
          "rebalancing and the member must join again (with its memberId) to stay in it; " +
          "ILLEGAL_GENERATION: the member's generation is over; UNKNOWN_MEMBER_ID: the member " +
          "has left or expired and must join as a new member.",
        tags: ["consumer groups"],
        parameters: [parameter("groupId")],
        requestBody: body(schema("Heartbeat")),
        responses: {
          "204": noContent,
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "409": response("GroupConflict"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/consumer-groups/{groupId}/commit": {
      post: {
        summary: "Commit offsets",
        description:
          "Stores each partition's offset (the offset of the next record to consume, as Kafka " +
          "commits it) with its metadata, all or nothing. Only a member of the current " +
          "generation may commit: otherwise 409 with ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or " +
          "REBALANCE_IN_PROGRESS, and nothing is stored.",
        tags: ["consumer groups"],
        parameters: [parameter("groupId")],
        requestBody: body(schema("CommitOffsets")),
        responses: {
          "204": noContent,
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "409": response("GroupConflict"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/consumer-groups/{groupId}/leave": {
      post: {
        summary: "Leave a consumer group",
        description: "Removes the member at once (rather than when its session expires); the others rebalance.",
        tags: ["consumer groups"],
        parameters: [parameter("groupId")],
        requestBody: body(schema("LeaveGroup")),
        responses: {
          "204": noContent,
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "409": response("GroupConflict"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/consumer-groups/{groupId}": {
      get: {
        summary: "Describe a consumer group",
        description: "The same description as GET /admin/groups/{groupId}.",
        tags: ["consumer groups"],
        parameters: [parameter("groupId")],
        responses: {
          "200": json("The group, with each partition's committed offset and lag.", schema("GroupInfo")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("GroupNotFound"),
          "500": response("ServerError"),
        },
      },
    },
    "/consumer-groups/{groupId}/offsets": {
      get: {
        summary: "A group's committed offsets",
        description:
          "Every partition the group has committed an offset for: where a consumer resumes. " +
          "A group with no commits (or none at all) answers an empty list, as Kafka's OffsetFetch does.",
        tags: ["consumer groups"],
        parameters: [parameter("groupId")],
        responses: {
          "200": json("The committed offsets.", schema("CommittedOffsets")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
    },

    "/admin/topics": {
      get: {
        summary: "List topics",
        tags: ["admin"],
        responses: {
          "200": json("The names of all topics.", schema("TopicList")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
      post: {
        summary: "Create a topic",
        description:
          "Names are 1 to 249 characters of [a-zA-Z0-9._-], not \".\" or \"..\" " +
          "(INVALID_TOPIC_EXCEPTION). Partitions default to 1 and are at most " +
          "KAFDO_MAX_PARTITIONS, 256 by default (INVALID_PARTITIONS). Configs are Kafka's topic " +
          "configs as strings: retention.ms, retention.bytes, cleanup.policy, max.message.bytes " +
          "(INVALID_CONFIG for an unknown name or a bad value).",
        tags: ["admin"],
        requestBody: body(schema("CreateTopic")),
        responses: {
          "201": {
            ...json("The topic created.", schema("TopicDescription")),
            headers: {
              Location: { description: "/admin/topics/{topic}", schema: { type: "string" } },
            },
          },
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "409": response("Conflict"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/topics/{topic}": {
      get: {
        summary: "Describe a topic",
        tags: ["admin"],
        parameters: [parameter("topic")],
        responses: {
          "200": json("The topic.", schema("TopicDescription")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "500": response("ServerError"),
        },
      },
      delete: {
        summary: "Delete a topic",
        description: "Deletes the topic and its records. A topic created again under the name starts empty.",
        tags: ["admin"],
        parameters: [parameter("topic")],
        responses: {
          "204": { description: "Deleted." },
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/topics/{topic}/partitions": {
      post: {
        summary: "Add partitions",
        description:
          "Grows the topic to `count` partitions in total, as Kafka's createPartitions. A count " +
          "not above the current one is INVALID_PARTITIONS.",
        tags: ["admin"],
        parameters: [parameter("topic")],
        requestBody: body(schema("AddPartitions")),
        responses: {
          "200": json("The topic with its new partitions.", schema("TopicDescription")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/topics/{topic}/configs": {
      patch: {
        summary: "Change some of a topic's configs",
        description:
          "Sets the configs named and returns those given null to their defaults; the rest are kept " +
          "(Kafka's IncrementalAlterConfigs). Each value is checked as at creation (INVALID_CONFIG), " +
          "and nothing changes unless all are valid. Every partition follows at once (retention runs " +
          "with the new configs); other Worker isolates see the change within 5 s. With validateOnly, " +
          "answers what the topic would be and changes nothing.",
        tags: ["admin"],
        parameters: [parameter("topic")],
        requestBody: body(schema("AlterConfigs")),
        responses: {
          "200": json("The topic with its configs.", schema("TopicDescription")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
      put: {
        summary: "Replace a topic's configs",
        description:
          "The configs named become the topic's whole set: every config not named (or given null) " +
          "returns to its default (Kafka's AlterConfigs). Checked, applied and seen as PATCH is.",
        tags: ["admin"],
        parameters: [parameter("topic")],
        requestBody: body(schema("AlterConfigs")),
        responses: {
          "200": json("The topic with its configs.", schema("TopicDescription")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/topics/{topic}/offsets": {
      get: {
        summary: "A topic's offsets",
        tags: ["admin"],
        parameters: [parameter("topic")],
        responses: {
          "200": json("Every partition's log start offset and high watermark.", schema("TopicOffsets")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/topics/{topic}/delete-records": {
      post: {
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
        parameters: [parameter("topic")],
        requestBody: body(schema("DeleteRecords")),
        responses: {
          "200": json("Every partition's new low watermark, in the order asked.", schema("DeletedRecords")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "416": response("OffsetOutOfRange"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/groups": {
      get: {
        summary: "List consumer groups",
        description: "Every group that exists (from its first join or commit until it is deleted), with its state.",
        tags: ["admin"],
        responses: {
          "200": json("The groups, by id.", schema("GroupList")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/groups/{groupId}": {
      get: {
        summary: "Describe a consumer group",
        description:
          "State, generation, members with their subscriptions and assignments, and a row per " +
          "partition that has a committed offset or is assigned: the committed offset (-1 when " +
          "none), the partition's high watermark (latest) and the lag, latest - offset (latest " +
          "when nothing is committed; -1 with latest -1 when the partition no longer exists).",
        tags: ["admin"],
        parameters: [parameter("groupId")],
        responses: {
          "200": json("The group, with each partition's committed offset and lag.", schema("GroupInfo")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("GroupNotFound"),
          "500": response("ServerError"),
        },
      },
      delete: {
        summary: "Delete a consumer group",
        description:
          "Deletes the group's committed offsets and forgets it. Refused with 409 " +
          "NON_EMPTY_GROUP while it has members, as in Kafka; nothing is deleted then.",
        tags: ["admin"],
        parameters: [parameter("groupId")],
        responses: {
          "204": { description: "Deleted." },
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("GroupNotFound"),
          "409": response("NonEmptyGroup"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/users": {
      get: {
        summary: "List SASL users",
        description: "Every user of the Kafka port's SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), with the mechanisms it has a credential for. Never a password or key.",
        tags: ["admin"],
        responses: {
          "200": json("The users.", schema("UserList")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/users/{name}": {
      put: {
        summary: "Set a SASL user's password",
        description:
          "Creates or replaces the user's SCRAM credential for the mechanism: the password is salted and hashed " +
          "(PBKDF2, iterations 4096 unless given, 4096..16384) and never stored. PLAIN checks passwords against it. " +
          "400 UNSUPPORTED_SASL_MECHANISM for another mechanism, 400 UNACCEPTABLE_CREDENTIAL for an empty password or iterations out of range.",
        tags: ["admin"],
        parameters: [parameter("name")],
        requestBody: body({
          type: "object",
          required: ["mechanism", "password"],
          additionalProperties: false,
          properties: {
            mechanism: { type: "string", enum: ["SCRAM-SHA-256", "SCRAM-SHA-512"] },
            password: { type: "string" },
            iterations: integer(4096, "PBKDF2 iterations, at most 16384 (default 4096)"),
          },
        }),
        responses: {
          "200": json("The user.", schema("User")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
      delete: {
        summary: "Delete a SASL user",
        description: "Removes the user's credential for ?mechanism=, or all of them (the default); 404 RESOURCE_NOT_FOUND when there was none.",
        tags: ["admin"],
        parameters: [
          parameter("name"),
          { name: "mechanism", in: "query", required: false, schema: { type: "string", enum: ["SCRAM-SHA-256", "SCRAM-SHA-512", "all"] } },
        ],
        responses: {
          "204": { description: "Deleted." },
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": json("RESOURCE_NOT_FOUND: no such user credential.", schema("Error")),
          "500": response("ServerError"),
        },
      },
    },
    "/admin/acls": {
      get: {
        summary: "List ACLs",
        description:
          "The ACL bindings a filter matches: each query parameter omitted matches any; with resourceName, " +
          "patternType defaults to MATCH (the literal, wildcard and prefixed bindings that apply to that name), as kafka-acls.",
        tags: ["admin"],
        parameters: ["resourceType", "resourceName", "patternType", "principal", "host", "operation", "permission"].map((name) => ({
          name,
          in: "query",
          required: false,
          schema: { type: "string" },
        })),
        responses: {
          "200": json("The bindings.", { type: "object", required: ["acls"], properties: { acls: { type: "array", items: schema("Acl") } } }),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
      post: {
        summary: "Create ACLs",
        description: "Creates every binding, or none when any is invalid (400 INVALID_REQUEST naming it). Enforced while KAFDO_KAFKA_SASL=required.",
        tags: ["admin"],
        requestBody: body({ type: "object", required: ["acls"], additionalProperties: false, properties: { acls: { type: "array", items: schema("Acl") } } }),
        responses: {
          "201": json("The bindings created.", { type: "object", required: ["acls"], properties: { acls: { type: "array", items: schema("Acl") } } }),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
      delete: {
        summary: "Delete ACLs",
        description: "Deletes the bindings the filter (the query parameters of GET) matches, and answers them.",
        tags: ["admin"],
        responses: {
          "200": json("The bindings deleted.", { type: "object", required: ["deleted"], properties: { deleted: { type: "array", items: schema("Acl") } } }),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
    },

    "/webhooks/{topic}": {
      post: {
        summary: "Receive a webhook",
        description:
          "Stores the request as one record of the topic: the body, byte for byte and of any " +
          `content type (at most ${WEBHOOK_MAX_BODY_BYTES} bytes), is the value; the request headers ` +
          `${KEPT_HEADERS.join(", ")} and those the topic's settings name are the record's headers; the ` +
          "key is the value of the topic's keyHeader, else null. The topic's settings come from the " +
          "KAFDO_WEBHOOKS var (JSON, by topic). With a signature scheme there, the request must be " +
          "signed with the topic's shared secret, HMAC-SHA256 over the body: github, " +
          "X-Hub-Signature-256: sha256=<hex>; stripe, Stripe-Signature: t=<unix seconds>,v1=<hex of " +
          `"<t>." + body>, t within ${DEFAULT_TOLERANCE_SECONDS} s of now by default. A missing or wrong ` +
          "signature is 401 UNAUTHORIZED and stores nothing. An unknown topic is created as a " +
          "produce would. A signed topic needs no bearer token (Stripe and GitHub cannot send " +
          "one): the signature authenticates the request; an unsigned one needs it as any " +
          "other endpoint.",
        tags: ["webhooks"],
        security: [{ bearerAuth: [] }, {}],
        parameters: [parameter("topic")],
        requestBody: {
          required: false,
          content: { "*/*": { schema: { description: "Any bytes: stored as the record's value." } } },
        },
        responses: {
          "200": json("Where the record was stored.", schema("RecordMetadata")),
          "400": response("BadRequest"),
          "401": response("WebhookUnauthorized"),
          "404": response("NotFound"),
          "413": response("TooLarge"),
          "500": response("ServerError"),
        },
      },
    },
    "/webhook-subscriptions": {
      get: {
        summary: "List webhook subscriptions",
        tags: ["webhooks"],
        responses: {
          "200": json("Every subscription, by group id.", schema("WebhookSubscriptionList")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "500": response("ServerError"),
        },
      },
      post: {
        summary: "Create or replace a webhook subscription",
        description:
          "A consumer group that POSTs every record of a topic to a URL, at least once: a record's " +
          "offset is committed only after the URL answered 2xx (or after the record went to the " +
          "dead-letter topic). A failed attempt is retried after backoffMs, doubled each time up " +
          "to maxBackoffMs; after maxAttempts failures the record, byte for byte, goes to the " +
          "dead-letter topic with kafdo-dlq-* headers, and delivery moves on. One subscription " +
          "per group: posting again for a group replaces its settings (200) and keeps its " +
          "committed offsets; a new one is 201. the README (Webhook consumers) shows the delivery format.",
        tags: ["webhooks"],
        requestBody: body(schema("WebhookSubscriptionConfig")),
        responses: {
          "200": json("The subscription, replaced.", schema("WebhookSubscription")),
          "201": json("The subscription, created.", schema("WebhookSubscription")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "413": response("TooLarge"),
          "415": response("UnsupportedMediaType"),
          "500": response("ServerError"),
        },
      },
    },
    "/webhook-subscriptions/{groupId}": {
      get: {
        summary: "Describe a webhook subscription",
        tags: ["webhooks"],
        parameters: [parameter("groupId")],
        responses: {
          "200": json("The subscription and how its delivery goes.", schema("WebhookSubscription")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NoSubscription"),
          "500": response("ServerError"),
        },
      },
      delete: {
        summary: "Delete a webhook subscription",
        description:
          "Stops delivery; the group's consumer leaves it. The group's committed offsets stay " +
          "(DELETE /admin/groups/{groupId} removes them).",
        tags: ["webhooks"],
        parameters: [parameter("groupId")],
        responses: {
          "204": { description: "Deleted." },
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
          "404": response("NoSubscription"),
          "500": response("ServerError"),
        },
      },
    },

    "/": {
      get: {
        summary: "Service info",

        tags: ["service"],
        responses: {
          "200": json("What this service is.", schema("ServiceInfo")),
          "401": response("Unauthorized"),
        },
      },
    },
    "/health": {
      get: {
        summary: "Health check",
        description: "Open: no bearer token, so that load balancers and uptime checks can call it.",
        tags: ["service"],
        security: [],
        responses: { "200": json("The Worker answers.", schema("Health")) },
      },
    },
    "/openapi.json": {
      get: {
        summary: "This document",
        tags: ["service"],
        responses: {
          "200": json("The OpenAPI 3.1 document.", { type: "object" }),
          "401": response("Unauthorized"),
        },
      },
    },
  },

  components: {
    securitySchemes: {
      bearerAuth: {
        type: "http",
        scheme: "bearer",
        description:
          "The Worker's KAFDO_TOKEN secret, as `Authorization: Bearer <token>`. Checked only " +
          "when the secret is set (without it, as in local development, nothing is).",
      },
    },

    parameters: {
      name: {
        name: "name",
        in: "path",
        required: true,
        description: "A SASL user's name, percent-encoded.",
        schema: { type: "string" },
      },
      topic: {
        name: "topic",
        in: "path",
        required: true,
        description: "The topic's name, percent-encoded.",
        schema: { type: "string" },
      },
      partition: {
        name: "partition",
        in: "path",
        required: true,
        description: "A partition number; one the topic does not have is 404 UNKNOWN_TOPIC_OR_PARTITION.",
        schema: { type: "integer", minimum: 0, maximum: INT32_MAX },
      },
      groupId: {
        name: "groupId",
        in: "path",
        required: true,
        description:
          `The group's id, percent-encoded: 1 to ${MAX_GROUP_ID_BYTES} bytes of UTF-8 with no control ` +
          "character (C0, DEL or C1), else 400 INVALID_GROUP_ID.",
        schema: { type: "string" },
      },
      produceEncoding: {
        name: "encoding",
        in: "query",
        description:
          "json (default): value is any JSON, stored as its UTF-8 JSON text; key and header " +
          "values are strings, stored as UTF-8. base64: key, value and header values are base64 " +
          "strings (standard alphabet, padded) of the raw bytes to store.",
        schema: { type: "string", enum: ["json", "base64"] },
      },
      produceCompression: {
        name: "compression",
        in: "query",
        description:
          "none (default): the records are stored uncompressed. gzip, snappy, lz4, zstd: the core " +
          "compresses each stored batch with that codec, as a Kafka producer's compression.type " +
          "does, when that makes it smaller (stored bytes are what is billed). Every door reads " +
          "the records back the same either way.",
        schema: { type: "string", enum: ["none", "gzip", "snappy", "lz4", "zstd"] },
      },
    },

    responses: {
      Unauthorized: {
        ...json(
          "UNAUTHORIZED: the Worker has a KAFDO_TOKEN and the request's bearer token is missing " +
            "or wrong. Checked before routing, so any request but GET /health may get it.",
          schema("Error"),
        ),
        headers: { "WWW-Authenticate": challenge },
      },
      BadRequest: json(
        "INVALID_REQUEST (malformed JSON, wrong body shape, bad path or query parameter), or " +
          "Kafka's INVALID_* and CORRUPT_MESSAGE (INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, " +
          "INVALID_CONFIG, INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, OFFSET_METADATA_TOO_LARGE, ...).",
        schema("Error"),
      ),
      NotFound: json("UNKNOWN_TOPIC_OR_PARTITION.", schema("Error")),
      Conflict: json("TOPIC_ALREADY_EXISTS.", schema("Error")),
      TooLarge: json(
        "MESSAGE_TOO_LARGE (a record batch over the topic's max.message.bytes), " +
          "RECORD_LIST_TOO_LARGE, or PAYLOAD_TOO_LARGE (a body over the request limit).",
        schema("Error"),
      ),
      UnsupportedMediaType: json("UNSUPPORTED_MEDIA_TYPE: the body is not sent as JSON.", schema("Error")),
      OffsetOutOfRange: json("OFFSET_OUT_OF_RANGE.", schema("Error")),
      GroupConflict: json(
        "The member's view of the group is out of date: REBALANCE_IN_PROGRESS (join again), " +
          "ILLEGAL_GENERATION (a generation that is over), UNKNOWN_MEMBER_ID (the member left or " +
          "expired: join as a new member); or INCONSISTENT_GROUP_PROTOCOL (a strategy other than " +
          "the group's).",
        schema("Error"),
      ),
      GroupNotFound: json(
        "GROUP_ID_NOT_FOUND: no such group (never joined nor committed to, or deleted).",
        schema("Error"),
      ),
      NonEmptyGroup: json("NON_EMPTY_GROUP: the group has members.", schema("Error")),
      WebhookUnauthorized: {
        ...json(
          "UNAUTHORIZED: the topic's settings ask for a signature and it is missing, malformed, " +
            "stale (stripe's t) or does not match; or they ask for none, the Worker has a " +
            "KAFDO_TOKEN, and the bearer token is missing or wrong (then with WWW-Authenticate).",
          schema("Error"),
        ),
        headers: { "WWW-Authenticate": challenge },
      },
      NoSubscription: json("GROUP_ID_NOT_FOUND: the group has no webhook subscription.", schema("Error")),
      ServerError: json("UNKNOWN_SERVER_ERROR, KAFKA_STORAGE_ERROR or another Kafka error.", schema("Error")),
    },

    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        additionalProperties: false,
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            additionalProperties: false,
            properties: {
              code: { type: "string", description: "A Kafka error name, or an HTTP-level code." },
              message: { type: "string" },
            },
          },
        },
      },

      ProduceMessage: {
        type: "object",
        required: ["value"],
        additionalProperties: false,
        properties: {
          key: {
            type: ["string", "null"],
            description: "UTF-8 text, or base64 with encoding=base64. Absent or null: no key.",
          },
          value: {
            description:
              "Any JSON, stored as its UTF-8 JSON text (the string \"hi\" is stored as \"hi\" with " +
              "its quotes); with encoding=base64 a base64 string of the bytes. null: a null value " +
              "(a tombstone).",
          },
          headers: {
            type: "object",
            additionalProperties: { type: ["string", "null"] },
            description: "Header name to value: UTF-8 text, base64 with encoding=base64, or null.",
          },
          partition: integer(0, "Write to this partition rather than choosing one."),
          timestamp: integer(0, "The record's timestamp, ms since the epoch; now when absent."),
        },
      },
      ProduceBatch: {
        type: "object",
        required: ["messages"],
        additionalProperties: false,
        properties: {
          messages: { type: "array", items: schema("ProduceMessage"), minItems: 1, maxItems: MAX_BATCH_MESSAGES },
        },
      },
      RecordMetadata: {
        type: "object",
        required: ["topic", "partition", "offset", "timestamp"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partition: integer(0),
          offset: integer(0),
          timestamp: integer(0),
        },
      },
      ProduceBatchResult: {
        type: "object",
        required: ["results"],
        additionalProperties: false,
        properties: { results: { type: "array", items: schema("RecordMetadata") } },
      },

      Message: {
        type: "object",
        required: ["offset", "timestamp", "headers"],
        additionalProperties: false,
        description:
          "A record. Exactly one of key / keyBase64 and one of value / valueBase64 is present.",
        properties: {
          offset: integer(0),
          timestamp: { type: "integer" },
          key: { type: ["string", "null"], description: "The key as text, or base64 with encoding=base64." },
          keyBase64: { type: "string", description: "encoding=json: the key's bytes when they are not UTF-8." },
          value: { description: "encoding=json: the value's JSON; encoding=base64: base64 or null." },
          valueBase64: {
            type: "string",
            description: "encoding=json: the value's bytes when they are not UTF-8 JSON text.",
          },
          headers: {
            type: "object",
            additionalProperties: { type: ["string", "null"] },
            description:
              "Header name to value (text, or base64 with encoding=base64). A name that occurs " +
              "more than once in a record shows its last value.",
          },
          headersBase64: {
            type: "object",
            additionalProperties: { type: "string" },
            description: "encoding=json: header values that are not UTF-8, as base64.",
          },
        },
      },
      ReadResult: {
        type: "object",
        required: ["topic", "partition", "logStartOffset", "highWatermark", "nextOffset", "messages"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partition: integer(0),
          logStartOffset: integer(0),
          highWatermark: integer(0),
          nextOffset: integer(0, "The offset to read from next: the last message's + 1, or the offset asked for."),
          messages: { type: "array", items: schema("Message") },
        },
      },
      PartitionOffsets: {
        type: "object",
        required: ["topic", "partition", "earliest", "latest"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partition: integer(0),
          earliest: integer(0, "The log start offset."),
          latest: integer(0, "The high watermark: the offset the next record will get."),
        },
      },
      TopicOffsets: {
        type: "object",
        required: ["topic", "partitions"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partitions: {
            type: "array",
            items: {
              type: "object",
              required: ["partition", "earliest", "latest"],
              additionalProperties: false,
              properties: { partition: integer(0), earliest: integer(0), latest: integer(0) },
            },
          },
        },
      },

      CreateTopic: {
        type: "object",
        required: ["topic"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partitions: { type: "integer", description: "1 when absent." },
          config: {
            type: "object",
            additionalProperties: { type: "string" },
            description: "Topic configs; values are strings, as Kafka's.",
          },
        },
      },
      AddPartitions: {
        type: "object",
        required: ["count"],
        additionalProperties: false,
        properties: { count: { type: "integer", description: "The new total number of partitions." } },
      },
      DeleteRecords: {
        type: "object",
        required: ["partitions"],
        additionalProperties: false,
        properties: {
          partitions: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              required: ["partition", "offset"],
              additionalProperties: false,
              properties: {
                partition: integer(0),
                offset: { type: "integer", description: "Records below it are deleted; -1: the high watermark." },
              },
            },
          },
        },
      },
      DeletedRecords: {
        type: "object",
        required: ["topic", "partitions"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partitions: {
            type: "array",
            items: {
              type: "object",
              required: ["partition", "lowWatermark"],
              additionalProperties: false,
              properties: { partition: integer(0), lowWatermark: integer(0, "The new log start offset.") },
            },
          },
        },
      },
      AlterConfigs: {
        type: "object",
        required: ["configs"],
        additionalProperties: false,
        properties: {
          configs: {
            type: "object",
            additionalProperties: { type: ["string", "null"] },
            description: "Topic configs by name: a string value sets one, null returns it to its default.",
          },
          validateOnly: { type: "boolean", description: "Check the changes, keep nothing. false when absent." },
        },
      },
      TopicDescription: {
        type: "object",
        required: ["topic", "topicId", "partitions", "config", "createdAt"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          topicId: { type: "string", description: "16 bytes, URL-safe base64 without padding, as Kafka's." },
          partitions: {
            type: "array",
            items: {
              type: "object",
              required: ["partition", "leader"],
              additionalProperties: false,
              properties: { partition: integer(0), leader: integer(0, "Kafdo is one broker, node 0.") },
            },
          },
          config: {
            type: "object",
            additionalProperties: { type: "string" },
            description: "Every topic config, set or default.",
          },
          createdAt: integer(0, "ms since the epoch."),
        },
      },
      TopicList: {
        type: "object",
        required: ["topics"],
        additionalProperties: false,
        properties: { topics: { type: "array", items: { type: "string" } } },
      },

      TopicPartition: {
        type: "object",
        required: ["topic", "partition"],
        additionalProperties: false,
        properties: { topic: { type: "string" }, partition: integer(0) },
      },
      JoinGroup: {
        type: "object",
        required: ["topics"],
        additionalProperties: false,
        properties: {
          memberId: { type: "string", description: "The member's id to rejoin with; absent or \"\" for a new member." },
          clientId: { type: "string", description: `Default "${DEFAULT_CLIENT_ID}".` },
          topics: {
            type: "array",
            items: { type: "string" },
            minItems: 1,
            maxItems: MAX_SUBSCRIBED_TOPICS,
            description: "The topics the member subscribes to.",
          },
          sessionTimeoutMs: int32(
            `Default ${DEFAULT_SESSION_TIMEOUT_MS}. Without a heartbeat for this long the member is ` +
              "removed; Kafka's bounds apply (INVALID_SESSION_TIMEOUT).",
          ),
          rebalanceTimeoutMs: int32(
            `Default ${DEFAULT_REBALANCE_TIMEOUT_MS}. How long a rebalance waits for members to join again.`,
          ),
          strategy: { type: "string", enum: [...STRATEGIES], description: "The assignor. Default range." },
        },
      },
      JoinResult: {
        type: "object",
        required: ["memberId", "generationId", "leader", "protocol", "assignment"],
        additionalProperties: false,
        properties: {
          memberId: { type: "string" },
          generationId: integer(0),
          leader: { type: "string", description: "The member id of the group's leader." },
          protocol: { type: "string", description: "The group's assignment strategy." },
          assignment: { type: "array", items: schema("TopicPartition") },
        },
      },
      Heartbeat: {
        type: "object",
        required: ["memberId", "generationId"],
        additionalProperties: false,
        properties: { memberId: { type: "string" }, generationId: int32("The generation the member joined.") },
      },
      CommitOffsets: {
        type: "object",
        required: ["memberId", "generationId", "offsets"],
        additionalProperties: false,
        properties: {
          memberId: { type: "string" },
          generationId: int32("The generation the member joined."),
          offsets: {
            type: "array",
            maxItems: MAX_COMMIT_OFFSETS,
            items: {
              type: "object",
              required: ["topic", "partition", "offset"],
              additionalProperties: false,
              properties: {
                topic: { type: "string" },
                partition: { type: "integer", minimum: 0, maximum: INT32_MAX },
                offset: integer(0, "The offset of the next record to consume."),
                metadata: { type: "string", description: "Kept with the offset; \"\" when absent." },
              },
            },
          },
        },
      },
      LeaveGroup: {
        type: "object",
        required: ["memberId"],
        additionalProperties: false,
        properties: { memberId: { type: "string" } },
      },
      CommittedOffset: {
        type: "object",
        required: ["topic", "partition", "offset", "metadata", "commitTimestamp"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partition: integer(0),
          offset: integer(-1, "The offset of the next record to consume; -1 when nothing is committed."),
          metadata: { type: "string" },
          commitTimestamp: integer(-1, "ms since the epoch; -1 when nothing is committed."),
        },
      },
      CommittedOffsets: {
        type: "object",
        required: ["groupId", "offsets"],
        additionalProperties: false,
        properties: { groupId: { type: "string" }, offsets: { type: "array", items: schema("CommittedOffset") } },
      },
      GroupMember: {
        type: "object",
        required: [
          "memberId",
          "clientId",
          "kind",
          "sessionTimeoutMs",
          "rebalanceTimeoutMs",
          "lastHeartbeat",
          "subscription",
          "assignment",
        ],
        additionalProperties: false,
        properties: {
          memberId: { type: "string" },
          clientId: { type: "string" },
          kind: {
            type: "string",
            enum: ["http", "kafka"],
            description: "http: Kafdo's protocol (REST, in-Worker); kafka: Kafka's classic protocol.",
          },
          sessionTimeoutMs: integer(0),
          rebalanceTimeoutMs: integer(0),
          lastHeartbeat: integer(0, "ms since the epoch."),
          subscription: { type: "array", items: { type: "string" } },
          assignment: { type: "array", items: schema("TopicPartition") },
        },
      },
      GroupInfo: {
        type: "object",
        required: ["groupId", "state", "members", "generationId", "protocol", "leader", "offsets"],
        additionalProperties: false,
        properties: {
          groupId: { type: "string" },
          state: { type: "string", enum: GROUP_STATES },
          members: { type: "array", items: schema("GroupMember") },
          generationId: integer(0),
          protocol: { type: "string", description: "The assignment strategy." },
          leader: { type: "string", description: "The leader's member id; \"\" when the group has none." },
          offsets: {
            type: "array",
            description: "By topic, then partition.",
            items: {
              type: "object",
              required: ["topic", "partition", "offset", "metadata", "commitTimestamp", "latest", "lag"],
              additionalProperties: false,
              properties: {
                topic: { type: "string" },
                partition: integer(0),
                offset: integer(-1, "The committed offset; -1 when nothing is committed."),
                metadata: { type: "string" },
                commitTimestamp: integer(-1, "ms since the epoch; -1 when nothing is committed."),
                latest: integer(-1, "The partition's high watermark; -1 when the partition no longer exists."),
                lag: {
                  type: "integer",
                  description: "latest - offset; latest when nothing is committed; -1 when latest is.",
                },
              },
            },
          },
        },
      },
      User: {
        type: "object",
        required: ["name", "credentials"],
        additionalProperties: false,
        properties: {
          name: { type: "string" },
          credentials: {
            type: "array",
            items: {
              type: "object",
              required: ["mechanism", "iterations"],
              additionalProperties: false,
              properties: { mechanism: { type: "string", enum: ["SCRAM-SHA-256", "SCRAM-SHA-512"] }, iterations: { type: "integer" } },
            },
          },
        },
      },
      Acl: {
        type: "object",
        required: ["resourceType", "resourceName", "principal", "operation"],
        additionalProperties: false,
        properties: {
          resourceType: { type: "string", enum: ["TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID"] },
          resourceName: { type: "string", description: "The name, \"*\" for all (LITERAL), or a prefix (PREFIXED); kafka-cluster for CLUSTER." },
          patternType: { type: "string", enum: ["LITERAL", "PREFIXED"], description: "LITERAL when omitted." },
          principal: { type: "string", description: "User:name, or User:* for everyone." },
          host: { type: "string", description: "\"*\" (the default)." },
          operation: {
            type: "string",
            enum: ["ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE"],
          },
          permission: { type: "string", enum: ["ALLOW", "DENY"], description: "ALLOW when omitted; DENY wins." },
        },
      },
      UserList: {
        type: "object",
        required: ["users"],
        additionalProperties: false,
        properties: { users: { type: "array", items: schema("User") } },
      },
      GroupList: {
        type: "object",
        required: ["groups"],
        additionalProperties: false,
        properties: {
          groups: {
            type: "array",
            items: {
              type: "object",
              required: ["groupId", "state"],
              additionalProperties: false,
              properties: { groupId: { type: "string" }, state: { type: "string", enum: GROUP_STATES } },
            },
          },
        },
      },

      WebhookSubscriptionConfig: {
        type: "object",
        required: ["groupId", "topic", "url"],
        additionalProperties: false,
        properties: {
          groupId: { type: "string", description: "The consumer group; names the subscription." },
          topic: { type: "string" },
          url: { type: "string", description: "An http: or https: URL the records are POSTed to." },
          maxAttempts: {
            type: "integer",
            minimum: SUBSCRIPTION_LIMITS.maxAttempts[0],
            maximum: SUBSCRIPTION_LIMITS.maxAttempts[1],
            description: `Attempts at a record before it is dead-lettered. Default ${SUBSCRIPTION_DEFAULTS.maxAttempts}.`,
          },
          backoffMs: {
            type: "integer",
            minimum: SUBSCRIPTION_LIMITS.backoffMs[0],
            maximum: SUBSCRIPTION_LIMITS.backoffMs[1],
            description: `Wait before the second attempt, doubled for each next one. Default ${SUBSCRIPTION_DEFAULTS.backoffMs}.`,
          },
          maxBackoffMs: {
            type: "integer",
            minimum: SUBSCRIPTION_LIMITS.maxBackoffMs[0],
            maximum: SUBSCRIPTION_LIMITS.maxBackoffMs[1],
            description: `The longest wait, at least backoffMs. Default ${SUBSCRIPTION_DEFAULTS.maxBackoffMs}.`,
          },
          timeoutMs: {
            type: "integer",
            minimum: SUBSCRIPTION_LIMITS.timeoutMs[0],
            maximum: SUBSCRIPTION_LIMITS.timeoutMs[1],
            description: `How long an attempt waits for the answer. Default ${SUBSCRIPTION_DEFAULTS.timeoutMs}.`,
          },
          deadLetterTopic: { type: "string", description: "Default \"<topic>.dlq\"; not the topic itself." },
          secret: {
            type: "string",
            description: "Signs deliveries: kafdo-signature-256: sha256=<hex HMAC-SHA256(secret, body)>.",
          },
          fromBeginning: {
            type: "boolean",
            description:
              "Where the group starts on a partition without a committed offset: the log start " +
              `(true) or the end. Default ${SUBSCRIPTION_DEFAULTS.fromBeginning}.`,
          },
          maxPollRecords: {
            type: "integer",
            minimum: SUBSCRIPTION_LIMITS.maxPollRecords[0],
            maximum: SUBSCRIPTION_LIMITS.maxPollRecords[1],
            description: `Records fetched at a time. Default ${SUBSCRIPTION_DEFAULTS.maxPollRecords}.`,
          },
        },
      },
      WebhookRetry: {
        type: "object",
        required: ["topic", "partition", "offset", "attempts", "nextAttemptAt", "lastError"],
        additionalProperties: false,
        properties: {
          topic: { type: "string" },
          partition: integer(0),
          offset: integer(0, "The record waiting to be tried again."),
          attempts: integer(1, "Failed attempts so far."),
          nextAttemptAt: integer(0, "ms since the epoch."),
          lastError: { type: "string" },
        },
      },
      WebhookSubscription: {
        type: "object",
        required: [
          "groupId",
          "topic",
          "url",
          "maxAttempts",
          "backoffMs",
          "maxBackoffMs",
          "timeoutMs",
          "deadLetterTopic",
          "fromBeginning",
          "maxPollRecords",
          "signed",
          "createdAt",
          "updatedAt",
          "status",
        ],
        additionalProperties: false,
        properties: {
          groupId: { type: "string" },
          topic: { type: "string" },
          url: { type: "string" },
          maxAttempts: integer(1),
          backoffMs: integer(1),
          maxBackoffMs: integer(1),
          timeoutMs: integer(1),
          deadLetterTopic: { type: "string" },
          fromBeginning: { type: "boolean" },
          maxPollRecords: integer(1),
          signed: { type: "boolean", description: "Whether deliveries are signed (the secret is not shown)." },
          createdAt: integer(0, "ms since the epoch."),
          updatedAt: integer(0, "ms since the epoch."),
          status: {
            type: "object",
            required: ["delivered", "deadLettered", "failedAttempts", "retrying", "lastError", "lastErrorAt"],
            additionalProperties: false,
            properties: {
              delivered: integer(0, "Records the URL answered 2xx for."),
              deadLettered: integer(0, "Records written to the dead-letter topic."),
              failedAttempts: integer(0, "Attempts that failed, each retry counted."),
              retrying: { type: "array", items: schema("WebhookRetry") },
              lastError: { type: ["string", "null"] },
              lastErrorAt: { type: ["integer", "null"], description: "ms since the epoch." },
            },
          },
        },
      },
      WebhookSubscriptionList: {
        type: "object",
        required: ["subscriptions"],
        additionalProperties: false,
        properties: { subscriptions: { type: "array", items: schema("WebhookSubscription") } },
      },

      ServiceInfo: {

        type: "object",
        required: ["name", "version", "openapi", "endpoints"],
        additionalProperties: false,
        properties: {
          name: { type: "string", enum: ["kafdo"] },
          version: { type: "string" },
          openapi: { type: "string", description: "Where this document is." },
          endpoints: { type: "array", items: { type: "string" }, description: "\"METHOD /path/:param\" per route." },
        },
      },
      Health: {
        type: "object",
        required: ["status"],
        additionalProperties: false,
        properties: { status: { type: "string", enum: ["ok"] } },
      },
    },
  },
};
