/* SPDX-License-Identifier: GPL-2.0-or-later */
/* integrity.no-drift on temporary trees: the first run records the
 * baseline, then every attribute's change is reported in words, exclusions
 * hold, the administrator's accept and status actions work, a damaged
 * stored baseline is an error, and dpkg-owned files changed by an upgrade
 * are told apart from tampering. Hashes in expected strings were computed
 * with sha256sum/md5sum over the same bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fake-host.h"
#include "../../plugins/integrity/integrity.h"

extern const struct mamori_plugin mamori_plugin;

/* sha256 and md5 of the fixture contents. */
#define SHA_ALPHA "b6a98d9ce9a2"        /* "alpha\n" */
#define SHA_BETA "f2c82decdd71"         /* "beta\n" */
#define SHA_V1 "65f70e1fddfb"           /* "shipped v1\n" */
#define SHA_V2 "2f942a26c6fe"           /* "shipped v2\n" */
#define SHA_EDIT "c217e2622e47"         /* "local edit\n" */
#define MD5_V1 "a80547980fa33c860af31d185277b4cf"
#define MD5_V2 "d151decd29a98bcddf2b970400f98456"
#define ELLIPSIS "\xe2\x80\xa6"

typedef struct Env {
        char root[64];
        FakeHost fh;
        FakeRule fr;
} Env;

static void path_at(const Env *e, const char *rel, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s", e->root, rel);
}

