/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The inventory of one machine: dpkg's packages, and the flatpak and snap
 * applications installed beside them (named "flatpak:APP",
 * "flatpak:USER/APP" for per-user installations, "snap:NAME"). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "software.h"

/* A home directory holds few installations; a flood is not inventory. */
#define APPS_MAX 4096

int inventory_load(int root_fd, bool with_apps, Inventory **ret) {
        _cleanup_inventory_ Inventory *inv = NULL;
        _cleanup_sw_free_ char *buf = NULL;
        size_t size;
        int r;

        r = root_read_file(root_fd, "var/lib/dpkg/status", SW_FILE_MAX, &buf, &size);
        if (r < 0)
                return r;
        r = dpkg_status_parse(buf, size, &inv);
        if (r < 0)
                return r;
        if (with_apps) {
                r = inventory_add_apps(inv, root_fd);
                if (r < 0)
                        return r;
                inventory_sort(inv);
        }
        *ret = inv;
        inv = NULL;
        return 0;
}

/* Opens a directory below dirfd one component at a time, following no
 * symlink: a user's ~/.local pointing elsewhere must not lead the agent
 * out of the root or into another user's files. */
static int open_dir_nofollow(int dirfd, const char *path) {
        char buf[512], *save = NULL;
        int fd = -EBADF;

        if (strlen(path) >= sizeof(buf))
                return -ENAMETOOLONG;
        strcpy(buf, path);
        for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int n = openat(fd >= 0 ? fd : dirfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (n < 0) {
                        n = -errno;
                        if (fd >= 0)
                                close(fd);
                        return n;
                }
                if (fd >= 0)
                        close(fd);
                fd = n;
        }
        return fd;
}

/* The names in a directory that are themselves directories (no symlinks),
 * in fn; stops at APPS_MAX entries. */
static int for_each_subdir(int dirfd, int (*fn)(int dirfd, const char *name, void *u), void *u) {
        unsigned n = 0;
        struct dirent *de;
        DIR *d;
        int fd, r = 0;

        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d)) && n++ < APPS_MAX) {
                if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
                        continue;
                r = fn(dirfd, de->d_name, u);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

typedef struct AppScan {
        Inventory *inv;
        const char *prefix;             /* "flatpak:" or "flatpak:taro/" */
        const char *app, *arch;
} AppScan;

/* app/<id>/<arch>/<branch>/active -> <commit> */
static int flatpak_branch(int dirfd, const char *branch, void *u) {
        AppScan *s = u;
        char target[256], name[512], version[300];
        int fd;
        ssize_t n;

        fd = open_dir_nofollow(dirfd, branch);
        if (fd < 0)
                return 0;
        n = readlinkat(fd, "active", target, sizeof(target) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        target[n] = '\0';
        snprintf(name, sizeof(name), "%s%s", s->prefix, s->app);
        /* The branch names the release line, the commit the build in it. */
        snprintf(version, sizeof(version), "%s@%.12s", branch, target);
        if (!pkg_name_is_valid(name, strlen(name)) || !pkg_arch_is_valid(s->arch, strlen(s->arch)) ||
            !pkg_version_is_valid(version, strlen(version)))
                return 0;
        return inventory_add(s->inv, name, s->arch, version, PKG_INSTALLED, true);
}

static int flatpak_arch(int dirfd, const char *arch, void *u) {
        AppScan *s = u;
        int fd, r;

        fd = open_dir_nofollow(dirfd, arch);
        if (fd < 0)
                return 0;
        s->arch = arch;
        r = for_each_subdir(fd, flatpak_branch, s);
        close(fd);
        return r;
}

static int flatpak_app(int dirfd, const char *app, void *u) {
        AppScan *s = u;
        int fd, r;

        fd = open_dir_nofollow(dirfd, app);
        if (fd < 0)
                return 0;
        s->app = app;
        r = for_each_subdir(fd, flatpak_arch, s);
        close(fd);
        return r;
}

static int flatpak_scan(Inventory *inv, int dirfd, const char *path, const char *prefix) {
        AppScan s = { .inv = inv, .prefix = prefix };
        int fd, r;

        fd = open_dir_nofollow(dirfd, path);
        if (fd < 0)
                return 0;
        r = for_each_subdir(fd, flatpak_app, &s);
        close(fd);
        return r;
}

static int flatpak_user(int dirfd, const char *user, void *u) {
        char path[300], prefix[300];

        snprintf(path, sizeof(path), "%s/.local/share/flatpak/app", user);
        snprintf(prefix, sizeof(prefix), "flatpak:%s/", user);
        return flatpak_scan(u, dirfd, path, prefix);
}

/* snap/<name>/current -> <revision> */
static int snap_one(int dirfd, const char *snap, void *u) {
        char target[64], name[300];
        int fd;
        ssize_t n;

        fd = open_dir_nofollow(dirfd, snap);
        if (fd < 0)
                return 0;
        n = readlinkat(fd, "current", target, sizeof(target) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        target[n] = '\0';
        snprintf(name, sizeof(name), "snap:%s", snap);
        if (!pkg_name_is_valid(name, strlen(name)) || !pkg_version_is_valid(target, (size_t) n))
                return 0;
        return inventory_add(u, name, "", target, PKG_INSTALLED, true);
}

int inventory_add_apps(Inventory *inv, int root_fd) {
        int fd, r;

        r = flatpak_scan(inv, root_fd, "var/lib/flatpak/app", "flatpak:");
        if (r < 0)
                return r;

        fd = open_dir_nofollow(root_fd, "home");
        if (fd >= 0) {
                r = for_each_subdir(fd, flatpak_user, inv);
                close(fd);
                if (r < 0)
                        return r;
        }

        /* snapd's state.json says more, but is large and changes shape;
         * the "current" links say what runs. */
        fd = open_dir_nofollow(root_fd, "snap");
        if (fd >= 0) {
                r = for_each_subdir(fd, snap_one, inv);
                close(fd);
                if (r < 0)
                        return r;
        }
        return 0;
}
