/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "collect_history.h"

struct History {
        sqlite3 *db;
        sqlite3_stmt *baseline, *add, *trend;
};

static const char schema[] =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS pulls ("
        " id INTEGER PRIMARY KEY,"
        " terminal TEXT NOT NULL,"
        " address TEXT NOT NULL,"
        " port INTEGER NOT NULL,"
        " pulled_at INTEGER NOT NULL,"
        " status TEXT NOT NULL,"
        " error TEXT,"
        " score INTEGER,"
        " seq INTEGER,"
        " head TEXT,"
        " chain TEXT NOT NULL,"
        " chain_detail TEXT,"
        " report BLOB);"
        "CREATE INDEX IF NOT EXISTS pulls_by_terminal ON pulls(terminal, id);";

static int sql_error(sqlite3 *db, int rc) {
        (void) db;
        if (rc == SQLITE_NOMEM)
                return -ENOMEM;
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                return -EBUSY;
        if (rc == SQLITE_CANTOPEN || rc == SQLITE_PERM || rc == SQLITE_READONLY)
                return -EACCES;
        return -EIO;
}

History *history_close(History *h) {
        if (!h)
                return NULL;
        sqlite3_finalize(h->baseline);
        sqlite3_finalize(h->add);
        sqlite3_finalize(h->trend);
        sqlite3_close(h->db);
        free(h);
        return NULL;
}

int history_open(const char *path, History **ret) {
        _cleanup_(history_closep) History *h = calloc(1, sizeof *h);
        _cleanup_close_ int fd = -EBADF;
        int rc;

        if (!h)
                return -ENOMEM;
        /* Created 0600: the stored reports name accounts and devices. */
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
        if (rc != SQLITE_OK)
                return sql_error(h->db, rc);
        sqlite3_busy_timeout(h->db, 5000);
        rc = sqlite3_exec(h->db, schema, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return sql_error(h->db, rc);
        rc = sqlite3_prepare_v2(h->db,
                                "SELECT seq, head FROM pulls WHERE terminal = ?1 AND status = 'ok' "
                                "AND chain IN ('first', 'ok', 'rebaselined') ORDER BY id DESC LIMIT 1",
                                -1, &h->baseline, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(h->db,
                                        "INSERT INTO pulls (terminal, address, port, pulled_at, status, "
                                        "error, score, seq, head, chain, chain_detail, report) VALUES "
                                        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                        -1, &h->add, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(h->db,
                                        "SELECT score FROM (SELECT id, score FROM pulls WHERE terminal = ?1 "
                                        "ORDER BY id DESC LIMIT ?2) ORDER BY id",
                                        -1, &h->trend, NULL);
        if (rc != SQLITE_OK)
                return sql_error(h->db, rc);
        *ret = TAKE_PTR(h);
        return 0;
}

int history_begin(History *h) {
        int rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : sql_error(h->db, rc);
}

int history_commit(History *h) {
        int rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : sql_error(h->db, rc);
}

int history_baseline(History *h, const char *terminal, bool *ret_found, uint64_t *ret_seq,
                     char ret_head[static SHA256_HEX_SIZE]) {
        int rc;

        sqlite3_reset(h->baseline);
        sqlite3_bind_text(h->baseline, 1, terminal, -1, SQLITE_STATIC);
        rc = sqlite3_step(h->baseline);
        if (rc == SQLITE_DONE) {
                *ret_found = false;
                return 0;
        }
        if (rc != SQLITE_ROW)
                return sql_error(h->db, rc);
        *ret_found = true;
        *ret_seq = (uint64_t) sqlite3_column_int64(h->baseline, 0);
        snprintf(ret_head, SHA256_HEX_SIZE, "%s", strempty((const char *) sqlite3_column_text(h->baseline, 1)));
        sqlite3_reset(h->baseline);
        return 0;
}

int history_add(History *h, const PullRecord *p) {
        sqlite3_stmt *s = h->add;
        int rc;

        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        sqlite3_bind_text(s, 1, p->terminal, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, p->address, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, (int) p->port);
        sqlite3_bind_int64(s, 4, p->pulled_at);
        sqlite3_bind_text(s, 5, p->status, -1, SQLITE_STATIC);
        if (p->error)
                sqlite3_bind_text(s, 6, p->error, -1, SQLITE_STATIC);
        if (p->score >= 0)
                sqlite3_bind_int(s, 7, p->score);
        if (p->have_events) {
                sqlite3_bind_int64(s, 8, (sqlite3_int64) p->seq);
                sqlite3_bind_text(s, 9, strempty(p->head), -1, SQLITE_STATIC);
        }
        sqlite3_bind_text(s, 10, chain_status_to_string(p->chain), -1, SQLITE_STATIC);
        if (p->chain_detail && *p->chain_detail)
                sqlite3_bind_text(s, 11, p->chain_detail, -1, SQLITE_STATIC);
        if (p->report)
                sqlite3_bind_blob64(s, 12, p->report, p->report_size, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        return rc == SQLITE_DONE ? 0 : sql_error(h->db, rc);
}

int history_trend(History *h, const char *terminal, size_t max, int *ret_scores, size_t *ret_n) {
        size_t n = 0;
        int rc;

        sqlite3_reset(h->trend);
        sqlite3_bind_text(h->trend, 1, terminal, -1, SQLITE_STATIC);
        sqlite3_bind_int64(h->trend, 2, (sqlite3_int64) max);
        while ((rc = sqlite3_step(h->trend)) == SQLITE_ROW && n < max)
                ret_scores[n++] = sqlite3_column_type(h->trend, 0) == SQLITE_NULL
                                          ? -1 : sqlite3_column_int(h->trend, 0);
        sqlite3_reset(h->trend);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return sql_error(h->db, rc);
        *ret_n = n;
        return 0;
}
