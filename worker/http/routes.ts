/*
 * routes.ts — every endpoint of the REST API, as a table.
 *
 * The list is the spec's (kafdo-README.md, "HTTP API Endpoints"); openapi.ts
 * documents each row, and a test holds the two equal in both directions.
 * GET /consumer-groups/:groupId/offsets is Kafdo's addition: the committed offsets
 * a consumer over HTTP resumes from. /webhooks and /webhook-subscriptions are the
 * webhook integration's (integrations/webhooks.ts, webhook-subscriptions.ts).
 */
import { createPartitions, createTopic, deleteTopic, describeTopic, listTopics, topicOffsets } from "./handlers/admin";
import { deleteRecords, patchConfigs, putConfigs } from "./handlers/admin";
import { commit, deleteGroup, describe, heartbeat, join, leave, listGroups, offsets } from "./handlers/groups";
import { readLatest, readMessages, readOffsets } from "./handlers/partitions";
import { produce, produceBatch } from "./handlers/produce";
import { health, openapi, serviceInfo } from "./handlers/service";
import {
  createSubscription,
  deleteSubscription,
  describeSubscription,
  listSubscriptions,
  receive,
} from "./handlers/webhooks";
import { deleteUserHandler, listUsersHandler, putUser } from "./handlers/users";
import { createAclsHandler, deleteAclsHandler, listAcls } from "./handlers/acls";
import { Router, type Route } from "./router";

export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/", handler: (c) => serviceInfo(c, ROUTES) },
  { method: "POST", path: "/topics/:topic/produce", handler: produce },
  { method: "POST", path: "/topics/:topic/produce-batch", handler: produceBatch },
  { method: "GET", path: "/topics/:topic/partitions/:partition/messages", handler: readMessages },
  { method: "GET", path: "/topics/:topic/partitions/:partition/offsets", handler: readOffsets },
  { method: "GET", path: "/topics/:topic/keys/:key", handler: readLatest },

  { method: "POST", path: "/consumer-groups/:groupId/join", handler: join },
  { method: "POST", path: "/consumer-groups/:groupId/heartbeat", handler: heartbeat },
  { method: "POST", path: "/consumer-groups/:groupId/commit", handler: commit },
  { method: "POST", path: "/consumer-groups/:groupId/leave", handler: leave },
  { method: "GET", path: "/consumer-groups/:groupId", handler: describe },
  { method: "GET", path: "/consumer-groups/:groupId/offsets", handler: offsets },

  { method: "GET", path: "/admin/topics", handler: listTopics },
  { method: "POST", path: "/admin/topics", handler: createTopic },
  { method: "GET", path: "/admin/topics/:topic", handler: describeTopic },
  { method: "DELETE", path: "/admin/topics/:topic", handler: deleteTopic },
  { method: "POST", path: "/admin/topics/:topic/partitions", handler: createPartitions },
  { method: "GET", path: "/admin/topics/:topic/offsets", handler: topicOffsets },
  { method: "POST", path: "/admin/topics/:topic/delete-records", handler: deleteRecords },
  { method: "PATCH", path: "/admin/topics/:topic/configs", handler: patchConfigs },
  { method: "PUT", path: "/admin/topics/:topic/configs", handler: putConfigs },
  { method: "GET", path: "/admin/groups", handler: listGroups },
  { method: "GET", path: "/admin/groups/:groupId", handler: describe },
  { method: "DELETE", path: "/admin/groups/:groupId", handler: deleteGroup },
  { method: "GET", path: "/admin/users", handler: listUsersHandler },
  { method: "PUT", path: "/admin/users/:name", handler: putUser },
  { method: "DELETE", path: "/admin/users/:name", handler: deleteUserHandler },
  { method: "GET", path: "/admin/acls", handler: listAcls },
  { method: "POST", path: "/admin/acls", handler: createAclsHandler },
  { method: "DELETE", path: "/admin/acls", handler: deleteAclsHandler },

  { method: "POST", path: "/webhooks/:topic", handler: receive },
  { method: "GET", path: "/webhook-subscriptions", handler: listSubscriptions },
  { method: "POST", path: "/webhook-subscriptions", handler: createSubscription },
  { method: "GET", path: "/webhook-subscriptions/:groupId", handler: describeSubscription },
  { method: "DELETE", path: "/webhook-subscriptions/:groupId", handler: deleteSubscription },

  { method: "GET", path: "/health", handler: health },
  { method: "GET", path: "/openapi.json", handler: openapi },
];

export const router = new Router(ROUTES);
