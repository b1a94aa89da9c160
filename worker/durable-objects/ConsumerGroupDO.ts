/*
 * ConsumerGroupDO — one consumer group: its members, generation, assignment and
 * committed offsets, in this object's SQLite.
 *
 * A shim over the core's group (src-c/group.c), which owns the state machine,
 * the fencing rules, the assignors and the schema. This class adds what the core
 * must not do itself: read the clock, look up the partition counts of the topics
 * a member subscribes to, hold each join until its rebalance completes, and set
 * the alarm for the next deadline the core names (a session running out, or the
 * rebalance deadline), so expired members are removed even when nobody calls.
 *
 * After every call that can move the group along (join, leave, the alarm) it
 * asks the core for the group's state (kd_group_poll) and settles the joins it
 * holds: a member no longer waiting gets its assignment; an expired one gets
 * UNKNOWN_MEMBER_ID.
 *
 * Kafka's classic protocol (the Kafka wire handlers' dialect, member kind 1) uses
 * the kafka* methods on the same core and state: kafkaJoin is held like join, and
 * kafkaSync is held too — a follower's SyncGroup waits for the leader's, which
 * makes the group Stable. Those methods answer Kafka's error codes as values (the
 * wire answers carry them): a KafdoError becomes its Kafka code (a storage failure
 * KAFKA_STORAGE_ERROR); only other failures are thrown.
 *
 * Methods that can fail before any I/O are plain functions that throw, not async
 * ones: an async method rejecting before the RPC layer holds its promise is
 * reported by workerd as an unhandled rejection. Alarms are set without waiting:
 * the output gate keeps the answer back until storage has the alarm anyway.
 */
import { DurableObject } from "cloudflare:workers";
import {
  classicJoin,
  classicSync,
  groupCommit,
  groupDelete,
  groupDeleteOffsets,
  groupDescribe,
  groupHeartbeat,
  groupJoin,
  groupLeave,
  groupOffsets,
  groupOpen,
  groupPoll,
  groupResetOffsets,
  groupTopicChanged,
  groupTxnCommit,
  groupTxnComplete,
  groupTxnUnstable,
  groupHeldJoin,
  groupHeldSync,
  countSqlRows,
  registerStorage,
  sqlRows,
  HELD_ANSWER,
  HELD_ANSWER_LEADER,
  HELD_WAIT,
  type KafdoStorage,
  type ResetPartition,
  type ResetSpec,
} from "../../wasm/kafdo";
import { metricsEnabled, type GroupMetrics } from "../common/metrics";
import type { Env } from "./bindings";
import type { ConsumerGroupRpc } from "./interfaces";
import { KafdoError, KafkaCode, kafkaCode } from "../common/errors";
import type {
  CommittedOffset,
  GroupDescription,
  JoinRequest,
  JoinResult,
  OffsetCommit,
  ResetOffset,
  TopicPartition,
} from "../common/groups";
import type {
  KafkaCommitRequest,
  KafkaFetchedOffset,
  KafkaGroupDescription,
  KafkaJoinRequest,
  KafkaJoinResult,
  KafkaLeaveResult,
  KafkaLeaver,
  KafkaSyncRequest,
  KafkaSyncResult,
  KafkaTxnCommitRequest,
  TxnOffsetsCompletion,
} from "../common/kafka-groups";
import { metadataStub } from "./addressing";
import { answerRefusals } from "./rpc";

/* Kafka's group.initial.rebalance.delay.ms default; KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS
 * sets another (tests that count on quick groups set 0). */
export const DEFAULT_INITIAL_REBALANCE_DELAY_MS = 3000;

function initialRebalanceDelayMs(env: Env): number {
  const raw = env.KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 && n <= 300000 ? n : DEFAULT_INITIAL_REBALANCE_DELAY_MS;
}

interface HeldJoin {
  resolve(result: JoinResult): void;
  reject(error: unknown): void;
}

/* A held SyncGroup: answered when the leader's makes the group Stable. */
interface HeldSync {
  generationId: number;
  resolve(result: KafkaSyncResult): void;
}

/* The Kafka code of a failure: a KafdoError's, as the wire sends it; anything else
 * is thrown on. */
