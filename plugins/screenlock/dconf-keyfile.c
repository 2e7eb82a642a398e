/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One keyfile of a dconf database directory (a file of /etc/dconf/db/NAME.d),
 * read the way `dconf update` reads it: through GKeyFile, then dconf's own
 * checks on the names.
 *
 * Facts relied on (GLib's gkeyfile.c, dconf's bin/dconf-update.vala):
 *   - The file must be UTF-8. Lines end at '\n' (a '\r' before it is
 *     dropped); leading blanks are skipped; blank lines and lines starting
 *     with '#' are comments.
 *   - "[name]" (blanks allowed after the ']') starts a group; the name is
 *     not empty and holds no '[', ']' or control characters. A group given
 *     twice is one group.
 *   - "key=value": the key (trailing blanks dropped) is not empty; the
 *     value starts after the blanks following '='. Later lines replace
 *     earlier ones for the same key.
 *   - Any other line, or a key before the first group, makes the file
 *     invalid, and `dconf update` then compiles nothing for the database.
 *   - dconf refuses a group that starts or ends with '/' or holds "//", and
 *     a key that holds '/'. */
#include <string.h>

#include "screenlock-enforce.h"

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int fail(unsigned line, const char *reason, unsigned *ret_line, const char **ret_reason) {
        if (ret_line)
                *ret_line = line;
        if (ret_reason)
                *ret_reason = reason;
        return -EBADMSG;
}

int dconf_keyfile_parse(const char *buf, size_t size, DconfKeyfile **ret, unsigned *ret_line,
                        const char **ret_reason) {
        DconfKeyfile *k;
        const char *group = NULL;
        size_t n_lines = 1;
        unsigned lineno = 0;
        char *line;
        int r;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (!sl_utf8_is_valid((const uint8_t *) buf, size))
                return fail(0, "not UTF-8 text (or a NUL byte)", ret_line, ret_reason);

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->data = malloc(size + 1);
        if (!k->data) {
                free(k);
                return -ENOMEM;
        }
        if (size > 0)
                memcpy(k->data, buf, size);
        k->data[size] = '\0';
        for (size_t i = 0; i < size; i++)
                n_lines += buf[i] == '\n';
        k->entries = calloc(n_lines, sizeof(DconfKeyfileEntry));
        if (!k->entries) {
                dconf_keyfile_free(k);
                return -ENOMEM;
        }

        line = k->data;
        while (line < k->data + size) {
                char *nl = memchr(line, '\n', (size_t) (k->data + size - line));
                char *next = nl ? nl + 1 : k->data + size;
                char *e = nl ? nl : k->data + size;
                char *s = line;

                lineno++;
                if (e > s && e[-1] == '\r')
                        e--;
                *e = '\0';
                while (s < e && is_space(*s))
                        s++;
                line = next;
                if (s == e || *s == '#')
                        continue;

                if (*s == '[') {
                        char *close = strchr(s, ']'), *t;

                        if (!close) {
                                r = fail(lineno, "a group header without ']'", ret_line, ret_reason);
                                goto fail;
                        }
                        for (t = close + 1; *t == ' ' || *t == '\t'; t++)
                                ;
                        if (*t) {
                                r = fail(lineno, "text after a group header", ret_line, ret_reason);
                                goto fail;
                        }
                        *close = '\0';
                        s++;
                        if (!*s || strchr(s, '[')) {
                                r = fail(lineno, "an empty or bad group name", ret_line, ret_reason);
                                goto fail;
                        }
                        for (t = s; *t; t++)
                                if ((unsigned char) *t < 0x20 || *t == 0x7f) {
                                        r = fail(lineno, "a control character in a group name", ret_line,
                                                 ret_reason);
                                        goto fail;
                                }
                        if (s[0] == '/' || s[strlen(s) - 1] == '/' || strstr(s, "//")) {
                                r = fail(lineno, "a group name that starts or ends with '/' or holds \"//\"",
                                         ret_line, ret_reason);
                                goto fail;
                        }
                        group = s;
                        continue;
                }

                {
                        char *eq = strchr(s, '='), *ke, *v;

                        if (!eq || eq == s) {
                                r = fail(lineno, "a line that is not a group, a key=value pair or a comment",
                                         ret_line, ret_reason);
                                goto fail;
                        }
                        if (!group) {
                                r = fail(lineno, "a key before the first group", ret_line, ret_reason);
                                goto fail;
                        }
                        ke = eq;
                        while (ke > s && is_space(ke[-1]))
                                ke--;
                        if (ke == s) {
                                r = fail(lineno, "an empty key", ret_line, ret_reason);
                                goto fail;
                        }
                        *ke = '\0';
                        if (strchr(s, '/')) {
                                r = fail(lineno, "a key name with '/' in it", ret_line, ret_reason);
                                goto fail;
                        }
                        v = eq + 1;
                        while (*v && is_space(*v))
                                v++;
                        k->entries[k->n_entries++] = (DconfKeyfileEntry) {
                                .group = group,
                                .key = s,
                                .value = v,
                                .line = lineno,
                        };
                }
        }

        *ret = k;
        return 0;

fail:
        dconf_keyfile_free(k);
        return r;
}

DconfKeyfile *dconf_keyfile_free(DconfKeyfile *k) {
        if (!k)
                return NULL;
        free(k->entries);
        free(k->data);
        free(k);
        return NULL;
}
