/*
 * auth.ts — the bearer token, for every HTTP request the Worker takes: the REST
 * API's (http/index.ts, for each route the table does not mark public) and the
 * Kafka endpoint's WebSocket upgrade (worker/index.ts, before the Kafka front
 * takes the connection).
 *
 * When the Worker has a KAFDO_TOKEN secret (`wrangler secret put KAFDO_TOKEN`), such
 * a request must carry `Authorization: Bearer <token>`; any other is answered 401
 * UNAUTHORIZED in the one error shape, with a WWW-Authenticate challenge (RFC 6750),
 * before it is routed, so an unauthenticated caller learns nothing about routes,
 * topics or groups. Without the secret (local dev) nothing is checked.
 *
 * Which routes need no token is the route table's to say (routes.ts, `public`):
 * GET /health, for load balancers and uptime checks, and a webhook to a topic whose
 * KAFDO_WEBHOOKS settings ask for a signature (the signature authenticates it).
 *
 * The comparison takes the same time whatever the token sent: both sides are hashed
 * (SHA-256) and the digests compared with crypto.subtle.timingSafeEqual, so neither
 * the position of the first differing byte nor the token's length shows in the
 * timing.
 *
 * Several named tokens (KAFDO_TOKENS, principals.ts) give their holders a principal
 * each, which ACLs then apply to (acl-gate.ts); KAFDO_TOKEN's holder stays trusted.
 * While KAFDO_TOKENS is malformed no bearer token is accepted: every caller but the
 * always-public routes (/health) is refused, rather than the REST API falling open.
 *
 * Service-binding RPC (entrypoint.ts) does not pass through here: a binding is
 * granted by the deployment's own configuration, not reachable from the internet.
 */
import type { Env } from "../durable-objects/bindings";
import { HttpError } from "./errors";
import { TRUSTED, namedTokens, principalOfToken } from "./principals";

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

function malformedTokens(): HttpError {
  return new HttpError(
    "UNAUTHORIZED",
    "this Kafdo's KAFDO_TOKENS is not JSON mapping principals (User:name) to SHA-256 hex digests, so no bearer token is accepted",
    { "www-authenticate": CHALLENGE },
  );
}

/* Throws 401 UNAUTHORIZED, naming the setting, while KAFDO_TOKENS is malformed. */
export function requireWellFormedTokens(env: Env): void {
  if (namedTokens(env) === "malformed") throw malformedTokens();
}

/* The caller's principal (principals.ts): TRUSTED for the holder of KAFDO_TOKEN (or
 * anyone, when no token is set at all), or the one whose KAFDO_TOKENS token it is;
 * throws 401 UNAUTHORIZED unless the request may be served. */
export async function authenticate(request: Request, env: Env): Promise<string> {
  const named = namedTokens(env);
  if (named === "malformed") throw malformedTokens();
  const expected = env.KAFDO_TOKEN;
  const noToken = expected === undefined || expected === "";
  if (noToken && named.length === 0) return TRUSTED;
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
