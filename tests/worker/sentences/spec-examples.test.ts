/*
 * kafka-do-README.md's "Topic Administration", "Producing Messages", "Consuming
 * Messages" and "Consumer Groups" examples, run as written (prettier adds semicolons and
 * double quotes) with `import { kafka } from "kafdo"` in a Worker: its bindings are this
 * Worker's, from cloudflare:workers. What the spec leaves open is set up around them: the
 * loops break once they have what the test looks for, `analytics` and `reprocess` are
 * local functions, and a group that starts at the latest offset is fed by a producer
 * running beside it. The file's tests run in order over one storage: administration
 * first creates `orders`.
 */
import { describe, expect, it } from "vitest";
import { createAdmin, kafka } from "kafdo";
import { env } from "cloudflare:workers";
import { expectKafdoError } from "../helpers";

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/* Runs `loop` while a producer adds an order to `topic` every 100 ms: a group with no
 * committed offsets starts at the end, so its loop sees only what comes after it joins. */
async function whileProducing<T>(topic: string, loop: () => Promise<T>): Promise<T> {
  let stop = false;
  let n = 0;
  const producing = (async () => {
    while (!stop) {
      await kafka`${topic}`.produce({ orderId: `live-${n++}`, amount: 1 });
      await sleep(100);
    }
  })();
  try {
    return await loop();
  } finally {
    stop = true;
    await producing;
  }
}

/* Every record of `topic`, read from the beginning without a group. */
async function everything(topic: string): Promise<unknown[]> {
  const high = [...(await createAdmin(env).listOffsets(topic)).values()].reduce((n, o) => n + o.latest - o.earliest, 0);
  const values: unknown[] = [];
  if (high === 0) return values;
  for await (const record of kafka`${topic} from beginning`) {
    values.push(record.value);
    if (values.length === high) break;
  }
  return values;
}

