/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The screenlock plugin's enforcement: the GVariant text parser and
 * serialiser (against hand-computed bytes and against what `dconf compile`
 * writes), the keyfile parser, the GVDB writer (read back by our reader and
 * by `dconf dump` through a file-db profile), the keyfile directory
 * compiler, and enforce: true on fake machines.
 *
 * Expected bytes are laid out by hand from GVariant's serialisation rules
 * or taken from databases `dconf compile` made in the test. Tests that need
 * `dconf` (package dconf-cli) are skipped without it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../plugins/screenlock/screenlock-enforce.h"
#include "fake-host.h"

/* ---- helpers --------------------------------------------------------------- */

typedef struct Root {
        char path[64];
        int fd;
} Root;

static bool have_dconf(void) {
        return access("/usr/bin/dconf", X_OK) == 0;
}

#define SKIP_WITHOUT_DCONF()                                                  \
        do {                                                                  \
                if (!have_dconf()) {                                          \
                        print_message("dconf (dconf-cli) not installed\n");   \
                        skip();                                               \
                }                                                             \
        } while (0)

static void mkdir_p(Root *rt, const char *rel) {
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", rt->path, rel);
        for (char *s = p + strlen(rt->path) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
}

static void put(Root *rt, const char *rel, const char *content) {
        char p[4096], dir[4096], *slash;
        FILE *f;

        snprintf(dir, sizeof(dir), "%s", rel);
        slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                mkdir_p(rt, dir);
        }
        snprintf(p, sizeof(p), "%s/%s", rt->path, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

static char *slurp(Root *rt, const char *rel, size_t *ret_size) {
        char p[4096];
        FILE *f;
        char *buf;
        long n;

        snprintf(p, sizeof(p), "%s/%s", rt->path, rel);
        f = fopen(p, "re");
        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
        buf[n] = '\0';
        fclose(f);
        if (ret_size)
                *ret_size = (size_t) n;
        return buf;
}

/* Runs argv with env (NULL-terminated "K=V" list added), output into buf. */
static int run(const char *const *argv, const char *const *env, char *buf, size_t size) {
        int pipefd[2], status;
        size_t have = 0;
        pid_t pid;

        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(pipefd[1], 1);
                dup2(pipefd[1], 2);
                close(pipefd[0]);
                for (size_t i = 0; env && env[i]; i++)
                        putenv((char *) env[i]);
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                ssize_t n = read(pipefd[0], buf + have, size - 1 - have);

                if (n <= 0)
                        break;
                have += (size_t) n;
                if (have >= size - 1)
                        break;
        }
        buf[have] = '\0';
        close(pipefd[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void dconf_compile(Root *rt, const char *out_rel, const char *dir_rel) {
        char out[4096], dir[4096], msg[4096];
        const char *argv[] = { "/usr/bin/dconf", "compile", out, dir, NULL };

        snprintf(out, sizeof(out), "%s/%s", rt->path, out_rel);
        snprintf(dir, sizeof(dir), "%s/%s", rt->path, dir_rel);
        assert_int_equal(run(argv, NULL, msg, sizeof(msg)), 0);
}

/* `dconf dump DIR` of a database file, through a file-db profile. */
static void dconf_dump(Root *rt, const char *db_rel, const char *dir, char *out, size_t size) {
        char prof[4096], env_prof[4200], db[4096], content[4200];
        const char *argv[] = { "/usr/bin/dconf", "dump", dir, NULL };
        const char *env[] = { env_prof, "XDG_CONFIG_HOME=/nonexistent-mamori-test", NULL };

        snprintf(db, sizeof(db), "%s/%s", rt->path, db_rel);
        snprintf(content, sizeof(content), "file-db:%s\n", db);
        put(rt, "dump-profile", content);
        snprintf(prof, sizeof(prof), "%s/dump-profile", rt->path);
        snprintf(env_prof, sizeof(env_prof), "DCONF_PROFILE=%s", prof);
        assert_int_equal(run(argv, env, out, size), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int setup(void **state) {
        Root *rt = calloc(1, sizeof(*rt));

        assert_non_null(rt);
        snprintf(rt->path, sizeof(rt->path), "/tmp/test-sl-enforce-XXXXXX");
        assert_non_null(mkdtemp(rt->path));
        rt->fd = open(rt->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(rt->fd >= 0);
        *state = rt;
        return 0;
}

static int teardown(void **state) {
        Root *rt = *state;

        close(rt->fd);
        assert_int_equal(nftw(rt->path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(rt);
        return 0;
}

/* ---- the text format --------------------------------------------------------- */

static void expect_text(const char *text, const char *type, const uint8_t *bytes, size_t n) {
        char *t = NULL;
        GvBuf b = {};
        const char *why = NULL;
        int r;

        r = gvariant_parse_text(text, strlen(text), &t, &b, &why);
        if (r < 0)
                fail_msg("%s: %d (%s)", text, r, why ? why : "?");
        assert_string_equal(t, type);
        if (b.size != n || (n && memcmp(b.data, bytes, n) != 0)) {
                for (size_t i = 0; i < b.size; i++)
                        print_message("%02x ", b.data[i]);
                print_message("\n");
                fail_msg("%s: serialised differently (%zu bytes, want %zu)", text, b.size, n);
        }
        free(t);
        free(b.data);
}

static void expect_error(const char *text, int err) {
        char *t = NULL;
        GvBuf b = {};
        const char *why = NULL;

        assert_int_equal(gvariant_parse_text(text, strlen(text), &t, &b, &why), err);
        assert_non_null(why);
        assert_null(t);
}

static void test_text_by_hand(void **state) {
        /* Little-endian numbers at their own size. */
        expect_text("uint32 300", "u", (const uint8_t[]) { 0x2c, 0x01, 0, 0 }, 4);
        expect_text("300", "i", (const uint8_t[]) { 0x2c, 0x01, 0, 0 }, 4);
        expect_text("int32 -1", "i", (const uint8_t[]) { 0xff, 0xff, 0xff, 0xff }, 4);
        expect_text("byte 0xff", "y", (const uint8_t[]) { 0xff }, 1);
        expect_text("int16 -2", "n", (const uint8_t[]) { 0xfe, 0xff }, 2);
        expect_text("uint64 1", "t", (const uint8_t[]) { 1, 0, 0, 0, 0, 0, 0, 0 }, 8);
        /* 2.5 is 0x4004000000000000. */
        expect_text("2.5", "d", (const uint8_t[]) { 0, 0, 0, 0, 0, 0, 0x04, 0x40 }, 8);
        expect_text("true", "b", (const uint8_t[]) { 1 }, 1);
        expect_text("  false  ", "b", (const uint8_t[]) { 0 }, 1);
        /* Strings end in one NUL; both quotes; escapes resolved. */
        expect_text("'abc'", "s", (const uint8_t[]) { 'a', 'b', 'c', 0 }, 4);
        expect_text("\"it's\"", "s", (const uint8_t[]) { 'i', 't', '\'', 's', 0 }, 5);
        expect_text("'a\\nb\\u00e9'", "s", (const uint8_t[]) { 'a', '\n', 'b', 0xc3, 0xa9, 0 }, 6);
        expect_text("objectpath '/a/b'", "o", (const uint8_t[]) { '/', 'a', '/', 'b', 0 }, 5);
        /* Empty arrays need a type and take no bytes. */
        expect_text("@as []", "as", NULL, 0);
        /* Fixed-size elements side by side. */
        expect_text("[1, 2]", "ai", (const uint8_t[]) { 1, 0, 0, 0, 2, 0, 0, 0 }, 8);
        expect_text("[true, false]", "ab", (const uint8_t[]) { 1, 0 }, 2);
        /* Mixed numbers become doubles: 1.0 is 0x3ff0..., 2.5 as above. */
        expect_text("[1, 2.5]", "ad",
                    (const uint8_t[]) { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0x40 }, 16);
        /* Variable-size elements, then one end offset each (1 byte). */
        expect_text("['a', 'bc']", "as", (const uint8_t[]) { 'a', 0, 'b', 'c', 0, 2, 5 }, 7);
        /* A tuple: members at their alignment; the last member has no offset. */
        expect_text("(1, 'x')", "(is)", (const uint8_t[]) { 1, 0, 0, 0, 'x', 0 }, 6);
        /* ('x', 1): the string's end (2) is framed, the int at offset 4. */
        expect_text("('x', 1)", "(si)", (const uint8_t[]) { 'x', 0, 0, 0, 1, 0, 0, 0, 2 }, 9);
        /* A fixed-size tuple is padded to its alignment: (yi) is 8 bytes. */
        expect_text("(byte 1, 2)", "(yi)", (const uint8_t[]) { 1, 0, 0, 0, 2, 0, 0, 0 }, 8);
        expect_text("[(1, 'x')]", "a(is)", (const uint8_t[]) { 1, 0, 0, 0, 'x', 0, 6 }, 7);
        /* A variant: the child, a 0 byte, the child's type. */
        expect_text("<uint32 5>", "v", (const uint8_t[]) { 5, 0, 0, 0, 0, 'u' }, 6);
        /* a{sv}: the entry is "a\0", padding to 8, the variant <1> (6 bytes),
         * the key's end offset 2: 15 bytes; then the array's offset 15. */
        expect_text("{'a': <1>}", "a{sv}",
                    (const uint8_t[]) { 'a', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 'i', 2, 15 }, 16);
        expect_text("{1, 'x'}", "{is}", (const uint8_t[]) { 1, 0, 0, 0, 'x', 0 }, 6);
        expect_text("()", "()", (const uint8_t[]) { 0 }, 1);
        expect_text("(1,)", "(i)", (const uint8_t[]) { 1, 0, 0, 0 }, 4);
        expect_text("@a{ss} {}", "a{ss}", NULL, 0);
}

static void test_text_errors(void **state) {
        expect_error("", -EINVAL);
        expect_error("abc", -EINVAL);
        expect_error("[1, 'a']", -EINVAL);
        expect_error("[]", -EINVAL);
        expect_error("(1)", -EINVAL);
        expect_error("byte 256", -EINVAL);
        expect_error("uint32 -1", -EINVAL);
        expect_error("int16 32768", -EINVAL);
        expect_error("'open", -EINVAL);
        expect_error("1 2", -EINVAL);
        expect_error("[1, 2", -EINVAL);
        expect_error("<1", -EINVAL);
        expect_error("@q 'x'", -EINVAL);
        expect_error("@zz 1", -EINVAL);
        expect_error("objectpath 'no/slash'", -EINVAL);
        expect_error("{'a': 1, 'b'}", -EINVAL);
        expect_error("'\\u0000'", -EINVAL);
        expect_error("just 5", -EOPNOTSUPP);
        expect_error("nothing", -EOPNOTSUPP);
        expect_error("b'bytes'", -EOPNOTSUPP);
        expect_error("010", -EOPNOTSUPP);
}

/* Values `dconf compile` serialised, byte for byte the same as ours. */
static const char *const compile_cases[][2] = {
        { "s1", "'string'" },
        { "s2", "\"double \\\"quoted\\\"\"" },
        { "u1", "uint32 300" },
        { "x1", "int64 -5" },
        { "t1", "uint64 18446744073709551615" },
        { "q1", "uint16 65535" },
        { "b1", "true" },
        { "d1", "2.5" },
        { "ad", "[1, 2.5]" },
        { "as", "['firefox-esr.desktop', 'org.gnome.Nautilus.desktop']" },
        { "ase", "@as []" },
        { "ass", "[('xkb', 'us'), ('ibus', 'anthy')]" },
        { "asv", "{'a': <1>, 'b': <'x'>}" },
        { "v1", "<[1, 2]>" },
        { "tup", "(1, 'two', true)" },
        { "op", "objectpath '/org/example'" },
        { "ay", "@ay [1, 2]" },
        { "uni", "'caf\\u00e9 図書館'" },
        { "aai", "[[1, 2], [3]]" },
        { "hx", "0x10" },
        { "neg", "-7" },
        { "ent", "{1, 'x'}" },
        { "many", "['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', "
                  "'s', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'aa', 'bb', 'cc', 'dd', 'ee', 'ff', 'gg', 'hh', 'ii', "
                  "'jj', 'kk', 'll', 'mm', 'nn', 'oo', 'pp', 'qq', 'rr', 'ss', 'tt', 'uu', 'vv', 'ww', 'xx', 'yy', "
                  "'zz', 'a long string to push this array past two hundred and fifty five bytes in total so "
                  "that its framing offsets take two bytes each instead of one']" },
};

static void test_text_matches_dconf_compile(void **state) {
        Root *rt = *state;
        char kf[8192] = "[test]\n";
        _cleanup_sl_free_ char *db = NULL;
        GvdbTable t;
        size_t size;

        SKIP_WITHOUT_DCONF();
        for (size_t i = 0; i < SL_ELEMENTSOF(compile_cases); i++) {
                size_t len = strlen(kf);

                snprintf(kf + len, sizeof(kf) - len, "%s=%s\n", compile_cases[i][0], compile_cases[i][1]);
        }
        put(rt, "src.d/kf", kf);
        dconf_compile(rt, "out.db", "src.d");
        db = slurp(rt, "out.db", &size);
        assert_non_null(db);
        assert_int_equal(gvdb_table_open(db, size, &t, NULL), 0);

        for (size_t i = 0; i < SL_ELEMENTSOF(compile_cases); i++) {
                const char *text = compile_cases[i][1];
                char key[64], *type = NULL;
                const uint8_t *raw;
                size_t raw_size, tl;
                GvBuf b = {};
                const char *why = NULL;

                snprintf(key, sizeof(key), "/test/%s", compile_cases[i][0]);
                assert_int_equal(gvdb_table_get_raw(&t, key, &raw, &raw_size), 1);
                if (gvariant_parse_text(text, strlen(text), &type, &b, &why) < 0)
                        fail_msg("%s: %s", text, why);
                tl = strlen(type);
                if (raw_size != b.size + 1 + tl || (b.size && memcmp(raw, b.data, b.size) != 0) || raw[b.size] != 0 ||
                    memcmp(raw + b.size + 1, type, tl) != 0)
                        fail_msg("%s: our serialisation differs from dconf compile's", text);
                free(type);
                free(b.data);
        }
}

/* ---- keyfiles ------------------------------------------------------------------- */

static void test_keyfile_parse(void **state) {
        static const char good[] =
                "# comment\n"
                "\n"
                "[org/gnome/desktop/session]\r\n"
                "  idle-delay = uint32 300\n"
                "[org/gnome/desktop/screensaver]   \n"
                "lock-enabled=true\n"
                "[org/gnome/desktop/session]\n"
                "idle-delay=uint32 600\n";
        static const struct {
                const char *text;
                unsigned line;
        } bad[] = {
                { "key=1\n", 1 },
                { "[a]\nnot a pair\n", 2 },
                { "[/a]\nk=1\n", 1 },
                { "[a/]\nk=1\n", 1 },
                { "[a//b]\nk=1\n", 1 },
                { "[a]\nk/x=1\n", 2 },
                { "[a]\n=1\n", 2 },
                { "[a\nk=1\n", 1 },
                { "[a] x\n", 1 },
                { "[]\n", 1 },
        };
        DconfKeyfile *k = NULL;
        const char *why;
        unsigned line;

        assert_int_equal(dconf_keyfile_parse(good, strlen(good), &k, &line, &why), 0);
        assert_int_equal(k->n_entries, 3);
        assert_string_equal(k->entries[0].group, "org/gnome/desktop/session");
        assert_string_equal(k->entries[0].key, "idle-delay");
        assert_string_equal(k->entries[0].value, "uint32 300");
        assert_int_equal(k->entries[0].line, 4);
        assert_string_equal(k->entries[1].group, "org/gnome/desktop/screensaver");
        assert_string_equal(k->entries[2].value, "uint32 600");
        dconf_keyfile_free(k);

        for (size_t i = 0; i < SL_ELEMENTSOF(bad); i++) {
                k = NULL;
                why = NULL;
                assert_int_equal(dconf_keyfile_parse(bad[i].text, strlen(bad[i].text), &k, &line, &why), -EBADMSG);
                assert_null(k);
                assert_non_null(why);
                assert_int_equal(line, bad[i].line);
        }
        assert_int_equal(dconf_keyfile_parse("[a]\nk='\xff'\n", 9, &k, &line, &why), -EBADMSG);
}

/* ---- the GVDB writer -------------------------------------------------------------- */

static void entry(GvdbEntry *e, const char *key, const char *text) {
        const char *why;

        e->key = strdup(key);
        assert_int_equal(gvariant_parse_text(text, strlen(text), &e->type, &e->value, &why), 0);
}

static void entries_free(GvdbEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].key);
                free(e[i].type);
                free(e[i].value.data);
        }
}

static void test_gvdb_write_read_back(void **state) {
        Root *rt = *state;
        GvdbEntry e[4] = {};
        const char *locks[] = { "/a/b/c", "/a/d" };
        GvdbTable t, lt;
        GVariantValue v;
        GvBuf db = {};
        char dump[4096];
        int fd;

        entry(&e[0], "/a/b/c", "uint32 300");
        entry(&e[1], "/a/d", "true");
        entry(&e[2], "/x", "'hello'");
        entry(&e[3], "/a/b/e", "['p', 'q']");
        assert_int_equal(gvdb_write_dconf(e, 4, locks, 2, &db), 0);

        assert_int_equal(gvdb_table_open(db.data, db.size, &t, NULL), 0);
        /* "/", "/a/", "/a/b/", four keys and ".locks". */
        assert_int_equal(gvdb_table_n_items(&t), 8);
        assert_int_equal(gvdb_table_count_values(&t), 4);
        assert_int_equal(gvdb_table_get_value(&t, "/a/b/c", &v, NULL), 1);
        assert_int_equal(v.kind, GVARIANT_UINT32);
        assert_int_equal(v.u, 300);
        assert_int_equal(gvdb_table_get_value(&t, "/a/d", &v, NULL), 1);
        assert_true(v.b);
        assert_int_equal(gvdb_table_get_value(&t, "/x", &v, NULL), 1);
        assert_string_equal(v.str, "hello");
        assert_int_equal(gvdb_table_get_value(&t, "/a/b", &v, NULL), 0);
        assert_int_equal(gvdb_table_get_table(&t, ".locks", &lt, NULL), 1);
        assert_true(gvdb_table_has_value(&lt, "/a/b/c"));
        assert_true(gvdb_table_has_value(&lt, "/a/d"));
        assert_false(gvdb_table_has_value(&lt, "/x"));

        /* dconf itself reads it, directories ('L' items) included. */
        if (have_dconf()) {
                fd = openat(rt->fd, "w.db", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                assert_true(fd >= 0);
                assert_int_equal(write(fd, db.data, db.size), (ssize_t) db.size);
                close(fd);
                dconf_dump(rt, "w.db", "/", dump, sizeof(dump));
                assert_string_equal(dump,
                                    "[/]\n"
                                    "x='hello'\n"
                                    "\n"
                                    "[a]\n"
                                    "d=true\n"
                                    "\n"
                                    "[a/b]\n"
                                    "c=uint32 300\n"
                                    "e=['p', 'q']\n");
        }

        free(db.data);
        entries_free(e, 4);

        /* No locks directory: no ".locks" table at all; an empty database. */
        assert_int_equal(gvdb_write_dconf(NULL, 0, NULL, 0, &db), 0);
        assert_int_equal(gvdb_table_open(db.data, db.size, &t, NULL), 0);
        assert_int_equal(gvdb_table_get_table(&t, ".locks", &lt, NULL), 0);
        assert_int_equal(gvdb_table_n_items(&t), 1);
        free(db.data);

        /* Bad keys are refused. */
        entry(&e[0], "/a/", "1");
        assert_int_equal(gvdb_write_dconf(e, 1, NULL, 0, &db), -EINVAL);
        entries_free(e, 1);
        entry(&e[0], "a", "1");
        assert_int_equal(gvdb_write_dconf(e, 1, NULL, 0, &db), -EINVAL);
        entries_free(e, 1);
}

/* Many keys: every bucket path of the reader is walked. */
static void test_gvdb_write_many(void **state) {
        enum { N = 700 };
        GvdbEntry *e = calloc(N, sizeof(*e));
        GvdbTable t;
        GvBuf db = {};

        assert_non_null(e);
        for (size_t i = 0; i < N; i++) {
                char key[64], text[32];

                snprintf(key, sizeof(key), "/org/k%zu/s%zu/key%zu", i % 7, i % 13, i);
                snprintf(text, sizeof(text), "uint32 %zu", i * 3);
                entry(&e[i], key, text);
        }
        assert_int_equal(gvdb_write_dconf(e, N, NULL, 0, &db), 0);
        assert_int_equal(gvdb_table_open(db.data, db.size, &t, NULL), 0);
        for (size_t i = 0; i < N; i++) {
                GVariantValue v;

                assert_int_equal(gvdb_table_get_value(&t, e[i].key, &v, NULL), 1);
                assert_int_equal(v.u, i * 3);
        }
        free(db.data);
        entries_free(e, N);
        free(e);
}

/* ---- the directory compiler ----------------------------------------------------- */

static void test_compile_dir(void **state) {
        Root *rt = *state;
        DconfCompiled c = {};
        char reason[512];
        bool saw = false;

        put(rt, "etc/dconf/db/local.d/00-a", "[s]\nk='from 00-a'\nonly-a=1\n");
        put(rt, "etc/dconf/db/local.d/01-b", "[s]\nk='from 01-b'\n");
        put(rt, "etc/dconf/db/local.d/.hidden", "[s]\nk='hidden'\n");
        mkdir_p(rt, "etc/dconf/db/local.d/subdir");
        put(rt, "etc/dconf/db/local.d/locks/l", "/s/k\n# comment\n/s/only-a\n  /not-a-lock\n");
        assert_int_equal(dconf_compile_dir(rt->fd, "etc/dconf/db/local.d", &c, reason, sizeof(reason)), 0);

        assert_int_equal(c.n_entries, 2);
        for (size_t i = 0; i < c.n_entries; i++)
                if (strcmp(c.entries[i].key, "/s/k") == 0) {
                        /* The later name wins. */
                        assert_string_equal(c.sources[i], "01-b");
                        assert_memory_equal(c.entries[i].value.data, "from 01-b", 9);
                        saw = true;
                }
        assert_true(saw);
        assert_true(c.have_locks);
        assert_int_equal(c.n_locks, 2);
        dconf_compiled_done(&c);

        /* One bad file fails the whole database, with its name and line. */
        put(rt, "etc/dconf/db/local.d/02-bad", "[s]\nx=uint32 -1\n");
        assert_int_equal(dconf_compile_dir(rt->fd, "etc/dconf/db/local.d", &c, reason, sizeof(reason)), -EBADMSG);
        assert_non_null(strstr(reason, "02-bad line 2"));
        put(rt, "etc/dconf/db/local.d/02-bad", "[s]\nx=just 1\n");
        assert_int_equal(dconf_compile_dir(rt->fd, "etc/dconf/db/local.d", &c, reason, sizeof(reason)),
                         -EOPNOTSUPP);
        put(rt, "etc/dconf/db/local.d/02-bad", "x=1\n");
        assert_int_equal(dconf_compile_dir(rt->fd, "etc/dconf/db/local.d", &c, reason, sizeof(reason)), -EBADMSG);
        assert_non_null(strstr(reason, "before the first group"));
        assert_int_equal(dconf_compile_dir(rt->fd, "etc/dconf/db/none.d", &c, reason, sizeof(reason)), -ENOENT);
}

/* ---- enforce: true ------------------------------------------------------------------ */

static const char expected_gnome_keyfile_tail[] =
        "\n[org/gnome/desktop/session]\n"
        "idle-delay=uint32 600\n"
        "\n[org/gnome/desktop/screensaver]\n"
        "lock-enabled=true\n"
        "lock-delay=uint32 0\n"
        "idle-activation-enabled=true\n"
        "\n[org/gnome/desktop/lockdown]\n"
        "disable-lock-screen=false\n";

static void gnome_machine(Root *rt) {
        put(rt, "usr/bin/gnome-session", "#!/bin/sh\n");
        put(rt, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\ntaro:x:1000:1000::/home/taro:/bin/bash\n");
}

static size_t events_of(const FakeHost *fh, const char *kind) {
        size_t n = 0;

        for (size_t i = 0; i < fh->n_events; i++)
                n += strcmp(fh->events[i].kind, kind) == 0;
        return n;
}

static void evaluate_enforce(FakeHost *fh, FakeRule *fr, const char *max_idle) {
        struct mamori_rule *r = fake_rule(fr, "screenlock.policy");

        fake_rule_param(fr, "max-idle-sec", max_idle, NULL);
        fake_rule_param(fr, "max-lock-delay-sec", "0", NULL);
        r->enforce = 1;
        assert_int_equal(fake_host_evaluate(fh, r), 0);
}

static void print_findings(const FakeHost *fh) {
        for (size_t i = 0; i < fh->n_findings; i++)
                print_message("  finding %d %s: %s\n", fh->findings[i].status,
                              fh->findings[i].subject ? fh->findings[i].subject : "-", fh->findings[i].evidence);
}

static void test_enforce_fresh_machine(void **state) {
        Root *rt = *state;
        _cleanup_sl_free_ char *kf = NULL, *locks = NULL, *prof = NULL;
        FakeHost fh;
        FakeRule fr;
        char dump[4096];

        gnome_machine(rt);
        assert_int_equal(fake_host_init(&fh, rt->path, &mamori_plugin), 0);

        /* Before: no profile, nothing set or locked. */
        evaluate_enforce(&fh, &fr, "600");
        if (fake_host_count(&fh, MAMORI_PASS) != 1 || fake_host_count(&fh, MAMORI_FAIL) != 0)
                print_findings(&fh);
        assert_int_equal(fake_host_count(&fh, MAMORI_FAIL), 0);
        assert_int_equal(fake_host_count(&fh, MAMORI_ERROR), 0);
        assert_non_null(fake_host_find(&fh, "GNOME locks an idle session: idle-delay 600 s"));
        /* Keyfile, locks, profile, compiled database: four events. */
        assert_int_equal(events_of(&fh, "screenlock.enforced"), 4);
        assert_int_equal(fh.n_events, 4);
        assert_non_null(strstr(fh.events[3].text, "compiled /etc/dconf/db/local"));
        assert_non_null(strstr(fh.events[3].text, "5 keys, 5 locks"));

        kf = slurp(rt, SL_MAMORI_KEYFILE, NULL);
        assert_non_null(kf);
        assert_non_null(strstr(kf, expected_gnome_keyfile_tail));
        locks = slurp(rt, SL_MAMORI_LOCKS, NULL);
        assert_non_null(strstr(locks,
                               "/org/gnome/desktop/session/idle-delay\n"
                               "/org/gnome/desktop/screensaver/lock-enabled\n"
                               "/org/gnome/desktop/screensaver/lock-delay\n"
                               "/org/gnome/desktop/screensaver/idle-activation-enabled\n"
                               "/org/gnome/desktop/lockdown/disable-lock-screen\n"));
        prof = slurp(rt, SL_USER_PROFILE, NULL);
        assert_string_equal(prof, "user-db:user\nsystem-db:local\n");

        if (have_dconf()) {
                dconf_dump(rt, SL_LOCAL_DB, "/org/gnome/desktop/", dump, sizeof(dump));
                assert_string_equal(dump,
                                    "[lockdown]\n"
                                    "disable-lock-screen=false\n"
                                    "\n"
                                    "[screensaver]\n"
                                    "idle-activation-enabled=true\n"
                                    "lock-delay=uint32 0\n"
                                    "lock-enabled=true\n"
                                    "\n"
                                    "[session]\n"
                                    "idle-delay=uint32 600\n");
        }

        /* Nothing to do the second time: no events, still a pass. */
        evaluate_enforce(&fh, &fr, "600");
        assert_int_equal(fh.n_events, 0);
        assert_int_equal(fake_host_count(&fh, MAMORI_PASS), 1);

        /* A stricter rule rewrites the keyfile and recompiles. */
        evaluate_enforce(&fh, &fr, "300");
        assert_int_equal(fh.n_events, 2);
        assert_non_null(fake_host_find(&fh, "idle-delay 300 s"));
        fake_host_done(&fh);
}

static void test_enforce_keeps_admin_settings(void **state) {
        Root *rt = *state;
        _cleanup_sl_free_ char *mine = NULL, *theirs = NULL, *prof = NULL;
        static const char site[] =
                "[org/gnome/desktop/input-sources]\n"
                "sources=[('xkb', 'jp'), ('ibus', 'mozc-jp')]\n"
                "[org/gnome/shell]\n"
                "favorite-apps=['firefox-esr.desktop', 'libreoffice-writer.desktop']\n"
                "[org/gnome/desktop/background]\n"
                "picture-uri='file:///usr/share/backgrounds/library.png'\n";
        const char *keys[] = { "/org/gnome/desktop/input-sources/sources", "/org/gnome/shell/favorite-apps",
                               "/org/gnome/desktop/background/picture-uri" };
        size_t ms, ts;
        GvdbTable tm, tt;
        FakeHost fh;
        FakeRule fr;

        SKIP_WITHOUT_DCONF();
        gnome_machine(rt);
        /* The administrator's own profile is left as it is. */
        put(rt, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\nsystem-db:site\n");
        put(rt, "etc/dconf/db/local.d/01-site", site);
        assert_int_equal(fake_host_init(&fh, rt->path, &mamori_plugin), 0);
        evaluate_enforce(&fh, &fr, "600");
        assert_int_equal(fake_host_count(&fh, MAMORI_ERROR), 0);
        assert_int_equal(fh.n_events, 3);
        prof = slurp(rt, SL_USER_PROFILE, NULL);
        assert_string_equal(prof, "user-db:user\nsystem-db:local\nsystem-db:site\n");

        /* The same directory compiled by dconf: every value byte-identical. */
        dconf_compile(rt, "theirs.db", "etc/dconf/db/local.d");
        mine = slurp(rt, SL_LOCAL_DB, &ms);
        theirs = slurp(rt, "theirs.db", &ts);
        assert_int_equal(gvdb_table_open(mine, ms, &tm, NULL), 0);
        assert_int_equal(gvdb_table_open(theirs, ts, &tt, NULL), 0);
        for (size_t i = 0; i < SL_ELEMENTSOF(keys); i++) {
                const uint8_t *a, *b;
                size_t an, bn;

                assert_int_equal(gvdb_table_get_raw(&tm, keys[i], &a, &an), 1);
                assert_int_equal(gvdb_table_get_raw(&tt, keys[i], &b, &bn), 1);
                assert_int_equal(an, bn);
                assert_memory_equal(a, b, an);
        }
        assert_int_equal(gvdb_table_count_values(&tm), gvdb_table_count_values(&tt));
        fake_host_done(&fh);
}

/* A profile of the administrator's that does not read local is left as it
 * is, and reported: nothing mamori writes would apply. */
static void test_enforce_profile_without_local(void **state) {
        Root *rt = *state;
        _cleanup_sl_free_ char *prof = NULL;
        const FakeFinding *f;
        FakeHost fh;
        FakeRule fr;

        gnome_machine(rt);
        put(rt, "etc/dconf/profile/user", "user-db:user\nsystem-db:site\n");
        assert_int_equal(fake_host_init(&fh, rt->path, &mamori_plugin), 0);
        evaluate_enforce(&fh, &fr, "600");
        f = fake_host_find(&fh, "does not read system-db:local");
        assert_non_null(f);
        assert_int_equal(f->status, MAMORI_ERROR);
        prof = slurp(rt, SL_USER_PROFILE, NULL);
        assert_string_equal(prof, "user-db:user\nsystem-db:site\n");
        assert_int_equal(fake_host_count(&fh, MAMORI_PASS), 0);
        fake_host_done(&fh);
}

static void test_enforce_refuses_unreadable_keyfile(void **state) {
        Root *rt = *state;
        const FakeFinding *f;
        FakeHost fh;
        FakeRule fr;
        struct stat st;

        gnome_machine(rt);
        put(rt, "etc/dconf/db/local.d/02-odd", "[org/example]\nmaybe=just 5\n");
        assert_int_equal(fake_host_init(&fh, rt->path, &mamori_plugin), 0);
        evaluate_enforce(&fh, &fr, "600");
        f = fake_host_find(&fh, "cannot compile /etc/dconf/db/local.d");
        assert_non_null(f);
        assert_int_equal(f->status, MAMORI_ERROR);
        assert_non_null(strstr(f->evidence, "02-odd line 2"));
        assert_non_null(strstr(f->evidence, "run dconf update"));
        /* Nothing half-compiled. */
        assert_int_equal(fstatat(rt->fd, SL_LOCAL_DB, &st, 0), -1);
        /* The keyfile, locks and profile were still written. */
        assert_int_equal(fh.n_events, 3);
        fake_host_done(&fh);
}

static void test_enforce_invalidates_old_database(void **state) {
        Root *rt = *state;
        char p[4200];
        uint8_t head[8];
        FakeHost fh;
        FakeRule fr;
        int old;

        gnome_machine(rt);
        put(rt, "etc/dconf/db/local.d/00-old", "[org/old]\nk=1\n");
        assert_int_equal(fake_host_init(&fh, rt->path, &mamori_plugin), 0);
        evaluate_enforce(&fh, &fr, "600");
        snprintf(p, sizeof(p), "%s/%s", rt->path, SL_LOCAL_DB);
        old = open(p, O_RDONLY | O_CLOEXEC);
        assert_true(old >= 0);
        assert_int_equal(pread(old, head, 8, 0), 8);
        assert_memory_equal(head, "GVariant", 8);

        /* A new setting: the file a running session has open is zeroed. */
        evaluate_enforce(&fh, &fr, "120");
        assert_int_equal(pread(old, head, 8, 0), 8);
        assert_memory_equal(head, "\0\0\0\0\0\0\0\0", 8);
        close(old);
        fake_host_done(&fh);
}

static void test_enforce_texts_mate_minutes(void **state) {
        const DconfDesktop *d[] = { &sl_dconf_mate, &sl_dconf_light_locker };
        ScreenlockParams p = { .max_idle_sec = 600, .max_lock_delay_sec = 0 };
        _cleanup_sl_free_ char *kf = NULL, *locks = NULL;

        assert_int_equal(sl_enforce_texts(d, 2, &p, &kf, &locks), 0);
        assert_non_null(strstr(kf, "\n[org/mate/desktop/session]\nidle-delay=int32 10\n"));
        assert_non_null(strstr(kf, "\n[org/mate/screensaver]\nlock-enabled=true\nlock-delay=int32 0\n"
                                   "idle-activation-enabled=true\n"));
        assert_non_null(strstr(kf, "\n[apps/light-locker]\nlock-after-screensaver=uint32 1\n"));
        assert_non_null(strstr(locks, "/apps/light-locker/lock-after-screensaver\n"));

        /* Under a minute still asks MATE for one minute. */
        p.max_idle_sec = 30;
        free(kf);
        free(locks);
        kf = locks = NULL;
        assert_int_equal(sl_enforce_texts(d, 1, &p, &kf, &locks), 0);
        assert_non_null(strstr(kf, "idle-delay=int32 1\n"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_by_hand),
                cmocka_unit_test(test_text_errors),
                cmocka_unit_test_setup_teardown(test_text_matches_dconf_compile, setup, teardown),
                cmocka_unit_test(test_keyfile_parse),
                cmocka_unit_test_setup_teardown(test_gvdb_write_read_back, setup, teardown),
                cmocka_unit_test(test_gvdb_write_many),
                cmocka_unit_test_setup_teardown(test_compile_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enforce_fresh_machine, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enforce_keeps_admin_settings, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enforce_profile_without_local, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enforce_refuses_unreadable_keyfile, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enforce_invalidates_old_database, setup, teardown),
                cmocka_unit_test(test_enforce_texts_mate_minutes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
