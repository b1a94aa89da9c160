/*
 * The in-Worker consumer (createConsumer) against real ConsumerGroupDOs and
 * TopicPartitionDOs inside workerd: the spec's three consumer examples run as
 * written, group membership and rebalances, expiry, committed offsets,
 * at-least-once after a crash, fencing of stale generations, the long poll, and
 * the consumer's own API (decoding, maxPollRecords, seek, pause, close).
 *
 * Consumers of one group must poll at the same time for a rebalance to finish (a
 * member rejoins inside poll, as in Kafka), so the tests drive every consumer's
 * poll loop concurrently until what they wait for is true (pollUntil). Nothing
 * sleeps: a poll returns as soon as it has records or the group needs it.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAdmin, createConsumer, createProducer } from "../../../worker/api";
import type { ConsumedRecord, Consumer, ConsumerConfig, RebalanceListener } from "../../../worker/api";
import { commitOffsets, committedOffsets, heartbeat } from "../../../worker/api/groups";
import { MAX_READ_RECORDS } from "../../../worker/api/read";
import { groupStub, partitionStub } from "../../../worker/durable-objects/addressing";
import type { TopicPartition } from "../../../worker/common/groups";
import { ATTRIBUTES_AT, batchOf, expectKafdoError, reseal, view } from "../helpers";

let names = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now()}-${names++}`;
/* Short enough that the group notices a rebalance at once, as a poll would. */
const FAST: Partial<ConsumerConfig> = { heartbeatIntervalMs: 50, fromBeginning: true };
const TEST_MS = 60000;

const open: Consumer[] = [];
function consumer(config: ConsumerConfig, listener?: RebalanceListener): Consumer {
  const c = createConsumer(env, config, listener);
  open.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/* A topic of `partitions` partitions with `perPartition` records in each, value {p, i}. */
async function topicWith(partitions: number, perPartition: number): Promise<string> {
  const topic = fresh("topic");
  await createAdmin(env).createTopic({ topic, partitions });
  const messages = [];
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i++) messages.push({ topic, partition: p, key: `k${p}-${i}`, value: { p, i } });
  }
  if (messages.length > 0) await createProducer(env).sendBatch(messages);
  return topic;
}

const all = (topic: string, partitions: number): TopicPartition[] =>
  Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
const byPartition = (tps: TopicPartition[]) =>
  [...tps].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
const ids = (records: { partition: number; offset: number }[]) =>
  records.map((r) => `${r.partition}:${r.offset}`).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/*
 * Runs every consumer's poll loop at once, collecting what each gets, until
 * `done` holds after some poll. Fails (rather than hanging) after `rounds` polls
 * of one consumer.
 */
type Got = Map<Consumer, ConsumedRecord[]>;
const of = (g: Got, c: Consumer): ConsumedRecord[] => g.get(c) ?? [];

async function pollUntil(
  consumers: Consumer[],
  done: (got: Got) => boolean | Promise<boolean>,
  into: Got = new Map(),
  rounds = 400,
): Promise<Got> {
  for (const c of consumers) if (!into.has(c)) into.set(c, []);
  let stop = false;
  await Promise.all(
    consumers.map(async (c) => {
      for (let round = 0; !stop; round++) {
        if (round === rounds) {
          stop = true;
          throw new Error(`pollUntil: not done after ${rounds} polls`);
        }
        into.get(c)!.push(...(await c.poll(50)));
        if (!stop && (await done(into))) stop = true;
      }
    }),
  );
  return into;
}

/* The group is Stable, with exactly these consumers as members, all in its generation. */
async function stable(groupId: string, consumers: Consumer[]): Promise<boolean> {
  const d = await groupStub(env, groupId).describe(groupId);
  const members = new Set(d.members.map((m) => m.memberId));
  return (
    d.state === "Stable" &&
    members.size === consumers.length &&
    consumers.every((c) => members.has(c.groupMetadata().memberId) && c.groupMetadata().generationId === d.generationId)
  );
}

/* What a consumer whose isolate died leaves behind: no more heartbeats, no commit, no leave. */
function crash(c: Consumer): void {
  const internals = c as unknown as { stopHeartbeat(): void; closed: boolean };
  internals.stopHeartbeat();
  internals.closed = true;
  open.splice(open.indexOf(c), 1);
}

