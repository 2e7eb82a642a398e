/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing the browsers' managed policy: the only files this plugin
 * changes. A browser reading the file at any instant sees the old or the
 * new version whole (temporary file in the same directory, then rename),
 * and what is written is root's and not writable by staff (詳細編 6.6(2)②:
 * staff may not change browser settings). When not running as root (a
 * developer's test run) owners are left as they are. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

const char *cr_protect_problem(const struct stat *st, char *buf, size_t size) {
        unsigned mode = (unsigned) st->st_mode & 07777;
        bool dir = S_ISDIR(st->st_mode);

        if (st->st_uid != 0)
                snprintf(buf, size, "owned by UID %u, not root", (unsigned) st->st_uid);
        else if (mode & S_IWOTH)
                snprintf(buf, size, "writable by everyone (mode %04o)", mode);
        else if (mode & S_IWGRP)
                snprintf(buf, size, "writable by its group, GID %u (mode %04o)", (unsigned) st->st_gid, mode);
        else if (!dir && !(mode & S_IROTH))
                snprintf(buf, size, "not readable by staff accounts (mode %04o): the browser cannot read it",
                         mode);
        else if (dir && !(mode & S_IXOTH))
                snprintf(buf, size, "not searchable by staff accounts (mode %04o): the browser cannot read it",
                         mode);
        else
                return NULL;
        return buf;
}

int cr_mkdir_p(int root_fd, const char *path, void (*made)(void *userdata, const char *path),
               void *userdata) {
        char buf[1024];
        size_t len;

        if (root_fd < 0 || !path)
                return -EINVAL;
        len = strlen(path);
        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, path, len + 1);

        for (size_t i = 1; i <= len; i++) {
                if (buf[i] != '/' && buf[i] != '\0')
                        continue;
                buf[i] = '\0';
                if (mkdirat(root_fd, buf, 0755) < 0) {
                        if (errno != EEXIST)
                                return -errno;
                } else {
                        /* The umask may have taken bits. */
                        if (fchmodat(root_fd, buf, 0755, 0) < 0)
                                return -errno;
                        if (geteuid() == 0 && fchownat(root_fd, buf, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
                                return -errno;
                        if (made)
                                made(userdata, buf);
                }
                if (i < len)
                        buf[i] = '/';
        }
        return 0;
}

int cr_write_atomic(int root_fd, const char *dir, const char *name, const char *data, size_t size) {
        _cleanup_cr_close_ int dirfd = -EBADF, fd = -EBADF;
        static unsigned counter;
        char tmp[256];
        size_t done = 0;
        int r;

        if (root_fd < 0 || !dir || !name || (!data && size > 0))
                return -EINVAL;
        dirfd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;

        for (unsigned attempt = 0; attempt < 16; attempt++) {
                r = snprintf(tmp, sizeof(tmp), ".%s.mamori-%ld-%u.tmp", name, (long) getpid(), counter++);
                if (r < 0 || (size_t) r >= sizeof(tmp))
                        return -ENAMETOOLONG;
                fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd >= 0 || errno != EEXIST)
                        break;
        }
        if (fd < 0)
                return -errno;

        while (done < size) {
                ssize_t n = write(fd, data + done, size - done);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                done += (size_t) n;
        }
        if (fchmod(fd, 0644) < 0 || (geteuid() == 0 && fchown(fd, 0, 0) < 0) || fsync(fd) < 0 ||
            renameat(dirfd, tmp, dirfd, name) < 0) {
                r = -errno;
                goto fail;
        }
        (void) fsync(dirfd);
        return 0;

fail:
        (void) unlinkat(dirfd, tmp, 0);
        return r;
}

int cr_fix_owner_mode(int root_fd, const char *path, bool directory) {
        _cleanup_cr_close_ int fd = -EBADF;
        struct stat st;
        char why[128];

        fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
                                           (directory ? O_DIRECTORY : 0));
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!directory && !S_ISREG(st.st_mode))
                return -EBADFD;
        if (!cr_protect_problem(&st, why, sizeof(why)))
                return 0;
        if (st.st_uid != 0 && geteuid() == 0 && fchown(fd, 0, (gid_t) -1) < 0)
                return -errno;
        if (fchmod(fd, directory ? 0755 : 0644) < 0)
                return -errno;
        return 1;
}
