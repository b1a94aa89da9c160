/*
 * sasl.ts — one Kafka connection's authentication: SaslHandshake (17) and
 * SaslAuthenticate (36) with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, as a Kafka
 * broker's SaslServerAuthenticator runs them.
 *
 * The exchange's state lives here, per connection; every rule about the messages
 * (their grammar, the proof, PLAIN's parts, the keys) is the core's (sasl_scram.c,
 * sasl_plain.c); the credentials are the cluster metadata object's (api/users.ts).
 *
 *   start ── SaslHandshake(mechanism) ──▶ handshaken ── SaslAuthenticate ──▶ ...
 *   PLAIN:  one SaslAuthenticate (authzid NUL user NUL password) ─▶ authenticated
 *   SCRAM:  client-first ─▶ server-first;  client-final ─▶ server-final, authenticated
 *
 * SaslHandshake v0 (before Kafka 1.0) is followed by the tokens themselves, framed
 * by a size prefix but not as Kafka requests; awaitingRawToken says the next frame
 * is one, and the answer is framed the same way.
 *
 * Kafka's answers to what goes wrong: an unknown mechanism is answered
 * UNSUPPORTED_SASL_MECHANISM with the enabled list, and the connection closes; a
 * failed authentication is answered SASL_AUTHENTICATION_FAILED with the reason, and
 * the connection closes; a SASL request out of order closes it (ILLEGAL_SASL_STATE).
 * While KAFDO_KAFKA_SASL is "required", any request but ApiVersions and the SASL
 * APIs before authentication closes the connection, as Kafka does on a SASL
 * listener. With it "off" (the default) SASL is optional: a client that
 * authenticates gets its principal, one that does not is User:ANONYMOUS.
 *
 * Secrets never leave this module: neither the messages nor the core's reasons
 * (which never name a password) are logged.
 */
import {
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  kafkaEncode,
  saslPlainUser,
  saslPlainVerify,
  scramClientFinal,
  scramClientFirst,
  scramServerFirst,
  type KafkaRequest,
  type ScramKeys,
  type ScramMechanism,
} from "../../wasm/kafdo";
import { userCredentials } from "../api/users";
import type { StoredCredential } from "../common/security";
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { KafkaContext, RequestOf } from "./context";

export const SASL_HANDSHAKE = 17;
export const SASL_AUTHENTICATE = 36;
const API_VERSIONS = 18;

export const MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
const SCRAM: Readonly<Record<string, ScramMechanism>> = {
  "SCRAM-SHA-256": SCRAM_SHA_256,
  "SCRAM-SHA-512": SCRAM_SHA_512,
};

export const ANONYMOUS = "User:ANONYMOUS";

/* Whether the Worker requires SASL on the Kafka port (KAFDO_KAFKA_SASL). */
export function saslRequired(env: Env): boolean {
  return env.KAFDO_KAFKA_SASL === "required";
}

/* What the connection does with a frame the session took: send `frame` (if any), then close when `close` says why. */
export interface SaslReply {
  frame?: Uint8Array;
  close?: string;
}

type State =
  | { step: "start" }
  | { step: "handshaken"; mechanism: string; raw: boolean }
  | {
      step: "scram-final";
      mechanism: ScramMechanism;
      raw: boolean;
      clientFirst: Uint8Array;
      serverFirst: Uint8Array;
      keys: ScramKeys;
      user: string;
    }
  | { step: "authenticated" };

/* A credential no user has, for a PLAIN attempt on an unknown user: the password
 * check runs all the same, so the answer's timing does not tell who exists. */
const NOBODY: StoredCredential = {
  user: "",
  mechanism: SCRAM_SHA_256,
  iterations: 4096,
  salt: new Uint8Array(32),
  storedKey: new Uint8Array(32),
  serverKey: new Uint8Array(32),
};

export class SaslSession {
  private state: State = { step: "start" };

  constructor(private readonly ctx: KafkaContext) {
    ctx.principal = ANONYMOUS;
  }

  get awaitingRawToken(): boolean {
    return (this.state.step === "handshaken" || this.state.step === "scram-final") && this.state.raw;
  }

  /*
   * Looks at a decoded request before the handlers do: answers the SASL APIs,
   * closes the connection on a request that may not come yet, and otherwise
   * answers undefined (the request goes on to its handler).
   */
  async intercept(req: KafkaRequest, decodeError: number): Promise<SaslReply | undefined> {
    const { apiKey } = req;
    if (apiKey === SASL_HANDSHAKE || apiKey === SASL_AUTHENTICATE) {
      if (decodeError !== 0) return { close: `a malformed SASL request (error ${decodeError})` };
      /* The codec decoded the body by its API key: the request is of that API. */
      return apiKey === SASL_HANDSHAKE
        ? this.handshake(req as RequestOf<"SaslHandshake">)
        : this.authenticate(req as RequestOf<"SaslAuthenticate">);
    }
    if (this.state.step !== "authenticated" && apiKey !== API_VERSIONS) {
      if (this.state.step !== "start")
        return { close: `api ${apiKey} in the middle of a SASL exchange (ILLEGAL_SASL_STATE)` };
      if (saslRequired(this.ctx.env))
        return { close: `api ${apiKey} before SASL authentication, which this Kafdo requires` };
    }
    return undefined;
  }