describe("the spec's examples", () => {
  it("Consumer API: a request polls, logs, commits and closes", { timeout: TEST_MS }, async () => {
    const topic = fresh("orders");
    const group = fresh("order-processor");
    await createAdmin(env).createTopic({ topic, partitions: 3 });
    await createProducer(env).send({ topic, key: "order-122", value: { orderId: "122", amount: 1 } });

    /* The example's handler, as written but for the topic and group names. */
    const handler = {
      async fetch(request: Request, env: Cloudflare.Env) {
        const consumer = createConsumer(env, {
          groupId: group,
          clientId: "worker-1",
          autoCommit: true,
          fromBeginning: false,
        });

        // Subscribe to topics
        await consumer.subscribe([topic]);

        // Poll for messages
        const records = await consumer.poll(1000);

        for (const record of records) {
          console.log(`Received: ${record.key} = ${JSON.stringify(record.value)}`);
          console.log(`Topic: ${record.topic}, Partition: ${record.partition}, Offset: ${record.offset}`);
        }

        // Manual commit (if autoCommit is false)
        await consumer.commit();

        await consumer.close();

        return new Response(`Processed ${records.length} messages`);
      },
    };

    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      /* A new group starts at the end (fromBeginning: false): the first request
       * reads nothing and commits where the partitions end. */
      const first = await handler.fetch(new Request("http://kafdo/"), env);
      expect(await first.text()).toBe("Processed 0 messages");
      const marked = await committedOffsets(env, group, all(topic, 3));
      expect(marked.map((o) => o.offset).reduce((a, b) => a + b)).toBe(1);

      /* Records produced since are the next request's. */
      /* Both to one partition: a poll returns what the first partition to answer
       * has, and here that is both. */
      const sent = await createProducer(env).sendBatch([
        { topic, partition: 2, key: "order-123", value: { orderId: "123", amount: 99.99 } },
        { topic, partition: 2, key: "order-124", value: { orderId: "124", amount: 49.99 } },
      ]);
      const second = await handler.fetch(new Request("http://kafdo/"), env);
      expect(await second.text()).toBe("Processed 2 messages");
      const lines = log.mock.calls.map((c) => String(c[0]));
      expect(lines).toContain(`Received: order-123 = {"orderId":"123","amount":99.99}`);
      expect(lines).toContain(`Received: order-124 = {"orderId":"124","amount":49.99}`);
      for (const s of sent) {
        expect(lines).toContain(`Topic: ${topic}, Partition: ${s.partition}, Offset: ${s.offset}`);
      }
    } finally {
      log.mockRestore();
    }
    /* close() committed past what was read, and left the group. */
    const after = await committedOffsets(env, group, all(topic, 3));
    expect(after.map((o) => o.offset).reduce((a, b) => a + b)).toBe(3);
    expect((await groupStub(env, group).describe(group)).members).toEqual([]);
  });

  it("Using Async Iterator: yields record by record", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 3);
    const group = fresh("my-group");
    /* The group has read this topic before, from the start: its committed offsets are 0. */
    await commitOffsets(
      env,
      group,
      "",
      -1,
      all(topic, 2).map((tp) => ({ ...tp, offset: 0 })),
    );

    const seen: ConsumedRecord[] = [];
    const consumer = createConsumer(env, { groupId: group });
    open.push(consumer);
    await consumer.subscribe([topic]);

    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      for await (const record of consumer) {
        console.log(`Processing: ${record.key}`);
        // Process each record as it arrives
        seen.push(record);
        if (seen.length === 4) break;
      }
      expect(log.mock.calls.map((c) => c[0])).toEqual(seen.map((r) => `Processing: ${r.key}`));
    } finally {
      log.mockRestore();
    }
    expect(new Set(ids(seen)).size).toBe(4);
    for (const r of seen) expect(r.value).toEqual({ p: r.partition, i: r.offset });

    /* Leaving the loop leaves the consumer at the first record it did not yield:
     * the loop again yields the other two, and nothing twice. */
    for await (const record of consumer) {
      seen.push(record);
      if (seen.length === 6) break;
    }
    expect(ids(seen)).toEqual(["0:0", "0:1", "0:2", "1:0", "1:1", "1:2"]);
    await consumer.commit();
    expect((await committedOffsets(env, group, all(topic, 2))).map((o) => o.offset)).toEqual([3, 3]);
  });

  it("Rebalance Listener: told of the assignment, and of the revocation at close", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 1);
    const config: ConsumerConfig = { groupId: fresh("listener") };
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const consumer = createConsumer(env, config, {
        async onPartitionsAssigned(partitions) {
          console.log("Assigned:", partitions);
        },
        async onPartitionsRevoked(partitions) {
          console.log("Revoked:", partitions);
        },
      });
      await consumer.subscribe([topic]);
      await consumer.poll(0);
      const told = () => log.mock.calls.map(([what, partitions]) => [what, byPartition(partitions)]);
      expect(told()).toEqual([["Assigned:", all(topic, 2)]]);
      await consumer.close();
      expect(told()).toEqual([
        ["Assigned:", all(topic, 2)],
        ["Revoked:", all(topic, 2)],
      ]);
    } finally {
      log.mockRestore();
    }
  });
});

