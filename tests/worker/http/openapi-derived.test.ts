/*
 * The OpenAPI document is made from the route table (worker/http/openapi.ts), so an
 * endpoint placed in a table is documented with the schemas it checks its input
 * with, and the error answers every endpoint shares are declared once. Shown here on
 * a table of one made-up endpoint, and on the Worker's own table.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoError } from "../../../worker/common/errors";
import { endpoint, route } from "../../../worker/http/endpoint";
import { openApiDocument } from "../../../worker/http/openapi";
import { NotFound, ok } from "../../../worker/http/responses";
import { OPENAPI } from "../../../worker/http/routes";
import type { Context } from "../../../worker/http/router";
import { Nullable, StringEnum, StringMap, Struct, Type, named } from "../../../worker/http/schema";

const Thing = named(
  "Thing",
  Struct({
    name: Type.String(),
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
    tags: Type.Optional(StringMap(Nullable(Type.String()))),
  }),
);

const seen: unknown[] = [];
const putThing = endpoint({
  summary: "Put a thing",
  tags: ["admin"],
  params: { id: Type.String({ description: "The thing's id." }) },
  query: { mode: StringEnum(["fast", "slow"]), count: Type.Integer({ minimum: 0, maximum: 5 }) },
  body: Thing,
  responses: { 200: ok("The thing.", Thing) },
  errors: [NotFound],
  handle(_c, input) {
    seen.push(input);
    return Response.json(input.body);
  },
});

const table = [route("PUT", "/things/:id", putThing)];

function context(path: string, body: unknown): Context {
  const url = new URL(`https://kafdo.test${path}`);
  const request = new Request(url, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { request, env, url, param: (name) => (name === "id" ? "t-1" : "") };
}

async function refusal(path: string, body: unknown): Promise<string> {
  try {
    await putThing.handler(context(path, body));
  } catch (e) {
    expect(e).toBeInstanceOf(KafdoError);
    expect((e as KafdoError).name).toBe("INVALID_REQUEST");
    return (e as Error).message;
  }
  throw new Error(`${path} ${JSON.stringify(body)} was accepted`);
}

describe("a route's document comes from its endpoint", () => {
  const doc = openApiDocument(table) as Record<string, any>;
  const op = doc.paths["/things/{id}"].put;

  it("with its parameters, body and answers", () => {
    expect(op.summary).toBe("Put a thing");
    expect(op.parameters).toEqual([
      { name: "id", in: "path", required: true, description: "The thing's id.", schema: { type: "string" } },
      { name: "mode", in: "query", schema: { type: "string", enum: ["fast", "slow"] } },
      { name: "count", in: "query", schema: { type: "integer", minimum: 0, maximum: 5 } },
    ]);
    expect(op.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
    });
    expect(doc.components.schemas.Thing).toEqual({
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: {
        name: { type: "string" },
        size: { type: "integer", minimum: 1, maximum: 9 },
        tags: { type: "object", additionalProperties: { type: ["string", "null"] } },
      },
    });
  });

  it("with the shared error answers, declared once and referred to", () => {
    const refs = (...names: string[]) => names.map((n) => ({ $ref: `#/components/responses/${n}` }));
    expect(Object.keys(op.responses)).toEqual(["200", "400", "401", "404", "413", "415", "500"]);
    expect(["400", "401", "404", "413", "415", "500"].map((s) => op.responses[s])).toEqual(
      refs("BadRequest", "Unauthorized", "NotFound", "TooLarge", "UnsupportedMediaType", "ServerError"),
    );
    expect(doc.components.responses.NotFound.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Error",
    });
  });

  it("and a row whose path parameters are not its endpoint's is refused", () => {
    expect(() => route("PUT", "/things/:thing", putThing)).toThrow(/declares the path parameters id/);
    expect(() => route("PUT", "/things", putThing)).toThrow();
  });

  it("the Worker's document answers every error by reference to one declaration", () => {
    const doc = OPENAPI as Record<string, any>;
    let errors = 0;
    for (const item of Object.values(doc.paths) as Record<string, any>[]) {
      for (const operation of Object.values(item)) {
        for (const [status, answer] of Object.entries(operation.responses as Record<string, any>)) {
          if (Number(status) < 400) continue;
          errors++;
          expect(Object.keys(answer)).toEqual(["$ref"]);
        }
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});

describe("an endpoint checks its input with the schemas it declares", () => {
  it("hands the handler the checked, typed input", async () => {
    seen.length = 0;
    const res = await putThing.handler(context("/things/t-1?mode=slow&count=3", { name: "a", tags: { x: null } }));
    expect(res.status).toBe(200);
    expect(seen).toEqual([
      { params: { id: "t-1" }, query: { mode: "slow", count: 3 }, body: { name: "a", tags: { x: null } } },
    ]);
  });

  it("refuses what they refuse, naming the first problem in reading order", async () => {
    expect(await refusal("/things/t-1", { nmae: "a" })).toBe(
      'body has unknown field "nmae"; allowed: name, size, tags',
    );
    expect(await refusal("/things/t-1", { size: 0, name: 1 })).toBe("body.name must be a string");
    expect(await refusal("/things/t-1", { name: "a", size: 10 })).toBe("body.size must be an integer from 1 to 9");
    expect(await refusal("/things/t-1", { name: "a", tags: { x: 1 } })).toBe("body.tags.x must be a string or null");
    expect(await refusal("/things/t-1", [])).toBe("body must be a JSON object");
    expect(await refusal("/things/t-1?mode=quick", { name: "a" })).toBe(
      'query parameter "mode" must be one of fast, slow, not "quick"',
    );
    expect(await refusal("/things/t-1?count=%2B1", { name: "a" })).toBe(
      'query parameter "count" must be an integer from 0 to 5, not "+1"',
    );
    expect(await refusal("/things/t-1?size=1", { name: "a" })).toBe(
      'unknown query parameter "size"; this endpoint takes mode, count',
    );
  });
});
