/* SPDX-License-Identifier: GPL-2.0-or-later */
/* login.defs and "name = value" (pwquality.conf, pwhistory.conf) parsers,
 * and pwquality's settings fed from what they parse: any bytes parse or
 * fail with -ENOMEM, and the derived limits stay in their ranges. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/accounts/accounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        LoginDefs *d = NULL;
        ConfFile *c = NULL;
        long v;
        int r;

        if (size > 64 * 1024)
                return 0;

        r = logindefs_parse(buf, size, &d);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                for (size_t i = 0; i < d->n_entries; i++) {
                        const LoginDefsEntry *e = &d->entries[i];

                        if (!*e->key || e->key[0] == '#' || strpbrk(e->key, " \t") || strchr(e->value, '"'))
                                abort();
                        /* The last definition of a key is the one found. */
                        if (logindefs_find(d, e->key)->line < e->line)
                                abort();
                        r = logindefs_get_long(d, e->key, &v);
                        if (r != 0 && r != -EINVAL)
                                abort();
                }
                logindefs_free(d);
        }

        r = conf_parse(buf, size, &c);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                PwqSettings s;

                pwq_settings_init(&s, size % 2 ? PWQ_MODULE_CRACKLIB : PWQ_MODULE_PWQUALITY);
                for (size_t i = 0; i < c->n_entries; i++) {
                        const ConfEntry *e = &c->entries[i];

                        if (!*e->key || strchr(e->key, '#') || strchr(e->value, '#'))
                                abort();
                        r = pwq_settings_apply(&s, e->key, e->value, "fuzz:1");
                        if (r != 0 && r != -ENOENT && r != -EINVAL)
                                abort();
                }
                /* minlen has a floor (5 for cracklib, 6 for pwquality),
                 * classes are four at most, credits never negative. */
                if (s.s[PWQ_MINLEN].value < 5 || pwq_min_length(&s) < 1 ||
                    pwq_min_classes(&s) < 0 || pwq_min_classes(&s) > 4 || pwq_total_credit(&s) < 0)
                        abort();
                conf_file_free(c);
        }
        return 0;
}