  /* A SaslHandshake v0 client's token, size prefix included. */
  async rawToken(frame: Uint8Array): Promise<SaslReply> {
    const reply = await this.exchange(frame.subarray(4));
    if ("error" in reply) return { close: reply.error.message.slice(0, 100) };
    const framed = new Uint8Array(4 + reply.bytes.length);
    new DataView(framed.buffer).setInt32(0, reply.bytes.length, false);
    framed.set(reply.bytes, 4);
    return { frame: framed };
  }

  private handshake(req: RequestOf<"SaslHandshake">): SaslReply {
    const answer = (errorCode: number): Uint8Array =>
      kafkaEncode(req.apiKey, req.apiVersion, req.correlationId, { errorCode, mechanisms: MECHANISMS });
    if (this.state.step !== "start") {
      return { frame: answer(KafkaCode.ILLEGAL_SASL_STATE), close: "SaslHandshake again (ILLEGAL_SASL_STATE)" };
    }
    const mechanism = req.body.mechanism;
    if (!MECHANISMS.includes(mechanism)) {
      return { frame: answer(KafkaCode.UNSUPPORTED_SASL_MECHANISM), close: "an unsupported SASL mechanism" };
    }
    this.state = { step: "handshaken", mechanism, raw: req.apiVersion === 0 };
    return { frame: answer(0) };
  }

  private async authenticate(req: RequestOf<"SaslAuthenticate">): Promise<SaslReply> {
    const answer = (errorCode: number, errorMessage: string | null, authBytes: Uint8Array): Uint8Array =>
      kafkaEncode(req.apiKey, req.apiVersion, req.correlationId, {
        errorCode,
        errorMessage,
        authBytes,
        sessionLifetimeMs: 0,
      });
    if (this.state.step !== "handshaken" && this.state.step !== "scram-final") {
      const message = "SaslAuthenticate without a SaslHandshake before it";
      return { frame: answer(KafkaCode.ILLEGAL_SASL_STATE, message, new Uint8Array()), close: message };
    }
    const reply = await this.exchange(req.body.authBytes);
    if ("error" in reply) {
      return {
        frame: answer(reply.error.kafkaCode, reply.error.message, new Uint8Array()),
        close: "SASL authentication failed",
      };
    }
    return { frame: answer(0, null, reply.bytes) };
  }

  /* One token of the exchange: the server's next token, or why it failed. */
  private async exchange(token: Uint8Array): Promise<{ bytes: Uint8Array } | { error: KafdoError }> {
    try {
      return { bytes: await this.step(token) };
    } catch (e) {
      this.state = { step: "start" };
      const known = KafdoError.from(e);
      if (known && known.kafkaCode > 0) return { error: known };
      console.error("kafka: SASL authentication failed unexpectedly:", e instanceof Error ? e.name : "error");
      return { error: new KafdoError(KafkaCode.SASL_AUTHENTICATION_FAILED, "authentication failed") };
    }
  }

  private async step(token: Uint8Array): Promise<Uint8Array> {
    const state = this.state;
    if (state.step === "handshaken" && state.mechanism === "PLAIN") {
      const user = saslPlainUser(token);
      const credential = (await userCredentials(this.ctx.env, user))[0];
      const { mechanism, salt, storedKey, iterations } = credential ?? NOBODY;
      saslPlainVerify(mechanism as ScramMechanism, token, salt, storedKey, iterations);
      if (!credential) throw failed();
      return this.authenticated(user);
    }
    if (state.step === "handshaken") {
      const mechanism = SCRAM[state.mechanism]!;
      const { user } = scramClientFirst(token);
      const credential = (await userCredentials(this.ctx.env, user)).find((c) => c.mechanism === mechanism);
      if (!credential) throw failed();
      const nonce = crypto.getRandomValues(new Uint8Array(18));
      const serverFirst = scramServerFirst(token, nonce, credential.salt, credential.iterations);
      this.state = {
        step: "scram-final",
        mechanism,
        raw: state.raw,
        clientFirst: token.slice(),
        serverFirst,
        keys: credential,
        user,
      };
      return serverFirst;
    }
    if (state.step === "scram-final") {
      const serverFinal = scramClientFinal(state.mechanism, state.clientFirst, state.serverFirst, token, state.keys);
      this.authenticated(state.user);
      return serverFinal;
    }
    throw new KafdoError(KafkaCode.ILLEGAL_SASL_STATE, "no SASL exchange in progress");
  }

  private authenticated(user: string): Uint8Array {
    this.state = { step: "authenticated" };
    this.ctx.principal = `User:${user}`;
    return new Uint8Array();
  }
}

function failed(): KafdoError {
  return new KafdoError(KafkaCode.SASL_AUTHENTICATION_FAILED, "authentication failed: invalid username or password");
}
