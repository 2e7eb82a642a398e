/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The integrity plugin's pure parts: glob patterns, watch sets, params,
 * the baseline's stored form, dpkg's status file, and how a change is put
 * into words. Expected values are written out by hand here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fake-host.h"
#include "../../plugins/integrity/integrity.h"

extern const struct mamori_plugin mamori_plugin;

/* ---- glob -------------------------------------------------------------------- */

typedef struct GlobCase {
        const char *pattern, *path;
        int expect;
} GlobCase;

static void test_glob_matches(void **state) {
        static const GlobCase cases[] = {
                { "*.conf", "a.conf", 1 },
                { "*.conf", "a/b.conf", 0 },            /* '*' stops at '/' */
                { "*.conf", ".conf", 1 },
                { "*", "", 1 },
                { "?", "a", 1 },
                { "?", "/", 0 },
                { "?", "", 0 },
                { "??", "ab", 1 },
                { "[abc]x", "bx", 1 },
                { "[abc]x", "dx", 0 },
                { "[!abc]x", "bx", 0 },
                { "[^abc]x", "dx", 1 },
                { "[a-c]", "b", 1 },
                { "[a-c]", "d", 0 },
                { "[]]", "]", 1 },
                { "[]a]", "a", 1 },
                { "[!]]", "]", 0 },
                { "[!]]", "x", 1 },
                { "[/]", "/", 0 },                      /* a class never matches '/' */
                { "[!a]", "/", 0 },
                { "[\\]]", "]", 1 },
                { "[a-]", "-", 1 },
                { "/etc/**", "/etc/a/b", 1 },
                { "/etc/**", "/etc/", 1 },
                { "/etc/**", "/etc", 0 },
                { "/etc/**/x", "/etc/x", 1 },           /* zero directories */
                { "/etc/**/x", "/etc/a/x", 1 },
                { "/etc/**/x", "/etc/a/b/x", 1 },
                { "/etc/**/x", "/etc/ax", 0 },
                { "/etc/**/x", "/etc/a/xy", 0 },
                { "**/x", "/a/x", 1 },
                { "**/x", "x", 1 },
                { "**", "any/thing/at/all", 1 },
                { "a**b", "a/c/b", 1 },
                { "a***b", "a/c/b", 1 },
                { "a*b", "a/b", 0 },
                { "/etc/*/x", "/etc/a/x", 1 },
                { "/etc/*/x", "/etc/a/b/x", 0 },
                { "\\*", "*", 1 },
                { "\\*", "a", 0 },
                { "a\\?", "a?", 1 },
                { "a\\?", "ab", 0 },
                { "*.dpkg-*", "sshd_config.dpkg-new", 1 },
                { "*~", "passwd~", 1 },
                { "*~", "passwd", 0 },
                { "x", "x", 1 },
                { "x", "xx", 0 },
                { "", "", -EINVAL },
                { "[abc", "a", -EINVAL },
                { "[z-a]", "b", -EINVAL },
                { "abc\\", "abc", -EINVAL },
                { "[", "[", -EINVAL },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                int r = glob_match_pattern(cases[i].pattern, cases[i].path);

                if (r != cases[i].expect)
                        fail_msg("glob \"%s\" on \"%s\": got %d, want %d", cases[i].pattern,
                                 cases[i].path, r, cases[i].expect);
        }
}

