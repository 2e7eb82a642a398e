/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The screenlock plugin: the GVDB and GVariant readers on real databases
 * made by `dconf compile` and on hand-built bytes, the dconf profile
 * parser, and screenlock.policy driven through the exported struct on fake
 * machines (a mkdtemp() root with /etc/dconf, /etc/passwd and homes).
 *
 * Expected values come from the keyfiles the tests write, from bytes laid
 * out by hand, or from dconf's documented behaviour; never from the code
 * under test. Tests that need `dconf` (package dconf-cli) are skipped when
 * it is not installed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../plugins/screenlock/screenlock.h"

/* ---- a fake host ---------------------------------------------------------- */

#define MAX_FINDINGS 256

typedef struct Finding {
        mamori_status status;
        char subject[256];
        char evidence[1100];
} Finding;

struct mamori_host {
        Finding f[MAX_FINDINGS];
        size_t n;
};

static int fake_emit_finding(struct mamori_host *h, const struct mamori_rule *r,
                             const struct mamori_finding *f) {
        Finding *c;

        assert_non_null(r);
        assert_non_null(f->evidence);
        assert_true(h->n < MAX_FINDINGS);
        c = &h->f[h->n++];
        c->status = f->status;
        snprintf(c->subject, sizeof(c->subject), "%s", f->subject ? f->subject : "");
        snprintf(c->evidence, sizeof(c->evidence), "%s", f->evidence);
        return 0;
}

static void fake_log(struct mamori_host *h, int prio, const char *fmt, ...) {
}

static const struct mamori_param *fake_find_param(const struct mamori_rule *r, const char *key) {
        for (size_t i = 0; i < r->n_params; i++)
                if (strcmp(r->params[i].key, key) == 0)
                        return &r->params[i];
        return NULL;
}

/* ---- a fake machine --------------------------------------------------------- */

typedef struct Fixture {
        char root[64];
        int root_fd;
        struct mamori_host host;
        struct mamori_host_api api;
        void *state;
} Fixture;

#define T_OLD 1690000000        /* keyfiles written "then" */
#define T_DB 1700000000         /* compiled later */

static bool have_dconf(void) {
        return access("/usr/bin/dconf", X_OK) == 0;
}

static void mkdir_p(Fixture *f, const char *rel) {
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", f->root, rel);
        for (char *s = p + strlen(f->root) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
}

static void write_file(Fixture *f, const char *rel, const char *content) {
        char p[4096], dir[4096];
        FILE *fp;
        char *slash;

        snprintf(dir, sizeof(dir), "%s", rel);
        slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                mkdir_p(f, dir);
        }
        snprintf(p, sizeof(p), "%s/%s", f->root, rel);
        fp = fopen(p, "we");
        assert_non_null(fp);
        fputs(content, fp);
        assert_int_equal(fclose(fp), 0);
}

static void write_bytes(Fixture *f, const char *rel, const void *data, size_t n) {
        char p[4096];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", f->root, rel);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, n), (ssize_t) n);
        close(fd);
}

static size_t read_bytes(Fixture *f, const char *rel, uint8_t *buf, size_t size) {
        char p[4096];
        ssize_t n;
        int fd;

        snprintf(p, sizeof(p), "%s/%s", f->root, rel);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        n = read(fd, buf, size);
        assert_true(n >= 0 && (size_t) n < size);
        close(fd);
        return (size_t) n;
}

static void set_mtime(Fixture *f, const char *rel, time_t t) {
        struct timespec ts[2] = { { .tv_sec = t }, { .tv_sec = t } };

        assert_int_equal(utimensat(f->root_fd, rel, ts, 0), 0);
}

