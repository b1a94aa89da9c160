/* Tests src-c/acl.c: which bindings may be stored, which a filter matches, and
 * Kafka's decision: deny wins, literal/wildcard/prefixed patterns, principals and
 * hosts with wildcards, implied DESCRIBE, super users, no ACL no access. */
#include "check.h"
#include "internal.h"

enum {
    TOPIC = 2,
    GROUP = 3,
    CLUSTER = 4,
    TXN = 5
};
enum {
    ANY = 1,
    MATCH = 2,
    LITERAL = 3,
    PREFIXED = 4
};
enum {
    ALL = 2,
    READ = 3,
    WRITE = 4,
    CREATE = 5,
    DELETE = 6,
    ALTER = 7,
    DESCRIBE = 8,
    DESCRIBE_CONFIGS = 10,
    ALTER_CONFIGS = 11
};
enum {
    DENY = 2,
    ALLOW = 3
};

typedef struct {
    uint8_t buf[8192];
    size_t len;
} bytes;

static void u8(bytes *b, uint8_t v)
{
    b->buf[b->len++] = v;
}
static void u32(bytes *b, uint32_t v)
{
    memcpy(b->buf + b->len, &v, 4);
    b->len += 4;
}
static void str(bytes *b, const char *s)
{
    uint16_t n = (uint16_t)strlen(s);
    memcpy(b->buf + b->len, &n, 2);
    memcpy(b->buf + b->len + 2, s, n);
    b->len += 2 + n;
}
static void nullable(bytes *b, const char *s)
{
    u8(b, s != NULL);
    if (s)
        str(b, s);
}

typedef struct {
    uint8_t type, pattern;
    const char *name, *principal, *host;
    uint8_t op, perm;
} acl;

static void binding(bytes *b, acl a)
{
    u8(b, a.type), u8(b, a.pattern), str(b, a.name), str(b, a.principal), str(b, a.host), u8(b, a.op), u8(b, a.perm);
}

static int32_t check(acl a)
{
    bytes b = {.len = 0};
    binding(&b, a);
    return kd_acl_check(b.buf, (uint32_t)b.len);
}

