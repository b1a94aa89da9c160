/*
 * Windows over event time, checked against a reference computation written here from
 * the rule alone (windows.ts's header): random event times, some late within the
 * grace period (counted) and some beyond it (dropped), tumbling and hopping.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer, kafka, stream } from "kafdo";
import { expectKafdoError } from "../helpers";
import { contents } from "./topic-contents";
import { events, MINUTE, random, reference, SECOND, type Event } from "./window-reference.mjs";

let n = 0;
async function topicWith(input: Event[], partitions: (e: Event, i: number) => number, count = 1): Promise<string> {
  const topic = `window-in-${n++}`;
  await createAdmin(env).createTopic({ topic, partitions: count });
  const producer = createProducer(env);
  await producer.sendBatch(input.map((e, i) => ({ topic, partition: partitions(e, i), value: e, timestamp: e.ts })));
  await producer.close();
  return topic;
}

/* What the windowed count wrote, each (user, window) once. */
async function counted(topic: string, size: number): Promise<Map<string, number>> {
  const got = new Map<string, number>();
  for (const r of await contents(topic)) {
    const v = r.value as { key: string; windowStart: number; windowEnd: number; count: number };
    const id = `${v.key}@${v.windowStart}`;
    expect(got.has(id), `${id} emitted twice`).toBe(false);
    expect(v.windowEnd - v.windowStart).toBe(size);
    got.set(id, v.count);
  }
  return got;
}

describe("windows against the reference", { timeout: 60_000 }, () => {
  for (const [name, size, advance, grace] of [
    ["tumbling, 20 s grace", MINUTE, MINUTE, 20 * SECOND],
    ["tumbling, no grace", MINUTE, MINUTE, 0],
    ["hopping 1 min by 20 s, 20 s grace", MINUTE, 20 * SECOND, 20 * SECOND],
  ] as const) {
    it(`${name}: late records within grace counted, beyond it dropped`, async () => {
      const input = events(600, 7 + size + advance + grace);
      const topic = await topicWith(input, () => 0);
      const out = `${topic}-out`;
      await stream(env, topic)
        .window(size, { advance, grace })
        .groupBy((e: Event) => e.user)
        .count()
        .to(out);
      const expected = reference(input, size, advance, grace);
      const got = await counted(out, size);
      expect(got).toEqual(expected);
      /* the data does have records dropped as late, and late ones counted */
      const total = [...expected.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeLessThan((input.length * size) / advance);
      if (grace > 0) expect(reference(input, size, advance, 0)).not.toEqual(expected);
    });
  }

  it("over 3 partitions, each in time order: taken in event-time order, none late", async () => {
    const input = events(900, 99).sort((a, b) => a.ts - b.ts);
    const next = random(5);
    const topic = await topicWith(input, () => Math.floor(next() * 3), 3);
    const out = `${topic}-out`;
    await kafka`${topic}`
      .window(`1 minute`)
      .groupBy((e: Event) => e.user)
      .count()
      .to(out);
    expect(await counted(out, MINUTE)).toEqual(reference(input, MINUTE, MINUTE, 0));
    const total = [...(await counted(out, MINUTE)).values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(input.length);
  });

  it("a window duration that does not parse: INVALID_CONFIG, and nothing runs", async () => {
    const topic = await topicWith(events(10, 1), () => 0);
    const refusals: [string | number, object?][] = [
      ["5 minutez"],
      ["five minutes"],
      [0],
      ["-5 minutes"],
      [1.5],
      ["5 minutes", { grace: "soon" }],
      ["1 minute", { advance: "2 minutes" }],
    ];
    for (const [size, options] of refusals) {
      const err = await expectKafdoError(
        () =>
          kafka`${topic}`
            .window(size as string, options)
            .groupBy((e: Event) => e.user)
            .count()
            .to(`${topic}-never`),
        "INVALID_CONFIG",
      );
      expect(err.message).toMatch(/window/);
    }
    await expectKafdoError(() => createAdmin(env).describeTopic(`${topic}-never`), "UNKNOWN_TOPIC_OR_PARTITION");
  });
});
