/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A PAM service file (/etc/pam.d/<service>), read the way Linux-PAM's
 * pam_handlers.c reads it:
 *   - '#' ends a line's content wherever it stands;
 *   - a line ending in '\' goes on with the next one, and blank or
 *     comment-only lines in between are skipped;
 *   - tokens are separated by blanks; "[...]" is one token (a control like
 *     "[success=1 default=ignore]", or an argument holding blanks, where
 *     "\]" stands for ']');
 *   - a type may start with '-' (a missing module is then skipped quietly).
 * Debian's "@include file" lines are kept with type "@include". */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "accounts.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n';
}

PamFile *pamconf_free(PamFile *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_lines; i++)
                free(f->lines[i].args);
        free(f->lines);
        free(f->data);
        free(f);
        return NULL;
}

/* The next token from *p, NUL-terminated in place, or NULL. With brackets,
 * a token starting with '[' runs to the closing ']' and keeps both. */
static char *next_token(char **p, bool brackets) {
        char *s = *p, *e;

        while (*s && is_blank(*s))
                s++;
        if (*s == '\0') {
                *p = s;
                return NULL;
        }

        if (brackets && *s == '[') {
                e = strchr(s, ']');
                e = e ? e + 1 : s + strlen(s);
        } else {
                e = s;
                while (*e && !is_blank(*e))
                        e++;
        }
        if (*e) {
                *e = '\0';
                *p = e + 1;
        } else
                *p = e;
        return s;
}

/* The next argument: "[...]" is one argument without its brackets, "\]"
 * inside standing for ']'. */
static char *next_arg(char **p) {
        char *s = *p, *r, *w;

        while (*s && is_blank(*s))
                s++;
        if (*s == '\0') {
                *p = s;
                return NULL;
        }
        if (*s != '[')
                return next_token(p, false);

        r = w = ++s;
        while (*r && *r != ']') {
                if (r[0] == '\\' && r[1] == ']') {
                        *w++ = ']';
                        r += 2;
                        continue;
                }
                *w++ = *r++;
        }
        *p = *r ? r + 1 : r;
        *w = '\0';
        return s;
}

static int parse_logical_line(PamFile *f, char *text, unsigned line, size_t *allocated) {
        PamLine l = { .line = line };
        char *p = text, *tok;
        size_t n_args = 0, args_allocated = 0;

        tok = next_token(&p, false);
        if (!tok)
                return 0;

        if (strcmp(tok, "@include") == 0) {
                l.type = tok;
                l.control = "";
                l.module = next_token(&p, false);
                if (!l.module) {
                        parse_stats_add(&f->stats, line);
                        return 0;
                }
        } else {
                if (tok[0] == '-') {
                        l.silent = true;
                        tok++;
                }
                if (strcasecmp(tok, "auth") != 0 && strcasecmp(tok, "account") != 0 &&
                    strcasecmp(tok, "session") != 0 && strcasecmp(tok, "password") != 0) {
                        parse_stats_add(&f->stats, line);
                        return 0;
                }
                l.type = tok;
                l.control = next_token(&p, true);
                l.module = next_token(&p, false);
                if (!l.control || !l.module) {
                        parse_stats_add(&f->stats, line);
                        return 0;
                }
        }

        while ((tok = next_arg(&p))) {
                if (n_args >= args_allocated) {
                        size_t m = args_allocated ? args_allocated * 2 : 8;
                        const char **a;

                        if (m > SIZE_MAX / sizeof(*a)) {
                                free(l.args);
                                return -ENOMEM;
                        }
                        a = realloc(l.args, m * sizeof(*a));
                        if (!a) {
                                free(l.args);
                                return -ENOMEM;
                        }
                        l.args = a;
                        args_allocated = m;
                }
                l.args[n_args++] = tok;
        }
        l.n_args = n_args;

        if (f->n_lines >= *allocated) {
                size_t m = *allocated ? *allocated * 2 : 16;
                PamLine *nl;

                if (m > SIZE_MAX / sizeof(*nl)) {
                        free(l.args);
                        return -ENOMEM;
                }
                nl = realloc(f->lines, m * sizeof(*nl));
                if (!nl) {
                        free(l.args);
                        return -ENOMEM;
                }
                f->lines = nl;
                *allocated = m;
        }
        f->lines[f->n_lines++] = l;
        return 0;
}

