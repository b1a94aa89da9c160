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
 * Methods that can fail before any I/O are plain functions that throw, not async
 * ones: an async method rejecting before the RPC layer holds its promise is
 * reported by workerd as an unhandled rejection. Alarms are set without waiting:
 * the output gate keeps the answer back until storage has the alarm anyway.
 */
import { DurableObject } from "cloudflare:workers";
import {
  groupCommit,
  groupDelete,
  groupDescribe,
  groupHeartbeat,
  groupJoin,
  groupLeave,
  groupOffsets,
  groupOpen,
  groupPoll,
  registerStorage,
  type KafdoStorage,
} from "../../wasm/kafdo";
import type { Env } from "../env";
import { KafdoError, KafkaCode } from "../errors";
import type {
  CommittedOffset,
  GroupDescription,
  JoinRequest,
  JoinResult,
  OffsetCommit,
  TopicPartition,
} from "../types";
import { metadataStub } from "./addressing";


interface HeldJoin {
  resolve(result: JoinResult): void;
  reject(error: unknown): void;
}

export class ConsumerGroupDO extends DurableObject<Env> {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;
  private readonly held = new Map<string, HeldJoin[]>();
  private registered = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    groupOpen(this.db);
  }

  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    if (!req || !Array.isArray(req.topics) || req.topics.some((t) => typeof t !== "string")) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a join names its topics as an array of strings");
    }
    return this.joinGroup(groupId, req);
  }

  private async joinGroup(groupId: string, req: JoinRequest): Promise<JoinResult> {
    /* Registered first (it is idempotent): a registration failing after the join
     * would leave a member the group waits for but nobody holds. */
    await this.register(groupId);
    const topics = await Promise.all(
      [...new Set(req.topics)].map(async (topic) => ({ topic, partitions: await this.partitionsOf(topic) })),
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
    this.settle();
    return result;
  }

  heartbeat(groupId: string, memberId: string, generationId: number): void {
    void groupId;
    try {
      this.schedule(groupHeartbeat(this.db, memberId, generationId, Date.now()));
    } catch (e) {
      /* REBALANCE_IN_PROGRESS still stored the heartbeat: keep the alarm right. */
      this.settle();
      throw e;
    }
  }

  leave(groupId: string, memberId: string): void {
    void groupId;
    groupLeave(this.db, memberId, Date.now());
    this.rejectHeld(memberId, new KafdoError(KafkaCode.UNKNOWN_MEMBER_ID, "the member left the group"));
    this.settle();
  }

  commit(groupId: string, memberId: string, generationId: number, offsets: OffsetCommit[]): Promise<void> | void {
    if (!Array.isArray(offsets)) throw new KafdoError(KafkaCode.INVALID_REQUEST, "offsets are an array");
    groupCommit(this.db, memberId, generationId, offsets, Date.now());
    if (!this.registered) return this.register(groupId);
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
      protocol: d.strategy,
      leader: d.leader,
      members: d.members,
      offsets: d.offsets,
    };
  }

  deleteGroup(groupId: string): Promise<void> {
    groupDelete(this.db);
    this.registered = false;
    return metadataStub(this.env).unregisterGroup(groupId);
  }

  override alarm(): void {
    this.settle();
  }

  /* Makes the group known to the cluster (for listing), once per instance. */
  private async register(groupId: string): Promise<void> {
    if (this.registered) return;
    await metadataStub(this.env).registerGroup(groupId);
    this.registered = true;
  }

  /* A topic's partition count for the assignor; 0 for a topic that does not exist
   * (yet), as Kafka assigns nothing of it. */
  private async partitionsOf(topic: string): Promise<number> {
    try {
      return (await metadataStub(this.env).describeTopic(topic)).partitions;
    } catch (e) {
      const k = KafdoError.from(e);
      if (k?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) return 0;
      throw k ?? e;
    }
  }

  /* Moves the group along and settles the joins it holds. */
  private settle(): void {
    const state = groupPoll(this.db, Date.now());
    for (const id of state.expired) {
      this.rejectHeld(id, new KafdoError(KafkaCode.UNKNOWN_MEMBER_ID, "the member's session expired"));
    }
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
    this.schedule(state.nextDeadline);
  }

  private rejectHeld(memberId: string, error: KafdoError): void {
    for (const h of this.held.get(memberId) ?? []) h.reject(error);
    this.held.delete(memberId);
  }

  private schedule(deadline: number | null): void {
    if (deadline === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(deadline);
  }
}
