/*
 * acls.ts — /admin/acls: the cluster's ACLs (api/acls.ts) with Kafka's names.
 *
 *   GET    /admin/acls[?resourceType=&resourceName=&patternType=&principal=&host=&operation=&permission=]
 *          the bindings the filter matches (omitted: any; patternType MATCH as kafka-acls)
 *   POST   /admin/acls  {"acls": [binding, ...]}  creates them all, or none when any is
 *          invalid (400 INVALID_REQUEST naming it)
 *   DELETE /admin/acls?<the same filter>  deletes what it matches; answers them
 *
 * Which bindings may be stored and what a filter matches are the core's rules (acl.c);
 * the schemas here say only the names.
 */
import {
  OPERATIONS,
  PATTERN_TYPES,
  PERMISSION_TYPES,
  RESOURCE_TYPES,
  checkAcl,
  createAcls,
  deleteAcls,
  describeAcls,
  type AclBinding,
  type AclFilter,
} from "../../api/acls";
import type { AclEntry } from "../../common/security";
import { KafdoError } from "../../common/errors";
import { endpoint } from "../endpoint";
import { invalidRequest } from "../errors";
import { ok } from "../responses";
import { StringEnum, Struct, Type, named, type Static } from "../schema";

type Names = Readonly<Record<string, number>>;

const names = (codes: Names, ...without: string[]): string[] => Object.keys(codes).filter((k) => !without.includes(k));

const Acl = named(
  "Acl",
  Struct({
    resourceType: StringEnum(names(RESOURCE_TYPES, "ANY") as AclEntry["resourceType"][]),
    resourceName: Type.String({
      description: 'The name, "*" for all (LITERAL), or a prefix (PREFIXED); kafka-cluster for CLUSTER.',
    }),
    patternType: Type.Optional(StringEnum(["LITERAL", "PREFIXED"] as const, { description: "LITERAL when omitted." })),
    principal: Type.String({ description: "User:name, or User:* for everyone." }),
    host: Type.Optional(Type.String({ description: '"*" (the default).' })),
    operation: StringEnum(names(OPERATIONS, "ANY")),
    permission: Type.Optional(
      StringEnum(["ALLOW", "DENY"] as const, { description: "ALLOW when omitted; DENY wins." }),
    ),
  }),
);

const AclList = named("AclList", Struct({ acls: Type.Array(Acl) }));
const CreateAcls = named("CreateAcls", Struct({ acls: Type.Array(Acl, { minItems: 1, maxItems: 1000 }) }));
const DeletedAcls = named("DeletedAcls", Struct({ deleted: Type.Array(Acl) }));

const FILTER = {
  resourceType: StringEnum(names(RESOURCE_TYPES), { description: "Default ANY." }),
  resourceName: Type.String({ description: "Default any." }),
  patternType: StringEnum(names(PATTERN_TYPES), {
    description: "Default MATCH with resourceName (as kafka-acls), else ANY.",
  }),
  principal: Type.String({ description: "Default any." }),
  host: Type.String({ description: "Default any." }),
  operation: StringEnum(names(OPERATIONS), { description: "Default ANY." }),
  permission: StringEnum(names(PERMISSION_TYPES), { description: "Default ANY." }),
};

type FilterQuery = Partial<{ [K in keyof typeof FILTER]: string }>;

function nameOf(codes: Names, c: number): string {
  return Object.keys(codes).find((k) => codes[k] === c) ?? String(c);
}

function toJson(b: AclBinding): Required<AclEntry> {
  return {
    resourceType: nameOf(RESOURCE_TYPES, b.resourceType) as AclEntry["resourceType"],
    resourceName: b.resourceName,
    patternType: nameOf(PATTERN_TYPES, b.patternType) as "LITERAL" | "PREFIXED",
    principal: b.principal,
    host: b.host,
    operation: nameOf(OPERATIONS, b.operation),
    permission: nameOf(PERMISSION_TYPES, b.permissionType) as "ALLOW" | "DENY",
  };
}

/* The schema allows only known names, so each lookup finds its code. */
function bindingOf(a: Static<typeof Acl>): AclBinding {
  return {
    resourceType: RESOURCE_TYPES[a.resourceType as keyof typeof RESOURCE_TYPES],
    resourceName: a.resourceName,
    patternType: PATTERN_TYPES[a.patternType ?? "LITERAL"],
    principal: a.principal,
    host: a.host ?? "*",
    operation: (OPERATIONS as Names)[a.operation]!,
    permissionType: PERMISSION_TYPES[a.permission ?? "ALLOW"],
  };
}

function filterOf(q: FilterQuery): AclFilter {
  const code = (codes: Names, name: string): number => codes[name]!;
  return {
    resourceType: code(RESOURCE_TYPES, q.resourceType ?? "ANY"),
    resourceName: q.resourceName ?? null,
    patternType: code(PATTERN_TYPES, q.patternType ?? (q.resourceName !== undefined ? "MATCH" : "ANY")),
    principal: q.principal ?? null,
    host: q.host ?? null,
    operation: code(OPERATIONS, q.operation ?? "ANY"),
    permissionType: code(PERMISSION_TYPES, q.permission ?? "ANY"),
  };
}

export const listAcls = endpoint({
  summary: "List ACLs",
  description:
    "The ACL bindings a filter matches: each query parameter omitted matches any; with resourceName, " +
    "patternType defaults to MATCH (the literal, wildcard and prefixed bindings that apply to that name), as kafka-acls.",
  tags: ["admin"],
  query: FILTER,
  responses: { 200: ok("The bindings.", AclList) },
  async handle(c, { query }) {
    return Response.json({ acls: (await describeAcls(c.env, filterOf(query))).map(toJson) });
  },
});

export const createAclsEndpoint = endpoint({
  summary: "Create ACLs",
  description:
    "Creates every binding, or none when any is invalid (400 INVALID_REQUEST naming it). Enforced on the Kafka " +
    "port and on REST callers with a KAFDO_TOKENS token while KAFDO_KAFKA_SASL=required.",
  tags: ["admin"],
  body: CreateAcls,
  responses: { 201: ok("The bindings created.", AclList) },
  async handle(c, { body }) {
    const wanted = body.acls.map(bindingOf);
    wanted.forEach((b, i) => {
      try {
        checkAcl(b);
      } catch (e) {
        throw invalidRequest(`body.acls[${i}]: ${KafdoError.from(e)?.message ?? String(e)}`);
      }
    });
    await createAcls(c.env, wanted);
    return Response.json({ acls: wanted.map(toJson) }, { status: 201 });
  },
});

export const deleteAclsEndpoint = endpoint({
  summary: "Delete ACLs",
  description: "Deletes the bindings the filter (the query parameters of GET) matches, and answers them.",
  tags: ["admin"],
  query: FILTER,
  responses: { 200: ok("The bindings deleted.", DeletedAcls) },
  async handle(c, { query }) {
    const [deleted] = await deleteAcls(c.env, [filterOf(query)]);
    return Response.json({ deleted: deleted!.map(toJson) });
  },
});
