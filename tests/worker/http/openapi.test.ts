/// <reference types="vite/client" />
/*
 * The OpenAPI document stays true: it describes exactly the routes of the router
 * table, with their path parameters, and what the Worker really answers (bodies
 * and statuses) validates against its schemas; what the request schemas accept
 * and refuse, the Worker accepts and refuses too.
 *
 * The schema checker below covers the subset of JSON Schema the document uses,
 * and a test holds the document to that subset.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OPENAPI, ROUTES } from "../../../worker/http/routes";
import { VERSION } from "../../../worker/http/version";
import { type Answer, b64, call, createTopic, enc, get, post, topicName } from "./helpers";

type Schema = Record<string, any>;
const doc = OPENAPI as unknown as Schema;

/* ---- a checker for the subset of JSON Schema the document uses --------------- */

const KEYWORDS = new Set([
  "$ref",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "description",
]);

function resolve(ref: string): Schema {
  expect(ref.startsWith("#/")).toBe(true);
  let node: any = doc;
  for (const part of ref.slice(2).split("/")) {
    node = node?.[part];
    if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return node;
}

function deref(node: Schema): Schema {
  return typeof node.$ref === "string" ? resolve(node.$ref) : node;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/* The ways `v` fails `schema`, as "path: reason"; none when it conforms. */
function check(v: unknown, schema: Schema, at = "$"): string[] {
  const s = deref(schema);
  const errors: string[] = [];
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(v);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) {
      return [`${at}: is ${t}, expected ${types.join(" or ")}`];
    }
  }
  if (s.enum && !s.enum.some((e: unknown) => e === v)) errors.push(`${at}: ${JSON.stringify(v)} not in enum`);
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) errors.push(`${at}: ${v} < minimum ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) errors.push(`${at}: ${v} > maximum ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) errors.push(`${at}: fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) errors.push(`${at}: more than ${s.maxItems} items`);
    if (s.items) v.forEach((item, i) => errors.push(...check(item, s.items, `${at}[${i}]`)));
  }
  if (typeOf(v) === "object") {
    const o = v as Record<string, unknown>;
    for (const name of s.required ?? []) {
      if (!Object.hasOwn(o, name)) errors.push(`${at}: missing required ${name}`);
    }
    for (const [name, value] of Object.entries(o)) {
      const property = s.properties?.[name];
      if (property) errors.push(...check(value, property, `${at}.${name}`));
      else if (s.additionalProperties === false) errors.push(`${at}: unexpected property ${name}`);
      else if (typeof s.additionalProperties === "object") {
        errors.push(...check(value, s.additionalProperties, `${at}.${name}`));
      }
    }
  }
  return errors;
}

/* Every schema in the document: component schemas, parameters', bodies', responses'. */
function allSchemas(): [string, Schema][] {
  const found: [string, Schema][] = [];
  const walk = (node: unknown, at: string): void => {
    if (typeof node !== "object" || node === null) return;
    for (const [k, child] of Object.entries(node)) {
      if (k === "schema") found.push([`${at}.schema`, child as Schema]);
      else walk(child, `${at}.${k}`);
    }
  };
  walk(doc.paths, "paths");
  walk(doc.components.parameters, "components.parameters");
  walk(doc.components.responses, "components.responses");
  for (const [name, s] of Object.entries(doc.components.schemas))
    found.push([`components.schemas.${name}`, s as Schema]);
  return found;
}

function subschemas(s: Schema): Schema[] {
  const out: Schema[] = [];
  for (const p of Object.values(s.properties ?? {})) out.push(p as Schema);
  if (typeof s.additionalProperties === "object") out.push(s.additionalProperties);
  if (s.items) out.push(s.items);
  return out;
}

/* ---- the document and the router table ------------------------------------------ */

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const openApiPath = (pattern: string) => pattern.replace(/:([A-Za-z]+)/g, "{$1}");

function operation(method: string, path: string): Schema {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`the document has no ${method} ${path}`);
  return op;
}

describe("the OpenAPI document and the router table", () => {
  it("is OpenAPI 3.1 and reports the service's version", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toBe(VERSION);
  });

  it("the version is package.json's", () => {
    const pkg = import.meta.glob<string>("../../../package.json", { eager: true, import: "version" });
    expect(Object.values(pkg)).toEqual([VERSION]);
  });

  it("documents every route of the table", () => {
    for (const route of ROUTES) {
      expect(
        doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
  });

  it("documents nothing that is not a route", () => {
    const routed = new Set(ROUTES.map((r) => `${r.method} ${openApiPath(r.path)}`));
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
      for (const key of Object.keys(item)) {
        expect(METHODS, `${path} has ${key}`).toContain(key);
        documented.push(`${key.toUpperCase()} ${path}`);
      }
    }
    expect(documented.filter((d) => !routed.has(d))).toEqual([]);
    expect(documented).toHaveLength(ROUTES.length);
  });

  it("declares each route's path parameters, required, and no others", () => {
    for (const route of ROUTES) {
      const op = operation(route.method, openApiPath(route.path));
      const declared = (op.parameters ?? []).map(deref).filter((p: Schema) => p.in === "path");
      const names = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
      expect(declared.map((p: Schema) => p.name).sort(), `${route.method} ${route.path}`).toEqual(names.sort());
      for (const p of declared) expect(p.required).toBe(true);
    }
  });

  it("gives every operation a summary and responses, and a request body to every body-reading route", () => {
    const readsBody = new Set([
      "POST /topics/{topic}/produce",
      "POST /topics/{topic}/produce-batch",
      "POST /admin/topics",
      "POST /admin/topics/{topic}/partitions",
      "POST /admin/topics/{topic}/delete-records",
      "PATCH /admin/topics/{topic}/configs",
      "PUT /admin/topics/{topic}/configs",
      "POST /consumer-groups/{groupId}/join",
      "POST /consumer-groups/{groupId}/heartbeat",
      "POST /consumer-groups/{groupId}/commit",
      "POST /consumer-groups/{groupId}/leave",
      "POST /admin/groups/{groupId}/offsets/reset",
      "POST /webhooks/{topic}",
      "POST /webhook-subscriptions",
      "PUT /admin/users/{name}",
      "POST /admin/acls",
      "POST /topics/{topic}/query",
      "POST /transactions/produce",
    ]);
    for (const route of ROUTES) {
      const key = `${route.method} ${openApiPath(route.path)}`;
      const op = operation(route.method, openApiPath(route.path));
      expect(typeof op.summary, key).toBe("string");
      expect(Object.keys(op.responses).length, key).toBeGreaterThan(0);
      expect(op.requestBody !== undefined, key).toBe(readsBody.has(key));
    }
  });

  it("resolves every $ref", () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node !== "object" || node === null) return;
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref") refs.push(v as string);
        else walk(v);
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(() => resolve(ref), ref).not.toThrow();
  });

  it("uses only the JSON Schema keywords the checker knows", () => {
    const seen = new Set<Schema>();
    const visit = (s: Schema, at: string): void => {
      if (seen.has(s)) return;
      seen.add(s);
      for (const k of Object.keys(s)) expect(KEYWORDS, `${at} uses ${k}`).toContain(k);
      if (s.$ref) visit(resolve(s.$ref), s.$ref);
      for (const sub of subschemas(s)) visit(sub, at);
    };
    for (const [at, s] of allSchemas()) visit(s, at);
    expect(seen.size).toBeGreaterThan(30);
  });

  it("declares the bearer token as a scheme every operation but GET /health requires, with its 401", () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const route of ROUTES) {
      const key = `${route.method} ${openApiPath(route.path)}`;
      const op = operation(route.method, openApiPath(route.path));
      const security: Schema[] = op.security ?? doc.security;
      for (const requirement of security) {
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes, key).toHaveProperty(scheme);
      }
      if (key === "GET /health") {
        expect(op.security, key).toEqual([]);
        expect(op.responses["401"], key).toBeUndefined();
        continue;
      }
      expect(security, key).toContainEqual({ bearerAuth: [] });
      const refused = deref(op.responses["401"] ?? {});
      expect(refused.content?.["application/json"]?.schema, `${key} declares a 401`).toEqual({
        $ref: "#/components/schemas/Error",
      });
    }
    /* A signed webhook topic is authenticated by its signature instead: no token is an alternative. */
    expect(operation("POST", "/webhooks/{topic}").security).toEqual([{ bearerAuth: [] }, {}]);
  });

  it("serves itself at /openapi.json, and lists the routes at /", async () => {
    const served = await get("/openapi.json");
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
    const root = await get("/");
    expect(root.body.endpoints).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(root.body.endpoints).toContain("POST /topics/:topic/produce");
  });
});

describe("the schema checker", () => {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  it("accepts what conforms and names what does not", () => {
    const ok = { topic: "t", partition: 0, offset: 3, timestamp: 1 };
    expect(check(ok, ref("RecordMetadata"))).toEqual([]);
    expect(check({ ...ok, offset: "3" }, ref("RecordMetadata"))).toEqual(["$.offset: is string, expected integer"]);
    expect(check({ ...ok, offset: 1.5 }, ref("RecordMetadata"))).toEqual(["$.offset: is number, expected integer"]);
    expect(check({ topic: "t", partition: 0, offset: 3 }, ref("RecordMetadata"))).toEqual([
      "$: missing required timestamp",
    ]);
    expect(check({ ...ok, extra: 1 }, ref("RecordMetadata"))).toEqual(["$: unexpected property extra"]);
    expect(check({ ...ok, partition: -1 }, ref("RecordMetadata"))).toEqual(["$.partition: -1 < minimum 0"]);
    expect(check({ status: "fine" }, ref("Health"))).toEqual(['$.status: "fine" not in enum']);
    expect(check({ topics: ["a", 1] }, ref("TopicList"))).toEqual(["$.topics[1]: is integer, expected string"]);
    expect(check({ value: 1, headers: { h: 2 } }, ref("ProduceMessage"))).toEqual([
      "$.headers.h: is integer, expected string or null",
    ]);
    expect(check({ messages: [] }, ref("ProduceBatch"))).toEqual(["$.messages: fewer than 1 items"]);
    expect(check([], ref("Error"))).toEqual(["$: is array, expected object"]);
  });
});

/* ---- real answers against the document ----------------------------------------- */

function expectConforms(method: string, path: string, res: Answer): void {
  const op = operation(method, path);
  const declared = op.responses[String(res.status)];
  expect(
    declared,
    `${method} ${path} answered ${res.status}, which it does not declare: ${JSON.stringify(res.body)}`,
  ).toBeDefined();
  const response = deref(declared);
  const schema = response.content?.["application/json"]?.schema;
  if (schema === undefined) {
    expect(res.body, `${method} ${path} ${res.status} declares no body`).toBe("");
    return;
  }
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(check(res.body, schema), `${method} ${path} ${res.status}`).toEqual([]);
}

describe("real answers conform to the document", () => {
  it("produce, read and offsets", async () => {
    const topic = await createTopic(2);
    const t = enc(topic);

    expectConforms(
      "POST",
      "/topics/{topic}/produce",
      await post(`/topics/${t}/produce`, { key: "k", value: { a: [1] }, headers: { h: "v", n: null }, partition: 0 }),
    );
    expectConforms(
      "POST",
      "/topics/{topic}/produce",
      await post(`/topics/${t}/produce?encoding=base64`, {
        key: b64(new Uint8Array([0xff])),
        value: b64(new Uint8Array([0xfe, 0])),
        headers: { bin: b64(new Uint8Array([0xc3])) },
        partition: 0,
      }),
    );
    expectConforms(
      "POST",
      "/topics/{topic}/produce-batch",
      await post(`/topics/${t}/produce-batch`, {
        messages: [
          { value: null, partition: 0 },
          { value: "x", partition: 1 },
        ],
      }),
    );

    const path = "/topics/{topic}/partitions/{partition}/messages";
    const json = await get(`/topics/${t}/partitions/0/messages`);
    expect(json.body.messages).toHaveLength(3);
    expect(json.body.messages[1]).toHaveProperty("keyBase64");
    expect(json.body.messages[1]).toHaveProperty("headersBase64");
    expectConforms("GET", path, json);
    expectConforms("GET", path, await get(`/topics/${t}/partitions/0/messages?encoding=base64`));
    expectConforms("GET", path, await get(`/topics/${t}/partitions/1/messages?offset=1`));

    expectConforms(
      "GET",
      "/topics/{topic}/partitions/{partition}/offsets",
      await get(`/topics/${t}/partitions/1/offsets`),
    );
    expectConforms("GET", "/admin/topics/{topic}/offsets", await get(`/admin/topics/${t}/offsets`));
    const byTime = await get(`/topics/${t}/partitions/0/offsets?timestamp=0`);
    expect(byTime.body.offsetForTimestamp.offset).toBe(0);
    expectConforms("GET", "/topics/{topic}/partitions/{partition}/offsets", byTime);
  });

  it("admin", async () => {
    const topic = topicName("doc");
    const t = enc(topic);
    expectConforms("POST", "/admin/topics", await post("/admin/topics", { topic, config: { "retention.ms": "1000" } }));
    expectConforms("GET", "/admin/topics", await get("/admin/topics"));
    expectConforms("GET", "/admin/topics/{topic}", await get(`/admin/topics/${t}`));
    expectConforms(
      "POST",
      "/admin/topics/{topic}/partitions",
      await post(`/admin/topics/${t}/partitions`, { count: 3 }),
    );
    const configs = "/admin/topics/{topic}/configs";
    expectConforms(
      "PATCH",
      configs,
      await call("PATCH", `/admin/topics/${t}/configs`, { json: { configs: { "retention.ms": null } } }),
    );
    expectConforms(
      "PUT",
      configs,
      await call("PUT", `/admin/topics/${t}/configs`, { json: { configs: { "retention.ms": "5" } } }),
    );
    expectConforms("DELETE", "/admin/topics/{topic}", await call("DELETE", `/admin/topics/${t}`));
  });

  it("consumer groups", async () => {
    const topic = await createTopic(2);
    const group = enc(topicName("doc-group"));
    const g = `/consumer-groups/${group}`;
    const joined = await post(`${g}/join`, { topics: [topic], clientId: "doc" });
    expectConforms("POST", "/consumer-groups/{groupId}/join", joined);
    const { memberId, generationId } = joined.body;
    expectConforms(
      "POST",
      "/consumer-groups/{groupId}/heartbeat",
      await post(`${g}/heartbeat`, { memberId, generationId }),
    );
    expectConforms(
      "POST",
      "/consumer-groups/{groupId}/commit",
      await post(`${g}/commit`, {
        memberId,
        generationId,
        offsets: [{ topic, partition: 0, offset: 0, metadata: "m" }],
      }),
    );
    expectConforms("GET", "/consumer-groups/{groupId}", await get(g));
    expectConforms("GET", "/consumer-groups/{groupId}/offsets", await get(`${g}/offsets`));
    expectConforms("GET", "/admin/groups", await get("/admin/groups"));
    expectConforms("GET", "/admin/groups/{groupId}", await get(`/admin/groups/${group}`));
    expectConforms("DELETE", "/admin/groups/{groupId}", await call("DELETE", `/admin/groups/${group}`));
    expectConforms("POST", "/consumer-groups/{groupId}/leave", await post(`${g}/leave`, { memberId }));
    expectConforms("DELETE", "/admin/groups/{groupId}", await call("DELETE", `/admin/groups/${group}`));
    expectConforms("GET", "/admin/groups/{groupId}", await get(`/admin/groups/${group}`));
    expectConforms(
      "POST",
      "/consumer-groups/{groupId}/heartbeat",
      await post(`${g}/heartbeat`, { memberId, generationId }),
    );
    expectConforms(
      "POST",
      "/consumer-groups/{groupId}/commit",
      await post(`${g}/commit`, { memberId, generationId, offsets: [] }),
    );
    expectConforms("POST", "/consumer-groups/{groupId}/leave", await post(`${g}/leave`, { memberId }));
    expectConforms(
      "POST",
      "/consumer-groups/{groupId}/join",
      await post(`${g}/join`, { topics: [topic], sessionTimeoutMs: 1 }),
    );
    expectConforms("GET", "/consumer-groups/{groupId}", await get(`/consumer-groups/${"x".repeat(256)}`));
    expectConforms(
      "GET",
      "/consumer-groups/{groupId}/offsets",
      await get(`/consumer-groups/${"x".repeat(256)}/offsets`),
    );
    const reset = "/admin/groups/{groupId}/offsets/reset";
    const emptied = enc(topicName("doc-reset"));
    expectConforms(
      "POST",
      reset,
      await post(`/admin/groups/${emptied}/offsets/reset`, { topic, to: "latest", dryRun: true }),
    );
    expectConforms("POST", reset, await post(`/admin/groups/${emptied}/offsets/reset`, { topic, to: "nowhere" }));
    expectConforms(
      "POST",
      reset,
      await post(`/admin/groups/${emptied}/offsets/reset`, { topic: "no-such-doc-topic", to: "latest" }),
    );
    const busy = await post(`${g}/join`, { topics: [topic], clientId: "doc" });
    expect(busy.status).toBe(200);
    expectConforms("POST", reset, await post(`/admin/groups/${group}/offsets/reset`, { topic, to: "earliest" }));
  });

  it("webhooks", async () => {
    const topic = topicName("hook");
    const signed = topicName("hook-signed");
    const hooks = { ...env, KAFDO_WEBHOOKS: JSON.stringify({ [signed]: { signature: "github", secret: "s" } }) };
    const hook = "/webhooks/{topic}";
    expectConforms("POST", hook, await call("POST", `/webhooks/${enc(topic)}`, { raw: "{}", env: hooks }));
    expectConforms("POST", hook, await call("POST", `/webhooks/${enc(signed)}`, { raw: "{}", env: hooks }));
    expectConforms("POST", hook, await call("POST", `/webhooks/${enc(topic)}?x=1`, { raw: "{}", env: hooks }));
    const subs = "/webhook-subscriptions";
    const groupId = topicName("hook-group");
    const config = { groupId, topic, url: "https://example.test/hook", fromBeginning: false };
    expectConforms("POST", subs, await post(subs, config));
    expectConforms("POST", subs, await post(subs, { ...config, maxAttempts: 2 }));
    expectConforms("POST", subs, await post(subs, { ...config, url: "ftp://x" }));
    expectConforms("GET", subs, await get(subs));
    expectConforms("GET", `${subs}/{groupId}`, await get(`${subs}/${enc(groupId)}`));
    expectConforms("DELETE", `${subs}/{groupId}`, await call("DELETE", `${subs}/${enc(groupId)}`));
    expectConforms("GET", `${subs}/{groupId}`, await get(`${subs}/${enc(groupId)}`));
    expectConforms("DELETE", `${subs}/{groupId}`, await call("DELETE", `${subs}/${enc(groupId)}`));
  });

  it("service", async () => {
    expectConforms("GET", "/", await get("/"));
    expectConforms("GET", "/health", await get("/health"));
    expectConforms("GET", "/openapi.json", await get("/openapi.json"));
    expectConforms("GET", "/metrics.json", await get("/metrics.json"));
    const text = await get("/metrics");
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toContain("text/plain");
    expect(Object.keys(deref(operation("GET", "/metrics").responses["200"]).content)).toEqual(["text/plain"]);
  });

  it("without the bearer token, every route but GET /health answers the 401 it declares", async () => {
    const locked = { ...env, KAFDO_TOKEN: "the-token" };
    const concrete = (path: string) => path.replace(":topic", "t").replace(":partition", "0").replace(":groupId", "g");
    for (const route of ROUTES) {
      const path = openApiPath(route.path);
      const res = await call(route.method, concrete(route.path), { env: locked });
      expectConforms(route.method, path, res);
      if (path === "/health") {
        expect(res.status).toBe(200);
        continue;
      }
      expect(res.status, `${route.method} ${path}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="kafdo"');
      expect(deref(operation(route.method, path).responses["401"]).headers).toHaveProperty("WWW-Authenticate");
    }
    const wrong = await call("GET", "/admin/topics", { env: locked, headers: { authorization: "Bearer nope" } });
    expectConforms("GET", "/admin/topics", wrong);
    expect(wrong.status).toBe(401);
  });

  it("errors, each with a status its operation declares", async () => {
    const topic = await createTopic(1, { "max.message.bytes": "1000" });
    const t = enc(topic);
    const produce = "/topics/{topic}/produce";
    const read = "/topics/{topic}/partitions/{partition}/messages";
    expectConforms("POST", produce, await post(`/topics/${t}/produce`, { nope: 1 }));
    expectConforms("POST", produce, await post(`/topics/${t}/produce`, { value: 1, partition: 3 }));
    expectConforms("POST", produce, await post(`/topics/${t}/produce`, { value: "x".repeat(2000) }));
    expectConforms("POST", produce, await call("POST", `/topics/${t}/produce`, { raw: "{}", headers: {} }));
    expectConforms("POST", produce, await post(`/topics/${enc("no way")}/produce`, { value: 1 }));
    expectConforms("POST", "/topics/{topic}/produce-batch", await post(`/topics/${t}/produce-batch`, { messages: [] }));
    expectConforms("GET", read, await get(`/topics/${t}/partitions/0/messages?offset=5`));
    expectConforms("GET", read, await get(`/topics/${t}/partitions/x/messages`));
    expectConforms("GET", read, await get(`/topics/${t}/partitions/1/messages`));
    expectConforms("POST", "/admin/topics", await post("/admin/topics", { topic }));
    expectConforms(
      "POST",
      "/admin/topics/{topic}/partitions",
      await post(`/admin/topics/${t}/partitions`, { count: 1 }),
    );
    expectConforms("GET", "/admin/topics/{topic}", await get(`/admin/topics/${enc(topicName("none"))}`));
    const configs = "/admin/topics/{topic}/configs";
    expectConforms(
      "PATCH",
      configs,
      await call("PATCH", `/admin/topics/${t}/configs`, { json: { configs: { "retention.ms": "x" } } }),
    );
    expectConforms(
      "PUT",
      configs,
      await call("PUT", `/admin/topics/${enc(topicName("none"))}/configs`, { json: { configs: {} } }),
    );
    expectConforms("POST", "/consumer-groups/{groupId}/join", await post("/consumer-groups/g/join", {}));
    expectConforms("GET", "/admin/groups", await get("/admin/groups"));
  });
});

