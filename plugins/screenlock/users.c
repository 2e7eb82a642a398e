/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/passwd, just enough of it: who has a home where a dconf user
 * database may live. Staff accounts are the ones from UID 1000 up (Debian's
 * FIRST_UID); system accounts do not run desktop sessions. */
#include <string.h>

#include "screenlock.h"

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

int sl_users_parse(const char *buf, size_t size, uint32_t min_uid, SlUserList **ret) {
        SlUserList *l;
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
        l->users = calloc(n_lines, sizeof(SlUser));
        if (!l->users) {
                sl_user_list_free(l);
                return -ENOMEM;
        }

        line = l->data;
        while (line < l->data + size) {
                char *nl = memchr(line, '\n', (size_t) (l->data + size - line));
                char *next = nl ? nl + 1 : l->data + size;
                char *field[7];
                size_t n_fields = 0;
                char *p = line;
                uint32_t uid;
                size_t len = (size_t) ((nl ? nl : l->data + size) - line);

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

                while (n_fields < SL_ELEMENTSOF(field)) {
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
                if (uid >= min_uid)
                        l->users[l->n_users++] = (SlUser) {
                                .name = field[0],
                                .uid = uid,
                                .home = field[5],
                        };
                line = next;
        }

        *ret = l;
        return 0;
}

SlUserList *sl_user_list_free(SlUserList *l) {
        if (!l)
                return NULL;
        free(l->users);
        free(l->data);
        free(l);
        return NULL;
}

bool sl_group_has_member(const char *buf, size_t size, const char *group, const char *user) {
        size_t glen = strlen(group), ulen = strlen(user);
        const char *line = buf, *end = buf + size;

        if (!buf || glen == 0 || ulen == 0)
                return false;
        while (line < end) {
                const char *nl = memchr(line, '\n', (size_t) (end - line));
                const char *le = nl ? nl : end;
                const char *c1, *c2, *c3, *m;

                /* name:password:gid:member,member */
                c1 = memchr(line, ':', (size_t) (le - line));
                if (c1 && (size_t) (c1 - line) == glen && memcmp(line, group, glen) == 0 &&
                    (c2 = memchr(c1 + 1, ':', (size_t) (le - c1 - 1))) &&
                    (c3 = memchr(c2 + 1, ':', (size_t) (le - c2 - 1)))) {
                        m = c3 + 1;
                        while (m < le) {
                                const char *comma = memchr(m, ',', (size_t) (le - m));
                                const char *me = comma ? comma : le;

                                /* A trailing '\r' from an edited file is not part of the name. */
                                if (!comma && me > m && me[-1] == '\r')
                                        me--;
                                if ((size_t) (me - m) == ulen && memcmp(m, user, ulen) == 0)
                                        return true;
                                m = comma ? comma + 1 : le;
                        }
                }
                line = nl ? nl + 1 : end;
        }
        return false;
}
