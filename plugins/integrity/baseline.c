/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The baseline as stored in the agent's state database: a compact binary
 * form, little-endian, with a format version up front and a SHA-256 of
 * everything before it at the end (it catches a truncated or damaged blob;
 * it cannot stop root, who can also rewrite the database).
 *
 *   "MIBL" u16 version u16 flags(0) u64 recorded_usec
 *   u8 recursive
 *   u16 n_paths    { u16 len, bytes }      the watch list it was recorded for
 *   u16 n_excludes { u16 len, bytes }
 *   u32 n_strings  { u16 len, bytes }      package names and versions
 *   u32 n_records  { record }              sorted by path_compare
 *   u8[32] sha256
 *
 *   record: u16 shared-with-previous-path u16 suffix-len suffix
 *           u8 type u8 flags u32 mode u32 uid u32 gid u64 size u64 ino
 *           i64 mtime_sec u32 mtime_nsec i64 ctime_sec u32 ctime_nsec
 *           [flags & HASH]   u8[32] sha256
 *           [flags & LINK]   u16 len, bytes
 *           [flags & PKG]    u32 package string, u32 version string
 *           [flags & XATTRS] u8 present u8 hashed { u16 len, bytes } per present
 *
 * Paths share their prefix with the path before them: a tree's paths mostly
 * do, and /usr's baseline shrinks by half. */
#include <string.h>

#include <openssl/evp.h>

#include "integrity.h"

#define MAGIC "MIBL"
#define HEADER_MIN (4 + 2 + 2 + 8 + 1 + 2 + 2 + 4 + 4)
#define RECORD_MIN (2 + 2 + 1 + 1 + 4 + 4 + 4 + 8 + 8 + 8 + 4 + 8 + 4)
#define TRAILER 32
#define STRING_MAX 1024

/* ---- writing ------------------------------------------------------------------- */

typedef struct Writer {
        uint8_t *buf;
        size_t len, cap;
        bool oom;
} Writer;

static uint8_t *w_reserve(Writer *w, size_t n) {
        if (w->oom)
                return NULL;
        if (w->len + n > w->cap) {
                size_t cap = w->cap ? w->cap : 4096;
                uint8_t *b;

                while (cap < w->len + n)
                        cap *= 2;
                b = realloc(w->buf, cap);
                if (!b) {
                        w->oom = true;
                        return NULL;
                }
                w->buf = b;
                w->cap = cap;
        }
        w->len += n;
        return w->buf + w->len - n;
}

static void w_le(Writer *w, uint64_t v, size_t n) {
        uint8_t *p = w_reserve(w, n);

        if (p)
                for (size_t i = 0; i < n; i++)
                        p[i] = (uint8_t) (v >> (8 * i));
}

static void w_bytes(Writer *w, const void *data, size_t n) {
        uint8_t *p = w_reserve(w, n);

        if (p && n)
                memcpy(p, data, n);
}

static void w_str16(Writer *w, const char *s, size_t n) {
        w_le(w, n, 2);
        w_bytes(w, s, n);
}

static int string_index(StrMap *m, char ***strings, size_t *n, const char *s, uint32_t *ret) {
        void *v = strmap_get(m, s);

        if (!v) {
                char **l = realloc(*strings, (*n + 1) * sizeof *l);

                if (!l)
                        return -ENOMEM;
                *strings = l;
                l[*n] = (char *) s;
                (*n)++;
                v = (void *) (uintptr_t) *n;    /* index + 1: never NULL */
                if (strmap_put(m, s, strlen(s), v) < 0)
                        return -ENOMEM;
        }
        *ret = (uint32_t) ((uintptr_t) v - 1);
        return 0;
}

