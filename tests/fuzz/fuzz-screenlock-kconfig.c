/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The KConfig INI parser (kscreenlockerrc, display manager files): any
 * bytes parse (only -ENOMEM may fail) into entries on lines that exist, in
 * order, with non-empty keys and values without a newline, each found
 * again by kc_lookup() unless localised. The value readers accept or
 * refuse any text without crashing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/screenlock/screenlock-desktops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        KcFile *f = NULL;
        unsigned n_lines = 1, last = 0;
        int r;

        if (size > 64 * 1024)
                return 0;
        for (size_t i = 0; i < size; i++)
                n_lines += data[i] == '\n';

        r = kc_parse((const char *) data, size, &f);
        if (r < 0) {
                if (r != -ENOMEM)
                        abort();
                return 0;
        }
        if (f->n_entries + f->n_invalid > n_lines)
                abort();
        for (size_t i = 0; i < f->n_entries; i++) {
                const KcEntry *en = &f->entries[i];
                bool b;
                int64_t n;

                if (en->line == 0 || en->line > n_lines || en->line < last || !en->group)
                        abort();
                last = en->line;
                if (!en->key) {
                        if (!en->group[0])
                                abort();
                        continue;
                }
                if (!en->key[0] || !en->value)
                        abort();
                if (!en->locale && !kc_lookup(f, en->group, en->key))
                        abort();
                (void) kc_parse_bool(en->value, &b);
                (void) kc_parse_int(en->value, &n);
        }
        kc_free(f);
        return 0;
}
