/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "util.h"

int parse_uint64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -errno;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_duration(const char *s, uint64_t *ret_usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                /* Longest first so that "min" wins over "m". */
                { "min", 60 * USEC_PER_SEC },
                { "ms",  USEC_PER_MSEC },
                { "s",   USEC_PER_SEC },
                { "m",   60 * USEC_PER_SEC },
                { "h",   3600 * USEC_PER_SEC },
                { "d",   86400 * USEC_PER_SEC },
                { "w",   7 * 86400 * USEC_PER_SEC },
        };
        uint64_t total = 0;
        unsigned parts = 0;
        const char *p = s;

        if (!s || !*s)
                return -EINVAL;
        while (*p) {
                uint64_t v = 0, unit = USEC_PER_SEC;
                size_t digits = 0;

                while (*p == ' ')
                        p++;
                while (isdigit((unsigned char) *p)) {
                        if (v > UINT64_MAX / 10)
                                return -ERANGE;
                        v = v * 10 + (uint64_t) (*p++ - '0');
                        digits++;
                }
                if (digits == 0)
                        return -EINVAL;
                if (*p && *p != ' ') {
                        size_t i;
                        for (i = 0; i < ELEMENTSOF(units); i++) {
                                size_t l = strlen(units[i].suffix);
                                if (strncmp(p, units[i].suffix, l) == 0 &&
                                    !isalpha((unsigned char) p[l])) {
                                        unit = units[i].usec;
                                        p += l;
                                        break;
                                }
                        }
                        if (i == ELEMENTSOF(units))
                                return -EINVAL;
                } else if (parts > 0)
                        return -EINVAL; /* "1h 30" is ambiguous: a bare number stands alone */
                parts++;
                if (v > (UINT64_MAX - total) / unit)
                        return -ERANGE;
                total += v * unit;
                while (*p == ' ')
                        p++;
        }
        *ret_usec = total;
        return 0;
}

uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

void format_iso8601(uint64_t realtime_usec, char buf[static ISO8601_SIZE]) {
        time_t t = (time_t) (realtime_usec / USEC_PER_SEC);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, ISO8601_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, ISO8601_SIZE, "1970-01-01T00:00:00Z");
}

void sha256_hex(const void *data, size_t size, char out[static SHA256_HEX_SIZE]) {
        unsigned char md[32];
        unsigned len = 0;

        EVP_Digest(data, size, md, &len, EVP_sha256(), NULL);
        for (unsigned i = 0; i < 32; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
        out[64] = '\0';
}

const char *path_skip_root(const char *path) {
        while (*path == '/')
                path++;
        return *path ? path : ".";
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;
        struct stat st;

        fd = openat(dirfd, path_skip_root(path), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;

        for (;;) {
                ssize_t k;

                if (size + 1 >= alloc) {
                        size_t na = alloc ? alloc * 2 : 4096;
                        char *nb;

                        if (alloc > max + 1)
                                return -EFBIG;
                        nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        alloc = na;
                }
                k = read(fd, buf + size, alloc - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size > max)
                        return -EFBIG;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *tmp = NULL, *dircopy = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        const char *p = data;
        int r;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                p += k;
                size -= (size_t) k;
        }
        if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        dircopy = strdup(path);
        if (dircopy) {
                dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0)
                        (void) fsync(dfd);
        }
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}

char *text_sanitize(const char *s, size_t max) {
        size_t n = strnlen(s ? s : "", max);
        char *c = malloc(n + 1);

        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++)
                c[i] = ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
        c[n] = '\0';
        /* Do not leave half a UTF-8 sequence at the cut. */
        if (n == max)
                while (n > 0 && ((unsigned char) c[n - 1] & 0xc0) == 0x80)
                        c[--n] = '\0';
        if (n > 0 && n == max && ((unsigned char) c[n - 1] & 0xc0) == 0xc0)
                c[--n] = '\0';
        return c;
}

int strv_consume(char ***l, size_t *n, char *s) {
        char **nl;

        if (!s)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (*n + 2));
        if (!nl) {
                free(s);
                return -ENOMEM;
        }
        nl[(*n)++] = s;
        nl[*n] = NULL;
        *l = nl;
        return 0;
}

size_t strv_length(char *const *l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

char *strv_join(char *const *l, const char *sep) {
        size_t len = 1, sl = strlen(sep);
        char *r, *p;

        for (size_t i = 0; l && l[i]; i++)
                len += strlen(l[i]) + sl;
        r = p = malloc(len);
        if (!r)
                return NULL;
        *p = '\0';
        for (size_t i = 0; l && l[i]; i++) {
                if (i > 0)
                        p = stpcpy(p, sep);
                p = stpcpy(p, l[i]);
        }
        return r;
}
