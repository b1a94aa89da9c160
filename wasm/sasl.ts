/*
 * sasl.ts — SASL's arithmetic (src-c/sha2.c, sasl_scram.c, sasl_plain.c): SCRAM
 * credentials and the server's side of a SCRAM exchange, and PLAIN's message. Stateless:
 * the Kafka front keeps a connection's messages and passes them back.
 */
import { KD_SCRAM_SHA_256, KD_SCRAM_SHA_512 } from "./generated/abi";
import { Writer, int32 } from "./bytes";
import { invoke } from "./core";

/* Kafka's ScramMechanism codes. */
export const SCRAM_SHA_256 = KD_SCRAM_SHA_256;
export const SCRAM_SHA_512 = KD_SCRAM_SHA_512;
export type ScramMechanism = typeof SCRAM_SHA_256 | typeof SCRAM_SHA_512;

/* What Kafdo keeps of a password (kafdo.h, kd_scram_credential). */
export interface ScramKeys {
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/* kafdo.h's "fields": each part's u32 length, then its bytes. */
function fieldsOf(parts: Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const p of parts) w.blob(p);
  return w.bytes();
}

/* A credential from a password, or (saltedGiven) from the SaltedPassword a client sent. */
export function scramCredential(
  mechanism: ScramMechanism,
  salt: Uint8Array,
  secret: Uint8Array,
  iterations: number,
  saltedGiven = false,
): ScramKeys {
  const i = int32(iterations, "iterations");
  return invoke({
    input: fieldsOf([salt, secret]),
    run: (k, ptr, len) => k.kd_scram_credential(mechanism, ptr, len, i, saltedGiven ? 1 : 0),
    read: (out) => {
      const half = out.length / 2;
      return { storedKey: out.bytes(half), serverKey: out.bytes(half) };
    },
  });
}

/* The user and nonce of a SCRAM client-first message. */
export function scramClientFirst(message: Uint8Array): { user: string; nonce: string } {
  return invoke({
    input: message,
    run: (k, ptr, len) => k.kd_scram_client_first(ptr, len),
    read: (out) => ({ user: out.str(), nonce: out.str() }),
  });
}

export function scramServerFirst(
  clientFirst: Uint8Array,
  serverNonce: Uint8Array,
  salt: Uint8Array,
  iterations: number,
): Uint8Array {
  const i = int32(iterations, "iterations");
  return invoke({
    input: fieldsOf([clientFirst, serverNonce, salt]),
    run: (k, ptr, len) => k.kd_scram_server_first(ptr, len, i),
    read: (out) => out.rest(),
  });
}

/* The server-final message when the client's proof holds; a KafdoError
 * (SASL_AUTHENTICATION_FAILED) when it does not. */
export function scramClientFinal(
  mechanism: ScramMechanism,
  clientFirst: Uint8Array,
  serverFirst: Uint8Array,
  clientFinal: Uint8Array,
  keys: ScramKeys,
): Uint8Array {
  return invoke({
    input: fieldsOf([clientFirst, serverFirst, clientFinal, keys.storedKey, keys.serverKey]),
    run: (k, ptr, len) => k.kd_scram_client_final(mechanism, ptr, len),
    read: (out) => out.rest(),
  });
}

/* The user a PLAIN message names (its password stays in the message). */
export function saslPlainUser(message: Uint8Array): string {
  return invoke({ input: message, run: (k, ptr, len) => k.kd_sasl_plain_user(ptr, len), read: (out) => out.str() });
}

/* Throws SASL_AUTHENTICATION_FAILED unless the PLAIN message's password yields storedKey. */
export function saslPlainVerify(
  mechanism: ScramMechanism,
  message: Uint8Array,
  salt: Uint8Array,
  storedKey: Uint8Array,
  iterations: number,
): void {
  const i = int32(iterations, "iterations");
  invoke({
    input: fieldsOf([message, salt, storedKey]),
    run: (k, ptr, len) => k.kd_sasl_plain_verify(mechanism, ptr, len, i),
  });
}