static void put(const Env *e, const char *rel, const char *content) {
        char p[512];
        FILE *f;

        path_at(e, rel, p, sizeof p);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

static void mk(const Env *e, const char *rel) {
        char p[512];

        path_at(e, rel, p, sizeof p);
        assert_int_equal(mkdir(p, 0755), 0);
}

static void rm_path(const Env *e, const char *rel) {
        char p[512];

        path_at(e, rel, p, sizeof p);
        assert_int_equal(remove(p), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int env_setup(void **state) {
        Env *e = calloc(1, sizeof *e);

        assert_non_null(e);
        umask(022);
        snprintf(e->root, sizeof e->root, "/tmp/test-integrity-XXXXXX");
        assert_non_null(mkdtemp(e->root));
        mk(e, "etc");
        mk(e, "etc/app");
        put(e, "etc/app/a", "alpha\n");
        put(e, "etc/app/b", "beta\n");
        mk(e, "etc/app/sub");
        put(e, "etc/app/sub/c", "alpha\n");
        assert_int_equal(fake_host_init(&e->fh, e->root, &mamori_plugin), 0);
        fake_rule(&e->fr, IG_CHECK);
        *state = e;
        return 0;
}

static int env_teardown(void **state) {
        Env *e = *state;

        fake_host_done(&e->fh);
        nftw(e->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(e);
        return 0;
}

static void rule_paths(Env *e) {
        fake_rule_param(&e->fr, "paths", "/etc/app", NULL);
}

/* The only finding with this subject. */
static const FakeFinding *finding(const Env *e, const char *subject) {
        const FakeFinding *found = NULL;

        for (size_t i = 0; i < e->fh.n_findings; i++)
                if (e->fh.findings[i].subject && strcmp(e->fh.findings[i].subject, subject) == 0) {
                        assert_null(found);
                        found = &e->fh.findings[i];
                }
        return found;
}

static const FakeEvent *event(const Env *e, const char *kind) {
        for (size_t i = 0; i < e->fh.n_events; i++)
                if (strcmp(e->fh.events[i].kind, kind) == 0)
                        return &e->fh.events[i];
        return NULL;
}

static void evaluate_ok(Env *e) {
        assert_int_equal(fake_host_evaluate(&e->fh, &e->fr.rule), 0);
}

/* Baseline first, then the next evaluation must be clean. */
static void baseline(Env *e) {
        evaluate_ok(e);
        assert_non_null(event(e, "integrity.baseline"));
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);
}

/* The plugin as after a restart: a new instance on the same stored state. */
static void restart(Env *e) {
        mamori_plugin.free(e->fh.state);
        e->fh.state = NULL;
        assert_int_equal(mamori_plugin.init((struct mamori_host *) (void *) &e->fh, &e->fh.api,
                                            &e->fh.state), 0);
}

static void expect_fail(const Env *e, const char *subject, const char *evidence) {
        const FakeFinding *f = finding(e, subject);

        if (!f) {
                for (size_t i = 0; i < e->fh.n_findings; i++)
                        print_message("  finding %d %s: %s\n", e->fh.findings[i].status,
                                e->fh.findings[i].subject ? e->fh.findings[i].subject : "-",
                                e->fh.findings[i].evidence);
                fail_msg("no finding for %s", subject);
        }
        assert_int_equal(f->status, MAMORI_FAIL);
        if (strcmp(f->evidence, evidence) != 0)
                fail_msg("%s:\n got  \"%s\"\n want \"%s\"", subject, f->evidence, evidence);
}

/* ---- first run and restarts ---------------------------------------------------------- */

static void test_first_run(void **state) {
        Env *e = *state;
        const FakeEvent *ev;

        rule_paths(e);
        evaluate_ok(e);
        assert_int_equal(e->fh.n_findings, 1);
        assert_int_equal(e->fh.findings[0].status, MAMORI_PASS);
        assert_string_equal(e->fh.findings[0].evidence,
                            "no baseline yet: recorded 5 paths as the accepted baseline");
        ev = event(e, "integrity.baseline");
        assert_non_null(ev);
        assert_string_equal(ev->subject, "test.rule");
        assert_string_equal(ev->text, "no baseline yet for test.rule: recorded 5 paths");
        assert_int_equal(e->fh.n_kv, 1);
        assert_string_equal(e->fh.kv[0].key, "baseline:test.rule");

        evaluate_ok(e);
        assert_int_equal(e->fh.n_findings, 1);
        assert_int_equal(e->fh.findings[0].status, MAMORI_PASS);
        assert_non_null(strstr(e->fh.findings[0].evidence, "no drift in 5 paths since the baseline of "));
        assert_null(event(e, "integrity.baseline"));

        /* After a restart the stored baseline is read back, not recorded again. */
        restart(e);
        put(e, "etc/app/b", "alpha\n");
        evaluate_ok(e);
        assert_null(event(e, "integrity.baseline"));
        expect_fail(e, "/etc/app/b", "content changed (sha256 " SHA_BETA ELLIPSIS " -> " SHA_ALPHA
                    ELLIPSIS "), size 5 -> 6");
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_PASS), 0);
}

/* ---- each attribute ------------------------------------------------------------------ */

static void test_content(void **state) {
        Env *e = *state;

        rule_paths(e);
        baseline(e);
        put(e, "etc/app/a", "beta\n");
        put(e, "etc/app/sub/c", "beta\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 2);
        expect_fail(e, "/etc/app/a", "content changed (sha256 " SHA_ALPHA ELLIPSIS " -> " SHA_BETA
                    ELLIPSIS "), size 6 -> 5");
        expect_fail(e, "/etc/app/sub/c", "content changed (sha256 " SHA_ALPHA ELLIPSIS " -> " SHA_BETA
                    ELLIPSIS "), size 6 -> 5");

        /* Same size, other bytes: the hash alone sees it. */
        put(e, "etc/app/a", "alpha\n");
        put(e, "etc/app/b", "gamma\n");
        put(e, "etc/app/b", "bbbb\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 2);
        assert_null(finding(e, "/etc/app/a"));
        assert_non_null(strstr(finding(e, "/etc/app/b")->evidence, "content changed (sha256 " SHA_BETA));
        assert_null(strstr(finding(e, "/etc/app/b")->evidence, "size"));
}

static void test_mode(void **state) {
        Env *e = *state;
        char p[512];

        rule_paths(e);
        path_at(e, "etc/app/a", p, sizeof p);
        assert_int_equal(chmod(p, 0644), 0);
        baseline(e);
        assert_int_equal(chmod(p, 04750), 0);
        path_at(e, "etc/app/sub", p, sizeof p);
        assert_int_equal(chmod(p, 0700), 0);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 2);
        expect_fail(e, "/etc/app/a", "mode 0644 -> 4750");
        expect_fail(e, "/etc/app/sub", "mode 0755 -> 0700");
}

static void test_owner(void **state) {
        Env *e = *state;
        char p[512];

        if (geteuid() != 0)
                skip();
        rule_paths(e);
        path_at(e, "etc/app/a", p, sizeof p);
        assert_int_equal(chown(p, 0, 0), 0);
        baseline(e);
        assert_int_equal(chown(p, 1000, 1001), 0);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        expect_fail(e, "/etc/app/a", "owner 0:0 -> 1000:1001");
}

static void test_size_only(void **state) {
        Env *e = *state;

        rule_paths(e);
        fake_rule_param(&e->fr, "attributes", "size", NULL);
        baseline(e);
        put(e, "etc/app/a", "gamma\n");         /* same size: not looked at */
        put(e, "etc/app/b", "beta beta\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        expect_fail(e, "/etc/app/b", "size 5 -> 10");
}

static void set_mtime(const Env *e, const char *rel, time_t t) {
        struct timespec ts[2] = { { t, 0 }, { t, 0 } };
        char p[512];

        path_at(e, rel, p, sizeof p);
        assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void test_mtime(void **state) {
        Env *e = *state;

        set_mtime(e, "etc/app/a", 1577836800);  /* 2020-01-01T00:00:00Z */
        rule_paths(e);
        baseline(e);
        set_mtime(e, "etc/app/a", 1577923200);
        evaluate_ok(e);
        /* Not among the default attributes. */
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);

        fake_rule(&e->fr, IG_CHECK);
        rule_paths(e);
        fake_rule_param(&e->fr, "attributes", "mtime", "content", NULL);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        expect_fail(e, "/etc/app/a", "mtime 2020-01-01T00:00:00Z -> 2020-01-02T00:00:00Z");
}

static ino_t inode_of(const Env *e, const char *rel) {
        struct stat st;
        char p[512];

        path_at(e, rel, p, sizeof p);
        assert_int_equal(lstat(p, &st), 0);
        return st.st_ino;
}

static void replace_by_rename(const Env *e, const char *rel, const char *content) {
        char from[512], to[512];

        put(e, "etc/app/.tmp", content);
        path_at(e, "etc/app/.tmp", from, sizeof from);
        path_at(e, rel, to, sizeof to);
        assert_int_equal(rename(from, to), 0);
}

static void test_inode(void **state) {
        Env *e = *state;
        char want[128];
        ino_t before, after;

        rule_paths(e);
        baseline(e);
        before = inode_of(e, "etc/app/a");
        replace_by_rename(e, "etc/app/a", "alpha\n");
        after = inode_of(e, "etc/app/a");
        assert_true(before != after);
        /* Same bytes, new inode: not drift by default. */
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);

        fake_rule(&e->fr, IG_CHECK);
        rule_paths(e);
        fake_rule_param(&e->fr, "attributes", "inode", NULL);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        snprintf(want, sizeof want, "inode %llu -> %llu (replaced)", (unsigned long long) before,
                 (unsigned long long) after);
        expect_fail(e, "/etc/app/a", want);
}

static void test_link(void **state) {
        Env *e = *state;
        char p[512];

        path_at(e, "etc/app/l", p, sizeof p);
        assert_int_equal(symlink("a", p), 0);
        rule_paths(e);
        baseline(e);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(symlink("/etc/shadow", p), 0);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        expect_fail(e, "/etc/app/l", "link target \"a\" -> \"/etc/shadow\"");
}

static void test_xattrs(void **state) {
        static const char l1[] = "system_u:object_r:etc_t:s0", l2[] = "system_u:object_r:shadow_t:s0";
        Env *e = *state;
        char p[512];

        path_at(e, "etc/app/a", p, sizeof p);
        /* security.* needs CAP_SYS_ADMIN and a file system that keeps it. */
        if (lsetxattr(p, "security.selinux", l1, sizeof l1, 0) < 0)
                skip();
        rule_paths(e);
        baseline(e);
        assert_int_equal(lsetxattr(p, "security.selinux", l2, sizeof l2, 0), 0);
        /* Outside the security namespaces: not recorded. */
        (void) lsetxattr(p, "user.comment", "x", 1, 0);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        expect_fail(e, "/etc/app/a", "security.selinux \"system_u:object_r:etc_t:s0\" -> "
                                     "\"system_u:object_r:shadow_t:s0\"");

        assert_int_equal(lremovexattr(p, "security.selinux"), 0);
        evaluate_ok(e);
        expect_fail(e, "/etc/app/a", "security.selinux removed");

        path_at(e, "etc/app/b", p, sizeof p);
        assert_int_equal(lsetxattr(p, "security.ima", "\x03\x02\x00\x01", 4, 0), 0);
        evaluate_ok(e);
        expect_fail(e, "/etc/app/b", "security.ima set");
        assert_int_equal(lsetxattr(p, "security.ima", "\x03\x02\x00\x02", 4, 0), 0);
        assert_int_equal(fake_host_action(&e->fh, "accept", (const char *const[]) { "/etc/app/b", NULL }), 0);
        assert_int_equal(lsetxattr(p, "security.ima", "\x03\x02\x00\x03", 4, 0), 0);
        evaluate_ok(e);
        expect_fail(e, "/etc/app/b", "security.ima changed");     /* binary: not shown */
}

static void test_added_removed_type(void **state) {
        Env *e = *state;
        char p[512];

        rule_paths(e);
        baseline(e);
        put(e, "etc/app/new", "alpha\n");
        rm_path(e, "etc/app/b");
        rm_path(e, "etc/app/sub/c");
        rm_path(e, "etc/app/sub");
        put(e, "etc/app/sub", "alpha\n");
        path_at(e, "etc/app/fifo", p, sizeof p);
        assert_int_equal(mkfifo(p, 0600), 0);   /* recorded, never opened */
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 5);
        expect_fail(e, "/etc/app/new", "added (file, 6 bytes, mode 0644, owner 0:0, sha256 " SHA_ALPHA
                    ELLIPSIS ")");
        expect_fail(e, "/etc/app/b", "removed (was file, 5 bytes, mode 0644, owner 0:0, sha256 " SHA_BETA
                    ELLIPSIS ")");
        expect_fail(e, "/etc/app/sub/c", "removed (was file, 6 bytes, mode 0644, owner 0:0, sha256 "
                    SHA_ALPHA ELLIPSIS ")");
        expect_fail(e, "/etc/app/sub", "type changed (directory -> file, 6 bytes, mode 0644, owner 0:0, "
                    "sha256 " SHA_ALPHA ELLIPSIS ")");
        expect_fail(e, "/etc/app/fifo", "added (fifo, mode 0600, owner 0:0)");
}

static void test_default_ignores_touch(void **state) {
        Env *e = *state;

        rule_paths(e);
        baseline(e);
        set_mtime(e, "etc/app/a", 1000000000);
        replace_by_rename(e, "etc/app/b", "beta\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_PASS), 1);
}

/* ---- exclusions and recursion --------------------------------------------------------- */

static void test_exclude(void **state) {
        Env *e = *state;

        mk(e, "etc/app/cache");
        put(e, "etc/app/cache/x", "alpha\n");
        put(e, "etc/app/a.dpkg-new", "alpha\n");
        rule_paths(e);
        fake_rule_param(&e->fr, "exclude", "*.dpkg-new", "/etc/app/cache", "/etc/app/**/*~", NULL);
        evaluate_ok(e);
        /* app, a, b, sub, sub/c: not the cache or the .dpkg-new */
        assert_string_equal(e->fh.findings[0].evidence,
                            "no baseline yet: recorded 5 paths as the accepted baseline");
        put(e, "etc/app/cache/x", "beta\n");
        put(e, "etc/app/cache/y", "beta\n");
        put(e, "etc/app/b.dpkg-new", "beta\n");
        put(e, "etc/app/sub/c~", "beta\n");
        put(e, "etc/app/a~", "beta\n");
        put(e, "etc/app/sub/d", "beta\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        assert_non_null(finding(e, "/etc/app/sub/d"));
}

static void test_not_recursive(void **state) {
        Env *e = *state;

        rule_paths(e);
        fake_rule_param(&e->fr, "recursive", "false", NULL);
        evaluate_ok(e);
        assert_string_equal(e->fh.findings[0].evidence,
                            "no baseline yet: recorded 4 paths as the accepted baseline");
        put(e, "etc/app/sub/c", "beta\n");      /* below: not watched */
        put(e, "etc/app/sub/d", "beta\n");
        put(e, "etc/app/d", "beta\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        assert_non_null(finding(e, "/etc/app/d"));
}

static void test_missing_path(void **state) {
        Env *e = *state;

        fake_rule_param(&e->fr, "paths", "/etc/app/a", "/etc/absent", NULL);
        evaluate_ok(e);
        assert_string_equal(e->fh.findings[0].evidence,
                            "no baseline yet: recorded 1 path as the accepted baseline");
        mk(e, "etc/absent");
        evaluate_ok(e);
        expect_fail(e, "/etc/absent", "added (directory, mode 0755, owner 0:0)");
}

/* ---- incremental rescans --------------------------------------------------------------- */

static void test_incremental(void **state) {
        Env *e = *state;
        const char *paths[] = { "/etc/app" };
        ScanOptions o = { .root_fd = e->fh.root_fd, .root = e->root };
        ScanResult first, second, deep;
        WatchSet set;
        Record *r;

        assert_int_equal(watchset_init(&set, paths, 1, NULL, 0, true), 0);
        o.set = &set;
        assert_int_equal(scan_full(&o, &first), 0);
        assert_int_equal(first.records.n, 5);
        assert_int_equal(first.n_hashed, 3);
        r = recordset_find(&first.records, "/etc/app/a");
        assert_non_null(r);
        /* Just written: its stamps cannot prove the next change. */
        assert_true(r->flags & REC_RACY);
        /* Pretend it was recorded long ago with other bytes: a rescan that
         * trusts unchanged stamps keeps the recorded hash, a deep one does not. */
        for (size_t i = 0; i < first.records.n; i++)
                first.records.items[i].flags &= (uint8_t) ~REC_RACY;
        memset(r->sha256, 0, sizeof r->sha256);

        o.prev = &first.records;
        assert_int_equal(scan_full(&o, &second), 0);
        assert_int_equal(second.n_hashed, 0);
        r = recordset_find(&second.records, "/etc/app/a");
        assert_true(r->sha256[0] == 0 && r->sha256[31] == 0);

        o.rehash = true;
        assert_int_equal(scan_full(&o, &deep), 0);
        assert_int_equal(deep.n_hashed, 3);
        r = recordset_find(&deep.records, "/etc/app/a");
        assert_int_equal(r->sha256[0], 0xb6);   /* sha256("alpha\n") starts b6a98d... */
        assert_int_equal(r->sha256[1], 0xa9);

        scan_result_done(&first);
        scan_result_done(&second);
        scan_result_done(&deep);

        /* The deep param: the scheduled scan re-hashes everything. */
        rule_paths(e);
        fake_rule_param(&e->fr, "deep", "true", NULL);
        baseline(e);
        watchset_done(&set);
}

static void test_io_rate(void **state) {
        Env *e = *state;
        char p[512], *big;
        uint64_t start;
        FILE *f;

        big = malloc(3 * 512 * 1024);
        assert_non_null(big);
        memset(big, 'x', 3 * 512 * 1024);
        path_at(e, "etc/app/big", p, sizeof p);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(big, 1, 3 * 512 * 1024, f), 3 * 512 * 1024);
        fclose(f);
        free(big);

        rule_paths(e);
        fake_rule_param(&e->fr, "io-rate", "1", NULL);
        start = clock_usec(CLOCK_MONOTONIC);
        evaluate_ok(e);
        /* 1.5 MiB at 1 MiB/s. */
        assert_true(clock_usec(CLOCK_MONOTONIC) - start >= 1300000);
}

/* ---- the administrator's actions -------------------------------------------------------- */

static const char *output_line(const Env *e, const char *needle) {
        for (size_t i = 0; i < e->fh.n_output; i++)
                if (strstr(e->fh.output[i], needle))
                        return e->fh.output[i];
        return NULL;
}

static void test_accept(void **state) {
        Env *e = *state;
        const FakeEvent *ev;
        unsigned before;

        rule_paths(e);
        baseline(e);
        put(e, "etc/app/a", "beta\n");
        put(e, "etc/app/sub/c", "beta\n");
        put(e, "etc/app/sub/d", "beta\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 3);

        /* One path. */
        before = e->fh.evaluations_requested;
        assert_int_equal(fake_host_action(&e->fh, "accept", (const char *const[]) { "/etc/app/a", NULL }), 0);
        assert_string_equal(e->fh.output[0], "test.rule: accepted 1 changed path; the baseline now holds 5 paths");
        ev = event(e, "integrity.accepted");
        assert_non_null(ev);
        assert_string_equal(ev->text, "accepted for test.rule: /etc/app/a (content, size)");
        assert_true(e->fh.evaluations_requested > before);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 2);
        assert_null(finding(e, "/etc/app/a"));

        /* A directory takes its subtree. */
        assert_int_equal(fake_host_action(&e->fh, "accept", (const char *const[]) { "/etc/app/sub/", NULL }), 0);
        ev = event(e, "integrity.accepted");
        assert_string_equal(ev->text, "accepted for test.rule: /etc/app/sub/c (content, size); /etc/app/sub/d (added)");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);

        /* Not watched, or not a path: refused, nothing changed. */
        assert_int_equal(fake_host_action(&e->fh, "accept", (const char *const[]) { "/etc/app/a", "/usr", NULL }),
                         -ENOENT);
        assert_string_equal(e->fh.output[0], "/usr: not watched by any integrity rule");
        assert_true(fake_host_action(&e->fh, "accept", (const char *const[]) { "etc", NULL }) < 0);
        assert_null(event(e, "integrity.accepted"));

        /* Everything. */
        rm_path(e, "etc/app/b");
        assert_int_equal(fake_host_action(&e->fh, "accept", NULL), 0);
        assert_string_equal(e->fh.output[0], "test.rule: accepted 1 changed path; the baseline now holds 5 paths");
        assert_string_equal(event(e, "integrity.accepted")->text, "accepted for test.rule: /etc/app/b (removed)");
        restart(e);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);
}

static void test_status(void **state) {
        Env *e = *state;

        assert_int_equal(fake_host_action(&e->fh, "status", NULL), 0);
        assert_string_equal(e->fh.output[0], "no integrity rules in force");

        rule_paths(e);
        evaluate_ok(e);
        assert_int_equal(fake_host_action(&e->fh, "status", NULL), 0);
        assert_int_equal(e->fh.n_output, 1);
        assert_non_null(strstr(e->fh.output[0], "test.rule: no drift in 5 paths (baseline of "));

        put(e, "etc/app/a", "beta\n");
        assert_int_equal(fake_host_action(&e->fh, "status", NULL), 0);
        assert_string_equal(e->fh.output[0], "test.rule: /etc/app/a: content changed (sha256 " SHA_ALPHA
                            ELLIPSIS " -> " SHA_BETA ELLIPSIS "), size 6 -> 5");
        assert_non_null(output_line(e, "test.rule: 1 path differs from the baseline of "));
        assert_int_equal(fake_host_action(&e->fh, "status", (const char *const[]) { "x", NULL }), -EINVAL);
        assert_int_equal(fake_host_action(&e->fh, "frobnicate", NULL), -EOPNOTSUPP);
}

/* ---- the stored baseline ---------------------------------------------------------------- */

static void test_corrupt_baseline(void **state) {
        Env *e = *state;

        rule_paths(e);
        baseline(e);
        ((uint8_t *) e->fh.kv[0].data)[e->fh.kv[0].size / 2] ^= 1;
        restart(e);
        evaluate_ok(e);
        assert_int_equal(e->fh.n_findings, 1);
        assert_int_equal(e->fh.findings[0].status, MAMORI_ERROR);
        assert_string_equal(e->fh.findings[0].evidence,
                            "the stored baseline of test.rule cannot be read (Bad message): "
                            "\"mamorictl integrity accept\" records a new one");
        /* Not silently replaced: still an error on the next run. */
        evaluate_ok(e);
        assert_int_equal(e->fh.findings[0].status, MAMORI_ERROR);

        assert_int_equal(fake_host_action(&e->fh, "accept", (const char *const[]) { "/etc/app/a", NULL }),
                         -EBADMSG);
        assert_int_equal(fake_host_action(&e->fh, "accept", NULL), 0);
        assert_string_equal(e->fh.output[0], "test.rule: recorded a new baseline of 5 paths");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_ERROR), 0);
}

