/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch(): what makes the plugin look again before its interval.
 *   - inotify on the dconf databases, keyfiles, locks and profiles, the
 *     system xfconf and KDE files, and each staff account's dconf and
 *     xfconf directories: any change asks the host to evaluate
 *     screenlock.policy again (a compiled database replaced, a keyfile
 *     edited, a user database written);
 *   - with enforce: true on a screenlock rule, a timer for the logind
 *     fallback: sessions idle past the limit and not locked are locked,
 *     once per idle period (screenlock-idle.c). The timer wakes when the
 *     next idle session would cross the limit, at least every 30 s. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>

#include "screenlock-sessions.h"

#define WATCH_MAX 512
#define TICK_MAX_USEC (30U * 1000000U)
#define TICK_MIN_USEC (1U * 1000000U)
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)

static const char *const system_dirs[] = {
        "etc/dconf/profile",
        "etc/dconf/db",
        "etc/xdg",
        "etc/xdg/xfce4/xfconf/xfce-perchannel-xml",
        "etc/xdg/xfce4/kiosk",
};

void sl_watch_drop(Screenlock *s) {
        s->idle_timer = sd_event_source_disable_unref(s->idle_timer);
        s->inotify_source = sd_event_source_disable_unref(s->inotify_source);
        if (s->inotify_fd >= 0)
                close(s->inotify_fd);
        s->inotify_fd = -1;
        s->fallback_limit_sec = 0;
}

static int on_inotify(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Screenlock *s = userdata;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        /* Drain; what changed does not matter, only that something did. */
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        if (s->api->request_evaluation)
                (void) s->api->request_evaluation(s->host, "screenlock.policy");
        return 0;
}

static uint64_t next_delay(uint64_t next) {
        if (next == UINT64_MAX || next > TICK_MAX_USEC)
                return TICK_MAX_USEC;
        return next < TICK_MIN_USEC ? TICK_MIN_USEC : next;
}

static int on_idle_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Screenlock *s = userdata;
        uint64_t next = UINT64_MAX;

        /* A logind that does not answer now may answer next time. */
        (void) sl_idle_run(s, s->fallback_limit_sec, &next);
        (void) sd_event_source_set_time_relative(src, next_delay(next));
        (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        return 0;
}

static void add_watch(Screenlock *s, const char *rel, unsigned *n) {
        char path[SL_PATH_MAX * 2];
        const char *root = s->api->root ? s->api->root : "/";

        if (*n >= WATCH_MAX)
                return;
        snprintf(path, sizeof(path), "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
        if (inotify_add_watch(s->inotify_fd, path, WATCH_MASK | IN_ONLYDIR) >= 0)
                (*n)++;
}

/* Every NAME.d (and its locks/) under /etc/dconf/db. */
static void add_keyfile_dirs(Screenlock *s, unsigned *n) {
        int fd = openat(s->root_fd, "etc/dconf/db", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return;
        }
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char rel[600];

                if (de->d_name[0] == '.' || len < 3 || strcmp(de->d_name + len - 2, ".d") != 0)
                        continue;
                snprintf(rel, sizeof(rel), "etc/dconf/db/%s", de->d_name);
                add_watch(s, rel, n);
                snprintf(rel, sizeof(rel), "etc/dconf/db/%s/locks", de->d_name);
                add_watch(s, rel, n);
        }
        closedir(d);
}

static void add_user_dirs(Screenlock *s, unsigned *n) {
        _cleanup_sl_free_ char *buf = NULL;
        SlUserList *users = NULL;
        size_t size = 0;

        if (sl_read_file(s->root_fd, "etc/passwd", 16U * 1024U * 1024U, &buf, &size, NULL) < 0 ||
            sl_users_parse(buf, size, 1000, &users) < 0)
                return;
        for (size_t i = 0; i < users->n_users; i++) {
                char home[SL_PATH_MAX], rel[SL_PATH_MAX + 64];

                if (sl_path_relative(users->users[i].home, home, sizeof(home)) < 0)
                        continue;
                snprintf(rel, sizeof(rel), "%s/.config/dconf", home);
                add_watch(s, rel, n);
                snprintf(rel, sizeof(rel), "%s/.config/xfce4/xfconf/xfce-perchannel-xml", home);
                add_watch(s, rel, n);
        }
        sl_user_list_free(users);
}

int screenlock_watch(void *state, const struct mamori_rule *const *rules, size_t n_rules) {
        Screenlock *s = state;
        bool policy = false;
        uint64_t limit = 0;
        unsigned n = 0;
        int r;

        if (!s)
                return -EINVAL;
        sl_watch_drop(s);
        if (!s->api->loop)
                return 0;

        for (size_t i = 0; i < n_rules; i++) {
                const struct mamori_rule *rule = rules[i];
                ScreenlockParams p;
                uint64_t l;

                if (!rule || !rule->check || sl_rule_params(rule, &p) < 0)
                        continue;
                if (strcmp(rule->check, "screenlock.policy") == 0) {
                        policy = true;
                        l = p.max_idle_sec + p.max_lock_delay_sec;
                } else
                        l = p.max_idle_sec;
                /* The fallback lock runs for any enforcing rule, with the
                 * strictest limit among them. */
                if (rule->enforce && (limit == 0 || l < limit))
                        limit = l;
        }

        if (policy) {
                s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
                if (s->inotify_fd < 0)
                        return -errno;
                for (size_t i = 0; i < SL_ELEMENTSOF(system_dirs); i++)
                        add_watch(s, system_dirs[i], &n);
                add_keyfile_dirs(s, &n);
                add_user_dirs(s, &n);
                r = sd_event_add_io(s->api->loop, &s->inotify_source, s->inotify_fd, EPOLLIN, on_inotify, s);
                if (r < 0) {
                        sl_watch_drop(s);
                        return r;
                }
                (void) sd_event_source_set_description(s->inotify_source, "screenlock-inotify");
        }

        if (limit > 0) {
                s->fallback_limit_sec = limit;
                r = sd_event_add_time_relative(s->api->loop, &s->idle_timer, CLOCK_MONOTONIC, TICK_MIN_USEC,
                                               1000000U, on_idle_timer, s);
                if (r < 0) {
                        sl_watch_drop(s);
                        return r;
                }
                (void) sd_event_source_set_description(s->idle_timer, "screenlock-idle-fallback");
        }
        return 0;
}
