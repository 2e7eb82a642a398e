/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The little of /etc/passwd and /etc/group this plugin needs: names and IDs
 * for file owners, and who is in which group. Lines that do not parse are
 * skipped (the accounts plugin reports them). */
#include <string.h>

#include "software.h"

/* Splits line in place on ':' into at most max fields; returns the count. */
static size_t split_colons(char *line, char **f, size_t max) {
        size_t n = 0;

        f[n++] = line;
        for (char *p = line; *p && n < max; p++)
                if (*p == ':') {
                        *p = '\0';
                        f[n++] = p + 1;
                }
        return n;
}

static bool parse_id(const char *s, uint32_t *ret) {
        uint64_t v;

        if (parse_u64(s, &v) < 0 || v > UINT32_MAX)
                return false;
        *ret = (uint32_t) v;
        return true;
}

/* Walks a private copy line by line; fn sees each NUL-terminated line. */
static int for_each_line(const char *buf, size_t size, char **ret_copy,
                         int (*fn)(UserDb *db, char *line), UserDb *db) {
        char *copy = malloc(size + 1), *p, *end;

        if (!copy)
                return -ENOMEM;
        memcpy(copy, buf, size);
        copy[size] = '\0';
        end = copy + size;
        for (p = copy; p < end;) {
                char *nl = memchr(p, '\n', (size_t) (end - p)), *e = nl ? nl : end;
                bool nul = memchr(p, '\0', (size_t) (e - p)) != NULL;
                int r;

                *e = '\0';
                if (e > p && e[-1] == '\r')
                        e[-1] = '\0';
                if (!nul && *p && *p != '#') {
                        r = fn(db, p);
                        if (r < 0) {
                                free(copy);
                                return r;
                        }
                }
                p = nl ? nl + 1 : end;
        }
        *ret_copy = copy;
        return 0;
}

static int add_user(UserDb *db, char *line) {
        char *f[7];
        UserEntry u;
        UserEntry *n;

        if (split_colons(line, f, 7) != 7 || !*f[0] || !parse_id(f[2], &u.uid) ||
            !parse_id(f[3], &u.gid))
                return 0;
        u.name = f[0];
        n = realloc(db->users, (db->n_users + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        db->users = n;
        db->users[db->n_users++] = u;
        return 0;
}

static int add_group(UserDb *db, char *line) {
        char *f[4];
        GroupEntry g;
        GroupEntry *n;

        if (split_colons(line, f, 4) != 4 || !*f[0] || !parse_id(f[2], &g.gid))
                return 0;
        g.name = f[0];
        g.members = f[3];
        n = realloc(db->groups, (db->n_groups + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        db->groups = n;
        db->groups[db->n_groups++] = g;
        return 0;
}

int userdb_parse_passwd(UserDb *db, const char *buf, size_t size) {
        return for_each_line(buf, size, &db->passwd_data, add_user, db);
}

int userdb_parse_group(UserDb *db, const char *buf, size_t size) {
        return for_each_line(buf, size, &db->group_data, add_group, db);
}

void userdb_done(UserDb *db) {
        free(db->passwd_data);
        free(db->group_data);
        free(db->users);
        free(db->groups);
        *db = (UserDb) {};
}

/* The first entry wins, as getpwuid() finds it. */
const UserEntry *userdb_user_by_uid(const UserDb *db, uint32_t uid) {
        for (size_t i = 0; i < db->n_users; i++)
                if (db->users[i].uid == uid)
                        return &db->users[i];
        return NULL;
}

const UserEntry *userdb_user_by_name(const UserDb *db, const char *name) {
        for (size_t i = 0; i < db->n_users; i++)
                if (strcmp(db->users[i].name, name) == 0)
                        return &db->users[i];
        return NULL;
}

bool group_has_member(const GroupEntry *g, const char *name) {
        size_t n = strlen(name);

        for (const char *p = g->members; *p;) {
                const char *c = strchr(p, ','), *e = c ? c : p + strlen(p);

                /* Blanks around names are tolerated by glibc's parser too. */
                while (p < e && *p == ' ')
                        p++;
                while (e > p && e[-1] == ' ')
                        e--;
                if ((size_t) (e - p) == n && memcmp(p, name, n) == 0)
                        return true;
                if (!c)
                        break;
                p = c + 1;
        }
        return false;
}
