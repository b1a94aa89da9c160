/*
 * http/ — the REST API of kafdo-README.md over the in-Worker API (api/).
 *
 *   routes.ts    the table: method, path pattern, endpoint
 *   router.ts    matching a request against the table
 *   handlers/    one endpoint each (endpoint.ts): its schemas beside a thin handler
 *                that calls api/ and shapes the JSON; no Kafka decisions
 *   endpoint.ts  what an endpoint declares, and its input read and checked
 *   schema.ts    the schema vocabulary (TypeBox); parameters.ts, responses.ts the
 *                shared parameters and answers
 *   validate.ts  body, query and path checked by their schemas; INVALID_REQUEST
 *   input.ts     the body read as JSON, base64
 *   records.ts   records between their JSON form and the producer's / reader's
 *   errors.ts    the one error shape, and the status of every code
 *   auth.ts      the bearer token (KAFDO_TOKEN), checked before routing
 *   principals.ts named tokens (KAFDO_TOKENS): who the caller is
 *   acl-gate.ts  the caller's request checked against the ACLs (403)
 *   openapi.ts   the OpenAPI 3.1 document, made from the table
 *
 * handle() is the only place that catches: whatever a handler throws, wherever it
 * arose, becomes the error shape in errorResponse().
 *
 * CORS: KafdoClient runs in browsers too, from any origin. Every answer allows any
 * origin, and a preflight (OPTIONS) is answered before the token check, since
 * browsers send no Authorization header on it. The token is a bearer header, not
 * an ambient credential like a cookie, so allowing every origin gives a page no
 * power it would not have with the token anyway.
 */
import { metricsEnabled, recordRequest } from "../common/metrics";
import type { Env } from "../durable-objects/bindings";
import { authorizeRoute } from "./acl-gate";
import { authenticate, requireWellFormedTokens } from "./auth";
import { HttpError, errorCode, errorResponse } from "./errors";
import { TRUSTED } from "./principals";
import type { Context, Match, Route } from "./router";
import { router } from "./routes";
import { withSubscriptionToken } from "./subscribe-token";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "location, retry-after, allow, www-authenticate",
};

const PREFLIGHT = {
  ...CORS,
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
  "access-control-allow-headers": "authorization, content-type",
  "access-control-max-age": "86400",
};

export async function handle(request: Request, env: Env): Promise<Response> {
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: PREFLIGHT });
  const response = await dispatch(withSubscriptionToken(request, new URL(request.url)), env);
  /* A WebSocket upgrade (a subscription) is answered as it is: a rebuilt 101 would lose its socket. */
  if (response.webSocket) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(CORS)) headers.set(name, value);
  /* A HEAD is answered as its GET (router.ts), without the body. */
  let body = response.body;
  if (request.method === "HEAD") {
    await body?.cancel();
    body = null;
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/* What /metrics counts of a request: its route (the pattern, not the path: topic
 * names stay out of the labels) and the code of its error, if any. */
interface Outcome {
  operation: string;
  code?: string;
}

async function dispatch(request: Request, env: Env): Promise<Response> {
  if (!metricsEnabled(env)) return routed(request, env, { operation: "" });
  const started = Date.now();
  const outcome: Outcome = { operation: "unrouted" };
  try {
    return await routed(request, env, outcome);
  } finally {
    recordRequest("rest", outcome.operation, Date.now() - started, outcome.code);
  }
}

async function routed(request: Request, env: Env, outcome: Outcome): Promise<Response> {
  try {
    const url = new URL(request.url);
    let match: Match;
    try {
      match = router.match(request.method, url.pathname);
    } catch (e) {
      /* A path that cannot be decoded is told as such only to a caller with the token. */
      await authenticate(request, env);
      throw e;
    }
    const context = match.kind === "found" ? contextOf(request, env, url, match.route, match.params) : undefined;
    /* Before anything about the route is told (404, 405), unless it is public. */
    const principal =
      match.kind === "found" && isPublic(match.route, context!)
        ? publicCaller(match.route, env)
        : await authenticate(request, env);
    if (match.kind === "none") {
      throw new HttpError("NOT_FOUND", `no route for ${request.method} ${url.pathname}`);
    }
    if (match.kind === "wrong-method") {
      const allow = match.allow.join(", ");
      throw new HttpError("METHOD_NOT_ALLOWED", `${url.pathname} takes ${allow}, not ${request.method}`, { allow });
    }
    outcome.operation = `${match.route.method} ${match.route.path}`;
    await authorizeRoute(principal, match.route, context!);
    return await match.route.handler(context!);
  } catch (e) {
    outcome.code = errorCode(e);
    return errorResponse(e);
  }
}

function isPublic(route: Route, c: Context): boolean {
  return route.public === true || (typeof route.public === "function" && route.public(c));
}

/* A public route's caller is trusted (no ACL applies: a signed webhook's signature
 * authenticates it); while KAFDO_TOKENS is malformed only the always-public routes
 * (/health) are served (auth.ts). */
function publicCaller(route: Route, env: Env): string {
  if (route.public !== true) requireWellFormedTokens(env);
  return TRUSTED;
}

function contextOf(request: Request, env: Env, url: URL, route: Route, params: ReadonlyMap<string, string>): Context {
  return {
    request,
    env,
    url,
    param(name) {
      const value = params.get(name);
      if (value === undefined) throw new Error(`route ${route.path} has no parameter :${name}`);
      return value;
    },
  };
}