int baseline_serialize(const Baseline *b, uint8_t **ret, size_t *ret_size) {
        Writer w = {};
        StrMap *m = strmap_new();
        char **strings = NULL;
        size_t n_strings = 0;
        uint32_t *pkg_idx = NULL;
        const char *prev = "";
        int r = -ENOMEM;

        if (!m)
                return -ENOMEM;
        if (b->records.n > 0) {
                pkg_idx = calloc(b->records.n * 2, sizeof *pkg_idx);
                if (!pkg_idx)
                        goto finish;
        }
        for (size_t i = 0; i < b->records.n; i++) {
                const Record *rec = &b->records.items[i];

                if (!(rec->flags & REC_HAS_PKG))
                        continue;
                if (string_index(m, &strings, &n_strings, rec->pkg, &pkg_idx[2 * i]) < 0 ||
                    string_index(m, &strings, &n_strings, rec->pkg_version ? rec->pkg_version : "",
                                 &pkg_idx[2 * i + 1]) < 0)
                        goto finish;
        }

        w_bytes(&w, MAGIC, 4);
        w_le(&w, BASELINE_VERSION, 2);
        w_le(&w, 0, 2);
        w_le(&w, b->recorded_usec, 8);
        w_le(&w, b->set.recursive, 1);
        w_le(&w, b->set.n_paths, 2);
        for (size_t i = 0; i < b->set.n_paths; i++)
                w_str16(&w, b->set.paths[i], strlen(b->set.paths[i]));
        w_le(&w, b->set.n_excludes, 2);
        for (size_t i = 0; i < b->set.n_excludes; i++)
                w_str16(&w, b->set.excludes[i], strlen(b->set.excludes[i]));
        w_le(&w, n_strings, 4);
        for (size_t i = 0; i < n_strings; i++)
                w_str16(&w, strings[i], strlen(strings[i]));
        w_le(&w, b->records.n, 4);
        for (size_t i = 0; i < b->records.n; i++) {
                const Record *rec = &b->records.items[i];
                size_t shared = 0, len = strlen(rec->path);
                uint8_t flags = rec->flags & _REC_FLAGS_ALL;

                while (prev[shared] && prev[shared] == rec->path[shared])
                        shared++;
                w_le(&w, shared, 2);
                w_str16(&w, rec->path + shared, len - shared);
                prev = rec->path;

                if (!rec->link)
                        flags &= (uint8_t) ~REC_HAS_LINK;
                if (!rec->pkg)
                        flags &= (uint8_t) ~REC_HAS_PKG;
                if (!rec->xattrs || rec->xattrs->present == 0)
                        flags &= (uint8_t) ~REC_HAS_XATTRS;
                w_le(&w, rec->type, 1);
                w_le(&w, flags, 1);
                w_le(&w, rec->mode, 4);
                w_le(&w, rec->uid, 4);
                w_le(&w, rec->gid, 4);
                w_le(&w, rec->size, 8);
                w_le(&w, rec->ino, 8);
                w_le(&w, (uint64_t) rec->mtime_sec, 8);
                w_le(&w, rec->mtime_nsec, 4);
                w_le(&w, (uint64_t) rec->ctime_sec, 8);
                w_le(&w, rec->ctime_nsec, 4);
                if (flags & REC_HAS_HASH)
                        w_bytes(&w, rec->sha256, 32);
                if (flags & REC_HAS_LINK)
                        w_str16(&w, rec->link, strlen(rec->link));
                if (flags & REC_HAS_PKG) {
                        w_le(&w, pkg_idx[2 * i], 4);
                        w_le(&w, pkg_idx[2 * i + 1], 4);
                }
                if (flags & REC_HAS_XATTRS) {
                        w_le(&w, rec->xattrs->present, 1);
                        w_le(&w, rec->xattrs->hashed, 1);
                        for (unsigned x = 0; x < _XATTR_MAX; x++)
                                if (rec->xattrs->present & (1U << x))
                                        w_str16(&w, (const char *) rec->xattrs->value[x],
                                                rec->xattrs->len[x]);
                }
        }
        if (w.oom)
                goto finish;
        {
                uint8_t sum[32];
                unsigned int n = sizeof sum;

                if (EVP_Digest(w.buf, w.len, sum, &n, EVP_sha256(), NULL) != 1) {
                        r = -EIO;
                        goto finish;
                }
                w_bytes(&w, sum, sizeof sum);
        }
        if (w.oom)
                goto finish;
        *ret = w.buf;
        *ret_size = w.len;
        w.buf = NULL;
        r = 0;
finish:
        free(w.buf);
        free(strings);
        free(pkg_idx);
        strmap_free(m);
        return r;
}

