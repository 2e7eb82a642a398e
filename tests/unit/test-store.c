/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "store.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct Fixture {
        char dir[64];
        Store *s;
} Fixture;

/* SHA-256 hex straight from OpenSSL, so that expected hashes do not come
 * from the code under test (nor from util.c). */
static void expect_sha256(const char *input, char out[static SHA256_HEX_SIZE]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        assert_int_equal(EVP_Digest(input, strlen(input), md, &len, EVP_sha256(), NULL), 1);
        assert_int_equal(len, 32);
        for (unsigned i = 0; i < len; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        return remove(path);
}

static void rm_rf(const char *dir) {
        (void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void db_path(const Fixture *f, char *buf, size_t size) {
        snprintf(buf, size, "%s/mamori.db", f->dir);
}

/* Runs SQL through a connection of its own, as an intruder with the
 * sqlite3 shell would. */
static void tamper(const Fixture *f, const char *sql) {
        char path[128];
        sqlite3 *db = NULL;
        char *err = NULL;

        db_path(f, path, sizeof(path));
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
                fail_msg("%s: %s", sql, err);
        sqlite3_close(db);
}

static int64_t query_int(const Fixture *f, const char *sql) {
        char path[128];
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int64_t v;

        db_path(f, path, sizeof(path));
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

static int setup_dir(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        *state = f;
        return 0;
}

static int setup_open(void **state) {
        Fixture *f;

        setup_dir(state);
        f = *state;
        assert_int_equal(store_open(f->dir, &f->s), 0);
        return 0;
}

/* Five events: the chain the tampering tests break. */
static int setup_chain5(void **state) {
        Fixture *f;

        setup_open(state);
        f = *state;
        for (unsigned i = 1; i <= 5; i++) {
                char text[32];

                snprintf(text, sizeof(text), "event number %u", i);
                assert_int_equal(store_append_event(f->s, 1000 * i, "test.event", "subject", text,
                                                    NULL),
                                 0);
        }
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        store_close(f->s);
        rm_rf(f->dir);
        free(f);
        return 0;
}

static void test_open_creates_schema(void **state) {
        Fixture *f = *state;
        char path[128], hash[SHA256_HEX_SIZE];
        StoreEvent *list = NULL;
        uint64_t seq = 99;
        char *reason = NULL;
        struct stat st;
        size_t n = 99;

        db_path(f, path, sizeof(path));
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        /* The WAL exists while the agent has the database open, with the
         * same mode. */
        strcat(path, "-wal");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);

        assert_int_equal(query_int(f, "PRAGMA user_version"), 2);
        assert_int_equal(query_int(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                      "AND name IN ('events', 'chain_head', 'findings', 'plugin_state')"),
                         4);
        assert_int_equal(query_int(f, "SELECT count(*) FROM pragma_journal_mode "
                                      "WHERE journal_mode = 'wal'"),
                         1);

        assert_int_equal(store_chain_head(f->s, &seq, hash), 0);
        assert_int_equal(seq, 0);
        assert_string_equal(hash, ZEROS);
        assert_int_equal(store_verify_events(f->s, &seq, &reason), 0);
        assert_null(reason);
        assert_int_equal(store_list_events(f->s, 0, 0, &list, &n), 0);
        assert_int_equal(n, 0);
        store_events_free(list, n);
        assert_string_equal(store_last_error(f->s), "");
}

static void test_hash_hand_computed(void **state) {
        Fixture *f = *state;
        char expect1[SHA256_HEX_SIZE], expect2[SHA256_HEX_SIZE], input[256];
        StoreEvent e1 = {}, e2 = {};
        StoreEvent *list = NULL;
        size_t n = 0;

        /* seq 1, time 1000, kind "k", subject "s", text "t". */
        expect_sha256(ZEROS "1:1,4:1000,1:k,1:s,1:t,", expect1);
        assert_int_equal(store_append_event(f->s, 1000, "k", "s", "t", &e1), 0);
        assert_int_equal(e1.seq, 1);
        assert_int_equal(e1.time_usec, 1000);
        assert_string_equal(e1.kind, "k");
        assert_string_equal(e1.subject, "s");
        assert_string_equal(e1.text, "t");
        assert_string_equal(e1.prev_hash, ZEROS);
        assert_string_equal(e1.hash, expect1);

        /* Lengths count bytes: "端末" is 6 bytes of UTF-8; an empty text
         * still gets its "0:,". */
        snprintf(input, sizeof(input), "%s%s", expect1, "1:2,4:2000,11:usb.blocked,6:端末,0:,");
        expect_sha256(input, expect2);
        assert_int_equal(store_append_event(f->s, 2000, "usb.blocked", "端末", "", &e2), 0);
        assert_int_equal(e2.seq, 2);
        assert_string_equal(e2.prev_hash, expect1);
        assert_string_equal(e2.hash, expect2);

        /* What is stored is what was returned. */
        assert_int_equal(store_list_events(f->s, 0, 0, &list, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(list[0].hash, expect1);
        assert_string_equal(list[1].hash, expect2);
        assert_string_equal(list[1].prev_hash, expect1);
        assert_string_equal(list[1].subject, "端末");
        assert_string_equal(list[1].text, "");
        store_events_free(list, n);

        store_event_clear(&e1);
        store_event_clear(&e2);
        assert_null(e1.kind);
}

static void test_append_list(void **state) {
        Fixture *f = *state;
        char hashes[11][SHA256_HEX_SIZE], head[SHA256_HEX_SIZE];
        StoreEvent *list = NULL;
        uint64_t head_seq = 0;
        size_t n = 0;

        for (unsigned i = 1; i <= 10; i++) {
                StoreEvent e = {};
                char subject[16];

                snprintf(subject, sizeof(subject), "s%u", i);
                assert_int_equal(store_append_event(f->s, 100 + i, "rule.failed", subject, "x", &e), 0);
                assert_int_equal(e.seq, i);
                assert_string_equal(e.prev_hash, i == 1 ? ZEROS : hashes[i - 1]);
                memcpy(hashes[i], e.hash, SHA256_HEX_SIZE);
                store_event_clear(&e);
        }

        assert_int_equal(store_chain_head(f->s, &head_seq, head), 0);
        assert_int_equal(head_seq, 10);
        assert_string_equal(head, hashes[10]);

        assert_int_equal(store_list_events(f->s, 0, 0, &list, &n), 0);
        assert_int_equal(n, 10);
        for (unsigned i = 0; i < 10; i++) {
                char subject[16];

                snprintf(subject, sizeof(subject), "s%u", i + 1);
                assert_int_equal(list[i].seq, i + 1);
                assert_int_equal(list[i].time_usec, 101 + i);
                assert_string_equal(list[i].kind, "rule.failed");
                assert_string_equal(list[i].subject, subject);
                assert_string_equal(list[i].text, "x");
                assert_string_equal(list[i].hash, hashes[i + 1]);
        }
        store_events_free(list, n);

        assert_int_equal(store_list_events(f->s, 3, 4, &list, &n), 0);
        assert_int_equal(n, 4);
        assert_int_equal(list[0].seq, 4);
        assert_int_equal(list[3].seq, 7);
        store_events_free(list, n);

        assert_int_equal(store_list_events(f->s, 8, 0, &list, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(list[0].seq, 9);
        assert_int_equal(list[1].seq, 10);
        store_events_free(list, n);

        assert_int_equal(store_list_events(f->s, 10, 0, &list, &n), 0);
        assert_int_equal(n, 0);
        store_events_free(list, n);

        assert_int_equal(store_list_events(f->s, UINT64_MAX, 5, &list, &n), 0);
        assert_int_equal(n, 0);
        store_events_free(list, n);
}

static void test_append_arguments(void **state) {
        Fixture *f = *state;
        char expect[SHA256_HEX_SIZE];
        StoreEvent e = {};

        assert_int_equal(store_append_event(f->s, 1, NULL, "s", "t", NULL), -EINVAL);
        assert_int_equal(store_append_event(f->s, 1, "", "s", "t", NULL), -EINVAL);
        /* NULL subject and text are stored as empty strings. */
        expect_sha256(ZEROS "1:1,1:1,1:k,0:,0:,", expect);
        assert_int_equal(store_append_event(f->s, 1, "k", NULL, NULL, &e), 0);
        assert_int_equal(e.seq, 1);
        assert_string_equal(e.subject, "");
        assert_string_equal(e.hash, expect);
        store_event_clear(&e);

        /* Times past INT64_MAX keep their bits through SQLite's signed
         * integers, in the hash and when read back. */
        {
                char input[256];

                assert_int_equal(store_append_event(f->s, UINT64_MAX, "k", "s", "t", &e), 0);
                snprintf(input, sizeof(input), "%s1:2,20:18446744073709551615,1:k,1:s,1:t,",
                         e.prev_hash);
                expect_sha256(input, expect);
                assert_string_equal(e.hash, expect);
                store_event_clear(&e);
        }
        {
                StoreEvent *list = NULL;
                size_t n = 0;

                assert_int_equal(store_list_events(f->s, 1, 0, &list, &n), 0);
                assert_int_equal(n, 1);
                assert_true(list[0].time_usec == UINT64_MAX);
                store_events_free(list, n);
        }
        assert_int_equal(store_verify_events(f->s, NULL, NULL), 0);
}

static void expect_broken(Fixture *f, uint64_t want_seq, const char *want_reason) {
        uint64_t seq = 0;
        char *reason = NULL;

        assert_int_equal(store_verify_events(f->s, &seq, &reason), 1);
        assert_non_null(reason);
        print_message("# verify: %s\n", reason);
        assert_int_equal(seq, want_seq);
        assert_string_equal(reason, want_reason);
        free(reason);
}

static void test_verify_intact(void **state) {
        Fixture *f = *state;
        uint64_t seq = 99;
        char *reason = (char *) "x";

        assert_int_equal(store_verify_events(f->s, &seq, &reason), 0);
        assert_int_equal(seq, 0);
        assert_null(reason);
}

static void test_verify_edited_text(void **state) {
        Fixture *f = *state;

        tamper(f, "UPDATE events SET text = 'nothing happened' WHERE seq = 3");
        expect_broken(f, 3, "event 3: content does not match its hash (edited?)");
}

static void test_verify_edited_time(void **state) {
        Fixture *f = *state;

        tamper(f, "UPDATE events SET time_usec = time_usec + 1 WHERE seq = 4");
        expect_broken(f, 4, "event 4: content does not match its hash (edited?)");
}

static void test_verify_deleted_middle(void **state) {
        Fixture *f = *state;

        tamper(f, "DELETE FROM events WHERE seq = 3");
        expect_broken(f, 3, "event 3 missing (deleted?) after 2");
}

static void test_verify_deleted_first(void **state) {
        Fixture *f = *state;

        tamper(f, "DELETE FROM events WHERE seq <= 2");
        expect_broken(f, 1, "event 1 missing (deleted?): the log starts at 3");
}

static void test_verify_deleted_last(void **state) {
        Fixture *f = *state;

        tamper(f, "DELETE FROM events WHERE seq = 5");
        expect_broken(f, 5, "head says 5 but the log ends at 4 (last event deleted?)");
}

static void test_verify_deleted_head(void **state) {
        Fixture *f = *state;
        char hash[SHA256_HEX_SIZE];
        uint64_t seq;

        tamper(f, "DELETE FROM chain_head");
        expect_broken(f, 5, "chain head missing or malformed (deleted?), the log ends at 5");
        /* Nothing may extend a chain whose head is gone. */
        assert_int_equal(store_chain_head(f->s, &seq, hash), -EBADMSG);
        assert_int_equal(store_append_event(f->s, 1, "k", "s", "t", NULL), -EBADMSG);
}

static void test_verify_swapped_hash(void **state) {
        Fixture *f = *state;

        tamper(f, "UPDATE events SET hash = CASE seq "
                  "WHEN 2 THEN (SELECT hash FROM events WHERE seq = 3) "
                  "ELSE (SELECT hash FROM events WHERE seq = 2) END "
                  "WHERE seq IN (2, 3)");
        expect_broken(f, 2, "event 2: content does not match its hash (edited?)");
}

static void test_verify_rehashed_edit(void **state) {
        Fixture *f = *state;
        char input[256], forged[SHA256_HEX_SIZE], prev[SHA256_HEX_SIZE], sql[256];
        StoreEvent *list = NULL;
        size_t n = 0;

        /* A careful intruder edits event 2 and recomputes its hash: the
         * row checks out by itself, but event 3 no longer links to it. */
        assert_int_equal(store_list_events(f->s, 0, 1, &list, &n), 0);
        assert_int_equal(n, 1);
        memcpy(prev, list[0].hash, SHA256_HEX_SIZE);
        store_events_free(list, n);
        snprintf(input, sizeof(input), "%s1:2,4:2000,10:test.event,7:subject,6:forged,", prev);
        expect_sha256(input, forged);
        snprintf(sql, sizeof(sql), "UPDATE events SET text = 'forged', hash = '%s' WHERE seq = 2",
                 forged);
        tamper(f, sql);
        expect_broken(f, 3, "event 3: prev_hash does not match event 2's hash (event 2 replaced?)");
}

static void test_verify_rehashed_last(void **state) {
        Fixture *f = *state;
        char input[256], forged[SHA256_HEX_SIZE], prev[SHA256_HEX_SIZE], sql[256];
        StoreEvent *list = NULL;
        size_t n = 0;

        /* The same on the last event: only the head notices. */
        assert_int_equal(store_list_events(f->s, 3, 1, &list, &n), 0);
        assert_int_equal(n, 1);
        memcpy(prev, list[0].hash, SHA256_HEX_SIZE);
        store_events_free(list, n);
        snprintf(input, sizeof(input), "%s1:5,4:5000,10:test.event,7:subject,6:forged,", prev);
        expect_sha256(input, forged);
        snprintf(sql, sizeof(sql), "UPDATE events SET text = 'forged', hash = '%s' WHERE seq = 5",
                 forged);
        tamper(f, sql);
        expect_broken(f, 5, "event 5: hash differs from the chain head (replaced?)");
}

static void test_verify_appended_behind(void **state) {
        Fixture *f = *state;

        tamper(f, "INSERT INTO events SELECT 6, time_usec, kind, subject, text, hash, hash "
                  "FROM events WHERE seq = 5");
        /* Row 6 is checked before the head: its hash is wrong first. */
        expect_broken(f, 6, "event 6: content does not match its hash (edited?)");
}

static void test_verify_head_behind(void **state) {
        Fixture *f = *state;

        tamper(f, "UPDATE chain_head SET seq = 4, hash = (SELECT hash FROM events WHERE seq = 4)");
        expect_broken(f, 5, "head says 4 but the log goes on to 5 (events added behind the agent's back?)");
}

static void test_verify_edited_prev_hash(void **state) {
        Fixture *f = *state;

        tamper(f, "UPDATE events SET prev_hash = '" ZEROS "' WHERE seq = 4");
        expect_broken(f, 4, "event 4: prev_hash does not match event 3's hash (event 3 replaced?)");
}

static void test_verify_seq_zero(void **state) {
        Fixture *f = *state;

        tamper(f, "INSERT INTO events SELECT 0, time_usec, kind, subject, text, prev_hash, hash "
                  "FROM events WHERE seq = 1");
        expect_broken(f, 1, "event 0: sequence number out of range");
}

static void test_findings(void **state) {
        Fixture *f = *state;
        char *ev1[] = { (char *) "usb 2-1 46f4:0001: mass storage authorised, not registered",
                        (char *) "second\nline", NULL };
        char *ev_empty_entry[] = { (char *) "", NULL };
        StoreFinding g = {};
        uint64_t since = 0;
        int previous = 0;

        assert_int_equal(store_get_finding(f->s, "usb.none", &g), -ENOENT);
        assert_int_equal(store_put_finding(f->s, "usb.x", (mamori_status) 7, NULL, 1, NULL, NULL),
                         -EINVAL);
        assert_int_equal(store_put_finding(f->s, NULL, MAMORI_PASS, NULL, 1, NULL, NULL), -EINVAL);

        /* First time: no previous status, since = now. */
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_PASS, NULL, 100, &previous, &since), 0);
        assert_int_equal(previous, -1);
        assert_int_equal(since, 100);

        /* Same status: since stays, evaluated moves. */
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_PASS, NULL, 200, &previous, &since), 0);
        assert_int_equal(previous, MAMORI_PASS);
        assert_int_equal(since, 100);
        assert_int_equal(store_get_finding(f->s, "usb.x", &g), 0);
        assert_string_equal(g.rule_id, "usb.x");
        assert_int_equal(g.status, MAMORI_PASS);
        assert_non_null(g.evidence);
        assert_null(g.evidence[0]);
        assert_int_equal(g.since_usec, 100);
        assert_int_equal(g.evaluated_usec, 200);
        store_finding_clear(&g);

        /* Status change: since = now; a newline inside an entry cannot
         * split it in two. */
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_FAIL, ev1, 300, &previous, &since), 0);
        assert_int_equal(previous, MAMORI_PASS);
        assert_int_equal(since, 300);
        assert_int_equal(store_get_finding(f->s, "usb.x", &g), 0);
        assert_int_equal(g.status, MAMORI_FAIL);
        assert_int_equal(g.since_usec, 300);
        assert_int_equal(g.evaluated_usec, 300);
        assert_int_equal(strv_length(g.evidence), 2);
        assert_string_equal(g.evidence[0], "usb 2-1 46f4:0001: mass storage authorised, not registered");
        assert_string_equal(g.evidence[1], "second?line");
        store_finding_clear(&g);
        assert_null(g.rule_id);
        assert_int_equal(query_int(f, "SELECT count(*) FROM findings WHERE evidence = "
                                      "'usb 2-1 46f4:0001: mass storage authorised, not registered'"
                                      " || char(10) || 'second?line'"),
                         1);

        /* FAIL again at 400 with one empty entry: since stays 300. */
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_FAIL, ev_empty_entry, 400,
                                           &previous, &since),
                         0);
        assert_int_equal(previous, MAMORI_FAIL);
        assert_int_equal(since, 300);
        assert_int_equal(store_get_finding(f->s, "usb.x", &g), 0);
        assert_int_equal(strv_length(g.evidence), 1);
        assert_string_equal(g.evidence[0], "");
        assert_int_equal(g.since_usec, 300);
        assert_int_equal(g.evaluated_usec, 400);
        store_finding_clear(&g);

        /* Back to pass, then error: each change restarts since. */
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_PASS, NULL, 500, &previous, &since), 0);
        assert_int_equal(previous, MAMORI_FAIL);
        assert_int_equal(since, 500);
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_ERROR, NULL, 600, NULL, NULL), 0);
        assert_int_equal(store_get_finding(f->s, "usb.x", &g), 0);
        assert_int_equal(g.status, MAMORI_ERROR);
        assert_int_equal(g.since_usec, 600);
        store_finding_clear(&g);

        /* A stored status out of range (a tampered row) reads as -EBADMSG. */
        tamper(f, "UPDATE findings SET status = 42 WHERE rule_id = 'usb.x'");
        assert_int_equal(store_get_finding(f->s, "usb.x", &g), -EBADMSG);
        assert_int_equal(store_put_finding(f->s, "usb.x", MAMORI_ERROR, NULL, 700, &previous, &since), 0);
        assert_int_equal(previous, -1);
        assert_int_equal(since, 700);
}

