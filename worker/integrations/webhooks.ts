/*
 * webhooks.ts — webhook ingestion: an HTTP request that a service (Stripe, GitHub,
 * anything that POSTs events) sends to POST /webhooks/:topic becomes one record.
 *
 *   value    the request body, byte for byte (a JSON body is its JSON text, so
 *            consumers read it as JSON; a form or binary body stays as it came)
 *   key      the value of the topic's keyHeader request header; null without one
 *   headers  the request headers kept: content-type, user-agent, x-github-event,
 *            x-github-delivery, x-github-hook-id, and those the topic's `headers`
 *            config names; lower-case names, values as sent. Absent ones are left
 *            out. kafdo-webhook-verified: "stripe" or "github" when the request's
 *            signature was checked.
 *   timestamp  when it was received
 *
 * Signatures. A topic configured with a signature scheme and a shared secret
 * accepts only requests signed with it, HMAC-SHA256 over the exact body bytes:
 *
 *   github  X-Hub-Signature-256: sha256=<hex HMAC(secret, body)>
 *   stripe  Stripe-Signature: t=<unix seconds>,v1=<hex HMAC(secret, "<t>." + body)>
 *           (several v1 are allowed, any one may match; t must be within
 *           toleranceSeconds of now, 300 by default, 0 to not check, against replays)
 *
 * Signatures are compared by WebCrypto's HMAC verify, in constant time. A request
 * that fails is SASL_AUTHENTICATION_FAILED (Kafka's name for a failed
 * authentication; the REST front answers 401 UNAUTHORIZED) and stores nothing.
 *
 * Configuration, by topic (the Worker reads it from the KAFDO_WEBHOOKS var, as
 * JSON; "*" applies to topics not listed):
 *
 *   { "stripe-events": { "signature": "stripe", "secretEnv": "STRIPE_WEBHOOK_SECRET" },
 *     "github-events": { "signature": "github", "secret": "...",
 *                        "headers": ["x-github-hook-installation-target-id"],
 *                        "keyHeader": "x-github-delivery" } }
 *
 * `secret` holds the secret itself (then KAFDO_WEBHOOKS should be a wrangler
 * secret); `secretEnv` names another binding that holds it. A topic without a
 * signature scheme accepts any request, as POST /topics/:topic/produce does.
 */
import { readBodyWithin } from "../common/body";
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { Producer, ProducerMessage, RecordMetadata } from "../common/api";
import { lazyProducer } from "./worker-api";

/* The largest body read; the topic's max.message.bytes applies after that. */
export const WEBHOOK_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 300;
export const KEPT_HEADERS: readonly string[] = [
  "content-type",
  "user-agent",
  "x-github-event",
  "x-github-delivery",
  "x-github-hook-id",
];
export const VERIFIED_HEADER = "kafdo-webhook-verified";

export type WebhookSignatureScheme = "stripe" | "github";
export const SIGNATURE_SCHEMES: readonly WebhookSignatureScheme[] = ["stripe", "github"];

export interface WebhookTopicConfig {
  /* Accept only requests signed with this scheme and the shared secret. */
  signature?: WebhookSignatureScheme;
  /* The shared secret... */
  secret?: string;
  /* ...or the name of the env binding that holds it. */
  secretEnv?: string;
  /* stripe: how far t may be from now, in seconds; 0: not checked. 300. */
  toleranceSeconds?: number;
  /* Request headers to keep in the record, beyond KEPT_HEADERS. */
  headers?: string[];
  /* The request header whose value is the record's key. */
  keyHeader?: string;
}

/* Topic name (or "*") -> its configuration. */
export type WebhookConfig = Record<string, WebhookTopicConfig>;

/* ---- configuration ------------------------------------------------------------------ */

const CONFIG_FIELDS = ["signature", "secret", "secretEnv", "toleranceSeconds", "headers", "keyHeader"];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function configError(message: string): never {
  throw new KafdoError(KafkaCode.INVALID_CONFIG, message);
}

