/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "store.h"

/* How long a writer waits for another connection (a mamorictl-style reader
 * checkpointing, a second agent instance) before giving up with -EBUSY.
 * Long enough to ride out a checkpoint, short against the watchdog. */
#define STORE_BUSY_TIMEOUT_MSEC 5000

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* Schema steps: store_migrations[v] takes a database from user_version v to
 * v + 1. Steps are only ever appended; a shipped step never changes. */
static const char *const store_migrations[] = {
        /* 0 → 1 */
        "CREATE TABLE events ("
        "        seq INTEGER PRIMARY KEY,"
        "        time_usec INTEGER NOT NULL,"
        "        kind TEXT NOT NULL,"
        "        subject TEXT NOT NULL,"
        "        text TEXT NOT NULL,"
        "        prev_hash TEXT NOT NULL,"
        "        hash TEXT NOT NULL);"
        /* The head is written in the same transaction as each event, so a
         * deleted last event shows as a head pointing past the log. */
        "CREATE TABLE chain_head ("
        "        id INTEGER PRIMARY KEY CHECK (id = 1),"
        "        seq INTEGER NOT NULL,"
        "        hash TEXT NOT NULL);"
        "INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '" ZERO_HASH "');"
        "CREATE TABLE findings ("
        "        rule_id TEXT PRIMARY KEY,"
        "        status INTEGER NOT NULL,"
        "        evidence TEXT,"                 /* entries joined by '\n'; NULL: none */
        "        since_usec INTEGER NOT NULL,"
        "        evaluated_usec INTEGER NOT NULL);",
        /* 1 → 2: plugins' own persistent state (approved package sets,
         * baselines), written only through the host. */
        "CREATE TABLE plugin_state ("
        "        plugin TEXT NOT NULL,"
        "        key TEXT NOT NULL,"
        "        value BLOB NOT NULL,"
        "        updated_usec INTEGER NOT NULL,"
        "        PRIMARY KEY (plugin, key));",
};

#define STORE_SCHEMA_VERSION ((int) ELEMENTSOF(store_migrations))

typedef enum StoreStatement {
        STMT_BEGIN_WRITE,
        STMT_BEGIN_READ,
        STMT_COMMIT,
        STMT_ROLLBACK,
        STMT_HEAD_GET,
        STMT_HEAD_SET,
        STMT_EVENT_INSERT,
        STMT_EVENT_LIST,
        STMT_EVENT_ALL,
        STMT_FINDING_GET,
        STMT_FINDING_PUT,
        STMT_FINDING_IDS,
        STMT_FINDING_DELETE,
        _STMT_MAX,
} StoreStatement;

static const char *const statement_sql[_STMT_MAX] = {
        /* IMMEDIATE: take the write lock before reading the head, so that
         * two writers cannot both extend the chain from the same event. */
        [STMT_BEGIN_WRITE] = "BEGIN IMMEDIATE",
        [STMT_BEGIN_READ] = "BEGIN DEFERRED",
        [STMT_COMMIT] = "COMMIT",
        [STMT_ROLLBACK] = "ROLLBACK",
        [STMT_HEAD_GET] = "SELECT seq, hash FROM chain_head WHERE id = 1",
        [STMT_HEAD_SET] = "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1",
        [STMT_EVENT_INSERT] =
                "INSERT INTO events (seq, time_usec, kind, subject, text, prev_hash, hash) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [STMT_EVENT_LIST] =
                "SELECT seq, time_usec, kind, subject, text, prev_hash, hash FROM events "
                "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        /* No WHERE: verification must also see rows with seq <= 0. */
        [STMT_EVENT_ALL] =
                "SELECT seq, time_usec, kind, subject, text, prev_hash, hash FROM events "
                "ORDER BY seq",
        [STMT_FINDING_GET] =
                "SELECT status, evidence, since_usec, evaluated_usec FROM findings "
                "WHERE rule_id = ?1",
        [STMT_FINDING_PUT] =
                "INSERT INTO findings (rule_id, status, evidence, since_usec, evaluated_usec) "
                "VALUES (?1, ?2, ?3, ?4, ?5) "
                "ON CONFLICT (rule_id) DO UPDATE SET status = excluded.status, "
                "evidence = excluded.evidence, since_usec = excluded.since_usec, "
                "evaluated_usec = excluded.evaluated_usec",
        [STMT_FINDING_IDS] = "SELECT rule_id FROM findings",
        [STMT_FINDING_DELETE] = "DELETE FROM findings WHERE rule_id = ?1",
};

struct Store {
        sqlite3 *db;
        sqlite3_stmt *stmts[_STMT_MAX];
        EVP_MD_CTX *md;
        char last_error[256];
};

