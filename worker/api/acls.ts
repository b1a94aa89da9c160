/*
 * acls.ts — the cluster's ACLs: managed from the Kafka protocol (CreateAcls,
 * DescribeAcls, DeleteAcls), REST (/admin/acls), the CLI and kafdo/client, and asked
 * "may principal P do O on R?" by the Kafka front and REST before every request.
 *
 * The bindings live in the cluster metadata object (durable-objects/acls.ts); every
 * rule is the core's (acl.c). The decision runs here, in the Worker, over the bindings
 * read at most CACHE_MS ago: an isolate keeps them that long (a Kafka connection makes
 * many requests), and forgets them at once when it changes them itself. A change made
 * elsewhere reaches every isolate within CACHE_MS.
 *
 * ACLs are enforced whenever SASL is required (KAFDO_KAFKA_SASL=required). The super
 * users of KAFDO_SUPER_USERS (Kafka's super.users form, "User:admin;User:ops") may do
 * anything; any other principal only what an ACL allows (no ACL, no access).
 */
import {
  aclAuthorize,
  aclCheck,
  aclFilter,
  aclOperations,
  type AclBinding,
  type AclFilter,
  type AclQuery,
  type AclResource,
} from "../../wasm/kafdo";
import * as abi from "../../wasm/generated/abi";
import { metadataStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";
import { KafdoError } from "../common/errors";

export type { AclBinding, AclFilter, AclQuery };

/* Kafka's codes (the core's, kafdo.h), by the names kafka-acls and the REST API use. */
export const RESOURCE_TYPES = {
  ANY: abi.KD_ACL_RESOURCE_ANY,
  TOPIC: abi.KD_ACL_RESOURCE_TOPIC,
  GROUP: abi.KD_ACL_RESOURCE_GROUP,
  CLUSTER: abi.KD_ACL_RESOURCE_CLUSTER,
  TRANSACTIONAL_ID: abi.KD_ACL_RESOURCE_TRANSACTIONAL_ID,
} as const;
export const PATTERN_TYPES = {
  ANY: abi.KD_ACL_PATTERN_ANY,
  MATCH: abi.KD_ACL_PATTERN_MATCH,
  LITERAL: abi.KD_ACL_PATTERN_LITERAL,
  PREFIXED: abi.KD_ACL_PATTERN_PREFIXED,
} as const;
export const OPERATIONS = {
  ANY: abi.KD_ACL_OP_ANY,
  ALL: abi.KD_ACL_OP_ALL,
  READ: abi.KD_ACL_OP_READ,
  WRITE: abi.KD_ACL_OP_WRITE,
  CREATE: abi.KD_ACL_OP_CREATE,
  DELETE: abi.KD_ACL_OP_DELETE,
  ALTER: abi.KD_ACL_OP_ALTER,
  DESCRIBE: abi.KD_ACL_OP_DESCRIBE,
  CLUSTER_ACTION: abi.KD_ACL_OP_CLUSTER_ACTION,
  DESCRIBE_CONFIGS: abi.KD_ACL_OP_DESCRIBE_CONFIGS,
  ALTER_CONFIGS: abi.KD_ACL_OP_ALTER_CONFIGS,
  IDEMPOTENT_WRITE: abi.KD_ACL_OP_IDEMPOTENT_WRITE,
} as const;
export const PERMISSION_TYPES = {
  ANY: abi.KD_ACL_PERMISSION_ANY,
  DENY: abi.KD_ACL_PERMISSION_DENY,
  ALLOW: abi.KD_ACL_PERMISSION_ALLOW,
} as const;

export const CLUSTER_RESOURCE = "kafka-cluster";

const CACHE_MS = 2000;
let cached: { at: number; bindings: Promise<AclBinding[]> } | undefined;

function forget(): void {
  cached = undefined;
}

async function bindings(env: Env): Promise<AclBinding[]> {
  const now = Date.now();
  if (!cached || now - cached.at > CACHE_MS) {
    const loading = metadataStub(env).listAcls();
    cached = { at: now, bindings: loading };
    loading.catch(() => cached?.bindings === loading && forget());
  }
  return cached.bindings;
}

/* Whether ACLs are enforced: when SASL is required on the Kafka port. */
export function aclsEnforced(env: Env): boolean {
  return env.KAFDO_KAFKA_SASL === "required";
}

/* KAFDO_SUPER_USERS: "User:admin;User:ops" (Kafka's super.users). */
export function superUsers(env: Env): string[] {
  return (env.KAFDO_SUPER_USERS ?? "")
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
}

/* Kafka's decision for each query; the host is the client's address where known,
 * else "" (then only ACLs for host "*" apply). */
export async function authorize(env: Env, principal: string, queries: AclQuery[], host = ""): Promise<boolean[]> {
  if (queries.length === 0) return [];
  return aclAuthorize(principal, host, superUsers(env), queries, await bindings(env));
}

/* Kafka's authorized-operations bits for each resource (the core's decision, one call). */
export async function authorizedOperations(
  env: Env,
  principal: string,
  resources: AclResource[],
  host = "",
): Promise<number[]> {
  if (resources.length === 0) return [];
  return aclOperations(principal, host, superUsers(env), resources, await bindings(env));
}

/* Throws INVALID_REQUEST (with the reason) for a binding Kafka would not store. */
export function checkAcl(binding: AclBinding): void {
  aclCheck(binding);
}

/* Creates each binding the core finds well formed; the answer per binding is null or its refusal. */
export async function createAcls(env: Env, wanted: AclBinding[]): Promise<(KafdoError | null)[]> {
  const results = wanted.map((b) => {
    try {
      aclCheck(b);
      return null;
    } catch (e) {
      return KafdoError.from(e) ?? new KafdoError(-1, String(e));
    }
  });
  const valid = wanted.filter((_, i) => results[i] === null);
  if (valid.length > 0) {
    await metadataStub(env).createAcls(valid);
    forget();
  }
  return results;
}

export async function describeAcls(env: Env, filter: AclFilter): Promise<AclBinding[]> {
  const all = await metadataStub(env).listAcls();
  const hits = aclFilter(filter, all);
  return all.filter((_, i) => hits[i]);
}

/* Deletes what each filter matches; answers the bindings deleted, per filter. */
export async function deleteAcls(env: Env, filters: AclFilter[]): Promise<AclBinding[][]> {
  const deleted = await metadataStub(env).deleteAcls(filters);
  forget();
  return deleted;
}
