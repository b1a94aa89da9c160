/*
 * acl.c — Kafka's authorization model (org.apache.kafka.common.acl, and the decision
 * of kafka.security.authorizer.AclAuthorizer / StandardAuthorizer): which ACL
 * bindings are well formed, which a filter matches (DescribeAcls, DeleteAcls), and
 * "may principal P, from host H, do operation O on resource R?".
 *
 * Pure functions over what the caller passes: the ACLs live in the cluster metadata
 * object's storage, the super users in the Worker's KAFDO_SUPER_USERS; nothing here
 * reads storage or keeps state. Codes are Kafka's own (kafdo.h's KD_ACL_*: ResourceType, PatternType,
 * AclOperation, AclPermissionType), so the wire's numbers pass through unchanged.
 *
 * The decision, as Kafka's authorizer takes it:
 *   - a super user may do anything;
 *   - an ACL applies when its resource type is R's, its pattern matches R's name
 *     (LITERAL: equal, or the wildcard "*"; PREFIXED: a prefix of it), its principal
 *     is P or "User:*", its host is H or "*", and its operation is O or ALL;
 *   - any applicable DENY denies; otherwise any applicable ALLOW allows, where ALLOW of
 *     READ, WRITE, DELETE or ALTER also allows DESCRIBE, and ALLOW of ALTER_CONFIGS
 *     also allows DESCRIBE_CONFIGS; otherwise it is denied (no ACL, no access).
 */
#include <string.h>

#include "internal.h"

#define CLUSTER_NAME "kafka-cluster"
#define WILDCARD "*"

typedef struct {
    uint8_t resource_type, pattern_type, operation, permission;
    kd_str name, principal, host;
} acl_binding;

/* A filter's strings may be null (match any): has_* says whether it is given. */
typedef struct {
    uint8_t resource_type, pattern_type, operation, permission;
    bool has_name, has_principal, has_host;
    kd_str name, principal, host;
} acl_filter;

static bool rd_u8(kd_le_reader *r, uint8_t *v)
{
    const uint8_t *p;
    if (!kd_le_bytes(r, 1, &p))
        return false;
    *v = *p;
    return true;
}

static bool rd_binding(kd_le_reader *r, acl_binding *b)
{
    return rd_u8(r, &b->resource_type) && rd_u8(r, &b->pattern_type) && kd_le_str(r, &b->name) &&
           kd_le_str(r, &b->principal) && kd_le_str(r, &b->host) && rd_u8(r, &b->operation) && rd_u8(r, &b->permission);
}

static bool rd_nullable(kd_le_reader *r, bool *has, kd_str *s)
{
    uint8_t flag;
    if (!rd_u8(r, &flag) || flag > 1)
        return false;
    *has = flag;
    return !flag || kd_le_str(r, s);
}

static bool rd_filter(kd_le_reader *r, acl_filter *f)
{
    return rd_u8(r, &f->resource_type) && rd_u8(r, &f->pattern_type) && rd_nullable(r, &f->has_name, &f->name) &&
           rd_nullable(r, &f->has_principal, &f->principal) && rd_nullable(r, &f->has_host, &f->host) &&
           rd_u8(r, &f->operation) && rd_u8(r, &f->permission);
}

static bool str_is(kd_str s, const char *c)
{
    return s.len == strlen(c) && (s.len == 0 || !memcmp(s.p, c, s.len));
}
static bool has_prefix(kd_str s, kd_str prefix)
{
    return prefix.len <= s.len && (prefix.len == 0 || !memcmp(s.p, prefix.p, prefix.len));
}

/* "Type:name", both parts not empty (Kafka's KafkaPrincipal form). */
static bool principal_valid(kd_str p)
{
    const uint8_t *colon = p.len ? memchr(p.p, ':', p.len) : NULL;
    return colon && colon > p.p && colon < p.p + p.len - 1;
}