static void test_glob_limits(void **state) {
        char pattern[GLOB_PATTERN_MAX + 2], subject[20001];
        Glob *g = NULL;

        memset(pattern, 'a', sizeof pattern - 1);
        pattern[sizeof pattern - 1] = '\0';
        assert_int_equal(glob_compile(pattern, &g), -E2BIG);
        pattern[GLOB_PATTERN_MAX] = '\0';
        assert_int_equal(glob_compile(pattern, &g), 0);
        g = glob_free(g);

        /* Stars that would make a backtracking matcher take for ever. */
        snprintf(pattern, sizeof pattern, "%s", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
        memset(subject, 'a', sizeof subject - 1);
        subject[sizeof subject - 1] = '\0';
        assert_int_equal(glob_match_pattern(pattern, subject), 0);
        snprintf(pattern, sizeof pattern, "%s", "**a**a**a**a**a**a**a**a**a**a**b");
        assert_int_equal(glob_match_pattern(pattern, subject), 0);
        subject[sizeof subject - 2] = 'b';
        assert_int_equal(glob_match_pattern(pattern, subject), 1);
}

/* ---- paths and watch sets ---------------------------------------------------- */

static void test_paths(void **state) {
        char *p = NULL;

        assert_true(path_compare("/etc/a", "/etc/a/b") < 0);
        assert_true(path_compare("/etc/a/b", "/etc/a-b") < 0);      /* '/' sorts first */
        assert_true(path_compare("/etc/a-b", "/etc/a/b") > 0);
        assert_true(path_compare("/etc/a", "/etc/a") == 0);
        assert_true(path_compare("/", "/a") < 0);

        assert_int_equal(path_normalize("/etc//ssh/", &p), 0);
        assert_string_equal(p, "/etc/ssh");
        free(p);
        assert_int_equal(path_normalize("/", &p), 0);
        assert_string_equal(p, "/");
        free(p);
        assert_int_equal(path_normalize("etc/ssh", &p), -EINVAL);
        assert_int_equal(path_normalize("/etc/../shadow", &p), -EINVAL);
        assert_int_equal(path_normalize("/etc/./shadow", &p), -EINVAL);
        assert_int_equal(path_normalize("/etc/\nx", &p), -EINVAL);
        assert_int_equal(path_normalize("", &p), -EINVAL);

        assert_true(path_is_under("/etc/ssh/x", "/etc/ssh"));
        assert_true(path_is_under("/etc/ssh", "/etc/ssh"));
        assert_false(path_is_under("/etc/sshd", "/etc/ssh"));
        assert_true(path_is_under("/etc", "/"));
}

static void test_watchset(void **state) {
        const char *paths[] = { "/etc/ssh", "/etc/passwd", "/etc/ssh/" };
        const char *excludes[] = { "*.dpkg-new", "/etc/ssh/cache", "*~" };
        WatchSet s = {};

        assert_int_equal(watchset_init(&s, paths, 3, excludes, 3, true), 0);
        assert_int_equal(s.n_paths, 2);                 /* "/etc/ssh/" is "/etc/ssh" */
        assert_true(watchset_covers(&s, "/etc/ssh"));
        assert_true(watchset_covers(&s, "/etc/ssh/sshd_config"));
        assert_true(watchset_covers(&s, "/etc/ssh/sshd_config.d/local.conf"));
        assert_true(watchset_covers(&s, "/etc/passwd"));
        assert_false(watchset_covers(&s, "/etc/passwd-"));
        assert_false(watchset_covers(&s, "/etc/sshx"));
        assert_false(watchset_covers(&s, "/etc"));
        assert_false(watchset_covers(&s, "/etc/ssh/sshd_config.dpkg-new"));
        assert_false(watchset_covers(&s, "/etc/ssh/sub/x.dpkg-new"));
        assert_false(watchset_covers(&s, "/etc/ssh/cache"));
        assert_false(watchset_covers(&s, "/etc/ssh/cache/x"));  /* the subtree goes too */
        assert_false(watchset_covers(&s, "/etc/ssh/sub~/x"));
        assert_true(watchset_descends(&s, "/etc/ssh/sshd_config.d"));
        watchset_done(&s);

        /* Not recursive: a directory and its own entries only. */
        paths[0] = "/etc/cron.d";
        assert_int_equal(watchset_init(&s, paths, 1, NULL, 0, false), 0);
        assert_true(watchset_covers(&s, "/etc/cron.d"));
        assert_true(watchset_covers(&s, "/etc/cron.d/job"));
        assert_false(watchset_covers(&s, "/etc/cron.d/sub/job"));
        assert_true(watchset_descends(&s, "/etc/cron.d"));
        assert_false(watchset_descends(&s, "/etc/cron.d/sub"));
        watchset_done(&s);

        /* A bad pattern or path refuses the set. */
        paths[0] = "relative";
        assert_int_equal(watchset_init(&s, paths, 1, NULL, 0, true), -EINVAL);
        paths[0] = "/etc";
        excludes[0] = "[x";
        assert_int_equal(watchset_init(&s, paths, 1, excludes, 1, true), -EINVAL);
}

/* ---- params ------------------------------------------------------------------- */

static int validate(FakeRule *fr, size_t *param, char *msg, size_t size) {
        *param = 12345;
        msg[0] = '\0';
        return mamori_plugin.validate(NULL, &fr->rule, param, msg, size);
}

static void test_params(void **state) {
        FakeRule fr;
        size_t param;
        char msg[256];
        Spec *spec = NULL;

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc/passwd", "/etc/ssh", NULL);
        fake_rule_param(&fr, "recursive", "false", NULL);
        fake_rule_param(&fr, "exclude", "*.dpkg-new", "/etc/ssh/**/cache", NULL);
        fake_rule_param(&fr, "attributes", "content", "mode", NULL);
        fake_rule_param(&fr, "io-rate", "20", NULL);
        fake_rule_param(&fr, "deep", "yes", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), 0);
        assert_int_equal(spec_parse(&fr.rule, &spec, &param, msg, sizeof msg), 0);
        assert_int_equal(spec->attrs, ATTR_CONTENT | ATTR_MODE);
        assert_int_equal(spec->io_rate, 20 * 1024 * 1024);
        assert_true(spec->deep);
        assert_false(spec->set.recursive);
        assert_int_equal(spec->set.n_paths, 2);
        spec = spec_free(spec);

        /* Defaults: recursive, all but mtime and inode, no cap, not deep. */
        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        assert_int_equal(spec_parse(&fr.rule, &spec, &param, msg, sizeof msg), 0);
        assert_int_equal(spec->attrs, ATTR_CONTENT | ATTR_MODE | ATTR_OWNER | ATTR_SIZE |
                                      ATTR_LINK | ATTR_XATTRS);
        assert_true(spec->set.recursive);
        assert_int_equal(spec->io_rate, 0);
        assert_false(spec->deep);
        spec = spec_free(spec);

        fake_rule(&fr, IG_CHECK);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_string_equal(msg, "paths: required: the files and directories to watch");

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "deep", "false", NULL);
        fake_rule_param(&fr, "paths", "/etc", "etc/shadow", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_int_equal(param, 1);
        assert_string_equal(msg, "paths: \"etc/shadow\" is not an absolute path without \".\" or \"..\" components");

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "colour", "red", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_int_equal(param, 1);
        assert_non_null(strstr(msg, "unknown param \"colour\""));

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "attributes", "content", "colour", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_int_equal(param, 1);
        assert_non_null(strstr(msg, "attributes: unknown attribute \"colour\""));

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "attributes", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "io-rate", "0", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_string_equal(msg, "io-rate: expected a whole number of MiB/s from 1 to 100000, got \"0\"");
        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "io-rate", "-5", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "io-rate", "5", "6", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "recursive", "maybe", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_string_equal(msg, "recursive: expected true or false, got \"maybe\"");

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "exclude", "ok*", "[broken", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_int_equal(param, 1);
        assert_non_null(strstr(msg, "exclude: bad pattern \"[broken\""));

        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc", NULL);
        fake_rule_param(&fr, "paths", "/usr", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -EINVAL);
        assert_string_equal(msg, "paths: given twice");

        fake_rule(&fr, "integrity.other");
        fake_rule_param(&fr, "paths", "/etc", NULL);
        assert_int_equal(validate(&fr, &param, msg, sizeof msg), -ENOENT);
}

