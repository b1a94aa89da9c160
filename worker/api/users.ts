/*
 * users.ts — the SASL users of the Kafka port: who may authenticate with SCRAM-SHA-256,
 * SCRAM-SHA-512 or PLAIN, managed from REST (/admin/users), the CLI, kafdo/client and
 * the Kafka protocol (AlterUserScramCredentials / DescribeUserScramCredentials).
 *
 * A password becomes a credential here, in the Worker (the core's PBKDF2 with a fresh
 * random salt, kd_scram_credential), and only the derived keys go to the cluster
 * metadata object: the password is never stored, sent on, or logged.
 */
import { SCRAM_SHA_256, SCRAM_SHA_512, scramCredential, type ScramMechanism } from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { SaslUser, ScramMechanismName, StoredCredential } from "../common/security";

export const SCRAM_MECHANISMS: Readonly<Record<string, ScramMechanism>> = {
  "SCRAM-SHA-256": SCRAM_SHA_256,
  "SCRAM-SHA-512": SCRAM_SHA_512,
};

/* Kafka's default and the most kafka-configs accepts is 4096..16384; 4096 is its default. */
export const DEFAULT_ITERATIONS = 4096;
const SALT_BYTES = 32;

export type UserInfo = SaslUser;

export function mechanismName(code: number): ScramMechanismName {
  return code === SCRAM_SHA_512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

export function mechanismCode(name: string): ScramMechanism {
  const code = SCRAM_MECHANISMS[name];
  if (code === undefined) {
    throw new KafdoError(
      KafkaCode.UNSUPPORTED_SASL_MECHANISM,
      `mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, not "${name}"`,
    );
  }
  return code;
}

function checkUserName(user: string): void {
  if (user === "") throw new KafdoError(KafkaCode.UNACCEPTABLE_CREDENTIAL, "the user name must not be empty");
}

/* Sets (or replaces) the user's credential for the mechanism from a password. */
export async function setUserPassword(
  env: Env,
  user: string,
  mechanism: string,
  password: string,
  iterations = DEFAULT_ITERATIONS,
): Promise<UserInfo> {
  checkUserName(user);
  const code = mechanismCode(mechanism);
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const keys = scramCredential(code, salt, new TextEncoder().encode(password), iterations);
  await metadataStub(env).putScramCredential({ user, mechanism: code, iterations, salt, ...keys });
  return describeUser(env, user);
}

/* Sets the credential from the SaltedPassword a Kafka client computed
 * (AlterUserScramCredentials: the client salts, the broker never sees the password). */
export async function setUserSaltedPassword(
  env: Env,
  user: string,
  mechanism: number,
  iterations: number,
  salt: Uint8Array,
  saltedPassword: Uint8Array,
): Promise<void> {
  checkUserName(user);
  if (mechanism !== SCRAM_SHA_256 && mechanism !== SCRAM_SHA_512) {
    throw new KafdoError(KafkaCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${mechanism}`);
  }
  const keys = scramCredential(mechanism, salt, saltedPassword, iterations, true);
  await metadataStub(env).putScramCredential({ user, mechanism, iterations, salt: salt.slice(), ...keys });
}

export async function listUsers(env: Env): Promise<UserInfo[]> {
  const byUser = new Map<string, UserInfo>();
  for (const c of await metadataStub(env).listScramCredentials()) {
    let info = byUser.get(c.user);
    if (!info) byUser.set(c.user, (info = { name: c.user, credentials: [] }));
    info.credentials.push({ mechanism: mechanismName(c.mechanism), iterations: c.iterations });
  }
  return [...byUser.values()];
}

/* RESOURCE_NOT_FOUND for a user with no credential, as Kafka's DescribeUserScramCredentials. */
export async function describeUser(env: Env, user: string): Promise<UserInfo> {
  const found = await userCredentials(env, user);
  if (found.length === 0) throw new KafdoError(KafkaCode.RESOURCE_NOT_FOUND, `no user "${user}"`);
  return {
    name: user,
    credentials: found.map((c) => ({ mechanism: mechanismName(c.mechanism), iterations: c.iterations })),
  };
}

/* Removes the user's credential for one mechanism, or every one; RESOURCE_NOT_FOUND when there was none. */
export async function deleteUser(env: Env, user: string, mechanism?: number): Promise<void> {
  const removed = await metadataStub(env).deleteScramCredential(user, mechanism);
  if (removed === 0) throw new KafdoError(KafkaCode.RESOURCE_NOT_FOUND, `no credential for user "${user}"`);
}

/* The stored keys, for authentication (worker/kafka/sasl.ts). */
export async function userCredentials(env: Env, user: string): Promise<StoredCredential[]> {
  return metadataStub(env).scramCredentials(user);
}
