/*
 * routes.ts — every endpoint of the REST API, as a table.
 *
 * The list is the spec's (kafdo-README.md, "HTTP API Endpoints"); openapi.ts
 * documents each row, and a test holds the two equal in both directions.
 * Consumer groups are routed now and answer 501 until the consumer-group issue.
 */
import { createPartitions, createTopic, deleteTopic, describeTopic, listTopics, topicOffsets } from "./handlers/admin";
import { readMessages, readOffsets } from "./handlers/partitions";
import { produce, produceBatch } from "./handlers/produce";
import { health, notImplemented, openapi, serviceInfo } from "./handlers/service";
import { Router, type Route } from "./router";

export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/", handler: (c) => serviceInfo(c, ROUTES) },
  { method: "POST", path: "/topics/:topic/produce", handler: produce },
  { method: "POST", path: "/topics/:topic/produce-batch", handler: produceBatch },
  { method: "GET", path: "/topics/:topic/partitions/:partition/messages", handler: readMessages },
  { method: "GET", path: "/topics/:topic/partitions/:partition/offsets", handler: readOffsets },

  { method: "POST", path: "/consumer-groups/:groupId/join", handler: notImplemented },
  { method: "POST", path: "/consumer-groups/:groupId/heartbeat", handler: notImplemented },
  { method: "POST", path: "/consumer-groups/:groupId/commit", handler: notImplemented },
  { method: "POST", path: "/consumer-groups/:groupId/leave", handler: notImplemented },
  { method: "GET", path: "/consumer-groups/:groupId", handler: notImplemented },

  { method: "GET", path: "/admin/topics", handler: listTopics },
  { method: "POST", path: "/admin/topics", handler: createTopic },
  { method: "GET", path: "/admin/topics/:topic", handler: describeTopic },
  { method: "DELETE", path: "/admin/topics/:topic", handler: deleteTopic },
  { method: "POST", path: "/admin/topics/:topic/partitions", handler: createPartitions },
  { method: "GET", path: "/admin/topics/:topic/offsets", handler: topicOffsets },
  { method: "GET", path: "/admin/groups", handler: notImplemented },
  { method: "GET", path: "/admin/groups/:groupId", handler: notImplemented },
  { method: "DELETE", path: "/admin/groups/:groupId", handler: notImplemented },

  { method: "GET", path: "/health", handler: health },
  { method: "GET", path: "/openapi.json", handler: openapi },
];

export const router = new Router(ROUTES);