describe("kafka-do-README.md's sentences in a Worker", { timeout: 30_000 }, () => {
  it("Topic Administration", async () => {
    await kafka`create topic old-events`; /* for `delete topic old-events` below */
    const logged: string[] = [];
    const console = { log: (line: string) => logged.push(line) };

    // ---- as written ----
    // Create topics naturally
    await kafka`create topic orders with 3 partitions`;
    await kafka`create topic logs with 7-day retention`;
    // ---- `create topic events partitioned by user_id`: refused, see below ----

    // Describe topics
    const info = await kafka`describe orders`;
    console.log(`Partitions: ${info.partitions}`);

    // Modify topics
    await kafka`add 3 partitions to orders`;
    await kafka`set orders retention to 30 days`;

    // List and manage
    const topics = await kafka`list topics`;
    await kafka`delete topic old-events`;
    // ---- end ----

    expect(logged).toEqual(["Partitions: 3"]);
    const admin = createAdmin(env);
    const orders = await admin.describeTopic("orders");
    expect(orders.partitions).toHaveLength(6);
    expect(orders.config["retention.ms"]).toBe(String(30 * DAY));
    expect((await admin.describeTopic("logs")).config["retention.ms"]).toBe(String(7 * DAY));
    expect(topics).toEqual(expect.arrayContaining(["orders", "logs", "old-events"]));
    expect(await admin.listTopics()).not.toContain("old-events");
    expect(await kafka`describe topic orders`).toMatchObject({ topic: "orders", partitions: 6 });

    /* Kafka topics have no partitioning field: the sentence is refused and creates nothing. */
    expect(() => kafka`create topic events partitioned by user_id`).toThrow(/no partitioning field/);
    expect(await admin.listTopics()).not.toContain("events");
  });

  it("Producing Messages", async () => {
    const sent: unknown[] = [];
    const capture = async (p: PromiseLike<unknown>) => sent.push(await p);

    // ---- as written (each sentence's answer kept) ----
    // Just say it
    await capture(kafka`stream order 123 to orders topic`);
    await capture(kafka`produce user signup to events`);
    await capture(kafka`send payment confirmed to transactions`);

    // Natural with data
    await capture(kafka`orders`.produce({ orderId: "123", amount: 99.99 }));
    await capture(kafka`events`.produce({ type: "signup", userId: "u-456" }));

    // Batch naturally
    await capture(
      kafka`orders`.produceBatch([
        { orderId: "124", amount: 49.99 },
        { orderId: "125", amount: 149.99 },
      ]),
    );
    // ---- end ----

    expect(sent[0]).toMatchObject({ topic: "orders", offset: expect.any(Number) });
    expect(sent[5]).toHaveLength(2);
    expect(await everything("events")).toEqual(
      expect.arrayContaining(["user signup", { type: "signup", userId: "u-456" }]),
    );
    expect(await everything("transactions")).toEqual(["payment confirmed"]);
    const orders = await everything("orders");
    expect(orders).toHaveLength(4);
    expect(orders).toEqual(
      expect.arrayContaining([
        "order 123",
        { orderId: "123", amount: 99.99 },
        { orderId: "124", amount: 49.99 },
        { orderId: "125", amount: 149.99 },
      ]),
    );
  });

  it("Consuming Messages", async () => {
    const logged: unknown[] = [];
    const console = { log: (line: unknown) => logged.push(line) };
    const tracked: unknown[] = [];
    const analytics = { track: async (value: unknown) => void tracked.push(value) };
    const reprocessed: unknown[] = [];
    const reprocess = async (record: { value: unknown }) => void reprocessed.push(record.value);

    await whileProducing("orders", async () => {
      // ---- as written, each loop left (break) once it has had three records ----
      // Consume with natural language
      for await (const record of kafka`consume orders as order-processor`) {
        console.log(`Order: ${record.value.orderId}`);
        if (logged.length === 3) break;
      }

      // Consumer groups are just words
      for await (const record of kafka`orders group analytics-team`) {
        await analytics.track(record.value);
        if (tracked.length === 3) break;
      }
    });

    // Start from beginning
    for await (const record of kafka`orders from beginning`) {
      await reprocess(record);
      if (reprocessed.length === 4) break;
    }

    // Replay from timestamp
    for await (const record of kafka`orders since yesterday`) {
      console.log(record);
      if (logged.length === 4) break;
    }
    // ---- end ----

    expect(logged.slice(0, 3)).toEqual([
      expect.stringMatching(/^Order: live-\d+$/),
      expect.stringMatching(/^Order: live-\d+$/),
      expect.stringMatching(/^Order: live-\d+$/),
    ]);
    expect(tracked.map((v) => (v as { orderId: string }).orderId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^live-/)]),
    );
    expect(reprocessed).toHaveLength(4);
    expect(logged[3]).toMatchObject({ topic: "orders", timestamp: expect.any(Number) });

    /* Leaving each group loop committed what it had received and left the group. */
    for (const group of ["order-processor", "analytics-team"]) {
      const d = await createAdmin(env).describeGroup(group);
      expect(d.members).toEqual([]);
      expect(d.offsets.some((o) => o.offset > 0)).toBe(true);
    }
  });

  it("replays from a time: ListOffsets by timestamp in each partition", async () => {
    const now = Date.now();
    await kafka`create topic replay with 2 partitions`;
    for (const [ago, name] of [
      [3 * DAY, "old"],
      [3 * 3_600_000, "three hours"],
      [0, "new"],
    ] as const) {
      for (const partition of [0, 1])
        await kafka`replay`.produce(`${name} ${partition}`, { partition, timestamp: now - ago });
    }
    const since = async (sentence: AsyncIterable<{ value: unknown }>, expected: number) => {
      const values: unknown[] = [];
      for await (const r of sentence) if (values.push(r.value) === expected) break;
      return values.sort();
    };
    expect(await since(kafka`replay since 2 hours ago`, 2)).toEqual(["new 0", "new 1"]);
    expect(await since(kafka`replay since ${new Date(now - 4 * 3_600_000)}`, 4)).toEqual([
      "new 0",
      "new 1",
      "three hours 0",
      "three hours 1",
    ]);
    const iso = new Date(now - 5 * DAY).toISOString();
    expect(await since(kafka`replay since ${iso}`, 6)).toHaveLength(6);
    /* Nothing that late: each partition starts at its end, so only what comes next is read. */
    const later = (async () => {
      await sleep(300);
      await kafka`replay`.produce("later", { partition: 1 });
    })();
    expect(await since(kafka`replay since ${now + DAY}`, 1)).toEqual(["later"]);
    await later;
  });

  it("Consumer Groups", async () => {
    const logged: string[] = [];
    const console = { log: (line: string) => logged.push(line) };
    let received = 0;

    await whileProducing("orders", async () => {
      // ---- as written, the loop left (break) after its first record ----
      // Consumer groups are automatic
      for await (const msg of kafka`orders group my-processor`) {
        // Automatic partition assignment
        // Automatic offset commits
        // Automatic rebalancing
        expect(msg.topic).toBe("orders");
        if (++received === 1) break;
      }
    });

    // Check group status
    const status = await kafka`describe group my-processor`;
    console.log(`Members: ${status.members}, Lag: ${status.lag}`);

    // Reset offsets naturally
    await kafka`reset group my-processor to earliest`;
    // ---- end (`to yesterday 9am` below) ----

    expect(logged).toEqual([expect.stringMatching(/^Members: 0, Lag: \d+$/)]);
    const offsets = await createAdmin(env).listOffsets("orders");
    const total = [...offsets.values()].reduce((n, o) => n + o.latest - o.earliest, 0);
    const reset = await kafka`describe group my-processor`;
    expect(reset.lag).toBe(total);
    expect(reset.description.offsets).toHaveLength(6);
    expect(reset.description.offsets.every((o: { offset: number }) => o.offset === 0)).toBe(true);

    // ---- as written ----
    await kafka`reset group my-processor to yesterday 9am`;
    // ---- end ----
    /* Every record of orders is from today: the first offset at or after yesterday 9am is 0. */
    expect((await kafka`describe group my-processor`).lag).toBe(total);
    await kafka`reset group my-processor to latest`;
    expect((await kafka`describe group my-processor`).lag).toBe(0);

    /* A time reset moves each partition to its first record at or after the time. */
    const moved = await kafka`reset group my-processor for replay to 2 hours ago`;
    expect(moved.offsets).toEqual([
      { topic: "replay", partition: 0, offset: 2 },
      { topic: "replay", partition: 1, offset: 2 },
    ]);
  });
});

