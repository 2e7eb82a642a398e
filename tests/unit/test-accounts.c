/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The accounts plugin driven through its exported struct, the way mamorid
 * drives it: a fake host records findings, and each test builds a fake
 * Debian 12 root in a mkdtemp() folder. Expected statuses, subjects and
 * evidence are written out by hand from the fixtures. */
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
#include <unistd.h>

#include "../../plugins/accounts/accounts.h"
#include "fake-host.h"

#define MAX_FINDINGS 256

typedef struct Finding {
        mamori_status status;
        bool has_subject;
        char subject[256];
        char evidence[2048];
} Finding;

struct mamori_host {
        Finding f[MAX_FINDINGS];
        size_t n;
};

typedef struct Fixture {
        char root[64];
        int root_fd;
        struct mamori_host host;
        struct mamori_host_api api;
        void *state;
} Fixture;

/* Parts of password hashes in the fixtures: no evidence may show them. */
#define ROOT_HASH "$y$j9T$Qm4bXPpQ7uGk1vQ2Yx3Hn.$R00tHashR00tHashR00tHashR00tHashR00tHash123"
#define TARO_HASH "$y$j9T$T4roSaltT4roSalt1234.$T4roHashT4roHashT4roHashT4roHashT4roHash456"
#define HANAKO_HASH "$6$h4n4k0s4lt$H4n4k0H4shH4n4k0H4shH4n4k0H4shH4n4k0H4shH4n4k0H4shH4n4k0H4sh789"

static const char *const secrets[] = {
        ROOT_HASH, "Qm4bXPpQ7uGk1vQ2Yx3Hn", "R00tHash",
        TARO_HASH, "T4roSaltT4roSalt1234", "T4roHash",
        HANAKO_HASH, "h4n4k0s4lt", "H4n4k0H4sh",
        "$y$", "$6$",
        NULL,
};

static int fake_emit(struct mamori_host *h, const struct mamori_rule *r, const struct mamori_finding *f) {
        Finding *x;

        assert_non_null(r);
        assert_non_null(f);
        assert_non_null(f->evidence);
        for (const char *const *s = secrets; *s; s++) {
                if (strstr(f->evidence, *s))
                        fail_msg("evidence shows a password hash part \"%s\": %s", *s, f->evidence);
                if (f->subject && strstr(f->subject, *s))
                        fail_msg("subject shows a password hash part \"%s\": %s", *s, f->subject);
        }
        /* Evidence stays one line. */
        for (const char *p = f->evidence; *p; p++)
                assert_false((unsigned char) *p < 0x20);

        assert_true(h->n < MAX_FINDINGS);
        x = &h->f[h->n++];
        x->status = f->status;
        x->has_subject = f->subject != NULL;
        snprintf(x->subject, sizeof(x->subject), "%s", f->subject ? f->subject : "");
        snprintf(x->evidence, sizeof(x->evidence), "%s", f->evidence);
        return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        return remove(path);
}

static void mkdir_parents(Fixture *f, const char *rel) {
        char path[512], *p;

        snprintf(path, sizeof(path), "%s/%s", f->root, rel);
        for (p = path + strlen(f->root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        fail_msg("mkdir %s: %s", path, strerror(errno));
                *p = '/';
        }
}

static void put(Fixture *f, const char *rel, const char *text) {
        char path[512];
        FILE *fp;

        mkdir_parents(f, rel);
        snprintf(path, sizeof(path), "%s/%s", f->root, rel);
        fp = fopen(path, "we");
        assert_non_null(fp);
        assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
        assert_int_equal(fclose(fp), 0);
}

static void del(Fixture *f, const char *rel) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", f->root, rel);
        assert_int_equal(unlink(path), 0);
}

/* ---- a Debian 12 root ------------------------------------------------------------ */

static const char debian_passwd[] =
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
        "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
        "sync:x:4:65534:sync:/bin:/bin/sync\n"
        "games:x:5:60:games:/usr/games:/usr/sbin/nologin\n"
        "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin\n"
        "lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n"
        "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin\n"
        "news:x:9:9:news:/var/spool/news:/usr/sbin/nologin\n"
        "uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin\n"
        "proxy:x:13:13:proxy:/bin:/usr/sbin/nologin\n"
        "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
        "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n"
        "list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin\n"
        "irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin\n"
        "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        "systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin\n"
        "messagebus:x:100:107::/nonexistent:/usr/sbin/nologin\n"
        "sshd:x:101:65534::/run/sshd:/usr/sbin/nologin\n"
        "taro:x:1000:1000:Taro Yamada,,,:/home/taro:/bin/bash\n"
        "hanako:x:1001:1001:Hanako Suzuki,,,:/home/hanako:/bin/bash\n";
#define DEBIAN_ACCOUNTS 23

static const char debian_shadow[] =
        "root:" ROOT_HASH ":19700:0:99999:7:::\n"
        "daemon:*:19700:0:99999:7:::\n"
        "bin:*:19700:0:99999:7:::\n"
        "sys:*:19700:0:99999:7:::\n"
        "sync:*:19700:0:99999:7:::\n"
        "games:*:19700:0:99999:7:::\n"
        "man:*:19700:0:99999:7:::\n"
        "lp:*:19700:0:99999:7:::\n"
        "mail:*:19700:0:99999:7:::\n"
        "news:*:19700:0:99999:7:::\n"
        "uucp:*:19700:0:99999:7:::\n"
        "proxy:*:19700:0:99999:7:::\n"
        "www-data:*:19700:0:99999:7:::\n"
        "backup:*:19700:0:99999:7:::\n"
        "list:*:19700:0:99999:7:::\n"
        "irc:*:19700:0:99999:7:::\n"
        "_apt:*:19700:0:99999:7:::\n"
        "nobody:*:19700:0:99999:7:::\n"
        "systemd-network:!*:19700::::::\n"
        "messagebus:!:19700::::::\n"
        "sshd:!:19700::::::\n"
        "taro:" TARO_HASH ":19700:0:99999:7:::\n"
        "hanako:" HANAKO_HASH ":19700:0:99999:7:::\n";

