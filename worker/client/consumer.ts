/*
 * consumer.ts — KafdoClient's consumer: a member of a consumer group over Kafdo's
 * HTTP group protocol (POST /consumer-groups/:groupId/join, heartbeat, commit,
 * leave), reading partitions with GET /topics/:topic/partitions/:p/messages.
 *
 * The group decides membership, generations and the assignment; this keeps the
 * member alive and its offsets:
 *
 *   - connect() joins and resolves with the join's answer (memberId, generation,
 *     assignment) once the rebalance it starts is done. The join may be held up to
 *     rebalanceTimeoutMs while other members rejoin, so its request gets that
 *     long (plus a margin) even when the client's timeout is shorter.
 *   - While connected, a timer heartbeats every heartbeatIntervalMs. When the group
 *     answers REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION the consumer commits what
 *     it can (with autoCommit) and joins again with its member id; UNKNOWN_MEMBER_ID
 *     (its session ran out) joins as a new member. Positions of partitions the new
 *     assignment no longer holds are dropped, so a later commit cannot move them.
 *     Failures of this background work never reject anything: they go to
 *     onError, and the next heartbeat tries again. The timer does not keep a Node
 *     process alive by itself (unref), so a forgotten disconnect() cannot hang one.
 *   - fetch(topic, partition, { offset, limit }) reads from `offset`, or else from
 *     the consumer's position in that partition, or else from the group's
 *     committed offset, or else from the log start (fromBeginning) or its end, as
 *     Kafka's auto.offset.reset. The position moves to the answer's nextOffset,
 *     unless the consumer is a member and the partition is not assigned to it, or a
 *     rejoin came while the request was out: a late answer must not give back a
 *     position that the rejoin dropped, or the next auto-commit would move the new
 *     owner's offset (the group does not check who commits which partition).
 *     fetch does not check the assignment: a partition is readable by anyone.
 *   - commit() commits the positions that moved since their last commit (or the
 *     offsets given), as the offsets of the next records to read; a member commits
 *     only the positions of its assigned partitions. Before connect() it commits
 *     outside group management (no member id, generation -1), which the group
 *     accepts while it has no members, as in Kafka. With autoCommit, the heartbeat
 *     commits moved positions every autoCommitIntervalMs, and disconnect() and
 *     every rejoin commit them first.
 *   - disconnect() stops the heartbeat, commits (autoCommit), and leaves the group,
 *     so the others rebalance at once rather than after the session timeout.
 */
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
} from "../common/consumer-defaults";
import type { AssignmentStrategy, CommittedOffset, JoinResult, OffsetCommit, TopicPartition } from "../common/groups";
import { KafdoClientError } from "./errors";
import { type ClientRecord, type RestRecord, clientRecord } from "./records";
import { type Transport, segment } from "./transport";

export interface ClientConsumerConfig {
  /* Required: the consumer group this consumer is a member of. */
  groupId: string;
  /* Required: the topics it subscribes to. */
  topics: string[];
  /* The client's clientId when absent. */
  clientId?: string;
  /* Commit moved positions every autoCommitIntervalMs, on rejoin and on disconnect. true. */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /* The group drops a member it has not heard from for this long. 30000. */
  sessionTimeoutMs?: number;
  /* How long the group waits for its members to rejoin in a rebalance. 60000. */
  rebalanceTimeoutMs?: number;
  /* How often the consumer tells the group it is alive. 3000. */
  heartbeatIntervalMs?: number;
  /* The assignor: "range" (default), "roundrobin" or "sticky". */
  strategy?: AssignmentStrategy;
  /* Where fetch starts in a partition with no position and no committed offset:
   * the log start (true) or its end (false, the default). */
  fromBeginning?: boolean;
  /* Called after each rejoin the heartbeat made, with the new generation. */
  onRebalance?(result: JoinResult): void;
  /* Called with failures of the background work (heartbeats, auto-commits, rejoins). */
  onError?(error: KafdoClientError): void;
}