/* Whether principal may do op on (type, name), given acls and super users. */
static int allowed(const char *principal, const char *host, const char *supers, uint8_t op, uint8_t type,
                   const char *name, const acl *acls, size_t n)
{
    bytes b = {.len = 0};
    str(&b, principal), str(&b, host);
    u32(&b, supers ? 1 : 0);
    if (supers)
        str(&b, supers);
    u32(&b, 1);
    u8(&b, op), u8(&b, type), str(&b, name);
    u32(&b, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        binding(&b, acls[i]);
    int32_t rc = kd_acl_authorize(b.buf, (uint32_t)b.len);
    if (rc != 0 || kd_out_len() != 1)
        return -1;
    return kd_out_ptr()[0];
}

#define ALLOWED(p, op, type, name, acls) allowed(p, "10.0.0.1", NULL, op, type, name, acls, sizeof acls / sizeof *acls)

/* The authorized-operations bits principal has on (type, name), or -1 on failure. */
static int64_t operations(const char *principal, const char *supers, uint8_t type, const char *name, const acl *acls,
                          size_t n)
{
    bytes b = {.len = 0};
    str(&b, principal), str(&b, "10.0.0.1");
    u32(&b, supers ? 1 : 0);
    if (supers)
        str(&b, supers);
    u32(&b, 1);
    u8(&b, type), str(&b, name);
    u32(&b, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        binding(&b, acls[i]);
    int32_t rc = kd_acl_operations(b.buf, (uint32_t)b.len);
    if (rc != 0 || kd_out_len() != 4)
        return -1;
    const uint8_t *o = kd_out_ptr();
    return (int64_t)((uint32_t)o[0] | (uint32_t)o[1] << 8 | (uint32_t)o[2] << 16 | (uint32_t)o[3] << 24);
}

#define BIT(op) (1 << (op))

static void test_check(void)
{
    CHECK_EQ_INT(check((acl){TOPIC, LITERAL, "orders", "User:alice", "*", WRITE, ALLOW}), 0);
    CHECK_EQ_INT(check((acl){GROUP, PREFIXED, "app-", "User:*", "*", READ, ALLOW}), 0);
    CHECK_EQ_INT(check((acl){CLUSTER, LITERAL, "kafka-cluster", "User:ops", "*", ALTER, ALLOW}), 0);
    acl bad[] = {
        {ANY, LITERAL, "t", "User:a", "*", READ, ALLOW},
        {TOPIC, MATCH, "t", "User:a", "*", READ, ALLOW},
        {TOPIC, ANY, "t", "User:a", "*", READ, ALLOW},
        {TOPIC, LITERAL, "", "User:a", "*", READ, ALLOW},
        {CLUSTER, LITERAL, "other", "User:a", "*", ALTER, ALLOW},
        {CLUSTER, PREFIXED, "kafka", "User:a", "*", ALTER, ALLOW},
        {TOPIC, PREFIXED, "*", "User:a", "*", READ, ALLOW},
        {TOPIC, LITERAL, "t", "alice", "*", READ, ALLOW},
        {TOPIC, LITERAL, "t", "User:", "*", READ, ALLOW},
        {TOPIC, LITERAL, "t", ":a", "*", READ, ALLOW},
        {TOPIC, LITERAL, "t", "User:a", "", READ, ALLOW},
        {TOPIC, LITERAL, "t", "User:a", "*", ANY, ALLOW},
        {TOPIC, LITERAL, "t", "User:a", "*", 13, ALLOW},
        {TOPIC, LITERAL, "t", "User:a", "*", READ, ANY},
        {TOPIC, LITERAL, "t", "User:a", "*", READ, 4},
        {9, LITERAL, "t", "User:a", "*", READ, ALLOW},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_EQ_INT(check(bad[i]), KD_INVALID_REQUEST);
    CHECK_EQ_INT(kd_acl_check((const uint8_t *)"\2", 1), KD_ERR_INVALID_ARG);
}

static void test_exactly_what_is_allowed(void)
{
    /* alice may write "orders" and read group "billing": exactly that. */
    static const acl acls[] = {
        {TOPIC, LITERAL, "orders", "User:alice", "*", WRITE, ALLOW},
        {GROUP, LITERAL, "billing", "User:alice", "*", READ, ALLOW},
    };
    CHECK_EQ_INT(ALLOWED("User:alice", WRITE, TOPIC, "orders", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:alice", READ, GROUP, "billing", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:alice", READ, TOPIC, "orders", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:alice", WRITE, TOPIC, "orders2", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:alice", WRITE, TOPIC, "order", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:alice", READ, GROUP, "other", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:alice", WRITE, GROUP, "orders", acls), 0); /* the type counts */
    CHECK_EQ_INT(ALLOWED("User:bob", WRITE, TOPIC, "orders", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:alice", CREATE, CLUSTER, "kafka-cluster", acls), 0);
    /* WRITE and READ imply DESCRIBE; nothing implies DELETE. */
    CHECK_EQ_INT(ALLOWED("User:alice", DESCRIBE, TOPIC, "orders", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:alice", DESCRIBE, GROUP, "billing", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:alice", DELETE, TOPIC, "orders", acls), 0);
    /* No ACL at all: nobody but a super user. */
    CHECK_EQ_INT(allowed("User:alice", "h", NULL, READ, TOPIC, "t", NULL, 0), 0);
    CHECK_EQ_INT(allowed("User:admin", "h", "User:admin", READ, TOPIC, "t", NULL, 0), 1);
    CHECK_EQ_INT(allowed("User:admin2", "h", "User:admin", READ, TOPIC, "t", NULL, 0), 0);
}

static void test_deny_wins(void)
{
    static const acl acls[] = {
        {TOPIC, PREFIXED, "pay", "User:*", "*", ALL, ALLOW},
        {TOPIC, LITERAL, "payroll", "User:eve", "*", READ, DENY},
        {TOPIC, LITERAL, "*", "User:mallory", "*", ALL, DENY},
    };
    CHECK_EQ_INT(ALLOWED("User:eve", READ, TOPIC, "payments", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:eve", READ, TOPIC, "payroll", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:eve", WRITE, TOPIC, "payroll", acls), 1);
    /* DENY READ does not deny DESCRIBE (only the operation itself or ALL). */
    CHECK_EQ_INT(ALLOWED("User:eve", DESCRIBE, TOPIC, "payroll", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:bob", READ, TOPIC, "payroll", acls), 1);
    CHECK_EQ_INT(ALLOWED("User:mallory", READ, TOPIC, "payments", acls), 0);
    CHECK_EQ_INT(ALLOWED("User:bob", READ, TOPIC, "other", acls), 0);
    /* A super user is never denied. */
    CHECK_EQ_INT(allowed("User:mallory", "h", "User:mallory", READ, TOPIC, "payments", acls, 3), 1);
}

static void test_hosts_and_implications(void)
{
    static const acl acls[] = {
        {TOPIC, LITERAL, "t", "User:a", "10.0.0.1", READ, ALLOW},
        {TOPIC, LITERAL, "c", "User:a", "*", ALTER_CONFIGS, ALLOW},
        {TXN, LITERAL, "tx", "User:a", "*", WRITE, ALLOW},
    };
    size_t n = sizeof acls / sizeof *acls;
    CHECK_EQ_INT(allowed("User:a", "10.0.0.1", NULL, READ, TOPIC, "t", acls, n), 1);
    CHECK_EQ_INT(allowed("User:a", "10.0.0.2", NULL, READ, TOPIC, "t", acls, n), 0);
    CHECK_EQ_INT(allowed("User:a", "h", NULL, DESCRIBE_CONFIGS, TOPIC, "c", acls, n), 1);
    CHECK_EQ_INT(allowed("User:a", "h", NULL, DESCRIBE, TOPIC, "c", acls, n), 0);
    CHECK_EQ_INT(allowed("User:a", "h", NULL, WRITE, TXN, "tx", acls, n), 1);
    CHECK_EQ_INT(allowed("User:a", "h", NULL, WRITE, TOPIC, "tx", acls, n), 0);
}

/* Which of bindings `acls` the filter matches, as a string of 0s and 1s. */
static const char *matched(uint8_t type, uint8_t pattern, const char *name, const char *principal, uint8_t op,
                           uint8_t perm, const acl *acls, size_t n)
{
    static char out[64];
    bytes b = {.len = 0};
    u8(&b, type), u8(&b, pattern), nullable(&b, name), nullable(&b, principal), nullable(&b, NULL), u8(&b, op),
        u8(&b, perm);
    u32(&b, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        binding(&b, acls[i]);
    int32_t rc = kd_acl_filter(b.buf, (uint32_t)b.len);
    if (rc)
        return rc == KD_INVALID_REQUEST ? "invalid" : "error";
    for (size_t i = 0; i < kd_out_len(); i++)
        out[i] = (char)('0' + kd_out_ptr()[i]);
    out[kd_out_len()] = 0;
    return out;
}

static void test_filters(void)
{
    static const acl acls[] = {
        {TOPIC, LITERAL, "orders", "User:alice", "*", WRITE, ALLOW},
        {TOPIC, PREFIXED, "ord", "User:bob", "*", READ, ALLOW},
        {TOPIC, LITERAL, "*", "User:carol", "*", READ, DENY},
        {GROUP, LITERAL, "orders", "User:alice", "*", READ, ALLOW},
    };
    size_t n = sizeof acls / sizeof *acls;
    CHECK_EQ_STR(matched(ANY, ANY, NULL, NULL, 1, 1, acls, n), "1111");
    CHECK_EQ_STR(matched(TOPIC, ANY, NULL, NULL, 1, 1, acls, n), "1110");
    CHECK_EQ_STR(matched(ANY, LITERAL, "orders", NULL, 1, 1, acls, n), "1001");
    CHECK_EQ_STR(matched(TOPIC, PREFIXED, NULL, NULL, 1, 1, acls, n), "0100");
    CHECK_EQ_STR(matched(TOPIC, MATCH, "orders", NULL, 1, 1, acls, n), "1110");
    CHECK_EQ_STR(matched(TOPIC, MATCH, "other", NULL, 1, 1, acls, n), "0010");
    CHECK_EQ_STR(matched(ANY, ANY, NULL, "User:alice", 1, 1, acls, n), "1001");
    CHECK_EQ_STR(matched(ANY, ANY, NULL, NULL, READ, DENY, acls, n), "0010");
    CHECK_EQ_STR(matched(0, ANY, NULL, NULL, 1, 1, acls, n), "invalid");
    CHECK_EQ_STR(matched(ANY, ANY, NULL, NULL, 0, 1, acls, n), "invalid");
}

/* Kafka's authorized-operations field: the supported operations the decision allows,
 * implications included; a super user gets every supported one; an unknown type none. */
static void test_authorized_operations(void)
{
    static const acl acls[] = {
        {TOPIC, PREFIXED, "pay", "User:bob", "*", ALL, ALLOW},
        {TOPIC, LITERAL, "payroll", "User:bob", "*", READ, DENY},
        {TOPIC, LITERAL, "orders", "User:alice", "*", WRITE, ALLOW},
        {GROUP, LITERAL, "billing", "User:alice", "*", READ, ALLOW},
    };
    size_t n = sizeof acls / sizeof *acls;
    CHECK_EQ_INT(operations("User:bob", NULL, TOPIC, "payments", acls, n), KD_ACL_TOPIC_OPERATIONS);
    CHECK_EQ_INT(operations("User:bob", NULL, TOPIC, "payroll", acls, n), KD_ACL_TOPIC_OPERATIONS & ~BIT(READ));
    CHECK_EQ_INT(operations("User:alice", NULL, TOPIC, "orders", acls, n), BIT(WRITE) | BIT(DESCRIBE));
    CHECK_EQ_INT(operations("User:alice", NULL, GROUP, "billing", acls, n), BIT(READ) | BIT(DESCRIBE));
    CHECK_EQ_INT(operations("User:alice", NULL, CLUSTER, "kafka-cluster", acls, n), 0);
    CHECK_EQ_INT(operations("User:root", "User:root", CLUSTER, "kafka-cluster", acls, n), KD_ACL_CLUSTER_OPERATIONS);
    CHECK_EQ_INT(operations("User:root", "User:root", 9, "x", acls, n), 0);
    /* Each bit agrees with the one-operation decision. */
    for (uint8_t op = READ; op <= 12; op++)
        if (KD_ACL_TOPIC_OPERATIONS >> op & 1)
            CHECK_EQ_INT(!!(operations("User:bob", NULL, TOPIC, "payroll", acls, n) & BIT(op)),
                         allowed("User:bob", "10.0.0.1", NULL, op, TOPIC, "payroll", acls, n));
}

int main(void)
{
    RUN(test_check);
    RUN(test_exactly_what_is_allowed);
    RUN(test_deny_wins);
    RUN(test_hosts_and_implications);
    RUN(test_filters);
    RUN(test_authorized_operations);
    return CHECK_SUMMARY();
}
