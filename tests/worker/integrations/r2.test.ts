/*
 * The R2 event bridge inside workerd: reading Cloudflare's R2 event notification
 * messages (every action, and everything that is not one), the record format,
 * filters, dropping a notification delivered twice, processR2Event, and the
 * Worker's queue() handler fed through a real Queue binding (R2_EVENTS, which
 * miniflare delivers to the Worker's queue consumer).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createConsumer, readPartition } from "../../../worker/api";
import type { ConsumedRecord } from "../../../worker/api";
import {
  R2EventBridge,
  createR2EventBridge,
  isR2Event,
  isR2ObjectCreated,
  isR2ObjectDeleted,
  processR2Event,
  r2EventId,
  type R2Event,
} from "../../../worker/integrations";
import { expectKafdoError } from "../helpers";

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const headers = (r: { headers: { key: string; value: Uint8Array | null }[] }) =>
  Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)]));

let names = 0;
const bucketName = () => `b-${Date.now().toString(36)}-${names++}`;
const ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";

function notification(bucket: string, action: string, key: string, extra: Record<string, unknown> = {}) {
  const created = ["PutObject", "CopyObject", "CompleteMultipartUpload"].includes(action);
  return {
    account: ACCOUNT,
    action,
    bucket,
    object: created ? { key, size: 1024, eTag: "c846ff7a18f28c2e262116d6e8719ef0" } : { key },
    eventTime: "2024-05-24T19:36:44.379Z",
    ...extra,
  };
}

describe("R2EventBridge.parseQueueMessage", () => {
  it("reads every action of R2's event notifications", () => {
    const put = R2EventBridge.parseQueueMessage({ body: notification("b", "PutObject", "a/1.png") });
    expect(put).toEqual({
      eventType: "object-create",
      action: "PutObject",
      account: ACCOUNT,
      bucket: "b",
      key: "a/1.png",
      object: { key: "a/1.png", size: 1024, eTag: "c846ff7a18f28c2e262116d6e8719ef0" },
      eventTime: "2024-05-24T19:36:44.379Z",
    });
    const copy = R2EventBridge.parseQueueMessage({
      body: notification("b", "CopyObject", "new", { copySource: { bucket: "b", object: "old" } }),
    });
    expect(copy).toMatchObject({
      eventType: "object-create",
      action: "CopyObject",
      copySource: { bucket: "b", object: "old" },
    });
    expect(
      R2EventBridge.parseQueueMessage({ body: notification("b", "CompleteMultipartUpload", "big") }),
    ).toMatchObject({
      eventType: "object-create",
      object: { size: 1024 },
    });
    for (const action of ["DeleteObject", "LifecycleDeletion"]) {
      expect(R2EventBridge.parseQueueMessage({ body: notification("b", action, "gone") })).toEqual({
        eventType: "object-delete",
        action,
        account: ACCOUNT,
        bucket: "b",
        key: "gone",
        object: { key: "gone" },
        eventTime: "2024-05-24T19:36:44.379Z",
      });
    }
  });

  it("reads a body sent as JSON text or bytes", () => {
    const n = notification("b", "PutObject", "k");
    expect(R2EventBridge.parseQueueMessage({ body: JSON.stringify(n) })?.key).toBe("k");
    expect(R2EventBridge.parseQueueMessage({ body: new TextEncoder().encode(JSON.stringify(n)) })?.key).toBe("k");
    expect(R2EventBridge.parseQueueMessage({ body: new TextEncoder().encode(JSON.stringify(n)).buffer })?.key).toBe(
      "k",
    );
  });

  it("answers null for anything that is not an R2 notification", () => {
    const n = notification("b", "PutObject", "k");
    const not: unknown[] = [
      null,
      "x",
      {},
      { body: null },
      { body: "not json" },
      { body: new Uint8Array([0xff, 0xfe]) },
      { body: [n] },
      { body: { ...n, action: "PutBucket" } },
      { body: { ...n, action: undefined } },
      { body: { ...n, bucket: "" } },
      { body: { ...n, account: 5 } },
      { body: { ...n, object: { size: 1 } } },
      { body: { ...n, object: { key: "k", eTag: "e" } } },
      { body: { ...n, object: { key: "k", size: -1, eTag: "e" } } },
      { body: { ...n, object: { key: "k", size: 1 } } },
      { body: { ...n, eventTime: "yesterday" } },
      { body: { ...n, copySource: "elsewhere" } },
      { body: { Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put" }] } },
    ];
    for (const m of not) expect(R2EventBridge.parseQueueMessage(m), JSON.stringify(m)).toBeNull();
    expect(isR2Event(n)).toBe(true);
    expect(isR2Event({ ...n, action: "PutBucket" })).toBe(false);
  });
});

describe("R2EventBridge", () => {
  it("writes an event as a record keyed by bucket and object key, with its id and action in headers", async () => {
    const bucket = bucketName();
    const bridge = createR2EventBridge({ env });
    const event = R2EventBridge.parseQueueMessage({ body: notification(bucket, "PutObject", "uploads/a b.png") })!;
    const sent = await bridge.processEvent(event);
    expect(sent).toMatchObject({ topic: `r2.${bucket}`, partition: 0, offset: 0, duplicate: false });
    const [r] = (await readPartition(env, `r2.${bucket}`, 0, { offset: 0 })).records;
    expect(text(r!.key)).toBe(`${bucket}/uploads/a b.png`);
    expect(JSON.parse(text(r!.value)!)).toEqual(event);
    const id = await r2EventId(event);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(headers(r!)).toEqual({
      "kafdo-event-id": id,
      "kafdo-r2-action": "PutObject",
      "content-type": "application/json",
    });
    expect(sent!.eventId).toBe(id);
  });

  it("gives a notification one id whatever the order of its fields, and drops it when it comes again", async () => {
    const bucket = bucketName();
    const n = notification(bucket, "DeleteObject", "x");
    const reordered = { eventTime: n.eventTime, object: n.object, bucket, action: n.action, account: n.account };
    const a = R2EventBridge.parseQueueMessage({ body: n })!;
    const b = R2EventBridge.parseQueueMessage({ body: reordered })!;
    expect(await r2EventId(a)).toBe(await r2EventId(b));
    const later = R2EventBridge.parseQueueMessage({ body: { ...n, eventTime: "2024-05-24T19:36:45.000Z" } })!;
    expect(await r2EventId(later)).not.toBe(await r2EventId(a));
    const sent = await createR2EventBridge({ env }).processEvents([a, b, later]);
    expect(sent.map((s) => [s!.offset, s!.duplicate])).toEqual([
      [0, false],
      [0, true],
      [1, false],
    ]);
    expect((await createR2EventBridge({ env }).processEvent(a))!.duplicate).toBe(true);
    expect((await readPartition(env, `r2.${bucket}`, 0, { offset: 0 })).highWatermark).toBe(2);
  });

  it("sends only what the bucket and key prefix filters accept, to the pattern's topic", async () => {
    const [b1, b2, b3] = [bucketName(), bucketName(), bucketName()];
    const bridge = createR2EventBridge({
      env,
      topicPattern: "objects.{bucket}.events",
      bucketFilter: [b1, b2],
      keyPrefixFilter: "in/",
    });
    const events = [
      notification(b1, "PutObject", "in/1"),
      notification(b1, "PutObject", "out/1"),
      notification(b3, "PutObject", "in/1"),
      notification(b2, "LifecycleDeletion", "in/2"),
      notification(b2, "PutObject", "in"),
    ].map((body) => R2EventBridge.parseQueueMessage({ body })!);
    expect(events.map((e) => bridge.accepts(e))).toEqual([true, false, false, true, false]);
    const sent = await bridge.processEvents(events);
    expect(sent.map((s) => s?.topic ?? null)).toEqual([
      `objects.${b1}.events`,
      null,
      null,
      `objects.${b2}.events`,
      null,
    ]);
    expect(await createR2EventBridge({ env, bucketFilter: b3 }).processEvent(events[0]!)).toBeNull();
  });

  it("refuses bad settings and events that are not R2 events", async () => {
    await expectKafdoError(() => createR2EventBridge({ env, topicPattern: "r2.{key}" }), "INVALID_REQUEST");
    await expectKafdoError(() => createR2EventBridge({ env, bucketFilter: 5 as never }), "INVALID_REQUEST");
    await expectKafdoError(() => createR2EventBridge({ env, keyPrefixFilter: [] as never }), "INVALID_REQUEST");
    await expectKafdoError(() => createR2EventBridge({} as never), "INVALID_REQUEST");
    const bridge = createR2EventBridge({ env });
    const bad = { ...notification(bucketName(), "PutObject", "k"), object: { key: "k" } } as unknown as R2Event;
    const err = await expectKafdoError(() => bridge.processEvent(bad), "INVALID_REQUEST");
    expect(err.message).toContain("object.size");
    await expectKafdoError(() => bridge.processEvents({} as never), "INVALID_REQUEST");
  });
});

describe("processR2Event", () => {
  const created = {
    value: R2EventBridge.parseQueueMessage({
      body: notification("photos", "CopyObject", "in/a.jpg", { copySource: { bucket: "photos", object: "a0.jpg" } }),
    }),
  };
  const expired = {
    value: JSON.stringify(
      R2EventBridge.parseQueueMessage({ body: notification("photos", "LifecycleDeletion", "in/old.jpg") }),
    ),
    topic: "r2.photos",
    partition: 0,
    offset: 4,
  };

  it("calls the handler of the event's type, with where it came from, when it passes the filters", async () => {
    const seen: unknown[] = [];
    const handlers = {
      groupId: "g",
      onObjectCreated: (e: { key: string; object: { size: number } }, c: unknown) =>
        void seen.push(["created", e.key, e.object.size, c]),
      onObjectDeleted: async (e: { key: string }, c: unknown) => void seen.push(["deleted", e.key, c]),
    };
    expect(await processR2Event(created, handlers)).toBe(true);
    expect(await processR2Event(expired, { ...handlers, bucketFilter: ["photos"], keyPrefixFilter: "in/" })).toBe(true);
    expect(await processR2Event(expired, { ...handlers, bucketFilter: "other" })).toBe(false);
    expect(await processR2Event(expired, { ...handlers, keyPrefixFilter: "out/" })).toBe(false);
    expect(await processR2Event(expired, { onObjectCreated: handlers.onObjectCreated })).toBe(false);
    expect(seen).toEqual([
      ["created", "in/a.jpg", 1024, { groupId: "g" }],
      ["deleted", "in/old.jpg", { topic: "r2.photos", partition: 0, offset: 4, groupId: "g" }],
    ]);
    expect([isR2ObjectCreated(created.value), isR2ObjectDeleted(created.value)]).toEqual([true, false]);
    expect([isR2ObjectCreated(JSON.parse(expired.value)), isR2ObjectDeleted(JSON.parse(expired.value))]).toEqual([
      false,
      true,
    ]);
  });

  it("refuses a record that does not hold an R2 event", async () => {
    await expectKafdoError(() => processR2Event({ value: { bucket: "x" } }, {}), "INVALID_REQUEST");
    await expectKafdoError(() => processR2Event({ value: "[]" }, {}), "INVALID_REQUEST");
    await expectKafdoError(() => processR2Event(null as never, {}), "INVALID_REQUEST");
  });
});

describe("the Worker's queue() handler, through a real Queue", () => {
  it("bridges the R2 notifications sent to the R2_EVENTS queue into r2.<bucket>, and leaves other messages alone", async () => {
    const bucket = bucketName();
    const put = notification(bucket, "PutObject", "uploads/one.txt");
    const copy = notification(bucket, "CopyObject", "uploads/two.txt", {
      copySource: { bucket, object: "uploads/one.txt" },
    });
    const del = notification(bucket, "DeleteObject", "uploads/one.txt");
    /* The topic exists before the consumer subscribes, so it is assigned at once
     * (auto-creation by the first record would do too, found at the consumer's
     * next metadata check). */
    await createAdmin(env).createTopic({ topic: `r2.${bucket}` });
    await env.R2_EVENTS!.send(put);
    await env.R2_EVENTS!.sendBatch([
      { body: "not an event" },
      { body: copy },
      { body: { hello: "world" } },
      { body: del },
    ]);

    /* A consumer waits for the records as any reader would: each poll returns as
     * soon as records arrive. */
    const consumer = createConsumer(env, { groupId: `queue-${bucket}`, fromBeginning: true });
    const got: ConsumedRecord[] = [];
    try {
      await consumer.subscribe(`r2.${bucket}`);
      for (let i = 0; i < 60 && got.length < 3; i++) got.push(...(await consumer.poll(1000)));
    } finally {
      await consumer.close();
    }
    expect(got.map((r) => [r.key, (r.value as R2Event).action, r.headers["kafdo-r2-action"]])).toEqual([
      [`${bucket}/uploads/one.txt`, "PutObject", "PutObject"],
      [`${bucket}/uploads/two.txt`, "CopyObject", "CopyObject"],
      [`${bucket}/uploads/one.txt`, "DeleteObject", "DeleteObject"],
    ]);
    expect((got[1]!.value as { copySource: unknown }).copySource).toEqual({ bucket, object: "uploads/one.txt" });
  }, 90000);
});
