/*
 * acl-gate.ts — REST requests checked against the ACLs, as the Kafka port's are
 * (kafka/authorize.ts), when ACLs are enforced (SASL required) and the caller is a
 * named principal (principals.ts; a trusted caller is never checked). A refusal is
 * 403 with the JSON error shape and Kafka's code: TOPIC_AUTHORIZATION_FAILED,
 * GROUP_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED.
 *
 * Each route needs one operation on one resource, named by its path (or, to create a
 * topic, by the body's "topic"): reading records READ, producing WRITE, a group's
 * requests READ (DESCRIBE to look), topics' administration CREATE / DELETE / ALTER /
 * ALTER_CONFIGS, and listing topics or groups, transactions, users, ACLs and webhook
 * subscriptions DESCRIBE or ALTER on the cluster; one transaction DESCRIBE on its
 * transactional id. An atomic produce (POST /transactions/produce) needs each of the
 * resources its body names (transactionNeeds).
 */
import { CLUSTER_RESOURCE, OPERATIONS as OP, RESOURCE_TYPES as RT, aclsEnforced, authorize } from "../api/acls";
import { KafdoError, KafkaCode } from "../common/errors";
import { TRUSTED } from "./principals";
import type { Context, Route } from "./router";

type Need = { operation: number; resourceType: number; name: (c: Context) => Promise<string | null> | string | null };
/* A route that needs several resources, named by its body: each must be allowed. */
type Check = { operation: number; resourceType: number; resourceName: string };
type Needs = { all: (c: Context) => Promise<Check[]> };

const topic = (operation: number): Need => ({ operation, resourceType: RT.TOPIC, name: (c) => c.param("topic") });
const group = (operation: number): Need => ({ operation, resourceType: RT.GROUP, name: (c) => c.param("groupId") });
const cluster = (operation: number): Need => ({ operation, resourceType: RT.CLUSTER, name: () => CLUSTER_RESOURCE });
const transactionalId = (operation: number): Need => ({
  operation,
  resourceType: RT.TRANSACTIONAL_ID,
  name: (c) => c.param("transactionalId"),
});

/* The topic a POST /admin/topics body names (a body that names none is the handler's 400). */
async function createdTopic(c: Context): Promise<string | null> {
  try {
    const body = (await c.request.clone().json()) as { topic?: unknown };
    return typeof body.topic === "string" ? body.topic : null;
  } catch {
    return null;
  }
}

/* POST /transactions/produce, as Kafka's transactional producer is checked: WRITE on
 * each record's topic, WRITE on the transactional id when the body names one, READ on
 * the group whose offsets it commits (a body that is not JSON is the handler's 400). */
async function transactionNeeds(c: Context): Promise<Check[]> {
  let body: {
    transactionalId?: unknown;
    records?: { topic?: unknown }[];
    offsets?: { groupId?: unknown };
  };
  try {
    body = (await c.request.clone().json()) as typeof body;
  } catch {
    return [];
  }
  if (body === null || typeof body !== "object") return [];
  const checks: Check[] = [];
  const topics = new Set<string>();
  if (Array.isArray(body.records)) {
    for (const r of body.records) if (typeof r?.topic === "string") topics.add(r.topic);
  }
  for (const t of topics) checks.push({ operation: OP.WRITE, resourceType: RT.TOPIC, resourceName: t });
  if (typeof body.transactionalId === "string") {
    checks.push({ operation: OP.WRITE, resourceType: RT.TRANSACTIONAL_ID, resourceName: body.transactionalId });
  }
  if (typeof body.offsets?.groupId === "string") {
    checks.push({ operation: OP.READ, resourceType: RT.GROUP, resourceName: body.offsets.groupId });
  }
  return checks;
}

/* By "METHOD path pattern", as routes.ts writes them (a HEAD is matched to its GET
 * route). Every route of the table is here but those any caller may use: GET /,
 * /openapi.json, /health (tests/worker/http/acl-gate.test.ts checks it). */
