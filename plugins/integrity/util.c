/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers of the integrity plugin: evidence text, hex, the path order
 * records are kept in, and two string tables. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "integrity.h"

const char *text_safe(const char *s, size_t max, char *buf, size_t size) {
        size_t o = 0, i;

        if (size == 0)
                return buf;
        if (!s)
                s = "";
        for (i = 0; s[i] && i < max; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c < 0x20 || c == 0x7f || c == '\\') {
                        if (o + 5 >= size)
                                break;
                        o += (size_t) snprintf(buf + o, size - o, "\\x%02x", c);
                        continue;
                }
                if (o + 2 >= size)
                        break;
                buf[o++] = (char) c;
        }
        if (s[i]) {
                /* Cut: do not leave half a UTF-8 sequence before the ellipsis. */
                while (o > 0 && ((unsigned char) buf[o - 1] & 0xC0) == 0x80)
                        o--;
                if (o > 0 && ((unsigned char) buf[o - 1] & 0xC0) == 0xC0)
                        o--;
                while (o + 4 > size && o > 0)
                        o--;
                if (o + 4 <= size) {
                        memcpy(buf + o, "\xe2\x80\xa6", 3);
                        o += 3;
                }
        }
        buf[o] = '\0';
        return buf;
}

void hex_encode(const uint8_t *data, size_t n, char *out) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[data[i] >> 4];
                out[2 * i + 1] = digits[data[i] & 15];
        }
        out[2 * n] = '\0';
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int hex_decode(const char *s, size_t len, uint8_t *out) {
        if (len % 2)
                return -EINVAL;
        for (size_t i = 0; i < len; i += 2) {
                int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i / 2] = (uint8_t) (hi << 4 | lo);
        }
        return 0;
}

/* The string's end first, then '/', then every other byte in byte order. */
static inline unsigned path_rank(unsigned char c) {
        return c == 0 ? 0 : c == '/' ? 1 : (unsigned) c + 2;
}

int path_compare(const char *a, const char *b) {
        const unsigned char *x = (const unsigned char *) a, *y = (const unsigned char *) b;

        while (*x && *x == *y) {
                x++;
                y++;
        }
        if (*x == *y)
                return 0;
        return path_rank(*x) < path_rank(*y) ? -1 : 1;
}

bool path_is_under(const char *path, const char *dir) {
        size_t n = strlen(dir);

        if (n == 1 && dir[0] == '/')
                return path[0] == '/';
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool path_is_normal(const char *p, size_t len) {
        if (len == 0 || len >= IG_PATH_MAX || p[0] != '/')
                return false;
        if (len == 1)
                return true;
        if (p[len - 1] == '/')
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) p[i];

                if (c < 0x20 || c == 0x7f)
                        return false;
                if (c != '/')
                        continue;
                /* A component starts at i + 1. */
                if (i + 1 < len && p[i + 1] == '/')
                        return false;
                if (i + 1 < len && p[i + 1] == '.') {
                        size_t e = i + 2;

                        if (e == len || p[e] == '/')
                                return false;
                        if (p[e] == '.' && (e + 1 == len || p[e + 1] == '/'))
                                return false;
                }
        }
        return true;
}

int path_normalize(const char *in, char **ret) {
        size_t n = strlen(in), o = 0;
        char *out;

        if (n == 0 || in[0] != '/' || n >= IG_PATH_MAX)
                return -EINVAL;
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (in[i] == '/' && o > 0 && out[o - 1] == '/')
                        continue;
                out[o++] = in[i];
        }
        if (o > 1 && out[o - 1] == '/')
                o--;
        out[o] = '\0';
        if (!path_is_normal(out, o)) {
                free(out);
                return -EINVAL;
        }
        *ret = out;
        return 0;
}

const char *path_rel(const char *abs) {
        while (*abs == '/')
                abs++;
        return *abs ? abs : ".";
}

char *path_join(const char *dir, const char *name) {
        size_t a = strlen(dir), b = strlen(name);
        char *p;

        if (a == 1 && dir[0] == '/')
                a = 0;
        if (a + 1 + b >= IG_PATH_MAX) {
                errno = ENAMETOOLONG;
                return NULL;
        }
        p = malloc(a + b + 2);
        if (!p)
                return NULL;
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
        return p;
}