/* dconf compile OUT DIR, both relative to the root. */
static void dconf_compile(Fixture *f, const char *out_rel, const char *dir_rel) {
        char out[4096], dir[4096], odir[4096], *slash;
        pid_t pid;
        int status;

        snprintf(odir, sizeof(odir), "%s", out_rel);
        slash = strrchr(odir, '/');
        if (slash) {
                *slash = '\0';
                mkdir_p(f, odir);
        }
        snprintf(out, sizeof(out), "%s/%s", f->root, out_rel);
        snprintf(dir, sizeof(dir), "%s/%s", f->root, dir_rel);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execl("/usr/bin/dconf", "dconf", "compile", out, dir, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-screenlock-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        f->root_fd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->root_fd >= 0);
        f->api = (struct mamori_host_api) {
                .size = sizeof(struct mamori_host_api),
                .root_fd = f->root_fd,
                .root = f->root,
                .log = fake_log,
                .emit_finding = fake_emit_finding,
                .find_param = fake_find_param,
        };
        assert_int_equal(mamori_plugin.init(&f->host, &f->api, &f->state), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        mamori_plugin.free(f->state);
        close(f->root_fd);
        assert_int_equal(nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(f);
        return 0;
}

/* ---- building the machine -------------------------------------------------- */

static const char good_keyfile[] =
        "[org/gnome/desktop/session]\n"
        "idle-delay=uint32 300\n"
        "\n"
        "[org/gnome/desktop/screensaver]\n"
        "lock-enabled=true\n"
        "lock-delay=uint32 0\n"
        "idle-activation-enabled=true\n"
        "\n"
        "[org/gnome/desktop/lockdown]\n"
        "disable-lock-screen=false\n";

static const char all_locks[] =
        "/org/gnome/desktop/session/idle-delay\n"
        "/org/gnome/desktop/screensaver/lock-enabled\n"
        "/org/gnome/desktop/screensaver/lock-delay\n"
        "/org/gnome/desktop/screensaver/idle-activation-enabled\n"
        "/org/gnome/desktop/lockdown/disable-lock-screen\n";

static void add_gnome(Fixture *f) {
        write_file(f, "usr/bin/gnome-session", "#!/bin/sh\n");
}

static void add_passwd(Fixture *f) {
        write_file(f, "etc/passwd",
                   "root:x:0:0:root:/root:/bin/bash\n"
                   "lightdm:x:110:115::/var/lib/lightdm:/bin/false\n"
                   "taro:x:1000:1000:Taro:/home/taro:/bin/bash\n"
                   "hanako:x:1001:1001:Hanako:/home/hanako:/bin/bash\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
}

/* /etc/dconf/db/NAME compiled from a keyfile and (when locks != NULL) a
 * locks file; keyfiles dated T_OLD, the database T_DB. */
static void add_system_db(Fixture *f, const char *name, const char *keyfile, const char *locks) {
        char dir[256], file[300], lockdir[300], lockfile[350], db[256];

        snprintf(dir, sizeof(dir), "etc/dconf/db/%s.d", name);
        snprintf(file, sizeof(file), "%s/00-screenlock", dir);
        snprintf(lockdir, sizeof(lockdir), "%s/locks", dir);
        snprintf(lockfile, sizeof(lockfile), "%s/00-screenlock", lockdir);
        snprintf(db, sizeof(db), "etc/dconf/db/%s", name);

        write_file(f, file, keyfile);
        if (locks)
                write_file(f, lockfile, locks);
        dconf_compile(f, db, dir);

        set_mtime(f, file, T_OLD);
        if (locks) {
                set_mtime(f, lockfile, T_OLD);
                set_mtime(f, lockdir, T_OLD);
        }
        set_mtime(f, dir, T_OLD);
        set_mtime(f, db, T_DB);
}

static void add_user_db(Fixture *f, const char *user, const char *keyfile) {
        char dir[256], file[300], db[256];

        snprintf(dir, sizeof(dir), "src/%s.d", user);
        snprintf(file, sizeof(file), "%s/user", dir);
        snprintf(db, sizeof(db), "home/%s/.config/dconf/user", user);
        write_file(f, file, keyfile);
        dconf_compile(f, db, dir);
}

/* The good machine: GNOME, a profile, local with good values, all locked. */
static void add_good_machine(Fixture *f) {
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        add_system_db(f, "local", good_keyfile, all_locks);
}

/* ---- running the check ------------------------------------------------------ */

static void evaluate_with(Fixture *f, const char *max_idle, const char *max_lock_delay) {
        const char *idle_v[] = { max_idle, NULL };
        const char *delay_v[] = { max_lock_delay, NULL };
        struct mamori_param params[2];
        size_t n = 0;
        struct mamori_rule rule;
        size_t bad = 0;
        char msg[256];

        if (max_idle)
                params[n++] = (struct mamori_param) { .key = "max-idle-sec", .values = idle_v };
        if (max_lock_delay)
                params[n++] = (struct mamori_param) { .key = "max-lock-delay-sec", .values = delay_v };
        rule = (struct mamori_rule) {
                .id = "screenlock.idle-lock",
                .check = "screenlock.policy",
                .params = params,
                .n_params = n,
        };
        assert_int_equal(mamori_plugin.validate(f->state, &rule, &bad, msg, sizeof(msg)), 0);
        f->host.n = 0;
        assert_int_equal(mamori_plugin.evaluate(f->state, &rule), 0);
}

static void evaluate(Fixture *f) {
        evaluate_with(f, NULL, NULL);
}

static size_t count(Fixture *f, mamori_status status) {
        size_t n = 0;

        for (size_t i = 0; i < f->host.n; i++)
                n += f->host.f[i].status == status;
        return n;
}

/* The finding with that status and subject whose evidence holds every
 * NULL-terminated needle; fails the test when there is none. */
static const Finding *find(Fixture *f, mamori_status status, const char *subject, ...) {
        for (size_t i = 0; i < f->host.n; i++) {
                const Finding *g = &f->host.f[i];
                bool all = true;
                va_list ap;

                if (g->status != status || (subject && strcmp(g->subject, subject) != 0))
                        continue;
                va_start(ap, subject);
                for (const char *needle; (needle = va_arg(ap, const char *));)
                        if (!strstr(g->evidence, needle))
                                all = false;
                va_end(ap);
                if (all)
                        return g;
        }
        for (size_t i = 0; i < f->host.n; i++)
                print_message("  finding %zu: status %d subject \"%s\" evidence \"%s\"\n", i,
                              f->host.f[i].status, f->host.f[i].subject, f->host.f[i].evidence);
        fail_msg("no finding with status %d subject %s", status, subject ? subject : "(any)");
        return NULL;
}

static bool has_subject(Fixture *f, const char *subject) {
        for (size_t i = 0; i < f->host.n; i++)
                if (strcmp(f->host.f[i].subject, subject) == 0)
                        return true;
        return false;
}

#define SKIP_WITHOUT_DCONF()                                                  \
        do {                                                                  \
                if (!have_dconf()) {                                          \
                        print_message("dconf (dconf-cli) not installed\n");   \
                        skip();                                               \
                }                                                             \
        } while (0)

/* ---- GVariant ------------------------------------------------------------------ */

static void test_gvariant_types(void **state) {
        static const char *const valid[] = { "b", "u", "s", "v", "as", "a{sv}", "(iu)", "()",
                                             "mi", "{si}", "a(sa{sv})", "aay", "h", "g" };
        static const char *const invalid[] = { "", "a", "(i", "i)", "{ai}", "{s}", "{sii}", "r",
                                               "*", "?", "ii", "z", "m", "a{sv", "}" };
        char deep[300];

        for (size_t i = 0; i < SL_ELEMENTSOF(valid); i++)
                assert_int_equal(gvariant_type_check(valid[i], strlen(valid[i])), 0);
        for (size_t i = 0; i < SL_ELEMENTSOF(invalid); i++)
                assert_int_equal(gvariant_type_check(invalid[i], strlen(invalid[i])), -EINVAL);

        /* GLib stops at 128 levels of nesting. */
        memset(deep, 'a', 127);
        deep[127] = 'i';
        assert_int_equal(gvariant_type_check(deep, 128), 0);
        memset(deep, 'a', 200);
        deep[200] = 'i';
        assert_int_equal(gvariant_type_check(deep, 201), -EINVAL);
}

static void test_gvariant_numbers(void **state) {
        static const uint8_t u300_le[] = { 0x2c, 0x01, 0x00, 0x00 };
        static const uint8_t u300_be[] = { 0x00, 0x00, 0x01, 0x2c };
        static const uint8_t i_minus1[] = { 0xff, 0xff, 0xff, 0xff };
        static const uint8_t n_minus2_be[] = { 0xff, 0xfe };
        static const uint8_t t_le[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
        static const uint8_t x_min_le[] = { 0, 0, 0, 0, 0, 0, 0, 0x80 };
        GVariantValue v;

        assert_int_equal(gvariant_decode("u", 1, u300_le, 4, false, &v), 0);
        assert_int_equal(v.kind, GVARIANT_UINT32);
        assert_int_equal(v.u, 300);
        assert_int_equal(gvariant_decode("u", 1, u300_be, 4, true, &v), 0);
        assert_int_equal(v.u, 300);
        /* The same bytes in the other order are another number. */
        assert_int_equal(gvariant_decode("u", 1, u300_be, 4, false, &v), 0);
        assert_int_equal(v.u, 0x2c010000);

        assert_int_equal(gvariant_decode("i", 1, i_minus1, 4, false, &v), 0);
        assert_int_equal(v.kind, GVARIANT_INT32);
        assert_int_equal(v.i, -1);
        assert_int_equal(gvariant_decode("n", 1, n_minus2_be, 2, true, &v), 0);
        assert_int_equal(v.i, -2);
        assert_int_equal(gvariant_decode("t", 1, t_le, 8, false, &v), 0);
        assert_true(v.u == 0x0807060504030201ULL);
        assert_int_equal(gvariant_decode("x", 1, x_min_le, 8, false, &v), 0);
        assert_true(v.i == INT64_MIN);

        /* A fixed-size value of any other size is not in normal form. */
        assert_int_equal(gvariant_decode("u", 1, u300_le, 3, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("u", 1, t_le, 8, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("u", 1, NULL, 0, false, &v), -EBADMSG);
}

static void test_gvariant_booleans_strings(void **state) {
        static const uint8_t one = 1, zero = 0, two = 2;
        GVariantValue v;

        assert_int_equal(gvariant_decode("b", 1, &one, 1, false, &v), 0);
        assert_true(v.b);
        assert_int_equal(gvariant_decode("b", 1, &zero, 1, false, &v), 0);
        assert_false(v.b);
        assert_int_equal(gvariant_decode("b", 1, &two, 1, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("b", 1, (const uint8_t *) "\1\0", 2, false, &v), -EBADMSG);

        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "abc", 4, false, &v), 0);
        assert_int_equal(v.kind, GVARIANT_STRING);
        assert_int_equal(v.str_len, 3);
        assert_string_equal(v.str, "abc");
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "", 1, false, &v), 0);
        assert_int_equal(v.str_len, 0);
        /* 日 is three bytes of valid UTF-8. */
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "\xe6\x97\xa5", 4, false, &v), 0);

        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "ab", 2, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "a\0b", 4, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "\xc3\x28", 3, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "\xc0\xaf", 3, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "\xed\xa0\x80", 4, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode("s", 1, (const uint8_t *) "\xf4\x90\x80\x80", 5, false, &v),
                         -EBADMSG);
        assert_int_equal(gvariant_decode("s", 1, NULL, 0, false, &v), -EBADMSG);
}

