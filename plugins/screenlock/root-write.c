/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing files under the root prefix, for enforcement: whole files
 * replaced atomically, never written in place, so that a reader (dconf in
 * a running session) sees the old file or the new one. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock-enforce.h"

int sl_mkdir_parents(int root_fd, const char *rel) {
        char buf[SL_PATH_MAX];
        size_t n = strlen(rel);

        if (n == 0 || n >= sizeof(buf) || rel[0] == '/')
                return -EINVAL;
        memcpy(buf, rel, n + 1);
        for (char *s = buf; ; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;

                        *s = '\0';
                        if (mkdirat(root_fd, buf, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = c;
                        if (!c)
                                break;
                }
        }
        return 0;
}

static bool same_content(int root_fd, const char *rel, const void *data, size_t size, mode_t mode) {
        _cleanup_sl_free_ char *old = NULL;
        size_t old_size = 0;
        struct stat st;

        if (sl_read_file(root_fd, rel, size + 1, &old, &old_size, &st) < 0)
                return false;
        return old_size == size && memcmp(old, data, size) == 0 && (st.st_mode & 07777) == mode;
}

int sl_write_file(int root_fd, const char *rel, const void *data, size_t size, mode_t mode, bool invalidate_old) {
        _cleanup_sl_close_ int dfd = -1, fd = -1, old_fd = -1;
        char dir[SL_PATH_MAX], tmp[SL_PATH_MAX];
        const char *base;
        const uint8_t *p = data;
        size_t left = size;
        int r;

        if (same_content(root_fd, rel, data, size, mode))
                return 0;

        base = strrchr(rel, '/');
        if (!base || (size_t) (base - rel) >= sizeof(dir))
                return -EINVAL;
        memcpy(dir, rel, (size_t) (base - rel));
        dir[base - rel] = '\0';
        base++;
        if (!*base)
                return -EINVAL;

        dfd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /* A hidden name: dconf compiles no file whose name starts with '.'. */
        if (snprintf(tmp, sizeof(tmp), ".#mamori.%s.%d", base, (int) getpid()) >= (int) sizeof(tmp))
                return -ENAMETOOLONG;
        (void) unlinkat(dfd, tmp, 0);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        while (left > 0) {
                ssize_t n = write(fd, p, left);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                p += n;
                left -= (size_t) n;
        }
        if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        if (invalidate_old)
                old_fd = openat(dfd, base, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (renameat(dfd, tmp, dfd, base) < 0) {
                r = -errno;
                goto fail;
        }
        if (old_fd >= 0) {
                struct stat st;

                /* Only a regular file that is no longer the new one. */
                if (fstat(old_fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0) {
                        static const char zeros[8] = {};

                        (void) !pwrite(old_fd, zeros, sizeof(zeros), 0);
                }
        }
        (void) fsync(dfd);
        return 1;

fail:
        (void) unlinkat(dfd, tmp, 0);
        return r;
}
