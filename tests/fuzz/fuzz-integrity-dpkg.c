/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The integrity plugin's own reader of dpkg's status file: any bytes parse
 * (malformed stanzas skipped and counted) or fail with -EFBIG; what it keeps
 * holds the promises the plugin relies on. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/integrity/integrity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int token(const char *s) {
        if (!s[0] || strlen(s) > DPKG_VALUE_MAX)
                return 0;
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f)
                        return 0;
        return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DpkgStatus *s = NULL;
        int r;

        if (size > 256 * 1024)
                return 0;
        r = dpkg_status_parse((const char *) data, size, &s);
        if (r < 0) {
                if (r != -ENOMEM)
                        abort();
                return 0;
        }
        for (size_t i = 0; i < s->n_packages; i++) {
                const DpkgPackage *p = &s->packages[i];

                if (!token(p->name) || (p->version && !token(p->version)) ||
                    (p->arch && !token(p->arch)) || !dpkg_status_find(s, p->name))
                        abort();
        }
        for (size_t i = 0; i < s->n_conffiles; i++)
                if (s->conffiles[i].package >= s->n_packages ||
                    !path_is_normal(s->conffiles[i].path, strlen(s->conffiles[i].path)))
                        abort();
        dpkg_status_free(s);
        return 0;
}
