/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A writer for GVDB files shaped like dconf's compiled databases, the
 * counterpart of gvdb.c (read that file's header for the format).
 *
 * Facts relied on (GLib's gvdb-builder.c as dconf uses it in
 * bin/dconf-update.vala):
 *   - dconf inserts "/" and, for each key, its parent directories
 *     ("/org/", "/org/gnome/", ...), each item pointing at its parent
 *     item; an item stores only its own piece of the name (the full name
 *     less the parent's). A directory is an 'L' item listing its
 *     children's item numbers; a key is a 'v' item.
 *   - Locks are a nested table under ".locks" (an 'H' item, no parent)
 *     whose items are the lock keys, each with an empty string value.
 *   - A table has as many buckets as items; an item goes into bucket
 *     hash % n_buckets and items are stored bucket by bucket, each
 *     bucket word holding the number of its first item. With no bloom
 *     words the filter is off.
 *   - Values are 8-aligned, tables and lists 4-aligned, names unaligned;
 *     everything little-endian (the "GVariant" signature as written). */
#include <string.h>

#include "screenlock-enforce.h"

#define NO_PARENT 0xffffffffU

typedef struct WItem {
        char *name;                     /* full name */
        size_t parent;                  /* index in the item array, or SIZE_MAX */
        const GvdbEntry *value;         /* 'v' */
        bool is_dir;                    /* 'L' */
        bool is_table;                  /* 'H': the locks */
        uint32_t hash;
        uint32_t assigned;              /* item number in the file */
} WItem;

typedef struct WTable {
        WItem *items;
        size_t n;
} WTable;

static uint32_t name_hash(const char *s) {
        uint32_t h = 5381;

        for (; *s; s++)
                h = h * 33 + (uint32_t) (int32_t) (signed char) *s;
        return h;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
        p[2] = (uint8_t) (v >> 16);
        p[3] = (uint8_t) (v >> 24);
}

static int table_find(const WTable *t, const char *name, size_t *ret) {
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->items[i].name, name) == 0) {
                        *ret = i;
                        return 1;
                }
        return 0;
}

static int table_add(WTable *t, const char *name, size_t len, size_t *ret) {
        WItem *grown;
        char *copy;

        copy = strndup(name, len);
        if (!copy)
                return -ENOMEM;
        grown = realloc(t->items, (t->n + 1) * sizeof(*grown));
        if (!grown) {
                free(copy);
                return -ENOMEM;
        }
        t->items = grown;
        t->items[t->n] = (WItem) { .name = copy, .parent = SIZE_MAX };
        *ret = t->n++;
        return 0;
}

static void table_done(WTable *t) {
        for (size_t i = 0; i < t->n; i++)
                free(t->items[i].name);
        free(t->items);
        *t = (WTable) {};
}

/* The directory item for name[0..len) (ending in '/'), made with its own
 * parents when missing. */
static int ensure_dir(WTable *t, const char *name, size_t len, size_t *ret) {
        char buf[4096];
        size_t i, plen;
        int r;

        if (len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, name, len);
        buf[len] = '\0';
        if (table_find(t, buf, &i) > 0) {
                *ret = i;
                return 0;
        }
        r = table_add(t, name, len, &i);
        if (r < 0)
                return r;
        t->items[i].is_dir = true;
        if (len > 1) {
                size_t p;

                /* The parent: up to and including the '/' before the last piece. */
                plen = len - 1;
                while (plen > 0 && name[plen - 1] != '/')
                        plen--;
                r = ensure_dir(t, name, plen, &p);
                if (r < 0)
                        return r;
                t->items[i].parent = p;
        }
        *ret = i;
        return 0;
}

static bool key_valid(const char *k) {
        size_t n = strlen(k);

        return n >= 2 && k[0] == '/' && k[n - 1] != '/' && !strstr(k, "//") && n < 4096;
}

static int write_table(GvBuf *f, WTable *t, WTable *nested, uint32_t *ret_start, uint32_t *ret_end);

