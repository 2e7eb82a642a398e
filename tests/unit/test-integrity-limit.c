/* SPDX-License-Identifier: GPL-2.0-or-later */
/* integrity's watch when the inotify watch limit is reached: the binary
 * enters a user namespace of its own (root mapped to root) whose
 * user.max_inotify_watches is a handful, so inotify_add_watch() fails with
 * ENOSPC as it would past fs.inotify.max_user_watches. The limit must be
 * logged as an event, followed by a full rescan, and changes in directories
 * left without a watch must still be reported by the rescans that follow.
 * Skipped where user namespaces are not allowed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fake-host.h"
#include "../../plugins/integrity/integrity.h"

extern const struct mamori_plugin mamori_plugin;

/* The parent of the entry, the entry and two of its six subdirectories. */
#define WATCH_LIMIT "4"

static bool limited;

static int write_proc(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                r = -errno;
        close(fd);
        return r;
}

static void enter_limited_namespace(void) {
        /* Read before unshare(): inside, until the maps are written, both
         * are the overflow IDs. */
        unsigned uid = (unsigned) geteuid(), gid = (unsigned) getegid();
        char map[64];

        if (unshare(CLONE_NEWUSER) < 0 || write_proc("/proc/self/setgroups", "deny") < 0)
                return;
        snprintf(map, sizeof map, "0 %u 1\n", uid);
        if (write_proc("/proc/self/uid_map", map) < 0)
                return;
        snprintf(map, sizeof map, "0 %u 1\n", gid);
        if (write_proc("/proc/self/gid_map", map) < 0)
                return;
        limited = write_proc("/proc/sys/user/max_inotify_watches", WATCH_LIMIT) >= 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static void put(const char *root, const char *rel, const char *content) {
        char p[512];
        FILE *f;

        snprintf(p, sizeof p, "%s/%s", root, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

static void mk(const char *root, const char *rel) {
        char p[512];

        snprintf(p, sizeof p, "%s/%s", root, rel);
        assert_int_equal(mkdir(p, 0755), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static size_t count_events(const FakeHost *fh, const char *kind, const char *needle) {
        size_t n = 0;

        for (size_t i = 0; i < fh->n_events; i++)
                n += strcmp(fh->events[i].kind, kind) == 0 && (!needle || strstr(fh->events[i].text, needle));
        return n;
}

static void run_loop(FakeHost *fh, uint64_t usec) {
        uint64_t start = now_usec();

        while (now_usec() - start < usec)
                assert_true(sd_event_run(fh->loop, usec - (now_usec() - start)) >= 0);
}

static void test_watch_limit(void **state) {
        char root[64] = "/tmp/test-integrity-limit-XXXXXX", name[64];
        const struct mamori_rule *rules[1];
        FakeHost fh;
        FakeRule fr;

        if (!limited)
                skip();
        umask(022);
        assert_non_null(mkdtemp(root));
        mk(root, "etc");
        mk(root, "etc/app");
        for (int i = 0; i < 6; i++) {
                snprintf(name, sizeof name, "etc/app/d%d", i);
                mk(root, name);
                snprintf(name, sizeof name, "etc/app/d%d/f", i);
                put(root, name, "alpha\n");
        }
        assert_int_equal(fake_host_init(&fh, root, &mamori_plugin), 0);
        ((Integrity *) fh.state)->degraded_rescan_usec = 300000;
        fake_rule(&fr, IG_CHECK);
        fake_rule_param(&fr, "paths", "/etc/app", NULL);
        assert_int_equal(fake_host_evaluate(&fh, &fr.rule), 0);
        fake_host_clear(&fh);

        rules[0] = &fr.rule;
        assert_int_equal(mamori_plugin.watch(fh.state, rules, 1), 0);
        /* Said at once, and a full rescan follows. */
        assert_int_equal(count_events(&fh, "integrity.rescan", "inotify watch limit reached"), 1);
        run_loop(&fh, 100000);
        assert_int_equal(count_events(&fh, "integrity.rescan",
                                      "inotify watch limit reached: full rescan found 0 changes"), 1);
        assert_false(watcher_complete(((Integrity *) fh.state)->watcher));
        assert_int_equal(fake_host_action(&fh, "status", NULL), 0);
        assert_non_null(strstr(fh.output[0], "real-time watch incomplete"));

        /* A change in every subdirectory, watched or not: the rescans that
         * stand in for the missing watches report them all. */
        fake_host_clear(&fh);
        for (int i = 0; i < 6; i++) {
                snprintf(name, sizeof name, "etc/app/d%d/f", i);
                put(root, name, "changed\n");
        }
        run_loop(&fh, 800000);
        for (int i = 0; i < 6; i++) {
                bool seen = false;

                snprintf(name, sizeof name, "/etc/app/d%d/f", i);
                for (size_t k = 0; k < fh.n_events; k++)
                        seen = seen || (strcmp(fh.events[k].kind, "integrity.drift") == 0 &&
                                        strcmp(fh.events[k].subject, name) == 0);
                if (!seen)
                        fail_msg("no drift event for %s", name);
        }
        assert_true(count_events(&fh, "integrity.rescan", "directories without an inotify watch") >= 1);

        /* Evaluations do not trust records a partial watch kept: they scan. */
        put(root, "etc/app/d5/f", "again\n");
        assert_int_equal(fake_host_evaluate(&fh, &fr.rule), 0);
        assert_int_equal(fake_host_count(&fh, MAMORI_FAIL), 6);
        assert_non_null(fake_host_find(&fh, "sha256"));

        fake_host_done(&fh);
        nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_watch_limit),
        };

        enter_limited_namespace();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
