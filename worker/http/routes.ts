/*
 * routes.ts — every endpoint of the REST API, as a table.
 *
 * The list is the spec's (kafdo-README.md, "HTTP API Endpoints"). Each row places an
 * endpoint, declared with its schemas beside its handler in handlers/ (endpoint.ts
 * says how), at a method and path; the OpenAPI document is made from this table
 * (openapi.ts). GET /consumer-groups/:groupId/offsets is Kafdo's addition: the
 * committed offsets a consumer over HTTP resumes from. /admin/users and /admin/acls
 * are the Kafka port's SASL users and the cluster's ACLs. /webhooks and
 * /webhook-subscriptions are the webhook integration's (integrations/webhooks.ts,
 * webhook-subscriptions.ts).
 *
 * Every route wants the bearer token when one is set (auth.ts) but those marked
 * `public`: /health, and a webhook to a topic that checks its senders' signatures.
 */
import { route, type DocumentedRoute } from "./endpoint";
import { createPartitions, createTopic, deleteTopic, describeTopic, listTopics, topicOffsets } from "./handlers/admin";
import { deleteRecords, patchConfigs, putConfigs } from "./handlers/admin";
import { resetOffsets } from "./handlers/group-reset";
import {
  adminDescribe,
  commit,
  deleteGroup,
  describe,
  heartbeat,
  join,
  leave,
  listGroups,
  offsets,
} from "./handlers/groups";
import { readLatest, readMessages, readOffsets } from "./handlers/partitions";
import { events, subscribe } from "./handlers/subscribe";
import { produce, produceBatch } from "./handlers/produce";
import { produceTransaction } from "./handlers/transaction-produce";
import { queryEndpoint } from "./handlers/query";
import { metricsJson, metricsText } from "./handlers/metrics";
import { health, openapi, serviceInfo } from "./handlers/service";
import {
  createSubscription,
  deleteSubscription,
  describeSubscription,
  listSubscriptions,
  receive,
  signedWebhook,
} from "./handlers/webhooks";
import { createAclsEndpoint, deleteAclsEndpoint, listAcls } from "./handlers/acls";
import { deleteUserEndpoint, listUsersEndpoint, putUser } from "./handlers/users";
import { describeTransactionEndpoint, listTransactionsEndpoint } from "./handlers/transactions";
import { openApiDocument } from "./openapi";
import { Router } from "./router";

/* The two endpoints that tell of the table itself (read when they answer). */
const about = serviceInfo(() => ROUTES);
const apiDocument = openapi(() => OPENAPI);

export const ROUTES: readonly DocumentedRoute[] = [
  route("GET", "/", about),
  route("POST", "/topics/:topic/produce", produce),
  route("POST", "/topics/:topic/produce-batch", produceBatch),
  /* One atomic produce to many partitions (a Kafka transaction), handlers/transaction-produce.ts. */
  route("POST", "/transactions/produce", produceTransaction),
  route("GET", "/topics/:topic/partitions/:partition/messages", readMessages),
  route("GET", "/topics/:topic/partitions/:partition/offsets", readOffsets),
  route("GET", "/topics/:topic/keys/:key", readLatest),
  /* Real-time subscriptions (WebSocket or SSE), handlers/subscribe.ts. */
  route("GET", "/topics/:topic/subscribe", subscribe),
  route("GET", "/events", events),
  /* SQL over a topic, handlers/query.ts. */
  route("POST", "/topics/:topic/query", queryEndpoint),

  route("POST", "/consumer-groups/:groupId/join", join),
  route("POST", "/consumer-groups/:groupId/heartbeat", heartbeat),
  route("POST", "/consumer-groups/:groupId/commit", commit),
  route("POST", "/consumer-groups/:groupId/leave", leave),
  route("GET", "/consumer-groups/:groupId", describe),
  route("GET", "/consumer-groups/:groupId/offsets", offsets),

  route("GET", "/admin/topics", listTopics),
  route("POST", "/admin/topics", createTopic),
  route("GET", "/admin/topics/:topic", describeTopic),
  route("DELETE", "/admin/topics/:topic", deleteTopic),
  route("POST", "/admin/topics/:topic/partitions", createPartitions),
  route("GET", "/admin/topics/:topic/offsets", topicOffsets),
  route("POST", "/admin/topics/:topic/delete-records", deleteRecords),
  route("PATCH", "/admin/topics/:topic/configs", patchConfigs),
  route("PUT", "/admin/topics/:topic/configs", putConfigs),
  route("GET", "/admin/groups", listGroups),
  route("GET", "/admin/groups/:groupId", adminDescribe),
  route("DELETE", "/admin/groups/:groupId", deleteGroup),
  route("POST", "/admin/groups/:groupId/offsets/reset", resetOffsets),
  route("GET", "/admin/users", listUsersEndpoint),
  route("PUT", "/admin/users/:name", putUser),
  route("DELETE", "/admin/users/:name", deleteUserEndpoint),
  route("GET", "/admin/transactions", listTransactionsEndpoint),
  route("GET", "/admin/transactions/:transactionalId", describeTransactionEndpoint),
  route("GET", "/admin/acls", listAcls),
  route("POST", "/admin/acls", createAclsEndpoint),
  route("DELETE", "/admin/acls", deleteAclsEndpoint),

  route("POST", "/webhooks/:topic", receive, { public: signedWebhook }),
  route("GET", "/webhook-subscriptions", listSubscriptions),
  route("POST", "/webhook-subscriptions", createSubscription),
  route("GET", "/webhook-subscriptions/:groupId", describeSubscription),
  route("DELETE", "/webhook-subscriptions/:groupId", deleteSubscription),

  route("GET", "/health", health, { public: true }),
  route("GET", "/metrics", metricsText),
  route("GET", "/metrics.json", metricsJson),
  route("GET", "/openapi.json", apiDocument),
];

/* The OpenAPI 3.1 document of this table, served at /openapi.json. */
export const OPENAPI = openApiDocument(ROUTES);

export const router = new Router(ROUTES);
