/*
 * metrics.ts — GET /metrics (Prometheus text) and GET /metrics.json (the same
 * snapshot as JSON, for the console): api/metrics.ts gathers, http/prometheus.ts
 * renders. Behind the bearer token like the rest of the API.
 */
import { gatherMetrics } from "../../api/metrics";
import { Query } from "../input";
import { renderPrometheus } from "../prometheus";
import type { Context } from "../router";

export async function metricsText(c: Context): Promise<Response> {
  Query.none(c.url);
  const text = renderPrometheus(await gatherMetrics(c.env));
  return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}

export async function metricsJson(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json(await gatherMetrics(c.env));
}
