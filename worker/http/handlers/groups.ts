/*
 * groups.ts — /consumer-groups: Kafdo's group protocol over HTTP (join, heartbeat,
 * commit, leave), a group's description and committed offsets; and /admin/groups:
 * list, describe, delete.
 *
 * The group decides everything Kafka decides (session and rebalance timeouts in
 * range, generations, member ids, assignment); the schemas here say only the JSON
 * types, and the group id is checked by api/ (INVALID_GROUP_ID). Timeouts and
 * generation ids are Kafka int32 fields: any int32 reaches the group, so an
 * out-of-range timeout is Kafka's INVALID_SESSION_TIMEOUT, not a malformed request.
 *
 * A join is answered when the rebalance it starts is complete, which may take up to
 * the rebalance timeout while the other members rejoin.
 */
import * as groups from "../../api/groups";
import type { AssignmentStrategy, JoinRequest, OffsetCommit } from "../../common/groups";
import { endpoint } from "../endpoint";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
} from "../../common/consumer-defaults";
import type { Context } from "../router";
import { GroupIdParam } from "../parameters";
import { GroupConflict, GroupNotFound, NonEmptyGroup, NotFound, noContent, ok } from "../responses";
import { AtLeast, Int32, Natural, PartitionNumber, StringEnum, Struct, Type, named } from "../schema";

export { DEFAULT_CLIENT_ID, DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_REBALANCE_TIMEOUT_MS };
export const STRATEGIES: readonly AssignmentStrategy[] = ["range", "roundrobin", "sticky"];
export const MAX_SUBSCRIBED_TOPICS = 1000;
export const MAX_COMMIT_OFFSETS = 10000;

const GROUP_STATES = ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"];

/* ---- schemas --------------------------------------------------------------------- */

const TopicPartition = named("TopicPartition", Struct({ topic: Type.String(), partition: AtLeast(0) }));

const JoinGroup = named(
  "JoinGroup",
  Struct({
    memberId: Type.Optional(
      Type.String({ description: 'The member\'s id to rejoin with; absent or "" for a new member.' }),
    ),
    clientId: Type.Optional(Type.String({ description: `Default "${DEFAULT_CLIENT_ID}".` })),
    topics: Type.Array(Type.String(), {
      minItems: 1,
      maxItems: MAX_SUBSCRIBED_TOPICS,
      description: "The topics the member subscribes to.",
    }),
    sessionTimeoutMs: Type.Optional(
      Int32({
        description:
          `Default ${DEFAULT_SESSION_TIMEOUT_MS}. Without a heartbeat for this long the member is ` +
          "removed; Kafka's bounds apply (INVALID_SESSION_TIMEOUT).",
      }),
    ),
    rebalanceTimeoutMs: Type.Optional(
      Int32({
        description: `Default ${DEFAULT_REBALANCE_TIMEOUT_MS}. How long a rebalance waits for members to join again.`,
      }),
    ),
    strategy: Type.Optional(StringEnum(STRATEGIES, { description: "The assignor. Default range." })),
  }),
);

const JoinResult = named(
  "JoinResult",
  Struct({
    memberId: Type.String(),
    generationId: AtLeast(0),
    leader: Type.String({ description: "The member id of the group's leader." }),
    protocol: Type.String({ description: "The group's assignment strategy." }),
    assignment: Type.Array(TopicPartition),
  }),
);

const Heartbeat = named(
  "Heartbeat",
  Struct({ memberId: Type.String(), generationId: Int32({ description: "The generation the member joined." }) }),
);

const CommitOffsets = named(
  "CommitOffsets",
  Struct({
    memberId: Type.String(),
    generationId: Int32({ description: "The generation the member joined." }),
    offsets: Type.Array(
      Struct({
        topic: Type.String(),
        partition: PartitionNumber(),
        offset: Natural({ description: "The offset of the next record to consume." }),
        metadata: Type.Optional(Type.String({ description: 'Kept with the offset; "" when absent.' })),
      }),
      { minItems: 0, maxItems: MAX_COMMIT_OFFSETS },
    ),
  }),
);

const LeaveGroup = named("LeaveGroup", Struct({ memberId: Type.String() }));