static void test_watch_list_change(void **state) {
        Env *e = *state;
        const FakeEvent *ev;

        mk(e, "etc/other");
        put(e, "etc/other/x", "alpha\n");
        rule_paths(e);
        baseline(e);

        fake_rule(&e->fr, IG_CHECK);
        fake_rule_param(&e->fr, "paths", "/etc/app/sub", "/etc/other", NULL);
        put(e, "etc/app/sub/c", "beta\n");      /* drift in a path still watched */
        evaluate_ok(e);
        ev = event(e, "integrity.baseline");
        assert_non_null(ev);
        assert_string_equal(ev->text, "watch list of test.rule changed: 2 paths now watched joined the "
                                      "baseline as they are, 3 no longer watched left it");
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        assert_non_null(finding(e, "/etc/app/sub/c"));
}

/* ---- dpkg ------------------------------------------------------------------------------ */

static void dpkg_status(const Env *e, const char *foo_version, const char *conf_md5) {
        char buf[1024];

        snprintf(buf, sizeof buf,
                 "Package: foo\n"
                 "Status: install ok installed\n"
                 "Architecture: amd64\n"
                 "Version: %s\n"
                 "Conffiles:\n"
                 " /etc/app/foo.conf %s\n"
                 "Description: test\n"
                 "\n"
                 "Package: bar\n"
                 "Status: install ok installed\n"
                 "Version: 2.0\n",
                 foo_version, conf_md5);
        put(e, "var/lib/dpkg/status", buf);
}

