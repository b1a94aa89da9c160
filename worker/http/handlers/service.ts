/*
 * service.ts — the endpoints about the service itself (GET /, /health,
 * /openapi.json), and the answer of endpoints that are routed but not built yet.
 */
import { HttpError } from "../errors";
import { Query } from "../input";
import { OPENAPI } from "../openapi";
import type { Context, Route } from "../router";
import { VERSION } from "../version";

export function serviceInfo(c: Context, routes: readonly Route[]): Response {
  Query.none(c.url);
  const endpoints = routes.map((r) => `${r.method} ${r.path}`);
  return Response.json({ name: "kafdo", version: VERSION, openapi: "/openapi.json", endpoints });
}

export function health(c: Context): Response {
  Query.none(c.url);
  return Response.json({ status: "ok" });
}

export function openapi(c: Context): Response {
  Query.none(c.url);
  return Response.json(OPENAPI);
}

/* Consumer groups over REST arrive with the consumer-group issue. */
export function notImplemented(c: Context): never {
  throw new HttpError("NOT_IMPLEMENTED", `${c.request.method} ${c.url.pathname} is not implemented yet`);
}
