/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/login.defs, read the way shadow's tools (useradd, passwd, login)
 * read it: "KEY value" per line, '#' only at the start of a line, the value
 * is the rest of the line with quotes dropped, and the last definition of a
 * key wins. A "# comment" after a value is part of the value, which then is
 * not a number: the tools fall back to their default, and so do we. */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "accounts.h"

LoginDefs *logindefs_free(LoginDefs *d) {
        if (!d)
                return NULL;
        free(d->entries);
        free(d->data);
        free(d);
        return NULL;
}

int logindefs_parse(const char *buf, size_t size, LoginDefs **ret) {
        LoginDefs *d;
        LineIter it;
        size_t allocated = 0;
        char *line;
        bool has_nul;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->data = text_dup(buf, size);
        if (!d->data) {
                r = -ENOMEM;
                goto fail;
        }

        line_iter_init(&it, d->data, size);
        while ((line = line_iter_next(&it, &has_nul))) {
                char *key, *value, *end;

                if (has_nul) {
                        parse_stats_add(&d->stats, it.line);
                        continue;
                }

                /* shadow trims every isspace() at the end, blanks at the
                 * start. */
                end = line + strlen(line);
                while (end > line && isspace((unsigned char) end[-1]))
                        *--end = '\0';
                key = text_skip_space(line);
                if (*key == '\0' || *key == '#')
                        continue;

                end = key + strcspn(key, " \t");
                if (*end == '\0') {
                        /* A key without a value: shadow skips it. */
                        parse_stats_add(&d->stats, it.line);
                        continue;
                }
                *end++ = '\0';
                value = end + strspn(end, " \t\"");
                value[strcspn(value, "\"")] = '\0';

                if (d->n_entries >= allocated) {
                        size_t m = allocated ? allocated * 2 : 32;
                        LoginDefsEntry *p;

                        if (m > SIZE_MAX / sizeof(*p)) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        p = realloc(d->entries, m * sizeof(*p));
                        if (!p) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        d->entries = p;
                        allocated = m;
                }
                d->entries[d->n_entries++] = (LoginDefsEntry) {
                        .key = key,
                        .value = value,
                        .line = it.line,
                };
        }

        *ret = d;
        return 0;

fail:
        logindefs_free(d);
        return r;
}

const LoginDefsEntry *logindefs_find(const LoginDefs *d, const char *key) {
        if (!d || !key)
                return NULL;
        for (size_t i = d->n_entries; i > 0; i--)
                if (strcmp(d->entries[i - 1].key, key) == 0)
                        return &d->entries[i - 1];
        return NULL;
}

int logindefs_get_long(const LoginDefs *d, const char *key, long *ret) {
        const LoginDefsEntry *e = logindefs_find(d, key);
        long v;
        int r;

        if (!e)
                return -ENOENT;
        /* shadow reads numbers with strtol(..., 0): hex and octal too. */
        r = parse_long_any_base(e->value, &v);
        if (r < 0 || v > INT_MAX || v < INT_MIN)
                return -EINVAL;
        *ret = v;
        return 0;
}
