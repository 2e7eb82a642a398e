/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The xfconf channel file parser: any bytes either parse into a channel
 * whose properties all have a path that starts with '/', stays within
 * xfconfd's limit and can be found again, or fail with -EBADMSG, a reason
 * and a line within the input (or -ENOMEM). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/screenlock/screenlock-desktops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        XfChannel *c = NULL;
        const char *why = NULL;
        unsigned line = 0, n_lines = 1;
        size_t n_lt = 0;
        int r;

        if (size > 64 * 1024)
                return 0;
        for (size_t i = 0; i < size; i++) {
                n_lines += data[i] == '\n';
                n_lt += data[i] == '<';
        }

        r = xfconf_parse((const char *) data, size, &c, &line, &why);
        if (r < 0) {
                if (r == -ENOMEM)
                        return 0;
                if (r != -EBADMSG || !why || line == 0 || line > n_lines || c)
                        abort();
                return 0;
        }
        if (!c->name || !c->name[0] || !c->version || c->version[0] != '1' || c->n_props > n_lt)
                abort();
        for (size_t i = 0; i < c->n_props; i++) {
                const XfProperty *p = &c->props[i];
                const XfProperty *q;

                if (!p->path || p->path[0] != '/' || strlen(p->path) > XFCONF_MAX_PATH || !p->type || !p->type[0])
                        abort();
                if (p->line == 0 || p->line > n_lines)
                        abort();
                q = xfconf_find(c, p->path);
                if (!q || strcmp(q->path, p->path) != 0)
                        abort();
        }
        xfconf_free(c);
        return 0;
}
