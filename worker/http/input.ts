/*
 * input.ts — reading what a client sent: the JSON body, the query string, path
 * numbers, and base64.
 *
 * Everything here is about the HTTP form of a request, never about Kafka: a
 * partition must be a non-negative integer to be a partition at all, but whether
 * the topic has it is api/'s to say. Every refusal is INVALID_REQUEST (400) with a
 * message that names the offending field by its path in the body or query, except
 * a body that is too large (413) or not declared as JSON (415).
 *
 * Bodies are read with a limit (MAX_BODY_BYTES), checked against Content-Length
 * before reading and again while reading, since Content-Length may be absent
 * (chunked) or wrong.
 */
import { readBodyWithin } from "../common/body";
import { HttpError, invalidRequest } from "./errors";

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

const INT32_MAX = 2147483647;

function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const type = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/* The request body parsed as JSON. */
export async function readJson(request: Request): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get("content-type"))) {
    throw new HttpError("UNSUPPORTED_MEDIA_TYPE", "the body must be JSON, sent with content-type application/json");
  }
  const bytes = await readBodyWithin(
    request,
    MAX_BODY_BYTES,
    () => new HttpError("PAYLOAD_TOO_LARGE", `the body is larger than ${MAX_BODY_BYTES} bytes`),
  );

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidRequest("the body is not valid UTF-8");
  }
  if (text.trim() === "") throw invalidRequest("the body is empty; a JSON document was expected");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidRequest(`the body is not valid JSON: ${(e as Error).message}`);
  }
}

/* ---- query strings ------------------------------------------------------------ */

/*
 * The query string of a request for an endpoint that takes the parameters `known`.
 * An unknown parameter, or one given twice, is refused: a misspelt `maxbytes` would
 * otherwise be silently ignored.
 */
export class Query {
  private readonly values = new Map<string, string>();

  constructor(url: URL, known: readonly string[]) {
    for (const [name, value] of url.searchParams) {
      if (!known.includes(name)) {
        const expected = known.length ? `; this endpoint takes ${known.join(", ")}` : "; this endpoint takes none";
        throw invalidRequest(`unknown query parameter "${name}"${expected}`);
      }
      if (this.values.has(name)) throw invalidRequest(`query parameter "${name}" is given more than once`);
      this.values.set(name, value);
    }
  }

  /* Refuses any query parameter, for endpoints that take none. */
  static none(url: URL): void {
    new Query(url, []);
  }

  /* An integer in [min, max] written in decimal digits, or `fallback` when absent. */
  int(name: string, min: number, max: number, fallback: number): number {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    return decimal(raw, min, max, `query parameter "${name}"`);
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      throw invalidRequest(`query parameter "${name}" must be one of ${choices.join(", ")}, not "${raw}"`);
    }
    return raw as T;
  }
}

function decimal(raw: string, min: number, max: number, what: string): number {
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidRequest(`${what} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return n;
}

/* A partition number from a path segment: Kafka partitions are int32 >= 0. */
export function partitionParam(raw: string): number {
  return decimal(raw, 0, INT32_MAX, "partition");
}

/* ---- JSON body shapes ----------------------------------------------------------- */

/* `where` names the value in messages: "body", "body.messages[3].headers". */

export type JsonObject = Record<string, unknown>;

export function object(v: unknown, where: string, allowed: readonly string[]): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw invalidRequest(`${where} must be a JSON object`);
  }
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) {
      throw invalidRequest(`${where} has unknown field "${key}"; allowed: ${allowed.join(", ")}`);
    }
  }
  return v as JsonObject;
}

export function has(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key);
}

export function string(v: unknown, where: string): string {
  if (typeof v !== "string") throw invalidRequest(`${where} must be a string`);
  return v;
}

export function integer(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalidRequest(`${where} must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function partitionField(v: unknown, where: string): number {
  return integer(v, where, 0, INT32_MAX);
}

export function array(v: unknown, where: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) throw invalidRequest(`${where} must be an array`);
  if (v.length < min || v.length > max) {
    throw invalidRequest(`${where} must hold ${min} to ${max} items, not ${v.length}`);
  }
  return v;
}

/* A map from strings to what `each` makes of every value. */
export function stringMap<T>(v: unknown, where: string, each: (value: unknown, where: string) => T): Record<string, T> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw invalidRequest(`${where} must be a JSON object`);
  }
  const out = dictionary<T>();
  for (const [name, value] of Object.entries(v)) out[name] = each(value, `${where}.${name}`);
  return out;
}

/* An object without a prototype, so that a header or config named "__proto__" is
 * an ordinary key. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/* ---- base64 (RFC 4648 section 4, with padding) -------------------------------- */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function fromBase64(v: unknown, where: string): Uint8Array {
  if (typeof v !== "string" || !BASE64.test(v)) {
    throw invalidRequest(`${where} must be a base64 string (standard alphabet, padded)`);
  }
  const binary = atob(v);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
