/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dpkg's database under the root prefix, read lazily and only as far as
 * package-aware drift needs it: which package owns a watched file (the
 * info/<package>.list files), at which version (status), and the MD5 it
 * shipped (info/<package>.md5sums, or the status file's Conffiles).
 *
 * Only files under the watched paths are indexed: the whole system's list
 * is some 150 000 paths, the shipped watch list a few hundred. The index is
 * rebuilt when the status file or the info directory changes (dpkg replaces
 * both by rename on every run) or when the watched paths change.
 *
 * Not handled: dpkg-divert (a diverted file is attributed to the package
 * whose .list names the path), and paths a package lists through a
 * symlinked directory (usrmerge's /bin for /usr/bin): those files count as
 * owned by no package, so their drift fails the check plainly. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "integrity.h"

#define LIST_MAX (64U * 1024U * 1024U)
#define MD5SUMS_MAX (64U * 1024U * 1024U)

typedef struct Stamp {
        struct timespec mtime;
        ino_t ino;
        off_t size;
        bool exists;
} Stamp;

struct Dpkg {
        int root_fd;
        StrPool *pool;
        bool loaded;
        Stamp status_stamp, info_stamp;
        char **prefixes;
        size_t n_prefixes;
        DpkgStatus *status;
        StrMap *packages;               /* "name" and "name:arch" -> index + 1 */
        const char **versions;          /* per package: interned version or NULL */
        StrMap *owners;                 /* path -> interned .list key */
        StrMap *conffiles;              /* path -> DpkgConffile */
};

static void dpkg_unload(Dpkg *d) {
        d->status = dpkg_status_free(d->status);
        d->packages = strmap_free(d->packages);
        d->owners = strmap_free(d->owners);
        d->conffiles = strmap_free(d->conffiles);
        free(d->versions);
        d->versions = NULL;
        for (size_t i = 0; i < d->n_prefixes; i++)
                free(d->prefixes[i]);
        free(d->prefixes);
        d->prefixes = NULL;
        d->n_prefixes = 0;
        d->loaded = false;
}

Dpkg *dpkg_new(int root_fd, StrPool *pool) {
        Dpkg *d = calloc(1, sizeof *d);

        if (!d)
                return NULL;
        d->root_fd = root_fd;
        d->pool = pool;
        return d;
}

Dpkg *dpkg_free(Dpkg *d) {
        if (!d)
                return NULL;
        dpkg_unload(d);
        free(d);
        return NULL;
}

static Stamp stamp_of(int root_fd, const char *path) {
        struct stat st;

        if (fstatat(root_fd, path, &st, 0) < 0)
                return (Stamp) {};
        return (Stamp) { st.st_mtim, st.st_ino, st.st_size, true };
}

static bool stamp_equal(const Stamp *a, const Stamp *b) {
        return a->exists == b->exists && a->mtime.tv_sec == b->mtime.tv_sec &&
               a->mtime.tv_nsec == b->mtime.tv_nsec && a->ino == b->ino && a->size == b->size;
}

static bool prefixes_equal(const Dpkg *d, char *const *prefixes, size_t n) {
        if (d->n_prefixes != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(d->prefixes[i], prefixes[i]) != 0)
                        return false;
        return true;
}

static bool under_prefixes(const Dpkg *d, const char *path) {
        for (size_t i = 0; i < d->n_prefixes; i++)
                if (path_is_under(path, d->prefixes[i]))
                        return true;
        return false;
}

static int index_list(Dpkg *d, int info_fd, const char *file) {
        _cleanup_ig_free_ char *buf = NULL;
        size_t size, klen = strlen(file) - strlen(".list");
        const char *key;
        char *line, *save = NULL;
        int r;

        r = read_file_under(info_fd, file, LIST_MAX, &buf, &size);
        if (r < 0)
                return r == -ENOMEM ? r : 0;    /* one unreadable list: the rest still count */
        key = strpool_intern(d->pool, file, klen);
        if (!key)
                return -ENOMEM;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t n = strlen(line);

                if (!path_is_normal(line, n) || !under_prefixes(d, line))
                        continue;
                r = strmap_put(d->owners, line, n, (void *) key);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dpkg_load(Dpkg *d) {
        _cleanup_ig_free_ char *buf = NULL;
        DIR *dir;
        struct dirent *de;
        size_t size;
        int r, fd;

        r = read_file_under(d->root_fd, "var/lib/dpkg/status", DPKG_STATUS_MAX, &buf, &size);
        if (r < 0)
                return r;
        r = dpkg_status_parse(buf, size, &d->status);
        if (r < 0)
                return r;
        d->packages = strmap_new();
        d->owners = strmap_new();
        d->conffiles = strmap_new();
        d->versions = calloc(d->status->n_packages + 1, sizeof *d->versions);
        if (!d->packages || !d->owners || !d->conffiles || !d->versions)
                return -ENOMEM;

        for (size_t i = 0; i < d->status->n_packages; i++) {
                const DpkgPackage *p = &d->status->packages[i];
                char key[2 * DPKG_VALUE_MAX + 2];
                size_t n = strlen(p->name);

                if (p->version) {
                        d->versions[i] = strpool_intern(d->pool, p->version, strlen(p->version));
                        if (!d->versions[i])
                                return -ENOMEM;
                }
                /* Not overwriting: the first installed stanza of a name wins,
                 * as in dpkg_status_find(). */
                if (!strmap_get(d->packages, p->name) || p->installed)
                        if (strmap_put(d->packages, p->name, n, (void *) (uintptr_t) (i + 1)) < 0)
                                return -ENOMEM;
                if (p->arch) {
                        memcpy(key, p->name, n);
                        key[n] = ':';
                        strcpy(key + n + 1, p->arch);
                        if (strmap_put(d->packages, key, strlen(key), (void *) (uintptr_t) (i + 1)) < 0)
                                return -ENOMEM;
                }
        }
        for (size_t i = 0; i < d->status->n_conffiles; i++) {
                DpkgConffile *c = &d->status->conffiles[i];

                if (under_prefixes(d, c->path) &&
                    strmap_put(d->conffiles, c->path, strlen(c->path), c) < 0)
                        return -ENOMEM;
        }

        fd = openat(d->root_fd, "var/lib/dpkg/info", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        dir = fdopendir(fd);
        if (!dir) {
                r = -errno;
                close(fd);
                return r;
        }
        r = 0;
        while ((de = readdir(dir))) {
                size_t n = strlen(de->d_name);

                if (n <= 5 || strcmp(de->d_name + n - 5, ".list") != 0)
                        continue;
                r = index_list(d, dirfd(dir), de->d_name);
                if (r < 0)
                        break;
        }
        closedir(dir);
        return r;
}

int dpkg_refresh(Dpkg *d, char *const *prefixes, size_t n_prefixes) {
        Stamp status = stamp_of(d->root_fd, "var/lib/dpkg/status");
        Stamp info = stamp_of(d->root_fd, "var/lib/dpkg/info");
        int r;

        if (d->loaded && stamp_equal(&status, &d->status_stamp) &&
            stamp_equal(&info, &d->info_stamp) && prefixes_equal(d, prefixes, n_prefixes))
                return 0;
        dpkg_unload(d);
        if (!status.exists)
                return -ENOENT;
        d->prefixes = calloc(n_prefixes + 1, sizeof *d->prefixes);
        if (!d->prefixes)
                return -ENOMEM;
        for (size_t i = 0; i < n_prefixes; i++) {
                d->prefixes[i] = strdup(prefixes[i]);
                if (!d->prefixes[i]) {
                        dpkg_unload(d);
                        return -ENOMEM;
                }
                d->n_prefixes++;
        }
        r = dpkg_load(d);
        if (r < 0) {
                dpkg_unload(d);
                return r;
        }
        d->status_stamp = status;
        d->info_stamp = info;
        d->loaded = true;
        return 0;
}

static size_t package_index(const Dpkg *d, const char *key) {
        uintptr_t v = (uintptr_t) strmap_get(d->packages, key);

        if (v == 0 && strchr(key, ':')) {
                char name[DPKG_VALUE_MAX + 1];
                size_t n = (size_t) (strchr(key, ':') - key);

                if (n < sizeof name) {
                        memcpy(name, key, n);
                        name[n] = '\0';
                        v = (uintptr_t) strmap_get(d->packages, name);
                }
        }
        return (size_t) v;              /* index + 1; 0: unknown */
}

const char *dpkg_version(Dpkg *d, const char *pkg) {
        size_t i;

        if (!d->loaded)
                return NULL;
        i = package_index(d, pkg);
        if (i == 0 || !d->status->packages[i - 1].installed)
                return NULL;
        return d->versions[i - 1];
}

int dpkg_owner(Dpkg *d, const char *path, const char **ret_pkg, const char **ret_version) {
        const char *key;

        if (!d->loaded)
                return -ENOENT;
        key = strmap_get(d->owners, path);
        if (!key)
                return -ENOENT;
        *ret_pkg = key;
        *ret_version = dpkg_version(d, key);
        return 0;
}

/* "md5hex  relative/path" lines, as dpkg-deb writes them. */
static int md5sums_lookup(int info_fd, const char *file, const char *path, uint8_t ret[16]) {
        _cleanup_ig_free_ char *buf = NULL;
        const char *rel = path + 1;
        size_t size, rlen = strlen(rel);
        char *line, *save = NULL;
        int r;

        r = read_file_under(info_fd, file, MD5SUMS_MAX, &buf, &size);
        if (r < 0)
                return r;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t n = strlen(line);

                if (n > 0 && line[n - 1] == '\r')
                        line[--n] = '\0';
                if (n != 32 + 2 + rlen || line[32] != ' ' || line[33] != ' ' ||
                    strcmp(line + 34, rel) != 0)
                        continue;
                return hex_decode(line, 32, ret) < 0 ? -EBADMSG : 0;
        }
        return -ENOENT;
}

int dpkg_md5(Dpkg *d, const char *pkg, const char *path, uint8_t ret[16]) {
        _cleanup_ig_close_ int fd = -EBADF;
        const DpkgConffile *c;
        char file[DPKG_VALUE_MAX * 2 + 16];
        const char *colon;
        int r;

        if (!d->loaded)
                return -ENOENT;
        c = strmap_get(d->conffiles, path);
        if (c) {
                memcpy(ret, c->md5, 16);
                return 0;
        }
        if (strlen(pkg) > DPKG_VALUE_MAX * 2 || strchr(pkg, '/'))
                return -EINVAL;
        fd = openat(d->root_fd, "var/lib/dpkg/info", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(file, sizeof file, "%s.md5sums", pkg);
        r = md5sums_lookup(fd, file, path, ret);
        colon = strchr(pkg, ':');
        if (r == -ENOENT && colon) {
                snprintf(file, sizeof file, "%.*s.md5sums", (int) (colon - pkg), pkg);
                r = md5sums_lookup(fd, file, path, ret);
        }
        return r;
}

bool dpkg_is_conffile(Dpkg *d, const char *path) {
        return d && d->loaded && strmap_get(d->conffiles, path);
}

bool dpkg_is_loaded(const Dpkg *d) {
        return d && d->loaded;
}

/* dpkg and apt take fcntl() write locks on these; F_GETLK reports another
 * process's lock without taking one. */
bool dpkg_is_busy(Dpkg *d) {
        static const char *const locks[] = { "var/lib/dpkg/lock-frontend", "var/lib/dpkg/lock" };

        for (size_t i = 0; i < IG_ELEMENTSOF(locks); i++) {
                _cleanup_ig_close_ int fd = -EBADF;
                struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

                fd = openat(d->root_fd, locks[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
                if (fd < 0)
                        continue;
                if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
                        return true;
        }
        return false;
}