/* ---- reading --------------------------------------------------------------------- */

typedef struct Reader {
        const uint8_t *p;
        size_t left;
        bool bad;
} Reader;

static uint64_t r_le(Reader *r, size_t n) {
        uint64_t v = 0;

        if (r->bad || r->left < n) {
                r->bad = true;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t) r->p[i] << (8 * i);
        r->p += n;
        r->left -= n;
        return v;
}

static const uint8_t *r_bytes(Reader *r, size_t n) {
        const uint8_t *p = r->p;

        if (r->bad || r->left < n) {
                r->bad = true;
                return NULL;
        }
        r->p += n;
        r->left -= n;
        return p;
}

/* A u16-length string without NUL bytes, copied. */
static char *r_str16(Reader *r, size_t max) {
        size_t n = (size_t) r_le(r, 2);
        const uint8_t *p;
        char *s;

        if (n > max)
                r->bad = true;
        p = r_bytes(r, n);
        if (!p || memchr(p, '\0', n)) {
                r->bad = true;
                return NULL;
        }
        s = malloc(n + 1);
        if (!s)
                return NULL;
        memcpy(s, p, n);
        s[n] = '\0';
        return s;
}

Baseline *baseline_free(Baseline *b) {
        if (!b)
                return NULL;
        watchset_done(&b->set);
        recordset_done(&b->records);
        free(b);
        return NULL;
}

static void baseline_freep(Baseline **b) {
        baseline_free(*b);
}

static void strv_free_count(char **l, size_t n) {
        if (!l)
                return;
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
}

static int parse_watchset(Reader *r, Baseline *b) {
        char **paths = NULL, **excludes = NULL;
        size_t n_paths, n_excludes = 0;
        uint64_t recursive;
        int k = -EBADMSG;

        recursive = r_le(r, 1);
        n_paths = (size_t) r_le(r, 2);
        if (r->bad || recursive > 1 || n_paths == 0 || n_paths > WATCH_PATHS_MAX)
                return -EBADMSG;
        paths = calloc(n_paths, sizeof *paths);
        if (!paths)
                return -ENOMEM;
        for (size_t i = 0; i < n_paths; i++) {
                paths[i] = r_str16(r, IG_PATH_MAX - 1);
                if (!paths[i]) {
                        k = r->bad ? -EBADMSG : -ENOMEM;
                        goto finish;
                }
                if (!path_is_normal(paths[i], strlen(paths[i])))
                        goto finish;
        }
        n_excludes = (size_t) r_le(r, 2);
        if (r->bad || n_excludes > WATCH_EXCLUDES_MAX) {
                n_excludes = 0;
                goto finish;
        }
        excludes = calloc(n_excludes + 1, sizeof *excludes);
        if (!excludes) {
                k = -ENOMEM;
                goto finish;
        }
        for (size_t j = 0; j < n_excludes; j++) {
                excludes[j] = r_str16(r, GLOB_PATTERN_MAX);
                if (!excludes[j]) {
                        k = r->bad ? -EBADMSG : -ENOMEM;
                        goto finish;
                }
        }
        k = watchset_init(&b->set, (const char *const *) paths, n_paths,
                          (const char *const *) excludes, n_excludes, recursive == 1);
        if (k == -EINVAL || k == -E2BIG)
                k = -EBADMSG;
finish:
        /* Both lists were zeroed when allocated: unread slots are NULL. */
        strv_free_count(paths, n_paths);
        strv_free_count(excludes, n_excludes);
        return k;
}