/* Why a binding cannot be stored (CreateAcls answers it INVALID_REQUEST), or NULL. */
static const char *binding_problem(const acl_binding *b)
{
    if (b->resource_type < KD_ACL_RESOURCE_TOPIC || b->resource_type > KD_ACL_RESOURCE_TRANSACTIONAL_ID)
        return "the resource type must be TOPIC, GROUP, CLUSTER or TRANSACTIONAL_ID";
    if (b->pattern_type != KD_ACL_PATTERN_LITERAL && b->pattern_type != KD_ACL_PATTERN_PREFIXED)
        return "the pattern type must be LITERAL or PREFIXED";
    if (b->name.len == 0)
        return "the resource name must not be empty";
    if (b->resource_type == KD_ACL_RESOURCE_CLUSTER &&
        (b->pattern_type != KD_ACL_PATTERN_LITERAL || !str_is(b->name, CLUSTER_NAME)))
        return "the only CLUSTER resource is the LITERAL kafka-cluster";
    if (b->pattern_type == KD_ACL_PATTERN_PREFIXED && str_is(b->name, WILDCARD))
        return "a PREFIXED pattern of \"*\" is not allowed; use LITERAL \"*\"";
    if (!principal_valid(b->principal))
        return "the principal must be Type:name, e.g. User:alice";
    if (b->host.len == 0)
        return "the host must not be empty (\"*\" is any host)";
    if (b->operation < KD_ACL_OP_ALL || b->operation > KD_ACL_OP_IDEMPOTENT_WRITE)
        return "the operation must be a Kafka AclOperation from ALL (2) to IDEMPOTENT_WRITE (12)";
    if (b->permission != KD_ACL_PERMISSION_DENY && b->permission != KD_ACL_PERMISSION_ALLOW)
        return "the permission must be ALLOW or DENY";
    return NULL;
}

static const char *filter_problem(const acl_filter *f)
{
    if (f->resource_type < KD_ACL_RESOURCE_ANY || f->resource_type > KD_ACL_RESOURCE_TRANSACTIONAL_ID + 2)
        return "the filter's resource type is unknown";
    if (f->pattern_type < KD_ACL_PATTERN_ANY || f->pattern_type > KD_ACL_PATTERN_PREFIXED)
        return "the filter's pattern type is unknown";
    if (f->operation < KD_ACL_OP_ANY || f->operation > KD_ACL_OP_IDEMPOTENT_WRITE + 2)
        return "the filter's operation is unknown";
    if (f->permission < KD_ACL_PERMISSION_ANY || f->permission > KD_ACL_PERMISSION_ALLOW)
        return "the filter's permission type is unknown";
    return NULL;
}

int32_t kd_acl_check(const uint8_t *in, uint32_t len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, len, 0};
    acl_binding b;
    if (!rd_binding(&r, &b) || r.pos != len)
        return kd_fail(
            KD_ERR_INVALID_ARG,
            "an ACL binding is u8 type, u8 pattern, str name, str principal, str host, u8 operation, u8 permission");
    const char *problem = binding_problem(&b);
    return problem ? kd_fail(KD_INVALID_REQUEST, "%s", problem) : 0;
}

/* Kafka's AclBindingFilter.matches, MATCH included: a binding whose pattern would
 * apply to a resource of the filter's name. */
static bool filter_matches(const acl_filter *f, const acl_binding *b)
{
    if (f->resource_type != KD_ACL_RESOURCE_ANY && f->resource_type != b->resource_type)
        return false;
    if (f->pattern_type == KD_ACL_PATTERN_MATCH) {
        if (f->has_name) {
            bool literal =
                b->pattern_type == KD_ACL_PATTERN_LITERAL && (kd_str_eq(b->name, f->name) || str_is(b->name, WILDCARD));
            bool prefixed = b->pattern_type == KD_ACL_PATTERN_PREFIXED && has_prefix(f->name, b->name);
            if (!literal && !prefixed)
                return false;
        }
    } else {
        if (f->pattern_type != KD_ACL_PATTERN_ANY && f->pattern_type != b->pattern_type)
            return false;
        if (f->has_name && !kd_str_eq(f->name, b->name))
            return false;
    }
    if (f->has_principal && !kd_str_eq(f->principal, b->principal))
        return false;
    if (f->has_host && !kd_str_eq(f->host, b->host))
        return false;
    if (f->operation != KD_ACL_OP_ANY && f->operation != b->operation)
        return false;
    return f->permission == KD_ACL_PERMISSION_ANY || f->permission == b->permission;
}

