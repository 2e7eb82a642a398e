/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading system files under the host's root prefix: every path is opened
 * with openat() relative to api->root_fd, so that tests (and --root) can
 * point the plugin at a whole fake machine. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "software.h"

int root_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_sw_close_ int fd = -EBADF;
        _cleanup_sw_free_ char *buf = NULL;
        size_t size = 0, allocated;
        struct stat st;

        while (*path == '/')
                path++;

        /* O_NONBLOCK: a FIFO planted at the path must not hang the agent;
         * it is refused below anyway. */
        fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;

        /* One read of the size fstat() gave, in one allocation; the file may
         * grow meanwhile, so read on to EOF within max. */
        allocated = (size_t) st.st_size + 1;
        buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (size + 1 >= allocated) {
                        size_t m = allocated < max / 2 ? allocated * 2 : max + 2;
                        char *p;

                        if (allocated >= max + 2)
                                return -EFBIG;
                        p = realloc(buf, m);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = m;
                }
                n = read(fd, buf + size, allocated - 1 - size);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max)
                        return -EFBIG;
        }

        buf[size] = '\0';
        *ret = buf;
        buf = NULL;
        if (ret_size)
                *ret_size = size;
        return 0;
}

const char *root_error_text(int r) {
        if (r == -EBADFD)
                return "not a regular file";
        if (r == -EFBIG)
                return "file too large";
        return strerror(r < 0 ? -r : r);
}