/* The columns of STMT_EVENT_LIST and STMT_EVENT_ALL. */
enum {
        COL_SEQ,
        COL_TIME,
        COL_KIND,
        COL_SUBJECT,
        COL_TEXT,
        COL_PREV_HASH,
        COL_HASH,
};

static int errno_from_sqlite(sqlite3 *db, int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CANTOPEN: {
                int e;

                /* SQLITE_OPEN_NOFOLLOW refused a symlink: say so, as
                 * open(O_NOFOLLOW) would, rather than a stale errno. */
                if (db && sqlite3_extended_errcode(db) == SQLITE_CANTOPEN_SYMLINK)
                        return -ELOOP;
                /* Else the OS said why (EACCES, ENOENT, ...): pass that on. */
                e = db ? sqlite3_system_errno(db) : 0;
                return e > 0 ? -e : -EIO;
        }
        default:
                return -EIO;
        }
}

/* Remembers SQLite's message for store_last_error() and maps the code. */
static int store_error(Store *s, int rc) {
        const char *msg = sqlite3_errmsg(s->db);

        if (!msg || (rc & 0xff) != (sqlite3_errcode(s->db) & 0xff))
                msg = sqlite3_errstr(rc);
        snprintf(s->last_error, sizeof(s->last_error), "%s", strempty(msg));
        return errno_from_sqlite(s->db, rc);
}

const char *store_last_error(Store *s) {
        return s ? s->last_error : NULL;
}

static void stmt_resetp(sqlite3_stmt **st) {
        if (!*st)
                return;
        (void) sqlite3_reset(*st);
        (void) sqlite3_clear_bindings(*st);
}

#define _cleanup_stmt_reset_ _cleanup_(stmt_resetp)

/* Prepared once per Store and kept: the same few statements run for every
 * event and finding. */
static int store_stmt(Store *s, StoreStatement id, sqlite3_stmt **ret) {
        int rc;

        if (!s->stmts[id]) {
                rc = sqlite3_prepare_v3(s->db, statement_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                        &s->stmts[id], NULL);
                if (rc != SQLITE_OK)
                        return store_error(s, rc);
        }
        *ret = s->stmts[id];
        return 0;
}

/* Runs a statement that returns no rows (BEGIN, COMMIT, ...). */
static int store_exec_stmt(Store *s, StoreStatement id) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = store_stmt(s, id, &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return store_error(s, rc);
        return 0;
}

