/*
 * service.ts — the endpoints about the service itself (GET /, /health,
 * /openapi.json).
 */
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
