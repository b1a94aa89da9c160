/*
 * Every example of kafdo-README.md's "Integrations" section, run as written inside
 * workerd against real Durable Objects, then checked by reading back what it
 * stored:
 *
 *   - the import block;
 *   - MongoDB CDC: createKafdoPipeline, send, sendBatch; then processCDCMessage with
 *     its handlers over the records a consumer reads back;
 *   - R2 Event Bridge: the module-level bridge and the queue() handler
 *     (fixtures/readme-r2-worker.ts holds that example verbatim, since it is a
 *     module with `export default`), run with a MessageBatch; then processR2Event
 *     with its handlers.
 *
 * The examples name fixed topics (cdc.mydb.users, r2.my-bucket), so every check is
 * made against what the examples added, by offset.
 *
 * The console.log calls of the examples are how their handlers report; the tests
 * capture them to see that each handler ran, with what.
 */
import { createMessageBatch, createExecutionContext, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createConsumer, readPartition } from "../../../worker/api";
import type { ConsumedRecord } from "../../../worker/api";
import readmeWorker, { filteredBridge } from "../fixtures/readme-r2-worker";

// ---- kafdo-README.md, "Integrations", as written ----
import { KafdoPipeline, createKafdoPipeline, R2EventBridge, createR2EventBridge } from "kafdo/integrations";
// ---- MongoDB CDC, as written (its import line; the rest runs in the tests) ----
import { type CDCEvent } from "kafdo/integrations";
// ---- Consumer helpers, as written ----
import { processCDCMessage, isInsertEvent } from "kafdo/integrations";
import { processR2Event, isR2ObjectCreated } from "kafdo/integrations";
// ---- end ----

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const header = (r: { headers: { key: string; value: Uint8Array | null }[] }, name: string) =>
  text(r.headers.find((h) => h.key === name)?.value ?? null);

