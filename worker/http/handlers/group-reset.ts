/*
 * group-reset.ts — POST /admin/groups/:groupId/offsets/reset: kafka-consumer-groups
 * --reset-offsets over HTTP. The body is
 *
 *   {"topic": "t", "partitions"?: [0, 1], "to": "earliest" | "latest" |
 *    {"timestamp": ms} | {"offset": n} | {"shiftBy": n}, "dryRun"?: true}
 *
 * and the answer {"groupId", "dryRun", "offsets": [{"topic", "partition", "offset"}]}.
 * api/group-reset.ts checks the fields and gathers the offsets; the group's core
 * decides (409 NON_EMPTY_GROUP while it has members, nothing changed).
 */
import { resetGroupOffsets } from "../../api/group-reset";
import { checkGroupId } from "../../api/groups";
import type { ResetOffsetsRequest } from "../../types";
import { Query, object, readJson } from "../input";
import type { Context } from "../router";

export async function resetOffsets(c: Context): Promise<Response> {
  Query.none(c.url);
  const groupId = checkGroupId(c.param("groupId"));
  const body = object(await readJson(c.request), "body", ["topic", "partitions", "to", "dryRun"]);
  return Response.json(await resetGroupOffsets(c.env, groupId, body as unknown as ResetOffsetsRequest));
}
