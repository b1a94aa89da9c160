/*
 * metrics.ts — GET /metrics (Prometheus text) and GET /metrics.json (the same
 * snapshot as JSON, for the console): api/metrics.ts gathers, http/prometheus.ts
 * renders. Behind the bearer token like the rest of the API.
 */
import { gatherMetrics } from "../../api/metrics";
import { endpoint } from "../endpoint";
import { ok, text } from "../responses";
import { Type } from "../schema";
import { renderPrometheus } from "../prometheus";

export const metricsText = endpoint({
  summary: "Metrics, for Prometheus",
  description:
    "Prometheus text format 0.0.4: per partition records and bytes appended and fetched, log " +
    "start, high watermark, stored bytes and rows by tier; per group members, state, " +
    "generation, committed offset and lag; per door (rest, kafka, rpc) and operation " +
    "requests, errors by code and a latency histogram; SQLite rows read and written. " +
    "Counters count from their isolate's or object's start and are kept in memory only.",
  tags: ["service"],
  responses: { 200: text("The metrics.") },
  async handle(c) {
    const body = renderPrometheus(await gatherMetrics(c.env));
    return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
  },
});

export const metricsJson = endpoint({
  summary: "Metrics, as JSON",
  description:
    "The snapshot /metrics renders, with the last hour by minute (traffic, and each " +
    "group's lag as scrapes saw it), for the console.",
  tags: ["service"],
  responses: { 200: ok("The snapshot.", Type.Unsafe({ type: "object" })) },
  async handle(c) {
    return Response.json(await gatherMetrics(c.env));
  },
});
