/*
 * auth.ts — the REST API's bearer token.
 *
 * When the Worker has a KAFDO_TOKEN secret (`wrangler secret put KAFDO_TOKEN`), every
 * request but GET /health must carry `Authorization: Bearer <token>`; any other
 * request is answered 401 UNAUTHORIZED in the one error shape, with a
 * WWW-Authenticate challenge (RFC 6750), before it is routed, so an unauthenticated
 * caller learns nothing about routes, topics or groups. /health stays open for load
 * balancers and uptime checks. Without the secret (local dev) nothing is checked.
 *
 * The comparison takes the same time whatever the token sent: both sides are hashed
 * (SHA-256) and the digests compared with crypto.subtle.timingSafeEqual, so neither
 * the position of the first differing byte nor the token's length shows in the
 * timing.
 *
 * Webhook ingestion (POST /webhooks/:topic) to a topic whose KAFDO_WEBHOOKS settings
 * ask for a signature is let through: Stripe and GitHub cannot send a bearer token,
 * and the HMAC signature the handler checks authenticates the request instead.
 * Unsigned webhook topics need the token like everything else, and so does every
 * webhook while KAFDO_WEBHOOKS is not valid: which topics are signed is then
 * unknown, and what is wrong with the setting is told only to a caller with the token.
 *
 * Several named tokens (KAFDO_TOKENS, principals.ts) give their holders a principal
 * each, which ACLs then apply to; KAFDO_TOKEN's holder stays trusted.
 *
 * Service-binding RPC (entrypoint.ts) does not pass through here: a binding is
 * granted by the deployment's own configuration, not reachable from the internet.
 */
import type { Env } from "../env";
import { topicWebhookConfig, webhookConfigFromEnv } from "../integrations/webhooks";
import { HttpError } from "./errors";
import { TRUSTED, namedTokens, principalOfToken } from "./principals";

const OPEN_PATHS = new Set(["/health"]);
const CHALLENGE = 'Bearer realm="kafdo"';

const encoder = new TextEncoder();

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/* The token of an `Authorization: Bearer <token>` header (scheme case-insensitive). */
function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  const match = header === null ? null : /^bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match ? match[1] : undefined;
}

/* A webhook to a topic that verifies its senders' signatures. */
function signedWebhook(request: Request, url: URL, env: Env): boolean {
  const match = /^\/webhooks\/([^/]+)$/.exec(url.pathname);
  if (request.method !== "POST" || !match) return false;
  let topic: string;
  try {
    topic = decodeURIComponent(match[1]!);
  } catch {
    return false;
  }
  try {
    return topicWebhookConfig(webhookConfigFromEnv(env), topic).signature !== undefined;
  } catch {
    return false;
  }
}

/* The caller's principal (principals.ts): TRUSTED, or one named by KAFDO_TOKENS; throws
 * 401 UNAUTHORIZED unless the request may be served. */
export async function authorize(request: Request, url: URL, env: Env): Promise<string> {
  if (OPEN_PATHS.has(url.pathname)) return TRUSTED;
  const expected = env.KAFDO_TOKEN;
  const named = namedTokens(env);
  if (named === "malformed") {
    throw new HttpError("UNAUTHORIZED", "this Kafdo's KAFDO_TOKENS is not JSON mapping principals (User:name) to SHA-256 hex digests, so no bearer token is accepted", {
      "www-authenticate": CHALLENGE,
    });
  }
  const noToken = expected === undefined || expected === "";
  if (noToken && named.length === 0) return TRUSTED;
  if (signedWebhook(request, url, env)) return TRUSTED;
  const given = bearerToken(request);
  if (given === undefined) {
    throw new HttpError("UNAUTHORIZED", "this Kafdo requires an Authorization: Bearer <token> header", {
      "www-authenticate": CHALLENGE,
    });
  }
  const principal = await principalOfToken(given, named);
  if (principal !== undefined) return principal;
  if (noToken || !(await sameSecret(given, expected))) {
    throw new HttpError("UNAUTHORIZED", "the bearer token is not valid", {
      "www-authenticate": `${CHALLENGE}, error="invalid_token"`,
    });
  }
  return TRUSTED;
}