describe("a group of consumers", () => {
  it("splits a topic's partitions between two consumers, no overlap, no gap", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(4, 10);
    const groupId = fresh("split");
    const [a, b] = [consumer({ groupId, ...FAST }), consumer({ groupId, ...FAST })];
    await a.subscribe(topic);
    await b.subscribe([topic]);
    const before = await pollUntil([a, b], () => stable(groupId, [a, b]));
    const [ofA, ofB] = [a.assignment(), b.assignment()];
    expect(ofA).toHaveLength(2);
    expect(ofB).toHaveLength(2);
    expect(byPartition([...ofA, ...ofB])).toEqual(all(topic, 4));

    /* Every record once: what was read before the split was committed when the
     * partitions were revoked, and their new owner starts there. After the split
     * each reads only its own partitions. */
    const total = (g: Got) => [...g.values()].flat().length;
    const after = await pollUntil([a, b], (g) => total(before) + total(g) >= 40);
    const records = [...before.values(), ...after.values()].flat();
    expect(ids(records)).toEqual(
      ids(all(topic, 4).flatMap(({ partition }) => range(10).map((offset) => ({ partition, offset })))),
    );
    for (const [c, mine] of [
      [a, ofA],
      [b, ofB],
    ] as const) {
      const partitions = new Set(mine.map((tp) => tp.partition));
      expect(of(after, c).every((r) => partitions.has(r.partition))).toBe(true);
    }
    expect(a.assignment()).toEqual(ofA);
  });

  it(
    "hands partitions over without redelivery: what was read is committed at revocation",
    { timeout: TEST_MS },
    async () => {
      const topic = await topicWith(4, 5);
      const groupId = fresh("handover");
      const config = { groupId, ...FAST, autoCommitIntervalMs: 3_600_000 };
      const a = consumer(config);
      await a.subscribe(topic);
      const first = await pollUntil([a], (g) => of(g, a).length >= 20);
      expect(of(first, a)).toHaveLength(20);
      expect((await committedOffsets(env, groupId, all(topic, 4))).map((o) => o.offset)).toEqual([-1, -1, -1, -1]);

      const b = consumer(config);
      await b.subscribe(topic);
      const during = await pollUntil([a, b], () => stable(groupId, [a, b]));
      expect(a.assignment()).toHaveLength(2);
      expect((await committedOffsets(env, groupId, all(topic, 4))).map((o) => o.offset)).toEqual([5, 5, 5, 5]);

      await createProducer(env).sendBatch(all(topic, 4).map((tp) => ({ ...tp, value: "new" })));
      const after = await pollUntil([a, b], (g) => of(g, a).length + of(g, b).length >= 4, during);
      const records = [...of(first, a), ...after.get(a)!, ...after.get(b)!];
      expect(ids(records)).toEqual(
        ids(all(topic, 4).flatMap(({ partition }) => range(6).map((offset) => ({ partition, offset })))),
      );
    },
  );

  it("rebalances when a third consumer joins: revoked, then assigned", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(6, 0);
    const groupId = fresh("third");
    const events = new Map<string, string[]>();
    const listener = (name: string): RebalanceListener => {
      events.set(name, []);
      return {
        onPartitionsRevoked: (tps) => void events.get(name)!.push(`revoked ${tps.map((t) => t.partition).join(",")}`),
        onPartitionsAssigned: (tps) => void events.get(name)!.push(`assigned ${tps.map((t) => t.partition).join(",")}`),
      };
    };
    const a = consumer({ groupId, ...FAST }, listener("a"));
    const b = consumer({ groupId, ...FAST }, listener("b"));
    await a.subscribe(topic);
    await b.subscribe(topic);
    await pollUntil([a, b], () => stable(groupId, [a, b]));
    const held = new Map([
      [
        "a",
        a
          .assignment()
          .map((t) => t.partition)
          .join(","),
      ],
      [
        "b",
        b
          .assignment()
          .map((t) => t.partition)
          .join(","),
      ],
    ]);
    const seen = new Map([...events].map(([name, e]) => [name, e.length]));

    const c = consumer({ groupId, ...FAST }, listener("c"));
    await c.subscribe(topic);
    await pollUntil([a, b, c], () => stable(groupId, [a, b, c]));

    for (const [name, cons] of [
      ["a", a],
      ["b", b],
      ["c", c],
    ] as const) {
      expect(cons.assignment()).toHaveLength(2);
      const mine = cons
        .assignment()
        .map((t) => t.partition)
        .join(",");
      const since = events.get(name)!.slice(seen.get(name) ?? 0);
      expect(since).toEqual(name === "c" ? [`assigned ${mine}`] : [`revoked ${held.get(name)}`, `assigned ${mine}`]);
    }
    expect(byPartition([...a.assignment(), ...b.assignment(), ...c.assignment()])).toEqual(all(topic, 6));
  });

  it(
    "lets onPartitionsRevoked commit by hand, while the partitions are still assigned",
    { timeout: TEST_MS },
    async () => {
      const topic = await topicWith(4, 5);
      const groupId = fresh("manual");
      /* Kafka's manual-commit pattern: no auto-commit, commit in the revoke callback.
       * What each callback saw of its consumer, then what it committed. */
      const seen: string[] = [];
      const manual = (name: string): Consumer => {
        const c: Consumer = consumer(
          { groupId, ...FAST, autoCommit: false },
          {
            async onPartitionsRevoked(partitions) {
              const mine = byPartition(c.assignment());
              expect(mine).toEqual(byPartition(partitions));
              seen.push(`${name}: ${mine.map((tp) => `${tp.partition}@${c.position(tp)}`).join(",")}`);
              await c.commit();
            },
          },
        );
        return c;
      };
      const [a, b] = [manual("a"), manual("b")];
      await a.subscribe(topic);
      await b.subscribe(topic);
      const total = (g: Got) => [...g.values()].flat().length;
      await pollUntil([a, b], async (g) => total(g) >= 20 && (await stable(groupId, [a, b])));
      const before = seen.length;
      const held = (name: string, cons: Consumer) =>
        `${name}: ${byPartition(cons.assignment())
          .map((tp) => `${tp.partition}@5`)
          .join(",")}`;
      const expected = [held("a", a), held("b", b)];

      /* A third member: a and b give their partitions up, each committing its positions. */
      const c = manual("c");
      await c.subscribe(topic);
      await pollUntil([a, b, c], () => stable(groupId, [a, b, c]));
      expect(seen.slice(before).sort()).toEqual(expected);
      expect((await committedOffsets(env, groupId, all(topic, 4))).map((o) => o.offset)).toEqual([5, 5, 5, 5]);

      /* Nothing is read twice after the handover; close() revokes, and its callback commits. */
      await createProducer(env).sendBatch(all(topic, 4).map((tp) => ({ ...tp, value: "new" })));
      const after = await pollUntil([a, b, c], (g) => total(g) >= 4);
      expect(ids([...after.values()].flat())).toEqual(
        ids(all(topic, 4).map(({ partition }) => ({ partition, offset: 5 }))),
      );
      await Promise.all([a, b, c].map((cons) => cons.close()));
      expect((await committedOffsets(env, groupId, all(topic, 4))).map((o) => o.offset)).toEqual([6, 6, 6, 6]);
    },
  );

  it("expires a consumer that stops heartbeating and moves its partitions", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 0);
    const groupId = fresh("expiry");
    const config = { groupId, ...FAST, sessionTimeoutMs: 1000, rebalanceTimeoutMs: 1000 };
    const [a, b] = [consumer(config), consumer(config)];
    await a.subscribe(topic);
    await b.subscribe(topic);
    await pollUntil([a, b], () => stable(groupId, [a, b]));
    expect(a.assignment()).toHaveLength(1);
    const gone = b.groupMetadata().memberId;

    crash(b);
    /* The group's alarm drops b after its session; a rejoins and gets both. */
    await pollUntil([a], async () => (await stable(groupId, [a])) && a.assignment().length === 2);
    expect(byPartition(a.assignment())).toEqual(all(topic, 2));
    const d = await groupStub(env, groupId).describe(groupId);
    expect(d.members.map((m) => m.memberId)).toEqual([a.groupMetadata().memberId]);
    expect(d.members.map((m) => m.memberId)).not.toContain(gone);
  });

  it(
    "starts a new consumer of the group at the committed offsets, across a restart",
    { timeout: TEST_MS },
    async () => {
      const topic = await topicWith(1, 10);
      const groupId = fresh("resume");
      const first = consumer({ groupId, ...FAST, autoCommit: false, maxPollRecords: 4 });
      await first.subscribe(topic);
      const read = await pollUntil([first], (g) => of(g, first).length > 0);
      expect(of(read, first).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      await first.commitSync();
      await first.close();
      await evictDurableObject(env.CONSUMER_GROUP.get(env.CONSUMER_GROUP.idFromName(groupId)));

      const second = consumer({ groupId, ...FAST, fromBeginning: true });
      await second.subscribe(topic);
      const rest = await pollUntil([second], (g) => of(g, second).length >= 6);
      expect(of(rest, second).map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    },
  );

  it(
    "gives a crashed consumer's uncommitted records to the next one (at-least-once)",
    { timeout: TEST_MS },
    async () => {
      const topic = await topicWith(2, 5);
      const groupId = fresh("crash");
      const config = {
        groupId,
        ...FAST,
        sessionTimeoutMs: 1000,
        rebalanceTimeoutMs: 1000,
        autoCommitIntervalMs: 3_600_000,
      };
      const doomed = consumer(config);
      await doomed.subscribe(topic);
      const got = await pollUntil([doomed], (g) => of(g, doomed).length >= 10);
      expect(ids(of(got, doomed))).toHaveLength(10);
      crash(doomed);

      const next = consumer(config);
      await next.subscribe(topic);
      const again = await pollUntil([next], (g) => of(g, next).length >= 10);
      expect(ids(of(again, next))).toEqual(ids(of(got, doomed)));
    },
  );

  it("gives every record to each of two groups", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(3, 7);
    const one = consumer({ groupId: fresh("one"), ...FAST });
    const two = consumer({ groupId: fresh("two"), ...FAST });
    await one.subscribe(topic);
    await two.subscribe(topic);
    const got = await pollUntil([one, two], (g) => of(g, one).length >= 21 && of(g, two).length >= 21);
    expect(ids(of(got, one))).toHaveLength(21);
    expect(new Set(ids(of(got, one))).size).toBe(21);
    expect(ids(of(got, two))).toEqual(ids(of(got, one)));
  });

  it("refuses a commit and a heartbeat from a stale generation, offsets unchanged", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 10);
    const groupId = fresh("fence");
    const a = consumer({ groupId, ...FAST, autoCommit: false });
    await a.subscribe(topic);
    await pollUntil([a], () => stable(groupId, [a]));
    await a.commitSync([{ topic, partition: 0, offset: 2 }]);
    const old = a.groupMetadata();

    const b = consumer({ groupId, ...FAST, autoCommit: false });
    await b.subscribe(topic);
    await pollUntil([a, b], () => stable(groupId, [a, b]));
    expect(a.groupMetadata().memberId).toBe(old.memberId);
    expect(a.groupMetadata().generationId).toBeGreaterThan(old.generationId);

    const stale = [{ topic, partition: 0, offset: 7 }];
    const e1 = await expectKafdoError(
      () => commitOffsets(env, groupId, old.memberId, old.generationId, stale),
      "ILLEGAL_GENERATION",
    );
    expect(e1.code).toBe(22);
    await expectKafdoError(() => heartbeat(env, groupId, old.memberId, old.generationId), "ILLEGAL_GENERATION");
    await expectKafdoError(
      () => commitOffsets(env, groupId, "no-such-member", a.groupMetadata().generationId, stale),
      "UNKNOWN_MEMBER_ID",
    );
    const [p0] = await committedOffsets(env, groupId, [{ topic, partition: 0 }]);
    expect(p0!.offset).toBe(2);
    /* The current generation may commit. */
    await a.commitSync([{ topic, partition: 0, offset: 3 }]);
    expect((await committedOffsets(env, groupId, [{ topic, partition: 0 }]))[0]!.offset).toBe(3);
  });
});