/* Checks a webhook configuration object; INVALID_CONFIG saying what is wrong. */
export function checkWebhookConfig(config: unknown, where = "the webhook configuration"): WebhookConfig {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    configError(`${where} is a JSON object of topic names to their settings`);
  }
  const out: WebhookConfig = Object.create(null);
  for (const [topic, raw] of Object.entries(config)) {
    const at = `${where}: topic "${topic}"`;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) configError(`${at} is not an object`);
    const c = raw as Record<string, unknown>;
    for (const k of Object.keys(c)) {
      if (!CONFIG_FIELDS.includes(k))
        configError(`${at} has unknown setting "${k}"; known: ${CONFIG_FIELDS.join(", ")}`);
    }
    const t: WebhookTopicConfig = {};
    if (c.signature !== undefined) {
      if (!(SIGNATURE_SCHEMES as readonly unknown[]).includes(c.signature)) {
        configError(`${at}: signature is one of ${SIGNATURE_SCHEMES.join(", ")}`);
      }
      t.signature = c.signature as WebhookSignatureScheme;
      const hasSecret = typeof c.secret === "string" && c.secret.length > 0;
      const hasEnv = typeof c.secretEnv === "string" && c.secretEnv.length > 0;
      if (hasSecret === hasEnv) configError(`${at}: a signature needs exactly one of secret and secretEnv`);
      if (hasSecret) t.secret = c.secret as string;
      if (hasEnv) t.secretEnv = c.secretEnv as string;
    } else if (c.secret !== undefined || c.secretEnv !== undefined) {
      configError(`${at}: a secret needs a signature scheme (${SIGNATURE_SCHEMES.join(", ")})`);
    }
    if (c.toleranceSeconds !== undefined) {
      const n = c.toleranceSeconds;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        configError(`${at}: toleranceSeconds is an integer >= 0`);
      }
      t.toleranceSeconds = n;
    }
    if (c.headers !== undefined) {
      if (!Array.isArray(c.headers) || c.headers.some((h) => typeof h !== "string" || !TOKEN.test(h))) {
        configError(`${at}: headers is an array of header names`);
      }
      t.headers = (c.headers as string[]).map((h) => h.toLowerCase());
    }
    if (c.keyHeader !== undefined) {
      if (typeof c.keyHeader !== "string" || !TOKEN.test(c.keyHeader)) configError(`${at}: keyHeader is a header name`);
      t.keyHeader = c.keyHeader.toLowerCase();
    }
    out[topic] = t;
  }
  return out;
}

let parsed: { text: string; config: WebhookConfig } | undefined;

/* The configuration in the KAFDO_WEBHOOKS var (none when unset), parsed once per
 * isolate; INVALID_CONFIG when it is not valid. */
export function webhookConfigFromEnv(env: KafdoBindings): WebhookConfig {
  const text = env.KAFDO_WEBHOOKS;
  if (text === undefined || text.trim() === "") return {};
  if (parsed?.text === text) return parsed.config;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    configError(`KAFDO_WEBHOOKS is not JSON: ${(e as Error).message}`);
  }
  const config = checkWebhookConfig(json, "KAFDO_WEBHOOKS");
  parsed = { text, config };
  return config;
}

/* The settings of `topic`: its own, else "*"'s, else none. */
export function topicWebhookConfig(config: WebhookConfig, topic: string): WebhookTopicConfig {
  return Object.hasOwn(config, topic) ? config[topic]! : Object.hasOwn(config, "*") ? config["*"]! : {};
}

/* ---- signatures ------------------------------------------------------------------------- */

const utf8 = new TextEncoder();

function fromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/* HMAC-SHA256 of `data` under `secret`, as hex: how a sender signs. */
export async function hmacSha256Hex(secret: string, data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), bytes)));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/*
 * Checks the request's signature by `scheme`: null when it is valid, else why not.
 * `nowMs` is the time Stripe's t is held against.
 */
