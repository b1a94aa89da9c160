/*
 * tag.ts — the `kafka` tag function over a backend: what each parsed sentence (grammar.ts)
 * does. The Worker's `kafka` (worker/sentences/, over the in-Worker API) and kafdo/client's
 * `kafkaOver(client)` (over HTTP) are this with different backends, so a sentence means
 * the same through both doors. No Kafka rule is here: every step is one call of the
 * backend's admin, producer or consumer.
 *
 * kafka`...` parses at once (a sentence it does not understand throws there) and returns
 * a KafkaSentence:
 *   - a topic sentence (`orders`, `orders group analytics`, `orders since yesterday`) has
 *     .produce(value, options?) and .produceBatch(values) (only the bare `<topic>` form)
 *     and is async-iterable (for await); awaiting it is refused.
 *   - an action (admin sentences, `send payment confirmed to transactions`) runs when it
 *     is first awaited (its then() called), once; produce and iteration are refused.
 *
 * Reading without a group (`orders from beginning`, `orders since 2 hours ago`, `orders`):
 * every partition the topic has when the loop starts, from the start asked (the log
 * start, the high watermark, or each partition's first offset at or after the time:
 * Kafka's ListOffsets by timestamp, the high watermark when none is that late), read
 * in rounds over all partitions, waiting IDLE_MS when a round finds nothing. Nothing is
 * committed. Reading in a group is the backend's group consumer (it commits).
 * Either loop runs until the caller leaves it (break, return, throw).
 *
 * Part of worker/common: imports nothing outside it.
 */
import type { RecordMetadata } from "../api";
import { KafdoError, KafkaCode } from "../errors";
import type { GroupInfo, ResetOffset, ResetOffsetsRequest, ResetOffsetsResult } from "../groups";
import type { ConfigChanges, CreateTopicConfig, TopicDescription } from "../topics";
import { parseSentence, type ReadStart, type Sentence } from "./grammar";

/* How long a read without a group waits after a round over the partitions found nothing. */
export const IDLE_MS = 100;

/* A consumed record, as both doors give it (in-Worker ConsumedRecord, client ClientRecord). */
export interface SentenceRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | Uint8Array | null;
  /* The JSON value the bytes hold, else their UTF-8 text, else the bytes; null for a
   * tombstone. `any`, so a loop reads record.value.orderId as the spec writes it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  value: any;
  headers: Record<string, string | Uint8Array | null>;
}

/* What .produce() takes beside the value. */
export interface ProduceOptions {
  key?: string | Uint8Array | null;
  headers?: Record<string, string | Uint8Array | null>;
  partition?: number;
  /* ms since the epoch; now when absent. */
  timestamp?: number;
}

export type SentenceMessage = ProduceOptions & { value: unknown };

/* The admin calls the sentences make: the in-Worker Admin and KafdoHttpAdmin both have them. */
export interface SentenceAdmin {
  createTopic(config: CreateTopicConfig): Promise<TopicDescription>;
  describeTopic(topic: string): Promise<TopicDescription>;
  createPartitions(topic: string, count: number): Promise<TopicDescription>;
  alterConfigs(topic: string, configs: ConfigChanges): Promise<TopicDescription>;
  listTopics(): Promise<string[]>;
  deleteTopic(topic: string): Promise<void>;
  describeGroup(groupId: string): Promise<GroupInfo>;
  resetGroupOffsets(groupId: string, request: ResetOffsetsRequest): Promise<ResetOffsetsResult>;
}

export interface SentenceBackend {
  admin(): SentenceAdmin;
  produce(topic: string, messages: SentenceMessage[]): Promise<RecordMetadata[]>;
  /* A member of `group` subscribed to `topic`, yielding record by record; when the
   * loop over it ends it commits what it yielded and leaves the group. */
  consumeInGroup(topic: string, group: string, fromBeginning: boolean): AsyncIterable<SentenceRecord>;
  /* One partition's log start offset and high watermark. */
  offsets(topic: string, partition: number): Promise<{ earliest: number; latest: number }>;
  /* The first offset whose record's timestamp is at or after `timestamp`; -1 when none. */
  offsetForTime(topic: string, partition: number, timestamp: number): Promise<number>;
  /* Records of one partition from `offset` (none when there are none yet), decoded. */
  read(topic: string, partition: number, offset: number): Promise<SentenceRecord[]>;
}

/* What `describe <topic>` answers: the topic, with its partition count as a number. */
export interface TopicSummary {
  topic: string;
  topicId: string;
  partitions: number;
  config: Record<string, string>;
  createdAt: number;
}

/* What `describe group <group>` answers: counts first (members, total lag), then the
 * whole description (its members, and per partition the committed offset and lag). */
export interface GroupSummary {
  groupId: string;
  state: string;
  members: number;
  /* The sum of every partition's lag (partitions whose log is gone count 0). */
  lag: number;
  description: GroupInfo;
}

/* What `reset group` answers: every partition's new committed offset, all topics. */
export interface GroupReset {
  groupId: string;
  offsets: ResetOffset[];
}

/* What kafka`...` returns; see the top of this file for which members a sentence has. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an action's answer depends on the sentence's words
export interface KafkaSentence extends PromiseLike<any>, AsyncIterable<SentenceRecord> {
  readonly sentence: Sentence;
  produce(value: unknown, options?: ProduceOptions): Promise<RecordMetadata>;
  produceBatch(values: unknown[]): Promise<RecordMetadata[]>;
}

export type KafkaTag = (strings: TemplateStringsArray, ...values: unknown[]) => KafkaSentence;

function refused(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/* The tag function over `backend`; `now` is the clock times in sentences count from. */
export function sentencesOver(backend: SentenceBackend, now: () => number = Date.now): KafkaTag {
  return (strings, ...values) => new TaggedSentence(backend, parseSentence(strings, values, now()));
}