describe("poll", () => {
  it("returns records produced while it waits", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 3);
    const c = consumer({ groupId: fresh("wait"), heartbeatIntervalMs: 50 });
    await c.subscribe(topic);
    await pollUntil([c], () => all(topic, 2).every((tp) => c.position(tp) === 3));
    const polling = c.poll(TEST_MS);
    await createProducer(env).send({ topic, partition: 1, key: "late", value: "arrived" });
    const records = await polling;
    expect(records.map((r) => [r.partition, r.offset, r.key, r.value])).toEqual([[1, 3, "late", "arrived"]]);
  });

  it("decodes keys, values and headers for JavaScript", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 0);
    const bad = new Uint8Array([0xff, 0xfe, 0x00]);
    await createProducer(env).sendBatch([
      { topic, key: "text", value: { a: [1, "two"] }, headers: { h: "v", raw: bad, none: null } },
      { topic, key: bad, value: new TextEncoder().encode("plain text") },
      { topic, key: null, value: bad },
      { topic, value: null },
      { topic, value: "a string" },
      { topic, value: 42 },
    ]);
    const c = consumer({ groupId: fresh("decode"), ...FAST });
    await c.subscribe(topic);
    const got = await pollUntil([c], (g) => of(g, c).length >= 6);
    const [r0, r1, r2, r3, r4, r5] = of(got, c);
    expect(r0).toEqual({
      topic,
      partition: 0,
      offset: 0,
      timestamp: r0!.timestamp,
      key: "text",
      value: { a: [1, "two"] },
      headers: { h: "v", raw: bad, none: null },
    });
    expect(r0!.headers.raw).toBeInstanceOf(Uint8Array);
    expect(r1!.key).toEqual(bad);
    expect(r1!.key).toBeInstanceOf(Uint8Array);
    expect(r1!.value).toBe("plain text");
    expect(r2!.key).toBeNull();
    expect(r2!.value).toEqual(bad);
    expect(r2!.value).toBeInstanceOf(Uint8Array);
    expect(r3!.value).toBeNull();
    expect(r4!.value).toBe("a string");
    expect(r5!.value).toBe(42);
  });

  it("returns at most maxPollRecords, shared fairly across partitions", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 10);
    const c = consumer({ groupId: fresh("max"), ...FAST, maxPollRecords: 4 });
    await c.subscribe(topic);
    const polls: ConsumedRecord[][] = [of(await pollUntil([c], (g) => of(g, c).length > 0), c)];
    const partitionsOf = (records: ConsumedRecord[]) => [...new Set(records.map((r) => r.partition))].sort();
    if (partitionsOf(polls[0]!).length === 1) {
      /* One partition's read came first. Hold it back until the other has given
       * records too: then both have records waiting, and a poll shares. */
      const first = { topic, partition: polls[0]![0]!.partition };
      c.pause([first]);
      polls.push(of(await pollUntil([c], (g) => of(g, c).length > 0), c));
      c.resume([first]);
      polls.push(await c.poll(0));
    }
    const shared = polls[polls.length - 1]!;
    expect(shared.map((r) => r.partition).sort()).toEqual([0, 0, 1, 1]);
    for (let round = 0; round < 400 && polls.flat().length < 20; round++) polls.push(await c.poll(50));
    for (const p of polls) expect(p.length).toBeLessThanOrEqual(4);
    expect(ids(polls.flat())).toEqual(
      ids(all(topic, 2).flatMap(({ partition }) => range(10).map((offset) => ({ partition, offset })))),
    );
  });

  it("reads at most MAX_READ_RECORDS at a time when maxPollRecords is larger", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 0);
    const count = MAX_READ_RECORDS + 1;
    await createProducer(env).sendBatch(range(count).map((i) => ({ topic, partition: 0, value: i })));
    const c = consumer({ groupId: fresh("big"), ...FAST, maxPollRecords: 2 * MAX_READ_RECORDS });
    await c.subscribe(topic);
    const sizes: number[] = [];
    for (let round = 0; round < 100 && sizes.reduce((n, k) => n + k, 0) < count; round++) {
      const records = await c.poll(100);
      if (records.length > 0) sizes.push(records.length);
    }
    expect(sizes).toEqual([MAX_READ_RECORDS, 1]);
    expect(c.position({ topic, partition: 0 })).toBe(count);
  });

  it("throws a read's refusal that trying again would only repeat", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 0);
    const { topicId } = await createAdmin(env).describeTopic(topic);
    /* A batch stored as it came, saying snappy over bytes that are not: it cannot be read. */
    const zipped = batchOf(2, "zipped");
    view(zipped).setInt16(ATTRIBUTES_AT, 2, false);
    await partitionStub(env, topicId, 0).append([reseal(zipped)]);
    await createProducer(env).send({ topic, partition: 0, value: "after" });

    const c = consumer({ groupId: fresh("refused"), ...FAST });
    await c.subscribe(topic);
    const tp = { topic, partition: 0 };
    await expectKafdoError(() => pollUntil([c], () => false, new Map(), 100), "CORRUPT_MESSAGE");
    expect(c.position(tp)).toBe(0);
    await expectKafdoError(() => pollUntil([c], () => false, new Map(), 100), "CORRUPT_MESSAGE");
    /* Kafka's way past a record it cannot read: seek beyond it. */
    c.seek(tp, 2);
    const got = await pollUntil([c], (g) => of(g, c).length > 0);
    expect(of(got, c).map((r) => [r.offset, r.value])).toEqual([[2, "after"]]);
  });

  it("refuses to poll before subscribing, and checks its timeout", async () => {
    const c = consumer({ groupId: fresh("nosub") });
    await expectKafdoError(() => c.poll(10), "INVALID_REQUEST");
    await c.subscribe(await topicWith(1, 0));
    await expectKafdoError(() => c.poll(-1), "INVALID_REQUEST");
  });
});