/* ---- records in words ---------------------------------------------------------- */

static void test_describe(void **state) {
        Record a = { .path = (char *) "/etc/sudoers", .type = REC_FILE, .mode = 0440, .size = 6,
                     .flags = REC_HAS_HASH, .ino = 11 };
        Record b = a;
        char buf[512];

        memset(a.sha256, 0xab, 32);
        memset(b.sha256, 0xcd, 32);
        b.mode = 0644;
        b.uid = 1000;
        b.gid = 1000;
        b.size = 12;
        b.ino = 12;
        b.mtime_sec = 86400;
        assert_int_equal(record_diff(&a, &b, ATTR_DEFAULT), ATTR_CONTENT | ATTR_MODE | ATTR_OWNER | ATTR_SIZE);
        assert_int_equal(record_diff(&a, &b, _ATTR_ALL),
                         ATTR_CONTENT | ATTR_MODE | ATTR_OWNER | ATTR_SIZE | ATTR_MTIME | ATTR_INODE);
        record_describe(&a, &b, record_diff(&a, &b, _ATTR_ALL), buf, sizeof buf);
        assert_string_equal(buf, "content changed (sha256 abababababab\xe2\x80\xa6 -> cdcdcdcdcdcd\xe2\x80\xa6), "
                                 "mode 0440 -> 0644, owner 0:0 -> 1000:1000, size 6 -> 12, "
                                 "mtime 1970-01-01T00:00:00Z -> 1970-01-02T00:00:00Z, inode 11 -> 12 (replaced)");

        record_describe(NULL, &a, CHANGE_ADDED, buf, sizeof buf);
        assert_string_equal(buf, "added (file, 6 bytes, mode 0440, owner 0:0, sha256 abababababab\xe2\x80\xa6)");
        record_describe(&a, NULL, CHANGE_REMOVED, buf, sizeof buf);
        assert_string_equal(buf, "removed (was file, 6 bytes, mode 0440, owner 0:0, sha256 abababababab\xe2\x80\xa6)");

        b = (Record) { .path = a.path, .type = REC_LINK, .mode = 0777, .link = (char *) "/tmp/x" };
        assert_int_equal(record_diff(&a, &b, ATTR_DEFAULT), CHANGE_TYPE);
        record_describe(&a, &b, CHANGE_TYPE, buf, sizeof buf);
        assert_string_equal(buf, "type changed (file -> symlink, to \"/tmp/x\", mode 0777, owner 0:0)");

        /* Recorded while unreadable, readable now: not accepted content. */
        a = (Record) { .path = (char *) "/x", .type = REC_FILE };
        b = a;
        b.flags = REC_HAS_HASH;
        assert_int_equal(record_diff(&a, &b, ATTR_DEFAULT), ATTR_CONTENT);
        assert_int_equal(record_diff(&b, &a, ATTR_DEFAULT), 0);
        record_describe(&a, &b, ATTR_CONTENT, buf, sizeof buf);
        assert_string_equal(buf, "content changed (sha256 unknown -> 000000000000\xe2\x80\xa6)");

        /* Directories: size and mtime follow their entries, not compared. */
        a = (Record) { .path = (char *) "/etc", .type = REC_DIR, .mode = 0755, .size = 4096 };
        b = a;
        b.size = 8192;
        b.mtime_sec = 5;
        assert_int_equal(record_diff(&a, &b, _ATTR_ALL), 0);

        /* A control character in a link target is shown escaped. */
        a = (Record) { .path = (char *) "/l", .type = REC_LINK, .link = (char *) "a" };
        b = a;
        b.link = (char *) "b\nc";
        record_describe(&a, &b, record_diff(&a, &b, ATTR_DEFAULT), buf, sizeof buf);
        assert_string_equal(buf, "link target \"a\" -> \"b\\x0ac\"");
}

