/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.policy beyond GNOME: the KConfig and xfconf parsers on
 * hand-written files, and KDE Plasma, Xfce (xfce4-screensaver and
 * light-locker), MATE and Cinnamon on fake machines built in mkdtemp()
 * roots. Expected values come from the files the tests write and from the
 * programs' documented defaults, never from the code under test. MATE and
 * Cinnamon databases are made with `dconf compile` (skipped without it). */
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

#include "../../plugins/screenlock/screenlock-desktops.h"
#include "fake-host.h"

typedef struct Root {
        char path[64];
        int fd;
        FakeHost fh;
        FakeRule fr;
} Root;

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
        assert_int_equal(chmod(p, 0644), 0);
}

static void chmod_rel(Root *rt, const char *rel, mode_t m) {
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", rt->path, rel);
        assert_int_equal(chmod(p, m), 0);
}

static bool have_dconf(void) {
        return access("/usr/bin/dconf", X_OK) == 0;
}

static void dconf_compile(Root *rt, const char *out_rel, const char *dir_rel) {
        char out[4096], dir[4096];
        int status;
        pid_t pid;

        snprintf(out, sizeof(out), "%s/%s", rt->path, out_rel);
        snprintf(dir, sizeof(dir), "%s/%s", rt->path, dir_rel);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execl("/usr/bin/dconf", "dconf", "compile", out, dir, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int setup(void **state) {
        Root *rt = calloc(1, sizeof(*rt));

        assert_non_null(rt);
        snprintf(rt->path, sizeof(rt->path), "/tmp/test-sl-desk-XXXXXX");
        assert_non_null(mkdtemp(rt->path));
        rt->fd = open(rt->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(rt->fd >= 0);
        put(rt, "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "taro:x:1000:1000:Taro:/home/taro:/bin/bash\n"
            "hanako:x:1001:1001:Hanako:/home/hanako:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        put(rt, "etc/group", "root:x:0:\nstaff:x:50:taro\nusers:x:100:\n");
        assert_int_equal(fake_host_init(&rt->fh, rt->path, &mamori_plugin), 0);
        *state = rt;
        return 0;
}

static int teardown(void **state) {
        Root *rt = *state;

        fake_host_done(&rt->fh);
        close(rt->fd);
        assert_int_equal(nftw(rt->path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(rt);
        return 0;
}

static void evaluate(Root *rt, const char *max_idle, const char *max_lock_delay) {
        struct mamori_rule *r = fake_rule(&rt->fr, "screenlock.policy");

        fake_rule_param(&rt->fr, "max-idle-sec", max_idle, NULL);
        fake_rule_param(&rt->fr, "max-lock-delay-sec", max_lock_delay, NULL);
        assert_int_equal(fake_host_evaluate(&rt->fh, r), 0);
}

static void dump(const Root *rt) {
        for (size_t i = 0; i < rt->fh.n_findings; i++)
                print_message("  finding %d %s: %s\n", rt->fh.findings[i].status,
                              rt->fh.findings[i].subject ? rt->fh.findings[i].subject : "-",
                              rt->fh.findings[i].evidence);
}

/* The finding with this status whose subject (when given) matches and
 * whose evidence holds every needle. */
static const FakeFinding *find(Root *rt, mamori_status st, const char *subject, ...) {
        for (size_t i = 0; i < rt->fh.n_findings; i++) {
                const FakeFinding *f = &rt->fh.findings[i];
                bool all = true;
                va_list ap;

                if (f->status != st || (subject && (!f->subject || strcmp(f->subject, subject) != 0)))
                        continue;
                va_start(ap, subject);
                for (const char *n; (n = va_arg(ap, const char *));)
                        if (!strstr(f->evidence, n))
                                all = false;
                va_end(ap);
                if (all)
                        return f;
        }
        dump(rt);
        fail_msg("no finding with status %d subject %s", st, subject ? subject : "(any)");
        return NULL;
}

static size_t count(const Root *rt, mamori_status st) {
        return fake_host_count(&rt->fh, st);
}

/* ---- kconfig.c ---------------------------------------------------------------- */

static void test_kconfig_parse(void **state) {
        static const char text[] =
                "# comment\n"
                "top=before any group\n"
                "[Daemon]\n"
                "Autolock = true \n"
                "Timeout=5\n"
                "Timeout=10\n"
                "Name[de]=Sperre\n"
                "LockGrace[$i]=0\n"
                "Path[$e]=$HOME/x\n"
                "Esc=\\sa\\tb\\\\c\\x41\\;\n"
                "no equals sign\n"
                "=empty key\n"
                "[Outer][Inner][$i]\n"
                "Key=v\n"
                "[broken\n"
                "After=still Inner\n";
        KcFile *f = NULL;
        const KcEntry *en;

        assert_int_equal(kc_parse(text, strlen(text), &f), 0);
        assert_false(f->file_immutable);
        assert_int_equal(f->n_invalid, 3);
        assert_int_equal(f->first_invalid, 11);

        en = kc_lookup(f, "", "top");
        assert_non_null(en);
        assert_string_equal(en->value, "before any group");
        en = kc_lookup(f, "Daemon", "Autolock");
        assert_string_equal(en->value, "true");
        assert_int_equal(en->line, 4);
        /* The later line wins. */
        assert_string_equal(kc_lookup(f, "Daemon", "Timeout")->value, "10");
        /* Localised entries are not the key itself. */
        assert_null(kc_lookup(f, "Daemon", "Name"));
        en = kc_lookup(f, "Daemon", "LockGrace");
        assert_true(en->immutable);
        assert_false(en->group_immutable);
        assert_true(kc_lookup(f, "Daemon", "Path")->expand);
        assert_string_equal(kc_lookup(f, "Daemon", "Esc")->value, " a\tb\\cA;");
        assert_false(kc_group_immutable(f, "Daemon"));

        en = kc_lookup(f, "Outer\x1dInner", "Key");
        assert_non_null(en);
        assert_true(en->group_immutable);
        assert_true(kc_group_immutable(f, "Outer\x1dInner"));
        assert_string_equal(kc_lookup(f, "Outer\x1dInner", "After")->value, "still Inner");
        kc_free(f);

        /* [$i] before the first group: the whole file. */
        static const char whole[] = "[$i]\n[Daemon]\nTimeout=1\n", after[] = "[Daemon]\n[$i]\n";

        assert_int_equal(kc_parse(whole, strlen(whole), &f), 0);
        assert_true(f->file_immutable);
        kc_free(f);
        /* ... but not after one. */
        assert_int_equal(kc_parse(after, strlen(after), &f), 0);
        assert_false(f->file_immutable);
        assert_int_equal(f->n_invalid, 1);
        kc_free(f);

        assert_int_equal(kc_parse("", 0, &f), 0);
        assert_int_equal(f->n_entries, 0);
        kc_free(f);
}

static void test_kconfig_values(void **state) {
        static const char *const yes[] = { "true", "TRUE", "on", "Yes", "1" };
        static const char *const no[] = { "false", "Off", "no", "0" };
        bool b;
        int64_t n;

        for (size_t i = 0; i < SL_ELEMENTSOF(yes); i++) {
                assert_int_equal(kc_parse_bool(yes[i], &b), 0);
                assert_true(b);
        }
        for (size_t i = 0; i < SL_ELEMENTSOF(no); i++) {
                assert_int_equal(kc_parse_bool(no[i], &b), 0);
                assert_false(b);
        }
        assert_int_equal(kc_parse_bool("maybe", &b), -EINVAL);
        assert_int_equal(kc_parse_bool("", &b), -EINVAL);
        assert_int_equal(kc_parse_int(" 15 ", &n), 0);
        assert_int_equal(n, 15);
        assert_int_equal(kc_parse_int("-3", &n), 0);
        assert_int_equal(n, -3);
        assert_int_equal(kc_parse_int("5min", &n), -EINVAL);
        assert_int_equal(kc_parse_int("", &n), -EINVAL);
        assert_int_equal(kc_parse_int("99999999999999999999", &n), -ERANGE);
}

/* ---- xfconf.c -------------------------------------------------------------------- */

static void test_xfconf_parse(void **state) {
        static const char text[] =
                "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<!DOCTYPE channel SYSTEM \"x.dtd\">\n"
                "<!-- a comment -->\n"
                "<channel name=\"xfce4-screensaver\" version=\"1.0\" unlocked=\"root\">\n"
                "  <property name=\"saver\" type=\"empty\">\n"
                "    <property name=\"enabled\" type=\"bool\" value=\"true\"/>\n"
                "    <property name=\"idle-activation\" type=\"empty\">\n"
                "      <property name='delay' type='int' value='5' locked='taro;@staff'/>\n"
                "    </property>\n"
                "  </property>\n"
                "  <property name=\"themes\" type=\"array\">\n"
                "    <value type=\"string\" value=\"a &amp; b &lt;&#x41;&#66;&gt;\"/>\n"
                "  </property>\n"
                "  <property name=\"lock\" type=\"empty\"><property name=\"enabled\" type=\"bool\" value=\"false\">"
                "</property></property>\n"
                "</channel>\n";
        XfChannel *c = NULL;
        const XfProperty *p;
        const char *why = NULL;
        unsigned line = 0;

        assert_int_equal(xfconf_parse(text, strlen(text), &c, &line, &why), 0);
        assert_string_equal(c->name, "xfce4-screensaver");
        assert_string_equal(c->version, "1.0");
        assert_string_equal(c->unlocked, "root");
        assert_null(c->locked);
        assert_int_equal(c->n_props, 7);

        p = xfconf_find(c, "/saver/enabled");
        assert_non_null(p);
        assert_string_equal(p->type, "bool");
        assert_string_equal(p->value, "true");
        assert_int_equal(p->line, 6);
        p = xfconf_find(c, "/saver/idle-activation/delay");
        assert_string_equal(p->value, "5");
        assert_string_equal(p->locked, "taro;@staff");
        assert_null(xfconf_find(c, "/saver/idle-activation")->value);
        assert_string_equal(xfconf_find(c, "/lock/enabled")->value, "false");
        assert_null(xfconf_find(c, "/enabled"));
        assert_non_null(xfconf_find(c, "/themes"));
        xfconf_free(c);
}

static void test_xfconf_refused(void **state) {
        static const struct {
                const char *text;
                const char *reason;
        } bad[] = {
                { "", "no <channel>" },
                { "<channel name=\"a\" version=\"1.0\">", "truncated" },
                { "<channel name=\"a\" version=\"1.0\"><property name=\"x\" type=\"int\"></channel>", "does not match" },
                { "<channel name=\"a\" version=\"2.0\"/>", "version other than 1" },
                { "<channel name=\"a\"/>", "both name and version" },
                { "<channel name=\"a\" version=\"1.0\" colour=\"red\"/>", "unknown attribute in <channel>" },
                { "<channel name=\"a\" version=\"1.0\"><property name=\"x\"/></channel>", "both name and type" },
                { "<channel name=\"a\" version=\"1.0\"><property name=\"x\" type=\"int\" bogus=\"1\"/></channel>",
                  "unknown attribute in <property>" },
                { "<channel name=\"a\" version=\"1.0\">text</channel>", "text where" },
                { "<channel name=\"a\" version=\"1.0\"/><channel name=\"b\" version=\"1.0\"/>", "second root" },
                { "<other/>", "root element is not <channel>" },
                { "<channel name=\"a\" version=\"1.0\"><foo/></channel>", "other than" },
                { "<channel name=\"a\" version=\"1.0\"><value type=\"int\" value=\"1\"/></channel>", "outside" },
                { "<channel name=\"a &bogus;\" version=\"1.0\"/>", "unknown entity" },
                { "<channel name=\"a\" name=\"b\" version=\"1.0\"/>", "twice" },
                { "<channel name=\"a\" version=\"1.0\"", "not closed" },
                { "<!DOCTYPE c [<!ENTITY x \"y\">]><channel name=\"a\" version=\"1.0\"/>", "internal subset" },
                { "<channel name=\"\xff\" version=\"1.0\"/>", "not UTF-8" },
                { "<channel name=\"a\" version=\"1.0\"><![CDATA[x]]></channel>", "CDATA" },
                { "<channel name=\"a\" version=\"1.0\"><!-- open </channel>", "comment is not closed" },
        };

        for (size_t i = 0; i < SL_ELEMENTSOF(bad); i++) {
                XfChannel *c = NULL;
                const char *why = NULL;
                unsigned line = 0;

                if (xfconf_parse(bad[i].text, strlen(bad[i].text), &c, &line, &why) != -EBADMSG)
                        fail_msg("case %zu parsed", i);
                assert_null(c);
                assert_non_null(why);
                if (!strstr(why, bad[i].reason))
                        fail_msg("case %zu: \"%s\" is not \"%s\"", i, why, bad[i].reason);
        }
}

static void test_xfconf_deep_and_long(void **state) {
        char buf[16384];
        size_t len = 0;
        XfChannel *c = NULL;
        const char *why;
        unsigned line;

        len += (size_t) snprintf(buf + len, sizeof(buf) - len, "<channel name=\"d\" version=\"1.0\">");
        for (int i = 0; i < XFCONF_MAX_DEPTH; i++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "<property name=\"p\" type=\"empty\">");
        for (int i = 0; i < XFCONF_MAX_DEPTH; i++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "</property>");
        len += (size_t) snprintf(buf + len, sizeof(buf) - len, "</channel>");
        /* One level too many for the channel plus 64 properties. */
        assert_int_equal(xfconf_parse(buf, len, &c, &line, &why), -EBADMSG);
        assert_non_null(strstr(why, "nested too deep"));
}

static void test_group_members(void **state) {
        static const char g[] = "root:x:0:\nstaff:x:50:taro,jiro\r\nwheel:x:10:hanako\nempty:x:11:\n";

        assert_true(sl_group_has_member(g, strlen(g), "staff", "taro"));
        assert_true(sl_group_has_member(g, strlen(g), "staff", "jiro"));
        assert_false(sl_group_has_member(g, strlen(g), "staff", "hanako"));
        assert_true(sl_group_has_member(g, strlen(g), "wheel", "hanako"));
        assert_false(sl_group_has_member(g, strlen(g), "empty", "taro"));
        assert_false(sl_group_has_member(g, strlen(g), "none", "taro"));
        assert_false(sl_group_has_member(g, strlen(g), "staff", "tar"));
}

/* ---- KDE Plasma ---------------------------------------------------------------------- */

static void test_kde_defaults_fail(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/plasmashell", "");
        evaluate(rt, "600", "0");
        /* Defaults: LockGrace 5 s lets input unlock without a password, and
         * nothing is locked against staff. */
        find(rt, MAMORI_FAIL, "kscreenlockerrc:Daemon/LockGrace", "LockGrace is 5 s, above max-lock-delay-sec 0",
             "without a password", "the default: no file sets it", NULL);
        find(rt, MAMORI_FAIL, "kscreenlockerrc:Daemon/Timeout", "Timeout is not locked", "[Daemon][$i]", NULL);
        assert_int_equal(count(rt, MAMORI_FAIL), 5);
        assert_int_equal(count(rt, MAMORI_PASS), 0);

        /* With a lenient lock delay the defaults hold, but still unlocked. */
        evaluate(rt, "600", "5");
        assert_int_equal(count(rt, MAMORI_FAIL), 4);
}

static void test_kde_group_immutable_passes(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/startplasma-x11", "");
        put(rt, "etc/xdg/kscreenlockerrc",
            "[Daemon][$i]\nAutolock=true\nTimeout=5\nLockGrace=0\nLockOnResume=true\n");
        /* What staff write cannot change an immutable group. */
        put(rt, "home/taro/.config/kscreenlockerrc", "[Daemon]\nAutolock=false\nTimeout=600\n");
        evaluate(rt, "600", "0");
        if (count(rt, MAMORI_PASS) != 1)
                dump(rt);
        assert_int_equal(rt->fh.n_findings, 1);
        find(rt, MAMORI_PASS, NULL,
             "KDE Plasma locks an idle session: Autolock true, Timeout 5 min, LockGrace 0 s, LockOnResume true",
             "immutable in /etc/xdg/kscreenlockerrc", NULL);

        /* [$i] before the first group locks the whole file the same way. */
        put(rt, "etc/xdg/kscreenlockerrc", "[$i]\n[Daemon]\nTimeout=2\nLockGrace=0\n");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_PASS, NULL, "Timeout 2 min", NULL);
}

static void test_kde_key_immutable_and_users(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/plasmashell", "");
        put(rt, "etc/xdg/kscreenlockerrc",
            "[Daemon]\nAutolock[$i]=true\nTimeout[$i]=15\nLockGrace[$i]=0\nLockOnResume=true\n");
        put(rt, "home/taro/.config/kscreenlockerrc", "[Daemon]\nLockOnResume=off\nTimeout=1\n");
        put(rt, "home/hanako/.config/kscreenlockerrc", "[Daemon]\nLockOnResume=true\n");
        evaluate(rt, "600", "0");

        find(rt, MAMORI_FAIL, "kscreenlockerrc:Daemon/Timeout", "Timeout is 15 min (900 s), above max-idle-sec 600",
             "from /etc/xdg/kscreenlockerrc line 3", NULL);
        find(rt, MAMORI_FAIL, "kscreenlockerrc:Daemon/LockOnResume", "LockOnResume is not locked", NULL);
        /* taro turned LockOnResume off; his Timeout=1 is ignored (immutable). */
        find(rt, MAMORI_FAIL, "user:taro", "LockOnResume is false", "wakes from sleep",
             "/home/taro/.config/kscreenlockerrc line 2", NULL);
        assert_null(strstr(find(rt, MAMORI_FAIL, "user:taro", NULL)->evidence, "Timeout"));
        assert_int_equal(count(rt, MAMORI_FAIL), 3);
}

static void test_kde_bad_values_and_file_mode(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/plasmashell", "");
        put(rt, "etc/xdg/kscreenlockerrc", "[Daemon][$i]\nTimeout=ten\nLockGrace=0\n");
        evaluate(rt, "600", "0");
        /* An unreadable number is the default (5 min), which is within 600 s. */
        find(rt, MAMORI_PASS, NULL, "Timeout 5 min", NULL);

        evaluate(rt, "240", "0");
        find(rt, MAMORI_FAIL, "kscreenlockerrc:Daemon/Timeout", "Timeout is 5 min (300 s)",
             "holds \"ten\", which KConfig cannot read as a number", NULL);

        chmod_rel(rt, "etc/xdg/kscreenlockerrc", 0666);
        evaluate(rt, "600", "0");
        find(rt, MAMORI_FAIL, "/etc/xdg/kscreenlockerrc", "writable by everyone (mode 0666)", NULL);
}

/* ---- Xfce -------------------------------------------------------------------------------- */

#define SAVER_XML "etc/xdg/xfce4/xfconf/xfce-perchannel-xml/xfce4-screensaver.xml"

static const char good_saver[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<channel name=\"xfce4-screensaver\" version=\"1.0\" %s>\n"
        "  <property name=\"saver\" type=\"empty\">\n"
        "    <property name=\"enabled\" type=\"bool\" value=\"true\"/>\n"
        "    <property name=\"idle-activation\" type=\"empty\">\n"
        "      <property name=\"enabled\" type=\"bool\" value=\"true\"/>\n"
        "      <property name=\"delay\" type=\"int\" value=\"%s\" %s/>\n"
        "    </property>\n"
        "  </property>\n"
        "  <property name=\"lock\" type=\"empty\">\n"
        "    <property name=\"enabled\" type=\"bool\" value=\"true\"/>\n"
        "    <property name=\"saver-activation\" type=\"empty\">\n"
        "      <property name=\"enabled\" type=\"bool\" value=\"true\"/>\n"
        "      <property name=\"delay\" type=\"int\" value=\"0\"/>\n"
        "    </property>\n"
        "  </property>\n"
        "</channel>\n";

static void put_saver(Root *rt, const char *channel_attr, const char *delay, const char *delay_attr) {
        char buf[4096];

        snprintf(buf, sizeof(buf), good_saver, channel_attr, delay, delay_attr);
        put(rt, SAVER_XML, buf);
}

static void test_xfce_without_locker(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/xfce4-session", "");
        evaluate(rt, "600", "0");
        assert_int_equal(rt->fh.n_findings, 1);
        find(rt, MAMORI_FAIL, "xfce", "without a screen locker", NULL);
}

static void test_xfce_unlocked_defaults(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/xfce4-session", "");
        put(rt, "usr/bin/xfce4-screensaver", "");
        evaluate(rt, "600", "0");
        /* The defaults are good (5 min, lock at once) but nothing is locked:
         * one finding per property, naming both staff accounts. */
        find(rt, MAMORI_FAIL, "xfconf:xfce4-screensaver/lock/enabled", "not locked for 2 of 2 staff accounts",
             "taro, hanako", "unlocked=\"root\"", NULL);
        assert_int_equal(count(rt, MAMORI_FAIL), 6);
}

static void test_xfce_channel_locked_passes(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/xfce4-session", "");
        put(rt, "usr/bin/xfce4-screensaver", "");
        put_saver(rt, "unlocked=\"root\"", "5", "");
        /* A locked channel: the user's file is not read at all. */
        put(rt, "home/taro/.config/xfce4/xfconf/xfce-perchannel-xml/xfce4-screensaver.xml",
            "<channel name=\"xfce4-screensaver\" version=\"1.0\"><property name=\"lock\" type=\"empty\">"
            "<property name=\"enabled\" type=\"bool\" value=\"false\"/></property></channel>\n");
        evaluate(rt, "600", "0");
        if (count(rt, MAMORI_PASS) != 1)
                dump(rt);
        assert_int_equal(rt->fh.n_findings, 1);
        find(rt, MAMORI_PASS, NULL, "Xfce locks an idle session", "/saver/idle-activation/delay 5 min",
             "/lock/saver-activation/delay 0 min", "all 2 staff accounts", "no kiosk file", NULL);

        /* A kiosk file staff can edit is reported. */
        put(rt, "etc/xdg/xfce4/kiosk/kioskrc", "[xfce4-session]\nSaveSession=NONE\n");
        chmod_rel(rt, "etc/xdg/xfce4/kiosk/kioskrc", 0664);
        evaluate(rt, "600", "0");
        find(rt, MAMORI_FAIL, "/etc/xdg/xfce4/kiosk/kioskrc", "writable by its group", NULL);
        chmod_rel(rt, "etc/xdg/xfce4/kiosk/kioskrc", 0644);
        evaluate(rt, "600", "0");
        find(rt, MAMORI_PASS, NULL, "kiosk file /etc/xdg/xfce4/kiosk/kioskrc root-only", NULL);

        /* Too long an idle delay in the locked system file. */
        put_saver(rt, "unlocked=\"root\"", "15", "");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_FAIL, "xfconf:xfce4-screensaver/saver/idle-activation/delay",
             "/saver/idle-activation/delay is 15 min (900 s), above max-idle-sec 600", "line 7", NULL);
}

static void test_xfce_lock_lists(void **state) {
        Root *rt = *state;
        const FakeFinding *f;

        put(rt, "usr/bin/xfce4-session", "");
        put(rt, "usr/bin/xfce4-screensaver", "");
        /* locked="*" matches no one. */
        put_saver(rt, "locked=\"*\"", "5", "");
        evaluate(rt, "600", "0");
        f = find(rt, MAMORI_FAIL, "xfconf:xfce4-screensaver/saver/enabled", "not locked for 2 of 2", NULL);
        assert_non_null(strstr(f->evidence, "locked=\"*\" locks no one"));

        /* @staff holds taro (a member in /etc/group), not hanako; hanako's
         * own file turns the unlocked delay up. */
        put_saver(rt, "locked=\"@staff\"", "5", "");
        put(rt, "home/hanako/.config/xfce4/xfconf/xfce-perchannel-xml/xfce4-screensaver.xml",
            "<channel name=\"xfce4-screensaver\" version=\"1.0\">\n"
            "<property name=\"saver\" type=\"empty\"><property name=\"idle-activation\" type=\"empty\">\n"
            "<property name=\"delay\" type=\"int\" value=\"60\"/></property></property></channel>\n");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_FAIL, "xfconf:xfce4-screensaver/saver/idle-activation/delay", "not locked for 1 of 2",
             "(hanako)", NULL);
        find(rt, MAMORI_FAIL, "user:hanako", "/saver/idle-activation/delay is 60 min (3600 s)",
             "xfce4-screensaver.xml line 3", NULL);

        /* A property lock for everyone but root covers that property only;
         * hanako's delay of 60 no longer counts. */
        put_saver(rt, "", "5", "unlocked=\"root\"");
        evaluate(rt, "600", "0");
        assert_int_equal(count(rt, MAMORI_FAIL), 5);
        assert_false(fake_host_find(&rt->fh, "60 min"));
        assert_false(fake_host_find(&rt->fh, "/saver/idle-activation/delay is not locked"));
}

static void test_xfce_refused_system_file(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/xfce4-session", "");
        put(rt, "usr/bin/xfce4-screensaver", "");
        put(rt, SAVER_XML, "<channel name=\"xfce4-screensaver\" version=\"1.0\">\n<property name=\"x\">\n");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_ERROR, "/" SAVER_XML, "line 2", "both name and type", "xfconfd does not read the file",
             NULL);
        assert_int_equal(count(rt, MAMORI_PASS), 0);

        put(rt, SAVER_XML,
            "<channel name=\"xfce4-screensaver\" version=\"1.0\"><property name=\"lock\" type=\"empty\">"
            "<property name=\"enabled\" type=\"bool\" value=\"yes\"/></property></channel>");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_ERROR, "/" SAVER_XML, "/lock/enabled is not a boolean", NULL);
}

static void test_xfce_light_locker(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/xfce4-session", "");
        put(rt, "usr/bin/light-locker", "");
        evaluate(rt, "600", "0");
        /* When the X screensaver starts is xfce4-power-manager's to say. */
        find(rt, MAMORI_FAIL, "xfconf:xfce4-power-manager/xfce4-power-manager/blank-on-ac", "is not set",
             "at most 10 minutes", NULL);
        /* light-locker's own setting is a GSettings key: dconf is checked. */
        find(rt, MAMORI_FAIL, "/etc/dconf/profile/user", "missing", NULL);

        put(rt, "etc/xdg/xfce4/xfconf/xfce-perchannel-xml/xfce4-power-manager.xml",
            "<channel name=\"xfce4-power-manager\" version=\"1.0\" unlocked=\"root\">"
            "<property name=\"xfce4-power-manager\" type=\"empty\">"
            "<property name=\"blank-on-ac\" type=\"int\" value=\"0\"/></property></channel>");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_FAIL, "xfconf:xfce4-power-manager/xfce4-power-manager/blank-on-ac",
             "blank-on-ac is 0: the session never goes idle", NULL);
}

/* ---- MATE, Cinnamon and several desktops at once ---------------------------------------- */

static void test_mate_minutes(void **state) {
        Root *rt = *state;

        if (!have_dconf())
                skip();
        put(rt, "usr/bin/mate-session", "");
        put(rt, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        put(rt, "etc/dconf/db/local.d/00-mate",
            "[org/mate/desktop/session]\nidle-delay=15\n"
            "[org/mate/screensaver]\nlock-enabled=true\nlock-delay=0\nidle-activation-enabled=true\n"
            "[org/mate/desktop/lockdown]\ndisable-lock-screen=false\n");
        put(rt, "etc/dconf/db/local.d/locks/00-mate",
            "/org/mate/desktop/session/idle-delay\n/org/mate/screensaver/lock-enabled\n"
            "/org/mate/screensaver/lock-delay\n/org/mate/screensaver/idle-activation-enabled\n"
            "/org/mate/desktop/lockdown/disable-lock-screen\n");
        dconf_compile(rt, "etc/dconf/db/local", "etc/dconf/db/local.d");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_FAIL, "dconf:/org/mate/desktop/session/idle-delay",
             "idle-delay is 15 min (900 s), above max-idle-sec 600", "from system-db:local", "locked", NULL);
        assert_int_equal(count(rt, MAMORI_FAIL), 1);

        evaluate(rt, "900", "0");
        find(rt, MAMORI_PASS, NULL, "MATE locks an idle session: idle-delay 15 min, lock-enabled true, "
                                    "lock-delay 0 min", "all five locked", NULL);
        assert_int_equal(rt->fh.n_findings, 1);
}

static void test_cinnamon_and_gnome_each_reported(void **state) {
        Root *rt = *state;

        if (!have_dconf())
                skip();
        put(rt, "usr/bin/cinnamon-session", "");
        put(rt, "usr/bin/gnome-session", "");
        put(rt, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        /* GNOME set and locked; Cinnamon locked but left at its 900 s default. */
        put(rt, "etc/dconf/db/local.d/00-x",
            "[org/gnome/desktop/session]\nidle-delay=uint32 300\n");
        put(rt, "etc/dconf/db/local.d/locks/00-x",
            "/org/gnome/desktop/session/idle-delay\n/org/gnome/desktop/screensaver/lock-enabled\n"
            "/org/gnome/desktop/screensaver/lock-delay\n/org/gnome/desktop/screensaver/idle-activation-enabled\n"
            "/org/gnome/desktop/lockdown/disable-lock-screen\n"
            "/org/cinnamon/desktop/session/idle-delay\n/org/cinnamon/desktop/screensaver/lock-enabled\n"
            "/org/cinnamon/desktop/screensaver/lock-delay\n"
            "/org/cinnamon/desktop/screensaver/idle-activation-enabled\n"
            "/org/cinnamon/desktop/lockdown/disable-lock-screen\n");
        dconf_compile(rt, "etc/dconf/db/local", "etc/dconf/db/local.d");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_PASS, NULL, "GNOME locks an idle session: idle-delay 300 s", NULL);
        find(rt, MAMORI_FAIL, "dconf:/org/cinnamon/desktop/session/idle-delay",
             "idle-delay is 900 s, above max-idle-sec 600", "the schema default", NULL);
        assert_int_equal(count(rt, MAMORI_PASS), 1);
        assert_int_equal(count(rt, MAMORI_FAIL), 1);

        /* A user's own database changes an unlocked key: per desktop. */
        put(rt, "etc/dconf/db/local.d/locks/00-x", "/org/gnome/desktop/session/idle-delay\n");
        dconf_compile(rt, "etc/dconf/db/local", "etc/dconf/db/local.d");
        put(rt, "src/taro.d/user", "[org/cinnamon/desktop/screensaver]\nlock-enabled=false\n");
        mkdir_p(rt, "home/taro/.config/dconf");
        dconf_compile(rt, "home/taro/.config/dconf/user", "src/taro.d");
        evaluate(rt, "900", "0");
        find(rt, MAMORI_FAIL, "user:taro", "Cinnamon: lock-enabled is false", NULL);
}

static void test_no_desktop_not_applicable(void **state) {
        Root *rt = *state;

        evaluate(rt, "600", "0");
        assert_int_equal(rt->fh.n_findings, 1);
        find(rt, MAMORI_NOT_APPLICABLE, NULL, "no GNOME-family desktop", "no Xfce", "no KDE Plasma", NULL);
}

/* Xfce and KDE together: both checked, both reported. */
static void test_xfce_and_kde_together(void **state) {
        Root *rt = *state;

        put(rt, "usr/bin/xfce4-session", "");
        put(rt, "usr/bin/xfce4-screensaver", "");
        put_saver(rt, "unlocked=\"root\"", "5", "");
        put(rt, "usr/bin/plasmashell", "");
        put(rt, "etc/xdg/kscreenlockerrc", "[Daemon][$i]\nLockGrace=0\n");
        evaluate(rt, "600", "0");
        find(rt, MAMORI_PASS, NULL, "Xfce locks an idle session", NULL);
        find(rt, MAMORI_PASS, NULL, "KDE Plasma locks an idle session", NULL);
        assert_int_equal(rt->fh.n_findings, 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kconfig_parse),
                cmocka_unit_test(test_kconfig_values),
                cmocka_unit_test(test_xfconf_parse),
                cmocka_unit_test(test_xfconf_refused),
                cmocka_unit_test(test_xfconf_deep_and_long),
                cmocka_unit_test(test_group_members),
                cmocka_unit_test_setup_teardown(test_kde_defaults_fail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kde_group_immutable_passes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kde_key_immutable_and_users, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kde_bad_values_and_file_mode, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_without_locker, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_unlocked_defaults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_channel_locked_passes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_lock_lists, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_refused_system_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_light_locker, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mate_minutes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cinnamon_and_gnome_each_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_desktop_not_applicable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xfce_and_kde_together, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
