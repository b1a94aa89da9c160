/*
 * The MongoDB CDC pipeline (KafdoPipeline) and its consumer helpers inside workerd,
 * against real partitions: the record format (stable key, value, headers), topic
 * patterns and the factories, one document's changes in one partition in order,
 * dropping re-sent events (and what is not dropped), refusing invalid events with
 * nothing stored, processCDCMessage's filters and handlers, and the type guards.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, readPartition } from "../../../worker/api";
import type { Env } from "../../../worker/env";
import {
  cdcEventId,
  createCollectionTopicPipeline,
  createDatabaseTopicPipeline,
  createFixedTopicPipeline,
  createKafdoPipeline,
  isCDCEvent,
  isDeleteEvent,
  isInsertEvent,
  isReplaceEvent,
  isUpdateEvent,
  processCDCMessage,
  stableStringify,
  type CDCEvent,
  type CDCEventContext,
} from "../../../worker/integrations";
import { expectKafdoError } from "../helpers";

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const headers = (r: { headers: { key: string; value: Uint8Array | null }[] }) =>
  Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)]));

let names = 0;
const fresh = (prefix: string) => `${prefix}${Date.now().toString(36)}${names++}`;

function insert(db: string, coll: string, id: unknown, eventId = fresh("evt-")): CDCEvent {
  return {
    eventId,
    operationType: "insert",
    ns: { db, coll },
    documentKey: { _id: id },
    fullDocument: { _id: id, n: 1 },
  };
}

async function records(topic: string, partition = 0, offset = 0) {
  return (await readPartition(env, topic, partition, { offset, limit: 1000 })).records;
}

async function total(topic: string, partitions: number): Promise<number> {
  const offsets = await createAdmin(env).listOffsets(topic);
  let n = 0;
  for (let p = 0; p < partitions; p++) n += offsets.get(p)!.latest;
  return n;
}

describe("stableStringify", () => {
  it("sorts keys at every depth, honours toJSON, and writes what JSON.stringify writes otherwise", () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(stableStringify({ _id: { toJSON: () => "65f0c0ffee" } })).toBe('{"_id":"65f0c0ffee"}');
    expect(stableStringify({ a: undefined, b: [undefined, NaN], c: null })).toBe('{"b":[null,null],"c":null}');
    expect(stableStringify({ shard: 2, _id: 7 })).toBe(stableStringify({ _id: 7, shard: 2 }));
  });

  it("refuses what is not JSON", async () => {
    await expectKafdoError(() => stableStringify({ n: 1n }), "INVALID_REQUEST");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expectKafdoError(() => stableStringify(cycle), "INVALID_REQUEST");
    await expectKafdoError(() => stableStringify(undefined), "INVALID_REQUEST");
  });
});

describe("KafdoPipeline", () => {
  it("writes each event as a record: documentKey as stable JSON, the event as the value, its id and operation in headers", async () => {
    const db = fresh("db");
    const pipeline = createKafdoPipeline({ env, topicPattern: "cdc.{db}.{coll}" });
    const event: CDCEvent = {
      _id: { _data: "8264F0C0FFEE000000012B022C0100296E5A1004" },
      operationType: "replace",
      ns: { db, coll: "users" },
      documentKey: { region: "eu", _id: "u1" },
      fullDocument: { _id: "u1", region: "eu", name: "Ünïcode ✓" },
      clusterTime: { $timestamp: { t: 1700000000, i: 3 } },
    };
    const sent = await pipeline.send(event);
    expect(sent).toMatchObject({ topic: `cdc.${db}.users`, partition: 0, offset: 0, duplicate: false });
    expect(sent.eventId).toBe("8264F0C0FFEE000000012B022C0100296E5A1004");
    const [r] = await records(`cdc.${db}.users`);
    expect(text(r!.key)).toBe('{"_id":"u1","region":"eu"}');
    expect(text(r!.value)).toBe(JSON.stringify(event));
    expect(headers(r!)).toEqual({
      "kafdo-event-id": "8264F0C0FFEE000000012B022C0100296E5A1004",
      "kafdo-cdc-operation": "replace",
      "content-type": "application/json",
    });
  });

  it("names topics by the pattern, and by the three factories", async () => {
    const db = fresh("db");
    const a = await createFixedTopicPipeline(env, `${db}-all`).send(insert(db, "users", 1));
    const b = await createDatabaseTopicPipeline(env).send(insert(db, "users", 2));
    const c = await createCollectionTopicPipeline(env).send(insert(db, "orders", 3));
    const d = await createKafdoPipeline({ env }).send(insert(db, "items", 4));
    const e = await createKafdoPipeline({ env, topicPattern: "x.{coll}.{db}.{coll}" }).send(insert(db, "c", 5));
    expect([a.topic, b.topic, c.topic, d.topic, e.topic]).toEqual([
      `${db}-all`,
      `cdc.${db}`,
      `cdc.${db}.orders`,
      `cdc.${db}.items`,
      `x.c.${db}.c`,
    ]);
    expect(createKafdoPipeline({ env }).topicPattern).toBe("cdc.{db}.{coll}");
  });

  it("refuses patterns with other placeholders and fixed topics with braces", async () => {
    await expectKafdoError(() => createKafdoPipeline({ env, topicPattern: "cdc.{database}" }), "INVALID_REQUEST");
    await expectKafdoError(() => createKafdoPipeline({ env, topicPattern: "" }), "INVALID_REQUEST");
    await expectKafdoError(() => createFixedTopicPipeline(env, "cdc.{db}"), "INVALID_REQUEST");
    await expectKafdoError(() => createKafdoPipeline(null as never), "INVALID_REQUEST");
  });

  it("keeps one document's changes in one partition, in order, across a batch on a topic of many partitions", async () => {
    const topic = fresh("cdc-multi-");
    await createAdmin(env).createTopic({ topic, partitions: 8 });
    const pipeline = createFixedTopicPipeline(env, topic);
    const events: CDCEvent[] = [];
    for (let round = 0; round < 5; round++) {
      for (let doc = 0; doc < 10; doc++) {
        /* Fields of documentKey in a different order every time: the key stays one. */
        const documentKey = round % 2 ? { shard: doc % 3, _id: `d${doc}` } : { _id: `d${doc}`, shard: doc % 3 };
        events.push({
          eventId: fresh(`e${round}-${doc}-`),
          operationType: "update",
          ns: { db: "shop", coll: "docs" },
          documentKey,
          updateDescription: { updatedFields: { round }, removedFields: [] },
        });
      }
    }
    const sent = await pipeline.sendBatch(events);
    expect(sent).toHaveLength(50);
    for (let doc = 0; doc < 10; doc++) {
      const mine = sent.filter((_, i) => i % 10 === doc);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      const offsets = mine.map((m) => m.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      const stored = await records(topic, mine[0]!.partition);
      const rounds = stored
        .filter((r) => text(r.key) === stableStringify({ _id: `d${doc}`, shard: doc % 3 }))
        .map((r) => JSON.parse(text(r.value)!).updateDescription.updatedFields.round);
      expect(rounds).toEqual([0, 1, 2, 3, 4]);
    }
    expect(new Set(sent.map((s) => s.partition)).size).toBeGreaterThan(1);
  });
});