/* ---- the stored baseline ------------------------------------------------------------- */

static void set_xattr(Record *r, XattrId id, const char *value, bool hashed) {
        if (!r->xattrs)
                r->xattrs = calloc(1, sizeof *r->xattrs);
        assert_non_null(r->xattrs);
        r->xattrs->present |= (uint8_t) (1U << id);
        if (hashed)
                r->xattrs->hashed |= (uint8_t) (1U << id);
        r->xattrs->len[id] = (uint16_t) strlen(value);
        r->xattrs->value[id] = (uint8_t *) strdup(value);
        r->flags |= REC_HAS_XATTRS;
}

static Baseline *sample_baseline(StrPool *pool) {
        const char *paths[] = { "/etc" };
        const char *excludes[] = { "*.dpkg-new" };
        Baseline *b = calloc(1, sizeof *b);
        Record r;

        assert_non_null(b);
        b->recorded_usec = 1700000000000000ULL;
        assert_int_equal(watchset_init(&b->set, paths, 1, excludes, 1, true), 0);

        r = (Record) { .path = strdup("/etc"), .type = REC_DIR, .mode = 0755, .ino = 2,
                       .mtime_sec = 1, .ctime_sec = 2, .mtime_nsec = 3, .ctime_nsec = 999999999 };
        set_xattr(&r, XATTR_SELINUX, "system_u:object_r:etc_t:s0", false);
        assert_int_equal(recordset_push(&b->records, &r), 0);
        r = (Record) { .path = strdup("/etc/passwd"), .type = REC_FILE, .mode = 0644, .size = 1234,
                       .flags = REC_HAS_HASH | REC_HAS_PKG | REC_RACY, .uid = 0, .gid = 42,
                       .pkg = strpool_intern(pool, "base-passwd", 11),
                       .pkg_version = strpool_intern(pool, "3.6.1", 5), .mtime_sec = -5 };
        memset(r.sha256, 0x5a, 32);
        set_xattr(&r, XATTR_IMA, "0123456789abcdef0123456789abcdef", true);
        set_xattr(&r, XATTR_CAPABILITY, "caps", false);
        assert_int_equal(recordset_push(&b->records, &r), 0);
        r = (Record) { .path = strdup("/etc/passwd-"), .type = REC_FILE, .mode = 0600, .size = 1 };
        assert_int_equal(recordset_push(&b->records, &r), 0);
        r = (Record) { .path = strdup("/etc/resolv.conf"), .type = REC_LINK, .mode = 0777,
                       .link = strdup("../run/resolv.conf"), .flags = REC_HAS_LINK,
                       .ino = UINT64_MAX, .size = UINT64_MAX };
        assert_int_equal(recordset_push(&b->records, &r), 0);
        return b;
}