int32_t kd_acl_filter(const uint8_t *in, uint32_t len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, len, 0};
    acl_filter f;
    uint32_t count;
    if (!rd_filter(&r, &f) || !kd_le_u32(&r, &count))
        return kd_fail(KD_ERR_INVALID_ARG, "input: a filter, u32 count, bindings");
    const char *problem = filter_problem(&f);
    if (problem)
        return kd_fail(KD_INVALID_REQUEST, "%s", problem);
    for (uint32_t i = 0; i < count; i++) {
        acl_binding b;
        if (!rd_binding(&r, &b))
            return kd_fail(KD_ERR_INVALID_ARG, "binding %u is cut short", i);
        if (!kd_out_u8(filter_matches(&f, &b)))
            return KD_ERR_NOMEM;
    }
    return r.pos == len ? 0 : kd_fail(KD_ERR_INVALID_ARG, "bytes after the last binding");
}

/* Whether the binding applies to (resource type, name) for principal and host, with
 * the operation given (implications are the caller's). */
static bool applies(const acl_binding *b, uint8_t type, kd_str name, kd_str principal, kd_str host, uint8_t op)
{
    if (b->resource_type != type)
        return false;
    if (b->pattern_type == KD_ACL_PATTERN_LITERAL) {
        if (!kd_str_eq(b->name, name) && !str_is(b->name, WILDCARD))
            return false;
    } else if (b->pattern_type != KD_ACL_PATTERN_PREFIXED || !has_prefix(name, b->name)) {
        return false;
    }
    if (!kd_str_eq(b->principal, principal) && !str_is(b->principal, "User:*"))
        return false;
    if (!kd_str_eq(b->host, host) && !str_is(b->host, WILDCARD))
        return false;
    return b->operation == op || b->operation == KD_ACL_OP_ALL;
}

/* The allowed operations that imply op (op itself first). */
static int implied_by(uint8_t op, uint8_t out[5])
{
    out[0] = op;
    if (op == KD_ACL_OP_DESCRIBE) {
        out[1] = KD_ACL_OP_READ, out[2] = KD_ACL_OP_WRITE, out[3] = KD_ACL_OP_DELETE, out[4] = KD_ACL_OP_ALTER;
        return 5;
    }
    if (op == KD_ACL_OP_DESCRIBE_CONFIGS) {
        out[1] = KD_ACL_OP_ALTER_CONFIGS;
        return 2;
    }
    return 1;
}