export async function verifyWebhookSignature(
  scheme: WebhookSignatureScheme,
  secret: string,
  headers: Headers,
  body: Uint8Array,
  options: { toleranceSeconds?: number; nowMs?: number } = {},
): Promise<string | null> {
  const key = await hmacKey(secret, "verify");
  if (scheme === "github") {
    const header = headers.get("x-hub-signature-256");
    if (header === null) return "the X-Hub-Signature-256 header is missing";
    const signature = header.startsWith("sha256=") ? fromHex(header.slice(7).trim()) : undefined;
    if (!signature) return "X-Hub-Signature-256 is not sha256=<64 hex digits>";
    return (await crypto.subtle.verify("HMAC", key, signature, body)) ? null : "the signature does not match";
  }
  const header = headers.get("stripe-signature");
  if (header === null) return "the Stripe-Signature header is missing";
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t") t = value;
    else if (name === "v1") v1.push(value);
  }
  if (t === undefined || !/^[0-9]{1,15}$/.test(t)) return "Stripe-Signature has no timestamp t=<unix seconds>";
  if (v1.length === 0) return "Stripe-Signature has no v1 signature";
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = (options.nowMs ?? Date.now()) / 1000;
  if (tolerance > 0 && Math.abs(now - Number(t)) > tolerance) {
    return `Stripe-Signature's timestamp is more than ${tolerance} s from now`;
  }
  const signed = concat(utf8.encode(`${t}.`), body);
  for (const hex of v1) {
    const signature = fromHex(hex);
    if (signature && (await crypto.subtle.verify("HMAC", key, signature, signed))) return null;
  }
  return "no v1 signature matches";
}

/* ---- receiving --------------------------------------------------------------------------- */

/* The request body, at most WEBHOOK_MAX_BODY_BYTES (else MESSAGE_TOO_LARGE). */
function readBody(request: Request): Promise<Uint8Array> {
  return readBodyWithin(
    request,
    WEBHOOK_MAX_BODY_BYTES,
    () =>
      new KafdoError(KafkaCode.MESSAGE_TOO_LARGE, `the webhook body is larger than ${WEBHOOK_MAX_BODY_BYTES} bytes`),
  );
}

function secretOf(env: KafdoBindings, topic: string, config: WebhookTopicConfig): string {
  if (config.secret !== undefined) return config.secret;
  const value = (env as unknown as Record<string, unknown>)[config.secretEnv!];
  if (typeof value !== "string" || value.length === 0) {
    configError(`the webhook secret of topic "${topic}" is not set: the Worker has no ${config.secretEnv} binding`);
  }
  return value;
}

/* The record a webhook request becomes (its signature already checked). */
export function webhookMessage(
  topic: string,
  headers: Headers,
  body: Uint8Array,
  config: WebhookTopicConfig,
  verified: boolean,
): ProducerMessage {
  const kept: Record<string, string> = Object.create(null);
  for (const name of [...KEPT_HEADERS, ...(config.headers ?? [])]) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  if (verified && config.signature) kept[VERIFIED_HEADER] = config.signature;
  const key = config.keyHeader === undefined ? null : headers.get(config.keyHeader);
  return { topic, key, value: body, headers: kept };
}

/*
 * Stores a webhook request to `topic` as one record, after checking its signature
 * when the topic's settings ask for one. SASL_AUTHENTICATION_FAILED when the
 * signature is missing or wrong; MESSAGE_TOO_LARGE for a body over the limits;
 * INVALID_CONFIG when the secret the settings name is not there.
 */
export async function receiveWebhook(
  env: KafdoBindings,
  topic: string,
  request: Request,
  config: WebhookTopicConfig = {},
  producer?: Producer,
): Promise<RecordMetadata> {
  if (typeof topic !== "string" || topic.length === 0) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "a webhook names its topic");
  }
  const body = await readBody(request);
  let verified = false;
  if (config.signature) {
    const secret = secretOf(env, topic, config);
    const options = config.toleranceSeconds === undefined ? {} : { toleranceSeconds: config.toleranceSeconds };
    const failure = await verifyWebhookSignature(config.signature, secret, request.headers, body, options);
    if (failure !== null) {
      throw new KafdoError(
        KafkaCode.SASL_AUTHENTICATION_FAILED,
        `webhook signature check failed (${config.signature}): ${failure}`,
      );
    }
    verified = true;
  }
  const message = webhookMessage(topic, request.headers, body, config, verified);
  if (producer) return producer.send(message);
  const own = lazyProducer(env);
  try {
    return await own.send(message);
  } finally {
    await own.close();
  }
}