static void store_rollbackp(Store **s) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

        /* autocommit is back on after COMMIT, and after SQLite rolled back
         * by itself (some errors do): then there is nothing to undo. */
        if (!*s || sqlite3_get_autocommit((*s)->db))
                return;
        if (store_stmt(*s, STMT_ROLLBACK, &st) >= 0)
                (void) sqlite3_step(st);
        else
                (void) sqlite3_exec((*s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A transaction that rolls back on scope exit unless committed:
 *     _cleanup_transaction_ Store *tx = NULL;
 *     r = store_begin(s, true, &tx); ... r = store_commit(&tx); */
#define _cleanup_transaction_ _cleanup_(store_rollbackp)

static int store_begin(Store *s, bool write, Store **ret_tx) {
        int r;

        r = store_exec_stmt(s, write ? STMT_BEGIN_WRITE : STMT_BEGIN_READ);
        if (r < 0)
                return r;
        *ret_tx = s;
        return 0;
}

static int store_commit(Store **tx) {
        int r;

        r = store_exec_stmt(*tx, STMT_COMMIT);
        if (r < 0)
                return r; /* *tx stays set: the cleanup rolls back */
        *tx = NULL;
        return 0;
}

static int bind_u64(Store *s, sqlite3_stmt *st, int i, uint64_t v) {
        /* SQLite integers are signed 64-bit: values keep their bits and
         * come back the same through the (uint64_t) cast on reading. */
        int rc = sqlite3_bind_int64(st, i, (sqlite3_int64) v);
        return rc == SQLITE_OK ? 0 : store_error(s, rc);
}

static int bind_text(Store *s, sqlite3_stmt *st, int i, const char *t) {
        int rc;

        if (t)
                rc = sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
        else
                rc = sqlite3_bind_null(st, i);
        return rc == SQLITE_OK ? 0 : store_error(s, rc);
}

static uint64_t column_u64(sqlite3_stmt *st, int i) {
        return (uint64_t) sqlite3_column_int64(st, i);
}

/* A column's bytes (NULL reads as ""), with their length. */
static int column_bytes(sqlite3_stmt *st, int i, const char **ret, size_t *ret_len) {
        const unsigned char *t = sqlite3_column_text(st, i);

        if (!t) {
                if (sqlite3_column_type(st, i) != SQLITE_NULL)
                        return -ENOMEM;
                *ret = "";
                *ret_len = 0;
                return 0;
        }
        *ret = (const char *) t;
        *ret_len = (size_t) sqlite3_column_bytes(st, i);
        return 0;
}

static int column_strdup(sqlite3_stmt *st, int i, char **ret) {
        const char *t;
        size_t n;
        int r;

        r = column_bytes(st, i, &t, &n);
        if (r < 0)
                return r;
        *ret = strndup(t, n);
        return *ret ? 0 : -ENOMEM;
}

/* Copies a stored hash into a fixed buffer. A malformed (tampered) value
 * is cut to fit: store_verify_events() is what judges it. */
static int column_hash(sqlite3_stmt *st, int i, char out[static SHA256_HEX_SIZE]) {
        const char *t;
        size_t n;
        int r;

        r = column_bytes(st, i, &t, &n);
        if (r < 0)
                return r;
        if (n > SHA256_HEX_SIZE - 1)
                n = SHA256_HEX_SIZE - 1;
        memcpy(out, t, n);
        out[n] = '\0';
        return 0;
}

static bool hash_equal(const char *a, size_t a_len, const char *b, size_t b_len) {
        return a_len == b_len && memcmp(a, b, a_len) == 0;
}

typedef struct Bytes {
        const char *data;
        size_t size;
} Bytes;

/* The header's event hash: SHA-256 over prev_hash, then "<len>:<bytes>,"
 * for seq, time_usec, kind, subject and text. The length prefixes make the
 * encoding unambiguous, so no two different events hash the same input. */
static int event_hash(Store *s, Bytes prev_hash, uint64_t seq, uint64_t time_usec, Bytes kind,
                      Bytes subject, Bytes text, char out[static SHA256_HEX_SIZE]) {
        char seq_buf[21], time_buf[21];
        Bytes fields[5] = {
                { seq_buf, 0 }, { time_buf, 0 }, kind, subject, text,
        };
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;

        fields[0].size = (size_t) snprintf(seq_buf, sizeof(seq_buf), "%" PRIu64, seq);
        fields[1].size = (size_t) snprintf(time_buf, sizeof(time_buf), "%" PRIu64, time_usec);

        if (EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(s->md, prev_hash.data, prev_hash.size) != 1)
                return -EIO;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                char len_buf[24];
                int n = snprintf(len_buf, sizeof(len_buf), "%zu:", fields[i].size);

                if (EVP_DigestUpdate(s->md, len_buf, (size_t) n) != 1 ||
                    EVP_DigestUpdate(s->md, fields[i].data, fields[i].size) != 1 ||
                    EVP_DigestUpdate(s->md, ",", 1) != 1)
                        return -EIO;
        }
        if (EVP_DigestFinal_ex(s->md, md, &md_len) != 1 || md_len != 32)
                return -EIO;
        for (unsigned i = 0; i < md_len; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
        out[64] = '\0';
        return 0;
}

static Bytes bytes_str(const char *s) {
        return (Bytes) { s, strlen(s) };
}

static int store_migrate(Store *s) {
        _cleanup_transaction_ Store *tx = NULL;
        _cleanup_free_ char *set_version = NULL;
        sqlite3_stmt *st = NULL;
        int version, r, rc;

        r = store_begin(s, true, &tx);
        if (r < 0)
                return r;

        /* Read inside the write transaction: another process opening the
         * same fresh database waits here instead of creating twice. */
        rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return store_error(s, rc);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                r = store_error(s, rc);
                sqlite3_finalize(st);
                return r;
        }
        version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);

        if (version == STORE_SCHEMA_VERSION)
                return 0;
        if (version < 0 || version > STORE_SCHEMA_VERSION)
                return -EPROTONOSUPPORT; /* written by a newer mamori: do not touch it */

        for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
                rc = sqlite3_exec(s->db, store_migrations[v], NULL, NULL, NULL);
                if (rc != SQLITE_OK)
                        return store_error(s, rc);
        }
        if (asprintf(&set_version, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION) < 0)
                return -ENOMEM;
        rc = sqlite3_exec(s->db, set_version, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return store_error(s, rc);

        return store_commit(&tx);
}

/* Runs a PRAGMA and checks the one value it returns, when expect is set. */
static int store_pragma(Store *s, const char *sql, const char *expect) {
        sqlite3_stmt *st = NULL;
        int r = 0, rc;

        rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return store_error(s, rc);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const char *v = (const char *) sqlite3_column_text(st, 0);
                if (expect && !streq(v, expect)) {
                        snprintf(s->last_error, sizeof(s->last_error),
                                 "%s returned '%s', expected '%s'", sql, strempty(v), expect);
                        r = -EOPNOTSUPP;
                }
        } else if (rc != SQLITE_DONE)
                r = store_error(s, rc);
        else if (expect) {
                snprintf(s->last_error, sizeof(s->last_error), "%s returned nothing", sql);
                r = -EOPNOTSUPP;
        }
        sqlite3_finalize(st);
        return r;
}

