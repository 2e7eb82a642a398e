/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The accounts plugin's pure parsers, called directly on buffers in real
 * Debian formats: passwd, shadow, group, login.defs, pwquality.conf and a
 * PAM service file. Expected values are read off the fixtures by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/accounts/accounts.h"

#define PARSE(fn, text, ret) fn((text), strlen(text), (ret))

/* ---- passwd ------------------------------------------------------------------------- */

static void test_passwd(void **state) {
        static const char text[] =
                "root:x:0:0:root:/root:/bin/bash\n"                             /* 1 */
                "# a comment nss_files skips\n"                                  /* 2 */
                "\n"                                                             /* 3 */
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"              /* 4 */
                "short:x:1:1\n"                                                  /* 5: 4 fields */
                "baduid:x:one:1::/:/bin/sh\n"                                    /* 6 */
                "  taro:x:1000:1000:Taro Yamada,,,:/home/taro:/bin/bash\r\n"     /* 7: blanks, CRLF */
                ":x:5:5::/:/bin/sh\n"                                            /* 8: no name */
                "colon:x:1002:1002::/home/colon:/bin/sh:extra\n"                 /* 9: shell takes the rest */
                "+::::::\n"                                                      /* 10: NIS compat */
                "big:x:99999999999:4294967295::/:/bin/sh\n"                      /* 11 */
                "neg:x:-1:+7::/:/bin/sh\n"                                       /* 12 */
                "last:x:1003:1003::/home/last:/bin/sh";                          /* 13: no newline */
        PasswdFile *f = NULL;
        const PasswdEntry *e;

        assert_int_equal(PARSE(passwd_parse, text, &f), 0);
        assert_int_equal(f->n_entries, 7);
        assert_int_equal(f->stats.n_malformed, 4);
        assert_int_equal(f->stats.first_malformed, 5);

        e = passwd_find(f, "root");
        assert_non_null(e);
        assert_int_equal(e->uid, 0);
        assert_string_equal(e->passwd, "x");
        assert_string_equal(e->shell, "/bin/bash");
        assert_int_equal(e->line, 1);

        e = passwd_find(f, "taro");
        assert_non_null(e);
        assert_int_equal(e->uid, 1000);
        assert_string_equal(e->gecos, "Taro Yamada,,,");
        assert_string_equal(e->shell, "/bin/bash");
        assert_int_equal(e->line, 7);

        e = passwd_find(f, "colon");
        assert_non_null(e);
        assert_string_equal(e->shell, "/bin/sh:extra");

        /* glibc clamps at 2^32-1 and negates in unsigned, like strtoul(). */
        e = passwd_find(f, "big");
        assert_non_null(e);
        assert_int_equal(e->uid, 4294967295U);
        assert_int_equal(e->gid, 4294967295U);
        e = passwd_find(f, "neg");
        assert_non_null(e);
        assert_int_equal(e->uid, 4294967295U);
        assert_int_equal(e->gid, 7);

        e = passwd_find(f, "last");
        assert_non_null(e);
        assert_string_equal(e->shell, "/bin/sh");
        assert_null(passwd_find(f, "short"));
        assert_null(passwd_find(f, "nobody"));
        assert_null(passwd_file_free(f));
}

static void test_passwd_first_wins(void **state) {
        static const char text[] =
                "zed:x:5:5::/:/bin/sh\n"
                "dup:x:1000:1000::/a:/bin/sh\n"
                "abe:x:6:6::/:/bin/sh\n"
                "dup:x:0:0::/b:/bin/sh\n";
        PasswdFile *f = NULL;

        assert_int_equal(PARSE(passwd_parse, text, &f), 0);
        /* getpwnam() returns the first line of a name. */
        assert_int_equal(passwd_find(f, "dup")->uid, 1000);
        assert_int_equal(passwd_find(f, "zed")->uid, 5);
        assert_int_equal(passwd_find(f, "abe")->uid, 6);
        passwd_file_free(f);

        assert_int_equal(passwd_parse("", 0, &f), 0);
        assert_int_equal(f->n_entries, 0);
        assert_null(passwd_find(f, "root"));
        passwd_file_free(f);
}

