/*
 * api.ts — calls to the Worker's REST API, with the bearer token.
 *
 * The token is asked for once, on the first 401, and kept in the tab (token.ts); every
 * request carries it. A Worker without KAFDO_TOKEN never answers 401, so it is never
 * asked for. Requests that meet a 401 while the question is open wait for the same
 * answer, then are sent again.
 */
import { askToken, savedToken } from "./token";

/* An answer other than 2xx, in the API's one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

let tokenQuestion: Promise<void> | null = null;

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  for (;;) {
    const headers: Record<string, string> = {};
    const token = savedToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) {
      tokenQuestion ??= askToken(token !== null).finally(() => (tokenQuestion = null));
      await tokenQuestion;
      continue;
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      /* The JSON error shape, { "error": { "code", "message" } }, when the body has it. */
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? text.slice(0, 200));
    }
    return parsed as T;
  }
}

export const get = <T = unknown>(path: string) => api<T>("GET", path);
export const enc = encodeURIComponent;
