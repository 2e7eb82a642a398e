/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A reader for GVDB ("GVariant database") files: dconf's compiled system
 * databases (/etc/dconf/db/NAME) and each user's ~/.config/dconf/user.
 *
 * Facts relied on (GLib's gvdb-format.h and gvdb-reader.c):
 *   - The file starts with a 24-byte header: the signature "GVariant" as
 *     two 32-bit words, a version (0), options, and a pointer (start, end)
 *     to the root hash table. When the signature bytes read "raVGtnai" the
 *     file was written on the other byte order and its values are
 *     big-endian. The structure itself (pointers, counts, items) is always
 *     little-endian.
 *   - A hash table, 4-byte aligned, is: n_bloom_words (low 27 bits; the top
 *     5 bits are the bloom shift), n_buckets, the bloom words, the bucket
 *     words, then 24-byte items to the table's end (an exact multiple).
 *   - An item is: hash, parent item (0xffffffff: none), key start (32
 *     bits), key size (16 bits), type ('v' value, 'H' nested table, 'L'
 *     list), one unused byte, and a pointer (start, end). An item's full
 *     name is its parents' key pieces followed by its own.
 *   - A lookup hashes the full name (djb: 5381, then h * 33 + signed char),
 *     consults the bloom filter when there is one, and scans the items from
 *     bucket[h % n_buckets] up to the next bucket's first item.
 *   - A 'v' item points (8-byte aligned) at a serialised variant; 'H' and
 *     'L' point (4-byte aligned) at a table or a list of 32-bit item
 *     numbers.
 * GLib reads a damaged table as an empty one; here every structural fault
 * is an error with a reason, because a database that silently reads empty
 * is exactly what this plugin must report. */
#include <string.h>

#include "screenlock.h"

#define GVDB_NO_PARENT 0xffffffffU
#define GVDB_BLOOM_MASK ((1U << 27) - 1)

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

/* Item fields, by offset in the 24-byte record. */
static const uint8_t *item_at(const GvdbTable *t, uint32_t i) {
        return t->items + (size_t) i * GVDB_ITEM_SIZE;
}
static uint32_t item_hash(const uint8_t *it) {
        return le32(it);
}
static uint32_t item_parent(const uint8_t *it) {
        return le32(it + 4);
}
static uint32_t item_key_start(const uint8_t *it) {
        return le32(it + 8);
}
static uint16_t item_key_size(const uint8_t *it) {
        return le16(it + 12);
}
static char item_type(const uint8_t *it) {
        return (char) it[14];
}
static uint32_t item_start(const uint8_t *it) {
        return le32(it + 16);
}
static uint32_t item_end(const uint8_t *it) {
        return le32(it + 20);
}

static bool pointer_ok(size_t file_size, uint32_t start, uint32_t end, uint32_t align) {
        return start <= end && end <= file_size && (start & (align - 1)) == 0;
}

static int fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return -EBADMSG;
}

static int table_setup(const uint8_t *data, size_t size, bool big_endian, uint32_t start,
                       uint32_t end, GvdbTable *ret, const char **ret_reason) {
        GvdbTable t = {
                .data = data,
                .size = size,
                .big_endian = big_endian,
        };
        uint32_t raw_bloom;
        uint64_t rem;

        if (!pointer_ok(size, start, end, 4))
                return fail(ret_reason, "a hash table lies outside the file (truncated?)");
        rem = end - start;
        if (rem < 8)
                return fail(ret_reason, "a hash table is too short for its header");

        raw_bloom = le32(data + start);
        t.n_bloom_words = raw_bloom & GVDB_BLOOM_MASK;
        t.bloom_shift = raw_bloom >> 27;
        t.n_buckets = le32(data + start + 4);
        rem -= 8;

        if ((uint64_t) t.n_bloom_words * 4 > rem)
                return fail(ret_reason, "a hash table's bloom filter runs past its end");
        t.bloom = data + start + 8;
        rem -= (uint64_t) t.n_bloom_words * 4;

        if ((uint64_t) t.n_buckets * 4 > rem)
                return fail(ret_reason, "a hash table's buckets run past its end");
        t.buckets = t.bloom + (size_t) t.n_bloom_words * 4;
        rem -= (uint64_t) t.n_buckets * 4;

        if (rem % GVDB_ITEM_SIZE != 0)
                return fail(ret_reason, "a hash table does not end on a whole item");
        t.items = t.buckets + (size_t) t.n_buckets * 4;
        t.n_items = (uint32_t) (rem / GVDB_ITEM_SIZE);

        /* Check every item now, so that lookups need no further bounds
         * checks beyond the parent walk. */
        for (uint32_t i = 0; i < t.n_items; i++) {
                const uint8_t *it = item_at(&t, i);
                uint32_t parent = item_parent(it);

                if ((uint64_t) item_key_start(it) + item_key_size(it) > size)
                        return fail(ret_reason, "an item's key lies outside the file");
                if (parent != GVDB_NO_PARENT && parent >= t.n_items)
                        return fail(ret_reason, "an item's parent is not an item of its table");

                switch (item_type(it)) {
                case 'v':
                        if (!pointer_ok(size, item_start(it), item_end(it), 8))
                                return fail(ret_reason, "a value lies outside the file or is misaligned");
                        break;
                case 'H':
                        if (!pointer_ok(size, item_start(it), item_end(it), 4))
                                return fail(ret_reason, "a nested table lies outside the file or is misaligned");
                        break;
                case 'L':
                        if (!pointer_ok(size, item_start(it), item_end(it), 4) ||
                            (item_end(it) - item_start(it)) % 4 != 0)
                                return fail(ret_reason, "a list lies outside the file or is misaligned");
                        break;
                default:
                        /* Readers skip item types they do not know. */
                        break;
                }
        }

        *ret = t;
        return 0;
}