static void dpkg_setup(Env *e) {
        mk(e, "var");
        mk(e, "var/lib");
        mk(e, "var/lib/dpkg");
        mk(e, "var/lib/dpkg/info");
        mk(e, "etc/app/foo.d");
        put(e, "etc/app/foo.conf", "shipped v1\n");
        put(e, "etc/app/foo.d/x.conf", "shipped v1\n");
        put(e, "etc/app/foo.d/gone.conf", "shipped v1\n");
        put(e, "etc/app/bar.conf", "shipped v1\n");
        dpkg_status(e, "1.0-1", MD5_V1);
        put(e, "var/lib/dpkg/info/foo.list",
            "/.\n/etc\n/etc/app\n/etc/app/foo.conf\n/etc/app/foo.d\n/etc/app/foo.d/x.conf\n"
            "/etc/app/foo.d/gone.conf\n");
        put(e, "var/lib/dpkg/info/foo.md5sums",
            MD5_V1 "  etc/app/foo.d/x.conf\n" MD5_V1 "  etc/app/foo.d/gone.conf\n");
        put(e, "var/lib/dpkg/info/bar.list", "/etc/app/bar.conf\n");
        put(e, "var/lib/dpkg/info/bar.md5sums", MD5_V1 "  etc/app/bar.conf\n");
}