static void test_passwd_nul_and_long(void **state) {
        static const char text[] = "root:x:0:0:root:/root:/bin/bash\nev\0il:x:0:0::/:/bin/sh\n";
        size_t long_size = 200000;
        char *long_text = malloc(long_size + 64);
        PasswdFile *f = NULL;

        assert_int_equal(passwd_parse(text, sizeof(text) - 1, &f), 0);
        assert_int_equal(f->n_entries, 1);
        assert_int_equal(f->stats.n_malformed, 1);
        assert_int_equal(f->stats.first_malformed, 2);
        passwd_file_free(f);

        /* A 200 000-character GECOS field. */
        assert_non_null(long_text);
        strcpy(long_text, "long:x:1000:1000:");
        memset(long_text + strlen(long_text), 'g', long_size);
        strcpy(long_text + 17 + long_size, ":/home/long:/bin/sh\n");
        assert_int_equal(passwd_parse(long_text, strlen(long_text), &f), 0);
        assert_int_equal(f->n_entries, 1);
        assert_int_equal(strlen(f->entries[0].gecos), long_size);
        assert_string_equal(f->entries[0].shell, "/bin/sh");
        passwd_file_free(f);
        free(long_text);
}

/* ---- shadow ------------------------------------------------------------------------- */

static void test_shadow(void **state) {
        static const char text[] =
                "root:$y$j9T$abc$def:19700:0:99999:7:::\n"      /* 1: 9 fields */
                "daemon:*:19700:0:99999:7:::\n"                 /* 2 */
                "systemd-network:!*:19700::::::\n"              /* 3: empty days */
                "old:!:19000:0:99999\n"                         /* 4: the old 5-field form */
                "noflag::19700:0:90:7:::\n"                     /* 5: 9 fields, empty password */
                "eight:!!:19700:0:60:7::\n"                     /* 6: 8 fields */
                "six::19700:0:60:7\n"                           /* 7: 6 fields, malformed */
                "word::abc:0:99999:7:::\n"                      /* 8: malformed */
                "spaced:x: 19700:0: 30:7:::\n"                  /* 9: glibc takes the blanks */
                "toomany:x:1:2:3:4:5:6:7:8\n";                  /* 10: 10 fields */
        ShadowFile *f = NULL;
        const ShadowEntry *e;

        assert_int_equal(PARSE(shadow_parse, text, &f), 0);
        assert_int_equal(f->n_entries, 7);
        assert_int_equal(f->stats.n_malformed, 3);
        assert_int_equal(f->stats.first_malformed, 7);

        e = shadow_find(f, "root");
        assert_string_equal(e->passwd, "$y$j9T$abc$def");
        assert_int_equal(e->last_change, 19700);
        assert_int_equal(e->max_days, 99999);
        assert_int_equal(e->warn_days, 7);
        assert_int_equal(e->inactive_days, SHADOW_UNSET);

        e = shadow_find(f, "systemd-network");
        assert_string_equal(e->passwd, "!*");
        assert_int_equal(e->min_days, SHADOW_UNSET);
        assert_int_equal(e->max_days, SHADOW_UNSET);

        e = shadow_find(f, "old");
        assert_int_equal(e->max_days, 99999);
        assert_int_equal(e->warn_days, SHADOW_UNSET);

        e = shadow_find(f, "noflag");
        assert_true(password_is_empty(e->passwd));
        assert_int_equal(e->max_days, 90);

        e = shadow_find(f, "eight");
        assert_int_equal(e->max_days, 60);
        assert_false(password_is_empty(e->passwd));

        e = shadow_find(f, "spaced");
        assert_int_equal(e->last_change, 19700);
        assert_int_equal(e->max_days, 30);

        assert_null(shadow_find(f, "six"));
        assert_null(shadow_find(f, "word"));
        assert_null(shadow_find(f, "toomany"));
        assert_null(shadow_find(NULL, "root"));
        shadow_file_free(f);
}

/* ---- group -------------------------------------------------------------------------- */