uint64_t clock_usec(int clock) {
        struct timespec ts;

        if (clock_gettime((clockid_t) clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

/* ---- string tables ------------------------------------------------------------ */

/* FNV-1a: short keys, no adversary who gains from collisions beyond a slower
 * lookup (keys are package names and paths dpkg wrote). */
static uint64_t str_hash(const char *s, size_t len) {
        uint64_t h = UINT64_C(14695981039346656037);

        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char) s[i];
                h *= UINT64_C(1099511628211);
        }
        return h;
}

typedef struct MapSlot {
        char *key;
        void *value;
        uint64_t hash;
} MapSlot;

struct StrMap {
        MapSlot *slots;
        size_t n, cap;                  /* cap: a power of two */
};

StrMap *strmap_new(void) {
        StrMap *m = calloc(1, sizeof *m);

        if (!m)
                return NULL;
        m->cap = 64;
        m->slots = calloc(m->cap, sizeof *m->slots);
        if (!m->slots) {
                free(m);
                return NULL;
        }
        return m;
}

StrMap *strmap_free(StrMap *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->cap; i++)
                free(m->slots[i].key);
        free(m->slots);
        free(m);
        return NULL;
}

static MapSlot *map_slot(const StrMap *m, const char *key, size_t len, uint64_t h) {
        for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                MapSlot *s = &m->slots[i];

                if (!s->key)
                        return s;
                if (s->hash == h && strncmp(s->key, key, len) == 0 && s->key[len] == '\0')
                        return s;
        }
}

static int map_grow(StrMap *m) {
        MapSlot *old = m->slots;
        size_t old_cap = m->cap;

        m->slots = calloc(old_cap * 2, sizeof *m->slots);
        if (!m->slots) {
                m->slots = old;
                return -ENOMEM;
        }
        m->cap = old_cap * 2;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].key) {
                        size_t j = old[i].hash & (m->cap - 1);

                        while (m->slots[j].key)
                                j = (j + 1) & (m->cap - 1);
                        m->slots[j] = old[i];
                }
        free(old);
        return 0;
}

int strmap_put(StrMap *m, const char *key, size_t len, void *value) {
        uint64_t h = str_hash(key, len);
        MapSlot *s;

        if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m) < 0)
                return -ENOMEM;
        s = map_slot(m, key, len, h);
        if (!s->key) {
                s->key = strndup(key, len);
                if (!s->key)
                        return -ENOMEM;
                s->hash = h;
                m->n++;
        }
        s->value = value;
        return 0;
}

/* Keys stay (a later put reuses the slot); the value goes. */
void strmap_remove(StrMap *m, const char *key) {
        size_t len = strlen(key);
        MapSlot *s = map_slot(m, key, len, str_hash(key, len));

        if (s->key)
                s->value = NULL;
}

void *strmap_get(const StrMap *m, const char *key) {
        size_t len = strlen(key);
        MapSlot *s = map_slot(m, key, len, str_hash(key, len));

        return s->key ? s->value : NULL;
}

size_t strmap_size(const StrMap *m) {
        return m->n;
}

/* The pool is a map whose values are its own keys. */
struct StrPool {
        StrMap *map;
};

StrPool *strpool_new(void) {
        StrPool *p = calloc(1, sizeof *p);

        if (!p)
                return NULL;
        p->map = strmap_new();
        if (!p->map) {
                free(p);
                return NULL;
        }
        return p;
}

StrPool *strpool_free(StrPool *p) {
        if (!p)
                return NULL;
        strmap_free(p->map);
        free(p);
        return NULL;
}

const char *strpool_intern(StrPool *p, const char *s, size_t len) {
        uint64_t h = str_hash(s, len);
        MapSlot *slot = map_slot(p->map, s, len, h);

        if (slot->key)
                return slot->key;
        if (strmap_put(p->map, s, len, NULL) < 0)
                return NULL;
        slot = map_slot(p->map, s, len, h);
        slot->value = slot->key;
        return slot->key;
}

int read_file_under(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_ig_close_ int fd = -EBADF;
        _cleanup_ig_free_ char *buf = NULL;
        size_t size = 0, allocated;
        struct stat st;

        /* O_NONBLOCK: a FIFO planted at the path must not hang the agent. */
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        allocated = (size_t) st.st_size + 1;
        buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (size + 1 >= allocated) {
                        /* Full: at the end, or it grew while we read (read
                         * on, within max). */
                        size_t want = allocated * 2 > max + 1 ? max + 1 : allocated * 2;
                        char probe, *p;

                        if (want <= allocated) {
                                n = read(fd, &probe, 1);
                                if (n < 0 && errno == EINTR)
                                        continue;
                                if (n < 0)
                                        return -errno;
                                if (n > 0)
                                        return -EFBIG;
                                break;
                        }
                        p = realloc(buf, want);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = want;
                }
                n = read(fd, buf + size, allocated - 1 - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        buf[size] = '\0';
        *ret = buf;
        buf = NULL;
        *ret_size = size;
        return 0;
}