/* Appends one item's name piece and payload; fills its 24-byte record. */
static int write_item(GvBuf *f, WTable *t, size_t i, WTable *nested, uint8_t rec[24]) {
        const WItem *it = &t->items[i];
        const char *piece = it->name;
        size_t piece_len, start;
        uint32_t ps = 0, pe = 0;
        char type;
        int r;

        if (it->parent != SIZE_MAX)
                piece += strlen(t->items[it->parent].name);
        piece_len = strlen(piece);
        if (piece_len > 0xffff)
                return -E2BIG;
        start = f->size;
        r = gv_buf_put(f, piece, piece_len);
        if (r < 0)
                return r;
        if (f->size > UINT32_MAX)
                return -E2BIG;

        put32(rec, it->hash);
        put32(rec + 4, it->parent == SIZE_MAX ? NO_PARENT : t->items[it->parent].assigned);
        put32(rec + 8, (uint32_t) start);
        rec[12] = (uint8_t) piece_len;
        rec[13] = (uint8_t) (piece_len >> 8);

        if (it->value) {
                static const uint8_t zero = 0;

                type = 'v';
                r = gv_buf_pad(f, 8, 0);
                if (r < 0)
                        return r;
                ps = (uint32_t) f->size;
                r = gv_buf_put(f, it->value->value.data, it->value->value.size);
                if (r >= 0)
                        r = gv_buf_put(f, &zero, 1);
                if (r >= 0)
                        r = gv_buf_put(f, it->value->type, strlen(it->value->type));
                if (r < 0)
                        return r;
                pe = (uint32_t) f->size;
        } else if (it->is_table) {
                type = 'H';
                r = write_table(f, nested, NULL, &ps, &pe);
                if (r < 0)
                        return r;
        } else {
                type = 'L';
                r = gv_buf_pad(f, 4, 0);
                if (r < 0)
                        return r;
                ps = (uint32_t) f->size;
                for (size_t c = 0; c < t->n; c++) {
                        uint8_t w[4];

                        if (t->items[c].parent != i)
                                continue;
                        put32(w, t->items[c].assigned);
                        r = gv_buf_put(f, w, 4);
                        if (r < 0)
                                return r;
                }
                pe = (uint32_t) f->size;
        }
        if (f->size > UINT32_MAX)
                return -E2BIG;
        rec[14] = (uint8_t) type;
        rec[15] = 0;
        put32(rec + 16, ps);
        put32(rec + 20, pe);
        return 0;
}

