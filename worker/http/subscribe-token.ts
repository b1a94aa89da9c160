/*
 * subscribe-token.ts — the bearer token of a subscription (handlers/subscribe.ts) where
 * a browser can send it. A browser's WebSocket cannot set an Authorization header and
 * neither can its EventSource, so on the subscription routes only, and only when the
 * request has no Authorization header, the token is also taken from:
 *   - a WebSocket subprotocol `kafdo.bearer.<token>` (offered beside `kafdo`, which the
 *     server answers with, so the token is never echoed): new WebSocket(url,
 *     ["kafdo", "kafdo.bearer." + token]);
 *   - the query parameter `access_token` (RFC 6750 section 2.3), for EventSource.
 * Risk, as RFC 6750 warns: a token in a URL can land in proxies' and servers' logs and
 * in browser history; a subprotocol header is not logged as a URL is. Prefer the
 * header, then the subprotocol, and a token of its own (KAFDO_TOKENS) with READ only.
 * The request is then handled as if it had `Authorization: Bearer <token>` (auth.ts).
 */
export const SUBSCRIBE_PROTOCOL = "kafdo";
const BEARER_PROTOCOL = "kafdo.bearer.";

/* Whether `path` is a subscription route's (GET /topics/:topic/subscribe, /events). */
function isSubscriptionPath(path: string): boolean {
  return path === "/events" || /^\/topics\/[^/]+\/subscribe$/.test(path);
}

/* `request`, with the token given in a subprotocol or the query as its Authorization header. */
export function withSubscriptionToken(request: Request, url: URL): Request {
  if (request.headers.has("authorization") || !isSubscriptionPath(url.pathname)) return request;
  const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  const token =
    offered.find((p) => p.startsWith(BEARER_PROTOCOL))?.slice(BEARER_PROTOCOL.length) ??
    url.searchParams.get("access_token") ??
    undefined;
  if (token === undefined || token === "") return request;
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}
