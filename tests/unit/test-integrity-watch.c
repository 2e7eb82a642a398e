/* SPDX-License-Identifier: GPL-2.0-or-later */
/* integrity's real-time watch with real inotify on a temporary tree, the
 * fake host's sd-event loop run here with sd_event_run(): edits, renames
 * over, chmod, chown, deletes and re-creations each become an
 * integrity.drift event within one second; new directories are watched; a
 * flood that overflows the kernel's event queue is detected and the rescan
 * reports every change; drift while dpkg holds its lock waits for dpkg. */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fake-host.h"
#include "../../plugins/integrity/integrity.h"

extern const struct mamori_plugin mamori_plugin;

#define SECOND UINT64_C(1000000)

typedef struct Env {
        char root[64];
        FakeHost fh;
        FakeRule fr;
        size_t seen;                    /* events already looked at */
        uint64_t worst;                 /* slowest change -> event, usec */
} Env;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * SECOND + (uint64_t) ts.tv_nsec / 1000;
}

static void path_at(const Env *e, const char *rel, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s", e->root, rel);
}

static void put(const Env *e, const char *rel, const char *content) {
        char p[512];
        int fd;

        path_at(e, rel, p, sizeof p);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        assert_int_equal(close(fd), 0);
}

static void mk(const Env *e, const char *rel) {
        char p[512];

        path_at(e, rel, p, sizeof p);
        assert_int_equal(mkdir(p, 0755), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int env_setup(void **state) {
        Env *e = calloc(1, sizeof *e);
        const struct mamori_rule *rules[1];

        assert_non_null(e);
        umask(022);
        snprintf(e->root, sizeof e->root, "/tmp/test-integrity-watch-XXXXXX");
        assert_non_null(mkdtemp(e->root));
        mk(e, "etc");
        mk(e, "etc/app");
        put(e, "etc/app/a", "alpha\n");
        put(e, "etc/app/b", "beta\n");
        mk(e, "etc/app/sub");
        put(e, "etc/app/sub/c", "alpha\n");
        mk(e, "etc/app/flood");
        put(e, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        put(e, "etc/unwatched", "x\n");
        assert_int_equal(fake_host_init(&e->fh, e->root, &mamori_plugin), 0);
        fake_rule(&e->fr, IG_CHECK);
        fake_rule_param(&e->fr, "paths", "/etc/app", "/etc/passwd", NULL);
        fake_rule_param(&e->fr, "exclude", "*.swp", NULL);

        /* Baseline, then the watch, as mamorid does after loading the policy. */
        assert_int_equal(fake_host_evaluate(&e->fh, &e->fr.rule), 0);
        assert_int_equal(fake_host_evaluate(&e->fh, &e->fr.rule), 0);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 0);
        rules[0] = &e->fr.rule;
        assert_int_equal(mamori_plugin.watch(e->fh.state, rules, 1), 0);
        fake_host_clear(&e->fh);
        *state = e;
        return 0;
}

static int env_teardown(void **state) {
        Env *e = *state;

        fake_host_done(&e->fh);
        nftw(e->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        print_message("slowest change to event: %llu us\n", (unsigned long long) e->worst);
        free(e);
        return 0;
}

/* Runs the loop until a new event of kind about subject whose text holds
 * needle arrives, at most for timeout; NULL if none did. */
static const FakeEvent *wait_for(Env *e, const char *kind, const char *subject, const char *needle,
                                 uint64_t since, uint64_t timeout) {
        for (;;) {
                uint64_t now;

                for (; e->seen < e->fh.n_events; e->seen++) {
                        const FakeEvent *ev = &e->fh.events[e->seen];

                        if (strcmp(ev->kind, kind) == 0 && (!subject || strcmp(ev->subject, subject) == 0) &&
                            (!needle || strstr(ev->text, needle))) {
                                uint64_t took = now_usec() - since;

                                if (took > e->worst)
                                        e->worst = took;
                                e->seen++;
                                return ev;
                        }
                }
                now = now_usec();
                if (now - since >= timeout)
                        return NULL;
                assert_true(sd_event_run(e->fh.loop, timeout - (now - since)) >= 0);
        }
}

static void expect_drift(Env *e, const char *subject, const char *needle, uint64_t since) {
        const FakeEvent *ev = wait_for(e, "integrity.drift", subject, needle, since, SECOND);

        if (!ev) {
                for (size_t i = 0; i < e->fh.n_events; i++)
                        print_message("  event %s %s: %s\n", e->fh.events[i].kind, e->fh.events[i].subject,
                                      e->fh.events[i].text);
                fail_msg("no integrity.drift for %s with \"%s\" within one second", subject, needle);
        }
        assert_true(now_usec() - since < SECOND);
}

/* Nothing more for a while (what must not be reported). */
static void expect_quiet(Env *e, uint64_t usec) {
        uint64_t start = now_usec();

        while (now_usec() - start < usec)
                assert_true(sd_event_run(e->fh.loop, usec - (now_usec() - start)) >= 0);
        for (; e->seen < e->fh.n_events; e->seen++)
                if (strcmp(e->fh.events[e->seen].kind, "integrity.drift") == 0)
                        fail_msg("unexpected event: %s: %s", e->fh.events[e->seen].subject,
                                 e->fh.events[e->seen].text);
}

static const FakeFinding *finding(const Env *e, const char *subject) {
        for (size_t i = 0; i < e->fh.n_findings; i++)
                if (e->fh.findings[i].subject && strcmp(e->fh.findings[i].subject, subject) == 0)
                        return &e->fh.findings[i];
        return NULL;
}

static void evaluate(Env *e) {
        assert_int_equal(fake_host_evaluate(&e->fh, &e->fr.rule), 0);
        e->seen = 0;                    /* the fake host forgot the events */
}

/* ---- each kind of change --------------------------------------------------------- */

static void test_edit(void **state) {
        Env *e = *state;
        unsigned asked = e->fh.evaluations_requested;
        uint64_t t = now_usec();

        put(e, "etc/app/a", "edited\n");
        expect_drift(e, "/etc/app/a", "content changed (sha256 b6a98d9ce9a2", t);
        assert_non_null(strstr(e->fh.events[e->seen - 1].text, "size 6 -> 7 (rule test.rule)"));
        assert_true(e->fh.evaluations_requested > asked);

        /* The evaluation the watch asked for compares what the watch saw:
         * a change it has not read yet is not in it... */
        put(e, "etc/app/b", "edited\n");
        evaluate(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 1);
        assert_non_null(finding(e, "/etc/app/a"));
        /* ...until it has. */
        t = now_usec();
        expect_drift(e, "/etc/app/b", "content changed", t);
        evaluate(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 2);
        assert_non_null(finding(e, "/etc/app/b"));
}

static void test_rename_over(void **state) {
        Env *e = *state;
        char from[512], to[512];
        uint64_t t;

        /* An editor's save: a new file renamed over the old one. */
        put(e, "etc/app/.a.tmp", "saved\n");
        t = now_usec();
        path_at(e, "etc/app/.a.tmp", from, sizeof from);
        path_at(e, "etc/app/a", to, sizeof to);
        assert_int_equal(rename(from, to), 0);
        expect_drift(e, "/etc/app/a", "content changed", t);

        /* A watched file whose directory is not watched as a whole. */
        put(e, "etc/passwd.new", "root:x:0:0:root:/root:/bin/sh\n");
        t = now_usec();
        path_at(e, "etc/passwd.new", from, sizeof from);
        path_at(e, "etc/passwd", to, sizeof to);
        assert_int_equal(rename(from, to), 0);
        expect_drift(e, "/etc/passwd", "content changed", t);

        /* And again: the watch still follows the new inode. */
        t = now_usec();
        put(e, "etc/passwd", "root:x:0:0:root:/root:/bin/dash\n");
        expect_drift(e, "/etc/passwd", "content changed", t);

        /* Files beside it are nobody's business. */
        put(e, "etc/unwatched", "y\n");
        expect_quiet(e, 200000);
}

static void test_chmod(void **state) {
        Env *e = *state;
        char p[512];
        uint64_t t = now_usec();

        path_at(e, "etc/app/b", p, sizeof p);
        assert_int_equal(chmod(p, 0600), 0);
        expect_drift(e, "/etc/app/b", "mode 0644 -> 0600", t);
        /* A directory's own attributes. */
        t = now_usec();
        path_at(e, "etc/app/sub", p, sizeof p);
        assert_int_equal(chmod(p, 0750), 0);
        expect_drift(e, "/etc/app/sub", "mode 0755 -> 0750", t);
}

static void test_chown(void **state) {
        Env *e = *state;
        char p[512];
        uint64_t t = now_usec();

        if (geteuid() != 0)
                skip();
        path_at(e, "etc/app/sub/c", p, sizeof p);
        assert_int_equal(chown(p, 1000, 1000), 0);
        expect_drift(e, "/etc/app/sub/c", "owner 0:0 -> 1000:1000", t);
}

static void test_delete_recreate(void **state) {
        Env *e = *state;
        char p[512];
        uint64_t t = now_usec();

        path_at(e, "etc/app/a", p, sizeof p);
        assert_int_equal(unlink(p), 0);
        expect_drift(e, "/etc/app/a", "removed (was file, 6 bytes", t);
        t = now_usec();
        put(e, "etc/app/a", "again\n");
        expect_drift(e, "/etc/app/a", "added (file, 6 bytes", t);
        evaluate(e);
        assert_non_null(strstr(finding(e, "/etc/app/a")->evidence, "content changed"));

        /* A watched file itself, gone and back. */
        path_at(e, "etc/passwd", p, sizeof p);
        t = now_usec();
        assert_int_equal(unlink(p), 0);
        expect_drift(e, "/etc/passwd", "removed", t);
        t = now_usec();
        put(e, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        expect_drift(e, "/etc/passwd", "added", t);
}

static void test_new_directory(void **state) {
        Env *e = *state;
        char p[512];
        uint64_t t = now_usec();

        mk(e, "etc/app/new");
        expect_drift(e, "/etc/app/new", "added (directory", t);
        /* The new directory has a watch of its own now. */
        t = now_usec();
        put(e, "etc/app/new/x", "x\n");
        expect_drift(e, "/etc/app/new/x", "added (file", t);
        t = now_usec();
        put(e, "etc/app/new/x", "xy\n");
        expect_drift(e, "/etc/app/new/x", "content changed", t);

        /* A directory moved in with files already inside. */
        mk(e, "etc/staging");
        put(e, "etc/staging/y", "y\n");
        t = now_usec();
        path_at(e, "etc/staging", p, sizeof p);
        {
                char to[512];

                path_at(e, "etc/app/moved", to, sizeof to);
                assert_int_equal(rename(p, to), 0);
        }
        expect_drift(e, "/etc/app/moved/y", "added", t);
        t = now_usec();
        put(e, "etc/app/moved/y", "yy\n");
        expect_drift(e, "/etc/app/moved/y", "content changed", t);

        /* A whole subtree removed. */
        t = now_usec();
        path_at(e, "etc/app/moved/y", p, sizeof p);
        assert_int_equal(unlink(p), 0);
        path_at(e, "etc/app/moved", p, sizeof p);
        assert_int_equal(rmdir(p), 0);
        expect_drift(e, "/etc/app/moved", "removed (was directory", t);
}

static void test_excluded(void **state) {
        Env *e = *state;

        put(e, "etc/app/.a.swp", "swap\n");
        put(e, "etc/app/sub/.c.swp", "swap\n");
        expect_quiet(e, 300000);
}

/* ---- losing events ------------------------------------------------------------------ */

static void test_queue_overflow(void **state) {
        Env *e = *state;
        const FakeEvent *ev;
        char p[512], want[128];
        unsigned kept = 0, files = 20000, queue = 16384;
        uint64_t t;
        FILE *f;

        /* Far past fs.inotify.max_queued_events (16384 by default): each file
         * is three events (create, close-write, delete), and the loop is not
         * run while they pile up. */
        f = fopen("/proc/sys/fs/inotify/max_queued_events", "re");
        if (f) {
                if (fscanf(f, "%u", &queue) != 1)
                        queue = 16384;
                fclose(f);
        }
        if (queue > 1000000)
                skip();
        if (files < queue)
                files = queue;
        /* Every change counted below, even past the usual cap on events. */
        ((Integrity *) e->fh.state)->drift_burst = files;
        /* Among them, real changes: */
        for (unsigned i = 0; i < files; i++) {
                char name[64];

                snprintf(name, sizeof name, "etc/app/flood/f%05u", i);
                put(e, name, "x");
                if (i % 400 == 7) {
                        kept++;                 /* 50 files stay */
                        continue;
                }
                path_at(e, name, p, sizeof p);
                assert_int_equal(unlink(p), 0);
                if (i == 10000) {
                        put(e, "etc/app/a", "changed in the flood\n");
                        path_at(e, "etc/app/b", p, sizeof p);
                        assert_int_equal(chmod(p, 0640), 0);
                        path_at(e, "etc/app/sub/c", p, sizeof p);
                        assert_int_equal(unlink(p), 0);
                        put(e, "etc/app/sub/d", "new\n");
                }
        }
        assert_true(kept >= 50);

        t = now_usec();
        ev = wait_for(e, "integrity.rescan", NULL, "inotify event queue overflowed", t, 5 * SECOND);
        assert_non_null(ev);
        snprintf(want, sizeof want, "inotify event queue overflowed: full rescan found %u changes", kept + 4);
        assert_string_equal(ev->text, want);

        /* Every change has its own drift event... */
        {
                size_t drift = 0;
                bool a = false, b = false, c = false, d = false;

                for (size_t i = 0; i < e->fh.n_events; i++) {
                        const FakeEvent *x = &e->fh.events[i];

                        if (strcmp(x->kind, "integrity.drift") != 0)
                                continue;
                        drift++;
                        a = a || (strcmp(x->subject, "/etc/app/a") == 0 && strstr(x->text, "content changed"));
                        b = b || (strcmp(x->subject, "/etc/app/b") == 0 && strstr(x->text, "mode 0644 -> 0640"));
                        c = c || (strcmp(x->subject, "/etc/app/sub/c") == 0 && strstr(x->text, "removed"));
                        d = d || (strcmp(x->subject, "/etc/app/sub/d") == 0 && strstr(x->text, "added"));
                }
                assert_int_equal(drift, kept + 4);
                assert_true(a && b && c && d);
        }
        /* ...and the evaluation reports each one. */
        evaluate(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), kept + 4);
        assert_non_null(finding(e, "/etc/app/flood/f00007"));
        assert_non_null(finding(e, "/etc/app/flood/f19607"));

        /* The watch works on after the overflow. */
        t = now_usec();
        put(e, "etc/app/sub/d", "newer\n");
        expect_drift(e, "/etc/app/sub/d", "content changed", t);
}

/* Drift events are capped per window, with one summary after. */
static void test_event_rate(void **state) {
        Env *e = *state;
        uint64_t t = now_usec();
        size_t drift = 0;

        for (unsigned i = 0; i < 150; i++) {
                char name[64];

                snprintf(name, sizeof name, "etc/app/flood/r%03u", i);
                put(e, name, "r");
        }
        while (now_usec() - t < SECOND)
                assert_true(sd_event_run(e->fh.loop, 100000) >= 0);
        for (size_t i = 0; i < e->fh.n_events; i++)
                drift += strcmp(e->fh.events[i].kind, "integrity.drift") == 0;
        assert_int_equal(drift, 100);
        /* All 150 are in the next evaluation all the same. */
        evaluate(e);
        assert_int_equal(fake_host_count(&e->fh, MAMORI_FAIL), 150);
}

/* ---- dpkg mid-run ---------------------------------------------------------------------- */

static void test_dpkg_running(void **state) {
        Env *e = *state;
        int ready[2], release[2];
        char p[512], c;
        pid_t pid;
        unsigned asked;
        uint64_t t;
        const struct mamori_rule *rules[1] = { &e->fr.rule };

        mk(e, "var");
        mk(e, "var/lib");
        mk(e, "var/lib/dpkg");
        put(e, "var/lib/dpkg/status", "Package: foo\nStatus: install ok installed\nVersion: 1\n");
        put(e, "var/lib/dpkg/lock", "");
        /* The dpkg directory is watched from watch() on. */
        assert_int_equal(mamori_plugin.watch(e->fh.state, rules, 1), 0);

        assert_int_equal(pipe(ready), 0);
        assert_int_equal(pipe(release), 0);
        path_at(e, "var/lib/dpkg/lock", p, sizeof p);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* dpkg: a write lock on its lock file for the whole run. */
                struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
                int fd = open(p, O_RDWR | O_CLOEXEC);

                if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
                        _exit(1);
                (void) !write(ready[1], "r", 1);
                (void) !read(release[0], &c, 1);
                close(fd);
                _exit(0);
        }
        assert_int_equal(read(ready[0], &c, 1), 1);

        asked = e->fh.evaluations_requested;
        t = now_usec();
        put(e, "etc/app/a", "unpacked\n");
        expect_drift(e, "/etc/app/a", "while dpkg is running", t);
        assert_int_equal(e->fh.evaluations_requested, asked);

        /* dpkg ends: its lock file is closed, and the evaluation follows. */
        assert_int_equal(write(release[1], "x", 1), 1);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        t = now_usec();
        while (e->fh.evaluations_requested == asked && now_usec() - t < SECOND)
                assert_true(sd_event_run(e->fh.loop, 100000) >= 0);
        assert_true(e->fh.evaluations_requested > asked);
        close(ready[0]);
        close(ready[1]);
        close(release[0]);
        close(release[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_edit, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_rename_over, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_chmod, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_chown, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_delete_recreate, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_new_directory, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_excluded, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_queue_overflow, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_event_rate, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_dpkg_running, env_setup, env_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