static int write_table(GvBuf *f, WTable *t, WTable *nested, uint32_t *ret_start, uint32_t *ret_end) {
        uint32_t n_buckets = (uint32_t) t->n;
        size_t table_off, table_size, *order = NULL;
        uint8_t *records = NULL;
        int r;

        if (t->n > UINT32_MAX / 32)
                return -E2BIG;
        /* Bucket by bucket; within a bucket in insertion order. */
        order = calloc(t->n + 1, sizeof(size_t));
        records = calloc(t->n + 1, 24);
        if (!order || !records) {
                r = -ENOMEM;
                goto finish;
        }
        {
                /* A counting sort by bucket keeps insertion order within one. */
                size_t *first = calloc((size_t) n_buckets + 1, sizeof(size_t));

                if (!first) {
                        r = -ENOMEM;
                        goto finish;
                }
                for (size_t i = 0; i < t->n; i++) {
                        t->items[i].hash = name_hash(t->items[i].name);
                        first[t->items[i].hash % n_buckets + 1]++;
                }
                for (uint32_t b = 0; b < n_buckets; b++)
                        first[b + 1] += first[b];
                for (size_t i = 0; i < t->n; i++) {
                        size_t k = first[t->items[i].hash % n_buckets]++;

                        t->items[i].assigned = (uint32_t) k;
                        order[k] = i;
                }
                free(first);
        }

        r = gv_buf_pad(f, 4, 0);
        if (r < 0)
                goto finish;
        table_off = f->size;
        table_size = 8 + 4 * (size_t) n_buckets + 24 * t->n;
        {
                uint8_t *zeros = calloc(1, table_size);

                if (!zeros) {
                        r = -ENOMEM;
                        goto finish;
                }
                r = gv_buf_put(f, zeros, table_size);
                free(zeros);
                if (r < 0)
                        goto finish;
        }

        for (size_t k = 0; k < t->n; k++) {
                r = write_item(f, t, order[k], nested, records + 24 * k);
                if (r < 0)
                        goto finish;
        }
        if (f->size > UINT32_MAX) {
                r = -E2BIG;
                goto finish;
        }

        {
                uint8_t *tp = f->data + table_off;
                size_t k = 0;

                put32(tp, 0);                   /* no bloom filter */
                put32(tp + 4, n_buckets);
                for (uint32_t b = 0; b < n_buckets; b++) {
                        while (k < t->n && t->items[order[k]].hash % n_buckets < b)
                                k++;
                        put32(tp + 8 + 4 * (size_t) b, (uint32_t) k);
                }
                memcpy(tp + 8 + 4 * (size_t) n_buckets, records, 24 * t->n);
        }
        *ret_start = (uint32_t) table_off;
        *ret_end = (uint32_t) (table_off + table_size);
        r = 0;
finish:
        free(order);
        free(records);
        return r;
}

int gvdb_write_dconf(const GvdbEntry *entries, size_t n_entries, const char *const *locks, size_t n_locks,
                     GvBuf *ret) {
        WTable root = {}, lt = {};
        GvBuf f = {};
        uint32_t rs = 0, re = 0;
        size_t i;
        int r;

        if (!ret || (!entries && n_entries > 0) || (!locks && n_locks > 0))
                return -EINVAL;

        r = ensure_dir(&root, "/", 1, &i);
        for (size_t e = 0; e < n_entries && r >= 0; e++) {
                const char *k = entries[e].key;
                size_t plen, p;

                if (!key_valid(k) || !entries[e].type) {
                        r = -EINVAL;
                        break;
                }
                if (table_find(&root, k, &p) > 0) {
                        r = -EEXIST;
                        break;
                }
                plen = strlen(k);
                while (plen > 0 && k[plen - 1] != '/')
                        plen--;
                r = ensure_dir(&root, k, plen, &p);
                if (r < 0)
                        break;
                r = table_add(&root, k, strlen(k), &i);
                if (r < 0)
                        break;
                root.items[i].parent = p;
                root.items[i].value = &entries[e];
        }
        if (r >= 0 && locks) {
                static const GvdbEntry empty_string = { .type = (char *) "s", .value = { (uint8_t *) "", 1, 1 } };

                for (size_t l = 0; l < n_locks && r >= 0; l++) {
                        if (table_find(&lt, locks[l], &i) > 0)
                                continue;
                        r = table_add(&lt, locks[l], strlen(locks[l]), &i);
                        if (r >= 0)
                                lt.items[i].value = &empty_string;
                }
                if (r >= 0)
                        r = table_add(&root, ".locks", 6, &i);
                if (r >= 0)
                        root.items[i].is_table = true;
        }
        if (r < 0)
                goto finish;

        /* Header first; the root pointer is filled in once known. */
        {
                uint8_t hdr[24] = { 'G', 'V', 'a', 'r', 'i', 'a', 'n', 't' };

                r = gv_buf_put(&f, hdr, sizeof(hdr));
                if (r < 0)
                        goto finish;
        }
        r = write_table(&f, &root, &lt, &rs, &re);
        if (r < 0)
                goto finish;
        put32(f.data + 16, rs);
        put32(f.data + 20, re);
        *ret = f;
        f = (GvBuf) {};
finish:
        free(f.data);
        table_done(&root);
        table_done(&lt);
        return r;
}
