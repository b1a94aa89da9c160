/*
 * group-reset.ts — POST /admin/groups/:groupId/offsets/reset: kafka-consumer-groups
 * --reset-offsets over HTTP. The body is
 *
 *   {"topic": "t", "partitions"?: [0, 1], "to": "earliest" | "latest" |
 *    {"timestamp": ms} | {"offset": n} | {"shiftBy": n}, "dryRun"?: true}
 *
 * and the answer {"groupId", "dryRun", "offsets": [{"topic", "partition", "offset"}]}.
 * The schema checks the body's shape; api/group-reset.ts checks `to` (one of five
 * shapes, which the document's schema subset cannot say) and the partitions, and
 * gathers the offsets; the group's core decides (409 NON_EMPTY_GROUP while it has
 * members, nothing changed).
 */
import { resetGroupOffsets } from "../../api/group-reset";
import { checkGroupId } from "../../api/groups";
import type { ResetOffsetsRequest } from "../../common/groups";
import { endpoint } from "../endpoint";
import { GroupIdParam } from "../parameters";
import { NonEmptyGroup, NotFound, ok } from "../responses";
import { AtLeast, PartitionNumber, Struct, Type, named } from "../schema";

const OffsetReset = named(
  "OffsetReset",
  Struct({
    topic: Type.String(),
    partitions: Type.Optional(
      Type.Array(PartitionNumber(), {
        minItems: 1,
        description: "Every partition of the topic when absent; each at most once.",
      }),
    ),
    to: Type.Unknown({
      description:
        'Where to: "earliest", "latest", {"timestamp": ms since the epoch}, {"offset": n >= 0} ' +
        'or {"shiftBy": n} (from the committed offset; negative goes back).',
    }),
    dryRun: Type.Optional(Type.Boolean({ description: "Answer the offsets without committing them." })),
  }),
);

const OffsetResetResult = named(
  "OffsetResetResult",
  Struct({
    groupId: Type.String(),
    dryRun: Type.Boolean(),
    offsets: Type.Array(Struct({ topic: Type.String(), partition: AtLeast(0), offset: AtLeast(0) })),
  }),
);

export const resetOffsets = endpoint({
  summary: "Reset a consumer group's offsets",
  description:
    "kafka-consumer-groups --reset-offsets: commits for each partition named (every " +
    "partition of the topic when none are) the offset `to` names — the log start " +
    "(earliest), the high watermark (latest), the first offset at or after a time (the " +
    "high watermark when no record is that late), an offset, or the committed offset " +
    "shifted by n (400 for a partition with nothing committed) — clamped to " +
    "[log start, high watermark]. Only while the group has no members: 409 NON_EMPTY_GROUP " +
    "otherwise, dry run or not. All or nothing: on any refusal nothing changes; with " +
    "dryRun the answer is what a reset would commit, and nothing is committed.",
  tags: ["admin"],
  params: { groupId: GroupIdParam },
  body: OffsetReset,
  responses: { 200: ok("The offsets committed (or, with dryRun, that would be).", OffsetResetResult) },
  errors: [NotFound, NonEmptyGroup],
  async handle(c, { params, body }) {
    const groupId = checkGroupId(params.groupId);
    return Response.json(await resetGroupOffsets(c.env, groupId, body as ResetOffsetsRequest));
  },
});
