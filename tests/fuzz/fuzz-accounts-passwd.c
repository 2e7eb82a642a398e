/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/passwd, /etc/shadow and /etc/group parsers: any bytes parse (bad
 * lines are counted, never fatal) or fail with -ENOMEM, and what parses
 * keeps the parsers' promises. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/accounts/accounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const uint8_t *data, size_t size) {
        size_t n = size > 0 && data[size - 1] != '\n';

        for (size_t i = 0; i < size; i++)
                n += data[i] == '\n';
        return n;
}

static void check_name(const char *name) {
        char buf[NAME_SHOW_MAX + 4];

        if (!name || !*name || strchr(name, ':') || strchr(name, '\n'))
                abort();
        text_safe(name, NAME_SHOW_MAX, buf, sizeof(buf));
        for (const char *p = buf; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        size_t lines = count_lines(data, size);
        PasswdFile *pw = NULL;
        ShadowFile *sh = NULL;
        GroupFile *gr = NULL;
        int r;

        if (size > 64 * 1024)
                return 0;

        r = passwd_parse(buf, size, &pw);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                if (pw->n_entries + pw->stats.n_malformed > lines)
                        abort();
                for (size_t i = 0; i < pw->n_entries; i++) {
                        const PasswdEntry *e = &pw->entries[i], *first = passwd_find(pw, e->name);

                        check_name(e->name);
                        if (strchr(e->passwd, ':') || strchr(e->home, ':') || !e->shell)
                                abort();
                        if (e->line == 0 || e->line > lines || (i > 0 && e->line <= pw->entries[i - 1].line))
                                abort();
                        if (!first || strcmp(first->name, e->name) != 0 || first->line > e->line)
                                abort();
                }
                passwd_file_free(pw);
        }

        r = shadow_parse(buf, size, &sh);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                if (sh->n_entries + sh->stats.n_malformed > lines)
                        abort();
                for (size_t i = 0; i < sh->n_entries; i++) {
                        const ShadowEntry *e = &sh->entries[i], *first = shadow_find(sh, e->name);

                        check_name(e->name);
                        if (strchr(e->passwd, ':'))
                                abort();
                        if (!first || first->line > e->line)
                                abort();
                }
                shadow_file_free(sh);
        }

        r = group_parse(buf, size, &gr);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                for (size_t i = 0; i < gr->n_entries; i++) {
                        const GroupEntry *g = &gr->entries[i];

                        check_name(g->name);
                        if (!group_find(gr, g->name))
                                abort();
                        for (size_t m = 0; m < g->n_members; m++) {
                                const char *s = g->members[m];
                                size_t n = strlen(s);

                                /* Split at commas, blanks trimmed, none empty. */
                                if (n == 0 || strchr(s, ',') || s[0] == ' ' || s[n - 1] == ' ')
                                        abort();
                        }
                }
                group_file_free(gr);
        }
        return 0;
}