static void test_gvariant_variant(void **state) {
        GVariantValue v;
        char buf[64];

        /* child data, a 0 byte, the child's type */
        assert_int_equal(gvariant_decode_variant((const uint8_t *) "\x2c\x01\x00\x00\x00u", 6, false, &v), 0);
        assert_int_equal(v.kind, GVARIANT_UINT32);
        assert_int_equal(v.u, 300);
        assert_string_equal(gvariant_format(&v, buf, sizeof(buf)), "300");

        assert_int_equal(gvariant_decode_variant((const uint8_t *) "\x01\x00" "b", 3, false, &v), 0);
        assert_true(v.b);
        assert_string_equal(gvariant_format(&v, buf, sizeof(buf)), "true");

        assert_int_equal(gvariant_decode_variant((const uint8_t *) "hi\0\0s", 5, false, &v), 0);
        assert_string_equal(v.str, "hi");
        assert_string_equal(gvariant_format(&v, buf, sizeof(buf)), "'hi'");

        /* A valid type this reader does not decode: reported, not guessed. */
        assert_int_equal(gvariant_decode_variant((const uint8_t *) "\0as", 3, false, &v), -EOPNOTSUPP);
        assert_int_equal(v.kind, GVARIANT_UNSUPPORTED);
        assert_string_equal(v.type, "as");
        assert_string_equal(gvariant_format(&v, buf, sizeof(buf)), "a value of type 'as'");

        assert_int_equal(gvariant_decode_variant((const uint8_t *) "abc", 3, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode_variant((const uint8_t *) "\0", 1, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode_variant((const uint8_t *) "\0*", 2, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode_variant((const uint8_t *) "\x01\x00u", 3, false, &v), -EBADMSG);
        assert_int_equal(gvariant_decode_variant(NULL, 0, false, &v), -EBADMSG);
}

/* ---- GVDB ------------------------------------------------------------------------- */

static uint32_t djb(const char *key) {
        uint32_t h = 5381;

        for (const char *p = key; *p; p++)
                h = h * 33 + (uint32_t) (int32_t) (signed char) *p;
        return h;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = v & 0xff;
        p[1] = (v >> 8) & 0xff;
        p[2] = (v >> 16) & 0xff;
        p[3] = (v >> 24) & 0xff;
}

/* A one-key GVDB laid out by hand: header, a table with n_bloom bloom
 * words and one bucket, one item, the key, then the variant "<4 bytes> 0
 * u". Returns the size. */
static size_t build_one_key(uint8_t *buf, const char *key, const uint8_t value[4], bool big_endian,
                            uint32_t n_bloom, uint32_t bloom_shift, uint32_t bloom_word) {
        size_t klen = strlen(key), table = 24, items, kstart, vstart, end;

        memset(buf, 0, 512);
        memcpy(buf, big_endian ? "raVGtnai" : "GVariant", 8);
        items = table + 8 + 4 * n_bloom + 4;
        kstart = items + 24;
        vstart = (kstart + klen + 7) & ~(size_t) 7;
        end = vstart + 6;

        put32(buf + 16, (uint32_t) table);
        put32(buf + 20, (uint32_t) kstart);
        put32(buf + table, n_bloom | bloom_shift << 27);
        put32(buf + table + 4, 1);
        for (uint32_t i = 0; i < n_bloom; i++)
                put32(buf + table + 8 + 4 * i, bloom_word);
        put32(buf + items - 4, 0);                      /* bucket 0 starts at item 0 */
        put32(buf + items, djb(key));
        put32(buf + items + 4, 0xffffffff);
        put32(buf + items + 8, (uint32_t) kstart);
        buf[items + 12] = (uint8_t) klen;
        buf[items + 13] = 0;
        buf[items + 14] = 'v';
        put32(buf + items + 16, (uint32_t) vstart);
        put32(buf + items + 20, (uint32_t) end);
        memcpy(buf + kstart, key, klen);
        memcpy(buf + vstart, value, 4);
        buf[vstart + 4] = 0;
        buf[vstart + 5] = 'u';
        return end;
}

static void test_gvdb_handbuilt_byte_orders(void **state) {
        static const uint8_t be600[] = { 0x00, 0x00, 0x02, 0x58 };
        static const uint8_t le600[] = { 0x58, 0x02, 0x00, 0x00 };
        const char *key = "/org/gnome/desktop/session/idle-delay";
        uint8_t buf[512];
        GvdbTable t;
        GVariantValue v;
        size_t n;

        n = build_one_key(buf, key, be600, true, 0, 0, 0);
        assert_int_equal(gvdb_table_open(buf, n, &t, NULL), 0);
        assert_true(t.big_endian);
        assert_int_equal(gvdb_table_get_value(&t, key, &v, NULL), 1);
        assert_int_equal(v.u, 600);

        n = build_one_key(buf, key, le600, false, 0, 0, 0);
        assert_int_equal(gvdb_table_open(buf, n, &t, NULL), 0);
        assert_false(t.big_endian);
        assert_int_equal(gvdb_table_get_value(&t, key, &v, NULL), 1);
        assert_int_equal(v.u, 600);
        assert_int_equal(gvdb_table_count_values(&t), 1);

        /* Another key, a prefix of it, the same key with another type. */
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/session/idle-delay2", &v, NULL), 0);
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/session/idle", &v, NULL), 0);
        assert_int_equal(gvdb_table_get_table(&t, key, &t, NULL), 0);
}

static void test_gvdb_bloom_filter(void **state) {
        static const uint8_t le1[] = { 1, 0, 0, 0 };
        const char *key = "/a/b";
        uint32_t h = djb(key), shift = 6, mask;
        uint8_t buf[512];
        GvdbTable t;
        GVariantValue v;
        size_t n;

        /* One bloom word holding exactly the key's two bits: found. */
        mask = (1U << (h & 31)) | (1U << ((h >> shift) & 31));
        n = build_one_key(buf, key, le1, false, 1, shift, mask);
        assert_int_equal(gvdb_table_open(buf, n, &t, NULL), 0);
        assert_int_equal(gvdb_table_get_value(&t, key, &v, NULL), 1);

        /* A bloom word without them: the reader trusts the filter. */
        n = build_one_key(buf, key, le1, false, 1, shift, ~mask);
        assert_int_equal(gvdb_table_open(buf, n, &t, NULL), 0);
        assert_int_equal(gvdb_table_get_value(&t, key, &v, NULL), 0);
}

static void test_gvdb_bad_headers(void **state) {
        static const uint8_t le1[] = { 1, 0, 0, 0 };
        uint8_t buf[512];
        const char *reason = NULL;
        GvdbTable t;
        size_t n;

        n = build_one_key(buf, "/k", le1, false, 0, 0, 0);
        assert_int_equal(gvdb_table_open(buf, 0, &t, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "shorter than a GVDB header"));
        assert_int_equal(gvdb_table_open(buf, 23, &t, &reason), -EBADMSG);

        buf[0] = 'X';
        assert_int_equal(gvdb_table_open(buf, n, &t, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "signature"));
        buf[0] = 'G';
        buf[8] = 1;             /* version 1 */
        assert_int_equal(gvdb_table_open(buf, n, &t, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "version"));
        buf[8] = 0;

        /* A parent that is not an item of the table. */
        put32(buf + 24 + 8 + 4 + 4, 7);
        assert_int_equal(gvdb_table_open(buf, n, &t, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "parent"));
        put32(buf + 24 + 8 + 4 + 4, 0xffffffff);

        /* A value that is not 8-byte aligned. */
        put32(buf + 24 + 8 + 4 + 16, 61);
        assert_int_equal(gvdb_table_open(buf, n, &t, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "value"));
}

static void test_gvdb_compiled(void **state) {
        Fixture *f = *state;
        uint8_t buf[8192];
        GvdbTable t, locks;
        GVariantValue v;
        size_t n;

        SKIP_WITHOUT_DCONF();
        write_file(f, "db.d/00-all",
                   "[org/gnome/desktop/session]\n"
                   "idle-delay=uint32 480\n"
                   "[org/gnome/desktop/screensaver]\n"
                   "lock-enabled=false\n"
                   "picture-uri='file:///usr/share/backgrounds/日本.png'\n"
                   "neg=int32 -5\n"
                   "big=int64 -9000000000\n"
                   "list=['a', 'b']\n");
        write_file(f, "db.d/locks/screensaver", "/org/gnome/desktop/screensaver/lock-enabled\n# not a lock\n");
        dconf_compile(f, "db", "db.d");
        n = read_bytes(f, "db", buf, sizeof(buf));

        assert_int_equal(gvdb_table_open(buf, n, &t, NULL), 0);
        assert_int_equal(gvdb_table_count_values(&t), 6);

        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/session/idle-delay", &v, NULL), 1);
        assert_int_equal(v.kind, GVARIANT_UINT32);
        assert_int_equal(v.u, 480);
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/screensaver/lock-enabled", &v, NULL), 1);
        assert_int_equal(v.kind, GVARIANT_BOOLEAN);
        assert_false(v.b);
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/screensaver/picture-uri", &v, NULL), 1);
        assert_int_equal(v.kind, GVARIANT_STRING);
        assert_string_equal(v.str, "file:///usr/share/backgrounds/日本.png");
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/screensaver/neg", &v, NULL), 1);
        assert_int_equal(v.kind, GVARIANT_INT32);
        assert_int_equal(v.i, -5);
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/screensaver/big", &v, NULL), 1);
        assert_true(v.i == -9000000000LL);
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/screensaver/list", &v, NULL), 1);
        assert_int_equal(v.kind, GVARIANT_UNSUPPORTED);
        assert_string_equal(v.type, "as");

        /* Absent keys, directories (lists, not values), the root. */
        assert_int_equal(gvdb_table_get_value(&t, "/org/gnome/desktop/screensaver/lock-delay", &v, NULL), 0);
        assert_int_equal(gvdb_table_has_value(&t, "/org/gnome/desktop/screensaver/"), 0);
        assert_int_equal(gvdb_table_has_value(&t, "/"), 0);
        assert_int_equal(gvdb_table_has_value(&t, ""), 0);

        /* The locks: a nested table, lines not starting with '/' dropped. */
        assert_int_equal(gvdb_table_get_table(&t, ".locks", &locks, NULL), 1);
        assert_int_equal(gvdb_table_has_value(&locks, "/org/gnome/desktop/screensaver/lock-enabled"), 1);
        assert_int_equal(gvdb_table_has_value(&locks, "/org/gnome/desktop/session/idle-delay"), 0);
        assert_int_equal(gvdb_table_count_values(&locks), 1);
        assert_int_equal(gvdb_table_has_value(&t, "/org/gnome/desktop/screensaver/lock-enabled"), 1);
}

static void test_gvdb_every_truncation_fails(void **state) {
        Fixture *f = *state;
        uint8_t buf[8192];
        GvdbTable t;
        size_t n;

        SKIP_WITHOUT_DCONF();
        write_file(f, "db.d/00", good_keyfile);
        write_file(f, "db.d/locks/00", all_locks);
        dconf_compile(f, "db", "db.d");
        n = read_bytes(f, "db", buf, sizeof(buf));
        assert_int_equal(gvdb_table_open(buf, n, &t, NULL), 0);

        /* The compiled file ends with the data of some value or table, so
         * every shorter prefix leaves something pointing past the end. */
        for (size_t k = 0; k < n; k++) {
                const char *reason = NULL;

                assert_int_equal(gvdb_table_open(buf, k, &t, &reason), -EBADMSG);
                assert_non_null(reason);
        }
}

/* ---- the profile ------------------------------------------------------------------- */

static void test_profile_parse(void **state) {
        static const char text[] =
                "# the staff terminals\n"
                "  user-db:user  \n"
                "system-db:local # ours\n"
                "\n"
                "sytem-db:typo\n"
                "system-db:\n"
                "file-db:/etc/dconf/extra\r\n"
                "service-db:keyfile/user\n"
                "system-db: lo cal\n"
                "system-db:";
        _cleanup_(dconf_profile_freep) DconfProfile *p = NULL;
        char buf[sizeof(text) + 100];

        /* The last line runs past dconf's 80-byte read buffer, unended. */
        memcpy(buf, text, sizeof(text) - 1);
        memset(buf + sizeof(text) - 1, 'a', 100);
        assert_int_equal(dconf_profile_parse(buf, sizeof(text) - 1 + 100, &p), 0);
        assert_int_equal(p->n_sources, 6);
        assert_int_equal(p->sources[0].type, DCONF_SOURCE_USER);
        assert_string_equal(p->sources[0].name, "user");
        assert_int_equal(p->sources[0].line, 2);
        assert_int_equal(p->sources[1].type, DCONF_SOURCE_SYSTEM);
        assert_string_equal(p->sources[1].name, "local");
        assert_int_equal(p->sources[1].line, 3);
        assert_int_equal(p->sources[2].type, DCONF_SOURCE_FILE);
        assert_string_equal(p->sources[2].name, "/etc/dconf/extra");
        assert_int_equal(p->sources[3].type, DCONF_SOURCE_SERVICE);
        assert_string_equal(p->sources[3].name, "keyfile/user");
        /* Only the line's ends are trimmed. */
        assert_string_equal(p->sources[4].name, " lo cal");
        assert_int_equal(strlen(p->sources[5].name), 100);
        assert_int_equal(p->n_ignored, 2);
        assert_int_equal(p->first_ignored, 5);
        assert_string_equal(dconf_source_type_to_string(p->sources[2].type), "file-db");
}

static void test_profile_default_and_empty(void **state) {
        _cleanup_(dconf_profile_freep) DconfProfile *d = NULL, *e = NULL, *z = NULL;

        assert_int_equal(dconf_profile_new_default(&d), 0);
        assert_int_equal(d->n_sources, 1);
        assert_int_equal(d->sources[0].type, DCONF_SOURCE_USER);
        assert_string_equal(d->sources[0].name, "user");

        assert_int_equal(dconf_profile_parse("", 0, &e), 0);
        assert_int_equal(e->n_sources, 0);
        assert_int_equal(e->n_ignored, 0);

        /* A NUL ends the line's text. */
        assert_int_equal(dconf_profile_parse("system-db:lo\0cal\nuser-db:u", 26, &z), 0);
        assert_int_equal(z->n_sources, 2);
        assert_string_equal(z->sources[0].name, "lo");
}

static void test_users_parse(void **state) {
        static const char text[] =
                "root:x:0:0:root:/root:/bin/bash\n"
                "taro:x:1000:1000::/home/taro:/bin/bash\n"
                "bad line\n"
                "hanako:x:1001:1001:,,,:/home/hanako:/bin/sh\r\n"
                "+nisgroup\n"
                "toolong:x:1002:1002::/home/t:/bin/sh:extra\n"
                "huge:x:99999999999:1::/h:/bin/sh\n"
                "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin";
        _cleanup_(sl_user_list_freep) SlUserList *l = NULL;

        assert_int_equal(sl_users_parse(text, sizeof(text) - 1, 1000, &l), 0);
        assert_int_equal(l->n_users, 3);
        assert_string_equal(l->users[0].name, "taro");
        assert_int_equal(l->users[0].uid, 1000);
        assert_string_equal(l->users[0].home, "/home/taro");
        assert_string_equal(l->users[1].name, "hanako");
        assert_string_equal(l->users[2].name, "nobody");
        assert_int_equal(l->users[2].uid, 65534);
        assert_int_equal(l->n_malformed, 3);
}

static void test_path_relative(void **state) {
        char buf[64];

        assert_int_equal(sl_path_relative("/home/taro", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "home/taro");
        assert_int_equal(sl_path_relative("//etc//dconf", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "etc//dconf");
        assert_int_equal(sl_path_relative("/", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sl_path_relative("home", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sl_path_relative("/home/../etc", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sl_path_relative("/home/..x", buf, sizeof(buf)), 0);
}

/* ---- params --------------------------------------------------------------------- */

static void test_validate(void **state) {
        Fixture *f = *state;
        const char *zero[] = { "0", NULL }, *ten[] = { "10", NULL }, *word[] = { "ten", NULL };
        const char *two[] = { "1", "2", NULL }, *huge[] = { "4294967296", NULL };
        struct mamori_param p[2];
        struct mamori_rule r = { .id = "x", .check = "screenlock.policy", .params = p };
        size_t bad;
        char msg[256];

        r.n_params = 0;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), 0);

        p[0] = (struct mamori_param) { "max-idle-sec", ten };
        p[1] = (struct mamori_param) { "max-lock-delay-sec", zero };
        r.n_params = 2;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), 0);

        /* idle-delay 0 is "never": a limit of 0 would allow nothing. */
        p[0].values = zero;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 0);
        assert_non_null(strstr(msg, "max-idle-sec"));

        p[0].values = word;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        p[0].values = two;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        p[0].values = ten;
        p[1].values = huge;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 1);

        p[1] = (struct mamori_param) { "max-idle-sec", ten };
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        assert_non_null(strstr(msg, "twice"));

        p[1] = (struct mamori_param) { "lock-delay", ten };
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        assert_non_null(strstr(msg, "unknown param"));

        /* screenlock.sessions takes the idle limit only. */
        r.check = "screenlock.sessions";
        r.n_params = 0;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), 0);
        p[0] = (struct mamori_param) { "max-idle-sec", ten };
        r.n_params = 1;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), 0);
        p[1] = (struct mamori_param) { "max-lock-delay-sec", zero };
        r.n_params = 2;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 1);
        assert_non_null(strstr(msg, "screenlock.sessions takes max-idle-sec"));

        r.check = "screenlock.other";
        r.n_params = 0;
        assert_int_equal(mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)), -ENOENT);

        assert_int_equal(mamori_plugin.abi, MAMORI_PLUGIN_ABI);
        assert_string_equal(mamori_plugin.name, "screenlock");
        assert_string_equal(mamori_plugin.checks[0], "screenlock.policy");
        assert_string_equal(mamori_plugin.checks[1], "screenlock.sessions");
        assert_null(mamori_plugin.checks[2]);
}

