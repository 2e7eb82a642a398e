/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.sessions and the logind fallback, without a real seat:
 *   - the idle logic on a fake clock with a session source the test
 *     controls: LockSession is requested exactly once per idle period;
 *   - the check on fake machines (sessions, inhibitors, a fake /proc with
 *     environments and cgroups, display manager files, extensions,
 *     /etc/shadow);
 *   - the real sd-bus source against a fake logind served on a private
 *     dbus-daemon (skipped without dbus-daemon).
 * Expected values come from what the tests feed in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "../../plugins/screenlock/screenlock-sessions.h"
#include "fake-host.h"

#define SEC 1000000ULL
#define T0 (1000 * SEC)

/* ---- a session source and a clock the test controls -------------------------- */

typedef struct FakeLogind {
        SlSession sessions[8];
        size_t n;
        SlInhibitor inhibitors[4];
        size_t n_inhibitors;
        int fail;                       /* returned by the list calls when set */
        char locked[32][64];            /* LockSession calls, in order */
        size_t n_locked;
        bool obey;                      /* a desktop that honours LockSession */
} FakeLogind;

static uint64_t fake_now;

static uint64_t fake_clock(void *userdata) {
        return fake_now;
}

static int fake_list_sessions(void *userdata, SlSession **ret, size_t *ret_n) {
        FakeLogind *l = userdata;

        if (l->fail)
                return l->fail;
        *ret = malloc(sizeof(SlSession) * (l->n + 1));
        assert_non_null(*ret);
        memcpy(*ret, l->sessions, sizeof(SlSession) * l->n);
        *ret_n = l->n;
        return 0;
}

static int fake_list_inhibitors(void *userdata, SlInhibitor **ret, size_t *ret_n) {
        FakeLogind *l = userdata;

        if (l->fail)
                return l->fail;
        *ret = malloc(sizeof(SlInhibitor) * (l->n_inhibitors + 1));
        assert_non_null(*ret);
        memcpy(*ret, l->inhibitors, sizeof(SlInhibitor) * l->n_inhibitors);
        *ret_n = l->n_inhibitors;
        return 0;
}

static int fake_lock_session(void *userdata, const char *id) {
        FakeLogind *l = userdata;

        assert_true(l->n_locked < 32);
        snprintf(l->locked[l->n_locked++], 64, "%s", id);
        if (l->obey)
                for (size_t i = 0; i < l->n; i++)
                        if (strcmp(l->sessions[i].id, id) == 0)
                                l->sessions[i].locked_hint = true;
        return 0;
}

static SlSession graphical(const char *id, const char *user, uint32_t uid, const char *type) {
        SlSession s = { .uid = uid, .active = true, .leader = 0 };

        snprintf(s.id, sizeof(s.id), "%s", id);
        snprintf(s.user, sizeof(s.user), "%s", user);
        snprintf(s.type, sizeof(s.type), "%s", type);
        snprintf(s.klass, sizeof(s.klass), "user");
        snprintf(s.seat, sizeof(s.seat), "seat0");
        return s;
}

static void idle_since(SlSession *s, uint64_t since) {
        s->idle_hint = true;
        s->idle_since_mono = since;
}

/* ---- fixture -------------------------------------------------------------------------- */

typedef struct Fx {
        char path[64];
        int fd;
        FakeHost fh;
        FakeRule fr;
        FakeLogind logind;
} Fx;