export const NEEDS: Readonly<Record<string, Need | Needs>> = {
  "POST /topics/:topic/produce": topic(OP.WRITE),
  "POST /topics/:topic/produce-batch": topic(OP.WRITE),
  "POST /transactions/produce": { all: transactionNeeds },
  "GET /topics/:topic/partitions/:partition/messages": topic(OP.READ),
  "GET /topics/:topic/partitions/:partition/offsets": topic(OP.DESCRIBE),
  "GET /topics/:topic/keys/:key": topic(OP.READ),
  /* Subscriptions read records: READ on the topic (for /events, the one ?topic= names). */
  "GET /topics/:topic/subscribe": topic(OP.READ),
  "GET /events": { operation: OP.READ, resourceType: RT.TOPIC, name: (c) => c.url.searchParams.get("topic") },
  "POST /topics/:topic/query": topic(OP.READ),
  "POST /consumer-groups/:groupId/join": group(OP.READ),
  "POST /consumer-groups/:groupId/heartbeat": group(OP.READ),
  "POST /consumer-groups/:groupId/commit": group(OP.READ),
  "POST /consumer-groups/:groupId/leave": group(OP.READ),
  "GET /consumer-groups/:groupId": group(OP.DESCRIBE),
  "GET /consumer-groups/:groupId/offsets": group(OP.DESCRIBE),
  "GET /admin/topics": cluster(OP.DESCRIBE),
  "POST /admin/topics": { operation: OP.CREATE, resourceType: RT.TOPIC, name: createdTopic },
  "GET /admin/topics/:topic": topic(OP.DESCRIBE),
  "DELETE /admin/topics/:topic": topic(OP.DELETE),
  "POST /admin/topics/:topic/partitions": topic(OP.ALTER),
  "GET /admin/topics/:topic/offsets": topic(OP.DESCRIBE),
  "POST /admin/topics/:topic/delete-records": topic(OP.DELETE),
  "PATCH /admin/topics/:topic/configs": topic(OP.ALTER_CONFIGS),
  "PUT /admin/topics/:topic/configs": topic(OP.ALTER_CONFIGS),
  "GET /admin/groups": cluster(OP.DESCRIBE),
  "GET /admin/groups/:groupId": group(OP.DESCRIBE),
  "DELETE /admin/groups/:groupId": group(OP.DELETE),
  /* Kafka's offset reset is an OffsetCommit for the group (kafka-consumer-groups
   * --reset-offsets): READ on the group. */
  "POST /admin/groups/:groupId/offsets/reset": group(OP.READ),
  /* Every topic's and group's figures: what DESCRIBE on the cluster shows. */
  "GET /metrics": cluster(OP.DESCRIBE),
  "GET /metrics.json": cluster(OP.DESCRIBE),
  "GET /admin/users": cluster(OP.DESCRIBE),
  "PUT /admin/users/:name": cluster(OP.ALTER),
  "DELETE /admin/users/:name": cluster(OP.ALTER),
  "GET /admin/transactions": cluster(OP.DESCRIBE),
  "GET /admin/transactions/:transactionalId": transactionalId(OP.DESCRIBE),
  "GET /admin/acls": cluster(OP.DESCRIBE),
  "POST /admin/acls": cluster(OP.ALTER),
  "DELETE /admin/acls": cluster(OP.ALTER),
  "POST /webhooks/:topic": topic(OP.WRITE),
  "GET /webhook-subscriptions": cluster(OP.DESCRIBE),
  "POST /webhook-subscriptions": cluster(OP.ALTER),
  "GET /webhook-subscriptions/:groupId": cluster(OP.DESCRIBE),
  "DELETE /webhook-subscriptions/:groupId": cluster(OP.ALTER),
};

const REFUSAL: Readonly<Record<number, number>> = {
  [RT.TOPIC]: KafkaCode.TOPIC_AUTHORIZATION_FAILED,
  [RT.GROUP]: KafkaCode.GROUP_AUTHORIZATION_FAILED,
  [RT.CLUSTER]: KafkaCode.CLUSTER_AUTHORIZATION_FAILED,
  [RT.TRANSACTIONAL_ID]: KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
};

/* Throws the 403 refusal unless the principal may make this request. */
export async function authorizeRoute(principal: string, route: Route, c: Context): Promise<void> {
  if (principal === TRUSTED || !aclsEnforced(c.env)) return;
  const need = NEEDS[`${route.method} ${route.path}`];
  if (!need) return;
  let checks: Check[];
  if ("all" in need) {
    checks = await need.all(c);
  } else {
    const name = await need.name(c);
    checks = name === null ? [] : [{ operation: need.operation, resourceType: need.resourceType, resourceName: name }];
  }
  if (checks.length === 0) return;
  const allowed = await authorize(c.env, principal, checks);
  const refused = checks.find((_, i) => !allowed[i]);
  if (refused) {
    const what = "all" in need ? ` (${refused.resourceName})` : "";
    throw new KafdoError(
      REFUSAL[refused.resourceType]!,
      `${principal} may not ${c.request.method} ${route.path.replace(/:([a-zA-Z]+)/g, (_, k: string) => c.param(k))}${what}`,
    );
  }
}