static int parse_record(Reader *r, const char *prev, const char *const *strings,
                        size_t n_strings, Record *rec) {
        size_t shared, suffix, prev_len = strlen(prev);
        const uint8_t *p;
        uint8_t flags;

        shared = (size_t) r_le(r, 2);
        suffix = (size_t) r_le(r, 2);
        if (r->bad || shared > prev_len || shared + suffix >= IG_PATH_MAX || suffix == 0)
                return -EBADMSG;
        p = r_bytes(r, suffix);
        if (!p)
                return -EBADMSG;
        rec->path = malloc(shared + suffix + 1);
        if (!rec->path)
                return -ENOMEM;
        memcpy(rec->path, prev, shared);
        memcpy(rec->path + shared, p, suffix);
        rec->path[shared + suffix] = '\0';
        if (memchr(p, '\0', suffix) || !path_is_normal(rec->path, shared + suffix))
                return -EBADMSG;
        /* Strictly increasing: sorted, no duplicates. */
        if (prev_len > 0 && path_compare(prev, rec->path) >= 0)
                return -EBADMSG;

        rec->type = (uint8_t) r_le(r, 1);
        flags = (uint8_t) r_le(r, 1);
        rec->mode = (uint32_t) r_le(r, 4);
        rec->uid = (uint32_t) r_le(r, 4);
        rec->gid = (uint32_t) r_le(r, 4);
        rec->size = r_le(r, 8);
        rec->ino = r_le(r, 8);
        rec->mtime_sec = (int64_t) r_le(r, 8);
        rec->mtime_nsec = (uint32_t) r_le(r, 4);
        rec->ctime_sec = (int64_t) r_le(r, 8);
        rec->ctime_nsec = (uint32_t) r_le(r, 4);
        if (r->bad)
                return -EBADMSG;
        switch (rec->type) {
        case REC_FILE: case REC_DIR: case REC_LINK: case REC_CHR:
        case REC_BLK: case REC_FIFO: case REC_SOCK:
                break;
        default:
                return -EBADMSG;
        }
        if ((flags & ~_REC_FLAGS_ALL) || rec->mode > 07777 || rec->mtime_nsec >= 1000000000U ||
            rec->ctime_nsec >= 1000000000U)
                return -EBADMSG;
        if ((flags & (REC_HAS_HASH | REC_HAS_PKG)) && rec->type != REC_FILE)
                return -EBADMSG;
        if ((flags & REC_HAS_LINK) && rec->type != REC_LINK)
                return -EBADMSG;
        rec->flags = flags;

        if (flags & REC_HAS_HASH) {
                p = r_bytes(r, 32);
                if (!p)
                        return -EBADMSG;
                memcpy(rec->sha256, p, 32);
        }
        if (flags & REC_HAS_LINK) {
                rec->link = r_str16(r, IG_PATH_MAX - 1);
                if (!rec->link)
                        return r->bad ? -EBADMSG : -ENOMEM;
                if (!rec->link[0])
                        return -EBADMSG;
        }
        if (flags & REC_HAS_PKG) {
                uint32_t a = (uint32_t) r_le(r, 4), v = (uint32_t) r_le(r, 4);

                if (r->bad || a >= n_strings || v >= n_strings || !strings[a][0])
                        return -EBADMSG;
                rec->pkg = strings[a];
                rec->pkg_version = strings[v];
        }
        if (flags & REC_HAS_XATTRS) {
                uint8_t present = (uint8_t) r_le(r, 1), hashed = (uint8_t) r_le(r, 1);

                if (r->bad || present == 0 || (present & ~((1U << _XATTR_MAX) - 1)) ||
                    (hashed & ~present))
                        return -EBADMSG;
                rec->xattrs = calloc(1, sizeof *rec->xattrs);
                if (!rec->xattrs)
                        return -ENOMEM;
                rec->xattrs->present = present;
                rec->xattrs->hashed = hashed;
                for (unsigned x = 0; x < _XATTR_MAX; x++) {
                        size_t n;

                        if (!(present & (1U << x)))
                                continue;
                        n = (size_t) r_le(r, 2);
                        if (r->bad || n > XATTR_VALUE_MAX || ((hashed & (1U << x)) && n != 32))
                                return -EBADMSG;
                        p = r_bytes(r, n);
                        if (!p)
                                return -EBADMSG;
                        rec->xattrs->value[x] = malloc(n + 1);
                        if (!rec->xattrs->value[x])
                                return -ENOMEM;
                        memcpy(rec->xattrs->value[x], p, n);
                        rec->xattrs->len[x] = (uint16_t) n;
                }
        }
        return 0;
}