static void test_prune(void **state) {
        Fixture *f = *state;
        char *keep[] = { (char *) "a", (char *) "c", (char *) "not-stored", NULL };
        StoreFinding g = {};

        assert_int_equal(store_put_finding(f->s, "a", MAMORI_PASS, NULL, 1, NULL, NULL), 0);
        assert_int_equal(store_put_finding(f->s, "b", MAMORI_FAIL, NULL, 1, NULL, NULL), 0);
        assert_int_equal(store_put_finding(f->s, "c", MAMORI_NOT_APPLICABLE, NULL, 1, NULL, NULL), 0);

        assert_int_equal(store_prune_findings(f->s, keep), 0);
        assert_int_equal(store_get_finding(f->s, "b", &g), -ENOENT);
        assert_int_equal(store_get_finding(f->s, "a", &g), 0);
        store_finding_clear(&g);
        assert_int_equal(store_get_finding(f->s, "c", &g), 0);
        assert_int_equal(g.status, MAMORI_NOT_APPLICABLE);
        store_finding_clear(&g);
        assert_int_equal(query_int(f, "SELECT count(*) FROM findings"), 2);

        /* Pruning never touches the event log. */
        assert_int_equal(store_append_event(f->s, 1, "k", "s", "t", NULL), 0);
        assert_int_equal(store_prune_findings(f->s, NULL), 0);
        assert_int_equal(query_int(f, "SELECT count(*) FROM findings"), 0);
        assert_int_equal(query_int(f, "SELECT count(*) FROM events"), 1);
}

