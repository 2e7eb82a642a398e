/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PAM service file parser (continued lines, brackets, comments): any bytes
 * parse or fail with -ENOMEM, and every line it keeps is complete. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../plugins/accounts/accounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PamFile *f = NULL;
        int r;

        if (size > 64 * 1024)
                return 0;

        r = pamconf_parse((const char *) data, size, &f);
        if (r < 0) {
                if (r != -ENOMEM)
                        abort();
                return 0;
        }

        for (size_t i = 0; i < f->n_lines; i++) {
                const PamLine *l = &f->lines[i];

                if (!l->type || !l->control || !l->module || !*l->module || (l->n_args > 0 && !l->args))
                        abort();
                if (strcmp(l->type, "@include") != 0 && strcasecmp(l->type, "auth") != 0 &&
                    strcasecmp(l->type, "account") != 0 && strcasecmp(l->type, "session") != 0 &&
                    strcasecmp(l->type, "password") != 0)
                        abort();
                /* '#' ends a line: nothing after it is kept. */
                if (strchr(l->module, '#') || strchr(l->control, '#'))
                        abort();
                if (i > 0 && l->line <= f->lines[i - 1].line)
                        abort();
                for (size_t a = 0; a < l->n_args; a++)
                        if (!l->args[a] || strchr(l->args[a], '#'))
                                abort();
                (void) pamconf_arg(l, "remember");
                (void) pamconf_arg(l, "minlen");
                (void) pamconf_control_is_lax(l->control);
                if (!pamconf_line_is(l, l->type, text_basename(l->module)))
                        abort();
        }
        (void) pamconf_find(f, "password", "pam_pwquality.so");
        pamconf_free(f);
        return 0;
}