int gvdb_table_open(const void *data, size_t size, GvdbTable *ret, const char **ret_reason) {
        const uint8_t *d = data;
        bool big_endian;

        if (!ret || (!data && size > 0))
                return -EINVAL;
        if (size > GVDB_FILE_MAX)
                return fail(ret_reason, "larger than any dconf database");
        if (size < GVDB_HEADER_SIZE)
                return fail(ret_reason, "shorter than a GVDB header (empty or truncated)");

        if (memcmp(d, "GVariant", 8) == 0)
                big_endian = false;
        else if (memcmp(d, "raVGtnai", 8) == 0)
                big_endian = true;
        else
                return fail(ret_reason, "not a GVDB file (no \"GVariant\" signature)");

        if (le32(d + 8) != 0)
                return fail(ret_reason, "unknown GVDB version");

        return table_setup(d, size, big_endian, le32(d + 16), le32(d + 20), ret, ret_reason);
}

static uint32_t key_hash(const char *key, size_t *ret_len) {
        uint32_t h = 5381;
        size_t n = 0;

        /* The hash adds each byte as a signed char, as the writer does. */
        for (; key[n]; n++)
                h = h * 33 + (uint32_t) (int32_t) (signed char) key[n];
        *ret_len = n;
        return h;
}

static bool bloom_may_hold(const GvdbTable *t, uint32_t h) {
        uint32_t word, mask;

        if (t->n_bloom_words == 0)
                return true;
        word = (h / 32) % t->n_bloom_words;
        mask = 1U << (h & 31);
        mask |= 1U << ((h >> t->bloom_shift) & 31);
        return (le32(t->bloom + (size_t) word * 4) & mask) == mask;
}

/* Whether item i's full name is key[0..len): match the item's own piece
 * against the end of the key, then its parent's against what precedes. */
static bool name_matches(const GvdbTable *t, uint32_t i, const char *key, size_t len) {
        for (;;) {
                const uint8_t *it = item_at(t, i);
                uint16_t piece = item_key_size(it);
                uint32_t parent = item_parent(it);

                if (piece > len)
                        return false;
                len -= piece;
                if (memcmp(t->data + item_key_start(it), key + len, piece) != 0)
                        return false;
                if (len == 0 && parent == GVDB_NO_PARENT)
                        return true;
                /* An empty piece cannot shorten what is left, so a walk
                 * through one could loop: treat it as no match. */
                if (parent == GVDB_NO_PARENT || piece == 0)
                        return false;
                i = parent;
        }
}

/* The item number of key with that type, or -1. */
static int64_t table_lookup(const GvdbTable *t, const char *key, char type) {
        uint32_t h, bucket, itemno, lastno;
        size_t len;

        if (!t || !key || t->n_buckets == 0 || t->n_items == 0)
                return -1;

        h = key_hash(key, &len);
        if (!bloom_may_hold(t, h))
                return -1;

        bucket = h % t->n_buckets;
        itemno = le32(t->buckets + (size_t) bucket * 4);
        if (bucket == t->n_buckets - 1 ||
            (lastno = le32(t->buckets + (size_t) (bucket + 1) * 4)) > t->n_items)
                lastno = t->n_items;

        for (; itemno < lastno; itemno++) {
                const uint8_t *it = item_at(t, itemno);

                if (item_hash(it) == h && name_matches(t, itemno, key, len) && item_type(it) == type)
                        return itemno;
        }
        return -1;
}

int gvdb_table_get_table(const GvdbTable *t, const char *key, GvdbTable *ret,
                         const char **ret_reason) {
        const uint8_t *it;
        int64_t i;
        int r;

        i = table_lookup(t, key, 'H');
        if (i < 0)
                return 0;
        it = item_at(t, (uint32_t) i);
        r = table_setup(t->data, t->size, t->big_endian, item_start(it), item_end(it), ret, ret_reason);
        return r < 0 ? r : 1;
}

int gvdb_table_has_value(const GvdbTable *t, const char *key) {
        return table_lookup(t, key, 'v') >= 0;
}

int gvdb_table_get_value(const GvdbTable *t, const char *key, GVariantValue *ret,
                         const char **ret_reason) {
        const uint8_t *it;
        int64_t i;
        int r;

        i = table_lookup(t, key, 'v');
        if (i < 0)
                return 0;
        it = item_at(t, (uint32_t) i);
        r = gvariant_decode_variant(t->data + item_start(it), item_end(it) - item_start(it),
                                    t->big_endian, ret);
        if (r == -EOPNOTSUPP)
                return 1;
        if (r < 0)
                return fail(ret_reason, "a stored value is not a valid serialised GVariant");
        return 1;
}

size_t gvdb_table_count_values(const GvdbTable *t) {
        size_t n = 0;

        for (uint32_t i = 0; t && i < t->n_items; i++)
                n += item_type(item_at(t, i)) == 'v';
        return n;
}

int gvdb_table_get_raw(const GvdbTable *t, const char *key, const uint8_t **ret_data, size_t *ret_size) {
        const uint8_t *it;
        int64_t i;

        i = table_lookup(t, key, 'v');
        if (i < 0)
                return 0;
        it = item_at(t, (uint32_t) i);
        *ret_data = t->data + item_start(it);
        *ret_size = item_end(it) - item_start(it);
        return 1;
}

size_t gvdb_table_n_items(const GvdbTable *t) {
        return t ? t->n_items : 0;
}
