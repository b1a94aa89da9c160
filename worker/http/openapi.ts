/*
 * openapi.ts — the OpenAPI 3.1 document of the REST API, served at /openapi.json,
 * made from the route table: each row's path and method, and its endpoint's
 * summary, parameters, body and answers with their schemas (endpoint.ts). What is
 * checked is what is published, so the two cannot differ. Schemas that are named()
 * are written once under components/schemas and referred to by $ref; so are the
 * shared parameters (parameters.ts) and the error answers (responses.ts).
 *
 * The bearer token of http/auth.ts is the bearerAuth security scheme: the document
 * requires it everywhere and an endpoint lifts it (GET /health: security []) or
 * offers an alternative (a signed webhook: [{bearerAuth: []}, {}]). Every operation
 * that can be refused declares the 401.
 */
import type { DocumentedRoute, Endpoint } from "./endpoint";
import { MAX_BODY_BYTES } from "./input";
import { parameterKey } from "./parameters";
import {
  BadRequest,
  ErrorBody,
  ServerError,
  TooLarge,
  Unauthorized,
  UnsupportedMediaType,
  type Refusal,
  type Reply,
} from "./responses";
import { componentName, type TSchema } from "./schema";
import { VERSION } from "./version";

type Json = Record<string, unknown>;

const INFO = {
  title: "Kafdo REST API",
  version: VERSION,
  description: [
    "Kafka on Cloudflare Workers: produce, read, consume in groups, and administer topics and",
    "groups over HTTP.",
    "",
    'Every error has the shape {"error": {"code": "<NAME>", "message": "..."}}; codes are',
    "Kafka's error names (UNKNOWN_TOPIC_OR_PARTITION, ILLEGAL_GENERATION, ...), INVALID_REQUEST",
    "for a malformed request, or NOT_FOUND, METHOD_NOT_ALLOWED (405, with an Allow header),",
    "PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE.",
    "",
    `Request bodies are JSON (content-type application/json), at most ${MAX_BODY_BYTES} bytes.`,
    "Every endpoint refuses query parameters it does not take, and parameters given twice.",
    "",
    "When the Worker has a KAFDO_TOKEN secret, every endpoint but GET /health wants",
    "`Authorization: Bearer <token>` (the bearerAuth scheme) and answers 401 UNAUTHORIZED",
    "without it; a webhook to a topic that checks signatures is authenticated by its signature.",
  ].join("\n"),
  license: { name: "MIT", identifier: "MIT" },
};

const TAGS = ["produce", "consume", "consumer groups", "admin", "service", "webhooks"];

const BEARER = {
  type: "http",
  scheme: "bearer",
  description:
    "The Worker's KAFDO_TOKEN secret, as `Authorization: Bearer <token>`. Checked only " +
    "when the secret is set (without it, as in local development, nothing is).",
};

export function openApiDocument(routes: readonly DocumentedRoute[]): Json {
  const schemas: Json = {};
  const parameters: Json = {};
  const responses: Json = {};

  /* The schema as JSON; a named one, other than at its own definition, as a $ref. */
  function schema(s: TSchema, definition = false): Json {
    const name = componentName(s);
    if (name !== undefined && !definition) {
      if (!(name in schemas)) {
        schemas[name] = {};
        schemas[name] = schema(s, true);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    const out: Json = {};
    for (const [key, value] of Object.entries(s)) {
      if (
        key === "properties" &&
        Object.keys(value as object).length === 0 &&
        typeof s.additionalProperties === "object"
      ) {
        /* A map (StringMap): TypeBox's checker wants the empty properties, a reader does not. */
        continue;
      } else if (key === "properties") {
        out[key] = Object.fromEntries(Object.entries(value as Record<string, TSchema>).map(([k, v]) => [k, schema(v)]));
      } else if ((key === "items" || key === "additionalProperties") && typeof value === "object") {
        out[key] = schema(value as TSchema);
      } else {
        out[key] = Array.isArray(value) ? [...value] : value;
      }
    }
    return out;
  }

  function parameter(name: string, where: "path" | "query", s: TSchema): Json {
    const { description, ...rest } = schema(s, true);
    const p: Json = { name, in: where, ...(where === "path" ? { required: true } : {}) };
    if (description !== undefined) p.description = description;
    p.schema = rest;
    const key = parameterKey(s);
    if (key === undefined) return p;
    parameters[key] ??= p;
    return { $ref: `#/components/parameters/${key}` };
  }

  function reply(r: Reply | Refusal, errorSchema?: TSchema): Json {
    const { description, headers } = r;
    const body = "schema" in r ? r.schema : errorSchema;
    return {
      description,
      ...(body
        ? { content: { [("mediaType" in r && r.mediaType) || "application/json"]: { schema: schema(body) } } }
        : {}),
      ...(headers ? { headers: headersOf(headers) } : {}),
    };
  }

  function headersOf(headers: NonNullable<Reply["headers"]>): Json {
    return Object.fromEntries(
      Object.entries(headers).map(([name, h]) => [name, { description: h.description, schema: schema(h.schema) }]),
    );
  }

  function refusal(r: Refusal): Json {
    responses[r.name] ??= reply(r, ErrorBody);
    return { $ref: `#/components/responses/${r.name}` };
  }

  function operation(e: Endpoint): Json {
    const op: Json = { summary: e.summary };
    if (e.description !== undefined) op.description = e.description;
    op.tags = e.tags;
    if (e.security) op.security = e.security;
    const params = [
      ...Object.entries(e.params.properties).map(([name, s]) => parameter(name, "path", s)),
      ...Object.entries(e.query.properties).map(([name, s]) => parameter(name, "query", s)),
    ];
    if (params.length) op.parameters = params;
    if (e.body) op.requestBody = { required: true, content: { "application/json": { schema: schema(e.body) } } };
    if (e.rawBody) op.requestBody = { required: false, content: { "*/*": { schema: { description: e.rawBody } } } };

    const open = e.security?.length === 0;
    const refusals = new Map<number, Refusal>();
    for (const r of [BadRequest, ...(open ? [] : [Unauthorized]), ServerError]) refusals.set(r.status, r);
    if (e.body) for (const r of [TooLarge, UnsupportedMediaType]) refusals.set(r.status, r);
    for (const r of e.errors) refusals.set(r.status, r);

    const answers: [number, Json][] = Object.entries(e.responses).map(([status, r]) => [Number(status), reply(r)]);
    for (const [status, r] of refusals) answers.push([status, refusal(r)]);
    op.responses = Object.fromEntries(answers.sort(([a], [b]) => a - b).map(([status, r]) => [String(status), r]));
    return op;
  }

  const paths: Record<string, Json> = {};
  for (const { method, path, endpoint } of routes) {
    const item = (paths[path.replace(/:([A-Za-z]+)/g, "{$1}")] ??= {});
    item[method.toLowerCase()] = operation(endpoint);
  }
  return {
    openapi: "3.1.0",
    info: INFO,
    security: [{ bearerAuth: [] }],
    tags: TAGS.map((name) => ({ name })),
    paths,
    components: { securitySchemes: { bearerAuth: BEARER }, parameters, responses, schemas },
  };
}
