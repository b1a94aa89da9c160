/*
 * A slow subscriber, in workerd: an event stream (GET /topics/:topic/subscribe,
 * Accept: text/event-stream) that is never read fills its buffer (bufferBytes), is
 * told SLOW_SUBSCRIBER and dropped 2 s later, and the producer never waits for it.
 *
 * This is shown here rather than only end to end because here nothing lies between
 * the Worker's stream and its reader: over wrangler dev, the kernel's TCP buffers of
 * two connections (its proxy's and the client's) take what the Worker writes, and they
 * may hold more than a test produces (Linux grows a receive buffer up to tcp_rmem's
 * maximum), so there a subscriber that does not read is not always a slow one
 * (tests/e2e/subscribe.test.mjs says more).
 */
import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createAdmin, createProducer } from "../../../worker/api";
import { SLOW_SUBSCRIBER_MS } from "../../../worker/subscriptions/follow";

const RECORDS = 20;
const big = "x".repeat(60_000);

/* The events of an event stream's text, as [event, data] pairs. */
function events(text: string): Array<[string, any]> {
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      const field = (name: string) =>
        block
          .split("\n")
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      return [field("event") ?? "message", JSON.parse(field("data")!)];
    });
}

it("an event stream never read is told SLOW_SUBSCRIBER and closed; the producer is not held up", async () => {
  const topic = `sub-slow-${Date.now()}`;
  await createAdmin(env).createTopic({ topic, partitions: 1 });
  const res = await exports.default.fetch(`http://kafdo.test/topics/${topic}/subscribe?bufferBytes=65536`, {
    headers: { accept: "text/event-stream" },
  });
  expect(res.status).toBe(200);

  const producer = createProducer(env);
  const started = Date.now();
  for (let i = 0; i < RECORDS; i++) await producer.send({ topic, partition: 0, value: JSON.stringify({ big, i }) });
  const produced = Date.now() - started;
  await producer.close();
  /* The producer did not wait for the subscriber's buffer (which stays full for 2 s before the drop). */
  expect(produced).toBeLessThan(SLOW_SUBSCRIBER_MS);

  /* Long enough for the drop, then read what the stream holds: records in order, then the error, then its end. */
  await new Promise((r) => setTimeout(r, SLOW_SUBSCRIBER_MS + 3000));
  const got = events(await res.text());
  const last = got.pop()!;
  expect(last[0]).toBe("error");
  expect(last[1].error.code).toBe("SLOW_SUBSCRIBER");
  expect(got.length).toBeLessThan(RECORDS);
  expect(got.map(([event, data]) => [event, data.offset])).toEqual(got.map((_, i) => ["record", i]));
}, 30_000);