describe("bad sentences change nothing", { timeout: 30_000 }, () => {
  it("a grammar refusal throws at the tag", () => {
    expect(() => kafka`please delete everything`).toThrow(/The sentences understood are/);
  });

  it("interpolated names are names, refused by the core when they are not topic names", async () => {
    const before = await kafka`list topics`;
    await expectKafdoError(() => kafka`create topic ${"logs with 3 partitions"}`, "INVALID_TOPIC_EXCEPTION");
    await expectKafdoError(() => kafka`delete topic ${"orders delete topic logs"}`, "INVALID_TOPIC_EXCEPTION");
    await expectKafdoError(() => kafka`describe ${"orders with 3 partitions"}`, "INVALID_TOPIC_EXCEPTION");
    expect(await kafka`list topics`).toEqual(before);
    expect((await createAdmin(env).describeTopic("orders")).partitions).toHaveLength(6);
  });

  it("unknown topics and groups, and a reset of a group with members", async () => {
    await expectKafdoError(() => kafka`describe no-such-topic`, "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => kafka`add 1 partition to no-such-topic`, "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => kafka`describe group no-such-group`, "GROUP_ID_NOT_FOUND");
    await expectKafdoError(() => kafka`reset group no-such-group to earliest`, "GROUP_ID_NOT_FOUND");

    /* While a loop is inside the group, its offsets cannot be reset. */
    await whileProducing("orders", async () => {
      for await (const _ of kafka`orders group busy-group`) {
        await expectKafdoError(() => kafka`reset group busy-group to earliest`, "NON_EMPTY_GROUP");
        break;
      }
    });
  });

  it("a sentence used the wrong way says how to use it", async () => {
    await expectKafdoError(() => kafka`orders`, "INVALID_REQUEST");
    expect(() => kafka`list topics`[Symbol.asyncIterator]()).toThrow(/is an action/);
    await expectKafdoError(() => kafka`orders group g`.produce(1), "INVALID_REQUEST");
    await expectKafdoError(() => kafka`orders from beginning`.produceBatch([1]), "INVALID_REQUEST");
  });
});

describe("when an action runs", { timeout: 30_000 }, () => {
  it("when first awaited, and once however often it is awaited", async () => {
    const topic = `lazy-${Date.now()}`;
    const create = kafka`create topic ${topic}`;
    expect(await kafka`list topics`).not.toContain(topic);
    const [a, b] = await Promise.all([create, create]);
    expect(a).toBe(b);
    expect(await create).toMatchObject({ topic, partitions: 1 });
    expect(await kafka`list topics`).toContain(topic);
  });
});

describe("leaving a group loop in a Worker", { timeout: 30_000 }, () => {
  it("commits through the last record received, and the next loop goes on from there", async () => {
    const topic = `resume-${Date.now()}`;
    const group = `${topic}-group`;
    await kafka`create topic ${topic}`;
    await kafka`${topic}`.produceBatch([1, 2, 3, 4, 5]);
    const first: unknown[] = [];
    for await (const r of kafka`${topic} group ${group} from beginning`) if (first.push(r.value) === 2) break;
    expect(first).toEqual([1, 2]);
    expect((await kafka`describe group ${group}`).description.offsets).toMatchObject([
      { partition: 0, offset: 2, lag: 3 },
    ]);
    const next: unknown[] = [];
    for await (const r of kafka`${topic} group ${group}`) if (next.push(r.value) === 3) break;
    expect(next).toEqual([3, 4, 5]);
    expect((await kafka`describe group ${group}`).lag).toBe(0);
  });
});