/* Creates the file ourselves so that it starts 0600 whatever the umask:
 * findings and events name devices and users. SQLite gives the -wal and
 * -shm files the mode of the database file. */
static int store_create_file(const char *path) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return errno == EEXIST ? 0 : -errno;
        if (fchmod(fd, 0600) < 0)
                return -errno;
        return 0;
}

int store_open(const char *dir, Store **ret) {
        _cleanup_(store_closep) Store *s = NULL;
        _cleanup_free_ char *path = NULL;
        int r, rc;

        if (!dir || !ret)
                return -EINVAL;
        if (asprintf(&path, "%s/mamori.db", dir) < 0)
                return -ENOMEM;
        r = store_create_file(path);
        if (r < 0)
                return r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->md = EVP_MD_CTX_new();
        if (!s->md)
                return -ENOMEM;

        rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                             NULL);
        if (rc != SQLITE_OK) {
                if (!s->db)
                        return -ENOMEM;
                return store_error(s, rc);
        }
        (void) sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MSEC);
        /* Refuse SQL that could corrupt the file on purpose (writable_schema
         * and friends); nothing here needs it. */
        (void) sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        (void) sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);

        /* The first statement reads the file: a garbage file fails here with
         * SQLITE_NOTADB, i.e. -EBADMSG. */
        r = store_pragma(s, "PRAGMA journal_mode=WAL", "wal");
        if (r < 0)
                return r;
        /* FULL: in WAL mode every commit syncs the log, which is what makes
         * an event acknowledged by store_append_event() survive power loss. */
        r = store_pragma(s, "PRAGMA synchronous=FULL", NULL);
        if (r < 0)
                return r;
        r = store_pragma(s, "PRAGMA foreign_keys=ON", NULL);
        if (r < 0)
                return r;

        r = store_migrate(s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

Store *store_close(Store *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(s->stmts); i++)
                sqlite3_finalize(s->stmts[i]);
        /* All statements are finalized, so this closes for real (and the
         * last connection checkpoints the WAL into the database). */
        sqlite3_close(s->db);
        EVP_MD_CTX_free(s->md);
        free(s);
        return NULL;
}

void store_event_clear(StoreEvent *e) {
        if (!e)
                return;
        free(e->kind);
        free(e->subject);
        free(e->text);
        *e = (StoreEvent) {};
}

void store_events_free(StoreEvent *e, size_t n) {
        if (!e)
                return;
        for (size_t i = 0; i < n; i++)
                store_event_clear(&e[i]);
        free(e);
}

/* Reads the head inside the caller's transaction. A missing or malformed
 * head is tampering: never silently restart the chain over it. */
static int store_read_head(Store *s, uint64_t *ret_seq, char ret_hash[static SHA256_HEX_SIZE]) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        const char *h;
        size_t n;
        int r, rc;

        r = store_stmt(s, STMT_HEAD_GET, &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
                snprintf(s->last_error, sizeof(s->last_error), "chain head missing");
                return -EBADMSG;
        }
        if (rc != SQLITE_ROW)
                return store_error(s, rc);
        r = column_bytes(st, 1, &h, &n);
        if (r < 0)
                return r;
        if (n != SHA256_HEX_SIZE - 1 || sqlite3_column_int64(st, 0) < 0) {
                snprintf(s->last_error, sizeof(s->last_error), "chain head malformed");
                return -EBADMSG;
        }
        *ret_seq = column_u64(st, 0);
        memcpy(ret_hash, h, n);
        ret_hash[n] = '\0';
        return 0;
}

