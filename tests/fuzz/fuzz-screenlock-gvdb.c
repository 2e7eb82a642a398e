/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GVDB reader (and the GVariant decoder behind it): any bytes either
 * open as a table whose every lookup stays inside the buffer, or fail with
 * -EBADMSG and a reason. Lookups use the dconf keys the plugin reads, the
 * ".locks" table, and the key pieces found in the file itself. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/screenlock/screenlock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {
        "/org/gnome/desktop/session/idle-delay",
        "/org/gnome/desktop/screensaver/lock-enabled",
        "/org/gnome/desktop/screensaver/lock-delay",
        "/org/gnome/desktop/screensaver/idle-activation-enabled",
        "/org/gnome/desktop/lockdown/disable-lock-screen",
        "/",
        "",
};

static const uint8_t *buf_start, *buf_end;

static void check_value(const GVariantValue *v) {
        if (v->kind > GVARIANT_UNSUPPORTED)
                abort();
        if (strnlen(v->type, sizeof(v->type)) == sizeof(v->type))
                abort();
        if (v->kind == GVARIANT_STRING) {
                const uint8_t *s = (const uint8_t *) v->str;

                if (s < buf_start || s + v->str_len >= buf_end || s[v->str_len] != 0)
                        abort();
                if (memchr(s, 0, v->str_len))
                        abort();
        }
        if (v->kind == GVARIANT_BOOLEAN && v->b != 0 && v->b != 1)
                abort();
}

static void lookup(const GvdbTable *t, const char *key) {
        const char *reason = NULL;
        GVariantValue v;
        GvdbTable sub;
        int r;

        r = gvdb_table_get_value(t, key, &v, &reason);
        if (r == 1)
                check_value(&v);
        else if (r != 0 && !(r == -EBADMSG && reason))
                abort();

        r = gvdb_table_has_value(t, key);
        if (r != 0 && r != 1)
                abort();

        reason = NULL;
        r = gvdb_table_get_table(t, key, &sub, &reason);
        if (r == 1)
                (void) gvdb_table_count_values(&sub);
        else if (r != 0 && !(r == -EBADMSG && reason))
                abort();
}

/* Every item's own key piece, as a key. */
static void lookup_pieces(const GvdbTable *t) {
        for (uint32_t i = 0; i < t->n_items && i < 64; i++) {
                const uint8_t *it = t->items + (size_t) i * GVDB_ITEM_SIZE;
                uint32_t start = (uint32_t) it[8] | (uint32_t) it[9] << 8 | (uint32_t) it[10] << 16 |
                                 (uint32_t) it[11] << 24;
                size_t n = (size_t) (it[12] | it[13] << 8);
                char key[256];

                if (n >= sizeof(key))
                        n = sizeof(key) - 1;
                /* The table was checked: every key lies inside the file. */
                if ((uint64_t) start + n > t->size)
                        abort();
                memcpy(key, t->data + start, n);
                key[n] = '\0';
                lookup(t, key);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *reason = NULL;
        GvdbTable t, locks;
        DconfSource src[2] = {
                { .type = DCONF_SOURCE_USER, .name = "user" },
                { .type = DCONF_SOURCE_SYSTEM, .name = "local" },
        };
        DconfSourceView views[2] = { { .source = &src[0] }, { .source = &src[1] } };
        GVariantValue v;
        int r;

        if (size > 256 * 1024)
                return 0;
        buf_start = data;
        buf_end = data + size;

        /* The bytes as one serialised variant, too. */
        r = gvariant_decode_variant(data, size, false, &v);
        if (r == 0)
                check_value(&v);
        else if (r != -EBADMSG && r != -EOPNOTSUPP)
                abort();

        r = gvdb_table_open(data, size, &t, &reason);
        if (r < 0) {
                if (r != -EBADMSG || !reason)
                        abort();
                return 0;
        }

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                lookup(&t, keys[i]);
        lookup_pieces(&t);

        reason = NULL;
        r = gvdb_table_get_table(&t, ".locks", &locks, &reason);
        if (r < 0 && !(r == -EBADMSG && reason))
                abort();

        /* As dconf would read it: the file as a system database after an
         * empty user database. */
        views[0].values = &t;
        views[1].values = &t;
        views[1].locks = r == 1 ? &locks : NULL;
        for (size_t i = 0; i < 5; i++) {
                DconfReadResult rr;
                int bad = -1;

                reason = NULL;
                r = dconf_read(views, 2, keys[i], &rr, &bad, &reason);
                if (r == 0) {
                        if (rr.source < -1 || rr.source > 1 || rr.lock_source == 0)
                                abort();
                        if (rr.source >= 0)
                                check_value(&rr.value);
                } else if (!(r == -EBADMSG && reason && (bad == 0 || bad == 1)))
                        abort();
        }
        return 0;
}