export interface ClientFetchOptions {
  /* The first offset to read; the consumer's position (see above) when absent. */
  offset?: number;
  /* At most this many records (1..10000; 100 when absent). */
  limit?: number;
  /* About this many bytes of stored batches at most (1 MiB when absent). */
  maxBytes?: number;
}

export interface ClientFetchResult {
  topic: string;
  partition: number;
  messages: ClientRecord[];
  logStartOffset: number;
  highWatermark: number;
  /* Where to read next: the last message's offset + 1, or the offset asked for. */
  nextOffset: number;
}

export interface ClientPartitionOffsets {
  topic: string;
  partition: number;
  /* The log start offset. */
  earliest: number;
  /* The high watermark: the offset the next record will get. */
  latest: number;
  /* The last stable offset: the first offset of the earliest open transaction, else
   * the high watermark (a read_committed read stops there). */
  lastStableOffset: number;
}

const REJOIN_CODES = new Set(["REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID"]);
const JOIN_TIMEOUT_MARGIN_MS = 5000;

const key = (topic: string, partition: number) => `${partition}@${topic}`;

function asClientError(e: unknown): KafdoClientError {
  return e instanceof KafdoClientError
    ? e
    : new KafdoClientError("UNKNOWN_SERVER_ERROR", e instanceof Error ? e.message : String(e), { cause: e });
}

export class KafdoHttpConsumer {
  readonly groupId: string;
  private readonly topics: string[];
  private readonly clientId: string;
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;

  private member: JoinResult | undefined;
  private connecting: Promise<JoinResult> | undefined;
  private rejoining: Promise<JoinResult> | undefined;
  private connected = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticking: Promise<void> | undefined;
  private lastAutoCommit = 0;
  /* Next offset to read, per partition; and what was last committed of it. */
  private readonly positions = new Map<string, OffsetCommit>();
  private readonly committedAt = new Map<string, number>();

