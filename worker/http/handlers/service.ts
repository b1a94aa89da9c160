/*
 * service.ts — the endpoints about the service itself (GET /, /health,
 * /openapi.json).
 */
import { endpoint, type DocumentedRoute } from "../endpoint";
import { ok } from "../responses";
import { StringEnum, Struct, Type, named } from "../schema";
import { VERSION } from "../version";

const ServiceInfo = named(
  "ServiceInfo",
  Struct({
    name: StringEnum(["kafdo"]),
    version: Type.String(),
    openapi: Type.String({ description: "Where this document is." }),
    endpoints: Type.Array(Type.String(), { description: '"METHOD /path/:param" per route.' }),
  }),
);

const Health = named("Health", Struct({ status: StringEnum(["ok"]) }));

/* The route table and its document come from routes.ts, which places these endpoints
 * (a getter each: the table is not made yet when they are). */
export const serviceInfo = (routes: () => readonly DocumentedRoute[]) =>
  endpoint({
    summary: "Service info",
    tags: ["service"],
    responses: { 200: ok("What this service is.", ServiceInfo) },
    handle() {
      const endpoints = routes().map((r) => `${r.method} ${r.path}`);
      return Response.json({ name: "kafdo", version: VERSION, openapi: "/openapi.json", endpoints });
    },
  });

export const health = endpoint({
  summary: "Health check",
  description: "Open: no bearer token, so that load balancers and uptime checks can call it.",
  tags: ["service"],
  security: [],
  responses: { 200: ok("The Worker answers.", Health) },
  handle() {
    return Response.json({ status: "ok" });
  },
});

export const openapi = (document: () => unknown) =>
  endpoint({
    summary: "This document",
    tags: ["service"],
    responses: { 200: ok("The OpenAPI 3.1 document.", Type.Unsafe({ type: "object" })) },
    handle() {
      return Response.json(document());
    },
  });
