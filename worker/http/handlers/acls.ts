/*
 * acls.ts — /admin/acls: the cluster's ACLs (api/acls.ts) with Kafka's names.
 *
 *   GET    /admin/acls[?resourceType=&resourceName=&patternType=&principal=&host=&operation=&permission=]
 *          the bindings the filter matches (omitted: any; patternType MATCH as kafka-acls)
 *   POST   /admin/acls  {"acls": [binding, ...]}  creates them all, or none when any is
 *          invalid (400 INVALID_REQUEST naming it)
 *   DELETE /admin/acls?<the same filter>  deletes what it matches; answers them
 *
 * A binding: {"resourceType": "TOPIC" | "GROUP" | "CLUSTER" | "TRANSACTIONAL_ID",
 * "resourceName", "patternType": "LITERAL" | "PREFIXED", "principal": "User:alice",
 * "host": "*", "operation": "READ" | "WRITE" | ..., "permission": "ALLOW" | "DENY"}.
 */
import { aclCheck } from "../../../wasm/kafdo";
import {
  OPERATIONS,
  PATTERN_TYPES,
  PERMISSION_TYPES,
  RESOURCE_TYPES,
  createAcls,
  deleteAcls,
  describeAcls,
  type AclBinding,
  type AclFilter,
} from "../../api/acls";
import { KafdoError } from "../../errors";
import { invalidRequest } from "../errors";
import { Query, array, object, readJson, string } from "../input";
import type { Context } from "../router";

type Names = Readonly<Record<string, number>>;

function code(names: Names, value: string, where: string): number {
  const c = names[value];
  if (c === undefined) throw invalidRequest(`${where} must be one of ${Object.keys(names).join(", ")}, not "${value}"`);
  return c;
}

function nameOf(names: Names, c: number): string {
  return Object.keys(names).find((k) => names[k] === c) ?? String(c);
}

export interface AclJson {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

function toJson(b: AclBinding): AclJson {
  return {
    resourceType: nameOf(RESOURCE_TYPES, b.resourceType),
    resourceName: b.resourceName,
    patternType: nameOf(PATTERN_TYPES, b.patternType),
    principal: b.principal,
    host: b.host,
    operation: nameOf(OPERATIONS, b.operation),
    permission: nameOf(PERMISSION_TYPES, b.permissionType),
  };
}

function bindingOf(v: unknown, where: string): AclBinding {
  const o = object(v, where, ["resourceType", "resourceName", "patternType", "principal", "host", "operation", "permission"]);
  return {
    resourceType: code(RESOURCE_TYPES, string(o.resourceType, `${where}.resourceType`), `${where}.resourceType`),
    resourceName: string(o.resourceName, `${where}.resourceName`),
    patternType: code(PATTERN_TYPES, o.patternType === undefined ? "LITERAL" : string(o.patternType, `${where}.patternType`), `${where}.patternType`),
    principal: string(o.principal, `${where}.principal`),
    host: o.host === undefined ? "*" : string(o.host, `${where}.host`),
    operation: code(OPERATIONS, string(o.operation, `${where}.operation`), `${where}.operation`),
    permissionType: code(PERMISSION_TYPES, o.permission === undefined ? "ALLOW" : string(o.permission, `${where}.permission`), `${where}.permission`),
  };
}

function filterOf(url: URL): AclFilter {
  const q = url.searchParams;
  new Query(url, ["resourceType", "resourceName", "patternType", "principal", "host", "operation", "permission"]);
  const pick = (names: Names, key: string, fallback: string) => code(names, q.get(key) ?? fallback, `query parameter "${key}"`);
  return {
    resourceType: pick(RESOURCE_TYPES, "resourceType", "ANY"),
    resourceName: q.get("resourceName"),
    patternType: pick(PATTERN_TYPES, "patternType", q.has("resourceName") ? "MATCH" : "ANY"),
    principal: q.get("principal"),
    host: q.get("host"),
    operation: pick(OPERATIONS, "operation", "ANY"),
    permissionType: pick(PERMISSION_TYPES, "permission", "ANY"),
  };
}

export async function listAcls(c: Context): Promise<Response> {
  return Response.json({ acls: (await describeAcls(c.env, filterOf(c.url))).map(toJson) });
}

export async function createAclsHandler(c: Context): Promise<Response> {
  Query.none(c.url);
  const body = object(await readJson(c.request), "body", ["acls"]);
  const wanted = array(body.acls, "body.acls", 1, 1000).map((v, i) => bindingOf(v, `body.acls[${i}]`));
  wanted.forEach((b, i) => {
    try {
      aclCheck(b);
    } catch (e) {
      throw invalidRequest(`body.acls[${i}]: ${KafdoError.from(e)?.message ?? String(e)}`);
    }
  });
  await createAcls(c.env, wanted);
  return Response.json({ acls: wanted.map(toJson) }, { status: 201 });
}

export async function deleteAclsHandler(c: Context): Promise<Response> {
  const [deleted] = await deleteAcls(c.env, [filterOf(c.url)]);
  return Response.json({ deleted: deleted!.map(toJson) });
}
