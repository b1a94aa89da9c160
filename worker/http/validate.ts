/*
 * validate.ts — a request's body, query and path parameters checked against the
 * endpoint's schemas, and refused as INVALID_REQUEST (400) with a message that names
 * the first problem by where it is: "body.messages[2].value is required",
 * "body.partitions must be an integer from -2147483648 to 2147483647",
 * 'query parameter "limit" must be an integer from 1 to 10000, not "0"'.
 *
 * TypeBox finds every problem; "first" is the order a reader goes through the body:
 * a value's own type, then its unknown fields, then its fields in the schema's order
 * and an array's items by index. Whether a topic or partition exists, or a group id
 * is valid, is api/'s to say, not the schema's.
 *
 * The query and the path are text: an integer parameter is written in decimal
 * digits only ("+1", "1.0", "1e2" and " 1" are not integers), then checked against
 * its bounds. An unknown query parameter, or one given twice, is refused: a misspelt
 * `maxbytes` would otherwise be silently ignored.
 */
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { invalidRequest } from "./errors";
import { nullableOf, type Static, type TObject, type TSchema } from "./schema";

/* `value`, which the caller has checked conforms to `schema`. */
export function checkBody<T extends TSchema>(schema: T, value: unknown): Static<T> {
  if (Value.Check(schema, value)) return value as Static<T>;
  const first = [...Value.Errors(schema, value)]
    .map((error) => ({ error, rank: rank(schema, value, segments(error.path)) }))
    .sort((a, b) => compare(a.rank, b.rank))[0];
  if (!first) throw invalidRequest("the body does not match its schema");
  throw invalidRequest(message(first.error, value));
}

/* The query string, by the parameters `schema` declares. */
export function checkQuery<T extends TObject>(schema: T, url: URL): Static<T> {
  const known = Object.keys(schema.properties);
  const out: Record<string, unknown> = {};
  for (const [name, raw] of url.searchParams) {
    if (!known.includes(name)) {
      const takes = known.length ? `; this endpoint takes ${known.join(", ")}` : "; this endpoint takes none";
      throw invalidRequest(`unknown query parameter "${name}"${takes}`);
    }
    if (Object.hasOwn(out, name)) throw invalidRequest(`query parameter "${name}" is given more than once`);
    out[name] = fromText(schema.properties[name]!, raw, `query parameter "${name}"`);
  }
  return out as Static<T>;
}

/* The path parameters (already percent-decoded by the router). */
export function checkPath<T extends TObject>(schema: T, param: (name: string) => string): Static<T> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema.properties)) out[name] = fromText(s, param(name), name);
  return out as Static<T>;
}

function fromText(schema: TSchema, raw: string, where: string): unknown {
  const value = schema.type === "integer" ? (/^[0-9]+$/.test(raw) ? Number(raw) : NaN) : raw;
  if (!Value.Check(schema, value)) throw invalidRequest(`${where} must be ${expected(schema)}, not "${raw}"`);
  return value;
}

/* ---- messages ------------------------------------------------------------------- */

/* What a value of `schema` is, as "must be ..." ends. */
function expected(schema: TSchema): string {
  const inner = nullableOf(schema);
  if (inner) return `${expected(inner)} or null`;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(", ")}`;
  switch (schema.type) {
    case "string":
      return "a string";
    case "integer":
      return `an integer from ${schema.minimum} to ${schema.maximum}`;
    case "boolean":
      return "true or false";
    case "array":
      return "an array";
    case "object":
      return "a JSON object";
    default:
      return "JSON";
  }
}

function message(error: ValueError, body: unknown): string {
  const path = segments(error.path);
  const where = describePath(body, path);
  const s = error.schema;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const allowed = Object.keys(s.properties ?? {}).join(", ");
      return `${describePath(body, path.slice(0, -1))} has unknown field "${path.at(-1)}"; allowed: ${allowed}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return s.type === undefined ? `${where} is required` : `${where} must be ${expected(s)}`;
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.ArrayMaxItems: {
      const n = (error.value as unknown[]).length;
      if (s.maxItems === undefined) return `${where} must hold at least ${s.minItems} item(s), not ${n}`;
      return `${where} must hold ${s.minItems ?? 0} to ${s.maxItems} items, not ${n}`;
    }
    default:
      if (Array.isArray(s.enum) && typeof error.value === "string") {
        return `${where} must be ${expected(s)}, not "${error.value}"`;
      }
      if (Array.isArray(s.enum)) return `${where} must be a string`;
      return `${where} must be ${expected(s)}`;
  }
}

/* A JSON Pointer's segments, unescaped (RFC 6901). */
function segments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/* "body", "body.messages[2].value": array items by index, fields by name. */
function describePath(body: unknown, path: string[]): string {
  let where = "body";
  let node: unknown = body;
  for (const segment of path) {
    where += Array.isArray(node) ? `[${segment}]` : `.${segment}`;
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return where;
}

/* ---- which problem is first ------------------------------------------------------ */

/* An error's place in reading order: at each step down its path, the field's index
 * in the schema (an unknown field -1, before every known one), or the item's index. */
function rank(schema: TSchema, body: unknown, path: string[]): number[] {
  const out: number[] = [];
  let s: TSchema | undefined = schema;
  let node: unknown = body;
  for (const segment of path) {
    if (Array.isArray(node)) {
      out.push(Number(segment));
      s = s?.items;
    } else {
      const fields = Object.keys(s?.properties ?? {});
      const known = fields.indexOf(segment);
      const inMap = typeof s?.additionalProperties === "object";
      const keys = typeof node === "object" && node !== null ? Object.keys(node) : [];
      out.push(known >= 0 ? known : inMap ? fields.length + keys.indexOf(segment) : -1);
      s = known >= 0 ? s?.properties[segment] : inMap ? s?.additionalProperties : undefined;
    }
    s = s && (nullableOf(s) ?? s);
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

/* Lexicographic; a value's own problem (a shorter path) before its parts'. */
function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
