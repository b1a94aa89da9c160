/*
 * Webhooks inside workerd.
 *
 * Ingestion, POST /webhooks/:topic through the Worker's fetch handler with
 * KAFDO_WEBHOOKS settings: the record format (body byte for byte, kept headers,
 * key), GitHub- and Stripe-style signatures (GitHub's published test vector, valid,
 * wrong, missing, malformed, stale), 401 in the one error shape with nothing
 * stored, settings that are not valid, and the HTTP edges.
 *
 * Webhook consumers, /webhook-subscriptions and the WebhookDeliveryDO: the
 * subscription's settings and their refusals; then delivery to a target that the
 * tests play by standing in for fetch (the Worker's Durable Objects run in the
 * tests' isolate, so the delivery object's outgoing requests come here): the body
 * and headers of a delivery, order within a partition, retries with exponential
 * backoff until a 2xx, commits only after the 2xx, other partitions going on while
 * one waits, the dead-letter topic after maxAttempts, replacing and deleting a
 * subscription. tests/e2e/webhooks.test.mjs does the same against a real HTTP
 * server.
 *
 * Waiting for the delivery object is asking it (or the group), a bounded number
 * of times; the target's requests are awaited as they come.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAdmin, createProducer, readPartition } from "../../../worker/api";
import { committedOffsets } from "../../../worker/api/groups";
import type { Env } from "../../../worker/env";
import {
  backoffDelay,
  hmacSha256Hex,
  verifyWebhookSignature,
  type WebhookSubscriptionInfo,
} from "../../../worker/integrations";
import { deliver } from "../../../worker/integrations/webhook-delivery";
import type { WebhookSubscription } from "../../../worker/integrations/webhook-subscriptions";
import { type Answer, call, enc, expectError, get, post } from "../http/helpers";

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const utf8 = (s: string) => new TextEncoder().encode(s);
const headersOf = (r: { headers: { key: string; value: Uint8Array | null }[] }) =>
  Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)]));

/* A value JSON.stringify cannot write: V8 writes plain nesting without recursing, but
 * an object with an index-like key sends it down its recursive path, which runs out
 * of stack at this depth. JSON.parse takes it. */
const TOO_DEEP = "[".repeat(200_000) + '{"1":1}' + "]".repeat(200_000);