describe("positions", () => {
  it("seeks, pauses and resumes", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(2, 5);
    const c = consumer({ groupId: fresh("seek"), ...FAST });
    await c.subscribe(topic);
    await pollUntil([c], (g) => of(g, c).length >= 10);
    const [p0, p1] = all(topic, 2) as [TopicPartition, TopicPartition];

    c.seek(p0, 3);
    expect(c.position(p0)).toBe(3);
    c.pause([p1]);
    expect(c.paused()).toEqual([p1]);
    c.seek(p1, 0);
    const afterSeek = await pollUntil([c], (g) => of(g, c).length >= 2);
    expect(of(afterSeek, c).map((r) => [r.partition, r.offset])).toEqual([
      [0, 3],
      [0, 4],
    ]);

    c.resume([p1]);
    expect(c.paused()).toEqual([]);
    const resumed = await pollUntil([c], (g) => of(g, c).length >= 5);
    expect(of(resumed, c).map((r) => [r.partition, r.offset])).toEqual([0, 1, 2, 3, 4].map((o) => [1, o]));

    expect(() => c.seek({ topic, partition: 9 }, 0)).toThrow(/not assigned/);
    expect(() => c.seek(p0, -1)).toThrow(/offset/);
    expect(() => c.pause([{ topic: "elsewhere", partition: 0 }])).toThrow(/not assigned/);
  });

  it("resets a committed offset outside the log, as auto.offset.reset does", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 4);
    const early = fresh("reset-early");
    const late = fresh("reset-late");
    for (const g of [early, late]) await commitOffsets(env, g, "", -1, [{ topic, partition: 0, offset: 1000 }]);

    const fromStart = consumer({ groupId: early, ...FAST, fromBeginning: true });
    await fromStart.subscribe(topic);
    const got = await pollUntil([fromStart], (g) => of(g, fromStart).length >= 4);
    expect(of(got, fromStart).map((r) => r.offset)).toEqual([0, 1, 2, 3]);

    const fromEnd = consumer({ groupId: late, ...FAST, fromBeginning: false });
    await fromEnd.subscribe(topic);
    await pollUntil([fromEnd], () => fromEnd.position({ topic, partition: 0 }) === 4);
  });

  it(
    "commits positions with commit(), exactly what is given with commitSync(offsets)",
    { timeout: TEST_MS },
    async () => {
      const topic = await topicWith(2, 3);
      const groupId = fresh("commit");
      const c = consumer({ groupId, ...FAST, autoCommit: false });
      await c.subscribe(topic);
      await pollUntil([c], () => all(topic, 2).every((tp) => c.position(tp) === 3));
      await c.commitSync([{ topic, partition: 1, offset: 1, metadata: "half" }]);
      const some = await committedOffsets(env, groupId, all(topic, 2));
      expect(some.map((o) => [o.partition, o.offset, o.metadata])).toEqual([
        [0, -1, ""],
        [1, 1, "half"],
      ]);
      await c.commit();
      expect((await committedOffsets(env, groupId, all(topic, 2))).map((o) => o.offset)).toEqual([3, 3]);
      await expectKafdoError(() => c.commitSync([{ topic, partition: 0, offset: -5 }]), "INVALID_REQUEST");
    },
  );

  it("auto-commits on close", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 3);
    const groupId = fresh("autoclose");
    const c = consumer({ groupId, ...FAST, autoCommitIntervalMs: 3_600_000 });
    await c.subscribe(topic);
    await pollUntil([c], () => c.position({ topic, partition: 0 }) === 3);
    expect((await committedOffsets(env, groupId, [{ topic, partition: 0 }]))[0]!.offset).toBe(-1);
    await c.close();
    expect((await committedOffsets(env, groupId, [{ topic, partition: 0 }]))[0]!.offset).toBe(3);
  });
});