/* ---- screenlock.policy on fake machines ------------------------------------------- */

static void test_not_applicable_without_gnome(void **state) {
        Fixture *f = *state;

        /* dconf settings alone do not make a GNOME desktop. */
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        add_passwd(f);
        evaluate(f);
        assert_int_equal(f->host.n, 1);
        find(f, MAMORI_NOT_APPLICABLE, "", "no GNOME-family desktop", NULL);

        /* The schema alone is enough to count as installed. */
        write_file(f, "usr/share/glib-2.0/schemas/org.gnome.desktop.screensaver.gschema.xml", "<schemalist/>\n");
        evaluate(f);
        assert_int_equal(count(f, MAMORI_NOT_APPLICABLE), 0);
}

static void test_all_locked_passes(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        /* taro turns everything off, but every key is locked. */
        add_user_db(f, "taro",
                    "[org/gnome/desktop/session]\nidle-delay=uint32 0\n"
                    "[org/gnome/desktop/screensaver]\nlock-enabled=false\nlock-delay=uint32 3600\n"
                    "idle-activation-enabled=false\n"
                    "[org/gnome/desktop/lockdown]\ndisable-lock-screen=true\n");
        evaluate(f);
        assert_int_equal(f->host.n, 1);
        find(f, MAMORI_PASS, "", "idle-delay 300 s", "lock-enabled true", "lock-delay 0 s",
             "idle-activation-enabled true", "disable-lock-screen false", "all five locked",
             "/etc/dconf/profile/user", "system-db:local", "1 user database checked", NULL);
}