static void test_reopen(void **state) {
        Fixture *f = *state;
        char head[SHA256_HEX_SIZE], head2[SHA256_HEX_SIZE];
        StoreFinding g = {};
        StoreEvent e = {};
        uint64_t seq = 0;

        for (unsigned i = 1; i <= 3; i++)
                assert_int_equal(store_append_event(f->s, i, "k", "s", "t", NULL), 0);
        assert_int_equal(store_put_finding(f->s, "r", MAMORI_FAIL, NULL, 50, NULL, NULL), 0);
        assert_int_equal(store_chain_head(f->s, &seq, head), 0);
        assert_int_equal(seq, 3);

        f->s = store_close(f->s);
        assert_null(f->s);
        assert_int_equal(store_open(f->dir, &f->s), 0);

        assert_int_equal(store_chain_head(f->s, &seq, head2), 0);
        assert_int_equal(seq, 3);
        assert_string_equal(head, head2);
        assert_int_equal(store_get_finding(f->s, "r", &g), 0);
        assert_int_equal(g.status, MAMORI_FAIL);
        assert_int_equal(g.since_usec, 50);
        store_finding_clear(&g);

        assert_int_equal(store_append_event(f->s, 4, "k", "s", "t", &e), 0);
        assert_int_equal(e.seq, 4);
        assert_string_equal(e.prev_hash, head);
        store_event_clear(&e);
        assert_int_equal(store_verify_events(f->s, NULL, NULL), 0);
        assert_int_equal(query_int(f, "PRAGMA user_version"), 2);
}