static const char debian_group[] =
        "root:x:0:\n"
        "daemon:x:1:\n"
        "bin:x:2:\n"
        "sys:x:3:\n"
        "adm:x:4:\n"
        "tty:x:5:\n"
        "disk:x:6:\n"
        "lp:x:7:\n"
        "mail:x:8:\n"
        "news:x:9:\n"
        "uucp:x:10:\n"
        "man:x:12:\n"
        "proxy:x:13:\n"
        "kmem:x:15:\n"
        "dialout:x:20:\n"
        "fax:x:21:\n"
        "voice:x:22:\n"
        "cdrom:x:24:taro,hanako\n"
        "floppy:x:25:taro,hanako\n"
        "tape:x:26:\n"
        "sudo:x:27:taro\n"
        "audio:x:29:taro,hanako\n"
        "dip:x:30:taro\n"
        "www-data:x:33:\n"
        "backup:x:34:\n"
        "operator:x:37:\n"
        "list:x:38:\n"
        "irc:x:39:\n"
        "src:x:40:\n"
        "shadow:x:42:\n"
        "utmp:x:43:\n"
        "video:x:44:taro,hanako\n"
        "sasl:x:45:\n"
        "plugdev:x:46:taro,hanako\n"
        "staff:x:50:\n"
        "games:x:60:\n"
        "users:x:100:taro,hanako\n"
        "nogroup:x:65534:\n"
        "systemd-journal:x:999:\n"
        "systemd-network:x:998:\n"
        "messagebus:x:107:\n"
        "ssh:x:108:\n"
        "taro:x:1000:\n"
        "hanako:x:1001:\n";

/* Debian 12's /etc/login.defs, shortened; PASS_MAX_DAYS stays on line 10. */
static const char debian_login_defs[] =
        "#\n"                                                   /* 1 */
        "# /etc/login.defs - Configuration control definitions for the login package.\n"
        "#\n"
        "MAIL_DIR        /var/mail\n"
        "FAILLOG_ENAB\t\tyes\n"                                 /* 5 */
        "#\n"
        "# Password aging controls:\n"
        "#\n"
        "#\tPASS_MAX_DAYS\tMaximum number of days a password may be used.\n"
        "PASS_MAX_DAYS\t99999\n"                                /* 10 */
        "PASS_MIN_DAYS\t0\n"
        "PASS_WARN_AGE\t7\n"
        "#\n"
        "# Min/max values for automatic uid selection in useradd\n"
        "#\n"                                                   /* 15 */
        "UID_MIN\t\t\t 1000\n"
        "UID_MAX\t\t\t60000\n"
        "ENCRYPT_METHOD SHA512\n";

/* Debian 12's common-password as pam-auth-update writes it without
 * libpam-pwquality: pam_unix on line 25. */
static const char debian_common_password[] =
        "#\n"                                                                   /* 1 */
        "# /etc/pam.d/common-password - password-related modules common to all services\n"
        "#\n"
        "# This file is included from other service-specific PAM config files,\n"
        "# and should contain a list of modules that define the services to be\n" /* 5 */
        "# used to change user passwords.  The default is pam_unix.\n"
        "\n"
        "# Explanation of pam_unix options:\n"
        "# The \"yescrypt\" option enables\n"
        "#hashed passwords using the yescrypt algorithm, introduced in Debian\n" /* 10 */
        "#11.  Without this option, the default is Unix crypt.  Prior releases\n"
        "#used the option \"sha512\"; if a shadow password hash will be shared\n"
        "#between Debian 11 and older releases replace \"yescrypt\" with \"sha512\"\n"
        "#for compatibility .  The \"obscure\" option replaces the old\n"
        "#`OBSCURE_CHECKS_ENAB' option in login.defs.  See the pam_unix manpage\n" /* 15 */
        "#for other options.\n"
        "\n"
        "# As of pam 1.0.1-6, this file is managed by pam-auth-update by default.\n"
        "# To take advantage of this, it is recommended that you configure any\n"
        "# local modules either before or after the default block, and use\n"    /* 20 */
        "# pam-auth-update to manage selection of other modules.  See\n"
        "# pam-auth-update(8) for details.\n"
        "\n"
        "# here are the per-package modules (the \"Primary\" block)\n"
        "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n" /* 25 */
        "# here's the fallback if no module succeeds\n"
        "password\trequisite\t\t\tpam_deny.so\n"
        "# prime the stack with a positive return value if there isn't one already;\n"
        "# this avoids us returning an error just because nothing sets a success code\n"
        "# since the modules above will each just jump around\n"                /* 30 */
        "password\trequired\t\t\tpam_permit.so\n"
        "# and here are more per-package modules (the \"Additional\" block)\n"
        "# end of pam-auth-update config\n";

/* The same with libpam-pwquality installed: pam_pwquality on line 2. */
static const char pwquality_common_password[] =
        "# here are the per-package modules (the \"Primary\" block)\n"         /* 1 */
        "password\trequisite\t\t\tpam_pwquality.so retry=3\n"
        "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n"
        "# here's the fallback if no module succeeds\n"
        "password\trequisite\t\t\tpam_deny.so\n"                               /* 5 */
        "password\trequired\t\t\tpam_permit.so\n";

/* libpwquality-common's pwquality.conf: everything commented out. */
static const char debian_pwquality_conf[] =
        "# Configuration for systemwide password quality limits\n"
        "# Defaults:\n"
        "#\n"
        "# Number of characters in the new password that must not be present in the\n"
        "# old password.\n"
        "# difok = 1\n"
        "#\n"
        "# Minimum acceptable size for the new password (plus one if\n"
        "# credits are not disabled which is the default). (See pam_cracklib manual.)\n"
        "# Cannot be set to lower value than 6.\n"
        "# minlen = 8\n"
        "#\n"
        "# The maximum credit for having digits in the new password. If less than 0\n"
        "# it is the minimum number of digits in the new password.\n"
        "# dcredit = 0\n"
        "#\n"
        "# The minimum number of required classes of characters for the new\n"
        "# password (digits, uppercase, lowercase, others).\n"
        "# minclass = 0\n";

static void debian_root(Fixture *f) {
        put(f, "etc/passwd", debian_passwd);
        put(f, "etc/shadow", debian_shadow);
        put(f, "etc/group", debian_group);
        put(f, "etc/login.defs", debian_login_defs);
        put(f, "etc/pam.d/common-password", debian_common_password);
        put(f, "etc/security/pwquality.conf", debian_pwquality_conf);
}

