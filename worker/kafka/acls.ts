/*
 * acls.ts — DescribeAcls (29), CreateAcls (30), DeleteAcls (31): the cluster's ACLs
 * over the Kafka protocol, as kafka-acls and kafkajs's admin.createAcls /
 * describeAcls / deleteAcls manage them (api/acls.ts). A binding the core refuses is
 * that creation's INVALID_REQUEST with the reason; the others are created.
 */
import { createAcls, deleteAcls, describeAcls, type AclBinding, type AclFilter } from "../api/acls";
import { errorCodeOf, errorMessageOf, type KafkaContext, type RequestOf } from "./context";
import type { DescribeAclsRequest } from "./generated/requests";

/* DescribeAcls's filter; DeleteAcls's are the same fields. */
const filterOf = (f: DescribeAclsRequest): AclFilter => ({
  resourceType: f.resourceTypeFilter,
  resourceName: f.resourceNameFilter,
  patternType: f.patternTypeFilter,
  principal: f.principalFilter,
  host: f.hostFilter,
  operation: f.operation,
  permissionType: f.permissionType,
});

export async function describeAclsHandler(ctx: KafkaContext, req: RequestOf<"DescribeAcls">): Promise<object> {
  let found: AclBinding[];
  try {
    found = await describeAcls(ctx.env, filterOf(req.body));
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e), resources: [] };
  }
  /* Grouped by resource pattern, as Kafka answers. */
  const resources = new Map<
    string,
    { resourceType: number; resourceName: string; patternType: number; acls: object[] }
  >();
  for (const b of found) {
    const key = JSON.stringify([b.resourceType, b.resourceName, b.patternType]);
    let r = resources.get(key);
    if (!r)
      resources.set(
        key,
        (r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }),
      );
    r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType });
  }
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: [...resources.values()] };
}

export async function createAclsHandler(ctx: KafkaContext, req: RequestOf<"CreateAcls">): Promise<object> {
  const wanted: AclBinding[] = req.body.creations.map((c) => ({
    resourceType: c.resourceType,
    resourceName: c.resourceName,
    patternType: c.resourcePatternType,
    principal: c.principal,
    host: c.host,
    operation: c.operation,
    permissionType: c.permissionType,
  }));
  const refusals = await createAcls(ctx.env, wanted);
  return {
    throttleTimeMs: 0,
    results: refusals.map((e) =>
      e ? { errorCode: e.kafkaCode, errorMessage: e.message } : { errorCode: 0, errorMessage: null },
    ),
  };
}

export async function deleteAclsHandler(ctx: KafkaContext, req: RequestOf<"DeleteAcls">): Promise<object> {
  const filters: AclFilter[] = req.body.filters.map(filterOf);
  let deleted: AclBinding[][];
  try {
    deleted = await deleteAcls(ctx.env, filters);
  } catch (e) {
    const failed = { errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e), matchingAcls: [] };
    return { throttleTimeMs: 0, filterResults: filters.map(() => failed) };
  }
  return {
    throttleTimeMs: 0,
    filterResults: deleted.map((bindings) => ({
      errorCode: 0,
      errorMessage: null,
      matchingAcls: bindings.map((b) => ({ errorCode: 0, errorMessage: null, ...b })),
    })),
  };
}