static void test_two_connections(void **state) {
        Fixture *f = *state;
        Store *other = NULL;
        StoreEvent *list = NULL;
        size_t n = 0;

        /* A second handle (mamorictl-style) sees the agent's commits and
         * may itself append: the chain stays one chain. */
        assert_int_equal(store_open(f->dir, &other), 0);
        for (unsigned i = 0; i < 6; i++)
                assert_int_equal(store_append_event(i % 2 ? other : f->s, i, "k", "s", "t", NULL), 0);
        assert_int_equal(store_list_events(other, 0, 0, &list, &n), 0);
        assert_int_equal(n, 6);
        for (size_t i = 1; i < n; i++)
                assert_string_equal(list[i].prev_hash, list[i - 1].hash);
        store_events_free(list, n);
        assert_int_equal(store_verify_events(other, NULL, NULL), 0);
        store_close(other);
}

static void test_open_garbage(void **state) {
        Fixture *f = *state;
        char path[128], junk[4096];
        Store *s = NULL;
        int fd;

        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (char) ("not a database "[i % 15]);
        db_path(f, path, sizeof(path));
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t) sizeof(junk));
        close(fd);

        assert_int_equal(store_open(f->dir, &s), -EBADMSG);
        assert_null(s);
}

static void test_open_newer_schema(void **state) {
        Fixture *f = *state;
        Store *s = NULL;

        assert_int_equal(store_open(f->dir, &s), 0);
        store_close(s);
        tamper(f, "PRAGMA user_version = 99");
        s = NULL;
        assert_int_equal(store_open(f->dir, &s), -EPROTONOSUPPORT);
        assert_null(s);
}