const CommittedOffset = named(
  "CommittedOffset",
  Struct({
    topic: Type.String(),
    partition: AtLeast(0),
    offset: AtLeast(-1, "The offset of the next record to consume; -1 when nothing is committed."),
    metadata: Type.String(),
    commitTimestamp: AtLeast(-1, "ms since the epoch; -1 when nothing is committed."),
  }),
);

const CommittedOffsets = named(
  "CommittedOffsets",
  Struct({ groupId: Type.String(), offsets: Type.Array(CommittedOffset) }),
);

const GroupMember = named(
  "GroupMember",
  Struct({
    memberId: Type.String(),
    clientId: Type.String(),
    kind: StringEnum(["http", "kafka"], {
      description: "http: Kafdo's protocol (REST, in-Worker); kafka: Kafka's classic protocol.",
    }),
    sessionTimeoutMs: AtLeast(0),
    rebalanceTimeoutMs: AtLeast(0),
    lastHeartbeat: AtLeast(0, "ms since the epoch."),
    subscription: Type.Array(Type.String()),
    assignment: Type.Array(TopicPartition),
  }),
);

const GroupInfo = named(
  "GroupInfo",
  Struct({
    groupId: Type.String(),
    state: StringEnum(GROUP_STATES),
    members: Type.Array(GroupMember),
    generationId: AtLeast(0),
    protocol: Type.String({ description: "The assignment strategy." }),
    leader: Type.String({ description: 'The leader\'s member id; "" when the group has none.' }),
    offsets: Type.Array(
      Struct({
        topic: Type.String(),
        partition: AtLeast(0),
        offset: AtLeast(-1, "The committed offset; -1 when nothing is committed."),
        metadata: Type.String(),
        commitTimestamp: AtLeast(-1, "ms since the epoch; -1 when nothing is committed."),
        latest: AtLeast(-1, "The partition's high watermark; -1 when the partition no longer exists."),
        lag: Type.Integer({ description: "latest - offset; latest when nothing is committed; -1 when latest is." }),
      }),
      { description: "By topic, then partition." },
    ),
  }),
);

const GroupList = named(
  "GroupList",
  Struct({ groups: Type.Array(Struct({ groupId: Type.String(), state: StringEnum(GROUP_STATES) })) }),
);

/* ---- the group protocol --------------------------------------------------------- */

export const join = endpoint({
  summary: "Join a consumer group",
  description:
    'Joins the group as a new member (no memberId, or "") or rejoins as an existing one, ' +
    "and answers when the rebalance this starts is complete: every other member has joined " +
    "again, or was dropped for not doing so within the rebalance timeout. So the answer " +
    "may take up to rebalanceTimeoutMs. It carries the member's id, the new generation, " +
    "and the partitions assigned to this member, which the group computes with the " +
    "member's strategy. Timeouts outside Kafka's bounds are 400 INVALID_SESSION_TIMEOUT; " +
    "a strategy other than the group's is 409 INCONSISTENT_GROUP_PROTOCOL.",
  tags: ["consumer groups"],
  params: { groupId: GroupIdParam },
  body: JoinGroup,
  responses: { 200: ok("The member's place in the new generation.", JoinResult) },
  errors: [GroupConflict],
  async handle(c, { params, body }) {
    const groupId = groups.checkGroupId(params.groupId);
    const request: JoinRequest = {
      clientId: body.clientId ?? DEFAULT_CLIENT_ID,
      topics: body.topics,
      sessionTimeoutMs: body.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: body.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS,
      strategy: body.strategy ?? "range",
    };
    if (body.memberId !== undefined) request.memberId = body.memberId;
    return Response.json(await groups.joinGroup(c.env, groupId, request));
  },
});

export const heartbeat = endpoint({
  summary: "Send a heartbeat",
  description:
    "Keeps the member's session alive. 409 REBALANCE_IN_PROGRESS: the group is " +
    "rebalancing and the member must join again (with its memberId) to stay in it; " +
    "ILLEGAL_GENERATION: the member's generation is over; UNKNOWN_MEMBER_ID: the member " +
    "has left or expired and must join as a new member.",
  tags: ["consumer groups"],
  params: { groupId: GroupIdParam },
  body: Heartbeat,
  responses: { 204: noContent() },
  errors: [GroupConflict],
  async handle(c, { params, body }) {
    await groups.heartbeat(c.env, groups.checkGroupId(params.groupId), body.memberId, body.generationId);
    return new Response(null, { status: 204 });
  },
});

