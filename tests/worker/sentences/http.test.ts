/*
 * The sentences over HTTP: kafdo/client's kafkaOver(client), with the client's fetch
 * this Worker's own REST front (exports.default.fetch), as tests/worker/client/ does.
 * The same grammar and meanings as the Worker's `kafka`; each call is a REST request.
 * Topic and group names are interpolated (fresh per run: other files share the storage).
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoClient, KafdoClientError, kafkaOver } from "kafdo/client";

const client = new KafdoClient({
  baseUrl: "http://kafdo.test",
  fetch: (input, init) => exports.default.fetch(input, init),
});
const kafka = kafkaOver(client);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let names = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now()}-${names++}`;

async function refusedWith(run: () => PromiseLike<unknown>, code: string): Promise<void> {
  const caught = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(caught).toBeInstanceOf(KafdoClientError);
  expect((caught as KafdoClientError).code).toBe(code);
}

describe("kafkaOver(client): the sentences over HTTP", { timeout: 30_000 }, () => {
  it("administers topics", async () => {
    const topic = fresh("http-orders");
    expect(await kafka`create topic ${topic} with 3 partitions`).toMatchObject({ topic, partitions: 3 });
    const info = await kafka`describe ${topic}`;
    expect(info.partitions).toBe(3);
    expect(await kafka`add 3 partitions to ${topic}`).toMatchObject({ partitions: 6 });
    const set = await kafka`set ${topic} retention to 30 days`;
    expect(set.config["retention.ms"]).toBe(String(30 * 86_400_000));
    const logs = fresh("http-logs");
    expect((await kafka`create topic ${logs} with 7-day retention`).config["retention.ms"]).toBe(
      String(7 * 86_400_000),
    );
    expect(await kafka`list topics`).toEqual(expect.arrayContaining([topic, logs]));
    await kafka`delete topic ${logs}`;
    expect(await kafka`list topics`).not.toContain(logs);
    await refusedWith(() => kafka`describe ${logs}`, "UNKNOWN_TOPIC_OR_PARTITION");
    /* An interpolated name holding a sentence is one (invalid) name: nothing is created. */
    await refusedWith(() => kafka`create topic ${`${logs} with 3 partitions`}`, "INVALID_TOPIC_EXCEPTION");
    expect(await kafka`list topics`).not.toContain(logs);
  });

  it("produces, reads from the beginning and since a time, consumes in a group, describes and resets it", async () => {
    const topic = fresh("http-events");
    const group = fresh("http-group");
    await kafka`create topic ${topic} with 2 partitions`;
    const now = Date.now();
    await kafka`${topic}`.produce({ n: 0 }, { partition: 0, timestamp: now - 3 * 3_600_000 });
    expect(await kafka`${topic}`.produceBatch([{ n: 1 }, { n: 2 }])).toHaveLength(2);
    expect(await kafka`send payment confirmed to ${topic}`).toMatchObject({ topic });

    const all: unknown[] = [];
    for await (const record of kafka`${topic} from beginning`) if (all.push(record.value) === 4) break;
    expect(all).toEqual(expect.arrayContaining([{ n: 0 }, { n: 1 }, { n: 2 }, "payment confirmed"]));

    const recent: unknown[] = [];
    for await (const record of kafka`${topic} since 2 hours ago`) if (recent.push(record.value) === 3) break;
    expect(recent).not.toContainEqual({ n: 0 });

    /* A new group starts at the end, so it is fed while its loop runs. */
    let stop = false;
    const feeding = (async () => {
      for (let i = 0; !stop; i++) {
        await kafka`${topic}`.produce({ live: i });
        await sleep(100);
      }
    })();
    const seen: unknown[] = [];
    for await (const record of kafka`consume from ${topic} group ${group}`) {
      if (seen.push(record.value) === 2) break;
    }
    stop = true;
    await feeding;
    expect(seen).toEqual([
      expect.objectContaining({ live: expect.any(Number) }),
      expect.objectContaining({ live: expect.any(Number) }),
    ]);

    /* Leaving the loop committed what it received and left the group. */
    const status = await kafka`describe group ${group}`;
    expect(status.members).toBe(0);
    expect(status.description.offsets.some((o: { offset: number }) => o.offset > 0)).toBe(true);

    const reset = await kafka`reset group ${group} to earliest`;
    expect(reset.offsets).toEqual([
      { topic, partition: 0, offset: 0 },
      { topic, partition: 1, offset: 0 },
    ]);
    const latest = await client.admin().listOffsets(topic);
    const total = [...latest.values()].reduce((n, o) => n + o.latest, 0);
    expect((await kafka`describe group ${group}`).lag).toBe(total);
    const toTime = await kafka`reset group ${group} to ${new Date(now - 3_600_000)}`;
    expect(toTime.offsets.find((o: { partition: number }) => o.partition === 0).offset).toBe(1);
  });

  it("refuses what it does not understand before any request", () => {
    expect(() => kafka`please describe ${"orders"} nicely`).toThrow(/The sentences understood are/);
    expect(() => kafka`orders group g since yesterday`).toThrow(/reset group g to <time>/);
  });
});

describe("kafkaOver(client): leaving a group loop", { timeout: 30_000 }, () => {
  it("commits through the last record received, not the rest of its fetch, and the next loop goes on from there", async () => {
    const topic = fresh("http-resume");
    const group = fresh("http-resume-group");
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
