/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading system files under the host's root prefix: every path is opened
 * with openat() relative to api->root_fd, so that tests (and --root) can
 * point the plugin at a whole fake machine. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts.h"

/* Directories like pwquality.conf.d hold a few files; more than this is
 * not configuration but a flood. */
#define CONF_DIR_MAX 256

int root_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_acc_close_ int fd = -EBADF;
        _cleanup_acc_free_ char *buf = NULL;
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

        allocated = (size_t) st.st_size + 1;
        buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;

        /* The file may grow while we read it: read to EOF, within max. */
        for (;;) {
                ssize_t n;

                if (size + 1 >= allocated) {
                        size_t m = allocated * 2;
                        char *p;

                        if (allocated > max + 1)
                                return -EFBIG;
                        if (m > max + 2)
                                m = max + 2;
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

void names_free(char **names, size_t n) {
        if (!names)
                return;
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int root_list_conf(int root_fd, const char *dir, char ***ret_names, size_t *ret_n) {
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;
        int fd, r = 0;

        while (*dir == '/')
                dir++;

        fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }

        names = calloc(CONF_DIR_MAX, sizeof(*names));
        if (!names) {
                closedir(d);
                return -ENOMEM;
        }

        errno = 0;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);

                /* libpwquality takes "*.conf"; hidden files are editor and
                 * package manager leftovers. */
                if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
                        continue;
                if (n >= CONF_DIR_MAX) {
                        r = -E2BIG;
                        break;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
                errno = 0;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        closedir(d);
        if (r < 0) {
                names_free(names, n);
                return r;
        }

        /* ASCII order, as libpwquality reads them. */
        qsort(names, n, sizeof(*names), name_cmp);
        *ret_names = names;
        *ret_n = n;
        return 0;
}

const char *root_error_text(int r) {
        if (r == -EBADFD)
                return "not a regular file";
        if (r == -EFBIG)
                return "file too large";
        if (r == -E2BIG)
                return "too many files";
        return strerror(r < 0 ? -r : r);
}
