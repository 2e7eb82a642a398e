/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Records (what is known about one path), sorted sets of them, and the
 * comparison of two records in words an administrator reads. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "integrity.h"

static const char *const xattr_names[_XATTR_MAX] = {
        [XATTR_SELINUX] = "security.selinux",
        [XATTR_CAPABILITY] = "security.capability",
        [XATTR_IMA] = "security.ima",
        [XATTR_ACL_ACCESS] = "system.posix_acl_access",
};

const char *xattr_name(XattrId id) {
        return id < _XATTR_MAX ? xattr_names[id] : "?";
}

static void xattrs_free(Xattrs *x) {
        if (!x)
                return;
        for (size_t i = 0; i < _XATTR_MAX; i++)
                free(x->value[i]);
        free(x);
}

void record_done(Record *r) {
        if (!r)
                return;
        free(r->path);
        free(r->link);
        xattrs_free(r->xattrs);
        *r = (Record) {};
}

int record_copy(const Record *from, Record *to) {
        Record c = *from;

        c.path = NULL;
        c.link = NULL;
        c.xattrs = NULL;
        c.path = strdup(from->path);
        if (!c.path)
                goto fail;
        if (from->link && !(c.link = strdup(from->link)))
                goto fail;
        if (from->xattrs) {
                c.xattrs = calloc(1, sizeof *c.xattrs);
                if (!c.xattrs)
                        goto fail;
                c.xattrs->present = from->xattrs->present;
                c.xattrs->hashed = from->xattrs->hashed;
                for (size_t i = 0; i < _XATTR_MAX; i++) {
                        if (!(from->xattrs->present & (1U << i)))
                                continue;
                        c.xattrs->len[i] = from->xattrs->len[i];
                        c.xattrs->value[i] = malloc(from->xattrs->len[i] + 1U);
                        if (!c.xattrs->value[i])
                                goto fail;
                        memcpy(c.xattrs->value[i], from->xattrs->value[i], from->xattrs->len[i]);
                }
        }
        *to = c;
        return 0;
fail:
        record_done(&c);
        return -ENOMEM;
}

void recordset_done(RecordSet *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                record_done(&s->items[i]);
        free(s->items);
        *s = (RecordSet) {};
}

static int recordset_reserve(RecordSet *s, size_t more) {
        Record *n;
        size_t want;

        if (s->n + more <= s->allocated)
                return 0;
        want = s->allocated ? s->allocated * 2 : 64;
        while (want < s->n + more)
                want *= 2;
        n = realloc(s->items, want * sizeof *n);
        if (!n)
                return -ENOMEM;
        s->items = n;
        s->allocated = want;
        return 0;
}

int recordset_push(RecordSet *s, Record *r) {
        if (recordset_reserve(s, 1) < 0)
                return -ENOMEM;
        s->items[s->n++] = *r;
        *r = (Record) {};
        return 0;
}

static int cmp_records(const void *a, const void *b) {
        return path_compare(((const Record *) a)->path, ((const Record *) b)->path);
}

void recordset_sort(RecordSet *s) {
        size_t o = 0;

        if (s->n == 0)
                return;
        qsort(s->items, s->n, sizeof *s->items, cmp_records);
        for (size_t i = 0; i < s->n; i++) {
                if (o > 0 && strcmp(s->items[o - 1].path, s->items[i].path) == 0) {
                        record_done(&s->items[i]);
                        continue;
                }
                s->items[o++] = s->items[i];
        }
        s->n = o;
}

