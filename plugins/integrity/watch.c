/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Real time: one inotify instance for every watch group, on the agent's
 * sd-event loop.
 *
 * Directories are watched, not files: a directory watch reports writes,
 * attribute changes, creation, deletion and renames of its entries, so a
 * file replaced by rename (editors, dpkg) is followed without re-adding
 * anything, and a watched file's parent directory is watched for the file.
 * Each event marks a path dirty; after the read queue is drained the dirty
 * paths are re-examined at once (re-hashed, never trusted by their stamps),
 * each difference from the group's records becomes an integrity.drift event
 * with the before and after attributes, and the host is asked to evaluate.
 *
 * What inotify cannot promise is handled loudly: a queue overflow
 * (IN_Q_OVERFLOW) or the watch limit (ENOSPC from inotify_add_watch) is
 * logged, recorded as an integrity.rescan event and followed by a full
 * rescan, compared with the records, so that no change goes unreported.
 * While some directories lack a watch, the full rescan repeats every five
 * minutes. Not seen in real time, only by the scheduled scan: a file
 * changed through a hard link outside the watched directories, a writer
 * that keeps the file open (seen when it closes), and a watched path whose
 * parent directory does not exist yet. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

#include "integrity.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
                    IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR)

/* Reads per callback before the loop gets a turn: 16 × 64 KiB holds some
 * 30 000 events with short names, more than the kernel queues by default
 * (16 384). The source stays readable, so any rest follows. */
#define READS_PER_DISPATCH 16
#define READ_BUFFER (64U * 1024U)

/* Drift events: at most this many per window; then one summary. A patch run
 * or a copied tree must not drown the event log and the staff notifier. */
#define DRIFT_BURST 100
#define DRIFT_WINDOW_USEC (10U * 1000000U)

#define DEGRADED_RESCAN_USEC (5U * 60U * 1000000U)
/* How long an evaluation waits for dpkg to finish before it runs anyway (a
 * held lock must not hide tampering for ever). */
#define DPKG_WAIT_USEC (10U * 60U * 1000000U)

#define WATCH_DEPTH_MAX 128

typedef struct WatchDir {
        int wd;
        char *path;
} WatchDir;

typedef struct Dirty {
        char *path;
        bool tree;
} Dirty;

struct Watcher {
        Integrity *ig;
        int fd;
        sd_event_source *io, *rescan, *degraded, *flush, *dpkg_wait;
        WatchDir *dirs;                 /* sorted by wd */
        size_t n_dirs, cap_dirs;
        StrMap *by_path;                /* path -> wd + 1 */
        size_t n_missing;               /* directories the limit left unwatched */
        int dpkg_wd;
        bool dpkg_deferred;
        bool limit_logged;
        uint64_t window_start;
        unsigned window_count;
        size_t suppressed;
        Dirty *dirty;
        size_t n_dirty, cap_dirty;
        StrMap *dirty_index;            /* path -> index + 1 */
};

/* ---- the watch descriptor table -------------------------------------------------- */