/* ---- fixture and helpers ---------------------------------------------------------- */

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-accounts-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        f->root_fd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->root_fd >= 0);

        f->api = (struct mamori_host_api) {
                .size = sizeof(struct mamori_host_api),
                .root_fd = f->root_fd,
                .root = f->root,
                .emit_finding = fake_emit,
        };
        assert_int_equal(mamori_plugin.init(&f->host, &f->api, &f->state), 0);
        assert_non_null(f->state);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        assert_null(mamori_plugin.free(f->state));
        close(f->root_fd);
        (void) nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static int validate(Fixture *f, const char *check, const struct mamori_param *params, size_t n,
                    size_t *ret_param, char *msg, size_t msg_size) {
        const struct mamori_rule r = {
                .id = "test.rule",
                .check = check,
                .params = params,
                .n_params = n,
        };

        return mamori_plugin.validate(f->state, &r, ret_param, msg, msg_size);
}

/* Validates (which must pass), then evaluates. */
static int run(Fixture *f, const char *check, const struct mamori_param *params, size_t n) {
        const struct mamori_rule r = {
                .id = "test.rule",
                .check = check,
                .params = params,
                .n_params = n,
        };
        size_t bad = 0;
        char msg[256];

        if (mamori_plugin.validate(f->state, &r, &bad, msg, sizeof(msg)) != 0)
                fail_msg("validate refused %s: %s", check, msg);
        f->host.n = 0;
        return mamori_plugin.evaluate(f->state, &r);
}

static void assert_one(Fixture *f, mamori_status status, const char *subject, const char *evidence) {
        if (f->host.n != 1) {
                for (size_t i = 0; i < f->host.n; i++)
                        print_message("finding %zu: %d %s: %s\n", i, f->host.f[i].status,
                                      f->host.f[i].subject, f->host.f[i].evidence);
                fail_msg("expected 1 finding, got %zu", f->host.n);
        }
        assert_int_equal(f->host.f[0].status, status);
        if (subject)
                assert_string_equal(f->host.f[0].subject, subject);
        else
                assert_false(f->host.f[0].has_subject);
        if (evidence)
                assert_string_equal(f->host.f[0].evidence, evidence);
}

static void assert_contains(const char *haystack, const char *needle) {
        if (!strstr(haystack, needle))
                fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static const Finding *find_subject(Fixture *f, const char *subject) {
        for (size_t i = 0; i < f->host.n; i++)
                if (strcmp(f->host.f[i].subject, subject) == 0)
                        return &f->host.f[i];
        fail_msg("no finding for %s", subject);
        return NULL;
}

/* ---- the struct ---------------------------------------------------------------------- */

static void test_struct(void **state) {
        static const char *const want[] = {
                "accounts.empty-passwords", "accounts.uid0", "accounts.admin-groups",
                "accounts.password-quality", "accounts.password-history",
                "accounts.password-ageing",
        };
        size_t n = 0;

        assert_int_equal(mamori_plugin.abi, MAMORI_PLUGIN_ABI);
        assert_int_equal(mamori_plugin.size, sizeof(struct mamori_plugin));
        assert_string_equal(mamori_plugin.name, "accounts");
        assert_non_null(mamori_plugin.init);
        assert_non_null(mamori_plugin.validate);
        assert_non_null(mamori_plugin.evaluate);
        assert_non_null(mamori_plugin.free);
        while (mamori_plugin.checks[n])
                n++;
        assert_int_equal(n, ACC_ELEMENTSOF(want));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(mamori_plugin.checks[i], want[i]);
        assert_null(mamori_plugin.free(NULL));
}

static void test_init_refuses(void **state) {
        struct mamori_host_api api = {
                .size = sizeof(api),
                .root_fd = 3,
                .emit_finding = fake_emit,
        };
        void *s = NULL;

        /* A host built before emit_finding existed. */
        api.size = (uint32_t) offsetof(struct mamori_host_api, emit_finding);
        assert_true(mamori_plugin.init(NULL, &api, &s) < 0);
        api.size = sizeof(api);
        api.emit_finding = NULL;
        assert_true(mamori_plugin.init(NULL, &api, &s) < 0);
        api.emit_finding = fake_emit;
        api.root_fd = -1;
        assert_true(mamori_plugin.init(NULL, &api, &s) < 0);
        assert_true(mamori_plugin.init(NULL, NULL, &s) < 0);
        assert_null(s);
}

/* ---- accounts.empty-passwords ------------------------------------------------------- */

static void test_empty_pass(void **state) {
        Fixture *f = *state;

        debian_root(f);
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, NULL, "23 accounts checked, none with an empty password");
}

static void test_empty_fail_and_locked(void **state) {
        Fixture *f = *state;
        char shadow[4096];

        debian_root(f);
        /* Locked in every way usermod and passwd lock: all fine. Only
         * taro's field is empty. */
        snprintf(shadow, sizeof(shadow), "%s%s", debian_shadow,
                 "lk1:!:19700:0:99999:7:::\n"
                 "lk2:*:19700:0:99999:7:::\n"
                 "lk3:!!:19700:0:99999:7:::\n"
                 "lk4:!*:19700:0:99999:7:::\n"
                 "lk5:!" TARO_HASH ":19700:0:99999:7:::\n"
                 "jiro::19700:0:99999:7:::\n");
        put(f, "etc/shadow", shadow);
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "user:jiro",
                   "user jiro has an empty password in /etc/shadow (anyone can log in as jiro)");
}

static void test_empty_one_per_account(void **state) {
        Fixture *f = *state;

        put(f, "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "taro:x:1000:1000::/home/taro:/bin/bash\n"
            "hanako:x:1001:1001::/home/hanako:/bin/bash\n"
            "jiro::1002:1002::/home/jiro:/bin/bash\n");
        put(f, "etc/shadow",
            "root:" ROOT_HASH ":19700:0:99999:7:::\n"
            "taro::19700:0:99999:7:::\n"
            "hanako::19700:0:99999:7:::\n"
            "taro:" TARO_HASH ":19700:0:99999:7:::\n"   /* a second taro: getspnam() never sees it */
            "jiro:" HANAKO_HASH ":19700:0:99999:7:::\n");
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_int_equal(f->host.n, 3);
        assert_int_equal(find_subject(f, "user:taro")->status, MAMORI_FAIL);
        assert_string_equal(find_subject(f, "user:hanako")->evidence,
                            "user hanako has an empty password in /etc/shadow (anyone can log in as hanako)");
        /* jiro's passwd field is not "x": pam_unix uses it and never looks
         * at the hash in shadow. */
        assert_string_equal(find_subject(f, "user:jiro")->evidence,
                            "user jiro has an empty password field in /etc/passwd (anyone can log in as jiro)");
}