describe("re-sent events", () => {
  it("drops an event sent again, answering where the first copy is", async () => {
    const db = fresh("db");
    const pipeline = createKafdoPipeline({ env });
    const event = insert(db, "users", "u1", "evt-dup");
    const first = await pipeline.send(event);
    const second = await createKafdoPipeline({ env }).send({ ...event });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(await records(`cdc.${db}.users`)).toHaveLength(1);
  });

  it("drops copies within one batch and copies sent at the same time", async () => {
    const db = fresh("db");
    const pipeline = createKafdoPipeline({ env });
    const a = insert(db, "c", 1);
    const b = insert(db, "c", 2);
    const sent = await pipeline.sendBatch([a, b, a, b, a]);
    expect(sent.map((s) => s.duplicate)).toEqual([false, false, true, true, true]);
    expect(sent.map((s) => s.offset)).toEqual([0, 1, 0, 1, 0]);
    const c = insert(db, "c", 3);
    const together = await Promise.all([pipeline.send(c), pipeline.send(c), createKafdoPipeline({ env }).send(c)]);
    expect(together.map((s) => s.offset)).toEqual([2, 2, 2]);
    expect(together.filter((s) => !s.duplicate)).toHaveLength(1);
    expect(await records(`cdc.${db}.c`)).toHaveLength(3);
  });

  it("identifies an event by its resume token when it has no eventId", async () => {
    const db = fresh("db");
    const pipeline = createKafdoPipeline({ env });
    const base = { operationType: "delete", ns: { db, coll: "c" }, documentKey: { _id: 1 } } as const;
    const first = await pipeline.send({ ...base, _id: { _data: "826500AA" } });
    const again = await pipeline.send({ ...base, _id: { _data: "826500AA" } });
    const other = await pipeline.send({ ...base, _id: { _data: "826500AB" } });
    expect([first.duplicate, again.duplicate, other.duplicate]).toEqual([false, true, false]);
    expect(first.eventId).toBe("826500AA");
    expect(cdcEventId({ ...base, _id: { ts: 5, n: [1] } })).toBe('{"n":[1],"ts":5}');
  });

  it("stores the same event id once per topic, stores everything with dedupe off, and forgets a send that failed", async () => {
    const db = fresh("db");
    const event = insert(db, "a", 1, "evt-same");
    await createKafdoPipeline({ env }).send(event);
    const elsewhere = await createKafdoPipeline({ env, topicPattern: "mirror.{db}" }).send(event);
    expect(elsewhere.duplicate).toBe(false);
    const again = await createKafdoPipeline({ env, dedupe: false }).send(event);
    expect(again).toMatchObject({ duplicate: false, offset: 1 });
    expect(await records(`cdc.${db}.a`)).toHaveLength(2);

    const strict: Env = { ...env, KAFDO_AUTO_CREATE_TOPICS: "false" };
    const topic = fresh("cdc-late-");
    const late = insert(db, "b", 1);
    await expectKafdoError(() => createFixedTopicPipeline(strict, topic).send(late), "UNKNOWN_TOPIC_OR_PARTITION");
    await createAdmin(env).createTopic({ topic });
    const retried = await createFixedTopicPipeline(strict, topic).send(late);
    expect(retried).toMatchObject({ duplicate: false, offset: 0 });
  });
});