/* foo 1.0-1 -> 1.1-1: new conffile and file contents, a file dropped, one added. */
static void dpkg_upgrade_foo(Env *e) {
        put(e, "etc/app/foo.conf", "shipped v2\n");
        put(e, "etc/app/foo.d/x.conf", "shipped v2\n");
        put(e, "etc/app/foo.d/new.conf", "shipped v2\n");
        rm_path(e, "etc/app/foo.d/gone.conf");
        dpkg_status(e, "1.1-1", MD5_V2);
        put(e, "var/lib/dpkg/info/foo.list",
            "/.\n/etc\n/etc/app\n/etc/app/foo.conf\n/etc/app/foo.d\n/etc/app/foo.d/x.conf\n"
            "/etc/app/foo.d/new.conf\n");
        put(e, "var/lib/dpkg/info/foo.md5sums",
            MD5_V2 "  etc/app/foo.d/x.conf\n" MD5_V2 "  etc/app/foo.d/new.conf\n");
}

static const FakeFinding *expect_status(const Env *e, const char *subject, mamori_status s,
                                        const char *evidence) {
        const FakeFinding *f = finding(e, subject);

        if (!f)
                fail_msg("no finding for %s", subject);
        if (f->status != s || strcmp(f->evidence, evidence) != 0)
                fail_msg("%s: got %d \"%s\"\n want %d \"%s\"", subject, f->status, f->evidence, s, evidence);
        return f;
}