describe("the consumer's life", () => {
  it("refuses a config without a group id, and a topic name the core refuses", async () => {
    expect(() => createConsumer(env, {} as ConsumerConfig)).toThrow(
      expect.objectContaining({ name: "INVALID_GROUP_ID" }),
    );
    expect(() => createConsumer(env, { groupId: "g", heartbeatIntervalMs: 5000, sessionTimeoutMs: 1000 })).toThrow(
      expect.objectContaining({ name: "INVALID_REQUEST" }),
    );
    const c = consumer({ groupId: fresh("names") });
    await expectKafdoError(() => c.subscribe(["bad name!"]), "INVALID_TOPIC_EXCEPTION");
    await c.subscribe(["not-created-yet", fresh("absent")]);
    expect(c.subscription()).toHaveLength(2);
    expect(await c.poll(0)).toEqual([]);
    expect(c.assignment()).toEqual([]);
  });

  it("leaves the group on unsubscribe, telling the listener", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 0);
    const groupId = fresh("unsub");
    const revoked: TopicPartition[][] = [];
    const c = consumer({ groupId, ...FAST }, { onPartitionsRevoked: (tps) => void revoked.push(tps) });
    await c.subscribe(topic);
    await pollUntil([c], () => stable(groupId, [c]));
    await c.unsubscribe();
    expect(revoked).toEqual([all(topic, 1)]);
    expect(c.assignment()).toEqual([]);
    expect((await groupStub(env, groupId).describe(groupId)).members).toEqual([]);
    await expectKafdoError(() => c.poll(0), "INVALID_REQUEST");
  });

  it("ends the async iterator when closed, and refuses calls after close", { timeout: TEST_MS }, async () => {
    const topic = await topicWith(1, 0);
    const groupId = fresh("closing");
    let joined!: () => void;
    const assigned = new Promise<void>((resolve) => (joined = resolve));
    const c = consumer({ groupId, ...FAST }, { onPartitionsAssigned: () => joined() });
    await c.subscribe(topic);
    const seen: ConsumedRecord[] = [];
    const loop = (async () => {
      for await (const record of c) seen.push(record);
    })();
    /* The loop is a member, waiting for records; closing ends it. */
    await assigned;
    await c.close();
    await loop;
    expect(seen).toEqual([]);
    await c.close();
    await expectKafdoError(() => c.poll(0), "INVALID_REQUEST");
    await expectKafdoError(() => c.subscribe(topic), "INVALID_REQUEST");
    await expectKafdoError(() => c.commit(), "INVALID_REQUEST");
  });
});