static void test_open_missing_dir(void **state) {
        Fixture *f = *state;
        char dir[128];
        Store *s = NULL;

        snprintf(dir, sizeof(dir), "%s/does-not-exist", f->dir);
        assert_int_equal(store_open(dir, &s), -ENOENT);
        assert_null(s);
}

static void test_open_symlink(void **state) {
        Fixture *f = *state;
        char path[128], target[128];
        struct stat st;
        Store *s = NULL;
        int r;

        /* A planted symlink must not make the agent write somewhere else. */
        snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
        db_path(f, path, sizeof(path));
        assert_int_equal(symlink(target, path), 0);
        r = store_open(f->dir, &s);
        assert_int_equal(r, -ELOOP);
        assert_null(s);
        assert_int_equal(stat(target, &st), -1);
        assert_int_equal(errno, ENOENT);
}

typedef struct Ack {
        uint64_t seq;
        char hash[SHA256_HEX_SIZE];
} Ack;

_Static_assert(sizeof(Ack) <= PIPE_BUF, "an Ack must be one atomic pipe write");

static uint64_t now_mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* The child appends until killed and reports each acknowledged event. */
_Noreturn static void durability_child(const char *dir, int fd) {
        Store *s = NULL;
        uint64_t end = now_mono_usec() + 20 * USEC_PER_SEC; /* in case nobody kills us */

        if (store_open(dir, &s) < 0)
                _exit(2);
        while (now_mono_usec() < end) {
                StoreEvent e = {};
                Ack a = {};

                if (store_append_event(s, now_realtime_usec(), "test.crash", "child",
                                       "appended until SIGKILL", &e) < 0)
                        _exit(3);
                a.seq = e.seq;
                memcpy(a.hash, e.hash, SHA256_HEX_SIZE);
                store_event_clear(&e);
                if (write(fd, &a, sizeof(a)) != (ssize_t) sizeof(a))
                        _exit(4);
        }
        _exit(5);
}