int store_append_event(Store *s, uint64_t time_usec, const char *kind, const char *subject,
                       const char *text, StoreEvent *ret) {
        _cleanup_transaction_ Store *tx = NULL;
        _cleanup_(store_event_clear) StoreEvent copy = {};
        char prev_hash[SHA256_HEX_SIZE], hash[SHA256_HEX_SIZE];
        uint64_t head_seq, seq;
        int r, rc;

        if (!s || !kind || !*kind)
                return -EINVAL;
        subject = strempty(subject);
        text = strempty(text);

        /* Copy before committing: once the event is in, nothing may fail,
         * or a caller retrying after an error would log it twice. */
        if (ret) {
                copy.kind = strdup(kind);
                copy.subject = strdup(subject);
                copy.text = strdup(text);
                if (!copy.kind || !copy.subject || !copy.text)
                        return -ENOMEM;
        }

        r = store_begin(s, true, &tx);
        if (r < 0)
                return r;
        r = store_read_head(s, &head_seq, prev_hash);
        if (r < 0)
                return r;
        if (head_seq >= INT64_MAX)
                return -EOVERFLOW;
        seq = head_seq + 1;

        r = event_hash(s, bytes_str(prev_hash), seq, time_usec, bytes_str(kind), bytes_str(subject),
                       bytes_str(text), hash);
        if (r < 0)
                return r;

        {
                _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

                r = store_stmt(s, STMT_EVENT_INSERT, &st);
                if (r < 0)
                        return r;
                if ((r = bind_u64(s, st, 1, seq)) < 0 ||
                    (r = bind_u64(s, st, 2, time_usec)) < 0 ||
                    (r = bind_text(s, st, 3, kind)) < 0 ||
                    (r = bind_text(s, st, 4, subject)) < 0 ||
                    (r = bind_text(s, st, 5, text)) < 0 ||
                    (r = bind_text(s, st, 6, prev_hash)) < 0 ||
                    (r = bind_text(s, st, 7, hash)) < 0)
                        return r;
                rc = sqlite3_step(st);
                if (rc != SQLITE_DONE)
                        return store_error(s, rc);
        }
        {
                _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

                r = store_stmt(s, STMT_HEAD_SET, &st);
                if (r < 0)
                        return r;
                if ((r = bind_u64(s, st, 1, seq)) < 0 || (r = bind_text(s, st, 2, hash)) < 0)
                        return r;
                rc = sqlite3_step(st);
                if (rc != SQLITE_DONE)
                        return store_error(s, rc);
                if (sqlite3_changes(s->db) != 1)
                        return -EBADMSG;
        }

        r = store_commit(&tx);
        if (r < 0)
                return r;

        if (ret) {
                copy.seq = seq;
                copy.time_usec = time_usec;
                memcpy(copy.prev_hash, prev_hash, sizeof(copy.prev_hash));
                memcpy(copy.hash, hash, sizeof(copy.hash));
                *ret = copy;
                copy = (StoreEvent) {};
        }
        return 0;
}

static int event_from_row(sqlite3_stmt *st, StoreEvent *ret) {
        _cleanup_(store_event_clear) StoreEvent e = {};
        int r;

        e.seq = column_u64(st, COL_SEQ);
        e.time_usec = column_u64(st, COL_TIME);
        if ((r = column_strdup(st, COL_KIND, &e.kind)) < 0 ||
            (r = column_strdup(st, COL_SUBJECT, &e.subject)) < 0 ||
            (r = column_strdup(st, COL_TEXT, &e.text)) < 0 ||
            (r = column_hash(st, COL_PREV_HASH, e.prev_hash)) < 0 ||
            (r = column_hash(st, COL_HASH, e.hash)) < 0)
                return r;
        *ret = e;
        e = (StoreEvent) {};
        return 0;
}

int store_list_events(Store *s, uint64_t since_seq, size_t limit, StoreEvent **ret, size_t *ret_n) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        StoreEvent *list = NULL;
        size_t n = 0, alloc = 0;
        int r, rc;

        if (!s || !ret || !ret_n)
                return -EINVAL;
        if (since_seq >= INT64_MAX) {
                /* Past any seq the log can hold. */
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }

        r = store_stmt(s, STMT_EVENT_LIST, &st);
        if (r < 0)
                return r;
        if ((r = bind_u64(s, st, 1, since_seq)) < 0)
                return r;
        /* LIMIT -1 means none in SQLite. */
        rc = sqlite3_bind_int64(st, 2,
                                limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64) limit);
        if (rc != SQLITE_OK)
                return store_error(s, rc);

        for (;;) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_DONE)
                        break;
                if (rc != SQLITE_ROW) {
                        r = store_error(s, rc);
                        goto fail;
                }
                if (n == alloc) {
                        size_t na = alloc ? alloc * 2 : 16;
                        StoreEvent *nl = reallocarray(list, na, sizeof(*list));

                        if (!nl) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        list = nl;
                        alloc = na;
                }
                r = event_from_row(st, &list[n]);
                if (r < 0)
                        goto fail;
                n++;
        }

        *ret = list;
        *ret_n = n;
        return 0;
fail:
        store_events_free(list, n);
        return r;
}

int store_chain_head(Store *s, uint64_t *ret_seq, char ret_hash[static SHA256_HEX_SIZE]) {
        uint64_t seq;
        char hash[SHA256_HEX_SIZE];
        int r;

        if (!s)
                return -EINVAL;
        /* One statement outside a transaction reads one consistent snapshot. */
        r = store_read_head(s, &seq, hash);
        if (r < 0)
                return r;
        if (ret_seq)
                *ret_seq = seq;
        memcpy(ret_hash, hash, sizeof(hash));
        return 0;
}

/* Sets the verdict for a broken chain: always returns 1. */
static int verify_broken(uint64_t seq, char **ret_reason, uint64_t *ret_seq, const char *fmt, ...)
        _printf_(4, 5);
