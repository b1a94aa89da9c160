/*
 * http/ — the REST API of kafdo-README.md over the in-Worker API (api/).
 *
 *   routes.ts    the table: method, path pattern, handler
 *   router.ts    matching a request against the table
 *   handlers/    one thin function per endpoint: read the HTTP input, call api/,
 *                shape the JSON; no Kafka decisions
 *   input.ts     the body, the query, path numbers, base64; INVALID_REQUEST
 *   records.ts   records between their JSON form and the producer's / reader's
 *   errors.ts    the one error shape, and the status of every code
 *   auth.ts      the bearer token (KAFDO_TOKEN), checked before routing
 *   principals.ts named tokens (KAFDO_TOKENS): who the caller is
 *   acl-gate.ts  the caller's request checked against the ACLs (403)
 *   openapi.ts   the OpenAPI 3.1 document served at /openapi.json
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
import type { Env } from "../env";
import { authorizeRoute } from "./acl-gate";
import { authorize } from "./auth";
import { HttpError, errorResponse } from "./errors";
import { router } from "./routes";

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
  const response = await dispatch(request, env);
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

async function dispatch(request: Request, env: Env): Promise<Response> {
  try {
    const url = new URL(request.url);
    const principal = await authorize(request, url, env);
    const match = router.match(request.method, url.pathname);
    if (match.kind === "none") {
      throw new HttpError("NOT_FOUND", `no route for ${request.method} ${url.pathname}`);
    }
    if (match.kind === "wrong-method") {
      const allow = match.allow.join(", ");
      throw new HttpError("METHOD_NOT_ALLOWED", `${url.pathname} takes ${allow}, not ${request.method}`, { allow });
    }
    const { route, params } = match;
    await authorizeRoute(env, principal, request.method, route.path, params, request);
    return await route.handler({
      request,
      env,
      url,
      param(name) {
        const value = params.get(name);
        if (value === undefined) throw new Error(`route ${route.path} has no parameter :${name}`);
        return value;
      },
    });
  } catch (e) {
    return errorResponse(e);
  }
}