static void test_durability_sigkill(void **state) {
        Fixture *f = *state;

        for (unsigned round = 0; round < 3; round++) {
                Ack *acks = NULL;
                size_t n_acks = 0, alloc = 0, have = 0;
                char buf[sizeof(Ack) * 64];
                StoreEvent *list = NULL;
                size_t n = 0;
                uint64_t deadline, head_seq;
                char head[SHA256_HEX_SIZE];
                int fds[2], status;
                pid_t pid;

                assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
                pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        close(fds[0]);
                        durability_child(f->dir, fds[1]);
                }
                close(fds[1]);

                /* Drain while the child runs, so that a full pipe never
                 * slows it down; kill it after ~200 ms, then read to EOF. */
                deadline = now_mono_usec() + 200 * USEC_PER_MSEC;
                for (bool killed = false;;) {
                        struct pollfd p = { .fd = fds[0], .events = POLLIN };
                        uint64_t now = now_mono_usec();
                        ssize_t k;

                        if (!killed && now >= deadline) {
                                assert_int_equal(kill(pid, SIGKILL), 0);
                                killed = true;
                        }
                        if (!killed &&
                            poll(&p, 1, (int) ((deadline - now) / USEC_PER_MSEC) + 1) <= 0)
                                continue;
                        k = read(fds[0], buf + have, sizeof(buf) - have);
                        if (k < 0 && errno == EINTR)
                                continue;
                        assert_true(k >= 0);
                        if (k == 0)
                                break;
                        have += (size_t) k;
                        while (have >= sizeof(Ack)) {
                                if (n_acks == alloc) {
                                        alloc = alloc ? alloc * 2 : 256;
                                        acks = realloc(acks, alloc * sizeof(Ack));
                                        assert_non_null(acks);
                                }
                                memcpy(&acks[n_acks++], buf, sizeof(Ack));
                                memmove(buf, buf + sizeof(Ack), have - sizeof(Ack));
                                have -= sizeof(Ack);
                        }
                }
                close(fds[0]);
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
                assert_true(n_acks > 0);

                /* Every acknowledged event is there, with its hash, and at
                 * most the one being committed when the signal hit is more. */
                assert_int_equal(store_open(f->dir, &f->s), 0);
                assert_int_equal(store_list_events(f->s, 0, 0, &list, &n), 0);
                for (size_t i = 0; i < n_acks; i++) {
                        assert_true(acks[i].seq >= 1 && acks[i].seq <= n);
                        assert_int_equal(list[acks[i].seq - 1].seq, acks[i].seq);
                        assert_string_equal(list[acks[i].seq - 1].hash, acks[i].hash);
                }
                assert_true(n >= acks[n_acks - 1].seq && n <= acks[n_acks - 1].seq + 1);
                assert_int_equal(store_chain_head(f->s, &head_seq, head), 0);
                assert_int_equal(head_seq, n);
                assert_int_equal(store_verify_events(f->s, NULL, NULL), 0);
                print_message("# round %u: %zu events acknowledged before SIGKILL, %zu in the log\n",
                              round + 1, n_acks, n);
                store_events_free(list, n);
                free(acks);
                f->s = store_close(f->s);
        }
}