static void assert_records_equal(const Record *x, const Record *y) {
        assert_string_equal(x->path, y->path);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(x->mode, y->mode);
        assert_int_equal(x->uid, y->uid);
        assert_int_equal(x->gid, y->gid);
        assert_true(x->size == y->size);
        assert_true(x->ino == y->ino);
        assert_true(x->mtime_sec == y->mtime_sec);
        assert_int_equal(x->mtime_nsec, y->mtime_nsec);
        assert_true(x->ctime_sec == y->ctime_sec);
        assert_int_equal(x->ctime_nsec, y->ctime_nsec);
        assert_memory_equal(x->sha256, y->sha256, 32);
        if (x->link || y->link)
                assert_string_equal(x->link, y->link);
        if (x->pkg || y->pkg) {
                assert_string_equal(x->pkg, y->pkg);
                assert_string_equal(x->pkg_version, y->pkg_version);
        }
        assert_int_equal(x->xattrs != NULL, y->xattrs != NULL);
        if (x->xattrs) {
                assert_int_equal(x->xattrs->present, y->xattrs->present);
                assert_int_equal(x->xattrs->hashed, y->xattrs->hashed);
                for (int i = 0; i < _XATTR_MAX; i++) {
                        assert_int_equal(x->xattrs->len[i], y->xattrs->len[i]);
                        if (x->xattrs->len[i])
                                assert_memory_equal(x->xattrs->value[i], y->xattrs->value[i],
                                                    x->xattrs->len[i]);
                }
        }
        assert_int_equal(record_diff(x, y, _ATTR_ALL), 0);
}

static void test_baseline_round_trip(void **state) {
        StrPool *pool = strpool_new();
        Baseline *b = sample_baseline(pool), *c = NULL;
        uint8_t *data = NULL, *again = NULL;
        size_t size = 0, size2 = 0;

        assert_int_equal(baseline_serialize(b, &data, &size), 0);
        /* The header as documented: magic, version 1, flags 0. */
        assert_memory_equal(data, "MIBL\x01\x00\x00\x00", 8);
        assert_int_equal(baseline_parse(data, size, true, pool, &c), 0);
        assert_true(c->recorded_usec == b->recorded_usec);
        assert_true(watchset_equal(&b->set, &c->set));
        assert_int_equal(c->records.n, b->records.n);
        for (size_t i = 0; i < b->records.n; i++)
                assert_records_equal(&b->records.items[i], &c->records.items[i]);
        /* Stable: the same bytes again. */
        assert_int_equal(baseline_serialize(c, &again, &size2), 0);
        assert_int_equal(size, size2);
        assert_memory_equal(data, again, size);

        free(again);
        free(data);
        baseline_free(b);
        baseline_free(c);
        strpool_free(pool);
}

static void test_baseline_empty(void **state) {
        StrPool *pool = strpool_new();
        const char *paths[] = { "/nowhere" };
        Baseline b = { .recorded_usec = 1 }, *c = NULL;
        uint8_t *data = NULL;
        size_t size = 0;

        assert_int_equal(watchset_init(&b.set, paths, 1, NULL, 0, false), 0);
        assert_int_equal(baseline_serialize(&b, &data, &size), 0);
        assert_int_equal(baseline_parse(data, size, true, pool, &c), 0);
        assert_int_equal(c->records.n, 0);
        assert_false(c->set.recursive);
        free(data);
        baseline_free(c);
        watchset_done(&b.set);
        strpool_free(pool);
}