static void test_group(void **state) {
        static const char text[] =
                "root:x:0:\n"                           /* 1 */
                "sudo:x:27:taro, hanako ,,\n"           /* 2 */
                "nomembers:x:50\n"                      /* 3: 3 fields is fine */
                "bad:x:gid:taro\n"                      /* 4 */
                "two\n"                                 /* 5 */
                "users:x:100:taro,hanako\r\n"           /* 6 */
                "sudo:x:28:late";                       /* 7: a second sudo */
        GroupFile *f = NULL;
        const GroupEntry *g;

        assert_int_equal(PARSE(group_parse, text, &f), 0);
        assert_int_equal(f->n_entries, 5);
        assert_int_equal(f->stats.n_malformed, 2);
        assert_int_equal(f->stats.first_malformed, 4);

        g = group_find(f, "sudo");
        assert_non_null(g);
        assert_int_equal(g->gid, 27);
        assert_int_equal(g->n_members, 2);
        assert_string_equal(g->members[0], "taro");
        assert_string_equal(g->members[1], "hanako");

        g = group_find(f, "root");
        assert_int_equal(g->n_members, 0);
        g = group_find(f, "nomembers");
        assert_int_equal(g->gid, 50);
        assert_int_equal(g->n_members, 0);
        g = group_find(f, "users");
        assert_int_equal(g->n_members, 2);
        assert_string_equal(g->members[1], "hanako");
        assert_null(group_find(f, "bad"));
        group_file_free(f);
}

/* ---- login.defs ---------------------------------------------------------------------- */

