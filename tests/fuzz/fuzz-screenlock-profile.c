/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dconf profile parser: any bytes parse (only -ENOMEM may fail) into
 * sources with a known type and a non-empty name free of NUL and newline,
 * on lines that exist, in file order. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/screenlock/screenlock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DconfProfile *p = NULL;
        unsigned n_lines = 1, last = 0;
        int r;

        if (size > 64 * 1024)
                return 0;
        for (size_t i = 0; i < size; i++)
                n_lines += data[i] == '\n';

        r = dconf_profile_parse((const char *) data, size, &p);
        if (r < 0) {
                if (r != -ENOMEM)
                        abort();
                return 0;
        }
        if (p->n_sources + p->n_ignored > n_lines)
                abort();
        for (size_t i = 0; i < p->n_sources; i++) {
                const DconfSource *s = &p->sources[i];

                if (s->type > DCONF_SOURCE_FILE || !s->name[0] || strchr(s->name, '\n') ||
                    strchr(s->name, '#'))
                        abort();
                if (s->line == 0 || s->line > n_lines || s->line <= last)
                        abort();
                last = s->line;
        }
        if (p->n_ignored > 0 && (p->first_ignored == 0 || p->first_ignored > n_lines))
                abort();
        dconf_profile_free(p);
        return 0;
}
