/*
 * transport.ts — one REST call of kafdo/client: the request, its deadline, its
 * retries, and the answer read as JSON or turned into a KafdoClientError.
 *
 * The deadline. A call has `timeout` ms in all, retries and backoff included, so
 * it always settles within about that time: one AbortController aborts whatever
 * is in flight at the deadline, the answer's body as well as its headers, and the
 * call fails with REQUEST_TIMED_OUT. A timed-out request is not retried: the
 * server may have done it, and the time is spent anyway.
 *
 * Retries. Only failures that say nothing was done, or that the server asks to
 * come back later, are retried, with exponential backoff and jitter:
 *   - network errors (refused, reset, unknown host): fetch() rejected without an
 *     answer;
 *   - 429 Too Many Requests and 503 Service Unavailable, after the answer's
 *     Retry-After (seconds) when it gives one.
 * A wait that would end past the deadline is not started: the call fails at once
 * with the failure it would have retried. Everything else is final at once: a 4xx
 * is the request's fault, and a 500 is the server's answer to this request. A
 * produce retried after a network error whose request had in fact arrived may
 * store its records twice: at least once, as Kafka's producer without idempotence.
 *
 * Answers. A 2xx answer is JSON (204: none). A non-2xx answer in the REST API's
 * error shape becomes a KafdoClientError with the server's code and message;
 * anything else (an HTML page, another JSON shape, a body that is not JSON)
 * becomes UNEXPECTED_RESPONSE with the status, the content type and the start of
 * the body, since it means baseUrl does not point at a Kafdo.
 *
 * Only `fetch` is used, so this runs in Node 18+, browsers, Deno, Bun and Workers.
 */
import { KafdoClientError } from "./errors";

export type FetchFunction = typeof fetch;

export interface TransportConfig {
  baseUrl: string;
  timeout: number;
  headers: Record<string, string>;
  fetch: FetchFunction;
  retries: number;
  retryBackoffMs: number;
}

export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /* This call's deadline in ms, instead of the client's timeout. */
  timeout?: number;
  /* A successful answer is text (GET /metrics), returned as it is. */
  text?: boolean;
}

const RETRY_STATUSES = new Set([429, 503]);
const MAX_BACKOFF_MS = 5000;
const SNIPPET_CHARS = 200;

/* The base URL without trailing slashes, or INVALID_CONFIG. A path in it is kept,
 * so a Kafdo behind a path prefix works. */
export function normalizeBaseUrl(baseUrl: unknown): string {
  if (typeof baseUrl !== "string" || baseUrl === "") {
    throw new KafdoClientError("INVALID_CONFIG", "KafdoClient needs a baseUrl, the URL of a Kafdo deployment");
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new KafdoClientError("INVALID_CONFIG", `baseUrl ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new KafdoClientError("INVALID_CONFIG", `baseUrl ${JSON.stringify(baseUrl)} is not an http(s) URL`);
  }
  if (url.search || url.hash) {
    const shown = JSON.stringify(baseUrl);
    throw new KafdoClientError("INVALID_CONFIG", `baseUrl ${shown} must not have a query or fragment`);
  }
  return url.href.replace(/\/+$/, "");
}

/* A path segment: a topic name or a group id, percent-encoded. */
export const segment = encodeURIComponent;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

function backoff(config: TransportConfig, attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const base = Math.min(MAX_BACKOFF_MS, config.retryBackoffMs * 2 ** attempt);
  return base * (0.8 + Math.random() * 0.4);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
}

/* The REST API's error shape, or undefined. */
function errorShape(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return { code, message };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  /* Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED …) in cause. */
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return `${e.message}: ${cause.message}`;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? `${e.message}: ${code}` : e.message;
}

export class Transport {
  constructor(private readonly config: TransportConfig) {}

  get baseUrl(): string {
    return this.config.baseUrl;
  }

  /* One call: resolves to the answer's JSON (undefined for 204), or rejects with a
   * KafdoClientError. Never rejects with anything else, and settles by the deadline. */
  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const timeout = options.timeout ?? this.config.timeout;
    const headers: Record<string, string> = { accept: "application/json", ...this.config.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const where = { method, url };
    const controller = new AbortController();
    const deadline = Date.now() + timeout;
    const timer = setTimeout(() => controller.abort(), timeout);
    /* Waits before the next attempt; gives up with `error` rather than wait past
     * the deadline (a Retry-After longer than the time left, say). */
    const wait = async (ms: number, error: KafdoClientError) => {
      if (Date.now() + ms >= deadline) throw error;
      await sleep(ms, controller.signal);
      if (controller.signal.aborted) throw error;
    };
    const timedOut = (cause?: unknown) =>
      new KafdoClientError("REQUEST_TIMED_OUT", `${method} ${url} got no answer within ${timeout} ms`, {
        ...where,
        cause,
      });
    try {
      for (let attempt = 0; ; attempt++) {
        const last = attempt >= this.config.retries;
        let response: Response;
        try {
          response = await this.config.fetch(url, { method, headers, body, signal: controller.signal });
        } catch (e) {
          if (controller.signal.aborted) throw timedOut(e);
          const error = new KafdoClientError(
            "NETWORK_EXCEPTION",
            `${method} ${url} could not reach the server (${describeCause(e)})` +
              (attempt > 0 ? ` after ${attempt + 1} attempts` : ""),
            { ...where, cause: e },
          );
          if (last) throw error;
          await wait(backoff(this.config, attempt, null), error);
          continue;
        }

        let text: string;
        try {
          text = await response.text();
        } catch (e) {
          if (controller.signal.aborted) throw timedOut(e);
          throw new KafdoClientError(
            "NETWORK_EXCEPTION",
            `${method} ${url}: the answer (${response.status}) broke off (${describeCause(e)})`,
            { ...where, status: response.status, cause: e },
          );
        }

        if (response.ok) {
          if (options.text) return text as T;
          if (response.status === 204 || text === "") return undefined as T;
          const parsed = parseJson(text);
          if (parsed.ok) return parsed.value as T;
          throw this.unexpected(response, text, where);
        }

        const parsed = parseJson(text);
        const shape = parsed.ok ? errorShape(parsed.value) : undefined;
        const error = shape
          ? new KafdoClientError(shape.code, `${shape.message} (${method} ${url}: ${response.status})`, {
              ...where,
              status: response.status,
            })
          : this.unexpected(response, text, where);
        if (last || !RETRY_STATUSES.has(response.status)) throw error;
        await wait(backoff(this.config, attempt, response.headers.get("retry-after")), error);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private url(path: string, query: CallOptions["query"]): string {
    let url = this.config.baseUrl + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s) url += `?${s}`;
    }
    return url;
  }

  private unexpected(response: Response, text: string, where: { method: string; url: string }): KafdoClientError {
    const type = response.headers.get("content-type") ?? "no content type";
    const body = text === "" ? "an empty body" : `"${snippet(text)}"`;
    return new KafdoClientError(
      "UNEXPECTED_RESPONSE",
      `${where.method} ${where.url} answered ${response.status} (${type}) with ${body}, ` +
        `not Kafdo's JSON: is baseUrl a Kafdo deployment?`,
      { ...where, status: response.status },
    );
  }
}
