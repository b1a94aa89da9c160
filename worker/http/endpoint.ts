/*
 * endpoint.ts — what one REST endpoint is: its handler and, beside it, the schemas of
 * what it takes and answers, from which both the input checks (validate.ts) and
 * the OpenAPI document (openapi.ts) are made. An endpoint is declared once, in its
 * handler module, and placed in the route table (routes.ts) by one row.
 *
 *   export const deleteTopic = endpoint({
 *     summary: "Delete a topic",
 *     tags: ["admin"],
 *     params: { topic: TopicParam },
 *     responses: { 204: noContent("Deleted.") },
 *     errors: [NotFound],
 *     async handle(c, { params }) { ... },
 *   });
 *
 * handle() gets the path parameters, the query and the JSON body already checked
 * and typed by their schemas; a request that does not conform was refused with 400
 * INVALID_REQUEST before it. `errors` lists the error answers the endpoint gives
 * beyond those every endpoint may (400, 401, 500, and 413 and 415 with a JSON body).
 */
import { readJson } from "./input";
import type { Reply, Refusal } from "./responses";
import type { Context, Handler, Method, Route } from "./router";
import { Type, type Static, type TObject, type TProperties, type TSchema } from "./schema";
import { checkBody, checkPath, checkQuery } from "./validate";

export type Tag = "produce" | "consume" | "consumer groups" | "admin" | "service" | "webhooks";

/* A row of the route table: the router's method, pattern and handler, and the
 * endpoint the handler is made from. */
export interface DocumentedRoute extends Route {
  endpoint: Endpoint;
}

/* The row for `endpoint` at `method` `path`; its declared path parameters must be
 * the pattern's, so the document cannot name others. */
export function route(
  method: Method,
  path: string,
  endpoint: Endpoint,
  access: Pick<Route, "public"> = {},
): DocumentedRoute {
  const inPath = [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
  const declared = Object.keys(endpoint.params.properties).sort();
  if (inPath.join() !== declared.join()) {
    throw new Error(`${method} ${path} declares the path parameters ${declared.join(", ") || "none"}`);
  }
  return { method, path, handler: endpoint.handler, endpoint, ...access };
}

/* An OpenAPI security requirement: bearerAuth, or {} for none. */
export type Security = Record<string, never[]>;

export interface Endpoint {
  summary: string;
  description?: string;
  tags: Tag[];
  /* Instead of the document's (the bearer token): [] for none. */
  security?: Security[];
  params: TObject;
  query: TObject;
  /* A JSON body, required; or rawBody: any bytes, as described. */
  body?: TSchema;
  rawBody?: string;
  responses: Record<number, Reply>;
  errors: Refusal[];
  handler: Handler;
}

export interface Input<P extends TProperties, Q extends TProperties, B extends TSchema> {
  params: Static<TObject<P>>;
  /* Each absent when not given: the handler gives it its default. */
  query: Partial<Static<TObject<Q>>>;
  body: Static<B>;
}

export interface EndpointSpec<P extends TProperties, Q extends TProperties, B extends TSchema> {
  summary: string;
  description?: string;
  tags: Tag[];
  security?: Security[];
  params?: P;
  query?: Q;
  body?: B;
  rawBody?: string;
  responses: Record<number, Reply>;
  errors?: Refusal[];
  handle(c: Context, input: Input<P, Q, B>): Response | Promise<Response>;
}

export function endpoint<
  P extends TProperties = Record<never, never>,
  Q extends TProperties = Record<never, never>,
  B extends TSchema = TSchema,
>(spec: EndpointSpec<P, Q, B>): Endpoint {
  /* Query parameters are optional: a handler gives each its default. */
  const optional = Object.fromEntries(Object.entries(spec.query ?? {}).map(([k, s]) => [k, Type.Optional(s)]));
  const params = Type.Object(spec.params ?? {});
  const query = Type.Object(optional);
  const { handle, body, errors = [], ...described } = spec;
  return {
    ...described,
    ...(body ? { body } : {}),
    params,
    query,
    errors,
    handler: async (c) => {
      const input = {
        params: checkPath(params, (name) => c.param(name)),
        query: checkQuery(query, c.url),
        body: body ? checkBody(body, await readJson(c.request)) : undefined,
      } as Input<P, Q, B>;
      /* Awaited here, so that a handler's rejection has a handler at once (workerd
       * reports a promise rejected with none, even for a moment, as unhandled). */
      return await handle(c, input);
    },
  };
}