static void test_stricter_limits(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        evaluate_with(f, "299", NULL);
        assert_int_equal(f->host.n, 1);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/session/idle-delay",
             "idle-delay is 300 s, above max-idle-sec 299", "from system-db:local (/etc/dconf/db/local), locked",
             NULL);

        evaluate_with(f, "300", NULL);
        assert_int_equal(count(f, MAMORI_PASS), 1);
}

static void test_unlocked_keys_fail(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        add_system_db(f, "local", good_keyfile,
                      "/org/gnome/desktop/session/idle-delay\n"
                      "/org/gnome/desktop/screensaver/lock-enabled\n");
        evaluate(f);

        assert_int_equal(count(f, MAMORI_PASS), 0);
        assert_int_equal(count(f, MAMORI_FAIL), 3);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/screensaver/lock-delay",
             "is not locked", "staff can change it", "/etc/dconf/db/local.d/locks/", NULL);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/screensaver/idle-activation-enabled",
             "is not locked", NULL);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/lockdown/disable-lock-screen", "is not locked", NULL);
        assert_false(has_subject(f, "dconf:/org/gnome/desktop/session/idle-delay"));
}

static void test_user_overrides_unlocked_key(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        add_system_db(f, "local", good_keyfile,
                      "/org/gnome/desktop/session/idle-delay\n"
                      "/org/gnome/desktop/screensaver/lock-enabled\n"
                      "/org/gnome/desktop/screensaver/lock-delay\n"
                      "/org/gnome/desktop/screensaver/idle-activation-enabled\n");
        /* taro's own database: an unlocked key and a locked one. */
        add_user_db(f, "taro",
                    "[org/gnome/desktop/lockdown]\ndisable-lock-screen=true\n"
                    "[org/gnome/desktop/session]\nidle-delay=uint32 0\n");
        /* hanako sets the unlocked key to what the policy wants anyway. */
        add_user_db(f, "hanako", "[org/gnome/desktop/lockdown]\ndisable-lock-screen=false\n");
        evaluate(f);

        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/lockdown/disable-lock-screen", "is not locked", NULL);
        find(f, MAMORI_FAIL, "user:taro", "disable-lock-screen is true",
             "from user-db:user (/home/taro/.config/dconf/user)", NULL);
        /* The locked idle-delay 0 in taro's database does not count. */
        assert_null(strstr(find(f, MAMORI_FAIL, "user:taro", NULL)->evidence, "idle-delay"));
        assert_false(has_subject(f, "user:hanako"));
        assert_int_equal(count(f, MAMORI_FAIL), 2);
}