let names = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${names++}`;
const TEST_MS = 60000;

async function stored(topic: string, partition = 0) {
  try {
    return (await readPartition(env, topic, partition, { offset: 0, limit: 1000 })).records;
  } catch {
    return [];
  }
}

/* ---- ingestion ------------------------------------------------------------------ */

const GITHUB_SECRET = "It's a Secret to Everybody";
const STRIPE_SECRET = "whsec_test_secret";

function ingestEnv(config: unknown, extra: Record<string, string> = {}): Env {
  return { ...env, KAFDO_WEBHOOKS: typeof config === "string" ? config : JSON.stringify(config), ...extra } as Env;
}

function webhook(topic: string, body: BodyInit, headers: Record<string, string>, e: Env): Promise<Answer> {
  return call("POST", `/webhooks/${enc(topic)}`, { raw: body, headers, env: e });
}

async function stripeHeader(secret: string, body: string, t = Math.floor(Date.now() / 1000)): Promise<string> {
  return `t=${t},v1=${await hmacSha256Hex(secret, `${t}.${body}`)}`;
}

describe("POST /webhooks/:topic", () => {
  it("stores the body byte for byte with the kept headers, for a topic without settings", async () => {
    const topic = fresh("hook");
    const e = ingestEnv({});
    const json = '{ "id": "evt_1",  "amount": 1.50 }';
    const res = await webhook(
      topic,
      json,
      {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/abc",
        "x-github-event": "push",
        "x-github-delivery": "72d3162e",
        authorization: "Bearer not-kept",
        "x-other": "not kept",
      },
      e,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ topic, partition: 0, offset: 0, timestamp: res.body.timestamp });
    const form = await webhook(topic, "a=1&b=%20", { "content-type": "application/x-www-form-urlencoded" }, e);
    const binary = await webhook(
      topic,
      new Uint8Array([0, 0xff, 0x80]),
      { "content-type": "application/octet-stream" },
      e,
    );
    const empty = await webhook(topic, new Uint8Array(0), {}, e);
    expect([form.status, binary.status, empty.status]).toEqual([200, 200, 200]);

    const records = await stored(topic);
    expect(records.map((r) => r.value)).toEqual([
      utf8(json),
      utf8("a=1&b=%20"),
      new Uint8Array([0, 0xff, 0x80]),
      new Uint8Array(0),
    ]);
    expect(records.map((r) => r.key)).toEqual([null, null, null, null]);
    expect(headersOf(records[0]!)).toEqual({
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/abc",
      "x-github-event": "push",
      "x-github-delivery": "72d3162e",
    });
    expect(headersOf(records[3]!)).toEqual({});
  });

  it("checks GitHub-style signatures: X-Hub-Signature-256, HMAC-SHA256 of the body", async () => {
    const topic = fresh("github");
    const e = ingestEnv({
      [topic]: {
        signature: "github",
        secret: GITHUB_SECRET,
        keyHeader: "X-GitHub-Delivery",
        headers: ["X-GitHub-Hook-Installation-Target-Type"],
      },
    });
    /* GitHub's published example: this secret and "Hello, World!" sign as below. */
    const vector = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const ok = await webhook(
      topic,
      "Hello, World!",
      {
        "x-hub-signature-256": vector,
        "x-github-delivery": "d-1",
        "x-github-hook-installation-target-type": "repository",
      },
      e,
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);

    const refusals: [string, Record<string, string>, string][] = [
      ["no signature", {}, "missing"],
      [
        "another body's signature",
        { "x-hub-signature-256": `sha256=${await hmacSha256Hex(GITHUB_SECRET, "Hello")}` },
        "does not match",
      ],
      [
        "another secret's signature",
        { "x-hub-signature-256": `sha256=${await hmacSha256Hex("other", "Hello, World!")}` },
        "does not match",
      ],
      ["sha1", { "x-hub-signature-256": "sha1=757107ea0eb2509fc211221cce984b8a37570b6d" }, "sha256="],
      ["short hex", { "x-hub-signature-256": vector.slice(0, -2) }, "sha256="],
      ["not hex", { "x-hub-signature-256": `sha256=${"zz".repeat(32)}` }, "sha256="],
    ];
    for (const [what, headers, says] of refusals) {
      const res = await webhook(topic, "Hello, World!", headers, e);
      expectError(res, 401, "UNAUTHORIZED", says);
      expect(res.body.error.message, what).toContain("github");
    }
    const records = await stored(topic);
    expect(records).toHaveLength(1);
    expect(text(records[0]!.key)).toBe("d-1");
    expect(text(records[0]!.value)).toBe("Hello, World!");
    expect(headersOf(records[0]!)).toEqual({
      "content-type": "text/plain;charset=UTF-8",
      "x-github-delivery": "d-1",
      "x-github-hook-installation-target-type": "repository",
      "kafdo-webhook-verified": "github",
    });
  });

  it('checks Stripe-style signatures: Stripe-Signature t and v1 over "<t>.<body>", t within the tolerance', async () => {
    const topic = fresh("stripe");
    const e = ingestEnv({ [topic]: { signature: "stripe", secretEnv: "STRIPE_SECRET" } }, { STRIPE_SECRET });
    const body = JSON.stringify({ id: "evt_1", type: "payment_intent.succeeded" });
    const now = Math.floor(Date.now() / 1000);
    const good = await stripeHeader(STRIPE_SECRET, body, now);
    const wrong = await stripeHeader("whsec_other", body, now);
    const accepted = [
      good,
      `${good},v0=${"0".repeat(64)}`,
      `t=${now},v1=${"ab".repeat(32)},${good.split(",")[1]}`,
      /* Margins of seconds, not one: the clock may tick between here and the check. */
      await stripeHeader(STRIPE_SECRET, body, now - 290),
    ];
    for (const header of accepted) {
      const res = await webhook(topic, body, { "stripe-signature": header, "content-type": "application/json" }, e);
      expect(res.status, `${header}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const refused: [string, string][] = [
      [wrong, "no v1 signature matches"],
      [await stripeHeader(STRIPE_SECRET, body, now - 310), "more than 300 s"],
      [await stripeHeader(STRIPE_SECRET, body, now + 310), "more than 300 s"],
      [`v1=${good.split("v1=")[1]}`, "no timestamp"],
      [`t=${now}`, "no v1"],
      [`t=${now + 1},${good.split(",")[1]}`, "no v1 signature matches"],
      [`t=abc,${good.split(",")[1]}`, "no timestamp"],
    ];
    for (const [header, says] of refused) {
      expectError(await webhook(topic, body, { "stripe-signature": header }, e), 401, "UNAUTHORIZED", says);
    }
    expectError(await webhook(topic, body, {}, e), 401, "UNAUTHORIZED", "Stripe-Signature header is missing");
    expectError(await webhook(topic, `${body} `, { "stripe-signature": good }, e), 401, "UNAUTHORIZED");
    const records = await stored(topic);
    expect(records).toHaveLength(accepted.length);
    expect(records.every((r) => text(r.value) === body && headersOf(r)["kafdo-webhook-verified"] === "stripe")).toBe(
      true,
    );

    const lenient = ingestEnv({ [topic]: { signature: "stripe", secret: STRIPE_SECRET, toleranceSeconds: 0 } });
    const old = await stripeHeader(STRIPE_SECRET, body, now - 86400 * 365);
    expect((await webhook(topic, body, { "stripe-signature": old }, lenient)).status).toBe(200);
  });

  it('applies "*" to topics not listed, and a topic\'s own settings before it', async () => {
    const open = fresh("open");
    const e = ingestEnv({ "*": { signature: "github", secret: "s" }, [open]: {} });
    expectError(await webhook(fresh("other"), "x", {}, e), 401, "UNAUTHORIZED");
    expect((await webhook(open, "x", {}, e)).status).toBe(200);
    const signed = `sha256=${await hmacSha256Hex("s", "x")}`;
    expect((await webhook(fresh("other"), "x", { "x-hub-signature-256": signed }, e)).status).toBe(200);
  });

  it("refuses every webhook while KAFDO_WEBHOOKS is not valid, and one whose secret binding is missing", async () => {
    const bad = [
      "{not json",
      "[]",
      JSON.stringify({ t: { signature: "gitlab", secret: "s" } }),
      JSON.stringify({ t: { signature: "github" } }),
      JSON.stringify({ t: { signature: "github", secret: "s", secretEnv: "S" } }),
      JSON.stringify({ t: { secret: "s" } }),
      JSON.stringify({ t: { signature: "github", secret: "s", tolerance: 5 } }),
      JSON.stringify({ t: { headers: ["bad header"] } }),
      JSON.stringify({ t: { toleranceSeconds: -1 } }),
      JSON.stringify({ t: "github" }),
    ];
    for (const config of bad) {
      const topic = fresh("cfg");
      expectError(await webhook(topic, "x", {}, ingestEnv(config)), 500, "UNKNOWN_SERVER_ERROR", "KAFDO_WEBHOOKS");
      expect(await stored(topic)).toEqual([]);
    }
    const topic = fresh("nosecret");
    const e = ingestEnv({ [topic]: { signature: "github", secretEnv: "NOT_BOUND" } });
    expectError(await webhook(topic, "x", {}, e), 500, "UNKNOWN_SERVER_ERROR", "NOT_BOUND");
  });

  it("answers the HTTP edges in the one error shape", async () => {
    const topic = fresh("edge");
    const e = ingestEnv({});
    expectError(await call("POST", `/webhooks/${topic}?x=1`, { raw: "x", env: e }), 400, "INVALID_REQUEST");
    expectError(await call("GET", `/webhooks/${topic}`, { env: e }), 405, "METHOD_NOT_ALLOWED");
    expectError(await webhook("bad topic!", "x", {}, e), 400, "INVALID_TOPIC_EXCEPTION");
    const strict = { ...e, KAFDO_AUTO_CREATE_TOPICS: "false" };
    expectError(await webhook(fresh("none"), "x", {}, strict), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(await webhook(topic, "x", { "content-length": String(9 * 1024 * 1024) }, e), 413, "MESSAGE_TOO_LARGE");
    await createAdmin(env).createTopic({ topic, config: { "max.message.bytes": "1000" } });
    expectError(await webhook(topic, "x".repeat(2000), {}, e), 413, "MESSAGE_TOO_LARGE");
    expect(await stored(topic)).toEqual([]);
  });

  it("verifyWebhookSignature answers why, or null", async () => {
    const h = (o: Record<string, string>) => new Headers(o);
    const body = utf8("Hello, World!");
    const vector = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(
      await verifyWebhookSignature("github", GITHUB_SECRET, h({ "x-hub-signature-256": vector }), body),
    ).toBeNull();
    expect(await verifyWebhookSignature("github", "other", h({ "x-hub-signature-256": vector }), body)).toBe(
      "the signature does not match",
    );
    const t = 1700000000;
    const sig = await stripeHeader("k", "Hello, World!", t);
    expect(
      await verifyWebhookSignature("stripe", "k", h({ "stripe-signature": sig }), body, { nowMs: t * 1000 + 5000 }),
    ).toBeNull();
    expect(
      await verifyWebhookSignature("stripe", "k", h({ "stripe-signature": sig }), body, { nowMs: t * 1000 + 400000 }),
    ).toContain("more than 300 s");
    expect(
      await verifyWebhookSignature("stripe", "k", h({ "stripe-signature": sig }), body, {
        nowMs: t * 1000 + 400000,
        toleranceSeconds: 500,
      }),
    ).toBeNull();
  });
});