static size_t dir_lower_bound(const Watcher *w, int wd) {
        size_t lo = 0, hi = w->n_dirs;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (w->dirs[mid].wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static WatchDir *dir_find(const Watcher *w, int wd) {
        size_t i = dir_lower_bound(w, wd);

        return i < w->n_dirs && w->dirs[i].wd == wd ? &w->dirs[i] : NULL;
}

static void dir_drop(Watcher *w, int wd) {
        size_t i = dir_lower_bound(w, wd);

        if (i >= w->n_dirs || w->dirs[i].wd != wd)
                return;
        if ((int) (intptr_t) strmap_get(w->by_path, w->dirs[i].path) == wd + 1)
                strmap_remove(w->by_path, w->dirs[i].path);
        free(w->dirs[i].path);
        memmove(w->dirs + i, w->dirs + i + 1, (w->n_dirs - i - 1) * sizeof *w->dirs);
        w->n_dirs--;
}

static int dir_put(Watcher *w, int wd, const char *path) {
        size_t i = dir_lower_bound(w, wd);
        int old = (int) (intptr_t) strmap_get(w->by_path, path) - 1;
        char *p;

        /* The path names another inode now (a directory renamed over it):
         * the old watch follows the old inode elsewhere; drop it. */
        if (old >= 0 && old != wd) {
                (void) inotify_rm_watch(w->fd, old);
                dir_drop(w, old);
                i = dir_lower_bound(w, wd);
        }
        if (i < w->n_dirs && w->dirs[i].wd == wd) {
                if (strcmp(w->dirs[i].path, path) == 0)
                        return 0;
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
                free(w->dirs[i].path);
                w->dirs[i].path = p;
        } else {
                if (w->n_dirs == w->cap_dirs) {
                        size_t cap = w->cap_dirs ? w->cap_dirs * 2 : 64;
                        WatchDir *n = realloc(w->dirs, cap * sizeof *n);

                        if (!n)
                                return -ENOMEM;
                        w->dirs = n;
                        w->cap_dirs = cap;
                }
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
                memmove(w->dirs + i + 1, w->dirs + i, (w->n_dirs - i) * sizeof *w->dirs);
                w->dirs[i] = (WatchDir) { wd, p };
                w->n_dirs++;
        }
        return strmap_put(w->by_path, path, strlen(path), (void *) (intptr_t) (wd + 1));
}

static void schedule_rescan(Watcher *w);
static void arm_degraded(Watcher *w);

/* Watches the directory at path (under the root). */
static int watch_dir(Watcher *w, const char *path) {
        char full[IG_PATH_MAX * 2];
        size_t rl = strlen(w->ig->root);
        int wd;

        while (rl > 0 && w->ig->root[rl - 1] == '/')
                rl--;
        if ((size_t) snprintf(full, sizeof full, "%.*s%s", (int) rl, w->ig->root, path) >= sizeof full)
                return 0;
        wd = inotify_add_watch(w->fd, full, WATCH_MASK);
        if (wd < 0) {
                if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                        return 0;
                if (errno == ENOSPC) {
                        w->n_missing++;
                        arm_degraded(w);
                        if (!w->limit_logged) {
                                w->limit_logged = true;
                                integrity_log(w->ig, LOG_WARNING,
                                              "inotify watch limit reached at %s (fs.inotify.max_user_watches): "
                                              "directories without a watch are covered by full rescans "
                                              "every %u minutes", path,
                                              (unsigned) (DEGRADED_RESCAN_USEC / 60000000U));
                                (void) integrity_event(w->ig, "integrity.rescan", NULL,
                                                       "inotify watch limit reached: not every watched "
                                                       "directory is seen in real time, full rescans instead");
                                schedule_rescan(w);
                        }
                        return 0;
                }
                integrity_log(w->ig, LOG_WARNING, "cannot watch %s, relying on the schedule: %m", path);
                return 0;
        }
        return dir_put(w, wd, path);
}

/* path and, when the set descends, the directories below it. */
static int watch_tree(Watcher *w, const WatchSet *set, const char *path, unsigned depth) {
        struct stat st;
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        if (depth > WATCH_DEPTH_MAX || !watchset_descends(set, path))
                return 0;
        fd = openat(w->ig->root_fd, path_rel(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        if (fstat(fd, &st) < 0) {
                close(fd);
                return 0;
        }
        r = watch_dir(w, path);
        if (r < 0 || !set->recursive) {
                close(fd);
                return r;
        }
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                _cleanup_ig_free_ char *child = NULL;
                struct stat cst;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(cst.st_mode) || cst.st_dev != st.st_dev)
                        continue;
                child = path_join(path, de->d_name);
                if (!child) {
                        if (errno == ENOMEM) {
                                r = -ENOMEM;
                                break;
                        }
                        continue;
                }
                if (watchset_excluded(set, child, de->d_name))
                        continue;
                r = watch_tree(w, set, child, depth + 1);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

/* The parent sees the entry itself created, replaced or deleted. */
static int watch_parent(Watcher *w, const char *e) {
        const char *slash = strrchr(e, '/');
        char parent[IG_PATH_MAX];

        if (strcmp(e, "/") == 0)
                return 0;
        if (slash == e)
                return watch_dir(w, "/");
        snprintf(parent, sizeof parent, "%.*s", (int) (slash - e), e);
        return watch_dir(w, parent);
}

static int watch_group(Watcher *w, Group *g) {
        const WatchSet *set = &g->spec->set;
        int r;

        for (size_t i = 0; i < set->n_paths; i++) {
                const char *e = set->paths[i];

                r = watch_parent(w, e);
                if (r < 0)
                        return r;
                r = watch_tree(w, set, e, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int watch_all(Watcher *w) {
        int r;

        w->n_missing = 0;
        for (size_t i = 0; i < w->ig->n_groups; i++) {
                r = watch_group(w, w->ig->groups[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- drift events ------------------------------------------------------------------ */

static int on_flush(sd_event_source *s, uint64_t usec, void *userdata) {
        Watcher *w = userdata;

        if (w->suppressed > 0)
                (void) integrity_event(w->ig, "integrity.drift", NULL,
                                       "%zu more changes were not listed one by one; "
                                       "\"mamorictl integrity status\" shows the drift", w->suppressed);
        w->suppressed = 0;
        w->window_count = 0;
        w->window_start = 0;
        return 0;
}

static void drift_event(Watcher *w, Group *g, const Record *before, const Record *after,
                        uint32_t changed, bool dpkg_busy) {
        uint64_t now = clock_usec(CLOCK_MONOTONIC);
        char what[600], safe[320];

        if (w->window_start == 0 || now - w->window_start >= DRIFT_WINDOW_USEC) {
                if (w->suppressed > 0)
                        on_flush(NULL, 0, w);
                w->window_start = now;
                w->window_count = 0;
        }
        if (w->window_count >= (w->ig->drift_burst ? w->ig->drift_burst : DRIFT_BURST)) {
                w->suppressed++;
                if (!w->flush) {
                        if (sd_event_add_time_relative(w->ig->api->loop, &w->flush, CLOCK_MONOTONIC,
                                                       w->window_start + DRIFT_WINDOW_USEC - now,
                                                       USEC_PER_SEC_IG, on_flush, w) >= 0)
                                (void) sd_event_source_set_description(w->flush, "integrity-drift-summary");
                } else {
                        (void) sd_event_source_set_time_relative(w->flush,
                                                                 w->window_start + DRIFT_WINDOW_USEC - now);
                        (void) sd_event_source_set_enabled(w->flush, SD_EVENT_ONESHOT);
                }
                return;
        }
        w->window_count++;
        record_describe(before, after, changed, what, sizeof what);
        (void) integrity_event(w->ig, "integrity.drift", text_safe((after ? after : before)->path, 300,
                                                                    safe, sizeof safe),
                               "%s (rule %s%s)", what, g->rule_id,
                               dpkg_busy ? ", while dpkg is running" : "");
}

/* Emits an event per difference between old[lo, hi) and now; returns the
 * number of differences. */
static size_t diff_range(Watcher *w, Group *g, const RecordSet *old, size_t lo, size_t hi,
                         const RecordSet *now, bool dpkg_busy) {
        size_t i = lo, j = 0, n = 0;

        while (i < hi || j < now->n) {
                const Record *a = NULL, *b = NULL;
                uint32_t changed;
                int c;

                if (i >= hi)
                        c = 1;
                else if (j >= now->n)
                        c = -1;
                else
                        c = path_compare(old->items[i].path, now->items[j].path);
                if (c <= 0)
                        a = &old->items[i++];
                if (c >= 0)
                        b = &now->items[j++];
                changed = record_diff(a, b, g->spec->attrs);
                if (!changed)
                        continue;
                n++;
                drift_event(w, g, a, b, changed, dpkg_busy);
        }
        return n;
}

/* Watches every directory of res whose entries the set covers, and drops
 * watches under path whose directory is gone. */
static int rewatch(Watcher *w, const WatchSet *set, const char *path, const RecordSet *res) {
        int r;

        for (size_t i = 0; i < res->n; i++)
                if (res->items[i].type == REC_DIR && watchset_descends(set, res->items[i].path)) {
                        r = watch_dir(w, res->items[i].path);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < w->n_dirs;) {
                const Record *rec;

                if (!path_is_under(w->dirs[i].path, path) ||
                    ((rec = recordset_find(res, w->dirs[i].path)) && rec->type == REC_DIR) ||
                    !watchset_covers(set, w->dirs[i].path)) {
                        i++;
                        continue;
                }
                (void) inotify_rm_watch(w->fd, w->dirs[i].wd);
                dir_drop(w, w->dirs[i].wd);
        }
        return 0;
}

/* Re-examines path (and its subtree when tree) for group g; returns the
 * number of changes. */
static int refresh(Watcher *w, Group *g, const char *path, bool tree, bool dpkg_busy) {
        const WatchSet *set = &g->spec->set;
        const RecordSet *old;
        ScanOptions o;
        ScanResult res;
        size_t lo = 0, hi = 0, n;
        bool relevant = watchset_covers(set, path);
        int r;

        for (size_t i = 0; !relevant && tree && i < set->n_paths; i++)
                relevant = path_is_under(set->paths[i], path);
        if (!relevant)
                return 0;

        integrity_scan_options(w->ig, g, true, &o);
        o.prev = NULL;
        r = scan_path(&o, path, tree, &res);
        if (r < 0)
                return r;
        old = g->have_current ? &g->current : g->baseline ? &g->baseline->records : NULL;
        if (old)
                recordset_range(old, path, tree, &lo, &hi);
        n = diff_range(w, g, old ? old : &(RecordSet) {}, lo, hi, &res.records, dpkg_busy);
        if (tree) {
                r = rewatch(w, set, path, &res.records);
                /* A directory above entries came back: their parents too. */
                for (size_t i = 0; r >= 0 && i < set->n_paths; i++)
                        if (path_is_under(set->paths[i], path))
                                r = watch_parent(w, set->paths[i]);
                if (r < 0)
                        goto finish;
        }
        if (g->have_current) {
                r = group_merge_errors(g, path, tree, &res);
                if (r < 0)
                        goto finish;
                r = recordset_splice(&g->current, lo, hi, &res.records);
                if (r < 0)
                        goto finish;
        }
        r = (int) (n > INT32_MAX ? INT32_MAX : n);
finish:
        scan_result_done(&res);
        return r;
}

/* ---- rescans ------------------------------------------------------------------------ */

static int full_rescan(Watcher *w, const char *why) {
        size_t changes = 0, groups = 0;
        int r;

        integrity_refresh_dpkg(w->ig);
        for (size_t i = 0; i < w->ig->n_groups; i++) {
                Group *g = w->ig->groups[i];
                ScanOptions o;
                ScanResult res;

                if (!g->have_current)
                        continue;       /* its next evaluation scans anyway */
                integrity_scan_options(w->ig, g, false, &o);
                r = scan_full(&o, &res);
                if (r < 0)
                        return r;
                changes += diff_range(w, g, &g->current, 0, g->current.n, &res.records, false);
                r = rewatch(w, &g->spec->set, "/", &res.records);
                if (r >= 0)
                        r = group_merge_errors(g, NULL, true, &res);
                if (r < 0) {
                        scan_result_done(&res);
                        return r;
                }
                recordset_done(&g->current);
                g->current = res.records;
                res.records = (RecordSet) {};
                scan_result_done(&res);
                groups++;
        }
        integrity_log(w->ig, LOG_WARNING, "%s: full rescan of %zu watch groups found %zu changes",
                      why, groups, changes);
        (void) integrity_event(w->ig, "integrity.rescan", NULL, "%s: full rescan found %zu changes",
                               why, changes);
        return integrity_request(w->ig);
}

static int on_rescan(sd_event_source *s, void *userdata) {
        Watcher *w = userdata;

        (void) full_rescan(w, "inotify watch limit reached");
        return 0;
}

static void schedule_rescan(Watcher *w) {
        if (!w->rescan) {
                if (sd_event_add_defer(w->ig->api->loop, &w->rescan, on_rescan, w) < 0)
                        return;
                (void) sd_event_source_set_description(w->rescan, "integrity-rescan");
        }
        (void) sd_event_source_set_enabled(w->rescan, SD_EVENT_ONESHOT);
}

static uint64_t degraded_usec(const Watcher *w) {
        return w->ig->degraded_rescan_usec ? w->ig->degraded_rescan_usec : DEGRADED_RESCAN_USEC;
}

static int on_degraded(sd_event_source *s, uint64_t usec, void *userdata) {
        Watcher *w = userdata;

        /* The limit may have been raised: try again (a directory still
         * without a watch re-arms this timer), then look at everything. */
        (void) watch_all(w);
        (void) full_rescan(w, w->n_missing > 0 ? "directories without an inotify watch"
                                                : "inotify watches complete again");
        return 0;
}

/* While any directory lacks a watch, full rescans every few minutes. */
static void arm_degraded(Watcher *w) {
        int enabled = SD_EVENT_OFF;

        if (!w->degraded) {
                if (sd_event_add_time_relative(w->ig->api->loop, &w->degraded, CLOCK_MONOTONIC,
                                               degraded_usec(w), USEC_PER_SEC_IG / 10, on_degraded, w) < 0)
                        return;
                (void) sd_event_source_set_description(w->degraded, "integrity-degraded-rescan");
                return;
        }
        (void) sd_event_source_get_enabled(w->degraded, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        (void) sd_event_source_set_time_relative(w->degraded, degraded_usec(w));
        (void) sd_event_source_set_enabled(w->degraded, SD_EVENT_ONESHOT);
}

static int on_dpkg_wait(sd_event_source *s, uint64_t usec, void *userdata) {
        Watcher *w = userdata;

        if (w->dpkg_deferred) {
                w->dpkg_deferred = false;
                (void) integrity_request(w->ig);
        }
        return 0;
}

/* Changes seen: ask for an evaluation, unless dpkg is mid-run, whose half
 * unpacked files and not yet updated checksums would read as tampering;
 * then when it finishes (its lock or status file changes), at the latest
 * after DPKG_WAIT_USEC. */
static void request_or_wait(Watcher *w, bool dpkg_busy) {
        if (!dpkg_busy) {
                w->dpkg_deferred = false;
                (void) integrity_request(w->ig);
                return;
        }
        if (w->dpkg_deferred)
                return;
        w->dpkg_deferred = true;
        if (!w->dpkg_wait) {
                if (sd_event_add_time_relative(w->ig->api->loop, &w->dpkg_wait, CLOCK_MONOTONIC,
                                               DPKG_WAIT_USEC, USEC_PER_SEC_IG, on_dpkg_wait, w) >= 0)
                        (void) sd_event_source_set_description(w->dpkg_wait, "integrity-dpkg-wait");
        } else {
                (void) sd_event_source_set_time_relative(w->dpkg_wait, DPKG_WAIT_USEC);
                (void) sd_event_source_set_enabled(w->dpkg_wait, SD_EVENT_ONESHOT);
        }
}

/* ---- reading events ---------------------------------------------------------------- */

static int dirty_add(Watcher *w, const char *dir, const char *name, bool tree) {
        _cleanup_ig_free_ char *path = name ? path_join(dir, name) : strdup(dir);
        uintptr_t i;

        if (!path)
                return errno == ENOMEM || !name ? -ENOMEM : 0;
        i = (uintptr_t) strmap_get(w->dirty_index, path);
        if (i > 0) {
                w->dirty[i - 1].tree = w->dirty[i - 1].tree || tree;
                return 0;
        }
        if (w->n_dirty == w->cap_dirty) {
                size_t cap = w->cap_dirty ? w->cap_dirty * 2 : 64;
                Dirty *n = realloc(w->dirty, cap * sizeof *n);

                if (!n)
                        return -ENOMEM;
                w->dirty = n;
                w->cap_dirty = cap;
        }
        if (strmap_put(w->dirty_index, path, strlen(path), (void *) (uintptr_t) (w->n_dirty + 1)) < 0)
                return -ENOMEM;
        w->dirty[w->n_dirty++] = (Dirty) { path, tree };
        path = NULL;
        return 0;
}

static void dirty_clear(Watcher *w) {
        for (size_t i = 0; i < w->n_dirty; i++)
                free(w->dirty[i].path);
        w->n_dirty = 0;
        strmap_free(w->dirty_index);
        w->dirty_index = strmap_new();
}

static int handle_event(Watcher *w, const struct inotify_event *ev, bool *overflow,
                        bool *dpkg_changed) {
        const WatchDir *d;
        bool tree;

        if (ev->mask & IN_Q_OVERFLOW) {
                *overflow = true;
                return 0;
        }
        d = dir_find(w, ev->wd);
        if (!d)
                return 0;
        if (ev->mask & IN_IGNORED) {
                dir_drop(w, ev->wd);
                return 0;
        }
        if (ev->wd == w->dpkg_wd && ev->len > 0)
                *dpkg_changed = *dpkg_changed || strcmp(ev->name, "status") == 0 ||
                                strcmp(ev->name, "lock") == 0 || strcmp(ev->name, "lock-frontend") == 0;
        if (ev->len > 0 && ev->name[0]) {
                tree = (ev->mask & IN_ISDIR) &&
                       (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE));
                return dirty_add(w, d->path, ev->name, tree);
        }
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                char path[IG_PATH_MAX];
                int wd = ev->wd;

                /* A moved directory's watch goes with it, under a name we do
                 * not know: drop it; the refresh watches what is there now. */
                snprintf(path, sizeof path, "%s", d->path);
                if (ev->mask & IN_MOVE_SELF) {
                        (void) inotify_rm_watch(w->fd, wd);
                        dir_drop(w, wd);
                }
                return dirty_add(w, path, NULL, true);
        }
        if (ev->mask & IN_ATTRIB)
                return dirty_add(w, d->path, NULL, false);
        return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Watcher *w = userdata;
        union {
                struct inotify_event ev;
                uint8_t raw[READ_BUFFER];
        } buf;
        bool overflow = false, dpkg_changed = false, dpkg_busy;
        size_t changes = 0;
        int r = 0;

        for (unsigned reads = 0; reads < READS_PER_DISPATCH && r >= 0; reads++) {
                ssize_t n = read(fd, buf.raw, sizeof buf.raw);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;          /* EAGAIN: drained */
                }
                for (size_t off = 0; off + sizeof(struct inotify_event) <= (size_t) n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) (buf.raw + off);

                        r = handle_event(w, ev, &overflow, &dpkg_changed);
                        if (r < 0)
                                break;
                        off += sizeof(struct inotify_event) + ev->len;
                }
        }

        dpkg_busy = dpkg_is_busy(w->ig->dpkg);
        if (overflow) {
                /* Events were lost: what the dirty list holds is not all. */
                integrity_log(w->ig, LOG_WARNING, "inotify event queue overflowed, rescanning everything");
                dirty_clear(w);
                (void) full_rescan(w, "inotify event queue overflowed");
                return 0;
        }
        for (size_t i = 0; i < w->n_dirty; i++)
                for (size_t k = 0; k < w->ig->n_groups; k++) {
                        Group *g = w->ig->groups[k];

                        if (!g->in_policy || !g->spec)
                                continue;
                        r = refresh(w, g, w->dirty[i].path, w->dirty[i].tree, dpkg_busy);
                        if (r > 0)
                                changes += (size_t) r;
                        else if (r < 0)
                                integrity_log(w->ig, LOG_WARNING, "cannot re-examine %s, the next scan will: %s",
                                              w->dirty[i].path, strerror(-r));
                }
        dirty_clear(w);
        if (changes > 0)
                request_or_wait(w, dpkg_busy);
        else if (dpkg_changed && !dpkg_busy)
                /* dpkg finished, or a new status may explain (or stop
                 * explaining) drift. */
                request_or_wait(w, false);
        return 0;
}

/* ---- life cycle ------------------------------------------------------------------- */

Watcher *watcher_free(Watcher *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->io);
        sd_event_source_disable_unref(w->rescan);
        sd_event_source_disable_unref(w->degraded);
        sd_event_source_disable_unref(w->flush);
        sd_event_source_disable_unref(w->dpkg_wait);
        if (w->fd >= 0)
                close(w->fd);
        for (size_t i = 0; i < w->n_dirs; i++)
                free(w->dirs[i].path);
        free(w->dirs);
        strmap_free(w->by_path);
        for (size_t i = 0; i < w->n_dirty; i++)
                free(w->dirty[i].path);
        free(w->dirty);
        strmap_free(w->dirty_index);
        free(w);
        return NULL;
}

int watcher_start(Integrity *ig) {
        Watcher *w;
        int r;

        ig->watcher = watcher_free(ig->watcher);
        if (ig->n_groups == 0 || !ig->api->loop)
                return 0;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        *w = (Watcher) { .ig = ig, .fd = -EBADF, .dpkg_wd = -1 };
        w->by_path = strmap_new();
        w->dirty_index = strmap_new();
        if (!w->by_path || !w->dirty_index) {
                watcher_free(w);
                return -ENOMEM;
        }
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                r = -errno;
                watcher_free(w);
                return r;
        }
        r = sd_event_add_io(ig->api->loop, &w->io, w->fd, POLLIN, on_inotify, w);
        if (r < 0) {
                watcher_free(w);
                return r;
        }
        (void) sd_event_source_set_description(w->io, "integrity-inotify");
        ig->watcher = w;

        r = watch_all(w);
        if (r < 0) {
                ig->watcher = watcher_free(w);
                return r;
        }
        /* dpkg's own directory: its lock and status say when an upgrade ends. */
        {
                int wd;
                char full[IG_PATH_MAX * 2];

                size_t rl = strlen(ig->root);

                snprintf(full, sizeof full, "%s%svar/lib/dpkg", ig->root,
                         rl > 0 && ig->root[rl - 1] == '/' ? "" : "/");
                wd = inotify_add_watch(w->fd, full, WATCH_MASK);
                if (wd >= 0 && dir_put(w, wd, "/var/lib/dpkg") >= 0)
                        w->dpkg_wd = wd;
        }
        integrity_log(ig, LOG_DEBUG, "watching %zu directories for %zu rules", w->n_dirs, ig->n_groups);
        return 0;
}

bool watcher_complete(const Watcher *w) {
        return w && w->n_missing == 0;
}

const char *watcher_degraded(const Watcher *w, char *buf, size_t size) {
        if (!w || w->n_missing == 0)
                return NULL;
        snprintf(buf, size, "real-time watch incomplete: %zu directories without an inotify watch "
                 "(fs.inotify.max_user_watches); full rescans every %u minutes",
                 w->n_missing, (unsigned) (DEGRADED_RESCAN_USEC / 60000000U));
        return buf;
}
