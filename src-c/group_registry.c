/*
 * group_registry.c — the cluster's registry of consumer groups (ClusterMetadataDO's
 * storage, beside the topics): which group ids exist, so that groups can be
 * listed (each group's own state lives in its ConsumerGroupDO), and the rule for
 * what a group id may be.
 *
 * Byte formats (little-endian; str = u16 length + bytes): list output u32 count,
 * str group_id*, by id.
 */
#include "internal.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS consumer_groups ("
    " group_id TEXT PRIMARY KEY,"
    " created_at INTEGER NOT NULL)",
};

int32_t kd_group_registry_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

/*
 * Kafka takes any string as a group id. Kafdo refuses two kinds:
 *   - empty or over KD_MAX_GROUP_ID_BYTES (its registry keeps ids of that size);
 *   - holding a control character (Unicode's Cc: C0 U+0000-U+001F, DEL U+007F,
 *     C1 U+0080-U+009F). Group ids are printed by every tool that shows groups
 *     (kafka-consumer-groups, dashboards, logs); "a\r\nX-Injected: 1" would forge
 *     a line there, ESC or CSI (U+009B) would drive a terminal, NEL (U+0085) breaks
 *     lines for some log readers. Refusing at the door is one rule in one place;
 *     escaping would have to be done by every tool that prints an id, most of
 *     them not Kafdo's. No client names its groups so.
 * The message names the offending byte's position, never the id itself.
 */
int32_t kd_printable_id_check(const uint8_t *id, uint32_t len, uint32_t max, int32_t code, const char *what)
{
    if (len == 0 || len > max)
        return kd_fail(code, "a %s is 1 to %u bytes of UTF-8, not %u", what, (unsigned)max, (unsigned)len);
    for (uint32_t i = 0; i < len; i++) {
        bool c0_or_del = id[i] < 0x20 || id[i] == 0x7f;
        bool c1 = id[i] == 0xc2 && i + 1 < len && id[i + 1] >= 0x80 && id[i + 1] <= 0x9f; /* U+0080-U+009F */
        if (c0_or_del || c1)
            return kd_fail(code, "a %s holds no control characters; byte %u is U+%04X", what, (unsigned)i,
                           c1 ? (unsigned)id[i + 1] : (unsigned)id[i]);
    }
    return 0;
}

static int32_t check_group_id(const uint8_t *id, uint32_t len)
{
    return kd_printable_id_check(id, len, KD_MAX_GROUP_ID_BYTES, KD_INVALID_GROUP_ID, "group id");
}

int32_t kd_group_id_check(const uint8_t *group_id, uint32_t len)
{
    kd_scratch_reset();
    return check_group_id(group_id, len);
}

int32_t kd_groups_register(uint32_t db, const uint8_t *group_id, uint32_t len, int64_t now_ms)
{
    kd_scratch_reset();
    int32_t rc = check_group_id(group_id, len);
    if (rc)
        return rc;
    kd_str id = {group_id, (uint16_t)len};
    return kd_sql_exec(kd_sql_prepare_args(
        db, "INSERT OR IGNORE INTO consumer_groups (group_id, created_at) VALUES (?1, ?2)", "si", &id, now_ms));
}

int32_t kd_groups_unregister(uint32_t db, const uint8_t *group_id, uint32_t len)
{
    kd_scratch_reset();
    int32_t rc = check_group_id(group_id, len);
    kd_str id = {group_id, (uint16_t)len};
    return rc ? rc : kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM consumer_groups WHERE group_id = ?1", "s", &id));
}

int32_t kd_groups_list(uint32_t db)
{
    return kd_sql_out_names(db, "SELECT group_id FROM consumer_groups ORDER BY group_id", KD_MAX_GROUP_ID_BYTES,
                            "listing groups");
}
