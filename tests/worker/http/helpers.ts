/*
 * Helpers shared by the tests that call the REST API (http/ and a few others):
 * calling the Worker's fetch handler, unique topic names (storage is shared between
 * tests), the error shape,
 * and a snapshot of everything stored in a topic, to show that a refused request
 * changed nothing.
 */
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../../worker/index";
import type { Env } from "../../../worker/env";

export const BASE = "http://kafdo.test";

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface CallOptions {
  /* Sent as JSON with content-type application/json. */
  json?: unknown;
  /* Sent as it is, with `headers` as given. */
  raw?: BodyInit;
  headers?: Record<string, string>;
  /* Call the Worker's handler with these bindings instead of the configured ones. */
  env?: Env;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  if (res.headers.get("content-type")?.includes("application/json")) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

export async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  const request = new Request(BASE + path, { method, headers, body });
  const res = options.env ? await worker.fetch(request, options.env) : await exports.default.fetch(request);
  return answer(res);
}

export const get = (path: string, options?: CallOptions) => call("GET", path, options);
export const post = (path: string, json: unknown, options?: CallOptions) => call("POST", path, { ...options, json });

/* The configured bindings with auto-creation of topics off. */
export function envWithoutAutoCreate(): Env {
  return { ...env, KAFDO_AUTO_CREATE_TOPICS: "false" };
}

let topics = 0;
export function topicName(prefix = "rest"): string {
  return `${prefix}-${Date.now().toString(36)}-${topics++}`;
}

export async function createTopic(
  partitions = 1,
  config?: Record<string, string>,
  name = topicName(),
): Promise<string> {
  const res = await post("/admin/topics", { topic: name, partitions, ...(config ? { config } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return name;
}

export function expectError(res: Answer, status: number, code: string, messageContains?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(Object.keys(res.body.error).sort()).toEqual(["code", "message"]);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.body.error.message).not.toMatch(/\n\s+at /);
  if (messageContains !== undefined) expect(res.body.error.message).toContain(messageContains);
}

export const enc = encodeURIComponent;

/* Every record of every partition of `topic` (base64, so bytes are compared), with
 * the topic's description; or the 404 when the topic does not exist. */
export async function snapshot(topic: string): Promise<unknown> {
  const described = await get(`/admin/topics/${enc(topic)}`);
  if (described.status !== 200) return { status: described.status, code: described.body?.error?.code };
  const partitions = [];
  for (const { partition } of described.body.partitions as { partition: number }[]) {
    const read = await get(`/topics/${enc(topic)}/partitions/${partition}/messages?encoding=base64&limit=10000`);
    expect(read.status).toBe(200);
    partitions.push(read.body);
  }
  return { description: described.body, partitions };
}

export async function topicExists(topic: string): Promise<boolean> {
  const list = await get("/admin/topics");
  expect(list.status).toBe(200);
  return (list.body.topics as string[]).includes(topic);
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function b64(bytes: Uint8Array | string): string {
  const b = typeof bytes === "string" ? utf8(bytes) : bytes;
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function unb64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}