static void test_empty_no_shadow(void **state) {
        Fixture *f = *state;

        debian_root(f);
        del(f, "etc/shadow");
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, NULL,
                   "23 accounts checked, none with an empty password (/etc/shadow does not exist: "
                   "checked the password field of /etc/passwd)");

        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nguest::1005:1005::/home/guest:/bin/sh\n");
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "user:guest",
                   "user guest has an empty password field in /etc/passwd (anyone can log in as guest)");
}

static void test_empty_errors(void **state) {
        Fixture *f = *state;
        char path[512];

        /* Neither file. */
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/passwd",
                   "cannot read /etc/passwd: No such file or directory (and /etc/shadow does not exist)");

        /* A shadow we cannot read is not an absent one: ERROR, even though
         * passwd is fine. */
        debian_root(f);
        del(f, "etc/shadow");
        snprintf(path, sizeof(path), "%s/etc/shadow", f->root);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/shadow", "cannot read /etc/shadow: not a regular file");

        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkdir(path, 0700), 0);
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/shadow", "cannot read /etc/shadow: Is a directory");
        assert_int_equal(rmdir(path), 0);
}

static void test_empty_malformed_crlf(void **state) {
        Fixture *f = *state;

        /* CRLF, no final newline, a comment, a blank line and two lines that
         * do not parse (3 fields; a day count that is not a number). */
        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\r\ntaro:x:1000:1000::/home/taro:/bin/bash\r\n");
        put(f, "etc/shadow",
            "# local accounts\r\n"                              /* 1 */
            "root:" ROOT_HASH ":19700:0:99999:7:::\r\n"        /* 2 */
            "\r\n"                                              /* 3 */
            "broken:x:1\r\n"                                    /* 4 */
            "bad::abc:0:99999:7:::\r\n"                         /* 5 */
            "taro::19700:0:99999:7:::");                        /* 6 */
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "user:taro",
                   "user taro has an empty password in /etc/shadow (anyone can log in as taro); "
                   "skipped 2 malformed lines in /etc/shadow (first: line 4)");

        put(f, "etc/shadow", "root:" ROOT_HASH ":19700:0:99999:7:::\nbroken\n");
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, NULL,
                   "2 accounts checked, none with an empty password; "
                   "skipped 1 malformed line in /etc/shadow (first: line 2)");
}

static void test_empty_flood_capped(void **state) {
        Fixture *f = *state;
        size_t size = 200 * 64;
        char *shadow = malloc(size), *p = shadow;

        assert_non_null(shadow);
        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        for (int i = 0; i < 150; i++)
                p += snprintf(p, size - (size_t) (p - shadow), "u%03d::19700:0:99999:7:::\n", i);
        put(f, "etc/shadow", shadow);
        free(shadow);

        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        /* 100 listed, then one line that says how many were not. */
        assert_int_equal(f->host.n, 101);
        assert_string_equal(f->host.f[0].subject, "user:u000");
        assert_int_equal(f->host.f[100].status, MAMORI_FAIL);
        assert_false(f->host.f[100].has_subject);
        assert_string_equal(f->host.f[100].evidence, "50 more findings like the above were not listed");
}