export const commit = endpoint({
  summary: "Commit offsets",
  description:
    "Stores each partition's offset (the offset of the next record to consume, as Kafka " +
    "commits it) with its metadata, all or nothing. Only a member of the current " +
    "generation may commit: otherwise 409 with ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or " +
    "REBALANCE_IN_PROGRESS, and nothing is stored.",
  tags: ["consumer groups"],
  params: { groupId: GroupIdParam },
  body: CommitOffsets,
  responses: { 204: noContent() },
  errors: [NotFound, GroupConflict],
  async handle(c, { params, body }) {
    const groupId = groups.checkGroupId(params.groupId);
    const offsets = body.offsets.map(({ topic, partition, offset, metadata }): OffsetCommit => {
      const commit: OffsetCommit = { topic, partition, offset };
      if (metadata !== undefined) commit.metadata = metadata;
      return commit;
    });
    await groups.commitOffsets(c.env, groupId, body.memberId, body.generationId, offsets);
    return new Response(null, { status: 204 });
  },
});

export const leave = endpoint({
  summary: "Leave a consumer group",
  description: "Removes the member at once (rather than when its session expires); the others rebalance.",
  tags: ["consumer groups"],
  params: { groupId: GroupIdParam },
  body: LeaveGroup,
  responses: { 204: noContent() },
  errors: [GroupConflict],
  async handle(c, { params, body }) {
    await groups.leaveGroup(c.env, groups.checkGroupId(params.groupId), body.memberId);
    return new Response(null, { status: 204 });
  },
});

/* GET /consumer-groups/:groupId and GET /admin/groups/:groupId: one description. */
async function describeGroup(c: Context, { params }: { params: { groupId: string } }): Promise<Response> {
  return Response.json(await groups.describeGroup(c.env, groups.checkGroupId(params.groupId)));
}

export const describe = endpoint({
  summary: "Describe a consumer group",
  description: "The same description as GET /admin/groups/{groupId}.",
  tags: ["consumer groups"],
  params: { groupId: GroupIdParam },
  responses: { 200: ok("The group, with each partition's committed offset and lag.", GroupInfo) },
  errors: [GroupNotFound],
  handle: describeGroup,
});

export const offsets = endpoint({
  summary: "A group's committed offsets",
  description:
    "Every partition the group has committed an offset for: where a consumer resumes. " +
    "A group with no commits (or none at all) answers an empty list, as Kafka's OffsetFetch does.",
  tags: ["consumer groups"],
  params: { groupId: GroupIdParam },
  responses: { 200: ok("The committed offsets.", CommittedOffsets) },
  async handle(c, { params }) {
    const groupId = groups.checkGroupId(params.groupId);
    return Response.json({ groupId, offsets: await groups.committedOffsets(c.env, groupId) });
  },
});

/* ---- administration ------------------------------------------------------------- */

export const listGroups = endpoint({
  summary: "List consumer groups",
  description: "Every group that exists (from its first join or commit until it is deleted), with its state.",
  tags: ["admin"],
  responses: { 200: ok("The groups, by id.", GroupList) },
  async handle(c) {
    return Response.json({ groups: await groups.listGroups(c.env) });
  },
});

export const adminDescribe = endpoint({
  summary: "Describe a consumer group",
  description:
    "State, generation, members with their subscriptions and assignments, and a row per " +
    "partition that has a committed offset or is assigned: the committed offset (-1 when " +
    "none), the partition's high watermark (latest) and the lag, latest - offset (latest " +
    "when nothing is committed; -1 with latest -1 when the partition no longer exists).",
  tags: ["admin"],
  params: { groupId: GroupIdParam },
  responses: { 200: ok("The group, with each partition's committed offset and lag.", GroupInfo) },
  errors: [GroupNotFound],
  handle: describeGroup,
});

export const deleteGroup = endpoint({
  summary: "Delete a consumer group",
  description:
    "Deletes the group's committed offsets and forgets it. Refused with 409 " +
    "NON_EMPTY_GROUP while it has members, as in Kafka; nothing is deleted then.",
  tags: ["admin"],
  params: { groupId: GroupIdParam },
  responses: { 204: noContent("Deleted.") },
  errors: [GroupNotFound, NonEmptyGroup],
  async handle(c, { params }) {
    await groups.deleteGroup(c.env, groups.checkGroupId(params.groupId));
    return new Response(null, { status: 204 });
  },
});
