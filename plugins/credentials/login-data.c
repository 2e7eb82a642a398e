/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chromium's "Login Data" (and "Login Data For Account"), counted.
 *
 * A running Chromium holds its database in exclusive locking mode, so an
 * ordinary reader gets SQLITE_BUSY, and a reader must not take a lock the
 * browser then waits on. immutable=1 tells SQLite the file cannot change:
 * no locks, no journal, no -wal or -shm files; read-only. What it reads is
 * what the browser last wrote to the main file, which is what counts here.
 * The file is reached through /proc/self/fd of a descriptor the caller
 * opened with the home's symlink rules, so the path SQLite opens is the
 * file that was checked.
 *
 * Only count(*) is selected: no column of a login is ever read. The file
 * is a user's and so untrusted: the schema is not trusted (no functions
 * with side effects from views or triggers), and defensive mode is on. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

#define COUNT_SQL "SELECT count(*) FROM logins WHERE blacklisted_by_user = 0"

static void set_reason(char *reason, size_t size, const char *what, sqlite3 *db) {
        char shown[160];

        snprintf(reason, size, "%s: %s", what,
                 cr_text_safe(db ? sqlite3_errmsg(db) : "out of memory", 120, shown, sizeof(shown)));
}

int login_data_count(int fd, uint64_t *ret, char *reason, size_t reason_size) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        char uri[64];
        int r, k;

        if (fd < 0 || !ret || !reason || reason_size == 0)
                return -EINVAL;
        reason[0] = '\0';
        snprintf(uri, sizeof(uri), "file:/proc/self/fd/%d?immutable=1", fd);

        k = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
        if (k != SQLITE_OK) {
                set_reason(reason, reason_size, "cannot open", db);
                r = k == SQLITE_NOMEM ? -ENOMEM : -EBADMSG;
                goto finish;
        }
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
        /* A corrupt file must not make SQLite allocate without end. */
        (void) sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
        (void) sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);

        k = sqlite3_prepare_v2(db, COUNT_SQL, -1, &st, NULL);
        if (k != SQLITE_OK) {
                /* "file is not a database", "no such table: logins",
                 * "database disk image is malformed" */
                set_reason(reason, reason_size, "not a Login Data database", db);
                r = k == SQLITE_NOMEM ? -ENOMEM : -EBADMSG;
                goto finish;
        }
        k = sqlite3_step(st);
        if (k != SQLITE_ROW) {
                set_reason(reason, reason_size, "cannot be counted", db);
                r = k == SQLITE_NOMEM ? -ENOMEM : -EBADMSG;
                goto finish;
        }
        if (sqlite3_column_int64(st, 0) < 0) {
                snprintf(reason, reason_size, "a negative count: corrupt");
                r = -EBADMSG;
                goto finish;
        }
        *ret = (uint64_t) sqlite3_column_int64(st, 0);
        r = 0;

finish:
        sqlite3_finalize(st);
        sqlite3_close(db);
        return r;
}
