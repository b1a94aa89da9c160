/*
 * acl.ts — Kafka's ACLs (src-c/acl.c): which bindings may be stored, which a filter
 * matches, and the authorization decision (deny wins, literal/wildcard/prefixed,
 * implied DESCRIBE, super users). Codes are Kafka's (kafdo.h lists them).
 */
import { Writer } from "./bytes";
import { invoke } from "./core";

/* An ACL binding with Kafka's codes (ResourceType, PatternType, AclOperation,
 * AclPermissionType), as the wire and storage carry it. */
export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/* A filter (DescribeAcls, DeleteAcls): null strings match any. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

/* One question: may the principal do `operation` on this resource? */
export interface AclQuery {
  operation: number;
  resourceType: number;
  resourceName: string;
}

function writeBinding(w: Writer, a: AclBinding): Writer {
  return w
    .u8(a.resourceType)
    .u8(a.patternType)
    .str(a.resourceName)
    .str(a.principal)
    .str(a.host)
    .u8(a.operation)
    .u8(a.permissionType);
}

/* A filter's string: u8 0 for null (any), else 1 and the string. */
function writeNullableStr(w: Writer, s: string | null): Writer {
  return s === null ? w.u8(0) : w.u8(1).str(s);
}

/* The core's answer of one u8 per item, 1 for yes. */
function flags(out: { rest(): Uint8Array }): boolean[] {
  return Array.from(out.rest(), (v) => v === 1);
}

/* Throws INVALID_REQUEST (with the reason) for a binding Kafka would not store. */
export function aclCheck(binding: AclBinding): void {
  invoke({ input: writeBinding(new Writer(), binding).bytes(), run: (k, ptr, len) => k.kd_acl_check(ptr, len) });
}

/* Which bindings the filter matches; INVALID_REQUEST for a filter with an unknown code. */
export function aclFilter(filter: AclFilter, bindings: AclBinding[]): boolean[] {
  const w = new Writer().u8(filter.resourceType).u8(filter.patternType);
  writeNullableStr(w, filter.resourceName);
  writeNullableStr(w, filter.principal);
  writeNullableStr(w, filter.host);
  w.u8(filter.operation).u8(filter.permissionType).u32(bindings.length);
  for (const b of bindings) writeBinding(w, b);
  return invoke({ input: w.bytes(), run: (k, ptr, len) => k.kd_acl_filter(ptr, len), read: flags });
}

/* Kafka's decision for each query (acl.c). */
export function aclAuthorize(
  principal: string,
  host: string,
  superUsers: string[],
  queries: AclQuery[],
  bindings: AclBinding[],
): boolean[] {
  const w = new Writer().str(principal).str(host).u32(superUsers.length);
  for (const s of superUsers) w.str(s);
  w.u32(queries.length);
  for (const q of queries) w.u8(q.operation).u8(q.resourceType).str(q.resourceName);
  w.u32(bindings.length);
  for (const b of bindings) writeBinding(w, b);
  return invoke({ input: w.bytes(), run: (k, ptr, len) => k.kd_acl_authorize(ptr, len), read: flags });
}

/* A resource whose authorized operations are asked for. */
export interface AclResource {
  resourceType: number;
  resourceName: string;
}

/* Kafka's authorized-operations bit field for each resource (kd_acl_operations): of the
 * operations its type supports, those the principal may do. One call for them all. */
export function aclOperations(
  principal: string,
  host: string,
  superUsers: string[],
  resources: AclResource[],
  bindings: AclBinding[],
): number[] {
  const w = new Writer().str(principal).str(host).u32(superUsers.length);
  for (const s of superUsers) w.str(s);
  w.u32(resources.length);
  for (const r of resources) w.u8(r.resourceType).str(r.resourceName);
  w.u32(bindings.length);
  for (const b of bindings) writeBinding(w, b);
  return invoke({
    input: w.bytes(),
    run: (k, ptr, len) => k.kd_acl_operations(ptr, len),
    read: (out) => resources.map(() => out.i32()),
  });
}