static void test_logindefs(void **state) {
        static const char text[] =
                "#\n"                                           /* 1 */
                "# /etc/login.defs\n"                           /* 2 */
                "MAIL_DIR        /var/mail\n"                   /* 3 */
                "PASS_MAX_DAYS\t99999\n"                        /* 4 */
                "  PASS_MIN_DAYS   0   \n"                      /* 5 */
                "UMASK\t\t022\n"                                /* 6: octal */
                "ENV_PATH\tPATH=/usr/local/bin:/usr/bin\n"      /* 7 */
                "LONELY\n"                                      /* 8: key only */
                "PASS_WARN_AGE 7 # a week\n"                    /* 9 */
                "ENCRYPT_METHOD \"YESCRYPT\"\r\n"               /* 10 */
                "UID_MIN 0x3e8\n"                               /* 11: hex */
                "PASS_MAX_DAYS\t90";                            /* 12: the last wins */
        LoginDefs *d = NULL;
        long v = 0;

        assert_int_equal(PARSE(logindefs_parse, text, &d), 0);
        assert_int_equal(d->n_entries, 9);
        assert_int_equal(d->stats.n_malformed, 1);
        assert_int_equal(d->stats.first_malformed, 8);

        assert_int_equal(logindefs_get_long(d, "PASS_MAX_DAYS", &v), 0);
        assert_int_equal(v, 90);
        assert_int_equal(logindefs_find(d, "PASS_MAX_DAYS")->line, 12);
        assert_int_equal(logindefs_get_long(d, "PASS_MIN_DAYS", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(logindefs_get_long(d, "UMASK", &v), 0);
        assert_int_equal(v, 18);
        assert_int_equal(logindefs_get_long(d, "UID_MIN", &v), 0);
        assert_int_equal(v, 1000);
        assert_string_equal(logindefs_find(d, "ENV_PATH")->value, "PATH=/usr/local/bin:/usr/bin");
        assert_string_equal(logindefs_find(d, "ENCRYPT_METHOD")->value, "YESCRYPT");
        /* shadow's tools read "7 # a week" as the value: not a number. */
        assert_string_equal(logindefs_find(d, "PASS_WARN_AGE")->value, "7 # a week");
        assert_int_equal(logindefs_get_long(d, "PASS_WARN_AGE", &v), -EINVAL);
        assert_int_equal(logindefs_get_long(d, "MAIL_DIR", &v), -EINVAL);
        assert_int_equal(logindefs_get_long(d, "UID_MAX", &v), -ENOENT);
        assert_null(logindefs_find(d, "LONELY"));
        logindefs_free(d);
}

/* ---- name = value files and pwquality's settings ------------------------------------- */

static void test_conf(void **state) {
        static const char text[] =
                "# Configuration for systemwide password quality limits\n"     /* 1 */
                "# minlen = 8\n"                                                /* 2 */
                "minlen = 12\n"                                                 /* 3 */
                "dcredit=-1\n"                                                  /* 4 */
                "ucredit  -1\n"                                                 /* 5 */
                "minclass = 3 # three of four\n"                                /* 6 */
                "enforce_for_root\n"                                            /* 7 */
                "= 5\n"                                                         /* 8 */
                "\t\n"                                                          /* 9 */
                "badwords = library fujisawa\r\n"                               /* 10 */
                "minlen = 14";                                                  /* 11 */
        ConfFile *f = NULL;

        assert_int_equal(PARSE(conf_parse, text, &f), 0);
        assert_int_equal(f->n_entries, 7);
        assert_int_equal(f->stats.n_malformed, 1);
        assert_int_equal(f->stats.first_malformed, 8);
        assert_string_equal(conf_find(f, "minlen")->value, "14");
        assert_int_equal(conf_find(f, "minlen")->line, 11);
        assert_string_equal(conf_find(f, "dcredit")->value, "-1");
        assert_string_equal(conf_find(f, "ucredit")->value, "-1");
        assert_string_equal(conf_find(f, "minclass")->value, "3");
        assert_string_equal(conf_find(f, "enforce_for_root")->value, "");
        assert_string_equal(conf_find(f, "badwords")->value, "library fujisawa");
        assert_null(conf_find(f, "difok"));
        conf_file_free(f);
}

static void test_pwq_settings(void **state) {
        PwqSettings s;

        /* pwquality's defaults: minlen 8, no credits, no classes. */
        pwq_settings_init(&s, PWQ_MODULE_PWQUALITY);
        assert_int_equal(pwq_min_length(&s), 8);
        assert_int_equal(pwq_min_classes(&s), 0);
        assert_int_equal(pwq_total_credit(&s), 0);

        /* minlen never goes below 6; minclass never above 4. */
        assert_int_equal(pwq_settings_apply(&s, "minlen", "3", "x:1"), 0);
        assert_int_equal(s.s[PWQ_MINLEN].value, 6);
        assert_true(s.s[PWQ_MINLEN].set);
        assert_string_equal(s.s[PWQ_MINLEN].source, "x:1");
        assert_int_equal(pwq_settings_apply(&s, "MinClass", "9", "x:2"), 0);
        assert_int_equal(pwq_min_classes(&s), 4);

        assert_int_equal(pwq_settings_apply(&s, "minlen", "twelve", "x:3"), -EINVAL);
        assert_int_equal(pwq_settings_apply(&s, "minlen", "", "x:3"), -EINVAL);
        assert_int_equal(pwq_settings_apply(&s, "minlen", "2147483647", "x:3"), -EINVAL);
        assert_int_equal(pwq_settings_apply(&s, "maxlen", "30", "x:4"), -ENOENT);
        assert_int_equal(pwq_settings_apply(&s, "difok", "5", "x:5"), 0);
        assert_int_equal(pwq_settings_apply(&s, "difok", "many", "x:5"), -EINVAL);
        assert_int_equal(pwq_settings_apply(&s, "dictpath", "/usr/share/dict", "x:6"), 0);
        assert_int_equal(s.s[PWQ_MINLEN].value, 6);

        /* minlen 12 with dcredit 1 and ucredit 2: 12 - 3 = 9. */
        pwq_settings_init(&s, PWQ_MODULE_PWQUALITY);
        assert_int_equal(pwq_settings_apply(&s, "minlen", "12", NULL), 0);
        assert_int_equal(pwq_settings_apply(&s, "dcredit", "1", NULL), 0);
        assert_int_equal(pwq_settings_apply(&s, "ucredit", "2", NULL), 0);
        assert_int_equal(pwq_total_credit(&s), 3);
        assert_int_equal(pwq_min_length(&s), 9);

        /* Credits past half of minlen: every character earns at most one,
         * so 12 needs at least 6 characters. */
        assert_int_equal(pwq_settings_apply(&s, "lcredit", "10", NULL), 0);
        assert_int_equal(pwq_min_length(&s), 6);

        /* Negative credits demand classes. */
        pwq_settings_init(&s, PWQ_MODULE_PWQUALITY);
        assert_int_equal(pwq_settings_apply(&s, "dcredit", "-1", NULL), 0);
        assert_int_equal(pwq_settings_apply(&s, "ocredit", "-2", NULL), 0);
        assert_int_equal(pwq_settings_apply(&s, "minclass", "1", NULL), 0);
        assert_int_equal(pwq_min_classes(&s), 2);
        assert_int_equal(pwq_min_length(&s), 8);

        /* pam_cracklib: minlen 9 and a credit of 1 per class: 5 characters. */
        pwq_settings_init(&s, PWQ_MODULE_CRACKLIB);
        assert_int_equal(pwq_total_credit(&s), 4);
        assert_int_equal(pwq_min_length(&s), 5);
        assert_int_equal(pwq_settings_apply(&s, "minlen", "2", NULL), 0);
        assert_int_equal(s.s[PWQ_MINLEN].value, 5);
        assert_int_equal(pwq_settings_apply(&s, "enforcing", "0", NULL), -ENOENT);
}

/* ---- PAM ------------------------------------------------------------------------------ */

static void test_pam(void **state) {
        static const char text[] =
                "#\n"                                                                   /* 1 */
                "# /etc/pam.d/common-password\n"                                        /* 2 */
                "password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=10 minlen=12\n" /* 3 */
                "password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n"
                "password\trequisite\t\t\tpam_deny.so\n"                                /* 5 */
                "-password\toptional\tpam_gnome_keyring.so\n"                          /* 6 */
                "PASSWORD  required  /lib/x86_64-linux-gnu/security/pam_pwhistory.so \\\n" /* 7 */
                "   # a comment line inside a continued line is skipped\n"             /* 8 */
                "   remember=24 \\\n"                                                   /* 9 */
                "   use_authtok # and this ends it\n"                                   /* 10 */
                "session required pam_env.so [conf=/etc/my env.conf] [a\\]b]\n"       /* 11 */
                "@include common-session\n"                                             /* 12 */
                "bogus required pam_unix.so\n"                                          /* 13 */
                "auth required\n"                                                       /* 14 */
                "account [default=bad\n"                                                /* 15 */
                "password required pam_permit.so\r\n";                                  /* 16 */
        PamFile *f = NULL;
        const PamLine *l;

        assert_int_equal(PARSE(pamconf_parse, text, &f), 0);
        assert_int_equal(f->n_lines, 8);
        assert_int_equal(f->stats.n_malformed, 3);
        assert_int_equal(f->stats.first_malformed, 13);

        l = pamconf_find(f, "password", "pam_pwquality.so");
        assert_non_null(l);
        assert_int_equal(l->line, 3);
        assert_string_equal(l->control, "requisite");
        assert_int_equal(l->n_args, 3);
        assert_string_equal(pamconf_arg(l, "minlen"), "12");      /* the later one */
        assert_string_equal(pamconf_arg(l, "retry"), "3");
        assert_null(pamconf_arg(l, "min"));

        l = pamconf_find(f, "password", "pam_unix.so");
        assert_int_equal(l->line, 4);
        assert_string_equal(l->control, "[success=1 default=ignore]");
        assert_string_equal(pamconf_arg(l, "obscure"), "");
        assert_int_equal(l->n_args, 4);

        l = pamconf_find(f, "password", "pam_gnome_keyring.so");
        assert_true(l->silent);
        assert_string_equal(l->type, "password");

        l = pamconf_find(f, "password", "pam_pwhistory.so");
        assert_non_null(l);
        assert_int_equal(l->line, 7);
        assert_string_equal(l->module, "/lib/x86_64-linux-gnu/security/pam_pwhistory.so");
        assert_int_equal(l->n_args, 2);
        assert_string_equal(pamconf_arg(l, "remember"), "24");
        assert_string_equal(l->args[1], "use_authtok");

        l = pamconf_find(f, "session", "pam_env.so");
        assert_non_null(l);
        assert_int_equal(l->n_args, 2);
        assert_string_equal(l->args[0], "conf=/etc/my env.conf");
        assert_string_equal(l->args[1], "a]b");

        assert_string_equal(f->lines[6].type, "@include");
        assert_string_equal(f->lines[6].module, "common-session");

        l = pamconf_find(f, "password", "pam_permit.so");
        assert_non_null(l);
        assert_int_equal(l->line, 16);
        assert_int_equal(l->n_args, 0);
        pamconf_free(f);

        /* A backslash on the last line: Linux-PAM refuses it. */
        assert_int_equal(PARSE(pamconf_parse, "password required pam_unix.so \\\n   remember=5 \\", &f), 0);
        assert_int_equal(f->n_lines, 0);
        assert_int_equal(f->stats.n_malformed, 1);
        assert_int_equal(f->stats.first_malformed, 1);
        pamconf_free(f);
}

static void test_pam_controls(void **state) {
        assert_true(pamconf_control_is_lax("optional"));
        assert_true(pamconf_control_is_lax("Sufficient"));
        assert_false(pamconf_control_is_lax("required"));
        assert_false(pamconf_control_is_lax("requisite"));
        assert_true(pamconf_control_is_lax("[success=ok default=ignore]"));
        assert_true(pamconf_control_is_lax("[default=bad authtok_err=ignore]"));
        assert_false(pamconf_control_is_lax("[success=ok default=die]"));
        assert_false(pamconf_control_is_lax("[success=1 default=bad]"));
        assert_false(pamconf_control_is_lax("[success=ok new_authtok_reqd=ok]"));
        assert_false(pamconf_control_is_lax("[default=ignore authtok_err=die]"));
}

/* ---- text ------------------------------------------------------------------------------ */

static void test_text(void **state) {
        char buf[16];
        uint32_t id = 7;
        long v = 0;

        assert_string_equal(text_safe("taro", 64, buf, sizeof(buf)), "taro");
        assert_string_equal(text_safe("a\nb\tc\x7f", 64, buf, sizeof(buf)), "a?b?c?");
        assert_string_equal(text_safe("abcdefghijklmnopqrstuvwxyz", 64, buf, sizeof(buf)), "abcdefghijkl...");
        assert_string_equal(text_safe("abcdef", 3, buf, sizeof(buf)), "abc...");
        /* "たろう" is 9 bytes: cut at 4 keeps one whole character. */
        assert_string_equal(text_safe("\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86", 4, buf, sizeof(buf)),
                            "\xe3\x81\x9f...");
        assert_string_equal(text_safe(NULL, 4, buf, sizeof(buf)), "");

        assert_int_equal(parse_id("0", &id), 0);
        assert_int_equal(id, 0);
        assert_int_equal(parse_id(" +0", &id), 0);
        assert_int_equal(id, 0);
        assert_int_equal(parse_id("-0", &id), 0);
        assert_int_equal(id, 0);
        assert_int_equal(parse_id("0 ", &id), -EINVAL);
        assert_int_equal(parse_id("", &id), -EINVAL);
        assert_int_equal(parse_id("1e3", &id), -EINVAL);
        assert_int_equal(parse_id("4294967296", &id), 0);
        assert_int_equal(id, 4294967295U);
        assert_int_equal(parse_id("-4294967296", &id), 0);
        assert_int_equal(id, 4294967295U);

        assert_int_equal(parse_long("-12", &v), 0);
        assert_int_equal(v, -12);
        assert_int_equal(parse_long(" 12", &v), -EINVAL);
        assert_int_equal(parse_long("12abc", &v), -EINVAL);
        assert_int_equal(parse_long("99999999999999999999", &v), -ERANGE);
        assert_int_equal(parse_long_any_base("010", &v), 0);
        assert_int_equal(v, 8);
        assert_int_equal(parse_long_any_base("08", &v), -EINVAL);

        assert_string_equal(text_basename("/lib/security/pam_unix.so"), "pam_unix.so");
        assert_string_equal(text_basename("pam_unix.so"), "pam_unix.so");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_passwd),
                cmocka_unit_test(test_passwd_first_wins),
                cmocka_unit_test(test_passwd_nul_and_long),
                cmocka_unit_test(test_shadow),
                cmocka_unit_test(test_group),
                cmocka_unit_test(test_logindefs),
                cmocka_unit_test(test_conf),
                cmocka_unit_test(test_pwq_settings),
                cmocka_unit_test(test_pam),
                cmocka_unit_test(test_pam_controls),
                cmocka_unit_test(test_text),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