/* One kafka`...`: the object stream methods (issue 18: .filter, .map, .to) are added to. */
class TaggedSentence implements KafkaSentence {
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly backend: SentenceBackend,
    readonly sentence: Sentence,
  ) {}

  then<A = unknown, B = never>(
    onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.running ??= this.run();
    return this.running.then(onfulfilled, onrejected);
  }

  async produce(value: unknown, options: ProduceOptions = {}): Promise<RecordMetadata> {
    if (options === null || typeof options !== "object")
      throw refused(".produce(value, options?) takes an options object");
    const [sent] = await this.backend.produce(this.bareTopic("produce"), [{ ...options, value }]);
    return sent!;
  }

  async produceBatch(values: unknown[]): Promise<RecordMetadata[]> {
    const topic = this.bareTopic("produceBatch");
    if (!Array.isArray(values)) throw refused(".produceBatch takes an array of values");
    return this.backend.produce(
      topic,
      values.map((value) => ({ value })),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<SentenceRecord> {
    const s = this.sentence;
    if (s.kind !== "topic") throw refused(`kafka\`…\` ${s.kind} is an action: await it, do not iterate it`);
    if (s.group !== undefined) {
      return this.backend.consumeInGroup(s.topic, s.group, s.start?.at === "earliest")[Symbol.asyncIterator]();
    }
    return readTopic(this.backend, s.topic, s.start ?? { at: "latest" });
  }

  private bareTopic(method: string): string {
    const s = this.sentence;
    if (s.kind !== "topic" || s.group !== undefined || s.start !== undefined) {
      throw refused(`.${method}() is for a sentence that names only a topic: kafka\`orders\`.${method}(...)`);
    }
    return s.topic;
  }

  private async run(): Promise<unknown> {
    const s = this.sentence;
    const admin = () => this.backend.admin();
    switch (s.kind) {
      case "topic":
        throw refused(
          `kafka\`${s.topic}…\` names a topic: call .produce(value) or .produceBatch(values), or read it with for await`,
        );
      case "produce":
        return (await this.backend.produce(s.topic, [{ value: s.value }]))[0];
      case "create-topic": {
        const config: CreateTopicConfig = { topic: s.topic };
        if (s.partitions !== undefined) config.partitions = s.partitions;
        if (s.retentionMs !== undefined) config.config = { "retention.ms": String(s.retentionMs) };
        return summary(await admin().createTopic(config));
      }
      case "describe-topic":
        return summary(await admin().describeTopic(s.topic));
      case "add-partitions": {
        const { partitions } = await admin().describeTopic(s.topic);
        return summary(await admin().createPartitions(s.topic, partitions.length + s.count));
      }
      case "set-retention":
        return summary(await admin().alterConfigs(s.topic, { "retention.ms": String(s.retentionMs) }));
      case "list-topics":
        return admin().listTopics();
      case "delete-topic":
        return admin().deleteTopic(s.topic);
      case "describe-group":
        return groupSummary(await admin().describeGroup(s.group));
      case "reset-group":
        return resetGroup(admin(), s.group, s.topic, s.to);
    }
  }
}

function summary(d: TopicDescription): TopicSummary {
  return {
    topic: d.topic,
    topicId: d.topicId,
    partitions: d.partitions.length,
    config: d.config,
    createdAt: d.createdAt,
  };
}

function groupSummary(d: GroupInfo): GroupSummary {
  const lag = d.offsets.reduce((sum, o) => sum + Math.max(o.lag, 0), 0);
  return { groupId: d.groupId, state: d.state, members: d.members.length, lag, description: d };
}

/* Every topic the group has committed offsets for (or is assigned), or the one named;
 * each reset as the admin's resetGroupOffsets (refused while the group has members).
 * One topic after another: a refusal of a later topic leaves earlier ones reset. */
async function resetGroup(
  admin: SentenceAdmin,
  group: string,
  topic: string | undefined,
  to: "earliest" | "latest" | { timestamp: number },
): Promise<GroupReset> {
  let topics: string[];
  if (topic !== undefined) topics = [topic];
  else {
    const d = await admin.describeGroup(group);
    topics = [
      ...new Set([...d.offsets.map((o) => o.topic), ...d.members.flatMap((m) => m.assignment.map((a) => a.topic))]),
    ];
    if (topics.length === 0) {
      throw refused(
        `group "${group}" has no committed offsets: name the topic, kafka\`reset group ${group} for <topic> to …\``,
      );
    }
  }
  const offsets: ResetOffset[] = [];
  for (const t of topics.sort()) offsets.push(...(await admin.resetGroupOffsets(group, { topic: t, to })).offsets);
  return { groupId: group, offsets };
}

/* A read without a group: see the top of this file. */
async function* readTopic(backend: SentenceBackend, topic: string, start: ReadStart): AsyncGenerator<SentenceRecord> {
  const { partitions } = await backend.admin().describeTopic(topic);
  const positions = await Promise.all(
    partitions.map(async ({ partition }) => {
      if (start.at === "time") {
        const offset = await backend.offsetForTime(topic, partition, start.timestamp);
        if (offset >= 0) return offset;
      }
      const { earliest, latest } = await backend.offsets(topic, partition);
      return start.at === "earliest" ? earliest : latest;
    }),
  );
  for (;;) {
    const reads = await Promise.all(positions.map((offset, p) => backend.read(topic, p, offset)));
    let found = false;
    for (const [p, records] of reads.entries()) {
      for (const record of records) {
        found = true;
        positions[p] = record.offset + 1;
        yield record;
      }
    }
    if (!found) await sleep(IDLE_MS);
  }
}
