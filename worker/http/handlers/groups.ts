/*
 * groups.ts — /consumer-groups: Kafdo's group protocol over HTTP (join, heartbeat,
 * commit, leave), a group's description and committed offsets; and /admin/groups:
 * list, describe, delete.
 *
 * The group decides everything Kafka decides (session and rebalance timeouts in
 * range, generations, member ids, assignment); these handlers check only that the
 * body has the right JSON types, and that the group id is one (INVALID_GROUP_ID).
 * Timeouts and generation ids are Kafka int32 fields: any int32 reaches the group,
 * so an out-of-range timeout is Kafka's INVALID_SESSION_TIMEOUT, not a malformed
 * request.
 *
 * A join is answered when the rebalance it starts is complete, which may take up to
 * the rebalance timeout while the other members rejoin.
 */
import * as groups from "../../api/groups";
import type { AssignmentStrategy, JoinRequest, OffsetCommit } from "../../types";
import { DEFAULT_CLIENT_ID, DEFAULT_REBALANCE_TIMEOUT_MS, DEFAULT_SESSION_TIMEOUT_MS } from "../../common/consumer-defaults";
import { invalidRequest } from "../errors";
import { Query, array, has, integer, object, partitionField, readJson, string } from "../input";
import type { Context } from "../router";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export { DEFAULT_CLIENT_ID, DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_REBALANCE_TIMEOUT_MS };
export const STRATEGIES: readonly AssignmentStrategy[] = ["range", "roundrobin", "sticky"];
export const MAX_SUBSCRIBED_TOPICS = 1000;
export const MAX_COMMIT_OFFSETS = 10000;

const noContent = () => new Response(null, { status: 204 });

function groupParam(c: Context): string {
  return groups.checkGroupId(c.param("groupId"));
}

function strategy(v: unknown, where: string): AssignmentStrategy {
  const s = string(v, where);
  if (!(STRATEGIES as readonly string[]).includes(s)) {
    throw invalidRequest(`${where} must be one of ${STRATEGIES.join(", ")}, not "${s}"`);
  }
  return s as AssignmentStrategy;
}

/* ---- the group protocol --------------------------------------------------------- */

export async function join(c: Context): Promise<Response> {
  Query.none(c.url);
  const groupId = groupParam(c);
  const body = object(await readJson(c.request), "body", [
    "memberId",
    "clientId",
    "topics",
    "sessionTimeoutMs",
    "rebalanceTimeoutMs",
    "strategy",
  ]);
  const topics = array(body.topics, "body.topics", 1, MAX_SUBSCRIBED_TOPICS).map((t, i) =>
    string(t, `body.topics[${i}]`),
  );
  const request: JoinRequest = {
    clientId: has(body, "clientId") ? string(body.clientId, "body.clientId") : DEFAULT_CLIENT_ID,
    topics,
    sessionTimeoutMs: has(body, "sessionTimeoutMs")
      ? integer(body.sessionTimeoutMs, "body.sessionTimeoutMs", INT32_MIN, INT32_MAX)
      : DEFAULT_SESSION_TIMEOUT_MS,
    rebalanceTimeoutMs: has(body, "rebalanceTimeoutMs")
      ? integer(body.rebalanceTimeoutMs, "body.rebalanceTimeoutMs", INT32_MIN, INT32_MAX)
      : DEFAULT_REBALANCE_TIMEOUT_MS,
    strategy: has(body, "strategy") ? strategy(body.strategy, "body.strategy") : "range",
  };
  if (has(body, "memberId")) request.memberId = string(body.memberId, "body.memberId");
  return Response.json(await groups.joinGroup(c.env, groupId, request));
}

export async function heartbeat(c: Context): Promise<Response> {
  Query.none(c.url);
  const groupId = groupParam(c);
  const body = object(await readJson(c.request), "body", ["memberId", "generationId"]);
  const memberId = string(body.memberId, "body.memberId");
  const generationId = integer(body.generationId, "body.generationId", INT32_MIN, INT32_MAX);
  await groups.heartbeat(c.env, groupId, memberId, generationId);
  return noContent();
}

export async function commit(c: Context): Promise<Response> {
  Query.none(c.url);
  const groupId = groupParam(c);
  const body = object(await readJson(c.request), "body", ["memberId", "generationId", "offsets"]);
  const memberId = string(body.memberId, "body.memberId");
  const generationId = integer(body.generationId, "body.generationId", INT32_MIN, INT32_MAX);
  const offsets = array(body.offsets, "body.offsets", 0, MAX_COMMIT_OFFSETS).map((v, i): OffsetCommit => {
    const where = `body.offsets[${i}]`;
    const o = object(v, where, ["topic", "partition", "offset", "metadata"]);
    const commit: OffsetCommit = {
      topic: string(o.topic, `${where}.topic`),
      partition: partitionField(o.partition, `${where}.partition`),
      offset: integer(o.offset, `${where}.offset`, 0, Number.MAX_SAFE_INTEGER),
    };
    if (has(o, "metadata")) commit.metadata = string(o.metadata, `${where}.metadata`);
    return commit;
  });
  await groups.commitOffsets(c.env, groupId, memberId, generationId, offsets);
  return noContent();
}

export async function leave(c: Context): Promise<Response> {
  Query.none(c.url);
  const groupId = groupParam(c);
  const body = object(await readJson(c.request), "body", ["memberId"]);
  await groups.leaveGroup(c.env, groupId, string(body.memberId, "body.memberId"));
  return noContent();
}

/* GET /consumer-groups/:groupId and GET /admin/groups/:groupId: one description. */
export async function describe(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json(await groups.describeGroup(c.env, groupParam(c)));
}

export async function offsets(c: Context): Promise<Response> {
  Query.none(c.url);
  const groupId = groupParam(c);
  return Response.json({ groupId, offsets: await groups.committedOffsets(c.env, groupId) });
}

/* ---- administration ------------------------------------------------------------- */

export async function listGroups(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json({ groups: await groups.listGroups(c.env) });
}

export async function deleteGroup(c: Context): Promise<Response> {
  Query.none(c.url);
  await groups.deleteGroup(c.env, groupParam(c));
  return noContent();
}