static int verify_broken(uint64_t seq, char **ret_reason, uint64_t *ret_seq, const char *fmt, ...) {
        va_list ap;

        if (ret_seq)
                *ret_seq = seq;
        if (ret_reason) {
                va_start(ap, fmt);
                if (vasprintf(ret_reason, fmt, ap) < 0)
                        *ret_reason = NULL; /* the verdict matters more than its words */
                va_end(ap);
        }
        return 1;
}

int store_verify_events(Store *s, uint64_t *ret_seq, char **ret_reason) {
        _cleanup_transaction_ Store *tx = NULL;
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        char prev_hash[SHA256_HEX_SIZE] = ZERO_HASH, head_hash[SHA256_HEX_SIZE];
        uint64_t last = 0, head_seq;
        int r, rc;

        if (!s)
                return -EINVAL;
        if (ret_seq)
                *ret_seq = 0;
        if (ret_reason)
                *ret_reason = NULL;

        /* A read transaction: the rows and the head come from one snapshot,
         * even while the agent keeps appending. */
        r = store_begin(s, false, &tx);
        if (r < 0)
                return r;
        r = store_stmt(s, STMT_EVENT_ALL, &st);
        if (r < 0)
                return r;

        for (;;) {
                const char *kind, *subject, *text, *row_prev, *row_hash;
                size_t kind_len, subject_len, text_len, row_prev_len, row_hash_len;
                char computed[SHA256_HEX_SIZE];
                sqlite3_int64 seq;

                rc = sqlite3_step(st);
                if (rc == SQLITE_DONE)
                        break;
                if (rc != SQLITE_ROW)
                        return store_error(s, rc);

                seq = sqlite3_column_int64(st, COL_SEQ);
                if (seq <= 0 || (uint64_t) seq <= last)
                        return verify_broken(last + 1, ret_reason, ret_seq,
                                             "event %lld: sequence number out of range",
                                             (long long) seq);
                if ((uint64_t) seq != last + 1) {
                        if (last == 0)
                                return verify_broken(1, ret_reason, ret_seq,
                                                     "event 1 missing (deleted?): the log starts at %lld",
                                                     (long long) seq);
                        return verify_broken(last + 1, ret_reason, ret_seq,
                                             "event %" PRIu64 " missing (deleted?) after %" PRIu64,
                                             last + 1, last);
                }

                if ((r = column_bytes(st, COL_KIND, &kind, &kind_len)) < 0 ||
                    (r = column_bytes(st, COL_SUBJECT, &subject, &subject_len)) < 0 ||
                    (r = column_bytes(st, COL_TEXT, &text, &text_len)) < 0 ||
                    (r = column_bytes(st, COL_PREV_HASH, &row_prev, &row_prev_len)) < 0 ||
                    (r = column_bytes(st, COL_HASH, &row_hash, &row_hash_len)) < 0)
                        return r;

                /* The link first: a row whose prev_hash was edited is
                 * better described as unlinked than as edited. */
                if (!hash_equal(row_prev, row_prev_len, prev_hash, strlen(prev_hash))) {
                        if (seq == 1)
                                return verify_broken(1, ret_reason, ret_seq,
                                                     "event 1: prev_hash is not the chain's start (edited?)");
                        return verify_broken((uint64_t) seq, ret_reason, ret_seq,
                                             "event %lld: prev_hash does not match event %lld's hash "
                                             "(event %lld replaced?)",
                                             (long long) seq, (long long) seq - 1, (long long) seq - 1);
                }

                r = event_hash(s, (Bytes) { row_prev, row_prev_len }, (uint64_t) seq,
                               column_u64(st, COL_TIME), (Bytes) { kind, kind_len },
                               (Bytes) { subject, subject_len }, (Bytes) { text, text_len },
                               computed);
                if (r < 0)
                        return r;
                if (!hash_equal(row_hash, row_hash_len, computed, SHA256_HEX_SIZE - 1))
                        return verify_broken((uint64_t) seq, ret_reason, ret_seq,
                                             "event %lld: content does not match its hash (edited?)",
                                             (long long) seq);

                memcpy(prev_hash, row_hash, row_hash_len);
                prev_hash[row_hash_len] = '\0';
                last = (uint64_t) seq;
        }

        r = store_read_head(s, &head_seq, head_hash);
        if (r == -EBADMSG)
                return verify_broken(last, ret_reason, ret_seq,
                                     "chain head missing or malformed (deleted?), the log ends at %" PRIu64,
                                     last);
        if (r < 0)
                return r;
        if (head_seq > last)
                return verify_broken(last + 1, ret_reason, ret_seq,
                                     "head says %" PRIu64 " but the log ends at %" PRIu64
                                     " (last event deleted?)",
                                     head_seq, last);
        if (head_seq < last)
                return verify_broken(head_seq + 1, ret_reason, ret_seq,
                                     "head says %" PRIu64 " but the log goes on to %" PRIu64
                                     " (events added behind the agent's back?)",
                                     head_seq, last);
        if (!streq(head_hash, prev_hash))
                return verify_broken(last, ret_reason, ret_seq,
                                     "event %" PRIu64 ": hash differs from the chain head (replaced?)",
                                     last);

        /* Read-only: ending with COMMIT or ROLLBACK is the same. */
        return store_commit(&tx);
}