size_t recordset_lower_bound(const RecordSet *s, const char *path) {
        size_t lo = 0, hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (path_compare(s->items[mid].path, path) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

Record *recordset_find(const RecordSet *s, const char *path) {
        size_t i = recordset_lower_bound(s, path);

        return i < s->n && strcmp(s->items[i].path, path) == 0 ? &s->items[i] : NULL;
}

void recordset_range(const RecordSet *s, const char *path, bool tree, size_t *ret_lo,
                     size_t *ret_hi) {
        size_t lo = recordset_lower_bound(s, path), hi = lo;

        /* With '/' ordered first, the subtree follows the path at once. */
        while (hi < s->n && (tree ? path_is_under(s->items[hi].path, path)
                                  : strcmp(s->items[hi].path, path) == 0))
                hi++;
        *ret_lo = lo;
        *ret_hi = hi;
}

int recordset_splice(RecordSet *s, size_t lo, size_t hi, RecordSet *with) {
        size_t removed = hi - lo;

        if (with->n > removed && recordset_reserve(s, with->n - removed) < 0)
                return -ENOMEM;
        for (size_t i = lo; i < hi; i++)
                record_done(&s->items[i]);
        memmove(s->items + lo + with->n, s->items + hi, (s->n - hi) * sizeof *s->items);
        if (with->n)
                memcpy(s->items + lo, with->items, with->n * sizeof *s->items);
        s->n = s->n - removed + with->n;
        free(with->items);
        *with = (RecordSet) {};
        return 0;
}

/* ---- comparing ------------------------------------------------------------------ */

static bool xattr_equal(const Xattrs *a, const Xattrs *b, XattrId id) {
        unsigned bit = 1U << id;
        bool pa = a && (a->present & bit), pb = b && (b->present & bit);

        if (pa != pb)
                return false;
        if (!pa)
                return true;
        return (a->hashed & bit) == (b->hashed & bit) && a->len[id] == b->len[id] &&
               memcmp(a->value[id], b->value[id], a->len[id]) == 0;
}

uint32_t record_diff(const Record *a, const Record *b, uint32_t attrs) {
        uint32_t d = 0;
        bool dir;

        if (!a && !b)
                return 0;
        if (!a)
                return CHANGE_ADDED;
        if (!b)
                return CHANGE_REMOVED;
        if (a->type != b->type)
                return CHANGE_TYPE;
        dir = a->type == REC_DIR;

        /* Content unknown now (unreadable): the scan reports that as an
         * error. Unknown before (recorded while unreadable) and known now:
         * nobody accepted these bytes, so they count as changed. */
        if ((attrs & ATTR_CONTENT) && a->type == REC_FILE && (b->flags & REC_HAS_HASH) &&
            (!(a->flags & REC_HAS_HASH) || memcmp(a->sha256, b->sha256, sizeof a->sha256) != 0))
                d |= ATTR_CONTENT;
        if ((attrs & ATTR_MODE) && a->mode != b->mode)
                d |= ATTR_MODE;
        if ((attrs & ATTR_OWNER) && (a->uid != b->uid || a->gid != b->gid))
                d |= ATTR_OWNER;
        if ((attrs & ATTR_SIZE) && !dir && a->type != REC_LINK && a->size != b->size)
                d |= ATTR_SIZE;
        if ((attrs & ATTR_MTIME) && !dir &&
            (a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec))
                d |= ATTR_MTIME;
        if ((attrs & ATTR_INODE) && a->ino != b->ino)
                d |= ATTR_INODE;
        if ((attrs & ATTR_LINK) && a->type == REC_LINK &&
            strcmp(a->link ? a->link : "", b->link ? b->link : "") != 0)
                d |= ATTR_LINK;
        if (attrs & ATTR_XATTRS)
                for (unsigned i = 0; i < _XATTR_MAX; i++)
                        if (!xattr_equal(a->xattrs, b->xattrs, (XattrId) i)) {
                                d |= ATTR_XATTRS;
                                break;
                        }
        return d;
}

const char *rec_type_name(uint8_t type) {
        switch (type) {
        case REC_FILE:
                return "file";
        case REC_DIR:
                return "directory";
        case REC_LINK:
                return "symlink";
        case REC_CHR:
                return "character device";
        case REC_BLK:
                return "block device";
        case REC_FIFO:
                return "fifo";
        case REC_SOCK:
                return "socket";
        default:
                return "unknown";
        }
}

/* An appending writer that never overflows and always stays terminated. */
typedef struct Out {
        char *buf;
        size_t size, len;
        bool first;
} Out;

static void IG_PRINTF(2, 3) out_add(Out *o, const char *fmt, ...) {
        va_list ap;
        int n;

        if (o->len + 1 >= o->size)
                return;
        if (!o->first) {
                n = snprintf(o->buf + o->len, o->size - o->len, ", ");
                o->len += (size_t) n < o->size - o->len ? (size_t) n : o->size - o->len - 1;
        }
        o->first = false;
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        o->len += (size_t) n < o->size - o->len ? (size_t) n : o->size - o->len - 1;
}

/* "ab12cd34ef56…": enough for a person to compare, short enough for one line. */
static const char *short_hash(const Record *r, char buf[32]) {
        char full[65];

        if (!(r->flags & REC_HAS_HASH))
                return "unknown";
        hex_encode(r->sha256, sizeof r->sha256, full);
        snprintf(buf, 32, "%.12s\xe2\x80\xa6", full);
        return buf;
}

static const char *format_time(int64_t sec, uint32_t nsec, bool with_nsec, char buf[48]) {
        struct tm tm;
        time_t t = (time_t) sec;
        size_t n;

        if (!gmtime_r(&t, &tm)) {
                snprintf(buf, 48, "%lld", (long long) sec);
                return buf;
        }
        n = strftime(buf, 48, "%Y-%m-%dT%H:%M:%S", &tm);
        if (with_nsec)
                snprintf(buf + n, 48 - n, ".%09uZ", nsec);
        else
                snprintf(buf + n, 48 - n, "Z");
        return buf;
}

/* A label is shown when it is text (SELinux contexts are); other values,
 * binary capabilities and ACLs, only as "changed". */
static bool xattr_printable(const Xattrs *x, XattrId id) {
        unsigned bit = 1U << id;
        size_t len;

        if (!x || !(x->present & bit) || (x->hashed & bit))
                return false;
        len = x->len[id];
        if (len > 0 && x->value[id][len - 1] == '\0')
                len--;
        for (size_t i = 0; i < len; i++)
                if (x->value[id][i] < 0x20 || x->value[id][i] >= 0x7f)
                        return false;
        return len > 0;
}

static const char *xattr_text(const Xattrs *x, XattrId id, char *buf, size_t size) {
        char raw[XATTR_VALUE_MAX + 1];
        size_t len = x->len[id];

        memcpy(raw, x->value[id], len);
        raw[len] = '\0';
        return text_safe(raw, 64, buf, size);
}

static void describe_xattrs(Out *o, const Xattrs *a, const Xattrs *b) {
        for (unsigned i = 0; i < _XATTR_MAX; i++) {
                unsigned bit = 1U << i;
                char ta[96], tb[96];

                if (xattr_equal(a, b, (XattrId) i))
                        continue;
                if (!(a && (a->present & bit)))
                        out_add(o, "%s set", xattr_name((XattrId) i));
                else if (!(b && (b->present & bit)))
                        out_add(o, "%s removed", xattr_name((XattrId) i));
                else if (xattr_printable(a, (XattrId) i) && xattr_printable(b, (XattrId) i))
                        out_add(o, "%s \"%s\" -> \"%s\"", xattr_name((XattrId) i),
                                xattr_text(a, (XattrId) i, ta, sizeof ta),
                                xattr_text(b, (XattrId) i, tb, sizeof tb));
                else
                        out_add(o, "%s changed", xattr_name((XattrId) i));
        }
}

void record_summary(const Record *r, char *buf, size_t size) {
        Out o = { buf, size, 0, true };
        char h[32], t[IG_PATH_MAX];

        if (size == 0)
                return;
        buf[0] = '\0';
        out_add(&o, "%s", rec_type_name(r->type));
        o.first = false;
        if (r->type == REC_FILE)
                out_add(&o, "%llu bytes", (unsigned long long) r->size);
        if (r->type == REC_LINK)
                out_add(&o, "to \"%s\"", text_safe(r->link, 96, t, sizeof t));
        out_add(&o, "mode %04o", r->mode);
        out_add(&o, "owner %u:%u", r->uid, r->gid);
        if (r->type == REC_FILE)
                out_add(&o, "sha256 %s", short_hash(r, h));
        if (r->pkg)
                out_add(&o, "from package %s %s", r->pkg, r->pkg_version ? r->pkg_version : "");
}

void record_describe(const Record *a, const Record *b, uint32_t changed, char *buf, size_t size) {
        Out o = { buf, size, 0, true };
        char x[48], y[48], s[IG_PATH_MAX];

        if (size == 0)
                return;
        buf[0] = '\0';
        if (changed & CHANGE_ADDED) {
                record_summary(b, s, sizeof s);
                out_add(&o, "added (%s)", s);
                return;
        }
        if (changed & CHANGE_REMOVED) {
                record_summary(a, s, sizeof s);
                out_add(&o, "removed (was %s)", s);
                return;
        }
        if (changed & CHANGE_TYPE) {
                record_summary(b, s, sizeof s);
                out_add(&o, "type changed (%s -> %s)", rec_type_name(a->type), s);
                return;
        }
        if (changed & ATTR_CONTENT)
                out_add(&o, "content changed (sha256 %s -> %s)", short_hash(a, x), short_hash(b, y));
        if (changed & ATTR_MODE)
                out_add(&o, "mode %04o -> %04o", a->mode, b->mode);
        if (changed & ATTR_OWNER)
                out_add(&o, "owner %u:%u -> %u:%u", a->uid, a->gid, b->uid, b->gid);
        if (changed & ATTR_SIZE)
                out_add(&o, "size %llu -> %llu", (unsigned long long) a->size,
                        (unsigned long long) b->size);
        if (changed & ATTR_MTIME) {
                bool ns = a->mtime_sec == b->mtime_sec;

                out_add(&o, "mtime %s -> %s", format_time(a->mtime_sec, a->mtime_nsec, ns, x),
                        format_time(b->mtime_sec, b->mtime_nsec, ns, y));
        }
        if (changed & ATTR_INODE)
                out_add(&o, "inode %llu -> %llu (replaced)", (unsigned long long) a->ino,
                        (unsigned long long) b->ino);
        if (changed & ATTR_LINK) {
                char ta[160];

                out_add(&o, "link target \"%s\" -> \"%s\"", text_safe(a->link, 64, ta, sizeof ta),
                        text_safe(b->link, 64, s, sizeof s));
        }
        if (changed & ATTR_XATTRS)
                describe_xattrs(&o, a->xattrs, b->xattrs);
}