  constructor(
    private readonly transport: Transport,
    clientId: string,
    private readonly clientTimeout: number,
    readonly config: ClientConsumerConfig,
  ) {
    if (config === null || typeof config !== "object") {
      throw new KafdoClientError("INVALID_CONFIG", "consumer() takes { groupId, topics, autoCommit? }");
    }
    if (typeof config.groupId !== "string" || config.groupId === "") {
      throw new KafdoClientError("INVALID_CONFIG", "a consumer needs a groupId");
    }
    const topics = typeof config.topics === "string" ? [config.topics] : config.topics;
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== "string")) {
      throw new KafdoClientError("INVALID_CONFIG", "a consumer needs topics: a non-empty array of topic names");
    }
    this.groupId = config.groupId;
    this.topics = [...topics];
    this.clientId = config.clientId ?? clientId;
    this.autoCommit = config.autoCommit ?? true;
    this.autoCommitIntervalMs = config.autoCommitIntervalMs ?? 5000;
    this.sessionTimeoutMs = config.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.rebalanceTimeoutMs = config.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS;
    this.heartbeatIntervalMs = config.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    if (!(this.heartbeatIntervalMs >= 1 && this.heartbeatIntervalMs < 2 ** 31)) {
      throw new KafdoClientError(
        "INVALID_CONFIG",
        `heartbeatIntervalMs must be a number of ms from 1, not ${String(config.heartbeatIntervalMs)}`,
      );
    }
  }

  /* "" until the first join. */
  get memberId(): string {
    return this.member?.memberId ?? "";
  }

  /* -1 until the first join. */
  get generationId(): number {
    return this.member?.generationId ?? -1;
  }

  /* The partitions the group gave this member in its current generation. */
  assignment(): TopicPartition[] {
    return this.member ? this.member.assignment.map(({ topic, partition }) => ({ topic, partition })) : [];
  }

  /* Joins the group; resolves once the rebalance is done, with the member id,
   * generation and assignment. Resolves with the current membership when connected. */
  connect(): Promise<JoinResult> {
    if (this.connected && this.member) return Promise.resolve(this.member);
    this.connecting ??= (async () => {
      try {
        const result = await this.join("");
        this.adopt(result);
        this.connected = true;
        this.lastAutoCommit = Date.now();
        this.schedule();
        return result;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  async fetch(topic: string, partition: number, options: ClientFetchOptions = {}): Promise<ClientFetchResult> {
    /* The membership (generation and assignment) the request is made under. */
    const member = this.member;
    const offset =
      options.offset ??
      this.positions.get(key(topic, partition))?.offset ??
      (await this.startingOffset(topic, partition));
    const answer = await this.transport.call<Omit<ClientFetchResult, "messages"> & { messages: RestRecord[] }>(
      "GET",
      `/topics/${segment(topic)}/partitions/${partition}/messages`,
      { query: { offset, limit: options.limit, maxBytes: options.maxBytes } },
    );
    if (this.member === member && this.owns(topic, partition)) {
      this.positions.set(key(topic, partition), { topic, partition, offset: answer.nextOffset });
    }
    return {
      topic: answer.topic,
      partition: answer.partition,
      messages: answer.messages.map((m) => clientRecord(answer.topic, answer.partition, m)),
      logStartOffset: answer.logStartOffset,
      highWatermark: answer.highWatermark,
      nextOffset: answer.nextOffset,
    };
  }

  /* Commits `offsets` (each the offset of the next record to read), or else the
   * positions that moved since they were last committed. */
  async commit(offsets?: OffsetCommit[]): Promise<void> {
    await this.rejoining?.catch(() => undefined);
    await this.commitOffsets(offsets ?? this.movedPositions());
  }

  /* The group's committed offsets, for every partition it has committed. */
  async committed(): Promise<CommittedOffset[]> {
    const answer = await this.transport.call<{ offsets: CommittedOffset[] }>(
      "GET",
      `/consumer-groups/${segment(this.groupId)}/offsets`,
    );
    return answer.offsets;
  }

  getOffsets(topic: string, partition: number): Promise<ClientPartitionOffsets> {
    return this.transport.call("GET", `/topics/${segment(topic)}/partitions/${partition}/offsets`);
  }

  /* Kafka's offsetsForTimes for one partition: the first offset at or after
   * `timestamp` (ms), and its record's timestamp; -1 for both when none is that late. */
  async offsetForTime(
    topic: string,
    partition: number,
    timestamp: number,
  ): Promise<{ offset: number; timestamp: number }> {
    const answer = await this.transport.call<{ offsetForTimestamp: { offset: number; timestamp: number } }>(
      "GET",
      `/topics/${segment(topic)}/partitions/${partition}/offsets`,
      { query: { timestamp } },
    );
    return answer.offsetForTimestamp;
  }

  /* Stops the heartbeat, commits (autoCommit) and leaves the group. A failed
   * commit is thrown after the consumer has left. */
  async disconnect(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    this.connected = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.rejoining?.catch(() => undefined);
    const member = this.member;
    if (!member) return;
    let commitError: unknown;
    if (this.autoCommit) {
      try {
        await this.commit();
      } catch (e) {
        commitError = e;
      }
    }
    this.member = undefined;
    try {
      await this.transport.call("POST", `/consumer-groups/${segment(this.groupId)}/leave`, {
        body: { memberId: member.memberId },
      });
    } catch (e) {
      /* A member whose session already ran out has nothing left to leave. */
      if (!(e instanceof KafdoClientError && e.code === "UNKNOWN_MEMBER_ID")) throw e;
    }
    if (commitError !== undefined) throw commitError;
  }

  /* ---- the group protocol ----------------------------------------------------------- */

  private join(memberId: string): Promise<JoinResult> {
    const body: Record<string, unknown> = {
      clientId: this.clientId,
      topics: this.topics,
      sessionTimeoutMs: this.sessionTimeoutMs,
      rebalanceTimeoutMs: this.rebalanceTimeoutMs,
    };
    if (memberId) body.memberId = memberId;
    if (this.config.strategy) body.strategy = this.config.strategy;
    return this.transport.call("POST", `/consumer-groups/${segment(this.groupId)}/join`, {
      body,
      timeout: Math.max(this.clientTimeout, this.rebalanceTimeoutMs + JOIN_TIMEOUT_MARGIN_MS),
    });
  }

  /* Takes a generation's membership; forgets positions it no longer owns. */
  private adopt(result: JoinResult): void {
    this.member = result;
    const owned = new Set(result.assignment.map((tp) => key(tp.topic, tp.partition)));
    for (const k of [...this.positions.keys()]) {
      if (!owned.has(k)) {
        this.positions.delete(k);
        this.committedAt.delete(k);
      }
    }
  }

  private rejoin(code: string): Promise<JoinResult> {
    this.rejoining ??= (async () => {
      try {
        if (this.autoCommit && code !== "UNKNOWN_MEMBER_ID") {
          await this.commitOffsets(this.movedPositions()).catch(() => undefined);
        }
        let result: JoinResult;
        try {
          result = await this.join(code === "UNKNOWN_MEMBER_ID" ? "" : this.memberId);
        } catch (e) {
          if (!(e instanceof KafdoClientError && e.code === "UNKNOWN_MEMBER_ID")) throw e;
          result = await this.join("");
        }
        /* Adopted even when disconnect() came meanwhile, so it leaves this membership. */
        this.adopt(result);
        if (this.connected) this.report(() => this.config.onRebalance?.(result));
        return result;
      } finally {
        this.rejoining = undefined;
      }
    })();
    return this.rejoining;
  }

  /* Commits as the current member (or outside group management before a join);
   * does not wait for a rejoin, which is what calls it. */
  private async commitOffsets(list: OffsetCommit[]): Promise<void> {
    if (list.length === 0) return;
    await this.transport.call("POST", `/consumer-groups/${segment(this.groupId)}/commit`, {
      body: { memberId: this.memberId, generationId: this.generationId, offsets: list },
    });
    for (const o of list) this.committedAt.set(key(o.topic, o.partition), o.offset);
  }

  private movedPositions(): OffsetCommit[] {
    return [...this.positions]
      .filter(([k, o]) => this.committedAt.get(k) !== o.offset && this.owns(o.topic, o.partition))
      .map(([, o]) => ({ ...o }));
  }

  /* Whether this consumer's position in the partition is its to keep and commit:
   * before a join, any partition's; as a member, its assigned partitions'. */
  private owns(topic: string, partition: number): boolean {
    return !this.member || this.member.assignment.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  private async startingOffset(topic: string, partition: number): Promise<number> {
    const committed = (await this.committed()).find((o) => o.topic === topic && o.partition === partition);
    if (committed && committed.offset >= 0) return committed.offset;
    const { earliest, latest } = await this.getOffsets(topic, partition);
    return this.config.fromBeginning ? earliest : latest;
  }

  /* ---- the heartbeat ----------------------------------------------------------------- */

  private schedule(): void {
    if (!this.connected) return;
    const timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, this.heartbeatIntervalMs);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  /* One heartbeat (and auto-commit when due). Never rejects. */
  private async tick(): Promise<void> {
    try {
      await this.rejoining;
      if (!this.connected) return;
      if (this.autoCommit && Date.now() - this.lastAutoCommit >= this.autoCommitIntervalMs) {
        this.lastAutoCommit = Date.now();
        await this.commitOffsets(this.movedPositions());
      }
      await this.transport.call("POST", `/consumer-groups/${segment(this.groupId)}/heartbeat`, {
        body: { memberId: this.memberId, generationId: this.generationId },
      });
    } catch (e) {
      const error = asClientError(e);
      if (!this.connected) return;
      if (REJOIN_CODES.has(error.code)) {
        await this.rejoin(error.code).catch((e2: unknown) =>
          this.report(() => this.config.onError?.(asClientError(e2))),
        );
      } else {
        this.report(() => this.config.onError?.(error));
      }
    }
  }

  /* Runs a user callback; what it throws must not stop the heartbeat. */
  private report(callback: () => void): void {
    try {
      callback();
    } catch {
      /* The caller's callback failed; the consumer carries on. */
    }
  }
}