int baseline_parse(const void *buf, size_t size, bool verify_checksum, StrPool *pool,
                   Baseline **ret) {
        _cleanup_(baseline_freep) Baseline *b = NULL;
        const char **strings = NULL;
        size_t n_strings = 0, n_records;
        Reader r;
        int k = -EBADMSG;

        if (!buf || size < HEADER_MIN + TRAILER)
                return -EBADMSG;
        if (memcmp(buf, MAGIC, 4) != 0)
                return -EBADMSG;
        r = (Reader) { (const uint8_t *) buf + 4, size - 4 - TRAILER, false };
        if (r_le(&r, 2) != BASELINE_VERSION)
                return -EPROTONOSUPPORT;
        if (verify_checksum) {
                uint8_t sum[32];
                unsigned int n = sizeof sum;

                if (EVP_Digest(buf, size - TRAILER, sum, &n, EVP_sha256(), NULL) != 1)
                        return -EIO;
                if (memcmp(sum, (const uint8_t *) buf + size - TRAILER, TRAILER) != 0)
                        return -EBADMSG;
        }
        if (r_le(&r, 2) != 0)
                return -EBADMSG;        /* flags: none defined in version 1 */

        b = calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        b->recorded_usec = r_le(&r, 8);
        k = parse_watchset(&r, b);
        if (k < 0)
                return k;

        n_strings = (size_t) r_le(&r, 4);
        if (r.bad || n_strings > r.left / 2)
                return -EBADMSG;
        strings = calloc(n_strings + 1, sizeof *strings);
        if (!strings)
                return -ENOMEM;
        k = 0;
        for (size_t i = 0; i < n_strings; i++) {
                size_t n = (size_t) r_le(&r, 2);
                const uint8_t *p;

                if (n > STRING_MAX)
                        r.bad = true;
                p = r_bytes(&r, n);
                if (!p || memchr(p, '\0', n)) {
                        k = -EBADMSG;
                        break;
                }
                strings[i] = strpool_intern(pool, (const char *) p, n);
                if (!strings[i]) {
                        k = -ENOMEM;
                        break;
                }
        }
        if (k < 0)
                goto finish;

        k = -EBADMSG;
        n_records = (size_t) r_le(&r, 4);
        if (r.bad || n_records > r.left / RECORD_MIN)
                goto finish;
        if (n_records > 0) {
                b->records.items = calloc(n_records, sizeof *b->records.items);
                if (!b->records.items) {
                        k = -ENOMEM;
                        goto finish;
                }
                b->records.allocated = n_records;
        }
        for (size_t i = 0; i < n_records; i++) {
                Record *rec = &b->records.items[i];
                const char *prev = i > 0 ? b->records.items[i - 1].path : "";

                k = parse_record(&r, prev, strings, n_strings, rec);
                b->records.n = i + 1;   /* freed with the set even when half-read */
                if (k < 0)
                        goto finish;
        }
        k = r.left == 0 && !r.bad ? 0 : -EBADMSG;
finish:
        free(strings);
        if (k < 0)
                return k;
        *ret = b;
        b = NULL;
        return 0;
}
