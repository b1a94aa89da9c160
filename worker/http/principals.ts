/*
 * principals.ts — who a REST caller is.
 *
 *   - KAFDO_TOKENS (a secret): named bearer tokens, as JSON mapping each principal to
 *     the SHA-256 of its token in hex, e.g. {"User:ci": "<sha256 hex>", "User:ops": "..."}
 *     (`printf %s "$TOKEN" | sha256sum`). Only hashes are configured, so the secret's
 *     value gives no token away. A caller with one of these tokens is that principal,
 *     and with SASL required its requests are checked against the ACLs (acl-gate.ts).
 *   - KAFDO_TOKEN: the operator's one token, as before; its holder is TRUSTED.
 *   - No token configured at all (local `make dev`): every caller is TRUSTED, as before.
 *
 * TRUSTED is not a Kafka principal: it is never checked against ACLs (the operator's
 * token, service bindings and the in-Worker API act as the deployment itself).
 *
 * The given token is hashed once and compared with every configured hash with
 * crypto.subtle.timingSafeEqual, so the timing tells nothing about which, if any,
 * matched, nor how much of it.
 */
import type { Env } from "../durable-objects/bindings";

export const TRUSTED = "trusted";

const encoder = new TextEncoder();

function hexBytes(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}

/* KAFDO_TOKENS as [principal, sha256] pairs, or "malformed": then no request but the
 * open paths is served (auth.ts), rather than the REST API falling open. */
export function namedTokens(env: Env): [string, Uint8Array][] | "malformed" {
  const raw = env.KAFDO_TOKENS;
  if (raw === undefined || raw.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return "malformed";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "malformed";
  const pairs: [string, Uint8Array][] = [];
  for (const [principal, hex] of Object.entries(parsed)) {
    const digest = typeof hex === "string" ? hexBytes(hex) : undefined;
    if (!digest || !/^[^:]+:.+$/.test(principal)) return "malformed";
    pairs.push([principal, digest]);
  }
  return pairs;
}

/* The principal whose named token this is, or undefined. */
export async function principalOfToken(given: string, tokens: [string, Uint8Array][]): Promise<string | undefined> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(given));
  let found: string | undefined;
  for (const [principal, expected] of tokens) {
    if (crypto.subtle.timingSafeEqual(digest, expected) && found === undefined) found = principal;
  }
  return found;
}
