/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/passwd, just enough of it: whose home may hold saved passwords.
 * Staff accounts are those from UID_MIN to UID_MAX (Debian's login.defs:
 * 1000 and 59999); nobody (65534) and system accounts run no browser. The
 * rule can name more accounts. */
#include <string.h>

#include "credentials.h"

static int parse_uid(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        if (!*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t) v;
        return 0;
}

static bool name_listed(const char *name, const char *const *list) {
        for (const char *const *l = list; l && *l; l++)
                if (strcmp(*l, name) == 0)
                        return true;
        return false;
}

int cr_users_parse(const char *buf, size_t size, uint32_t min_uid, const char *const *extra,
                   CrUserList **ret) {
        CrUserList *l;
        size_t n_lines = 1;
        char *line;

        if (!ret || (!buf && size > 0))
                return -EINVAL;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->data = malloc(size + 1);
        if (!l->data) {
                free(l);
                return -ENOMEM;
        }
        if (size > 0)
                memcpy(l->data, buf, size);
        l->data[size] = '\0';
        for (size_t i = 0; i < size; i++)
                n_lines += buf[i] == '\n';
        l->users = calloc(n_lines, sizeof(CrUser));
        if (!l->users) {
                cr_user_list_free(l);
                return -ENOMEM;
        }

        line = l->data;
        while (line < l->data + size) {
                char *nl = memchr(line, '\n', (size_t) (l->data + size - line));
                char *next = nl ? nl + 1 : l->data + size;
                size_t len = (size_t) ((nl ? nl : l->data + size) - line);
                char *field[7], *p = line;
                size_t n_fields = 0;
                uint32_t uid;

                /* A NUL inside a line: not something useradd writes. */
                if (memchr(line, '\0', len)) {
                        l->n_malformed++;
                        line = next;
                        continue;
                }
                line[len] = '\0';
                if (len > 0 && line[len - 1] == '\r')
                        line[len - 1] = '\0';

                /* Blank lines, comments and NIS includes are not accounts. */
                if (*line == '\0' || *line == '#' || *line == '+' || *line == '-') {
                        line = next;
                        continue;
                }

                while (n_fields < CR_ELEMENTSOF(field)) {
                        field[n_fields++] = p;
                        p = strchr(p, ':');
                        if (!p)
                                break;
                        *p++ = '\0';
                }
                if (n_fields != 7 || p || !*field[0] || parse_uid(field[2], &uid) < 0) {
                        l->n_malformed++;
                        line = next;
                        continue;
                }
                if ((uid >= min_uid && uid <= CR_UID_MAX) || name_listed(field[0], extra))
                        l->users[l->n_users++] = (CrUser) {
                                .name = field[0],
                                .uid = uid,
                                .home = field[5],
                        };
                line = next;
        }

        *ret = l;
        return 0;
}

CrUserList *cr_user_list_free(CrUserList *l) {
        if (!l)
                return NULL;
        free(l->users);
        free(l->data);
        free(l);
        return NULL;
}