/* ---- request schemas and the Worker agree ----------------------------------------- */

describe("what the request schemas accept, the Worker accepts", () => {
  const bodies: [string, unknown][] = [
    ["ProduceMessage", { value: 1 }],
    ["ProduceMessage", { value: null, key: null }],
    ["ProduceMessage", { value: "x", key: "k", headers: { a: "b", c: null }, partition: 0, timestamp: 5 }],
    ["ProduceMessage", {}],
    ["ProduceMessage", { value: 1, key: 2 }],
    ["ProduceMessage", { value: 1, headers: { a: 1 } }],
    ["ProduceMessage", { value: 1, partition: -1 }],
    ["ProduceMessage", { value: 1, partition: 1.5 }],
    ["ProduceMessage", { value: 1, timestamp: -1 }],
    ["ProduceMessage", { value: 1, other: 1 }],
    ["ProduceMessage", [1]],
    ["ProduceBatch", { messages: [{ value: 1 }] }],
    ["ProduceBatch", { messages: [] }],
    ["ProduceBatch", { messages: [{ key: "k" }] }],
    ["ProduceBatch", { messages: [{ value: 1 }], more: true }],
    ["ProduceBatch", {}],
    ["AddPartitions", { count: 4 }],
    ["AddPartitions", { count: "4" }],
    ["AddPartitions", {}],
    ["AlterConfigs", { configs: { "retention.ms": "5", "retention.bytes": null } }],
    ["AlterConfigs", { configs: {}, validateOnly: true }],
    ["AlterConfigs", { configs: { "retention.ms": 5 } }],
    ["AlterConfigs", { configs: {}, validateOnly: 1 }],
    ["AlterConfigs", { configs: {}, other: 1 }],
    ["AlterConfigs", {}],
    ["CreateTopic", { topic: "@" }],
    ["CreateTopic", { topic: "@", partitions: 2, config: { "retention.ms": "5" } }],
    ["CreateTopic", { topic: "@", partitions: "2" }],
    ["CreateTopic", { topic: "@", config: { "retention.ms": 5 } }],
    ["CreateTopic", { partitions: 2 }],
    ["JoinGroup", { topics: ["@"] }],
    [
      "JoinGroup",
      {
        topics: ["@"],
        memberId: "",
        clientId: "c",
        sessionTimeoutMs: 10000,
        rebalanceTimeoutMs: 5000,
        strategy: "sticky",
      },
    ],
    ["JoinGroup", { topics: [] }],
    ["JoinGroup", { topics: ["@"], strategy: "cooperative-sticky" }],
    ["JoinGroup", { topics: ["@"], sessionTimeoutMs: 1.5 }],
    ["JoinGroup", { topics: ["@"], sessionTimeoutMs: 2147483648 }],
    ["JoinGroup", { topics: ["@"], other: 1 }],
    ["JoinGroup", {}],
    ["Heartbeat", { memberId: "@", generationId: "@" }],
    ["Heartbeat", { memberId: "@" }],
    ["Heartbeat", { memberId: 1, generationId: "@" }],
    ["CommitOffsets", { memberId: "@", generationId: "@", offsets: [{ topic: "@", partition: 0, offset: 1 }] }],
    [
      "CommitOffsets",
      { memberId: "@", generationId: "@", offsets: [{ topic: "@", partition: 0, offset: 1, metadata: "m" }] },
    ],
    ["CommitOffsets", { memberId: "@", generationId: "@", offsets: [] }],
    ["CommitOffsets", { memberId: "@", generationId: "@", offsets: [{ topic: "@", partition: 0 }] }],
    ["CommitOffsets", { memberId: "@", generationId: "@", offsets: [{ topic: "@", partition: 0, offset: -1 }] }],
    ["CommitOffsets", { memberId: "@", generationId: "@" }],
    ["LeaveGroup", { memberId: "@" }],
    ["LeaveGroup", { memberId: "@", generationId: 1 }],
    ["LeaveGroup", {}],
  ];

  /* Each body goes to a group of its own. "@" stands for a topic and, but in a join
   * (which goes to an empty group, so that it is answered at once), for the id and
   * generation of a member that joined first. */
  async function groupCall(name: string, body: unknown): Promise<{ res: Answer; sent: unknown }> {
    const topic = await createTopic(1);
    const g = `/consumer-groups/${enc(topicName("req-group"))}`;
    const live: Record<string, unknown> = { topic };
    if (name !== "JoinGroup") {
      const joined = await post(`${g}/join`, { topics: [topic] });
      expect(joined.status).toBe(200);
      live.memberId = joined.body.memberId;
      live.generationId = joined.body.generationId;
    }
    const fill = (v: unknown, key?: string): unknown => {
      if (v === "@") return key === "topics" || key === undefined ? topic : live[key];
      if (Array.isArray(v)) return v.map((x) => fill(x, key === "topics" ? "topics" : undefined));
      if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, k)]));
      }
      return v;
    };
    const tail = { JoinGroup: "join", Heartbeat: "heartbeat", CommitOffsets: "commit", LeaveGroup: "leave" }[name];
    const sent = fill(body);
    return { res: await post(`${g}/${tail}`, sent), sent };
  }

  it("and what they refuse, it refuses with 400 INVALID_REQUEST", async () => {
    for (const [name, body] of bodies) {
      let conforms = check(body, { $ref: `#/components/schemas/${name}` }).length === 0;
      let res: Answer;
      if (name === "ProduceMessage") {
        const topic = await createTopic(1);
        res = await post(`/topics/${enc(topic)}/produce`, body);
      } else if (name === "ProduceBatch") {
        const topic = await createTopic(1);
        res = await post(`/topics/${enc(topic)}/produce-batch`, body);
      } else if (["JoinGroup", "Heartbeat", "CommitOffsets", "LeaveGroup"].includes(name)) {
        const outcome = await groupCall(name, body);
        res = outcome.res;
        conforms = check(outcome.sent, { $ref: `#/components/schemas/${name}` }).length === 0;
      } else if (name === "AddPartitions") {
        const topic = await createTopic(1);
        res = await post(`/admin/topics/${enc(topic)}/partitions`, body);
      } else if (name === "AlterConfigs") {
        const topic = await createTopic(1);
        res = await call("PATCH", `/admin/topics/${enc(topic)}/configs`, { json: body });
      } else {
        const b = body as Record<string, unknown>;
        const named = b.topic === "@" ? { ...b, topic: topicName("req") } : b;
        res = await post("/admin/topics", named);
      }
      const accepted = res.status < 300;
      const refusedAsMalformed = res.status === 400 && res.body.error.code === "INVALID_REQUEST";
      expect(accepted || refusedAsMalformed, `${name} ${JSON.stringify(body)}: ${res.status}`).toBe(true);
      expect(accepted, `${name} ${JSON.stringify(body)}: schema says ${conforms}, Worker ${res.status}`).toBe(conforms);
    }
  });
});
