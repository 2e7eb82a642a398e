/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keyfiles under /etc/dconf/db/NAME.d/ edited but never compiled into
 * /etc/dconf/db/NAME: dconf reads only the compiled database, so such an
 * edit has no effect yet.
 *
 * Facts relied on (dconf's bin/dconf-update.vala): dconf update compiles
 * every regular, non-hidden file of NAME.d and of NAME.d/locks/, and it
 * recompiles only when the directory (or locks/) is at least as new as the
 * database, in whole seconds; it never looks at the files' own times. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

static bool ts_newer(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* The newest regular, non-hidden file in dir (relative to dir_fd), as
 * dconf update would read them. */
static void newest_file(int dir_fd, const char *dir, char *ret_name, size_t name_size,
                        struct timespec *ret_mtime) {
        _cleanup_sl_close_ int fd = -1;
        DIR *d;
        struct dirent *de;

        fd = openat(dir_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        fd = -1;        /* owned by d now */
        while ((de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (ts_newer(&st.st_mtim, ret_mtime)) {
                        *ret_mtime = st.st_mtim;
                        snprintf(ret_name, name_size, "%s/%s", dir, de->d_name);
                }
        }
        closedir(d);
}

static bool profile_names(const DconfProfile *p, const char *name) {
        for (size_t i = 0; p && i < p->n_sources; i++)
                if (p->sources[i].type == DCONF_SOURCE_SYSTEM && strcmp(p->sources[i].name, name) == 0)
                        return true;
        return false;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int check_stale_one(SlCtx *c, int db_fd, const char *name) {
        char dname[512], locks[600], newest[1200] = "", shown[SL_PATH_MAX], dbshown[SL_PATH_MAX];
        char when_file[64], when_db[64];
        struct stat dir_st, lock_st, db_st;
        struct timespec newest_mtime;
        bool have_locks, update_skips, unnamed;
        size_t n = strlen(name);

        if (n < 3 || n - 2 >= sizeof(dname))
                return 0;
        memcpy(dname, name, n - 2);
        dname[n - 2] = '\0';

        if (fstatat(db_fd, name, &dir_st, 0) < 0 || !S_ISDIR(dir_st.st_mode))
                return 0;
        snprintf(locks, sizeof(locks), "%s/locks", name);
        have_locks = fstatat(db_fd, locks, &lock_st, 0) == 0 && S_ISDIR(lock_st.st_mode);

        {
                char tmp[SL_NAME_SHOW * 2 + 8];

                snprintf(dbshown, sizeof(dbshown), "/etc/dconf/db/%s",
                         sl_text_safe(dname, SL_NAME_SHOW * 2, tmp, sizeof(tmp)));
        }
        /* Edits to a database no profile line names change nothing today,
         * but they are drift all the same: say which it is. */
        unnamed = !profile_names(c->profile, dname);

        if (fstatat(db_fd, dname, &db_st, 0) < 0) {
                if (errno != ENOENT)
                        return sl_emit(c->e, MAMORI_ERROR, dbshown, "cannot inspect %s: %s", dbshown,
                                       strerror(errno));
                return sl_emit(c->e, MAMORI_FAIL, dbshown,
                               "never compiled: %s.d exists but %s does not, so dconf applies none of "
                               "its settings (run dconf update)%s",
                               dbshown, dbshown, unnamed ? "; the profile does not name it either" : "");
        }

        /* The newest of: the directory itself (a keyfile added, renamed or
         * removed), its locks/ directory, and every keyfile and lock file. */
        newest_mtime = dir_st.st_mtim;
        snprintf(newest, sizeof(newest), "%s", name);
        if (have_locks && ts_newer(&lock_st.st_mtim, &newest_mtime)) {
                newest_mtime = lock_st.st_mtim;
                snprintf(newest, sizeof(newest), "%s", locks);
        }
        newest_file(db_fd, name, newest, sizeof(newest), &newest_mtime);
        if (have_locks)
                newest_file(db_fd, locks, newest, sizeof(newest), &newest_mtime);

        if (!ts_newer(&newest_mtime, &db_st.st_mtim))
                return 0;

        {
                char tmp[sizeof(newest)];

                snprintf(shown, sizeof(shown), "/etc/dconf/db/%s",
                         sl_text_safe(newest, 300, tmp, sizeof(tmp)));
        }
        /* dconf update compares whole seconds, directories only. */
        update_skips = db_st.st_mtim.tv_sec > dir_st.st_mtim.tv_sec &&
                (!have_locks || db_st.st_mtim.tv_sec > lock_st.st_mtim.tv_sec);

        return sl_emit(c->e, MAMORI_FAIL, dbshown,
                       "edited but not compiled: %s (modified %s) is newer than %s (compiled %s), so "
                       "dconf still applies the old settings%s%s",
                       shown, sl_format_time(&newest_mtime, when_file, sizeof(when_file)), dbshown,
                       sl_format_time(&db_st.st_mtim, when_db, sizeof(when_db)),
                       update_skips ? "; dconf update will skip it because the directory itself did not "
                                      "change: touch the .d directory, then run dconf update"
                                    : " (run dconf update)",
                       unnamed ? "; the profile does not name this database" : "");
}

int sl_check_stale(SlCtx *c) {
        _cleanup_sl_close_ int fd = -1;
        char **names = NULL;
        size_t n_names = 0;
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = openat(c->root_fd, "etc/dconf/db", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return sl_emit(c->e, MAMORI_ERROR, "/etc/dconf/db", "cannot read /etc/dconf/db: %s",
                               strerror(errno));
        }
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;

        /* Collect first, then sort: findings come in a stable order. */
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                char **grown;

                if (de->d_name[0] == '.' || n < 3 || strcmp(de->d_name + n - 2, ".d") != 0)
                        continue;
                grown = realloc(names, (n_names + 1) * sizeof(*names));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                names = grown;
                names[n_names] = strdup(de->d_name);
                if (!names[n_names]) {
                        r = -ENOMEM;
                        break;
                }
                n_names++;
        }

        if (r >= 0) {
                if (n_names > 1)
                        qsort(names, n_names, sizeof(*names), name_cmp);
                for (size_t i = 0; i < n_names && r >= 0; i++)
                        r = check_stale_one(c, dirfd(d), names[i]);
        }

        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        free(names);
        closedir(d);
        return r;
}