/* Evidence entries are stored as one text joined by '\n'; an entry must not
 * contain one, so a stray newline becomes '?' rather than a second entry. */
static int evidence_join(char *const *evidence, char **ret) {
        size_t len = 1;
        char *joined, *p;

        if (strv_length(evidence) == 0) {
                *ret = NULL; /* NULL column: no entries, distinct from one empty entry */
                return 0;
        }
        for (size_t i = 0; evidence[i]; i++)
                len += strlen(evidence[i]) + 1;
        joined = p = malloc(len);
        if (!joined)
                return -ENOMEM;
        for (size_t i = 0; evidence[i]; i++) {
                if (i > 0)
                        *p++ = '\n';
                for (const char *c = evidence[i]; *c; c++)
                        *p++ = *c == '\n' ? '?' : *c;
        }
        *p = '\0';
        *ret = joined;
        return 0;
}

static int evidence_split(const char *t, size_t len, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        if (t) {
                const char *end = t + len;

                for (const char *p = t;;) {
                        const char *nl = memchr(p, '\n', (size_t) (end - p));
                        const char *e = nl ? nl : end;

                        r = strv_consume(&l, &n, strndup(p, (size_t) (e - p)));
                        if (r < 0)
                                return r;
                        if (!nl)
                                break;
                        p = nl + 1;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool status_valid(sqlite3_int64 status) {
        return status >= MAMORI_PASS && status <= MAMORI_NOT_APPLICABLE;
}

int store_put_finding(Store *s, const char *rule_id, mamori_status status,
                      char *const *evidence, uint64_t now_usec, int *ret_previous,
                      uint64_t *ret_since_usec) {
        _cleanup_transaction_ Store *tx = NULL;
        _cleanup_free_ char *joined = NULL;
        uint64_t since = now_usec;
        int previous = -1, r, rc;

        if (!s || !rule_id || !*rule_id || !status_valid(status))
                return -EINVAL;
        r = evidence_join(evidence, &joined);
        if (r < 0)
                return r;

        /* Read and write in one write transaction so that since_usec is
         * decided against the row being replaced, not an older one. */
        r = store_begin(s, true, &tx);
        if (r < 0)
                return r;
        {
                _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

                r = store_stmt(s, STMT_FINDING_GET, &st);
                if (r < 0)
                        return r;
                if ((r = bind_text(s, st, 1, rule_id)) < 0)
                        return r;
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        sqlite3_int64 old = sqlite3_column_int64(st, 0);

                        /* An out-of-range stored status counts as a change. */
                        if (status_valid(old)) {
                                previous = (int) old;
                                if (old == status)
                                        since = column_u64(st, 2);
                        }
                } else if (rc != SQLITE_DONE)
                        return store_error(s, rc);
        }
        {
                _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

                r = store_stmt(s, STMT_FINDING_PUT, &st);
                if (r < 0)
                        return r;
                if ((r = bind_text(s, st, 1, rule_id)) < 0 ||
                    (r = bind_u64(s, st, 2, (uint64_t) status)) < 0 ||
                    (r = bind_text(s, st, 3, joined)) < 0 ||
                    (r = bind_u64(s, st, 4, since)) < 0 ||
                    (r = bind_u64(s, st, 5, now_usec)) < 0)
                        return r;
                rc = sqlite3_step(st);
                if (rc != SQLITE_DONE)
                        return store_error(s, rc);
        }
        r = store_commit(&tx);
        if (r < 0)
                return r;

        if (ret_previous)
                *ret_previous = previous;
        if (ret_since_usec)
                *ret_since_usec = since;
        return 0;
}

int store_get_finding(Store *s, const char *rule_id, StoreFinding *ret) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        _cleanup_(store_finding_clear) StoreFinding f = {};
        sqlite3_int64 status;
        const char *ev = NULL;
        size_t ev_len = 0;
        int r, rc;

        if (!s || !rule_id || !ret)
                return -EINVAL;
        r = store_stmt(s, STMT_FINDING_GET, &st);
        if (r < 0)
                return r;
        if ((r = bind_text(s, st, 1, rule_id)) < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return store_error(s, rc);

        status = sqlite3_column_int64(st, 0);
        if (!status_valid(status))
                return -EBADMSG;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
                r = column_bytes(st, 1, &ev, &ev_len);
                if (r < 0)
                        return r;
        }

        f.rule_id = strdup(rule_id);
        if (!f.rule_id)
                return -ENOMEM;
        f.status = (mamori_status) status;
        r = evidence_split(ev, ev_len, &f.evidence);
        if (r < 0)
                return r;
        f.since_usec = column_u64(st, 2);
        f.evaluated_usec = column_u64(st, 3);

        *ret = f;
        f = (StoreFinding) {};
        return 0;
}

void store_finding_clear(StoreFinding *f) {
        if (!f)
                return;
        free(f->rule_id);
        strv_free(f->evidence);
        *f = (StoreFinding) {};
}

static bool strv_contains(char *const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (streq(l[i], s))
                        return true;
        return false;
}

int store_prune_findings(Store *s, char *const *keep) {
        _cleanup_transaction_ Store *tx = NULL;
        _cleanup_strv_free_ char **doomed = NULL;
        size_t n = 0;
        int r, rc;

        if (!s)
                return -EINVAL;

        r = store_begin(s, true, &tx);
        if (r < 0)
                return r;

        /* Collect first, delete after: deleting from a table while a SELECT
         * on it is still stepping is undefined in SQLite. A linear keep
         * lookup is fine for a policy's few hundred rules. */
        {
                _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

                r = store_stmt(s, STMT_FINDING_IDS, &st);
                if (r < 0)
                        return r;
                for (;;) {
                        const char *id;
                        size_t len;

                        rc = sqlite3_step(st);
                        if (rc == SQLITE_DONE)
                                break;
                        if (rc != SQLITE_ROW)
                                return store_error(s, rc);
                        r = column_bytes(st, 0, &id, &len);
                        if (r < 0)
                                return r;
                        if (strv_contains(keep, id))
                                continue;
                        r = strv_consume(&doomed, &n, strndup(id, len));
                        if (r < 0)
                                return r;
                }
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;

                r = store_stmt(s, STMT_FINDING_DELETE, &st);
                if (r < 0)
                        return r;
                if ((r = bind_text(s, st, 1, doomed[i])) < 0)
                        return r;
                rc = sqlite3_step(st);
                if (rc != SQLITE_DONE)
                        return store_error(s, rc);
        }

        return store_commit(&tx);
}

int store_state_put(Store *s, const char *plugin, const char *key, const void *data, size_t size,
                    uint64_t now_usec) {
        _cleanup_transaction_ Store *tx = NULL;
        sqlite3_stmt *st = NULL;
        int r, rc;

        if (!s || !plugin || !key || (!data && size > 0) || size > INT_MAX)
                return -EINVAL;
        r = store_begin(s, true, &tx);
        if (r < 0)
                return r;
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT OR REPLACE INTO plugin_state (plugin, key, value, updated_usec) "
                                "VALUES (?, ?, ?, ?)", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return store_error(s, rc);
        r = bind_text(s, st, 1, plugin);
        if (r >= 0)
                r = bind_text(s, st, 2, key);
        if (r >= 0) {
                rc = sqlite3_bind_blob(st, 3, size ? data : "", (int) size, SQLITE_STATIC);
                r = rc == SQLITE_OK ? 0 : store_error(s, rc);
        }
        if (r >= 0)
                r = bind_u64(s, st, 4, now_usec);
        if (r >= 0) {
                rc = sqlite3_step(st);
                r = rc == SQLITE_DONE ? 0 : store_error(s, rc);
        }
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        return store_commit(&tx);
}

int store_state_get(Store *s, const char *plugin, const char *key, void **ret, size_t *ret_size) {
        sqlite3_stmt *st = NULL;
        const void *blob;
        void *copy;
        int r, rc, n;

        if (!s || !plugin || !key || !ret || !ret_size)
                return -EINVAL;
        rc = sqlite3_prepare_v2(s->db, "SELECT value FROM plugin_state WHERE plugin = ? AND key = ?",
                                -1, &st, NULL);
        if (rc != SQLITE_OK)
                return store_error(s, rc);
        r = bind_text(s, st, 1, plugin);
        if (r >= 0)
                r = bind_text(s, st, 2, key);
        if (r >= 0) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_DONE)
                        r = -ENOENT;
                else if (rc != SQLITE_ROW)
                        r = store_error(s, rc);
        }
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        blob = sqlite3_column_blob(st, 0);
        n = sqlite3_column_bytes(st, 0);
        /* One spare NUL so that text state can be used as a string. */
        copy = malloc((size_t) n + 1);
        if (!copy) {
                sqlite3_finalize(st);
                return -ENOMEM;
        }
        if (n > 0)
                memcpy(copy, blob, (size_t) n);
        ((char *) copy)[n] = '\0';
        sqlite3_finalize(st);
        *ret = copy;
        *ret_size = (size_t) n;
        return 0;
}