static void test_empty_control_chars(void **state) {
        Fixture *f = *state;

        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        put(f, "etc/shadow", "ev\x1b[2Jil::19700:0:99999:7:::\n");
        assert_int_equal(run(f, "accounts.empty-passwords", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "user:ev?[2Jil",
                   "user ev?[2Jil has an empty password in /etc/shadow (anyone can log in as ev?[2Jil)");
}

/* ---- accounts.uid0 ---------------------------------------------------------------------- */

static void test_uid0(void **state) {
        Fixture *f = *state;
        char passwd[4096];
        static const char *const allowed[] = { "root", "toor", NULL };
        const struct mamori_param p[] = { { "allowed", allowed } };

        debian_root(f);
        assert_int_equal(run(f, "accounts.uid0", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, NULL, "23 accounts checked, UID 0 only for root");

        /* glibc reads " 0", "-0" and "000" as UID 0 too. */
        snprintf(passwd, sizeof(passwd), "%s%s", debian_passwd,
                 "toor:x:0:0::/root:/bin/sh\n"
                 "minus:x:-0:0::/:/bin/sh\n"
                 "zeros:x:000:0::/:/bin/sh\n"
                 "blank:x: 0:0::/:/bin/sh\n"
                 "huge:x:99999999999:0::/:/bin/sh\n");
        put(f, "etc/passwd", passwd);
        assert_int_equal(run(f, "accounts.uid0", NULL, 0), 0);
        assert_int_equal(f->host.n, 4);
        assert_string_equal(find_subject(f, "user:toor")->evidence,
                            "user toor has UID 0 (the full power of root) and is not in the allowed list");
        assert_int_equal(find_subject(f, "user:minus")->status, MAMORI_FAIL);
        assert_int_equal(find_subject(f, "user:zeros")->status, MAMORI_FAIL);
        assert_int_equal(find_subject(f, "user:blank")->status, MAMORI_FAIL);

        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nbad:x:abc:0::/:/bin/sh\n");
        assert_int_equal(run(f, "accounts.uid0", p, 1), 0);
        assert_one(f, MAMORI_PASS, NULL,
                   "2 accounts checked, UID 0 only for root, toor; "
                   "skipped 1 malformed line in /etc/passwd (first: line 3)");

        del(f, "etc/passwd");
        assert_int_equal(run(f, "accounts.uid0", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/passwd", "cannot read /etc/passwd: No such file or directory");
}

/* ---- accounts.admin-groups ------------------------------------------------------------- */

static void test_admin_groups(void **state) {
        Fixture *f = *state;
        static const char *const allowed_taro[] = { "taro", NULL };
        const struct mamori_param allow[] = { { "allowed", allowed_taro } };
        char passwd[4096], group[4096];

        debian_root(f);
        assert_int_equal(run(f, "accounts.admin-groups", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "user:taro",
                   "user taro is in group sudo (can become root) and is not in the allowed list");

        assert_int_equal(run(f, "accounts.admin-groups", allow, 1), 0);
        assert_one(f, MAMORI_PASS, NULL,
                   "no user outside the allowed list is in an administrator group "
                   "(present: sudo; absent: admin, wheel)");

        /* hanako is in sudo and wheel; jiro has sudo as primary group;
         * saburo is in a second group with sudo's GID. */
        snprintf(passwd, sizeof(passwd), "%s%s", debian_passwd,
                 "jiro:x:1002:27::/home/jiro:/bin/bash\n"
                 "saburo:x:1003:1003::/home/saburo:/bin/bash\n");
        put(f, "etc/passwd", passwd);
        /* Blanks around names and a trailing comma, as hand edits leave them. */
        snprintf(group, sizeof(group), "%s%s%s",
                 "root:x:0:\nsudo:x:27:taro, hanako ,\nusers:x:100:taro,hanako\n",
                 "wheel:x:1500:hanako\n", "sudoers2:x:27:saburo\n");
        put(f, "etc/group", group);
        assert_int_equal(run(f, "accounts.admin-groups", allow, 1), 0);
        assert_int_equal(f->host.n, 3);
        assert_string_equal(find_subject(f, "user:hanako")->evidence,
                            "user hanako is in groups sudo, wheel (can become root) and is not in the allowed list");
        assert_string_equal(find_subject(f, "user:jiro")->evidence,
                            "user jiro is in group sudo (primary group) (can become root) and is not in the allowed list");
        assert_string_equal(find_subject(f, "user:saburo")->evidence,
                            "user saburo is in group sudo (as group sudoers2, same GID) (can become root) "
                            "and is not in the allowed list");

        del(f, "etc/group");
        assert_int_equal(run(f, "accounts.admin-groups", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/group", "cannot read /etc/group: No such file or directory");
}

static void test_admin_groups_param(void **state) {
        Fixture *f = *state;
        static const char *const groups[] = { "docker", NULL };
        const struct mamori_param p[] = { { "groups", groups } };

        debian_root(f);
        put(f, "etc/group", "root:x:0:\nsudo:x:27:taro\ndocker:x:990:hanako\n");
        assert_int_equal(run(f, "accounts.admin-groups", p, 1), 0);
        assert_one(f, MAMORI_FAIL, "user:hanako",
                   "user hanako is in group docker (can become root) and is not in the allowed list");

        put(f, "etc/group", "root:x:0:\n");
        assert_int_equal(run(f, "accounts.admin-groups", p, 1), 0);
        assert_one(f, MAMORI_PASS, NULL,
                   "no user outside the allowed list is in an administrator group (present: none; absent: docker)");
}

/* ---- accounts.password-quality ---------------------------------------------------------- */

static void test_quality_not_used(void **state) {
        Fixture *f = *state;

        debian_root(f);
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_pwquality is not used in /etc/pam.d/common-password: the settings have no effect");

        del(f, "etc/pam.d/common-password");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/pam.d/common-password",
                   "cannot read /etc/pam.d/common-password: No such file or directory");
}

static void test_quality_defaults(void **state) {
        Fixture *f = *state;

        debian_root(f);
        put(f, "etc/pam.d/common-password", pwquality_common_password);
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_int_equal(f->host.n, 2);
        assert_int_equal(f->host.f[0].status, MAMORI_FAIL);
        assert_string_equal(f->host.f[0].subject, "/etc/security/pwquality.conf");
        assert_string_equal(f->host.f[0].evidence,
                            "pam_pwquality accepts passwords as short as 8 characters (minlen=8, pam_pwquality's "
                            "default: minlen is set in neither /etc/security/pwquality.conf, "
                            "/etc/security/pwquality.conf.d nor /etc/pam.d/common-password); "
                            "the rule asks for at least 12");
        assert_int_equal(f->host.f[1].status, MAMORI_FAIL);
        assert_string_equal(f->host.f[1].evidence,
                            "pam_pwquality requires 0 character classes (minclass=0, pam_pwquality's default); "
                            "the rule asks for at least 3 of digits, upper case, lower case and others");

        /* The same without pwquality.conf at all: the library's defaults. */
        del(f, "etc/security/pwquality.conf");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_int_equal(f->host.n, 2);
        assert_contains(f->host.f[0].evidence, "as short as 8 characters");
}

static void test_quality_pass(void **state) {
        Fixture *f = *state;
        char conf[4096];

        debian_root(f);
        put(f, "etc/pam.d/common-password", pwquality_common_password);
        snprintf(conf, sizeof(conf), "%s%s", debian_pwquality_conf, "minlen = 12\nminclass=3\n");
        put(f, "etc/security/pwquality.conf", conf);
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        /* debian_pwquality_conf has 19 lines. */
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password",
                   "pam_pwquality in /etc/pam.d/common-password (line 2) requires at least 12 characters "
                   "(minlen=12 from /etc/security/pwquality.conf:20) and 3 character classes "
                   "(minclass=3 from /etc/security/pwquality.conf:21)");
}

static void test_quality_sources(void **state) {
        Fixture *f = *state;
        static const char *const len14[] = { "14", NULL };
        const struct mamori_param p14[] = { { "min-length", len14 } };

        debian_root(f);
        put(f, "etc/pam.d/common-password", pwquality_common_password);

        /* The drop-ins come first and pwquality.conf last: its minlen wins. */
        put(f, "etc/security/pwquality.conf.d/50-site.conf", "minlen = 16\nminclass = 4\n");
        put(f, "etc/security/pwquality.conf.d/90-later.conf", "minlen = 14\n");
        put(f, "etc/security/pwquality.conf", "minlen = 10\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/security/pwquality.conf",
                   "pam_pwquality accepts passwords as short as 10 characters "
                   "(minlen=10 from /etc/security/pwquality.conf:1); the rule asks for at least 12");

        /* Without it, the last drop-in in ASCII order wins. */
        del(f, "etc/security/pwquality.conf");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password",
                   "pam_pwquality in /etc/pam.d/common-password (line 2) requires at least 14 characters "
                   "(minlen=14 from /etc/security/pwquality.conf.d/90-later.conf:1) and 4 character classes "
                   "(minclass=4 from /etc/security/pwquality.conf.d/50-site.conf:2)");

        /* Hidden files and files not ending in .conf are not read. */
        put(f, "etc/security/pwquality.conf.d/.99-editor.conf", "minlen = 6\n");
        put(f, "etc/security/pwquality.conf.d/99-notes.txt", "minlen = 6\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password", NULL);

        /* A file name cannot break the subject or the evidence onto two lines. */
        put(f, "etc/security/pwquality.conf.d/zz\nevil.conf", "minlen = 8\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/security/pwquality.conf.d/zz?evil.conf",
                   "pam_pwquality accepts passwords as short as 8 characters "
                   "(minlen=8 from /etc/security/pwquality.conf.d/zz?evil.conf:1); the rule asks for at least 12");
        del(f, "etc/security/pwquality.conf.d/zz\nevil.conf");

        /* Options on the PAM line override every file. */
        put(f, "etc/pam.d/common-password",
            "password\trequisite\tpam_pwquality.so retry=3 minlen=9 minclass=1\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n");
        assert_int_equal(run(f, "accounts.password-quality", p14, 1), 0);
        assert_int_equal(f->host.n, 2);
        assert_string_equal(f->host.f[0].subject, "/etc/pam.d/common-password");
        assert_string_equal(f->host.f[0].evidence,
                            "pam_pwquality accepts passwords as short as 9 characters "
                            "(minlen=9 from /etc/pam.d/common-password:1); the rule asks for at least 14");
        assert_string_equal(f->host.f[1].evidence,
                            "pam_pwquality requires 1 character class (minclass=1 from /etc/pam.d/common-password:1); "
                            "the rule asks for at least 3 of digits, upper case, lower case and others");
}

static void test_quality_credits(void **state) {
        Fixture *f = *state;

        debian_root(f);
        put(f, "etc/pam.d/common-password", pwquality_common_password);

        /* Positive credits shorten the password: 12 - (1 + 1) = 10. */
        put(f, "etc/security/pwquality.conf", "minlen = 12\ndcredit = 1\nucredit = 1\nminclass = 3\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/security/pwquality.conf",
                   "pam_pwquality accepts passwords as short as 10 characters "
                   "(minlen=12 from /etc/security/pwquality.conf:1, less up to 2 for character credits "
                   "(dcredit=1 from /etc/security/pwquality.conf:2; ucredit=1 from /etc/security/pwquality.conf:3)); "
                   "the rule asks for at least 12");

        /* Negative credits demand classes instead of minclass. */
        put(f, "etc/security/pwquality.conf", "minlen = 12\ndcredit = -1\nucredit = -1\nlcredit = -1\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_int_equal(f->host.n, 1);
        assert_int_equal(f->host.f[0].status, MAMORI_PASS);
        assert_contains(f->host.f[0].evidence, "and 3 character classes (minclass=0, pam_pwquality's default; "
                                               "dcredit=-1 from /etc/security/pwquality.conf:2; ");

        /* enforcing = 0 only warns. */
        put(f, "etc/security/pwquality.conf", "minlen = 12\nminclass = 3\nenforcing = 0\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/security/pwquality.conf",
                   "pam_pwquality only warns about weak passwords (enforcing=0 from "
                   "/etc/security/pwquality.conf:3): they are accepted anyway");

        /* libpwquality stops at a setting it does not know. */
        put(f, "etc/security/pwquality.conf", "minlen = 12\nmaxlen = 30\nminclass = 3\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/security/pwquality.conf",
                   "pam_pwquality requires 0 character classes (minclass=0, pam_pwquality's default); "
                   "the rule asks for at least 3 of digits, upper case, lower case and others; "
                   "/etc/security/pwquality.conf line 2: unknown setting \"maxlen\", "
                   "libpwquality ignores the rest of the file");
}

static void test_quality_stack(void **state) {
        Fixture *f = *state;

        debian_root(f);
        put(f, "etc/security/pwquality.conf", "minlen = 12\nminclass = 3\n");

        put(f, "etc/pam.d/common-password",
            "password\toptional\tpam_pwquality.so retry=3\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_pwquality is used with control \"optional\" in /etc/pam.d/common-password (line 1): "
                   "a password it rejects is accepted anyway");

        put(f, "etc/pam.d/common-password",
            "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
            "password\trequisite\tpam_deny.so\n"
            "password\trequired\tpam_permit.so\n"
            "password\trequisite\tpam_pwquality.so retry=3\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_pwquality comes after pam_unix in /etc/pam.d/common-password (line 4 after line 1): "
                   "the new password is stored before it is checked");

        /* A full module path, a continued line and a "-" type all count. */
        put(f, "etc/pam.d/common-password",
            "-password  [default=die success=ok]  /lib/x86_64-linux-gnu/security/pam_pwquality.so \\\n"
            "        retry=3 \\\n"
            "        minlen=12\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password", NULL);
        assert_contains(f->host.f[0].evidence, "(line 1) requires at least 12 characters");

        /* A commented-out line is no line. */
        put(f, "etc/pam.d/common-password",
            "#password\trequisite\tpam_pwquality.so retry=3\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_pwquality is not used in /etc/pam.d/common-password: the settings have no effect");
}

static void test_quality_cracklib(void **state) {
        Fixture *f = *state;

        debian_root(f);
        /* pam_cracklib: minlen 14 with its default credits of 1 per class
         * lets 10 characters through. pwquality.conf does not apply. */
        put(f, "etc/pam.d/common-password",
            "password\trequired\tpam_cracklib.so retry=3 minlen=14 minclass=3\n"
            "password\t[success=1 default=ignore]\tpam_unix.so use_authtok yescrypt\n");
        put(f, "etc/security/pwquality.conf", "minlen = 20\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_cracklib accepts passwords as short as 10 characters "
                   "(minlen=14 from /etc/pam.d/common-password:1, less up to 4 for character credits "
                   "(dcredit=1, pam_cracklib's default; ucredit=1, pam_cracklib's default; "
                   "lcredit=1, pam_cracklib's default; ocredit=1, pam_cracklib's default)); "
                   "the rule asks for at least 12");

        put(f, "etc/pam.d/common-password",
            "password\trequired\tpam_cracklib.so minlen=12 dcredit=0 ucredit=0 lcredit=0 ocredit=0 minclass=3\n"
            "password\t[success=1 default=ignore]\tpam_unix.so use_authtok yescrypt\n");
        assert_int_equal(run(f, "accounts.password-quality", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password", NULL);
}

/* ---- accounts.password-history ------------------------------------------------------------ */

static void test_history(void **state) {
        Fixture *f = *state;

        debian_root(f);
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "neither pam_pwhistory nor pam_unix's remember= is used in /etc/pam.d/common-password: "
                   "old passwords can be reused");

        put(f, "etc/pam.d/common-password",
            "password\trequisite\tpam_pwhistory.so remember=3 use_authtok\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\n");
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_pwhistory remembers only the last 3 passwords (remember=3 on its line in "
                   "/etc/pam.d/common-password:1); the rule asks for at least 5");

        /* Without remember= on the line: pwhistory.conf, then the default. */
        put(f, "etc/pam.d/common-password",
            "password\trequisite\tpam_pwhistory.so use_authtok\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\n");
        put(f, "etc/security/pwhistory.conf", "# pam_pwhistory settings\nremember = 24\n");
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password",
                   "pam_pwhistory remembers the last 24 passwords (remember=24 from /etc/security/pwhistory.conf:2)");

        del(f, "etc/security/pwhistory.conf");
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password",
                   "pam_pwhistory remembers the last 10 passwords (pam_pwhistory's default: remember is set "
                   "neither on its line nor in /etc/security/pwhistory.conf)");

        /* pam_unix's own remember= counts too. */
        put(f, "etc/pam.d/common-password",
            "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt remember=5\n");
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, "/etc/pam.d/common-password",
                   "pam_unix remembers the last 5 passwords (remember=5 on pam_unix's line in "
                   "/etc/pam.d/common-password:1)");

        /* An optional pam_pwhistory does not stop anything. */
        put(f, "etc/pam.d/common-password",
            "password\toptional\tpam_pwhistory.so remember=24\n"
            "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n");
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/pam.d/common-password",
                   "pam_pwhistory is used with control \"optional\" in /etc/pam.d/common-password (line 1): "
                   "a password it rejects is accepted anyway");

        del(f, "etc/pam.d/common-password");
        assert_int_equal(run(f, "accounts.password-history", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/pam.d/common-password",
                   "cannot read /etc/pam.d/common-password: No such file or directory");
}

/* ---- accounts.password-ageing -------------------------------------------------------------- */

static void test_ageing_debian(void **state) {
        Fixture *f = *state;

        debian_root(f);
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_int_equal(f->host.n, 3);
        assert_int_equal(f->host.f[0].status, MAMORI_FAIL);
        assert_string_equal(f->host.f[0].subject, "/etc/login.defs");
        assert_string_equal(f->host.f[0].evidence,
                            "PASS_MAX_DAYS is 99999 on line 10 of /etc/login.defs, above the limit of 90 days; "
                            "it applies to accounts created from now on");
        /* Only the two people: system accounts and nologin shells are not
         * asked to change passwords. */
        assert_string_equal(find_subject(f, "user:taro")->evidence,
                            "user taro has a maximum password age of 99999 days on line 22 of /etc/shadow "
                            "(never expires); the limit is 90 days");
        assert_int_equal(find_subject(f, "user:hanako")->status, MAMORI_FAIL);
}

static void test_ageing(void **state) {
        Fixture *f = *state;
        static const char *const d180[] = { "180", NULL };
        const struct mamori_param p180[] = { { "max-days", d180 } };

        debian_root(f);
        put(f, "etc/login.defs", "# aging\nPASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t1\nUID_MIN\t1000\n");
        put(f, "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "taro:x:1000:1000::/home/taro:/bin/bash\n"
            "hanako:x:1001:1001::/home/hanako:\n"                       /* empty shell: /bin/sh */
            "jiro:x:1002:1002::/home/jiro:/bin/bash\n"
            "kiosk:x:1003:1003::/home/kiosk:/usr/sbin/nologin\n"
            "saburo:x:1004:1004::/home/saburo:/bin/bash\n");
        put(f, "etc/shadow",
            "root:" ROOT_HASH ":19700:0:99999:7:::\n"
            "taro:" TARO_HASH ":19700:1:90:7:::\n"
            "hanako:" HANAKO_HASH ":19700:1:60:7:::\n"
            "jiro:" TARO_HASH ":19700:1::7:::\n"                         /* line 4 */
            "kiosk:!:19700:0:99999:7:::\n"
            "saburo:" HANAKO_HASH ":19700:1:120:7:::\n");               /* line 6 */
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_int_equal(f->host.n, 2);
        assert_string_equal(find_subject(f, "user:jiro")->evidence,
                            "user jiro has no maximum password age (field 5 of line 4 of /etc/shadow is empty); "
                            "the limit is 90 days");
        assert_string_equal(find_subject(f, "user:saburo")->evidence,
                            "user saburo has a maximum password age of 120 days on line 6 of /etc/shadow, "
                            "above the limit of 90 days");

        /* With a limit of 180 days: login.defs' 90 and saburo's 120 are fine,
         * jiro still has none. */
        assert_int_equal(run(f, "accounts.password-ageing", p180, 1), 0);
        assert_one(f, MAMORI_FAIL, "user:jiro", NULL);

        put(f, "etc/shadow",
            "root:" ROOT_HASH ":19700:0:99999:7:::\n"
            "taro:" TARO_HASH ":19700:1:90:7:::\n"
            "hanako:" HANAKO_HASH ":19700:1:60:7:::\n"
            "jiro:" TARO_HASH ":19700:1:30:7:::\n"
            "saburo:" HANAKO_HASH ":19700:1:90:7:::\n");
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        /* kiosk has a nologin shell and no shadow entry: not a person. */
        assert_one(f, MAMORI_PASS, NULL,
                   "PASS_MAX_DAYS is 90 on line 2 of /etc/login.defs, and 4 human accounts (UID 1000 or above, "
                   "with a login shell) have a maximum password age of at most 90 days in /etc/shadow");
}

static void test_ageing_logindefs(void **state) {
        Fixture *f = *state;

        debian_root(f);
        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");

        /* shadow's tools read the rest of the line as the value. */
        put(f, "etc/login.defs", "PASS_MAX_DAYS 60 # two months\n");
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/login.defs",
                   "PASS_MAX_DAYS \"60 # two months\" on line 1 of /etc/login.defs is not a number "
                   "(the tools use no limit), above the limit of 90 days; it applies to accounts created from now on");

        put(f, "etc/login.defs", "UID_MIN 1000\n");
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_one(f, MAMORI_FAIL, "/etc/login.defs",
                   "PASS_MAX_DAYS is not set in /etc/login.defs (no limit), above the limit of 90 days; "
                   "it applies to accounts created from now on");

        /* Quotes, CRLF, the last definition wins, hex is a number. */
        put(f, "etc/login.defs", "PASS_MAX_DAYS 99999\r\nPASS_MAX_DAYS \"0x3c\"\r\n");
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_one(f, MAMORI_PASS, NULL,
                   "PASS_MAX_DAYS is 60 on line 2 of /etc/login.defs, and 0 human accounts (UID 1000 or above, "
                   "with a login shell) have a maximum password age of at most 90 days in /etc/shadow");

        del(f, "etc/login.defs");
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/login.defs", "cannot read /etc/login.defs: No such file or directory");

        put(f, "etc/login.defs", "PASS_MAX_DAYS 60\n");
        del(f, "etc/shadow");
        assert_int_equal(run(f, "accounts.password-ageing", NULL, 0), 0);
        assert_one(f, MAMORI_ERROR, "/etc/shadow", "cannot read /etc/shadow: No such file or directory");
}

/* ---- validate ------------------------------------------------------------------------------- */

static void test_validate(void **state) {
        Fixture *f = *state;
        static const char *const abc[] = { "abc", NULL };
        static const char *const twelve[] = { "12", NULL };
        static const char *const two[] = { "12", "14", NULL };
        static const char *const five[] = { "5", NULL };
        static const char *const zero[] = { "0", NULL };
        static const char *const bad_name[] = { "root", "ta ro", NULL };
        static const char *const none[] = { NULL };
        const struct mamori_param min_abc[] = { { "min-length", abc } };
        const struct mamori_param unknown[] = { { "min-length", twelve }, { "max-length", twelve } };
        const struct mamori_param twice[] = { { "min-length", twelve }, { "min-length", twelve } };
        const struct mamori_param scalar_list[] = { { "min-length", two } };
        const struct mamori_param classes5[] = { { "min-classes", five } };
        const struct mamori_param remember0[] = { { "min-remember", zero } };
        const struct mamori_param bad_allowed[] = { { "allowed", bad_name } };
        const struct mamori_param no_groups[] = { { "groups", none } };
        const struct mamori_param empty_allowed[] = { { "allowed", none } };
        const struct mamori_param good[] = { { "min-length", twelve }, { "min-classes", zero } };
        size_t bad = 0;
        char msg[256];

        assert_int_equal(validate(f, "accounts.password-quality", min_abc, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 0);
        assert_string_equal(msg, "min-length: expected a whole number from 1 to 512, got \"abc\"");

        assert_int_equal(validate(f, "accounts.password-quality", unknown, 2, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 1);
        assert_string_equal(msg, "unknown param \"max-length\": accounts.password-quality takes min-length, min-classes");

        assert_int_equal(validate(f, "accounts.empty-passwords", good, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 0);
        assert_string_equal(msg, "unknown param \"min-length\": accounts.empty-passwords takes no params");

        assert_int_equal(validate(f, "accounts.password-quality", twice, 2, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 1);
        assert_string_equal(msg, "min-length: given twice");

        assert_int_equal(validate(f, "accounts.password-quality", scalar_list, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "min-length: expected one whole number from 1 to 512, got 2 values");

        assert_int_equal(validate(f, "accounts.password-quality", classes5, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "min-classes: expected a whole number from 0 to 4, got \"5\"");

        assert_int_equal(validate(f, "accounts.password-history", remember0, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "min-remember: expected a whole number from 1 to 400, got \"0\"");

        assert_int_equal(validate(f, "accounts.uid0", bad_allowed, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(bad, 0);
        assert_string_equal(msg, "allowed: \"ta ro\" is not a valid name (no blanks, ':' or ',')");

        assert_int_equal(validate(f, "accounts.admin-groups", no_groups, 1, &bad, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "groups: expected at least one name");

        assert_int_equal(validate(f, "accounts.no-such-check", NULL, 0, &bad, msg, sizeof(msg)), -ENOENT);
        assert_int_equal(bad, (size_t) -1);

        assert_int_equal(validate(f, "accounts.admin-groups", empty_allowed, 1, &bad, msg, sizeof(msg)), 0);
        assert_int_equal(validate(f, "accounts.password-quality", good, 2, &bad, msg, sizeof(msg)), 0);
        assert_int_equal(validate(f, "accounts.password-ageing", NULL, 0, &bad, msg, sizeof(msg)), 0);

        /* evaluate() refuses what validate() refuses. */
        {
                const struct mamori_rule r = {
                        .id = "x", .check = "accounts.password-quality", .params = min_abc, .n_params = 1,
                };

                assert_int_equal(mamori_plugin.evaluate(f->state, &r), -EINVAL);
        }
}

/* ---- through the shared fake host ---------------------------------------------------------- */

/* The same plugin through tests/unit/fake-host.c, the stand-in for mamorid
 * that every plugin test shares: the full host API, loop included. */
static void test_shared_fake_host(void **state) {
        Fixture *f = *state;
        FakeHost fh;
        FakeRule fr;
        char passwd[4096];

        debian_root(f);
        snprintf(passwd, sizeof(passwd), "%s%s", debian_passwd, "toor:x:0:0::/root:/bin/sh\n");
        put(f, "etc/passwd", passwd);

        assert_int_equal(fake_host_init(&fh, f->root, &mamori_plugin), 0);
        assert_int_equal(fake_host_evaluate(&fh, fake_rule(&fr, "accounts.uid0")), 0);
        assert_int_equal(fh.n_findings, 1);
        assert_int_equal(fake_host_count(&fh, MAMORI_FAIL), 1);
        assert_non_null(fake_host_find(&fh, "user toor has UID 0"));
        assert_string_equal(fh.findings[0].subject, "user:toor");

        fake_rule(&fr, "accounts.uid0");
        fake_rule_param(&fr, "allowed", "root", "toor", NULL);
        assert_int_equal(fake_host_evaluate(&fh, &fr.rule), 0);
        assert_int_equal(fake_host_count(&fh, MAMORI_PASS), 1);
        assert_int_equal(fh.n_findings, 1);

        fake_rule(&fr, "accounts.password-quality");
        fake_rule_param(&fr, "min-length", "abc", NULL);
        assert_int_equal(fake_host_evaluate(&fh, &fr.rule), -EINVAL);
        fake_host_done(&fh);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_struct, setup, teardown),
                cmocka_unit_test(test_init_refuses),
                cmocka_unit_test_setup_teardown(test_empty_pass, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_fail_and_locked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_one_per_account, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_no_shadow, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_malformed_crlf, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_flood_capped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_control_chars, setup, teardown),
                cmocka_unit_test_setup_teardown(test_uid0, setup, teardown),
                cmocka_unit_test_setup_teardown(test_admin_groups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_admin_groups_param, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_not_used, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_defaults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_pass, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_sources, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_credits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_stack, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quality_cracklib, setup, teardown),
                cmocka_unit_test_setup_teardown(test_history, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ageing_debian, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ageing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ageing_logindefs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shared_fake_host, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
