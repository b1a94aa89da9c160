/*
 * router.ts — a router that is a table.
 *
 * A route is a method, a path pattern and a plain function. Patterns are
 * slash-separated segments, each a literal or a `:name` parameter that matches one
 * non-empty segment; there are no wildcards, optional segments or trailing-slash
 * variants, so a path matches at most one pattern and the table reads as the API.
 *
 * The router knows nothing of Kafka or of error shapes: it answers which route a
 * request is for, with its parameters percent-decoded, or that the path is known
 * under other methods (405), or that it is unknown (404). routes.ts holds the table,
 * from which the OpenAPI document is made too (openapi.ts).
 *
 * HEAD takes every GET route, as HTTP has it (RFC 9110, 9.3.2): the answer is the
 * GET's, whose body the front (http/index.ts) leaves out. Load balancers probe
 * /health so.
 */
import type { Env } from "../durable-objects/bindings";
import { invalidRequest } from "./errors";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Context {
  request: Request;
  env: Env;
  url: URL;
  /* The value of the path parameter `name` of the matched pattern, decoded. */
  param(name: string): string;
}

export type Handler = (c: Context) => Response | Promise<Response>;

export interface Route {
  method: Method;
  path: string;
  handler: Handler;
  /* Served without the bearer token (auth.ts): always (true), or when the request
   * says so (a webhook to a topic that checks its senders' signatures). */
  public?: true | ((c: Context) => boolean);
}

export type Match<R extends Route = Route> =
  | { kind: "found"; route: R; params: ReadonlyMap<string, string> }
  | { kind: "wrong-method"; allow: (Method | "HEAD")[] }
  | { kind: "none" };

type Segment = { literal: string } | { param: string };

function compile(path: string): Segment[] {
  if (!path.startsWith("/")) throw new Error(`route pattern ${path} must start with /`);
  if (path === "/") return [];
  return path
    .slice(1)
    .split("/")
    .map((s) => (s.startsWith(":") ? { param: s.slice(1) } : { literal: s }));
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequest(`path segment "${segment}" is not valid percent-encoding`);
  }
}

/* R: the table's rows, which may carry more than the router reads (routes.ts's carry
 * their endpoint). */
export class Router<R extends Route = Route> {
  private readonly table: { route: R; segments: Segment[] }[];

  constructor(readonly routes: readonly R[]) {
    this.table = routes.map((route) => ({ route, segments: compile(route.path) }));
  }

  match(method: string, pathname: string): Match<R> {
    const parts = pathname === "/" ? [] : pathname.slice(1).split("/");
    const wanted = method === "HEAD" ? "GET" : method;
    const allow: (Method | "HEAD")[] = [];
    for (const { route, segments } of this.table) {
      if (segments.length !== parts.length) continue;
      const params = new Map<string, string>();
      const fits = segments.every((seg, i) => {
        const part = parts[i]!;
        if ("literal" in seg) return seg.literal === part;
        if (part === "") return false;
        params.set(seg.param, part);
        return true;
      });
      if (!fits) continue;
      if (route.method !== wanted) {
        allow.push(route.method);
        if (route.method === "GET") allow.push("HEAD");
        continue;
      }
      for (const [name, raw] of params) params.set(name, decode(raw));
      return { kind: "found", route, params };
    }
    return allow.length > 0 ? { kind: "wrong-method", allow } : { kind: "none" };
  }
}