/* ---- webhook subscriptions: settings -------------------------------------------------- */

describe("/webhook-subscriptions", () => {
  it("creates, replaces, lists, describes and deletes a subscription", async () => {
    const groupId = fresh("sub group");
    const topic = fresh("subs");
    const created = await post("/webhook-subscriptions", {
      groupId,
      topic,
      url: "https://example.test/hook?x=1",
      secret: "s",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      groupId,
      topic,
      url: "https://example.test/hook?x=1",
      maxAttempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 300000,
      timeoutMs: 30000,
      deadLetterTopic: `${topic}.dlq`,
      fromBeginning: true,
      maxPollRecords: 100,
      signed: true,
      createdAt: created.body.createdAt,
      updatedAt: created.body.updatedAt,
      status: { delivered: 0, deadLettered: 0, failedAttempts: 0, retrying: [], lastError: null, lastErrorAt: null },
    });
    const replaced = await post("/webhook-subscriptions", {
      groupId,
      topic,
      url: "http://example.test/v2",
      maxAttempts: 2,
      deadLetterTopic: "dead",
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      url: "http://example.test/v2",
      maxAttempts: 2,
      deadLetterTopic: "dead",
      signed: false,
      createdAt: created.body.createdAt,
    });

    const described = await get(`/webhook-subscriptions/${enc(groupId)}`);
    expect(described.status).toBe(200);
    expect(described.body.url).toBe("http://example.test/v2");
    const listed = await get("/webhook-subscriptions");
    expect(listed.body.subscriptions.map((s: WebhookSubscriptionInfo) => s.groupId)).toContain(groupId);

    expect((await call("DELETE", `/webhook-subscriptions/${enc(groupId)}`)).status).toBe(204);
    expectError(await get(`/webhook-subscriptions/${enc(groupId)}`), 404, "GROUP_ID_NOT_FOUND");
    expectError(await call("DELETE", `/webhook-subscriptions/${enc(groupId)}`), 404, "GROUP_ID_NOT_FOUND");
    expect(
      (await get("/webhook-subscriptions")).body.subscriptions.map((s: WebhookSubscriptionInfo) => s.groupId),
    ).not.toContain(groupId);
  });

  it("refuses settings that are not valid, and creates nothing", async () => {
    const groupId = fresh("refused");
    const base = { groupId, topic: fresh("t"), url: "https://example.test/" };
    const cases: [unknown, string, string][] = [
      [{ ...base, url: undefined }, "INVALID_REQUEST", "url"],
      [{ ...base, url: "ftp://example.test/" }, "INVALID_REQUEST", "not http: or https:"],
      [{ ...base, url: "/relative" }, "INVALID_REQUEST", "not a URL"],
      [{ ...base, topic: "" }, "INVALID_REQUEST", "topic"],
      [{ ...base, topic: "bad topic" }, "INVALID_TOPIC_EXCEPTION", ""],
      [{ ...base, deadLetterTopic: "bad topic" }, "INVALID_TOPIC_EXCEPTION", ""],
      [{ ...base, deadLetterTopic: base.topic }, "INVALID_REQUEST", "deadLetterTopic"],
      [{ ...base, groupId: "" }, "INVALID_GROUP_ID", ""],
      [{ ...base, groupId: "g".repeat(256) }, "INVALID_GROUP_ID", ""],
      [{ ...base, maxAttempts: 0 }, "INVALID_REQUEST", "maxAttempts"],
      [{ ...base, maxAttempts: 1.5 }, "INVALID_REQUEST", "maxAttempts"],
      [{ ...base, backoffMs: 5000, maxBackoffMs: 10 }, "INVALID_REQUEST", "maxBackoffMs"],
      [{ ...base, timeoutMs: "5" }, "INVALID_REQUEST", "timeoutMs"],
      [{ ...base, secret: "" }, "INVALID_REQUEST", "secret"],
      [{ ...base, fromBeginning: "yes" }, "INVALID_REQUEST", "fromBeginning"],
      [{ ...base, maxPollRecords: 501 }, "INVALID_REQUEST", "maxPollRecords"],
      [{ ...base, other: 1 }, "INVALID_REQUEST", "other"],
      [[base], "INVALID_REQUEST", "object"],
    ];
    for (const [body, code, says] of cases) {
      const res = await post("/webhook-subscriptions", body);
      expectError(res, 400, code, says);
    }
    expectError(
      await call("POST", "/webhook-subscriptions", { raw: "{}", headers: {} }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectError(await get(`/webhook-subscriptions/${enc(groupId)}`), 404, "GROUP_ID_NOT_FOUND");
    expectError(await get(`/webhook-subscriptions/${"g".repeat(256)}`), 400, "INVALID_GROUP_ID");
    expectError(await get("/webhook-subscriptions?all=1"), 400, "INVALID_REQUEST");
  });
});

/* ---- webhook subscriptions: delivery ---------------------------------------------------- */

interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: any;
  raw: string;
}

/*
 * A target at https://<name>.hooks.test/: the tests say how it answers each delivery
 * (by default 200), and await the deliveries as they arrive.
 */
class Target {
  readonly url: string;
  readonly deliveries: Delivery[] = [];
  private waiters: { n: number; resolve(): void }[] = [];
  answer: (d: Delivery) => Promise<Response> | Response = () => new Response("ok");

  constructor(name: string) {
    this.url = `https://${name}.hooks.test/hook`;
  }

  async receive(request: Request): Promise<Response> {
    const raw = await request.text();
    const d: Delivery = { url: request.url, headers: Object.fromEntries(request.headers), body: JSON.parse(raw), raw };
    this.deliveries.push(d);
    this.waiters = this.waiters.filter((w) => {
      if (this.deliveries.length < w.n) return true;
      w.resolve();
      return false;
    });
    return this.answer(d);
  }

  /* Resolves once `n` deliveries arrived (each attempt counts). */
  arrived(n: number): Promise<void> {
    if (this.deliveries.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.deliveries.length} of ${n} deliveries arrived`)), 30000);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

const realFetch = globalThis.fetch;
const targets = new Map<string, Target>();
const subscriptions: string[] = [];

function target(): Target {
  const t = new Target(fresh("t"));
  targets.set(new URL(t.url).host, t);
  if (targets.size === 1) {
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      const request = new Request(input as RequestInfo, init);
      const t = targets.get(new URL(request.url).host);
      return t ? t.receive(request) : realFetch(input as RequestInfo, init);
    });
  }
  return t;
}

afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((g) => call("DELETE", `/webhook-subscriptions/${enc(g)}`)));
  vi.restoreAllMocks();
  targets.clear();
});

async function subscribe(settings: Record<string, unknown>): Promise<WebhookSubscriptionInfo> {
  const res = await post("/webhook-subscriptions", settings);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  subscriptions.push(settings.groupId as string);
  return res.body;
}

async function describeSub(groupId: string): Promise<WebhookSubscriptionInfo> {
  const res = await get(`/webhook-subscriptions/${enc(groupId)}`);
  expect(res.status).toBe(200);
  return res.body;
}

/* Asks `probe` until it holds, a bounded number of times. */
async function until(what: string, probe: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

async function committed(groupId: string, topic: string): Promise<Record<number, number>> {
  const offsets = await committedOffsets(env, groupId);
  return Object.fromEntries(offsets.filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]));
}

describe("webhook delivery", () => {
  it(
    "POSTs every record, in order within its partition, signed, then commits",
    async () => {
      const topic = fresh("orders");
      await createAdmin(env).createTopic({ topic, partitions: 2 });
      await createProducer(env).sendBatch([
        { topic, partition: 0, key: "a", value: { n: 0 }, headers: { source: "web" } },
        { topic, partition: 1, key: "b", value: { n: 1 } },
        { topic, partition: 0, key: "a", value: "plain text, not JSON" },
        {
          topic,
          partition: 1,
          key: new Uint8Array([0xff]),
          value: new Uint8Array([0, 0xfe]),
          headers: { bin: new Uint8Array([0xc3]) },
        },
        { topic, partition: 0, key: null, value: null },
      ]);
      const t = target();
      const groupId = fresh("deliver");
      await subscribe({ groupId, topic, url: t.url, secret: "shh" });
      await t.arrived(5);

      const by = (p: number) => t.deliveries.filter((d) => d.body.partition === p).map((d) => d.body.offset);
      expect(by(0)).toEqual([0, 1, 2]);
      expect(by(1)).toEqual([0, 1]);
      const first = t.deliveries.find((d) => d.body.partition === 0 && d.body.offset === 0)!;
      expect(first.body).toEqual({
        groupId,
        topic,
        partition: 0,
        offset: 0,
        timestamp: first.body.timestamp,
        key: "a",
        value: { n: 0 },
        headers: { source: "web" },
      });
      expect(first.headers).toMatchObject({
        "content-type": "application/json",
        "kafdo-delivery-id": `${topic}/0/0`,
        "kafdo-delivery-attempt": "1",
        "kafdo-group-id": groupId,
        "kafdo-topic": topic,
        "kafdo-partition": "0",
        "kafdo-offset": "0",
      });
      for (const d of t.deliveries) {
        expect(d.headers["kafdo-signature-256"]).toBe(`sha256=${await hmacSha256Hex("shh", d.raw)}`);
      }
      const text = t.deliveries.find((d) => d.body.partition === 0 && d.body.offset === 1)!.body;
      expect(text.value).toBe("plain text, not JSON");
      const binary = t.deliveries.find((d) => d.body.partition === 1 && d.body.offset === 1)!.body;
      expect(binary).toMatchObject({
        keyBase64: "/w==",
        valueBase64: "AP4=",
        headers: {},
        headersBase64: { bin: "ww==" },
      });
      const tombstone = t.deliveries.find((d) => d.body.partition === 0 && d.body.offset === 2)!.body;
      expect(tombstone).toMatchObject({ key: null, value: null });

      await until("offsets committed", async () => {
        const c = await committed(groupId, topic);
        return c[0] === 3 && c[1] === 2;
      });
      expect((await describeSub(groupId)).status).toMatchObject({
        delivered: 5,
        failedAttempts: 0,
        deadLettered: 0,
        retrying: [],
      });

      /* Records produced later are delivered too. */
      await createProducer(env).send({ topic, partition: 1, value: "later" });
      await t.arrived(6);
      expect(t.deliveries[5]!.body).toMatchObject({ partition: 1, offset: 2, value: "later" });
    },
    TEST_MS,
  );

  it(
    "retries a failed record with exponential backoff, and commits only after the 2xx",
    async () => {
      const topic = fresh("retry");
      await createAdmin(env).createTopic({ topic });
      await createProducer(env).sendBatch([
        { topic, value: "first" },
        { topic, value: "second" },
      ]);
      const t = target();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      t.answer = async (d) => {
        if (d.body.value !== "first") return new Response(null, { status: 204 });
        const attempt = Number(d.headers["kafdo-delivery-attempt"]);
        if (attempt === 1) return new Response("busy", { status: 503 });
        /* A connection that fails: a real one, refused. */
        if (attempt === 2) return realFetch("http://127.0.0.1:1/");
        await held;
        return new Response("ok");
      };
      const groupId = fresh("retrying");
      await subscribe({ groupId, topic, url: t.url, backoffMs: 20, maxBackoffMs: 1000 });

      await t.arrived(3);
      const attempts = t.deliveries.filter((d) => d.body.value === "first");
      expect(attempts.map((d) => d.headers["kafdo-delivery-attempt"])).toEqual(["1", "2", "3"]);
      expect(new Set(attempts.map((d) => d.headers["kafdo-delivery-id"]))).toEqual(new Set([`${topic}/0/0`]));
      /* The third attempt is not answered yet: nothing is committed, nothing after
       * the record was sent, and the record waits with the second failure's backoff
       * (2 x 20 ms). */
      expect((await committed(groupId, topic))[0] ?? 0).toBe(0);
      const waiting = await describeSub(groupId);
      expect(waiting.status.failedAttempts).toBe(2);
      expect(waiting.status.retrying).toHaveLength(1);
      const retry = waiting.status.retrying[0]!;
      expect(retry).toMatchObject({
        topic,
        partition: 0,
        offset: 0,
        attempts: 2,
        lastError: expect.stringContaining("POST"),
      });
      expect(retry.nextAttemptAt - waiting.status.lastErrorAt!).toBe(backoffDelay(2, 20, 1000));
      expect(t.deliveries.some((d) => d.body.value === "second")).toBe(false);

      release();
      await until("both committed", async () => (await committed(groupId, topic))[0] === 2);
      expect(t.deliveries.map((d) => d.body.value)).toEqual(["first", "first", "first", "second"]);
      expect((await describeSub(groupId)).status).toMatchObject({ delivered: 2, failedAttempts: 2, retrying: [] });
    },
    TEST_MS,
  );

  it(
    "goes on with other partitions while one waits for its retry",
    async () => {
      const topic = fresh("waiting");
      await createAdmin(env).createTopic({ topic, partitions: 2 });
      await createProducer(env).send({ topic, partition: 0, value: "stuck" });
      const t = target();
      t.answer = (d) => new Response(null, { status: d.body.value === "stuck" ? 500 : 200 });
      const groupId = fresh("others");
      await subscribe({ groupId, topic, url: t.url, backoffMs: 600000, maxBackoffMs: 600000 });
      await t.arrived(1);
      await until("the retry is set", async () => (await describeSub(groupId)).status.retrying.length === 1);

      await createProducer(env).sendBatch([
        { topic, partition: 1, value: "a" },
        { topic, partition: 1, value: "b" },
        { topic, partition: 0, value: "behind the stuck one" },
      ]);
      await until("partition 1 delivered and committed", async () => (await committed(groupId, topic))[1] === 2);
      expect(t.deliveries.map((d) => d.body.value)).toEqual(["stuck", "a", "b"]);
      const status = (await describeSub(groupId)).status;
      expect(status.retrying).toEqual([
        {
          topic,
          partition: 0,
          offset: 0,
          attempts: 1,
          nextAttemptAt: status.lastErrorAt! + 600000,
          lastError: `${t.url} answered HTTP 500`,
        },
      ]);
      expect((await committed(groupId, topic))[0] ?? 0).toBe(0);
    },
    TEST_MS,
  );

  it(
    "sends a record that keeps failing to the dead-letter topic, byte for byte, and moves on",
    async () => {
      const topic = fresh("dlq-src");
      const dlq = fresh("dead");
      await createAdmin(env).createTopic({ topic });
      const value = new Uint8Array([0x00, 0xff, 0x7b]);
      await createProducer(env).sendBatch([
        { topic, key: "k1", value, headers: { trace: "t-1", bin: new Uint8Array([1, 2]) }, timestamp: 1700000000000 },
        { topic, key: "k2", value: { fine: true } },
      ]);
      const t = target();
      t.answer = (d) => new Response(null, { status: d.body.key === "k1" ? 500 : 200 });
      const groupId = fresh("dead-letters");
      await subscribe({
        groupId,
        topic,
        url: t.url,
        maxAttempts: 3,
        backoffMs: 1,
        maxBackoffMs: 4,
        deadLetterTopic: dlq,
      });

      await until("both records dealt with", async () => (await committed(groupId, topic))[0] === 2);
      expect(t.deliveries.map((d) => [d.body.key, d.headers["kafdo-delivery-attempt"]])).toEqual([
        ["k1", "1"],
        ["k1", "2"],
        ["k1", "3"],
        ["k2", "1"],
      ]);
      const [dead, ...more] = await stored(dlq);
      expect(more).toEqual([]);
      expect(text(dead!.key)).toBe("k1");
      expect(dead!.value).toEqual(value);
      expect(dead!.timestamp).toBe(1700000000000);
      const h = Object.fromEntries(dead!.headers.map((x) => [x.key, x.value]));
      expect(h.bin).toEqual(new Uint8Array([1, 2]));
      expect(headersOf(dead!)).toMatchObject({
        trace: "t-1",
        "kafdo-dlq-topic": topic,
        "kafdo-dlq-partition": "0",
        "kafdo-dlq-offset": "0",
        "kafdo-dlq-group-id": groupId,
        "kafdo-dlq-url": t.url,
        "kafdo-dlq-attempts": "3",
        "kafdo-dlq-error": `${t.url} answered HTTP 500`,
      });
      expect((await describeSub(groupId)).status).toMatchObject({
        delivered: 1,
        deadLettered: 1,
        failedAttempts: 3,
        retrying: [],
      });
    },
    TEST_MS,
  );

  it(
    "dead-letters a record whose value is nested too deeply to write as a JSON body, and moves on",
    async () => {
      const topic = fresh("deep-src");
      const dlq = fresh("deep-dead");
      await createAdmin(env).createTopic({ topic });
      const deep = utf8(TOO_DEEP);
      await createProducer(env).sendBatch([
        { topic, key: "deep", value: deep },
        { topic, key: "fine", value: { fine: true } },
      ]);
      const t = target();
      const groupId = fresh("deep-letters");
      await subscribe({
        groupId,
        topic,
        url: t.url,
        maxAttempts: 2,
        backoffMs: 1,
        maxBackoffMs: 2,
        deadLetterTopic: dlq,
      });

      await until("both records dealt with", async () => (await committed(groupId, topic))[0] === 2);
      expect(t.deliveries.map((d) => d.body.key)).toEqual(["fine"]);
      const [dead, ...more] = await stored(dlq);
      expect(more).toEqual([]);
      expect(text(dead!.key)).toBe("deep");
      expect(dead!.value).toEqual(deep);
      expect(headersOf(dead!)).toMatchObject({ "kafdo-dlq-offset": "0", "kafdo-dlq-attempts": "2" });
      expect(headersOf(dead!)["kafdo-dlq-error"]).toContain("cannot be written as a JSON body");
      expect((await describeSub(groupId)).status).toMatchObject({ delivered: 1, deadLettered: 1, failedAttempts: 2 });
    },
    TEST_MS,
  );

  it(
    "resumes from the committed offsets when replaced, and leaves the group when deleted",
    async () => {
      const topic = fresh("moving");
      await createAdmin(env).createTopic({ topic });
      await createProducer(env).send({ topic, value: 1 });
      const a = target();
      const groupId = fresh("mover");
      await subscribe({ groupId, topic, url: a.url });
      await a.arrived(1);
      await until("first committed", async () => (await committed(groupId, topic))[0] === 1);

      const b = target();
      const replaced = await post("/webhook-subscriptions", { groupId, topic, url: b.url });
      expect(replaced.status).toBe(200);
      await createProducer(env).send({ topic, value: 2 });
      await b.arrived(1);
      expect(b.deliveries.map((d) => d.body.value)).toEqual([2]);
      expect(a.deliveries.map((d) => d.body.value)).toEqual([1]);

      await until("second committed", async () => (await committed(groupId, topic))[0] === 2);
      expect((await call("DELETE", `/webhook-subscriptions/${enc(groupId)}`)).status).toBe(204);
      subscriptions.splice(subscriptions.indexOf(groupId), 1);
      await until("the member left", async () => (await createAdmin(env).describeGroup(groupId)).members.length === 0);
      expect((await committed(groupId, topic))[0]).toBe(2);
    },
    TEST_MS,
  );
});

describe("deliver", () => {
  it("answers a failed attempt, not a throw, when the record cannot be written as JSON", async () => {
    const value: unknown = JSON.parse(TOO_DEEP);
    const sub: WebhookSubscription = {
      groupId: "g",
      topic: "t",
      url: "https://never.hooks.test/hook",
      maxAttempts: 3,
      backoffMs: 1,
      maxBackoffMs: 1,
      timeoutMs: 1000,
      deadLetterTopic: "t.dlq",
      secret: "s",
      fromBeginning: true,
      maxPollRecords: 1,
    };
    const fetched = vi.spyOn(globalThis, "fetch");
    const record = { topic: "t", partition: 0, offset: 5, timestamp: 1, key: null, value, headers: {} };
    const outcome = await deliver(sub, record, 1);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? "" : outcome.error).toMatch(/^the record cannot be written as a JSON body: /);
    expect(fetched).not.toHaveBeenCalled();
  });
});

describe("backoffDelay", () => {
  it("doubles from the base up to the maximum", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1000))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(1000, 1, 86400000)).toBe(86400000);
  });
});