int pamconf_parse(const char *buf, size_t size, PamFile **ret) {
        _cleanup_acc_free_ char *raw = NULL;
        PamFile *f;
        LineIter it;
        size_t allocated = 0, out = 0, start = 0;
        unsigned start_line = 0;
        bool continuing = false;
        char *line;
        bool has_nul;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        raw = text_dup(buf, size);
        /* The logical lines go here, each NUL-terminated. Joining lines only
         * ever drops characters, so the input's size is enough, and the
         * buffer never moves: tokens can point into it at once. */
        f->data = malloc(size + 1);
        if (!raw || !f->data) {
                r = -ENOMEM;
                goto fail;
        }

        line_iter_init(&it, raw, size);
        while ((line = line_iter_next(&it, &has_nul))) {
                char *s, *hash;
                size_t n;
                bool more = false;

                /* Linux-PAM reads with fgets() and strlen(): text after a
                 * NUL byte is not seen, so neither is it here. */
                s = line + strspn(line, " \t");
                if (*s == '\0' || *s == '#')
                        continue;       /* even inside a continued line */

                hash = strchr(s, '#');
                if (hash)
                        *hash = '\0';  /* a comment also ends a continued line */
                else {
                        char *e = s + strlen(s);

                        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                                e--;
                        if (e > s && e[-1] == '\\') {
                                e[-1] = ' ';
                                more = true;
                        }
                        *e = '\0';
                }

                if (!continuing) {
                        start = out;
                        start_line = it.line;
                }
                n = strlen(s);
                memcpy(f->data + out, s, n);
                out += n;
                if (more) {
                        continuing = true;
                        continue;
                }
                f->data[out++] = '\0';
                continuing = false;

                r = parse_logical_line(f, f->data + start, start_line, &allocated);
                if (r < 0)
                        goto fail;
        }
        if (continuing)
                /* A backslash on the last line: Linux-PAM calls that an
                 * incomplete read and refuses the whole file. */
                parse_stats_add(&f->stats, start_line);

        *ret = f;
        return 0;

fail:
        pamconf_free(f);
        return r;
}

bool pamconf_line_is(const PamLine *l, const char *type, const char *module_so) {
        if (!l || !l->type || !l->module)
                return false;
        if (strcasecmp(l->type, type) != 0)
                return false;
        /* A module is named by its file: "pam_pwquality.so" or a full path. */
        return strcmp(text_basename(l->module), module_so) == 0;
}

const PamLine *pamconf_find(const PamFile *f, const char *type, const char *module_so) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_lines; i++)
                if (pamconf_line_is(&f->lines[i], type, module_so))
                        return &f->lines[i];
        return NULL;
}

const char *pamconf_arg(const PamLine *l, const char *key) {
        const char *found = NULL;
        size_t n = strlen(key);

        if (!l)
                return NULL;
        /* Modules read their arguments in order: a later one wins. */
        for (size_t i = 0; i < l->n_args; i++) {
                const char *a = l->args[i];

                if (strncmp(a, key, n) != 0)
                        continue;
                if (a[n] == '=')
                        found = a + n + 1;
                else if (a[n] == '\0')
                        found = a + n;
        }
        return found;
}

/* The action a "[value=action ...]" control gives value, or NULL. */
static const char *bracket_action(const char *control, const char *value, char *buf, size_t size) {
        size_t n = strlen(value);
        const char *p = control;

        while ((p = strstr(p, value))) {
                bool starts = p == control || p[-1] == '[' || isspace((unsigned char) p[-1]);

                if (starts && p[n] == '=') {
                        size_t len = strcspn(p + n + 1, " \t]");

                        if (len >= size)
                                len = size - 1;
                        memcpy(buf, p + n + 1, len);
                        buf[len] = '\0';
                        return buf;
                }
                p += n;
        }
        return NULL;
}

bool pamconf_control_is_lax(const char *control) {
        const char *action;
        char buf[32];

        if (!control)
                return true;
        /* optional: a failure is ignored; sufficient: a failure is ignored,
         * and a success ends the stack before pam_unix stores anything. */
        if (strcasecmp(control, "optional") == 0 || strcasecmp(control, "sufficient") == 0)
                return true;
        if (control[0] != '[')
                return false;

        /* A quality or history module fails with PAM_AUTHTOK_ERR; what the
         * control does with it decides whether the failure counts. Without
         * "authtok_err=" or "default=", the failure is "bad": it counts. */
        action = bracket_action(control, "authtok_err", buf, sizeof(buf));
        if (!action)
                action = bracket_action(control, "default", buf, sizeof(buf));
        if (!action)
                return false;
        return strcasecmp(action, "ignore") == 0 || strcasecmp(action, "ok") == 0 ||
               strcasecmp(action, "done") == 0;
}