static void test_missing_profile(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        /* Debian ships the databases' directory but no profile. */
        add_system_db(f, "local", good_keyfile, all_locks);
        evaluate(f);

        find(f, MAMORI_FAIL, "/etc/dconf/profile/user", "missing", "user-db:user alone",
             "no system database and no lock is ever applied", NULL);
        /* Then nothing is locked, and the schema defaults apply. */
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/session/idle-delay", "not locked",
             "without a profile no system database is read", NULL);
        assert_int_equal(count(f, MAMORI_FAIL), 6);
        assert_int_equal(count(f, MAMORI_PASS), 0);
}

static void test_profile_from_data_dirs(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        add_system_db(f, "local", good_keyfile, all_locks);
        /* dconf looks in XDG_DATA_DIRS when /etc has no "user" profile. */
        write_file(f, "usr/share/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        evaluate(f);
        find(f, MAMORI_PASS, "", "profile /usr/share/dconf/profile/user", NULL);
}

static void test_profile_problems(void **state) {
        Fixture *f = *state;
        char p[256];

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsytem-db:local\nsystem-db:local\n");
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/profile/user", "1 line dconf does not understand", "line 2", NULL);
        assert_int_equal(count(f, MAMORI_FAIL), 1);

        /* dconf in a staff session cannot read a root-only profile. */
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        snprintf(p, sizeof(p), "%s/etc/dconf/profile/user", f->root);
        assert_int_equal(chmod(p, 0600), 0);
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/profile/user", "not readable by other users (mode 0600)", NULL);

        /* The same for a system database. */
        assert_int_equal(chmod(p, 0644), 0);
        snprintf(p, sizeof(p), "%s/etc/dconf/db/local", f->root);
        assert_int_equal(chmod(p, 0640), 0);
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/db/local", "not readable by other users (mode 0640)", NULL);
        assert_int_equal(count(f, MAMORI_PASS), 0);
}

static void test_missing_database(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\nsystem-db:site\n");
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/db/site", "is missing", "system-db:site",
             "/etc/dconf/profile/user line 3", NULL);
        assert_int_equal(count(f, MAMORI_FAIL), 1);
}

