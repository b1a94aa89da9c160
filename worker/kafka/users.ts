/*
 * users.ts — DescribeUserScramCredentials (50) and AlterUserScramCredentials (51):
 * the SASL users over the Kafka protocol, as `kafka-configs --entity-type users
 * --alter --add-config 'SCRAM-SHA-256=[iterations=4096,password=...]'` and kafkajs
 * admin clients manage them. The client salts the password itself and sends only
 * the SaltedPassword; api/users.ts derives and stores the keys.
 *
 * Kafka's answers per user: RESOURCE_NOT_FOUND describing or deleting a credential
 * that does not exist, DUPLICATE_RESOURCE for a user named twice (describe) or a
 * user and mechanism altered twice in one request, UNSUPPORTED_SASL_MECHANISM for a
 * mechanism other than 1 and 2, UNACCEPTABLE_CREDENTIAL for an empty name, a salt or
 * SaltedPassword that does not fit, or iterations outside 4096..16384. A user's
 * alterations are all checked before any is applied.
 */
import { SCRAM_SHA_256, SCRAM_SHA_512, scramCredential } from "../../wasm/kafdo";
import { deleteUser, listUsers, mechanismCode, setUserSaltedPassword, userCredentials } from "../api/users";
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import { errorCodeOf, errorMessageOf, type KafkaContext, type RequestOf } from "./context";
import type {
  AlterUserScramCredentialsRequestDeletions as Deletion,
  AlterUserScramCredentialsRequestUpsertions as Upsertion,
} from "./generated/requests";

export async function describeUserScramCredentials(
  ctx: KafkaContext,
  req: RequestOf<"DescribeUserScramCredentials">,
): Promise<object> {
  const asked = req.body.users;
  let results: object[];
  if (asked === null || asked.length === 0) {
    results = (await listUsers(ctx.env)).map((u) => ({
      user: u.name,
      errorCode: 0,
      errorMessage: null,
      credentialInfos: u.credentials.map((c) => ({ mechanism: mechanismCode(c.mechanism), iterations: c.iterations })),
    }));
  } else {
    const seen = new Map<string, number>();
    for (const { name } of asked) seen.set(name, (seen.get(name) ?? 0) + 1);
    results = await Promise.all(
      [...seen].map(async ([user, times]) => {
        if (times > 1) return failure(user, KafkaCode.DUPLICATE_RESOURCE, "the user is named more than once");
        const found = await userCredentials(ctx.env, user);
        if (found.length === 0) return failure(user, KafkaCode.RESOURCE_NOT_FOUND, "no such user credential");
        return {
          user,
          errorCode: 0,
          errorMessage: null,
          credentialInfos: found.map(({ mechanism, iterations }) => ({ mechanism, iterations })),
        };
      }),
    );
  }
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
}

function failure(user: string, errorCode: number, errorMessage: string): object {
  return { user, errorCode, errorMessage, credentialInfos: [] };
}

export async function alterUserScramCredentials(
  ctx: KafkaContext,
  req: RequestOf<"AlterUserScramCredentials">,
): Promise<object> {
  const { deletions, upsertions } = req.body;
  const byUser = new Map<string, { deletions: Deletion[]; upsertions: Upsertion[] }>();
  const entry = (name: string) => byUser.get(name) ?? byUser.set(name, { deletions: [], upsertions: [] }).get(name)!;
  for (const d of deletions) entry(d.name).deletions.push(d);
  for (const u of upsertions) entry(u.name).upsertions.push(u);
  const results = [];
  for (const [user, ops] of byUser) {
    try {
      await alterOne(ctx.env, user, ops.deletions, ops.upsertions);
      results.push({ user, errorCode: 0, errorMessage: null });
    } catch (e) {
      results.push({ user, errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e) });
    }
  }
  return { throttleTimeMs: 0, results };
}

async function alterOne(env: Env, user: string, deletions: Deletion[], upsertions: Upsertion[]): Promise<void> {
  if (user === "") throw new KafdoError(KafkaCode.UNACCEPTABLE_CREDENTIAL, "the user name must not be empty");
  const mechanisms = [...deletions, ...upsertions].map((o) => o.mechanism);
  for (const m of mechanisms) {
    if (m !== SCRAM_SHA_256 && m !== SCRAM_SHA_512)
      throw new KafdoError(KafkaCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${m}`);
  }
  if (new Set(mechanisms).size !== mechanisms.length) {
    throw new KafdoError(
      KafkaCode.DUPLICATE_RESOURCE,
      "a user's credential cannot be altered twice in the same request",
    );
  }
  /* Checked first, so that nothing changes when any of the user's alterations is refused. */
  for (const u of upsertions) scramCredential(u.mechanism as 1 | 2, u.salt, u.saltedPassword, u.iterations, true);
  const existing = new Set((await userCredentials(env, user)).map((c) => c.mechanism));
  for (const d of deletions) {
    if (!existing.has(d.mechanism))
      throw new KafdoError(KafkaCode.RESOURCE_NOT_FOUND, "no such user credential to delete");
  }
  for (const d of deletions) await deleteUser(env, user, d.mechanism);
  for (const u of upsertions)
    await setUserSaltedPassword(env, user, u.mechanism, u.iterations, u.salt, u.saltedPassword);
}