function codeOf(e: unknown): number {
  const k = KafdoError.from(e);
  if (!k) throw e;
  return kafkaCode(k.code);
}

function joinError(errorCode: number, memberId: string): KafkaJoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId, members: [] };
}

function syncError(errorCode: number): KafkaSyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
}

/* A producer id and epoch as Kafka's (int64, int16). */
function isProducer(p: { producerId: unknown; producerEpoch: unknown }): boolean {
  const epoch = p.producerEpoch;
  return Number.isSafeInteger(p.producerId) && Number.isInteger(epoch) && Math.abs(epoch as number) < 2 ** 15;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

export class ConsumerGroupDO extends DurableObject<Env> implements ConsumerGroupRpc {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;
  private readonly held = new Map<string, HeldJoin[]>();
  private readonly kafkaJoins = new Map<string, ((result: KafkaJoinResult) => void)[]>();
  private readonly syncs = new Map<string, HeldSync[]>();
  private registered = false;
  private readonly since = Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    countSqlRows(metricsEnabled(env));
    groupOpen(this.db);
  }

  /* What /metrics shows of the group (reads only): its state, members, generation,
   * committed offsets, and the SQLite rows this object read and wrote since it started. */
  metrics(groupId: string): GroupMetrics {
    void groupId;
    const d = groupDescribe(this.db);
    return {
      state: d.state,
      members: d.members.length,
      generationId: d.generationId,
      offsets: d.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      sql: sqlRows(this.storage),
      since: this.since,
    };
  }

  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    if (!req || !Array.isArray(req.topics) || req.topics.some((t) => typeof t !== "string")) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a join names its topics as an array of strings");
    }
    return this.#joinGroup(groupId, req);
  }

  async #joinGroup(groupId: string, req: JoinRequest): Promise<JoinResult> {
    /* Registered first (it is idempotent): a registration failing after the join
     * would leave a member the group waits for but nobody holds. */
    await this.#register(groupId);
    const topics = await Promise.all(
      [...new Set(req.topics)].map(async (topic) => ({ topic, partitions: await this.#partitionsOf(topic) })),
    );
    const out = groupJoin(
      this.db,
      {
        memberId: req.memberId ?? "",
        clientId: req.clientId || "kafdo",
        idSuffix: crypto.randomUUID(),
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        strategy: req.strategy ?? "range",
        kind: "http",
        topics,
      },
      Date.now(),
    );
    const result = new Promise<JoinResult>((resolve, reject) => {
      const list = this.held.get(out.memberId) ?? [];
      list.push({ resolve, reject });
      this.held.set(out.memberId, list);
    });
    this.#settle();
    return result;
  }

  heartbeat(groupId: string, memberId: string, generationId: number): void {
    void groupId;
    try {
      this.#schedule(groupHeartbeat(this.db, memberId, generationId, Date.now()));
    } catch (e) {
      /* REBALANCE_IN_PROGRESS still stored the heartbeat: keep the alarm right. */
      this.#settle();
      throw e;
    }
  }

  leave(groupId: string, memberId: string): void {
    void groupId;
    groupLeave(this.db, memberId, Date.now());
    this.#forget(memberId, new KafdoError(KafkaCode.UNKNOWN_MEMBER_ID, "the member left the group"));
    this.#settle();
  }

  commit(groupId: string, memberId: string, generationId: number, offsets: OffsetCommit[]): Promise<void> | void {
    if (!Array.isArray(offsets)) throw new KafdoError(KafkaCode.INVALID_REQUEST, "offsets are an array");
    groupCommit(this.db, memberId, generationId, offsets, Date.now());
    if (!this.registered) return this.#register(groupId);
  }

  committed(groupId: string, partitions?: TopicPartition[]): CommittedOffset[] {
    void groupId;
    return groupOffsets(this.db, partitions);
  }

  describe(groupId: string): GroupDescription {
    const d = groupDescribe(this.db);
    return {
      groupId,
      state: d.state,
      generationId: d.generationId,
      protocol: d.protocolName,
      leader: d.leader,
      members: d.members,
      offsets: d.offsets,
    };
  }

  /* OffsetDelete: each partition's error code, in order (kd_group_delete_offsets). */
  deleteOffsets(groupId: string, partitions: TopicPartition[]): number[] {
    void groupId;
    if (!Array.isArray(partitions)) throw new KafdoError(KafkaCode.INVALID_REQUEST, "partitions are an array");
    return groupDeleteOffsets(this.db, partitions);
  }

  /* Resets committed offsets (kd_group_reset_offsets: only while the group has no
   * members, else NON_EMPTY_GROUP). Expired members are removed first, as a poll
   * would: a consumer that died is not a member. */
  resetOffsets(
    groupId: string,
    spec: ResetSpec,
    partitions: ResetPartition[],
    dryRun: boolean,
  ): ResetOffset[] | Promise<ResetOffset[]> {
    if (!Array.isArray(partitions)) throw new KafdoError(KafkaCode.INVALID_REQUEST, "partitions are an array");
    this.#settle();
    const offsets = groupResetOffsets(this.db, spec, partitions, dryRun === true, Date.now());
    if (dryRun || this.registered) return offsets;
    return this.#register(groupId).then(() => offsets);
  }

  deleteGroup(groupId: string): Promise<void> {
    groupDelete(this.db);
    this.registered = false;
    return metadataStub(this.env).unregisterGroup(groupId);
  }

  /* A topic was deleted or given partitions (ClusterMetadataDO tells every group):
   * a group subscribed to it rebalances, so its members see the change at once
   * rather than at their next metadata refresh; a deleted topic's committed offsets
   * are forgotten. */
  topicChanged(groupId: string, topic: string, deleted = false): void {
    void groupId;
    if (typeof topic !== "string") throw new KafdoError(KafkaCode.INVALID_REQUEST, "topic is a string");
    const told = groupTopicChanged(this.db, topic, Date.now(), deleted === true);
    if (told.rebalanced) this.#settle();
  }

  /* ---- Kafka's classic protocol (the Kafka wire handlers' methods) ---- */

  /* JoinGroup: resolves when the rebalance the join is part of completes (the
   * group is then CompletingRebalance, waiting for the leader's SyncGroup), or at
   * once for a member joining again unchanged. The leader's answer lists every
   * member's metadata for the selected protocol. */
  kafkaJoin(groupId: string, req: KafkaJoinRequest): Promise<KafkaJoinResult> {
    if (
      !req ||
      typeof req.memberId !== "string" ||
      !Array.isArray(req.protocols) ||
      req.protocols.some((p) => !p || typeof p.name !== "string" || !isBytes(p.metadata))
    ) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a join names its protocols as { name, metadata: Uint8Array }");
    }
    return this.#kafkaJoinGroup(groupId, req).catch((e) => joinError(codeOf(e), req.memberId));
  }

  async #kafkaJoinGroup(groupId: string, req: KafkaJoinRequest): Promise<KafkaJoinResult> {
    await this.#register(groupId);
    const out = classicJoin(
      this.db,
      {
        memberId: req.memberId,
        clientId: req.clientId || "kafka",
        idSuffix: crypto.randomUUID(),
        clientHost: req.clientHost ?? "",
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        groupInstanceId: req.groupInstanceId ?? "",
        memberIdRequired: req.memberIdRequired === true,
        initialRebalanceDelayMs: initialRebalanceDelayMs(this.env),
      },
      Date.now(),
    );
    if (out.memberIdRequired) return joinError(KafkaCode.MEMBER_ID_REQUIRED, out.memberId);
    /* A static member's predecessor: whatever it waits for is fenced. */
    if (out.fencedMemberId) {
      this.#forget(
        out.fencedMemberId,
        new KafdoError(KafkaCode.FENCED_INSTANCE_ID, "a newer member took this one's group.instance.id"),
      );
    }
    if (out.complete) {
      this.#settle();
      return {
        errorCode: 0,
        generationId: out.generationId,
        protocolType: out.protocolType,
        protocolName: out.protocolName,
        leader: out.leader,
        memberId: out.memberId,
        members: this.#withInstanceIds(out.members),
      };
    }
    const result = new Promise<KafkaJoinResult>((resolve) => {
      const list = this.kafkaJoins.get(out.memberId) ?? [];
      list.push(resolve);
      this.kafkaJoins.set(out.memberId, list);
    });
    this.#settle();
    return result;
  }

  /* SyncGroup: the leader's (and any in a Stable group) is answered at once; a
   * follower's while CompletingRebalance is held until the leader's arrives, or
   * answered REBALANCE_IN_PROGRESS if the group rebalances first. */
  kafkaSync(groupId: string, req: KafkaSyncRequest): Promise<KafkaSyncResult> {
    void groupId;
    if (
      !req ||
      typeof req.memberId !== "string" ||
      !Array.isArray(req.assignments) ||
      req.assignments.some((a) => !a || typeof a.memberId !== "string" || !isBytes(a.assignment))
    ) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a sync's assignments are { memberId, assignment: Uint8Array }");
    }
    let out;
    try {
      out = classicSync(
        this.db,
        {
          memberId: req.memberId,
          generationId: req.generationId,
          protocolType: req.protocolType ?? "",
          protocolName: req.protocolName ?? "",
          assignments: req.assignments,
        },
        Date.now(),
      );
    } catch (e) {
      return Promise.resolve(syncError(codeOf(e)));
    }
    if (out.complete) {
      this.#settle(); /* the leader's sync answers the followers' */
      const { protocolType, protocolName, assignment } = out;
      return Promise.resolve({ errorCode: 0, protocolType, protocolName, assignment });
    }
    const result = new Promise<KafkaSyncResult>((resolve) => {
      const list = this.syncs.get(req.memberId) ?? [];
      list.push({ generationId: req.generationId, resolve });
      this.syncs.set(req.memberId, list);
    });
    this.#settle();
    return result;
  }

  /* Heartbeat: 0, REBALANCE_IN_PROGRESS (join again), ILLEGAL_GENERATION or
   * UNKNOWN_MEMBER_ID. */
  kafkaHeartbeat(groupId: string, memberId: string, generationId: number): number {
    void groupId;
    try {
      this.#schedule(groupHeartbeat(this.db, memberId, generationId, Date.now()));
      return 0;
    } catch (e) {
      this.#settle();
      return codeOf(e);
    }
  }

  /* LeaveGroup, for one member (v0-2) or several (v3+), each by member id or by
   * static instance id: each member's code is 0, UNKNOWN_MEMBER_ID or
   * FENCED_INSTANCE_ID (a member id that is not the instance's now). */
  kafkaLeave(groupId: string, leavers: KafkaLeaver[]): KafkaLeaveResult {
    void groupId;
    if (!Array.isArray(leavers) || leavers.some((l) => !l || typeof l.memberId !== "string")) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "leavers are { memberId, groupInstanceId? }");
    }
    const members = leavers.map(({ memberId, groupInstanceId }) => {
      const instance = groupInstanceId ?? null;
      let left: string;
      try {
        left = groupLeave(this.db, memberId, Date.now(), instance ?? "").memberId;
      } catch (e) {
        return { memberId, groupInstanceId: instance, errorCode: codeOf(e) };
      }
      this.#forget(left, new KafdoError(KafkaCode.UNKNOWN_MEMBER_ID, "the member left the group"));
      return { memberId, groupInstanceId: instance, errorCode: 0 };
    });
    this.#settle();
    return { errorCode: 0, members };
  }

  /* OffsetCommit, all or nothing: 0 or the code for every partition. A commit with
   * member id "" and generation -1 (an admin's, a simple consumer's) is taken only
   * while the group has no members (else UNKNOWN_MEMBER_ID), as Kafka's; a member's
   * must be of the current generation, and while CompletingRebalance is
   * REBALANCE_IN_PROGRESS. */
  kafkaCommit(groupId: string, req: KafkaCommitRequest): Promise<number> | number {
    if (!req || !Array.isArray(req.offsets)) throw new KafdoError(KafkaCode.INVALID_REQUEST, "offsets are an array");
    try {
      groupCommit(this.db, req.memberId, req.generationId, req.offsets, Date.now());
    } catch (e) {
      return codeOf(e);
    }
    return this.registered ? 0 : this.#register(groupId).then(() => 0);
  }

  /* DescribeGroups (OffsetFetch is committed()). A group that does not exist is
   * Dead, with no members and no protocol, as Kafka describes one (the core's
   * kd_group_describe says so). */
  kafkaDescribe(groupId: string): KafkaGroupDescription {
    const d = groupDescribe(this.db);
    return {
      errorCode: 0,
      groupId,
      state: d.state,
      protocolType: d.protocolType,
      protocolName: d.state === "Stable" ? d.protocolName : "",
      members: d.members.map((m, i) => ({
        memberId: m.memberId,
        groupInstanceId: d.raw[i]!.groupInstanceId,
        clientId: m.clientId,
        clientHost: d.raw[i]!.clientHost,
        kind: m.kind,
        metadata: d.raw[i]!.metadata,
        assignment: d.raw[i]!.assignment,
        subscription: m.subscription,
        assignedPartitions: m.assignment,
      })),
    };
  }

  /* ---- transactions (group_txn_offsets.c has the rules) ---- */

  /* OffsetFetch: the committed offsets asked for (every committed one when none
   * are named), each with its Kafka code. With requireStable (v7+) a partition
   * whose offset a transaction holds pending answers UNSTABLE_OFFSET_COMMIT and
   * offset -1, as Kafka's, so the client asks again once the transaction ends. */
  kafkaOffsets(groupId: string, requireStable: boolean, partitions?: TopicPartition[]): KafkaFetchedOffset[] {
    void groupId;
    const rows = groupOffsets(this.db, partitions);
    if (requireStable !== true) return rows.map((r) => ({ ...r, errorCode: 0 }));
    const unstable = new Set(groupTxnUnstable(this.db, partitions).map((p) => `${p.partition}:${p.topic}`));
    return rows.map((r) =>
      unstable.has(`${r.partition}:${r.topic}`)
        ? { ...r, offset: -1, metadata: "", errorCode: KafkaCode.UNSTABLE_OFFSET_COMMIT }
        : { ...r, errorCode: 0 },
    );
  }

  /* TxnOffsetCommit, all or nothing: 0 or the code for every partition. The offsets
   * are held pending for the producer id, seen by neither OffsetFetch nor the
   * group's committed offsets, until completeTxnOffsets. The member is checked as
   * Kafka checks it (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ILLEGAL_GENERATION) only
   * when a member id, generation or instance id is given; an epoch older than the
   * producer id's last is INVALID_PRODUCER_EPOCH. The group exists from then on. */
  txnOffsetCommit(groupId: string, req: KafkaTxnCommitRequest): Promise<number> | number {
    if (!req || !Array.isArray(req.offsets) || typeof req.memberId !== "string" || !isProducer(req)) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a txn commit is { producerId, producerEpoch, memberId, ... }");
    }
    try {
      groupTxnCommit(this.db, req, Date.now());
    } catch (e) {
      return codeOf(e);
    }
    return this.registered ? 0 : this.#register(groupId).then(() => 0);
  }

  /* The transaction coordinator ends a producer's transaction: on commit its pending
   * offsets become the group's committed offsets (unless a later commit of the
   * partition superseded one, as Kafka orders them), on abort they are dropped.
   * Idempotent: with nothing pending it is 0. INVALID_PRODUCER_EPOCH for an epoch
   * older than the producer id's last (nothing changes). */
  completeTxnOffsets(m: TxnOffsetsCompletion): Promise<{ errorCode: number }> {
    if (!m || typeof m.commit !== "boolean" || !isProducer(m)) {
      return Promise.resolve({ errorCode: KafkaCode.INVALID_REQUEST });
    }
    let errorCode = 0;
    try {
      groupTxnComplete(this.db, m.producerId, m.producerEpoch, m.commit, Date.now());
    } catch (e) {
      errorCode = codeOf(e);
    }
    return Promise.resolve({ errorCode });
  }

  override alarm(): void {
    this.#settle();
  }

  /* Makes the group known to the cluster (for listing), once per instance. */
  async #register(groupId: string): Promise<void> {
    if (this.registered) return;
    await metadataStub(this.env).registerGroup(groupId);
    this.registered = true;
  }

  /* A topic's partition count for the assignor; 0 for a topic that does not exist
   * (yet), as Kafka assigns nothing of it. */
  async #partitionsOf(topic: string): Promise<number> {
    try {
      return (await metadataStub(this.env).describeTopic(topic)).partitions;
    } catch (e) {
      const k = KafdoError.from(e);
      if (k?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) return 0;
      throw k ?? e;
    }
  }

  /* Moves the group along and settles the joins (and syncs) it holds. */
  #settle(): void {
    const state = groupPoll(this.db, Date.now());
    for (const id of state.expired) {
      this.#forget(id, new KafdoError(KafkaCode.UNKNOWN_MEMBER_ID, "the member's session expired"));
    }
    if (this.kafkaJoins.size > 0 || this.syncs.size > 0) this.#settleKafka(state);
    if (state.state === "Stable") {
      const done = state.members.filter((m) => !m.waiting && this.held.has(m.memberId));
      if (done.length > 0) {
        const { leader, strategy } = groupDescribe(this.db);
        for (const m of done) {
          const result = {
            memberId: m.memberId,
            generationId: state.generationId,
            leader,
            protocol: strategy,
            assignment: m.assignment,
          };
          for (const h of this.held.get(m.memberId)!) h.resolve(result);
          this.held.delete(m.memberId);
        }
      }
    }
    this.#schedule(state.nextDeadline);
  }

  /* Kafka's held calls, answered as the core says (kd_group_held_join / _sync): a
   * join once its member no longer waits in a completed rebalance; a sync once the
   * group is Stable, or REBALANCE_IN_PROGRESS when the group has left the
   * generation it was sent for. */
  #settleKafka(state: ReturnType<typeof groupPoll>): void {
    for (const m of state.members) {
      const waiters = this.kafkaJoins.get(m.memberId);
      if (!waiters) continue;
      const verdict = groupHeldJoin(state.state, m.waiting, m.memberId === state.leader);
      if (verdict === HELD_WAIT) continue;
      const leads = verdict === HELD_ANSWER_LEADER;
      const result: KafkaJoinResult = {
        errorCode: 0,
        generationId: state.generationId,
        protocolType: state.protocolType,
        protocolName: state.protocolName,
        leader: state.leader,
        memberId: m.memberId,
        members: leads ? this.#withInstanceIds(state.memberBytes) : [],
      };
      for (const resolve of waiters) resolve(result);
      this.kafkaJoins.delete(m.memberId);
    }
    const assigned = new Map(state.memberBytes.map((b) => [b.memberId, b.bytes]));
    for (const [memberId, waiters] of this.syncs) {
      const kept = waiters.filter((h) => {
        const verdict = groupHeldSync(state.state, state.generationId, h.generationId);
        if (verdict === HELD_WAIT) return true;
        if (verdict === HELD_ANSWER) {
          const { protocolType, protocolName } = state;
          h.resolve({
            errorCode: 0,
            protocolType,
            protocolName,
            assignment: assigned.get(memberId) ?? new Uint8Array(0),
          });
        } else {
          h.resolve(syncError(verdict));
        }
        return false;
      });
      if (kept.length > 0) this.syncs.set(memberId, kept);
      else this.syncs.delete(memberId);
    }
  }

  /* The leader's list of members, each with its group.instance.id (null for a
   * dynamic member), as JoinGroup v5+ answers it. */
  #withInstanceIds(list: { memberId: string; bytes: Uint8Array }[]): KafkaJoinResult["members"] {
    if (list.length === 0) return [];
    const d = groupDescribe(this.db);
    const instances = new Map(d.members.map((m, i) => [m.memberId, d.raw[i]!.groupInstanceId]));
    return list.map((b) => ({
      memberId: b.memberId,
      groupInstanceId: instances.get(b.memberId) ?? null,
      metadata: b.bytes,
    }));
  }

  /* A member that left or expired: whatever it waits for is answered UNKNOWN_MEMBER_ID. */
  #forget(memberId: string, error: KafdoError): void {
    this.#rejectHeld(memberId, error);
    for (const resolve of this.kafkaJoins.get(memberId) ?? []) resolve(joinError(error.code, memberId));
    this.kafkaJoins.delete(memberId);
    for (const h of this.syncs.get(memberId) ?? []) h.resolve(syncError(error.code));
    this.syncs.delete(memberId);
  }

  #rejectHeld(memberId: string, error: KafdoError): void {
    for (const h of this.held.get(memberId) ?? []) h.reject(error);
    this.held.delete(memberId);
  }

  #schedule(deadline: number | null): void {
    if (deadline === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(deadline);
  }
}

answerRefusals(ConsumerGroupDO);