/* Not an assertion: how fast synchronous=FULL appends go on this disk. */
static void test_append_rate(void **state) {
        Fixture *f = *state;
        unsigned n = 0;
        uint64_t start = now_mono_usec(), elapsed;

        do {
                assert_int_equal(store_append_event(f->s, n, "bench", "s", "t", NULL), 0);
                n++;
                elapsed = now_mono_usec() - start;
        } while (elapsed < 500 * USEC_PER_MSEC);
        print_message("# append: %u events in %" PRIu64 " ms, %.0f events/s (synchronous=FULL, %s)\n",
                      n, elapsed / USEC_PER_MSEC, n * 1e6 / (double) elapsed, f->dir);
}

static void test_plugin_state(void **state) {
        Fixture *f = *state;
        void *v = NULL;
        size_t n = 0;

        assert_int_equal(store_state_get(f->s, "software", "approved", &v, &n), -ENOENT);
        assert_int_equal(store_state_put(f->s, "software", "approved", "a\0b", 3, 10), 0);
        assert_int_equal(store_state_get(f->s, "software", "approved", &v, &n), 0);
        assert_int_equal(n, 3);
        assert_memory_equal(v, "a\0b", 4); /* and the spare NUL */
        free(v);
        /* replaced whole; other plugins' keys are separate */
        assert_int_equal(store_state_put(f->s, "software", "approved", "xy", 2, 11), 0);
        assert_int_equal(store_state_put(f->s, "integrity", "approved", "", 0, 11), 0);
        assert_int_equal(store_state_get(f->s, "software", "approved", &v, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(v, "xy");
        free(v);
        assert_int_equal(store_state_get(f->s, "integrity", "approved", &v, &n), 0);
        assert_int_equal(n, 0);
        free(v);
        assert_int_equal(store_state_put(f->s, NULL, "k", "", 0, 1), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_creates_schema, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_hash_hand_computed, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_append_list, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_append_arguments, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_verify_intact, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_edited_text, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_edited_time, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_deleted_middle, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_deleted_first, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_deleted_last, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_deleted_head, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_swapped_hash, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_rehashed_edit, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_rehashed_last, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_appended_behind, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_head_behind, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_edited_prev_hash, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_verify_seq_zero, setup_chain5, teardown),
                cmocka_unit_test_setup_teardown(test_findings, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_prune, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_reopen, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_plugin_state, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_two_connections, setup_open, teardown),
                cmocka_unit_test_setup_teardown(test_open_garbage, setup_dir, teardown),
                cmocka_unit_test_setup_teardown(test_open_newer_schema, setup_dir, teardown),
                cmocka_unit_test_setup_teardown(test_open_missing_dir, setup_dir, teardown),
                cmocka_unit_test_setup_teardown(test_open_symlink, setup_dir, teardown),
                cmocka_unit_test_setup_teardown(test_durability_sigkill, setup_dir, teardown),
                cmocka_unit_test_setup_teardown(test_append_rate, setup_open, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