let names = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now()}-${names++}`;

async function highWatermark(topic: string): Promise<number> {
  try {
    return (await readPartition(env, topic, 0, { offset: 0, limit: 1 })).highWatermark;
  } catch {
    return 0;
  }
}

/* Every record of partition 0 of `topic` from `from`, read by a consumer of a new
 * group, as an application would: polls until `count` records came. */
async function consume(topic: string, from: number, count: number): Promise<ConsumedRecord[]> {
  const consumer = createConsumer(env, { groupId: fresh("readme-reader"), fromBeginning: true });
  try {
    await consumer.subscribe([topic]);
    const got: ConsumedRecord[] = [];
    for (let i = 0; i < 50 && got.filter((r) => r.offset >= from).length < count; i++) {
      got.push(...(await consumer.poll(2000)));
    }
    return got.filter((r) => r.offset >= from);
  } finally {
    await consumer.close();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("kafdo-README.md, Integrations", () => {
  it("exports what the import block names", () => {
    expect(typeof KafdoPipeline).toBe("function");
    expect(typeof createKafdoPipeline).toBe("function");
    expect(typeof R2EventBridge).toBe("function");
    expect(typeof R2EventBridge.parseQueueMessage).toBe("function");
    expect(typeof createR2EventBridge).toBe("function");
    expect(typeof isInsertEvent).toBe("function");
    expect(typeof isR2ObjectCreated).toBe("function");
  });

  it("MongoDB CDC: the pipeline example, then the consumer helpers example", async () => {
    const before = await highWatermark("cdc.mydb.users");
    const cdcEvents: CDCEvent[] = [
      {
        eventId: `evt-batch-1-${Date.now()}`,
        operationType: "update",
        ns: { db: "mydb", coll: "users" },
        documentKey: { _id: "user-456" },
        updateDescription: { updatedFields: { name: "Alice B." }, removedFields: ["email"] },
        timestamp: new Date().toISOString(),
      },
      {
        eventId: `evt-batch-2-${Date.now()}`,
        operationType: "delete",
        ns: { db: "mydb", coll: "users" },
        documentKey: { _id: "user-789" },
        timestamp: new Date().toISOString(),
      },
    ];

    // ---- kafdo-README.md, "MongoDB CDC", as written ----
    // Create a pipeline that routes events to topics based on database/collection
    const pipeline = createKafdoPipeline({
      env,
      topicPattern: "cdc.{db}.{coll}", // e.g., cdc.mydb.users
    });

    // Send a CDC event (typically from a MongoDB change stream)
    await pipeline.send({
      eventId: "evt-123",
      operationType: "insert",
      ns: { db: "mydb", coll: "users" },
      documentKey: { _id: "user-456" },
      fullDocument: { _id: "user-456", name: "Alice", email: "alice@example.com" },
      timestamp: new Date().toISOString(),
    });

    // Send multiple events in a batch
    await pipeline.sendBatch(cdcEvents);
    // ---- end ----

    const stored = await readPartition(env, "cdc.mydb.users", 0, { offset: before });
    expect(stored.records.map((r) => text(r.key))).toEqual([
      '{"_id":"user-456"}',
      '{"_id":"user-456"}',
      '{"_id":"user-789"}',
    ]);
    expect(stored.records.map((r) => header(r, "kafdo-event-id"))).toEqual([
      "evt-123",
      cdcEvents[0]!.eventId,
      cdcEvents[1]!.eventId,
    ]);
    expect(stored.records.map((r) => header(r, "kafdo-cdc-operation"))).toEqual(["insert", "update", "delete"]);
    const inserted = JSON.parse(text(stored.records[0]!.value)!);
    expect(inserted.fullDocument).toEqual({ _id: "user-456", name: "Alice", email: "alice@example.com" });
    expect(inserted.ns).toEqual({ db: "mydb", coll: "users" });

    const messages = await consume("cdc.mydb.users", before, 3);
    expect(messages).toHaveLength(3);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    for (const message of messages) {
      // ---- kafdo-README.md, "Consumer helpers" (CDC), as written ----
      // Process CDC messages with typed handlers
      await processCDCMessage(message, {
        database: "mydb",
        collection: "users",
        groupId: "cdc-processor",
        onInsert: async (event) => console.log("New document:", event.fullDocument),
        onUpdate: async (event) => console.log("Updated:", event.updateDescription),
        onDelete: async (event) => console.log("Deleted:", event.documentKey),
      });
      // ---- end ----
    }
    expect(log.mock.calls).toEqual([
      ["New document:", { _id: "user-456", name: "Alice", email: "alice@example.com" }],
      ["Updated:", { updatedFields: { name: "Alice B." }, removedFields: ["email"] }],
      ["Deleted:", { _id: "user-789" }],
    ]);
    expect(isInsertEvent(messages[0]!.value)).toBe(true);
    expect(isInsertEvent(messages[1]!.value)).toBe(false);
  });

  it("R2 Event Bridge: the queue() example with a MessageBatch, the filtering bridge, then the consumer helpers", async () => {
    const before = await highWatermark("r2.my-bucket");
    const eventTime = new Date().toISOString();
    const put = {
      account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
      action: "PutObject",
      bucket: "my-bucket",
      object: { key: `uploads/${fresh("photo")}.png`, size: 65536, eTag: "c846ff7a18f28c2e262116d6e8719ef0" },
      eventTime,
    };
    const del = {
      account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
      action: "DeleteObject",
      bucket: "my-bucket",
      object: { key: `uploads/${fresh("old")}.png` },
      eventTime,
    };
    const batch = createMessageBatch<unknown>("kafdo-r2-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: put },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { not: "an R2 event" } },
      { id: "m3", timestamp: new Date(), attempts: 1, body: del },
    ]);
    const ctx = createExecutionContext();
    await readmeWorker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch.retry).toBe(false);

    const stored = await readPartition(env, "r2.my-bucket", 0, { offset: before });
    expect(stored.records.map((r) => text(r.key))).toEqual([
      `my-bucket/${put.object.key}`,
      `my-bucket/${del.object.key}`,
    ]);
    expect(stored.records.map((r) => header(r, "kafdo-r2-action"))).toEqual(["PutObject", "DeleteObject"]);

    /* The module-level bridge of the example filters by bucket and key prefix. */
    const other = { ...put, object: { ...put.object, key: "elsewhere/x.png" } };
    expect(await filteredBridge.processEvent(R2EventBridge.parseQueueMessage({ body: other })!)).toBeNull();
    expect(
      await filteredBridge.processEvent(R2EventBridge.parseQueueMessage({ body: { ...put, bucket: "another" } })!),
    ).toBeNull();
    const again = await filteredBridge.processEvent(R2EventBridge.parseQueueMessage({ body: put })!);
    expect(again).toMatchObject({ topic: "r2.my-bucket", duplicate: true, offset: before });
    expect(await highWatermark("r2.my-bucket")).toBe(before + 2);

    const messages = await consume("r2.my-bucket", before, 2);
    expect(messages).toHaveLength(2);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    for (const message of messages) {
      // ---- kafdo-README.md, "Consumer helpers" (R2), as written ----
      // Process R2 events with typed handlers
      await processR2Event(message, {
        bucketFilter: "my-bucket",
        onObjectCreated: async (event) => {
          console.log("Created:", event.object.key, event.object.size);
        },
        onObjectDeleted: async (event) => {
          console.log("Deleted:", event.key);
        },
      });
      // ---- end ----
    }
    expect(log.mock.calls).toEqual([
      ["Created:", put.object.key, 65536],
      ["Deleted:", del.object.key],
    ]);
    expect(isR2ObjectCreated(messages[0]!.value)).toBe(true);
    expect(isR2ObjectCreated(messages[1]!.value)).toBe(false);
  });
});
