/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dconf keyfiles (what `enforce: true` compiles with the administrator's
 * own files in /etc/dconf/db/local.d): any bytes either parse into entries
 * whose group and key names dconf would accept, on lines that exist, or
 * fail with -EBADMSG and a reason (or -ENOMEM). Every value then goes
 * through the GVariant text parser, which either serialises it or names
 * why not. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/screenlock/screenlock-enforce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DconfKeyfile *k = NULL;
        const char *why = NULL;
        unsigned line = 0, n_lines = 1;
        int r;

        if (size > 32 * 1024)
                return 0;
        for (size_t i = 0; i < size; i++)
                n_lines += data[i] == '\n';
        r = dconf_keyfile_parse((const char *) data, size, &k, &line, &why);
        if (r < 0) {
                if (r != -ENOMEM && (r != -EBADMSG || !why || line > n_lines || k))
                        abort();
                return 0;
        }
        for (size_t i = 0; i < k->n_entries; i++) {
                const DconfKeyfileEntry *en = &k->entries[i];
                size_t gl = strlen(en->group);
                char *type = NULL;
                GvBuf b = {};

                if (gl == 0 || en->group[0] == '/' || en->group[gl - 1] == '/' || strstr(en->group, "//"))
                        abort();
                if (!en->key[0] || strchr(en->key, '/') || strchr(en->key, '\n'))
                        abort();
                if (en->line == 0 || en->line > n_lines)
                        abort();
                why = NULL;
                r = gvariant_parse_text(en->value, strlen(en->value), &type, &b, &why);
                if (r < 0 && r != -ENOMEM && ((r != -EINVAL && r != -EOPNOTSUPP) || !why))
                        abort();
                free(type);
                free(b.data);
        }
        dconf_keyfile_free(k);
        return 0;
}