static void mkdir_p(Fx *x, const char *rel) {
        char p[8192];

        snprintf(p, sizeof(p), "%s/%s", x->path, rel);
        for (char *s = p + strlen(x->path) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
}

static void put_bytes(Fx *x, const char *rel, const char *content, size_t n) {
        char p[4096], dir[4096], *slash;
        FILE *f;

        snprintf(dir, sizeof(dir), "%s", rel);
        slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                mkdir_p(x, dir);
        }
        snprintf(p, sizeof(p), "%s/%s", x->path, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(content, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
}

static void put(Fx *x, const char *rel, const char *content) {
        put_bytes(x, rel, content, strlen(content));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int setup(void **state) {
        Fx *x = calloc(1, sizeof(*x));
        SlSessionSource src;

        assert_non_null(x);
        snprintf(x->path, sizeof(x->path), "/tmp/test-sl-sess-XXXXXX");
        assert_non_null(mkdtemp(x->path));
        x->fd = open(x->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(x->fd >= 0);
        put(x, "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "taro:x:1000:1000:Taro:/home/taro:/bin/bash\n"
            "hanako:x:1001:1001:Hanako:/home/hanako:/bin/bash\n");
        put(x, "etc/shadow", "root:$y$j9T$abc:19000:0:99999:7:::\ntaro:$y$j9T$def:19000:0:99999:7:::\n"
                             "hanako:!:19000:0:99999:7:::\n");
        put(x, "usr/sbin/gdm3", "");
        assert_int_equal(fake_host_init(&x->fh, x->path, &mamori_plugin), 0);
        src = (SlSessionSource) {
                .userdata = &x->logind,
                .list_sessions = fake_list_sessions,
                .list_inhibitors = fake_list_inhibitors,
                .lock_session = fake_lock_session,
        };
        screenlock_set_session_source(x->fh.state, &src);
        screenlock_set_clock(x->fh.state, fake_clock, NULL);
        fake_now = T0;
        *state = x;
        return 0;
}

static int teardown(void **state) {
        Fx *x = *state;

        fake_host_done(&x->fh);
        close(x->fd);
        assert_int_equal(nftw(x->path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(x);
        return 0;
}

static void evaluate(Fx *x, bool enforce) {
        struct mamori_rule *r = fake_rule(&x->fr, "screenlock.sessions");

        fake_rule_param(&x->fr, "max-idle-sec", "600", NULL);
        r->enforce = enforce;
        assert_int_equal(fake_host_evaluate(&x->fh, r), 0);
}

static void dump(const Fx *x) {
        for (size_t i = 0; i < x->fh.n_findings; i++)
                print_message("  finding %d %s: %s\n", x->fh.findings[i].status,
                              x->fh.findings[i].subject ? x->fh.findings[i].subject : "-",
                              x->fh.findings[i].evidence);
}

static const FakeFinding *find(Fx *x, mamori_status st, const char *subject, ...) {
        for (size_t i = 0; i < x->fh.n_findings; i++) {
                const FakeFinding *f = &x->fh.findings[i];
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
        dump(x);
        fail_msg("no finding with status %d subject %s", st, subject ? subject : "(any)");
        return NULL;
}

static unsigned tick(Fx *x) {
        unsigned requested = 0;
        SlSession *copy = NULL;
        size_t n = 0;

        assert_int_equal(fake_list_sessions(&x->logind, &copy, &n), 0);
        assert_int_equal(sl_idle_tick(x->fh.state, copy, n, 600, &requested, NULL), 0);
        free(copy);
        return requested;
}

/* ---- LockSession exactly once per idle period ----------------------------------------- */

static void test_lock_once_per_idle_period(void **state) {
        Fx *x = *state;
        SlSession *s;

        x->logind.sessions[0] = graphical("2", "taro", 1000, "x11");
        x->logind.n = 1;
        s = &x->logind.sessions[0];
        idle_since(s, T0);

        /* Not yet past the limit. */
        fake_now = T0 + 599 * SEC;
        assert_int_equal(tick(x), 0);
        assert_int_equal(x->logind.n_locked, 0);

        /* Past it: one request, one event. */
        fake_now = T0 + 600 * SEC;
        assert_int_equal(tick(x), 1);
        assert_int_equal(x->logind.n_locked, 1);
        assert_string_equal(x->logind.locked[0], "2");
        assert_int_equal(x->fh.n_events, 1);
        assert_string_equal(x->fh.events[0].kind, "screenlock.enforced");
        assert_string_equal(x->fh.events[0].subject, "session:2");
        assert_non_null(strstr(x->fh.events[0].text, "asked logind to lock session 2 of taro (x11, seat0)"));
        assert_non_null(strstr(x->fh.events[0].text, "idle for 10 min 0 s"));

        /* The desktop ignores it; the same idle period is not asked again. */
        for (uint64_t t = 601; t < 5000; t += 37) {
                fake_now = T0 + t * SEC;
                assert_int_equal(tick(x), 0);
        }
        assert_int_equal(x->logind.n_locked, 1);

        /* Staff come back, then leave again: a new idle period. */
        s->idle_hint = false;
        s->idle_since_mono = 0;
        fake_now = T0 + 5000 * SEC;
        assert_int_equal(tick(x), 0);
        idle_since(s, T0 + 5100 * SEC);
        fake_now = T0 + 5699 * SEC;
        assert_int_equal(tick(x), 0);
        fake_now = T0 + 5700 * SEC;
        assert_int_equal(tick(x), 1);
        fake_now = T0 + 9000 * SEC;
        assert_int_equal(tick(x), 0);
        assert_int_equal(x->logind.n_locked, 2);
        assert_int_equal(x->fh.n_events, 2);

        /* A desktop that honours it: locked, so nothing more to do. */
        idle_since(s, T0 + 9100 * SEC);
        x->logind.obey = true;
        fake_now = T0 + 9700 * SEC;
        assert_int_equal(tick(x), 1);
        assert_true(s->locked_hint);
        fake_now = T0 + 9800 * SEC;
        assert_int_equal(tick(x), 0);
        assert_int_equal(x->logind.n_locked, 3);
}

static void test_lock_only_graphical_user_sessions(void **state) {
        Fx *x = *state;
        uint64_t next = 0;

        x->logind.sessions[0] = graphical("3", "taro", 1000, "tty");
        x->logind.sessions[1] = graphical("4", "hanako", 1001, "wayland");
        x->logind.sessions[1].locked_hint = true;
        x->logind.sessions[2] = graphical("c1", "gdm", 120, "x11");
        snprintf(x->logind.sessions[2].klass, 16, "greeter");
        x->logind.sessions[3] = graphical("5", "hanako", 1001, "wayland");
        x->logind.sessions[4] = graphical("6", "taro", 1000, "x11");
        x->logind.n = 5;
        for (size_t i = 0; i < 4; i++)
                idle_since(&x->logind.sessions[i], T0);
        /* 6 is idle since T0 + 500 s: it crosses the limit 100 s later. */
        idle_since(&x->logind.sessions[4], T0 + 500 * SEC);
        fake_now = T0 + 1000 * SEC;
        assert_int_equal(sl_idle_tick(x->fh.state, x->logind.sessions, x->logind.n, 600, NULL, &next), 0);
        /* Only the idle, unlocked wayland session of a user. */
        assert_int_equal(x->logind.n_locked, 1);
        assert_string_equal(x->logind.locked[0], "5");
        assert_true(next == 100 * SEC);

        /* A session that ends and comes back with the same id and the same
         * idle start is forgotten in between, so it is asked again. */
        x->logind.n = 0;
        assert_int_equal(sl_idle_tick(x->fh.state, x->logind.sessions, 0, 600, NULL, NULL), 0);
        x->logind.n = 5;
        assert_int_equal(sl_idle_tick(x->fh.state, x->logind.sessions, x->logind.n, 600, NULL, NULL), 0);
        assert_int_equal(x->logind.n_locked, 2);
}

/* The fallback timer, armed by watch() for an enforcing rule. */
static void test_watch_arms_fallback_timer(void **state) {
        Fx *x = *state;
        const struct mamori_rule *rules[1];
        struct mamori_rule *r = fake_rule(&x->fr, "screenlock.sessions");

        fake_rule_param(&x->fr, "max-idle-sec", "60", NULL);
        r->enforce = 1;
        rules[0] = r;
        x->logind.sessions[0] = graphical("7", "taro", 1000, "x11");
        x->logind.n = 1;
        idle_since(&x->logind.sessions[0], T0);
        fake_now = T0 + 61 * SEC;

        assert_int_equal(mamori_plugin.watch(x->fh.state, rules, 1), 0);
        /* The first tick comes after a second of real time. */
        for (int i = 0; i < 30 && x->logind.n_locked == 0; i++)
                assert_true(sd_event_run(x->fh.loop, 200 * 1000) >= 0);
        assert_int_equal(x->logind.n_locked, 1);
        assert_int_equal(x->fh.n_events, 1);

        /* Without an enforcing rule there is no timer. */
        r->enforce = 0;
        assert_int_equal(mamori_plugin.watch(x->fh.state, rules, 1), 0);
        fake_now += 10000 * SEC;
        idle_since(&x->logind.sessions[0], fake_now - 100 * SEC);
        for (int i = 0; i < 8; i++)
                assert_true(sd_event_run(x->fh.loop, 200 * 1000) >= 0);
        assert_int_equal(x->logind.n_locked, 1);
}

/* watch(): a change under the dconf directories or a staff account's dconf
 * directory asks for screenlock.policy to be evaluated again. */
static void test_watch_inotify(void **state) {
        Fx *x = *state;
        const struct mamori_rule *rules[1];
        struct mamori_rule *r = fake_rule(&x->fr, "screenlock.policy");

        mkdir_p(x, "etc/dconf/db/local.d/locks");
        mkdir_p(x, "home/taro/.config/dconf");
        rules[0] = r;
        assert_int_equal(mamori_plugin.watch(x->fh.state, rules, 1), 0);
        assert_int_equal(x->fh.evaluations_requested, 0);

        put(x, "etc/dconf/db/local.d/01-site", "[a]\nb=1\n");
        for (int i = 0; i < 20 && x->fh.evaluations_requested == 0; i++)
                assert_true(sd_event_run(x->fh.loop, 100 * 1000) >= 0);
        assert_true(x->fh.evaluations_requested > 0);

        x->fh.evaluations_requested = 0;
        put(x, "home/taro/.config/dconf/user", "not really a database");
        for (int i = 0; i < 20 && x->fh.evaluations_requested == 0; i++)
                assert_true(sd_event_run(x->fh.loop, 100 * 1000) >= 0);
        assert_true(x->fh.evaluations_requested > 0);

        /* No screenlock rule left: nothing is watched. */
        assert_int_equal(mamori_plugin.watch(x->fh.state, rules, 0), 0);
        x->fh.evaluations_requested = 0;
        put(x, "etc/dconf/db/local.d/02-more", "[a]\nc=1\n");
        for (int i = 0; i < 3; i++)
                assert_true(sd_event_run(x->fh.loop, 50 * 1000) >= 0);
        assert_int_equal(x->fh.evaluations_requested, 0);
}

/* ---- screenlock.sessions -------------------------------------------------------------- */

static void test_sessions_pass(void **state) {
        Fx *x = *state;

        x->logind.sessions[0] = graphical("2", "taro", 1000, "wayland");
        x->logind.sessions[1] = graphical("3", "hanako", 1001, "x11");
        idle_since(&x->logind.sessions[1], T0);
        x->logind.sessions[1].locked_hint = true;
        x->logind.n = 2;
        fake_now = T0 + 3600 * SEC;
        evaluate(x, false);
        if (x->fh.n_findings != 1)
                dump(x);
        assert_int_equal(x->fh.n_findings, 1);
        find(x, MAMORI_PASS, NULL, "2 graphical sessions, none idle past the limit unlocked", "no idle inhibitors",
             "no automatic login", "every staff account has a password", NULL);
}

static void test_sessions_idle_unlocked(void **state) {
        Fx *x = *state;

        x->logind.sessions[0] = graphical("2", "taro", 1000, "x11");
        idle_since(&x->logind.sessions[0], T0);
        x->logind.n = 1;
        fake_now = T0 + 1500 * SEC;
        evaluate(x, false);
        find(x, MAMORI_FAIL, "session:2", "session 2 of taro (x11, seat0) has been idle for 25 min 0 s without being "
                                          "locked (max-idle-sec 10 min 0 s)", NULL);
        assert_int_equal(x->logind.n_locked, 0);

        /* enforce: true locks it, once. */
        evaluate(x, true);
        find(x, MAMORI_FAIL, "session:2", "mamori asked logind to lock it", NULL);
        assert_int_equal(x->logind.n_locked, 1);
        assert_int_equal(x->fh.n_events, 1);
        evaluate(x, true);
        assert_int_equal(x->logind.n_locked, 1);
        assert_int_equal(x->fh.n_events, 0);
}

static void test_sessions_inhibitors(void **state) {
        Fx *x = *state;
        SlInhibitor *in = x->logind.inhibitors;

        in[0] = (SlInhibitor) { .uid = 1000, .pid = 4321 };
        snprintf(in[0].what, sizeof(in[0].what), "sleep:idle");
        snprintf(in[0].who, sizeof(in[0].who), "vlc");
        snprintf(in[0].why, sizeof(in[0].why), "Playing a video");
        snprintf(in[0].mode, sizeof(in[0].mode), "block");
        in[1] = (SlInhibitor) { .uid = 0, .pid = 1 };
        snprintf(in[1].what, sizeof(in[1].what), "sleep");
        snprintf(in[1].who, sizeof(in[1].who), "NetworkManager");
        snprintf(in[1].mode, sizeof(in[1].mode), "delay");
        in[2] = in[0];
        snprintf(in[2].what, sizeof(in[2].what), "idlex");
        x->logind.n_inhibitors = 3;
        evaluate(x, false);
        find(x, MAMORI_FAIL, "inhibitor:vlc", "vlc (UID 1000, PID 4321) holds an idle inhibitor (\"Playing a video\")",
             NULL);
        assert_int_equal(fake_host_count(&x->fh, MAMORI_FAIL), 1);
}

static void test_sessions_environment(void **state) {
        Fx *x = *state;
        static const char leader_env[] = "HOME=/home/taro\0GSETTINGS_BACKEND=memory\0";
        static const char shell_env[] = "DCONF_PROFILE=/home/taro/.my-profile\0LANG=ja_JP.UTF-8\0";
        static const char ok_env[] = "GSETTINGS_BACKEND=dconf\0DCONF_PROFILE=user\0";
        static const char other_env[] = "DCONF_PROFILE=other\0";

        x->logind.sessions[0] = graphical("2", "taro", 1000, "wayland");
        x->logind.sessions[0].leader = 4000;
        x->logind.n = 1;
        put_bytes(x, "proc/4000/environ", leader_env, sizeof(leader_env) - 1);
        put(x, "proc/4000/comm", "gdm-wayland-ses\n");
        put(x, "proc/4000/cgroup", "0::/user.slice/user-1000.slice/session-2.scope\n");
        /* gnome-shell under the user's systemd instance. */
        put_bytes(x, "proc/4100/environ", shell_env, sizeof(shell_env) - 1);
        put(x, "proc/4100/comm", "gnome-shell\n");
        put(x, "proc/4100/cgroup",
            "0::/user.slice/user-1000.slice/user@1000.service/session.slice/org.gnome.Shell@wayland.service\n");
        put_bytes(x, "proc/4200/environ", ok_env, sizeof(ok_env) - 1);
        put(x, "proc/4200/cgroup", "0::/user.slice/user-1000.slice/session-2.scope\n");
        /* Someone else's process does not count for this session. */
        put_bytes(x, "proc/5000/environ", other_env, sizeof(other_env) - 1);
        put(x, "proc/5000/cgroup", "0::/user.slice/user-1001.slice/session-9.scope\n");
        put(x, "proc/self/environ", "");
        evaluate(x, false);
        find(x, MAMORI_FAIL, "session:2", "session 2 of taro (wayland, seat0): process 4000 (gdm-wayland-ses) runs with "
                                        "GSETTINGS_BACKEND=memory", "does not read dconf at all", NULL);
        find(x, MAMORI_FAIL, "session:2", "process 4100 (gnome-shell) runs with DCONF_PROFILE=/home/taro/.my-profile",
             NULL);
        assert_int_equal(fake_host_count(&x->fh, MAMORI_FAIL), 2);
        assert_null(fake_host_find(&x->fh, "=other"));
}

static void test_sessions_autologin(void **state) {
        Fx *x = *state;

        put(x, "etc/gdm3/daemon.conf",
            "# GDM configuration\n[daemon]\nAutomaticLoginEnable = True\nAutomaticLogin = taro\n"
            "TimedLoginEnable=false\n");
        /* LightDM: a later file clears one group's setting, not another's. */
        put(x, "usr/share/lightdm/lightdm.conf.d/50-site.conf", "[Seat:*]\nautologin-user=hanako\n");
        put(x, "etc/lightdm/lightdm.conf.d/10-x.conf", "[SeatDefaults]\nautologin-user=jiro\n");
        put(x, "etc/lightdm/lightdm.conf", "[Seat:*]\nautologin-user=\n");
        put(x, "etc/sddm.conf.d/kiosk.conf", "[Autologin]\nUser=taro\nSession=plasma\n");
        evaluate(x, false);
        find(x, MAMORI_FAIL, "/etc/gdm3/daemon.conf", "line 3: AutomaticLoginEnable=True", "for taro", NULL);
        find(x, MAMORI_FAIL, "/etc/lightdm/lightdm.conf.d/10-x.conf", "[SeatDefaults] autologin-user=jiro", NULL);
        find(x, MAMORI_FAIL, "/etc/sddm.conf.d/kiosk.conf", "[Autologin] User=taro", NULL);
        assert_null(fake_host_find(&x->fh, "hanako"));
        assert_int_equal(fake_host_count(&x->fh, MAMORI_FAIL), 3);
}

static void test_sessions_extensions_and_passwords(void **state) {
        Fx *x = *state;

        put(x, "usr/bin/gnome-shell", "");
        put(x, "home/taro/.local/share/gnome-shell/extensions/caffeine@patapon.info/metadata.json", "{}");
        put(x, "home/taro/.local/share/gnome-shell/extensions/a@b/metadata.json", "{}");
        put(x, "home/hanako/.local/share/gnome-shell/extensions/.hidden", "");
        put(x, "etc/shadow", "root:*:19000::::::\ntaro::19000:0:99999:7:::\nhanako:!:19000::::::\n");
        evaluate(x, false);
        find(x, MAMORI_FAIL, "user:taro", "2 GNOME Shell extensions installed", "caffeine@patapon.info",
             "disable-user-extensions is false", NULL);
        find(x, MAMORI_FAIL, "user:taro", "staff account taro has an empty password", NULL);
        assert_int_equal(fake_host_count(&x->fh, MAMORI_FAIL), 2);
}

static void test_sessions_extensions_locked_off(void **state) {
        Fx *x = *state;
        char out[4096], dir[4096];
        int status;
        pid_t pid;

        if (access("/usr/bin/dconf", X_OK) != 0)
                skip();
        put(x, "usr/bin/gnome-shell", "");
        put(x, "home/taro/.local/share/gnome-shell/extensions/caffeine@patapon.info/metadata.json", "{}");
        put(x, "etc/dconf/profile/user", "user-db:user\nsystem-db:local\n");
        put(x, "etc/dconf/db/local.d/00-shell", "[org/gnome/shell]\ndisable-user-extensions=true\n");
        put(x, "etc/dconf/db/local.d/locks/00-shell", "/org/gnome/shell/disable-user-extensions\n");
        snprintf(out, sizeof(out), "%s/etc/dconf/db/local", x->path);
        snprintf(dir, sizeof(dir), "%s/etc/dconf/db/local.d", x->path);
        pid = fork();
        if (pid == 0) {
                execl("/usr/bin/dconf", "dconf", "compile", out, dir, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(WEXITSTATUS(status), 0);
        evaluate(x, false);
        find(x, MAMORI_PASS, NULL, "user extensions off (disable-user-extensions locked true)", NULL);

        /* Set but not locked: staff could turn it back. */
        put(x, "etc/dconf/db/local.d/locks/00-shell", "\n");
        pid = fork();
        if (pid == 0) {
                execl("/usr/bin/dconf", "dconf", "compile", out, dir, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        evaluate(x, false);
        find(x, MAMORI_FAIL, "user:taro", "1 GNOME Shell extension installed", "is not locked", NULL);
}

static void test_sessions_logind_unreachable(void **state) {
        Fx *x = *state;

        x->logind.fail = -ECONNREFUSED;
        evaluate(x, false);
        find(x, MAMORI_ERROR, "logind", "cannot ask logind for the sessions: Connection refused", NULL);
        assert_int_equal(fake_host_count(&x->fh, MAMORI_PASS), 0);
}

static void test_sessions_not_applicable(void **state) {
        Fx *x = *state;
        char p[4200];

        snprintf(p, sizeof(p), "%s/usr/sbin/gdm3", x->path);
        assert_int_equal(unlink(p), 0);
        evaluate(x, false);
        assert_int_equal(x->fh.n_findings, 1);
        find(x, MAMORI_NOT_APPLICABLE, NULL, "no desktop and no display manager", NULL);
}

static void test_session_text(void **state) {
        static const char env[] = "A=1\0DCONF_PROFILE=x\0DCONF_PROFILEX=y\0B=";
        static const char shadow[] = "root:*:1::::::\ntaro::1::::::\nhanako:$6$x:1\nemptyend:";
        const char *v;
        size_t len;
        char buf[64];

        v = sl_environ_get(env, sizeof(env) - 1, "DCONF_PROFILE", &len);
        assert_non_null(v);
        assert_int_equal(len, 1);
        assert_memory_equal(v, "x", 1);
        assert_null(sl_environ_get(env, sizeof(env) - 1, "DCONF", &len));
        v = sl_environ_get(env, sizeof(env) - 1, "B", &len);
        assert_non_null(v);
        assert_int_equal(len, 0);
        assert_null(sl_environ_get("", 0, "A", &len));

        assert_int_equal(sl_shadow_password_empty(shadow, sizeof(shadow) - 1, "taro"), 1);
        assert_int_equal(sl_shadow_password_empty(shadow, sizeof(shadow) - 1, "root"), 0);
        assert_int_equal(sl_shadow_password_empty(shadow, sizeof(shadow) - 1, "hanako"), 0);
        assert_int_equal(sl_shadow_password_empty(shadow, sizeof(shadow) - 1, "emptyend"), 1);
        assert_int_equal(sl_shadow_password_empty(shadow, sizeof(shadow) - 1, "tar"), -ENOENT);

        assert_string_equal(sl_format_duration(59, buf, sizeof(buf)), "59 s");
        assert_string_equal(sl_format_duration(61, buf, sizeof(buf)), "1 min 1 s");
        assert_string_equal(sl_format_duration(7322, buf, sizeof(buf)), "2 h 2 min");
}

/* ---- the real sd-bus source against a fake logind ------------------------------------- */

typedef struct FakeSession {
        const char *id, *name, *type, *klass, *service, *desktop, *scope, *seat;
        uint32_t uid, leader;
        int active, remote, idle, locked;
        uint64_t idle_since;
} FakeSession;

static FakeSession bus_sessions[] = {
        { "2", "taro", "x11", "user", "gdm-password", "GNOME", "session-2.scope", "seat0", 1000, 4000, 1, 0, 1, 0,
          123456789 },
        { "c1", "Debian-gdm", "wayland", "greeter", "gdm-launch-environment", "", "session-c1.scope", "seat0", 116,
          900, 0, 0, 0, 0, 0 },
};

static int get_str(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                   void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", *(const char **) userdata);
}

static int get_user(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                    void *userdata, sd_bus_error *error) {
        const FakeSession *s = userdata;

        return sd_bus_message_append(reply, "(uo)", s->uid, "/org/freedesktop/login1/user/_1000");
}

static int get_seat(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                    void *userdata, sd_bus_error *error) {
        const FakeSession *s = userdata;

        return sd_bus_message_append(reply, "(so)", s->seat, "/org/freedesktop/login1/seat/seat0");
}

static int get_bool(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                    void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", *(int *) userdata);
}

static const sd_bus_vtable session_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", get_str, offsetof(FakeSession, id), 0),
        SD_BUS_PROPERTY("Name", "s", get_str, offsetof(FakeSession, name), 0),
        SD_BUS_PROPERTY("Type", "s", get_str, offsetof(FakeSession, type), 0),
        SD_BUS_PROPERTY("Class", "s", get_str, offsetof(FakeSession, klass), 0),
        SD_BUS_PROPERTY("Service", "s", get_str, offsetof(FakeSession, service), 0),
        SD_BUS_PROPERTY("Desktop", "s", get_str, offsetof(FakeSession, desktop), 0),
        SD_BUS_PROPERTY("Scope", "s", get_str, offsetof(FakeSession, scope), 0),
        SD_BUS_PROPERTY("User", "(uo)", get_user, 0, 0),
        SD_BUS_PROPERTY("Seat", "(so)", get_seat, 0, 0),
        SD_BUS_PROPERTY("Leader", "u", NULL, offsetof(FakeSession, leader), 0),
        SD_BUS_PROPERTY("Active", "b", get_bool, offsetof(FakeSession, active), 0),
        SD_BUS_PROPERTY("Remote", "b", get_bool, offsetof(FakeSession, remote), 0),
        SD_BUS_PROPERTY("IdleHint", "b", get_bool, offsetof(FakeSession, idle), 0),
        SD_BUS_PROPERTY("IdleSinceHintMonotonic", "t", NULL, offsetof(FakeSession, idle_since), 0),
        SD_BUS_PROPERTY("LockedHint", "b", get_bool, offsetof(FakeSession, locked), 0),
        SD_BUS_PROPERTY("VTNr", "u", NULL, offsetof(FakeSession, uid), 0),
        SD_BUS_VTABLE_END,
};

static int list_sessions(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(susso)");
        for (size_t i = 0; i < SL_ELEMENTSOF(bus_sessions) && r >= 0; i++) {
                char path[128];

                snprintf(path, sizeof(path), "/org/freedesktop/login1/session/s%zu", i);
                r = sd_bus_message_append(reply, "(susso)", bus_sessions[i].id, bus_sessions[i].uid,
                                          bus_sessions[i].name, bus_sessions[i].seat, path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int list_inhibitors(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "a(ssssuu)", 2, "idle", "Videos", "Playing", "block", 1000, 4321,
                                          "shutdown:sleep", "NetworkManager", "Suspend", "delay", 0, 800);
}

static int lock_session(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        for (size_t i = 0; i < SL_ELEMENTSOF(bus_sessions); i++)
                if (strcmp(bus_sessions[i].id, id) == 0) {
                        bus_sessions[i].locked = 1;
                        return sd_bus_reply_method_return(m, NULL);
                }
        return sd_bus_error_setf(error, "org.freedesktop.login1.NoSuchSession", "No session '%s' known", id);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ListSessions", "", "a(susso)", list_sessions, 0),
        SD_BUS_METHOD("ListInhibitors", "", "a(ssssuu)", list_inhibitors, 0),
        SD_BUS_METHOD("LockSession", "s", "", lock_session, 0),
        SD_BUS_VTABLE_END,
};

static void fake_logind_serve(const char *address) {
        sd_bus *bus = NULL;

        if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, address) < 0 || sd_bus_set_bus_client(bus, 1) < 0 ||
            sd_bus_start(bus) < 0)
                _exit(2);
        if (sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                     manager_vtable, NULL) < 0)
                _exit(3);
        for (size_t i = 0; i < SL_ELEMENTSOF(bus_sessions); i++) {
                char path[128];

                snprintf(path, sizeof(path), "/org/freedesktop/login1/session/s%zu", i);
                if (sd_bus_add_object_vtable(bus, NULL, path, "org.freedesktop.login1.Session", session_vtable,
                                             &bus_sessions[i]) < 0)
                        _exit(4);
        }
        if (sd_bus_request_name(bus, "org.freedesktop.login1", 0) < 0)
                _exit(5);
        for (;;) {
                int r = sd_bus_process(bus, NULL);

                if (r < 0)
                        _exit(6);
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        _exit(7);
        }
}

static void test_logind_over_dbus(void **state) {
        char dir[] = "/tmp/test-sl-bus-XXXXXX", conf[128], sock[128], address[160];
        SlSessionSource src;
        SlSession *s = NULL;
        SlInhibitor *in = NULL;
        size_t n = 0, n_in = 0;
        pid_t daemon, server;
        FILE *f;
        int r = -1;

        if (access("/usr/bin/dbus-daemon", X_OK) != 0)
                skip();
        assert_non_null(mkdtemp(dir));
        snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
        snprintf(sock, sizeof(sock), "%s/bus.socket", dir);
        snprintf(address, sizeof(address), "unix:path=%s", sock);
        f = fopen(conf, "we");
        assert_non_null(f);
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><listen>%s</listen><auth>EXTERNAL</auth>\n"
                   "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
                   "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy></busconfig>\n",
                address);
        fclose(f);

        daemon = fork();
        assert_true(daemon >= 0);
        if (daemon == 0) {
                char arg[200];
                int devnull = open("/dev/null", O_WRONLY);

                dup2(devnull, 1);
                dup2(devnull, 2);
                snprintf(arg, sizeof(arg), "--config-file=%s", conf);
                execl("/usr/bin/dbus-daemon", "dbus-daemon", arg, "--nofork", "--nopidfile", (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 200 && access(sock, F_OK) != 0; i++)
                usleep(20000);
        server = fork();
        assert_true(server >= 0);
        if (server == 0)
                fake_logind_serve(address);

        assert_int_equal(sl_logind_source_new(address, &src), 0);
        /* Until the fake logind has its name. */
        for (int i = 0; i < 200; i++) {
                r = src.list_sessions(src.userdata, &s, &n);
                if (r >= 0)
                        break;
                usleep(20000);
        }
        assert_int_equal(r, 0);
        assert_int_equal(n, 2);
        assert_string_equal(s[0].id, "2");
        assert_string_equal(s[0].user, "taro");
        assert_int_equal(s[0].uid, 1000);
        assert_string_equal(s[0].seat, "seat0");
        assert_string_equal(s[0].type, "x11");
        assert_string_equal(s[0].klass, "user");
        assert_string_equal(s[0].service, "gdm-password");
        assert_string_equal(s[0].scope, "session-2.scope");
        assert_int_equal(s[0].leader, 4000);
        assert_true(s[0].active);
        assert_true(s[0].idle_hint);
        assert_true(s[0].idle_since_mono == 123456789);
        assert_false(s[0].locked_hint);
        assert_true(sl_session_is_graphical(&s[0]));
        assert_string_equal(s[1].klass, "greeter");
        assert_false(sl_session_is_graphical(&s[1]));
        free(s);

        assert_int_equal(src.list_inhibitors(src.userdata, &in, &n_in), 0);
        assert_int_equal(n_in, 2);
        assert_string_equal(in[0].what, "idle");
        assert_string_equal(in[0].who, "Videos");
        assert_string_equal(in[0].mode, "block");
        assert_int_equal(in[0].pid, 4321);
        assert_string_equal(in[1].mode, "delay");
        free(in);

        /* LockSession reaches logind, which marks the session locked. */
        assert_int_equal(src.lock_session(src.userdata, "2"), 0);
        assert_int_equal(src.list_sessions(src.userdata, &s, &n), 0);
        assert_true(s[0].locked_hint);
        free(s);
        assert_true(src.lock_session(src.userdata, "99") < 0);

        src.free(src.userdata);
        kill(server, SIGKILL);
        kill(daemon, SIGTERM);
        waitpid(server, NULL, 0);
        waitpid(daemon, NULL, 0);
        unlink(conf);
        unlink(sock);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_lock_once_per_idle_period, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock_only_graphical_user_sessions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_arms_fallback_timer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_watch_inotify, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_pass, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_idle_unlocked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_inhibitors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_environment, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_autologin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_extensions_and_passwords, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_extensions_locked_off, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_logind_unreachable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sessions_not_applicable, setup, teardown),
                cmocka_unit_test(test_session_text),
                cmocka_unit_test(test_logind_over_dbus),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
