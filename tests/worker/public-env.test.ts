/*
 * The public entry points take the README's Env ("Environment Type"), declared
 * below as written there: three untyped DurableObjectNamespace bindings. This file
 * is as much a type test as a run: `npm run typecheck` compiles it, and fails if an
 * entry point goes back to wanting each namespace typed by its Durable Object class,
 * which the README's Env's are not.
 *
 * At run time the env is the test Worker's own, cast to the README's Env (through
 * unknown: TypeScript casts no DurableObjectNamespace<TopicPartitionDO> to an untyped
 * one directly), as a user's Worker would see it; records go through each path and
 * are read back.
 */
import { createMessageBatch, createExecutionContext, getQueueResult } from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createConsumer, createProducer, partitionOffsets, readPartition } from "kafdo";
import type { KafdoBindings } from "kafdo";
import {
  KafdoPipeline,
  R2EventBridge,
  createCollectionTopicPipeline,
  createDatabaseTopicPipeline,
  createFixedTopicPipeline,
  createKafdoPipeline,
  createR2EventBridge,
  handleR2Queue,
  listWebhookSubscriptions,
  receiveWebhook,
  webhookConfigFromEnv,
} from "kafdo/integrations";
import kafdoWorker from "kafdo/worker";

// ---- kafdo-README.md, "Environment Type", as written ----
interface Env {
  TOPIC_PARTITION: DurableObjectNamespace;
  CONSUMER_GROUP: DurableObjectNamespace;
  CLUSTER_METADATA: DurableObjectNamespace;
}
// ---- end ----

const env = workerEnv as unknown as Env;

let names = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${names++}`;

describe("the README's Env", () => {
  it("is a KafdoBindings, the type every entry point takes", () => {
    const bindings: KafdoBindings = env;
    expect(bindings.TOPIC_PARTITION).toBe(workerEnv.TOPIC_PARTITION);
  });

  it("produces, reads and consumes with createProducer, createAdmin, createConsumer", async () => {
    const topic = fresh("readme-env");
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    const producer = createProducer(env);
    const sent = await producer.send({ topic, key: "k", value: { n: 1 } });
    await producer.close();
    expect(sent.offset).toBe(0);

    const read = await readPartition(env, topic, 0, { offset: 0 });
    expect(read.records.map((r) => r.offset)).toEqual([0]);
    expect(await partitionOffsets(env, topic, 0)).toEqual({ earliest: 0, latest: 1 });

    const consumer = createConsumer(env, { groupId: fresh("readme-env-group"), fromBeginning: true });
    await consumer.subscribe(topic);
    const records = await consumer.poll(5000);
    await consumer.close();
    expect(records.map((r) => [r.key, r.value])).toEqual([["k", { n: 1 }]]);
  });

  it("sends through the CDC pipelines and the R2 event bridge", async () => {
    const db = fresh("readmedb");
    const pipeline = createKafdoPipeline({ env });
    const cdc = await pipeline.send({
      _id: { _data: fresh("resume") },
      operationType: "insert",
      ns: { db, coll: "users" },
      documentKey: { _id: "u1" },
      fullDocument: { _id: "u1", name: "Ada" },
    });
    await pipeline.close();
    expect(cdc.topic).toBe(`cdc.${db}.users`);
    expect((await readPartition(env, cdc.topic, cdc.partition, { offset: cdc.offset })).records).toHaveLength(1);

    const bucket = fresh("readme-bucket");
    const bridge = createR2EventBridge({ env });
    const r2 = await bridge.processEvent({
      eventType: "object-create",
      action: "PutObject",
      account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
      bucket,
      key: "a.png",
      object: { key: "a.png", size: 1, eTag: "c846ff7a18f28c2e262116d6e8719ef0" },
      eventTime: "2024-05-24T19:36:44.379Z",
    });
    await bridge.close();
    expect(r2).toMatchObject({ topic: `r2.${bucket}`, offset: 0 });

    const made = [
      new KafdoPipeline({ env }),
      createFixedTopicPipeline(env, "readme-fixed"),
      createDatabaseTopicPipeline(env),
      createCollectionTopicPipeline(env),
      new R2EventBridge({ env }),
    ];
    expect(made.map((m) => m.topicPattern)).toEqual([
      "cdc.{db}.{coll}",
      "readme-fixed",
      "cdc.{db}",
      "cdc.{db}.{coll}",
      "r2.{bucket}",
    ]);
    await Promise.all(made.map((m) => m.close()));
  });

  it("runs kafdo/worker's handlers and the webhook helpers", async () => {
    const health = await kafdoWorker.fetch(new Request("http://kafdo/health"), env);
    expect(health.status).toBe(200);

    const bucket = fresh("readme-queue");
    const notification = {
      account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
      action: "DeleteObject",
      bucket,
      object: { key: "gone.png" },
      eventTime: "2024-05-24T19:36:44.379Z",
    };
    const batch = createMessageBatch<unknown>("kafdo-r2-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: notification },
    ]);
    const ctx = createExecutionContext();
    await kafdoWorker.queue(batch, env);
    await handleR2Queue(batch, env);
    expect((await getQueueResult(batch, ctx)).retryBatch.retry).toBe(false);
    /* Twice the same notification: the second is dropped as re-sent. */
    expect(await partitionOffsets(env, `r2.${bucket}`, 0)).toEqual({ earliest: 0, latest: 1 });

    expect(webhookConfigFromEnv(env)).toEqual({});
    const hook = await receiveWebhook(
      env,
      fresh("readme-hook"),
      new Request("http://kafdo/", { method: "POST", body: "{}" }),
    );
    expect(hook.offset).toBe(0);
    expect(Array.isArray(await listWebhookSubscriptions(env))).toBe(true);
  });
});