static void test_package_upgrade(void **state) {
        Env *e = *state;

        dpkg_setup(e);
        rule_paths(e);
        baseline(e);

        dpkg_upgrade_foo(e);
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);
        expect_status(e, "/etc/app/foo.conf", MAMORI_PASS,
                      "content changed (sha256 " SHA_V1 ELLIPSIS " -> " SHA_V2 ELLIPSIS
                      "): changed by package foo upgrade to version 1.1-1");
        expect_status(e, "/etc/app/foo.d/x.conf", MAMORI_PASS,
                      "content changed (sha256 " SHA_V1 ELLIPSIS " -> " SHA_V2 ELLIPSIS
                      "): changed by package foo upgrade to version 1.1-1");
        expect_status(e, "/etc/app/foo.d/new.conf", MAMORI_PASS,
                      "added (file, 11 bytes, mode 0644, owner 0:0, sha256 " SHA_V2 ELLIPSIS
                      ", from package foo 1.1-1): added by package foo upgrade to version 1.1-1");
        expect_status(e, "/etc/app/foo.d/gone.conf", MAMORI_PASS,
                      "removed (was file, 11 bytes, mode 0644, owner 0:0, sha256 " SHA_V1 ELLIPSIS
                      ", from package foo 1.0-1): removed by package foo upgrade to version 1.1-1");
        assert_non_null(fake_host_find(&e->fh, "4 changes explained by package upgrades"));

        /* A chmod on top of the upgrade is not the upgrade's doing. */
        {
                char p[512];

                path_at(e, "etc/app/foo.d/x.conf", p, sizeof p);
                assert_int_equal(chmod(p, 0666), 0);
                evaluate_ok(e);
                expect_status(e, "/etc/app/foo.d/x.conf", MAMORI_FAIL,
                              "content changed (sha256 " SHA_V1 ELLIPSIS " -> " SHA_V2 ELLIPSIS
                              "), mode 0644 -> 0666, content from package foo upgrade to version "
                              "1.1-1, the rest not");
        }
}