static void test_baseline_corrupt(void **state) {
        StrPool *pool = strpool_new();
        Baseline *b = sample_baseline(pool), *c = NULL;
        uint8_t *data = NULL, *copy;
        size_t size = 0;

        assert_int_equal(baseline_serialize(b, &data, &size), 0);
        copy = malloc(size);
        assert_non_null(copy);

        /* Every truncation fails cleanly, checksum or not. */
        for (size_t n = 0; n < size; n++) {
                assert_int_equal(baseline_parse(data, n, true, pool, &c), -EBADMSG);
                if (n >= 6)
                        assert_int_equal(baseline_parse(data, n, false, pool, &c) < 0, 1);
        }
        /* Every flipped bit is caught by the checksum; without it, the
         * parser never crashes and either reads something or refuses. */
        for (size_t i = 0; i < size; i++) {
                int r;

                memcpy(copy, data, size);
                copy[i] ^= 0x10;
                r = baseline_parse(copy, size, true, pool, &c);
                assert_true(r == -EBADMSG || r == -EPROTONOSUPPORT);
                r = baseline_parse(copy, size, false, pool, &c);
                assert_true(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT);
                if (r == 0)
                        c = baseline_free(c);
        }
        /* Another format version. */
        memcpy(copy, data, size);
        copy[4] = 2;
        assert_int_equal(baseline_parse(copy, size, false, pool, &c), -EPROTONOSUPPORT);
        memcpy(copy, "XXXX", 4);
        assert_int_equal(baseline_parse(copy, size, false, pool, &c), -EBADMSG);
        assert_int_equal(baseline_parse(NULL, 0, false, pool, &c), -EBADMSG);
        assert_int_equal(baseline_parse("", 0, false, pool, &c), -EBADMSG);

        free(copy);
        free(data);

        /* Records out of order are refused: the set must be sorted. */
        {
                Record t = b->records.items[1];

                b->records.items[1] = b->records.items[2];
                b->records.items[2] = t;
                assert_int_equal(baseline_serialize(b, &data, &size), 0);
                assert_int_equal(baseline_parse(data, size, true, pool, &c), -EBADMSG);
                free(data);
        }
        baseline_free(b);
        strpool_free(pool);
}

/* ---- dpkg's status file -------------------------------------------------------------- */

static const char status_fixture[] =
        "Package: sudo\n"
        "Status: install ok installed\n"
        "Priority: optional\n"
        "Architecture: amd64\n"
        "Version: 1.9.13p3-1+deb12u1\n"
        "Conffiles:\n"
        " /etc/pam.d/sudo 85da64f888739f193fc0fa896680030e\n"
        " /etc/sudoers 45437b4e86fba2ab890ac81db2ec3606\n"
        " /etc/sudo.conf 3f9a0bd0b8d5a3c4d7e4d8a7c8b2e8aa obsolete\n"
        " /etc/sudo_logsrvd.conf newconffile\n"
        "Description: Provide limited super user privileges\n"
        " Sudo is a program designed to allow a sysadmin to give limited root\n"
        " .\n"
        " privileges to users and log root activity.\n"
        "\n"
        "Package: libc6\r\n"
        "Status: install ok installed\r\n"
        "Multi-Arch: same\r\n"
        "Architecture: amd64\r\n"
        "Version: 2.36-9+deb12u4\r\n"
        "\r\n"
        "\n\n"
        "Package: libc6\n"
        "Status: install ok installed\n"
        "Architecture: i386\n"
        "Version: 2.36-9+deb12u3\n"
        "\n"
        "Package: oldpkg\n"
        "Status: deinstall ok config-files\n"
        "Version: 1.0\n"
        "\n"
        "Status: install ok installed\n"            /* no Package: skipped */
        "Version: 9\n"
        "\n"
        "Package: twice\n"
        "Version: 1\n"
        "Version: 2\n"                              /* a field twice: skipped */
        "\n"
        "Package: nocolon\n"
        "this line has no colon\n"                  /* skipped */
        "\n"
        "Package: spaced version\n"                 /* not a name: skipped */
        "\n"
        "package: lowercase\n"                      /* field names ignore case */
        "VERSION: 3\n"
        "status: install ok unpacked\n";

