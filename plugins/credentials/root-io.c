/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading under the root prefix and inside users' homes, and the text
 * helpers evidence needs. Every path is relative to api->root_fd (or to a
 * directory opened from it), so that a test or --root can hand the plugin
 * a whole fake machine. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

int cr_read_fd(int fd, size_t max, char **ret, size_t *ret_size) {
        _cleanup_cr_free_ char *buf = NULL;
        struct stat st;
        size_t have = 0, want;

        if (fd < 0 || !ret)
                return -EINVAL;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_size < 0 || (uint64_t) st.st_size > max)
                return -EFBIG;
        want = (size_t) st.st_size;

        buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        /* Read what the size said; a file that grows meanwhile is cut
         * there, one that shrinks is read to its new end. */
        while (have < want) {
                ssize_t n = read(fd, buf + have, want - have);

                if (n < 0) {
                        int r = -errno;

                        if (r == -EINTR)
                                continue;
                        cr_free_secret(buf, have);
                        buf = NULL;
                        return r;
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
        return 0;
}

int cr_read_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size, struct stat *ret_st) {
        _cleanup_cr_close_ int fd = -EBADF;
        int r;

        if (dirfd < 0 || !path || !ret)
                return -EINVAL;
        /* O_NONBLOCK: a FIFO planted where a file should be must not hang
         * the agent; it is refused as not a regular file. */
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (ret_st && fstat(fd, ret_st) < 0)
                return -errno;
        r = cr_read_fd(fd, max, ret, ret_size);
        return r;
}

void cr_free_secret(char *buf, size_t size) {
        if (!buf)
                return;
        explicit_bzero(buf, size);
        free(buf);
}

int cr_home_open(int dirfd, const char *name, bool directory, uid_t owner, struct stat *ret_st) {
        int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (directory ? O_DIRECTORY : 0);
        struct stat st;
        int fd;

        if (dirfd < 0 || !name || !*name)
                return -EINVAL;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;

        if (S_ISLNK(st.st_mode)) {
                fd = openat(dirfd, name, flags);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0) {
                        int r = -errno;

                        close(fd);
                        return r;
                }
                if (st.st_uid != owner) {
                        close(fd);
                        return -EPERM;
                }
        } else {
                /* Swapped for a link since the fstatat(): ELOOP. */
                fd = openat(dirfd, name, flags | O_NOFOLLOW);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0) {
                        int r = -errno;

                        close(fd);
                        return r;
                }
        }
        if (!directory && !S_ISREG(st.st_mode)) {
                close(fd);
                return -EBADFD;
        }
        if (ret_st)
                *ret_st = st;
        return fd;
}

int cr_home_open_path(int dirfd, const char *path, bool directory, uid_t owner, struct stat *ret_st) {
        char buf[1024], *p, *slash;
        int fd = -EBADF;

        if (!path || strlen(path) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, path, strlen(path) + 1);

        for (p = buf; (slash = strchr(p, '/')); p = slash + 1) {
                int next;

                *slash = '\0';
                if (!*p)
                        continue;
                next = cr_home_open(fd >= 0 ? fd : dirfd, p, true, owner, NULL);
                if (fd >= 0)
                        close(fd);
                if (next < 0)
                        return next;
                fd = next;
        }
        {
                int r = cr_home_open(fd >= 0 ? fd : dirfd, p, directory, owner, ret_st);

                if (fd >= 0)
                        close(fd);
                return r;
        }
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void cr_strv_free(char **l, size_t n) {
        for (size_t i = 0; l && i < n; i++)
                free(l[i]);
        free(l);
}

int cr_list_dir(int dirfd, size_t max, bool hidden, char ***ret, size_t *ret_n, size_t *ret_more) {
        char **names = NULL;
        size_t n = 0, more = 0, allocated = 0;
        struct dirent *de;
        DIR *d;
        int fd;

        /* A fresh open of the same directory: dirfd stays the caller's,
         * with its own offset. */
        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;

                close(fd);
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                if (de->d_name[0] == '.' &&
                    (!hidden || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0))
                        continue;
                if (n >= max) {
                        more++;
                        continue;
                }
                if (n == allocated) {
                        size_t m = allocated ? allocated * 2 : 16;
                        char **nl = realloc(names, m * sizeof(char *));

                        if (!nl)
                                goto oom;
                        names = nl;
                        allocated = m;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        goto oom;
                n++;
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof(char *), name_cmp);
        *ret = names;
        *ret_n = n;
        if (ret_more)
                *ret_more = more;
        return 0;

oom:
        closedir(d);
        cr_strv_free(names, n);
        return -ENOMEM;
}

const char *cr_error_text(int r) {
        switch (r) {
        case -EBADFD:
                return "not a regular file";
        case -EFBIG:
                return "larger than any file of its kind";
        case -ELOOP:
                return "a symbolic link";
        case -EPERM:
                return "a symbolic link to something that is not the account's";
        default:
                return strerror(r < 0 ? -r : r);
        }
}

int cr_path_relative(const char *abs, char *buf, size_t size) {
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

const char *cr_text_safe(const char *s, size_t max, char *out, size_t out_size) {
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