static void test_package_tampering(void **state) {
        Env *e = *state;

        dpkg_setup(e);
        rule_paths(e);
        baseline(e);

        /* bar was not upgraded; its file differs from baseline and package. */
        put(e, "etc/app/bar.conf", "local edit\n");
        /* foo's conffile edited: differs from the package's conffile MD5. */
        put(e, "etc/app/foo.conf", "local edit\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 2);
        expect_status(e, "/etc/app/bar.conf", MAMORI_FAIL,
                      "content changed (sha256 " SHA_V1 ELLIPSIS " -> " SHA_EDIT ELLIPSIS
                      "), differs from package bar 2.0 too: tampering");
        /* A conffile is the administrator's to edit: not called tampering. */
        expect_status(e, "/etc/app/foo.conf", MAMORI_FAIL,
                      "content changed (sha256 " SHA_V1 ELLIPSIS " -> " SHA_EDIT ELLIPSIS
                      "), configuration file of package foo 1.0-1, edited since the accepted "
                      "baseline and not yet accepted");
}

static void test_package_restored_without_upgrade(void **state) {
        Env *e = *state;

        dpkg_setup(e);
        put(e, "etc/app/bar.conf", "local edit\n");
        rule_paths(e);
        baseline(e);
        /* Back to what bar shipped, but bar did not change. */
        put(e, "etc/app/bar.conf", "shipped v1\n");
        evaluate_ok(e);
        expect_status(e, "/etc/app/bar.conf", MAMORI_FAIL,
                      "content changed (sha256 " SHA_EDIT ELLIPSIS " -> " SHA_V1 ELLIPSIS
                      "), matches package bar 2.0 as shipped, but bar was not upgraded since the baseline");
}

static void test_package_upgrade_with_tampering(void **state) {
        Env *e = *state;

        dpkg_setup(e);
        rule_paths(e);
        baseline(e);
        dpkg_upgrade_foo(e);
        /* Upgraded, but the bytes are neither the baseline's nor the package's. */
        put(e, "etc/app/foo.d/x.conf", "local edit\n");
        evaluate_ok(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        expect_status(e, "/etc/app/foo.d/x.conf", MAMORI_FAIL,
                      "content changed (sha256 " SHA_V1 ELLIPSIS " -> " SHA_EDIT ELLIPSIS
                      "), differs from package foo 1.1-1 too: tampering");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_first_run, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_content, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_mode, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_owner, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_size_only, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_mtime, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_inode, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_link, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_xattrs, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_added_removed_type, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_default_ignores_touch, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_exclude, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_not_recursive, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_missing_path, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_incremental, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_io_rate, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_accept, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_status, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_baseline, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_watch_list_change, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_package_upgrade, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_package_tampering, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_package_restored_without_upgrade, env_setup,
                                                env_teardown),
                cmocka_unit_test_setup_teardown(test_package_upgrade_with_tampering, env_setup,
                                                env_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