describe("invalid events", () => {
  const good = (): Record<string, unknown> => ({
    eventId: fresh("evt-"),
    operationType: "insert",
    ns: { db: "db", coll: "c" },
    documentKey: { _id: 1 },
    fullDocument: { _id: 1 },
  });
  const cases: [string, (e: Record<string, unknown>) => unknown, string][] = [
    ["missing ns", (e) => ({ ...e, ns: undefined }), "ns is missing"],
    ["ns without coll", (e) => ({ ...e, ns: { db: "db" } }), "ns.coll"],
    ["empty db", (e) => ({ ...e, ns: { db: "", coll: "c" } }), "ns.db"],
    ["unknown operationType", (e) => ({ ...e, operationType: "upsert" }), 'operationType "upsert"'],
    ["a collection-level event", (e) => ({ ...e, operationType: "drop" }), 'operationType "drop"'],
    ["no operationType", (e) => ({ ...e, operationType: undefined }), "operationType is missing"],
    ["no documentKey", (e) => ({ ...e, documentKey: undefined }), "documentKey is missing"],
    ["documentKey without _id", (e) => ({ ...e, documentKey: { a: 1 } }), "documentKey has no _id"],
    ["no id at all", (e) => ({ ...e, eventId: undefined }), "has no id"],
    ["an empty eventId", (e) => ({ ...e, eventId: "" }), "eventId"],
    ["insert without fullDocument", (e) => ({ ...e, fullDocument: undefined }), "fullDocument"],
    ["update without updateDescription", (e) => ({ ...e, operationType: "update" }), "updateDescription"],
    [
      "update with bad removedFields",
      (e) => ({ ...e, operationType: "update", updateDescription: { updatedFields: {}, removedFields: [1] } }),
      "removedFields",
    ],
    ["a timestamp that is not text", (e) => ({ ...e, timestamp: 5 }), "timestamp"],
    ["an array", () => [1], "JSON object"],
    ["null", () => null, "JSON object"],
  ];

  it("are refused with INVALID_REQUEST saying what is wrong, and nothing is stored", async () => {
    const topic = fresh("cdc-invalid-");
    await createAdmin(env).createTopic({ topic });
    const pipeline = createFixedTopicPipeline(env, topic);
    for (const [what, make, says] of cases) {
      const bad = make(good()) as CDCEvent;
      const err = await expectKafdoError(() => pipeline.send(bad), "INVALID_REQUEST");
      expect(err.message, what).toContain(says);
      expect(isCDCEvent(bad), what).toBe(false);
      const batch = await expectKafdoError(
        () => pipeline.sendBatch([good() as never, bad, good() as never]),
        "INVALID_REQUEST",
      );
      expect(batch.message, what).toContain("event 1:");
    }
    await expectKafdoError(() => pipeline.sendBatch("x" as never), "INVALID_REQUEST");
    expect(await pipeline.sendBatch([])).toEqual([]);
    expect(await total(topic, 1)).toBe(0);
  });
});