static void test_stale_keyfile(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);

        /* A keyfile edited in place after the last compile: the directory
         * keeps its old time, so dconf update will not even notice. */
        set_mtime(f, "etc/dconf/db/local.d/00-screenlock", T_DB + 60);
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/db/local", "edited but not compiled",
             "/etc/dconf/db/local.d/00-screenlock", "2023-11-14 22:14:20 UTC",
             "dconf update will skip it", NULL);
        assert_int_equal(count(f, MAMORI_PASS), 0);

        /* A new lock file: locks/ changes too, so dconf update would run. */
        set_mtime(f, "etc/dconf/db/local.d/00-screenlock", T_OLD);
        write_file(f, "etc/dconf/db/local.d/locks/01-more", "/org/gnome/desktop/screensaver/picture-uri\n");
        set_mtime(f, "etc/dconf/db/local.d/locks/01-more", T_DB + 1);
        set_mtime(f, "etc/dconf/db/local.d/locks", T_DB + 1);
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/db/local", "edited but not compiled",
             "/etc/dconf/db/local.d/locks", "(run dconf update)", NULL);
        assert_null(strstr(find(f, MAMORI_FAIL, "/etc/dconf/db/local", NULL)->evidence, "skip"));

        /* Compiled since: nothing to say. */
        set_mtime(f, "etc/dconf/db/local", T_DB + 2);
        evaluate(f);
        assert_int_equal(count(f, MAMORI_PASS), 1);
}

static void test_never_compiled(void **state) {
        Fixture *f = *state;
        char p[256];

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        snprintf(p, sizeof(p), "%s/etc/dconf/db/local", f->root);
        assert_int_equal(unlink(p), 0);
        evaluate(f);
        find(f, MAMORI_FAIL, "/etc/dconf/db/local", "never compiled", "/etc/dconf/db/local.d",
             "run dconf update", NULL);
        /* Reported once, not also as a missing database. */
        for (size_t i = 0; i < f->host.n; i++)
                assert_null(strstr(f->host.f[i].evidence, "is missing"));
}

static void test_corrupt_system_db(void **state) {
        Fixture *f = *state;
        uint8_t buf[8192];
        size_t n;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        write_file(f, "etc/dconf/db/local", "[org/gnome/desktop/session]\nidle-delay=uint32 300\n");
        set_mtime(f, "etc/dconf/db/local", T_DB);
        evaluate(f);
        find(f, MAMORI_ERROR, "/etc/dconf/db/local", "cannot read /etc/dconf/db/local",
             "not a GVDB file", NULL);
        assert_int_equal(count(f, MAMORI_PASS), 0);
        /* No verdict on values read from a database that was not read. */
        assert_int_equal(count(f, MAMORI_FAIL), 0);

        /* Truncated: a compiled database cut in half. */
        dconf_compile(f, "etc/dconf/db/local", "etc/dconf/db/local.d");
        n = read_bytes(f, "etc/dconf/db/local", buf, sizeof(buf));
        write_bytes(f, "etc/dconf/db/local", buf, n / 2);
        set_mtime(f, "etc/dconf/db/local", T_DB);
        evaluate(f);
        find(f, MAMORI_ERROR, "/etc/dconf/db/local", "outside the file", NULL);
        assert_int_equal(count(f, MAMORI_FAIL) + count(f, MAMORI_PASS), 0);

        /* Empty. */
        write_bytes(f, "etc/dconf/db/local", buf, 0);
        set_mtime(f, "etc/dconf/db/local", T_DB);
        evaluate(f);
        find(f, MAMORI_ERROR, "/etc/dconf/db/local", "empty or truncated", NULL);
}

static void test_corrupt_user_db(void **state) {
        Fixture *f = *state;
        uint8_t buf[8192];
        size_t n;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        add_user_db(f, "taro", "[org/gnome/desktop/session]\nidle-delay=uint32 0\n");
        n = read_bytes(f, "home/taro/.config/dconf/user", buf, sizeof(buf));
        write_bytes(f, "home/taro/.config/dconf/user", buf, n - 3);
        add_user_db(f, "hanako", "[org/gnome/desktop/session]\nidle-delay=uint32 60\n");
        evaluate(f);
        find(f, MAMORI_ERROR, "user:taro", "cannot read /home/taro/.config/dconf/user", "outside the file",
             NULL);
        assert_int_equal(count(f, MAMORI_ERROR), 1);
        assert_int_equal(count(f, MAMORI_FAIL), 0);
        assert_int_equal(count(f, MAMORI_PASS), 0);
}

static void test_values_break_limits(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        add_system_db(f, "local",
                      "[org/gnome/desktop/session]\nidle-delay=uint32 900\n"
                      "[org/gnome/desktop/screensaver]\nlock-enabled=false\nlock-delay=uint32 30\n"
                      "idle-activation-enabled=false\n"
                      "[org/gnome/desktop/lockdown]\ndisable-lock-screen=true\n",
                      all_locks);
        evaluate_with(f, "600", "0");

        assert_int_equal(count(f, MAMORI_FAIL), 5);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/session/idle-delay",
             "idle-delay is 900 s, above max-idle-sec 600", NULL);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/screensaver/lock-enabled",
             "lock-enabled is false", NULL);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/screensaver/lock-delay",
             "lock-delay is 30 s, above max-lock-delay-sec 0", NULL);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/screensaver/idle-activation-enabled",
             "idle-activation-enabled is false", NULL);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/lockdown/disable-lock-screen",
             "disable-lock-screen is true", NULL);

        /* A looser lock-delay limit lets 30 s through. */
        evaluate_with(f, "600", "30");
        assert_int_equal(count(f, MAMORI_FAIL), 4);
}