static void test_dpkg_status(void **state) {
        DpkgStatus *s = NULL;
        const DpkgPackage *p;
        static const uint8_t sudoers_md5[16] = { 0x45, 0x43, 0x7b, 0x4e, 0x86, 0xfb, 0xa2, 0xab,
                                                 0x89, 0x0a, 0xc8, 0x1d, 0xb2, 0xec, 0x36, 0x06 };

        assert_int_equal(dpkg_status_parse(status_fixture, sizeof status_fixture - 1, &s), 0);
        assert_int_equal(s->n_packages, 5);
        /* 4 stanzas, and the "newconffile" line. */
        assert_int_equal(s->n_malformed, 5);

        p = dpkg_status_find(s, "sudo");
        assert_non_null(p);
        assert_string_equal(p->version, "1.9.13p3-1+deb12u1");
        assert_string_equal(p->arch, "amd64");
        assert_string_equal(p->status, "install ok installed");
        assert_true(p->installed);
        assert_int_equal(s->n_conffiles, 2);            /* obsolete and newconffile left out */
        assert_string_equal(s->conffiles[0].path, "/etc/pam.d/sudo");
        assert_string_equal(s->conffiles[1].path, "/etc/sudoers");
        assert_memory_equal(s->conffiles[1].md5, sudoers_md5, 16);
        assert_string_equal(s->packages[s->conffiles[1].package].name, "sudo");

        p = dpkg_status_find(s, "libc6:i386");
        assert_non_null(p);
        assert_string_equal(p->version, "2.36-9+deb12u3");
        p = dpkg_status_find(s, "libc6:amd64");
        assert_non_null(p);
        assert_string_equal(p->version, "2.36-9+deb12u4");      /* CRLF trimmed */
        assert_null(dpkg_status_find(s, "libc6:arm64"));

        p = dpkg_status_find(s, "oldpkg");
        assert_non_null(p);
        assert_false(p->installed);
        p = dpkg_status_find(s, "lowercase");
        assert_non_null(p);
        assert_string_equal(p->version, "3");
        assert_true(p->installed);
        assert_null(dpkg_status_find(s, "twice"));
        assert_null(dpkg_status_find(s, "nocolon"));
        dpkg_status_free(s);

        /* Empty input, a NUL byte, and only continuation lines. */
        assert_int_equal(dpkg_status_parse("", 0, &s), 0);
        assert_int_equal(s->n_packages, 0);
        dpkg_status_free(s);
        assert_int_equal(dpkg_status_parse("Package: a\0b\nVersion: 1\n", 24, &s), 0);
        assert_int_equal(s->n_packages, 0);
        assert_int_equal(s->n_malformed, 1);
        dpkg_status_free(s);
        assert_int_equal(dpkg_status_parse(" cont\n more\n", 12, &s), 0);
        assert_int_equal(s->n_packages, 0);
        assert_int_equal(s->n_malformed, 1);
        dpkg_status_free(s);
        /* A name that could pass for "name:arch", or a path. */
        {
                static const char odd[] = "Package: a:b\n\nPackage: ../x\n\nPackage: c\nArchitecture: x:y\n";

                assert_int_equal(dpkg_status_parse(odd, sizeof odd - 1, &s), 0);
        }
        assert_int_equal(s->n_packages, 0);
        assert_int_equal(s->n_malformed, 3);
        dpkg_status_free(s);
        /* No final newline. */
        assert_int_equal(dpkg_status_parse("Package: z\nVersion: 1", 21, &s), 0);
        assert_int_equal(s->n_packages, 1);
        assert_string_equal(s->packages[0].version, "1");
        assert_false(s->packages[0].installed);         /* no Status: not known to be there */
        dpkg_status_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_glob_matches),
                cmocka_unit_test(test_glob_limits),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_watchset),
                cmocka_unit_test(test_params),
                cmocka_unit_test(test_describe),
                cmocka_unit_test(test_baseline_round_trip),
                cmocka_unit_test(test_baseline_empty),
                cmocka_unit_test(test_baseline_corrupt),
                cmocka_unit_test(test_dpkg_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