static bool decide(const acl_binding *acls, uint32_t n, uint8_t type, kd_str name, kd_str principal, kd_str host,
                   uint8_t op)
{
    for (uint32_t i = 0; i < n; i++)
        if (acls[i].permission == KD_ACL_PERMISSION_DENY && applies(&acls[i], type, name, principal, host, op))
            return false;
    uint8_t ops[5];
    int k = implied_by(op, ops);
    for (uint32_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            if (acls[i].permission == KD_ACL_PERMISSION_ALLOW && applies(&acls[i], type, name, principal, host, ops[j]))
                return true;
    return false;
}

/* Operations a resource type supports, as AclOperation bits (kafdo.h). */
static uint32_t supported_operations(uint8_t type)
{
    switch (type) {
    case KD_ACL_RESOURCE_TOPIC: return KD_ACL_TOPIC_OPERATIONS;
    case KD_ACL_RESOURCE_GROUP: return KD_ACL_GROUP_OPERATIONS;
    case KD_ACL_RESOURCE_CLUSTER: return KD_ACL_CLUSTER_OPERATIONS;
    case KD_ACL_RESOURCE_TRANSACTIONAL_ID: return KD_ACL_TRANSACTIONAL_ID_OPERATIONS;
    default: return 0;
    }
}

/* One query: with_op, u8 operation then u8 resource type then str name; else no operation. */
static bool rd_query(kd_le_reader *r, bool with_op, uint8_t *op, uint8_t *type, kd_str *name)
{
    return (!with_op || rd_u8(r, op)) && rd_u8(r, type) && kd_le_str(r, name);
}

/*
 * kd_acl_authorize (with_op: a u8 answer per query) and kd_acl_operations (an i32 of
 * operation bits per query): one input layout, read once, the queries decided over the
 * bindings in the order given.
 */
static int32_t acl_decide(const uint8_t *in, uint32_t len, bool with_op)
{
    kd_scratch_reset();
    kd_le_reader r = {in, len, 0};
    kd_str principal, host, s;
    uint32_t supers, queries, count;
    bool super = false;
    if (!kd_le_str(&r, &principal) || !kd_le_str(&r, &host) || !kd_le_u32(&r, &supers))
        return kd_fail(KD_ERR_INVALID_ARG, "input: str principal, str host, u32 count, super users, ...");
    for (uint32_t i = 0; i < supers; i++) {
        if (!kd_le_str(&r, &s))
            return kd_fail(KD_ERR_INVALID_ARG, "super user %u is cut short", i);
        super |= kd_str_eq(s, principal);
    }
    if (!kd_le_u32(&r, &queries))
        return kd_fail(KD_ERR_INVALID_ARG, "no query count");
    size_t queries_at = r.pos;
    for (uint32_t i = 0; i < queries; i++) {
        uint8_t op = 0, type = 0;
        if (!rd_query(&r, with_op, &op, &type, &s))
            return kd_fail(KD_ERR_INVALID_ARG, "query %u is cut short", i);
    }
    if (!kd_le_u32(&r, &count) || count > (len - r.pos) / 10)
        return kd_fail(KD_ERR_INVALID_ARG, "no ACL count, or more ACLs than bytes");
    acl_binding *acls = count ? kd_alloc(count * (uint32_t)sizeof *acls) : NULL;
    if (count && !acls)
        return KD_ERR_NOMEM;
    int32_t rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++)
        if (!rd_binding(&r, &acls[i]))
            rc = kd_fail(KD_ERR_INVALID_ARG, "ACL %u is cut short", i);
    if (!rc && r.pos != len)
        rc = kd_fail(KD_ERR_INVALID_ARG, "bytes after the last ACL");
    kd_le_reader q = {in, len, queries_at};
    for (uint32_t i = 0; i < queries && !rc; i++) {
        uint8_t op = 0, type = 0;
        rd_query(&q, with_op, &op, &type, &s);
        if (with_op) {
            if (!kd_out_u8(super || decide(acls, count, type, s, principal, host, op)))
                rc = KD_ERR_NOMEM;
            continue;
        }
        uint32_t supported = supported_operations(type), allowed = 0;
        for (uint8_t o = KD_ACL_OP_READ; o <= KD_ACL_OP_IDEMPOTENT_WRITE; o++)
            if ((supported >> o & 1) && (super || decide(acls, count, type, s, principal, host, o)))
                allowed |= 1u << o;
        if (!kd_out_u32(allowed))
            rc = KD_ERR_NOMEM;
    }
    kd_free(acls);
    return rc;
}

int32_t kd_acl_authorize(const uint8_t *in, uint32_t len)
{
    return acl_decide(in, len, true);
}

int32_t kd_acl_operations(const uint8_t *in, uint32_t len)
{
    return acl_decide(in, len, false);
}