describe("processCDCMessage and the type guards", () => {
  const db = "shop";
  const events = {
    insert: {
      eventId: "i",
      operationType: "insert",
      ns: { db, coll: "users" },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1 },
    },
    update: {
      eventId: "u",
      operationType: "update",
      ns: { db, coll: "users" },
      documentKey: { _id: 1 },
      updateDescription: { updatedFields: { a: 1 }, removedFields: [] },
    },
    replace: {
      eventId: "r",
      operationType: "replace",
      ns: { db, coll: "users" },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1, b: 2 },
    },
    delete: { _id: { _data: "tok" }, operationType: "delete", ns: { db, coll: "orders" }, documentKey: { _id: 9 } },
  } as const satisfies Record<string, CDCEvent>;

  it("calls the handler of the event's operation, with where it came from", async () => {
    const seen: [string, unknown, CDCEventContext][] = [];
    const handlers = {
      groupId: "g1",
      onInsert: (e: CDCEvent, c: CDCEventContext) => void seen.push(["insert", e.documentKey, c]),
      onUpdate: (e: CDCEvent, c: CDCEventContext) => void seen.push(["update", e.documentKey, c]),
      onReplace: (e: CDCEvent, c: CDCEventContext) => void seen.push(["replace", e.documentKey, c]),
      onDelete: async (e: CDCEvent, c: CDCEventContext) => void seen.push(["delete", e.documentKey, c]),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(events.replace));
    expect(await processCDCMessage({ value: events.insert, topic: "t", partition: 2, offset: 7 }, handlers)).toBe(true);
    expect(await processCDCMessage({ value: JSON.stringify(events.update) }, handlers)).toBe(true);
    expect(await processCDCMessage({ value: bytes }, handlers)).toBe(true);
    expect(await processCDCMessage({ value: events.delete }, handlers)).toBe(true);
    expect(seen).toEqual([
      ["insert", { _id: 1 }, { topic: "t", partition: 2, offset: 7, groupId: "g1", eventId: "i" }],
      ["update", { _id: 1 }, { groupId: "g1", eventId: "u" }],
      ["replace", { _id: 1 }, { groupId: "g1", eventId: "r" }],
      ["delete", { _id: 9 }, { groupId: "g1", eventId: "tok" }],
    ]);
  });

  it("filters by database and collection, and answers false when no handler runs", async () => {
    let calls = 0;
    const onInsert = () => void calls++;
    expect(await processCDCMessage({ value: events.insert }, { database: "other", onInsert })).toBe(false);
    expect(await processCDCMessage({ value: events.insert }, { collection: "orders", onInsert })).toBe(false);
    expect(
      await processCDCMessage({ value: events.insert }, { database: ["x", db], collection: ["users"], onInsert }),
    ).toBe(true);
    expect(await processCDCMessage({ value: events.update }, { onInsert })).toBe(false);
    expect(calls).toBe(1);
  });

  it("refuses a record that does not hold a change event", async () => {
    const onInsert = () => undefined;
    await expectKafdoError(() => processCDCMessage({ value: "not json" }, { onInsert }), "INVALID_REQUEST");
    await expectKafdoError(() => processCDCMessage({ value: new Uint8Array([0xff]) }, { onInsert }), "INVALID_REQUEST");
    await expectKafdoError(
      () => processCDCMessage({ value: { ...events.insert, ns: null } }, { onInsert }),
      "INVALID_REQUEST",
    );
    await expectKafdoError(() => processCDCMessage({ value: null }, { onInsert }), "INVALID_REQUEST");
    await expectKafdoError(() => processCDCMessage({} as never, { onInsert }), "INVALID_REQUEST");
    await expectKafdoError(
      () => processCDCMessage({ value: events.insert }, { database: 5 as never, onInsert }),
      "INVALID_REQUEST",
    );
  });

  it("guards each operation type", () => {
    const guards = [isInsertEvent, isUpdateEvent, isReplaceEvent, isDeleteEvent];
    const all = [events.insert, events.update, events.replace, events.delete];
    expect(all.map((e) => guards.map((g) => g(e)))).toEqual([
      [true, false, false, false],
      [false, true, false, false],
      [false, false, true, false],
      [false, false, false, true],
    ]);
    expect(guards.map((g) => g({ ...events.insert, fullDocument: undefined }))).toEqual([false, false, false, false]);
    expect(guards.map((g) => g("insert"))).toEqual([false, false, false, false]);
  });
});