static void test_idle_delay_zero_and_defaults(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        /* Only idle-delay set; the rest locked at the schema defaults. */
        add_system_db(f, "local", "[org/gnome/desktop/session]\nidle-delay=uint32 0\n", all_locks);
        evaluate(f);
        assert_int_equal(count(f, MAMORI_FAIL), 1);
        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/session/idle-delay",
             "idle-delay is 0: the session never goes idle", NULL);

        add_system_db(f, "local", "[org/gnome/desktop/session]\nidle-delay=uint32 600\n", all_locks);
        evaluate(f);
        find(f, MAMORI_PASS, "", "idle-delay 600 s", "lock-enabled true", "lock-delay 0 s", NULL);
}

static void test_wrong_type_means_schema_default(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        add_system_db(f, "local", "[org/gnome/desktop/session]\nidle-delay=uint32 120\n",
                      "/org/gnome/desktop/screensaver/lock-enabled\n"
                      "/org/gnome/desktop/screensaver/lock-delay\n"
                      "/org/gnome/desktop/screensaver/idle-activation-enabled\n"
                      "/org/gnome/desktop/lockdown/disable-lock-screen\n");
        /* int32 is not the schema's uint32: GSettings drops it and uses the
         * schema default 300, not the system's 120. */
        add_user_db(f, "taro", "[org/gnome/desktop/session]\nidle-delay=int32 0\n");
        evaluate_with(f, "200", NULL);

        find(f, MAMORI_FAIL, "dconf:/org/gnome/desktop/session/idle-delay", "not locked", NULL);
        find(f, MAMORI_FAIL, "user:taro", "idle-delay is 300 s, above max-idle-sec 200",
             "the schema default: user-db:user (/home/taro/.config/dconf/user) holds 0 of type 'i'", NULL);
        assert_int_equal(count(f, MAMORI_FAIL), 2);
}

static void test_lock_in_lower_priority_db(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        write_file(f, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\nsystem-db:site\n");
        /* local sets 900 without locking it; site sets 300 and locks it.
         * dconf reads a locked key from the locking database onwards, so
         * 300 applies. */
        add_system_db(f, "local",
                      "[org/gnome/desktop/session]\nidle-delay=uint32 900\n"
                      "[org/gnome/desktop/screensaver]\nlock-enabled=true\n",
                      "/org/gnome/desktop/screensaver/lock-enabled\n"
                      "/org/gnome/desktop/screensaver/lock-delay\n"
                      "/org/gnome/desktop/screensaver/idle-activation-enabled\n"
                      "/org/gnome/desktop/lockdown/disable-lock-screen\n");
        add_system_db(f, "site", "[org/gnome/desktop/session]\nidle-delay=uint32 300\n",
                      "/org/gnome/desktop/session/idle-delay\n");
        evaluate(f);
        find(f, MAMORI_PASS, "", "idle-delay 300 s", NULL);
}

static void test_system_db_first_is_read_only(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_gnome(f);
        add_passwd(f);
        /* A profile that starts with a system database is never writable:
         * no lock is needed, and user databases after it rank below. */
        write_file(f, "etc/dconf/profile/user", "system-db:local\nuser-db:user\n");
        add_system_db(f, "local", good_keyfile, NULL);
        add_user_db(f, "taro", "[org/gnome/desktop/session]\nidle-delay=uint32 0\n"
                               "[org/gnome/desktop/lockdown]\ndisable-lock-screen=true\n");
        evaluate(f);
        find(f, MAMORI_PASS, "", "all five locked", "1 user database checked", NULL);
        assert_int_equal(f->host.n, 1);
}

static void test_runtime_profile(void **state) {
        Fixture *f = *state;

        SKIP_WITHOUT_DCONF();
        add_good_machine(f);
        add_user_db(f, "taro", "[org/gnome/desktop/session]\nidle-delay=uint32 0\n");
        /* taro's session wrote its own profile: no system database. */
        write_file(f, "run/user/1000/dconf/profile", "user-db:user\n");
        evaluate(f);
        find(f, MAMORI_FAIL, "user:taro", "runtime profile /run/user/1000/dconf/profile",
             "replaces /etc/dconf/profile/user", NULL);
        find(f, MAMORI_FAIL, "user:taro", "idle-delay is 0", "from user-db:user",
             "profile /run/user/1000/dconf/profile", "lock-enabled is not locked", NULL);
        assert_int_equal(count(f, MAMORI_PASS), 0);

        /* A mandatory profile comes before it, and names the system's
         * database: taro's idle-delay 0 is locked out again. */
        write_file(f, "run/dconf/user/1000", "user-db:user\nsystem-db:local\n");
        evaluate(f);
        find(f, MAMORI_PASS, "", "1 user database checked", NULL);
        assert_int_equal(f->host.n, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gvariant_types),
                cmocka_unit_test(test_gvariant_numbers),
                cmocka_unit_test(test_gvariant_booleans_strings),
                cmocka_unit_test(test_gvariant_variant),
                cmocka_unit_test(test_gvdb_handbuilt_byte_orders),
                cmocka_unit_test(test_gvdb_bloom_filter),
                cmocka_unit_test(test_gvdb_bad_headers),
                cmocka_unit_test_setup_teardown(test_gvdb_compiled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_gvdb_every_truncation_fails, setup, teardown),
                cmocka_unit_test(test_profile_parse),
                cmocka_unit_test(test_profile_default_and_empty),
                cmocka_unit_test(test_users_parse),
                cmocka_unit_test(test_path_relative),
                cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_applicable_without_gnome, setup, teardown),
                cmocka_unit_test_setup_teardown(test_all_locked_passes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stricter_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unlocked_keys_fail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_user_overrides_unlocked_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_profile, setup, teardown),
                cmocka_unit_test_setup_teardown(test_profile_from_data_dirs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_profile_problems, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_database, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale_keyfile, setup, teardown),
                cmocka_unit_test_setup_teardown(test_never_compiled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_system_db, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_user_db, setup, teardown),
                cmocka_unit_test_setup_teardown(test_values_break_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_idle_delay_zero_and_defaults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_type_means_schema_default, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock_in_lower_priority_db, setup, teardown),
                cmocka_unit_test_setup_teardown(test_system_db_first_is_read_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_runtime_profile, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
