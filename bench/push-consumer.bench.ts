/*
 * push-consumer.bench.ts — records/s of a push consumer (a subscription whose
 * target is a second Worker behind a service binding: PUSH_TARGET, the fixture
 * tests/worker/fixtures/push-target.mjs, which only acknowledges) beside the
 * in-Worker consumer's (createConsumer, poll, commitSync after each poll), over the
 * same records, in workerd with real Durable Object SQLite. Prints figures; never
 * passes or fails on time.
 *
 *   npx vitest run --config bench/push-consumer.config.ts
 *
 * Each figure is N records over 4 partitions (100-byte JSON values, produced
 * untimed) over the time from the subscription (or the consumer) starting to the
 * last record acknowledged (or polled and committed).
 */
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { createAdmin, createConsumer, createProducer } from "../worker/api";
import {
  createWebhookSubscription,
  deleteWebhookSubscription,
  describeWebhookSubscription,
} from "../worker/integrations";

const N = 20000;
const PARTITIONS = 4;
let names = 0;
const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${names++}`;

async function filled(): Promise<string> {
  const topic = fresh("bench-push");
  await createAdmin(env).createTopic({ topic, partitions: PARTITIONS });
  const producer = createProducer(env);
  const pad = "x".repeat(80);
  for (let start = 0; start < N; start += 1000) {
    await producer.sendBatch(
      Array.from({ length: Math.min(1000, N - start) }, (_, j) => ({
        topic,
        partition: (start + j) % PARTITIONS,
        value: { i: start + j, pad },
      })),
    );
  }
  await producer.close();
  return topic;
}

const perSecond = (n: number, ms: number) =>
  `${Math.round((n * 1000) / ms).toLocaleString("en")} records/s (${n} in ${ms} ms)`;

async function pushConsumer(settings: Record<string, unknown>): Promise<number> {
  const topic = await filled();
  const groupId = fresh("bench-push-group");
  const t0 = Date.now();
  await createWebhookSubscription(env, {
    groupId,
    topic,
    target: { type: "service", binding: "PUSH_TARGET" },
    ...settings,
  });
  for (;;) {
    const { status } = await describeWebhookSubscription(env, groupId);
    if (status.delivered >= N) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = Date.now() - t0;
  await deleteWebhookSubscription(env, groupId);
  return ms;
}

async function inWorkerConsumer(): Promise<number> {
  const topic = await filled();
  const t0 = Date.now();
  const consumer = createConsumer(env, {
    groupId: fresh("bench-inworker"),
    fromBeginning: true,
    autoCommit: false,
    maxPollRecords: 500,
  });
  await consumer.subscribe(topic);
  let got = 0;
  while (got < N) {
    const records = await consumer.poll(1000);
    got += records.length;
    if (records.length > 0) await consumer.commitSync();
  }
  const ms = Date.now() - t0;
  await consumer.close();
  return ms;
}

it("push consumer vs in-Worker consumer throughput", async () => {
  const lines = [
    `in-Worker consumer (poll 500, commitSync per poll):        ${perSecond(N, await inWorkerConsumer())}`,
    `push consumer (service target, batches of <= 500, unbounded): ${perSecond(N, await pushConsumer({ maxPollRecords: 500 }))}`,
    `push consumer (service target, batches of <= 500, concurrency 1): ${perSecond(N, await pushConsumer({ maxPollRecords: 500, concurrency: 1 }))}`,
    `push consumer (service target, batches of <= 100, default):  ${perSecond(N, await pushConsumer({}))}`,
  ];
  console.log(`\nPush consumers, ${N} records over ${PARTITIONS} partitions (workerd, local):\n${lines.join("\n")}`);
});
