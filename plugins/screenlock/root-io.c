/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading files under the root prefix, and the small text helpers that
 * evidence needs. Every path is relative to api->root_fd, so that a test
 * (or --root) can hand the plugin a whole fake machine. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "screenlock.h"

int sl_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size,
                 struct stat *ret_st) {
        _cleanup_sl_close_ int fd = -1;
        _cleanup_sl_free_ char *buf = NULL;
        struct stat st;
        size_t have = 0;

        if (root_fd < 0 || !path || !ret)
                return -EINVAL;

        /* O_NONBLOCK: a FIFO planted where a database should be must not
         * hang the agent; it is refused below as not a regular file. */
        fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_size < 0 || (uint64_t) st.st_size > max)
                return -EFBIG;

        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        /* Read what the size said; a file that grows meanwhile is cut
         * there, one that shrinks is read to its new end. */
        while (have < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + have, (size_t) st.st_size - have);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                have += (size_t) n;
        }
        buf[have] = '\0';

        *ret = buf;
        buf = NULL;
        if (ret_size)
                *ret_size = have;
        if (ret_st)
                *ret_st = st;
        return 0;
}

const char *sl_error_text(int r) {
        switch (r) {
        case -EBADFD:
                return "not a regular file";
        case -EFBIG:
                return "larger than any file of its kind";
        default:
                return strerror(r < 0 ? -r : r);
        }
}

int sl_path_relative(const char *abs, char *buf, size_t size) {
        const char *p;
        int n;

        if (!abs || abs[0] != '/')
                return -EINVAL;
        p = abs;
        while (*p == '/')
                p++;
        if (!*p)
                return -EINVAL;

        /* No "..": the path must stay under the root. */
        for (const char *c = p; *c;) {
                size_t len = strcspn(c, "/");

                if (len == 2 && c[0] == '.' && c[1] == '.')
                        return -EINVAL;
                c += len;
                while (*c == '/')
                        c++;
        }

        n = snprintf(buf, size, "%s", p);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

const char *sl_text_safe(const char *s, size_t max, char *out, size_t out_size) {
        size_t n = 0;

        if (!out || out_size == 0)
                return "";
        if (!s)
                s = "(null)";
        /* Room for "..." and the NUL. */
        if (out_size < 4)
                max = 0;
        else if (max > out_size - 4)
                max = out_size - 4;

        for (; s[n] && n < max; n++) {
                unsigned char c = (unsigned char) s[n];

                out[n] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        if (s[n]) {
                /* Cut: do not leave half a UTF-8 sequence before "...". */
                while (n > 0 && ((unsigned char) out[n - 1] & 0xc0) == 0x80)
                        n--;
                if (n > 0 && (unsigned char) out[n - 1] >= 0xc0)
                        n--;
                if (out_size - n >= 4) {
                        memcpy(out + n, "...", 3);
                        n += 3;
                }
        }
        out[n] = '\0';
        return out;
}

const char *sl_format_time(const struct timespec *ts, char *buf, size_t size) {
        struct tm tm;
        time_t t;

        if (!buf || size == 0)
                return "";
        t = ts->tv_sec;
        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, size, "@%lld", (long long) ts->tv_sec);
        return buf;
}

int sl_read_stream(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_sl_close_ int fd = -1;
        _cleanup_sl_free_ char *buf = NULL;
        size_t have = 0, alloc = 4096;

        if (root_fd < 0 || !path || !ret || max == 0)
                return -EINVAL;
        /* /proc files report size 0: read until the end, up to max. */
        fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (alloc > max)
                alloc = max;
        buf = malloc(alloc + 1);
        if (!buf)
                return -ENOMEM;
        while (have < max) {
                ssize_t n;

                if (have == alloc) {
                        size_t a = alloc * 2 > max ? max : alloc * 2;
                        char *grown = realloc(buf, a + 1);

                        if (!grown)
                                return -ENOMEM;
                        buf = grown;
                        alloc = a;
                }
                n = read(fd, buf + have, alloc - have);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                have += (size_t) n;
        }
        buf[have] = '\0';
        *ret = buf;
        buf = NULL;
        *ret_size = have;
        return 0;
}
