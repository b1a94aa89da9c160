/*
 * log_fixture.h — a partition log on a fresh SQLite file (/tmp/kafdo-test-<name>-<pid>.db),
 * attached to the native storage host as db DB and opened, for the tests of the log's
 * modules (retention, compaction, tiering). Include after check.h, with DB defined.
 */
#ifndef KAFDO_LOG_FIXTURE_H
#define KAFDO_LOG_FIXTURE_H

#include <sqlite3.h>
#include <unistd.h>

#include "storage.h"

static char db_path[64];

static sqlite3 *open_fresh_log(const char *name)
{
    snprintf(db_path, sizeof db_path, "/tmp/kafdo-test-%s-%d.db", name, (int)getpid());
    unlink(db_path);
    sqlite3 *conn = NULL;
    CHECK(sqlite3_open(db_path, &conn) == SQLITE_OK);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    return conn;
}

static void close_log(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
    unlink(db_path);
}

#endif /* KAFDO_LOG_FIXTURE_H */
