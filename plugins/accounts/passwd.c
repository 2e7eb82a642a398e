/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/passwd, /etc/shadow and /etc/group, read the way glibc's nss_files
 * reads them: what the C library accepts is what can log in, so a line it
 * would take must not be one we skip. Blank lines and lines starting with
 * '#' (after blanks) are ignored, as nss_files does. */
#include <ctype.h>
#include <string.h>

#include "accounts.h"

/* Splits line at colons into at most n fields; the last one keeps the rest
 * of the line, colons and all. Returns how many fields there were. */
static size_t split_fields(char *line, char **fields, size_t n) {
        size_t i = 0;

        fields[i++] = line;
        while (i < n) {
                char *c = strchr(fields[i - 1], ':');

                if (!c)
                        break;
                *c = '\0';
                fields[i++] = c + 1;
        }
        return i;
}

/* The start of the content of a line nss_files would parse, or NULL for a
 * line it skips without complaint. */
static char *content_start(char *line) {
        while (isspace((unsigned char) *line))
                line++;
        if (*line == '\0' || *line == '#')
                return NULL;
        return line;
}

static int grow(void **array, size_t *allocated, size_t n, size_t elem) {
        size_t m;
        void *p;

        if (n < *allocated)
                return 0;
        m = *allocated ? *allocated * 2 : 32;
        if (m > SIZE_MAX / elem)
                return -ENOMEM;
        p = realloc(*array, m * elem);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = m;
        return 0;
}

/* ---- passwd ---------------------------------------------------------------- */

static int passwd_cmp(const void *a, const void *b) {
        const PasswdEntry *x = *(const PasswdEntry *const *) a, *y = *(const PasswdEntry *const *) b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->line < y->line ? -1 : x->line > y->line;
}

PasswdFile *passwd_file_free(PasswdFile *f) {
        if (!f)
                return NULL;
        free(f->by_name);
        free(f->entries);
        free(f->data);
        free(f);
        return NULL;
}

int passwd_parse(const char *buf, size_t size, PasswdFile **ret) {
        PasswdFile *f;
        LineIter it;
        size_t allocated = 0;
        char *line;
        bool has_nul;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->data = text_dup(buf, size);
        if (!f->data) {
                r = -ENOMEM;
                goto fail;
        }

        line_iter_init(&it, f->data, size);
        while ((line = line_iter_next(&it, &has_nul))) {
                char *fields[7], *s;
                PasswdEntry e;

                s = content_start(line);
                if (!s)
                        continue;
                /* name:passwd:uid:gid:gecos:home:shell; the shell takes the
                 * rest of the line, as in nss_files. */
                if (has_nul || split_fields(s, fields, 7) != 7 || fields[0][0] == '\0') {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }
                e = (PasswdEntry) {
                        .name = fields[0],
                        .passwd = fields[1],
                        .gecos = fields[4],
                        .home = fields[5],
                        .shell = fields[6],
                        .line = it.line,
                };
                if (parse_id(fields[2], &e.uid) < 0 || parse_id(fields[3], &e.gid) < 0) {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }

                r = grow((void **) &f->entries, &allocated, f->n_entries, sizeof(PasswdEntry));
                if (r < 0)
                        goto fail;
                f->entries[f->n_entries++] = e;
        }

        if (f->n_entries > 0) {
                f->by_name = calloc(f->n_entries, sizeof(*f->by_name));
                if (!f->by_name) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < f->n_entries; i++)
                        f->by_name[i] = &f->entries[i];
                qsort(f->by_name, f->n_entries, sizeof(*f->by_name), passwd_cmp);
        }

        *ret = f;
        return 0;

fail:
        passwd_file_free(f);
        return r;
}

const PasswdEntry *passwd_find(const PasswdFile *f, const char *name) {
        size_t lo = 0, hi;

        if (!f || !name || f->n_entries == 0)
                return NULL;

        /* Lower bound: the first (lowest line) entry of that name. */
        hi = f->n_entries;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(f->by_name[mid]->name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < f->n_entries && strcmp(f->by_name[lo]->name, name) == 0)
                return f->by_name[lo];
        return NULL;
}

/* ---- shadow ---------------------------------------------------------------- */

static int shadow_cmp(const void *a, const void *b) {
        const ShadowEntry *x = *(const ShadowEntry *const *) a, *y = *(const ShadowEntry *const *) b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->line < y->line ? -1 : x->line > y->line;
}

/* A day count: empty means unset. Leading blanks are taken, as strtoul()
 * in glibc takes them: a line the C library reads must not be one we drop,
 * or an empty password on it would go unseen. */
static int parse_days(const char *s, long *ret) {
        char *end = NULL;
        long v;

        if (*s == '\0') {
                *ret = SHADOW_UNSET;
                return 0;
        }
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || !end || end == s || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

ShadowFile *shadow_file_free(ShadowFile *f) {
        if (!f)
                return NULL;
        free(f->by_name);
        free(f->entries);
        free(f->data);
        free(f);
        return NULL;
}

int shadow_parse(const char *buf, size_t size, ShadowFile **ret) {
        ShadowFile *f;
        LineIter it;
        size_t allocated = 0;
        char *line;
        bool has_nul;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->data = text_dup(buf, size);
        if (!f->data) {
                r = -ENOMEM;
                goto fail;
        }

        line_iter_init(&it, f->data, size);
        while ((line = line_iter_next(&it, &has_nul))) {
                char *fields[10], *s;
                ShadowEntry e;
                size_t n;

                s = content_start(line);
                if (!s)
                        continue;

                /* name:passwd:lastchg:min:max:warn:inactive:expire:flag.
                 * glibc also takes the old five-field form and a line
                 * without the flag field. */
                n = has_nul ? 0 : split_fields(s, fields, ACC_ELEMENTSOF(fields));
                if ((n != 5 && n != 8 && n != 9) || fields[0][0] == '\0') {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }

                e = (ShadowEntry) {
                        .name = fields[0],
                        .passwd = fields[1],
                        .warn_days = SHADOW_UNSET,
                        .inactive_days = SHADOW_UNSET,
                        .expire = SHADOW_UNSET,
                        .line = it.line,
                };
                if (parse_days(fields[2], &e.last_change) < 0 ||
                    parse_days(fields[3], &e.min_days) < 0 ||
                    parse_days(fields[4], &e.max_days) < 0 ||
                    (n >= 8 && (parse_days(fields[5], &e.warn_days) < 0 ||
                                parse_days(fields[6], &e.inactive_days) < 0 ||
                                parse_days(fields[7], &e.expire) < 0))) {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }

                r = grow((void **) &f->entries, &allocated, f->n_entries, sizeof(ShadowEntry));
                if (r < 0)
                        goto fail;
                f->entries[f->n_entries++] = e;
        }

        if (f->n_entries > 0) {
                f->by_name = calloc(f->n_entries, sizeof(*f->by_name));
                if (!f->by_name) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < f->n_entries; i++)
                        f->by_name[i] = &f->entries[i];
                qsort(f->by_name, f->n_entries, sizeof(*f->by_name), shadow_cmp);
        }

        *ret = f;
        return 0;

fail:
        shadow_file_free(f);
        return r;
}

const ShadowEntry *shadow_find(const ShadowFile *f, const char *name) {
        size_t lo = 0, hi;

        if (!f || !name || f->n_entries == 0)
                return NULL;

        hi = f->n_entries;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(f->by_name[mid]->name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < f->n_entries && strcmp(f->by_name[lo]->name, name) == 0)
                return f->by_name[lo];
        return NULL;
}

/* ---- group ----------------------------------------------------------------- */

GroupFile *group_file_free(GroupFile *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_entries; i++)
                free(f->entries[i].members);
        free(f->entries);
        free(f->data);
        free(f);
        return NULL;
}

/* Splits a comma-separated member list in place. Blanks around names are
 * dropped, and so are empty names ("a,,b", a trailing comma). */
static int split_members(char *list, GroupEntry *e) {
        size_t n = 1;
        char *p;

        for (p = list; *p; p++)
                if (*p == ',')
                        n++;
        e->members = calloc(n, sizeof(*e->members));
        if (!e->members)
                return -ENOMEM;

        p = list;
        for (;;) {
                char *comma = strchr(p, ',');
                char *name;

                if (comma)
                        *comma = '\0';
                name = p;
                while (isspace((unsigned char) *name))
                        name++;
                text_trim_end(name);
                if (*name)
                        e->members[e->n_members++] = name;
                if (!comma)
                        break;
                p = comma + 1;
        }
        return 0;
}

int group_parse(const char *buf, size_t size, GroupFile **ret) {
        GroupFile *f;
        LineIter it;
        size_t allocated = 0;
        char *line;
        bool has_nul;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->data = text_dup(buf, size);
        if (!f->data) {
                r = -ENOMEM;
                goto fail;
        }

        line_iter_init(&it, f->data, size);
        while ((line = line_iter_next(&it, &has_nul))) {
                char *fields[4], *s;
                GroupEntry e;
                size_t n;

                s = content_start(line);
                if (!s)
                        continue;

                /* name:passwd:gid:member,member; glibc also takes a line
                 * that stops after the GID. */
                n = has_nul ? 0 : split_fields(s, fields, 4);
                if (n < 3 || fields[0][0] == '\0') {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }
                e = (GroupEntry) {
                        .name = fields[0],
                        .passwd = fields[1],
                        .line = it.line,
                };
                if (parse_id(fields[2], &e.gid) < 0) {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }

                r = grow((void **) &f->entries, &allocated, f->n_entries, sizeof(GroupEntry));
                if (r < 0)
                        goto fail;
                if (n == 4) {
                        r = split_members(fields[3], &e);
                        if (r < 0)
                                goto fail;
                }
                f->entries[f->n_entries++] = e;
        }

        *ret = f;
        return 0;

fail:
        group_file_free(f);
        return r;
}

const GroupEntry *group_find(const GroupFile *f, const char *name) {
        if (!f || !name)
                return NULL;
        /* Linear: checks look up a handful of groups, and getgrnam() also
         * returns the first match. */
        for (size_t i = 0; i < f->n_entries; i++)
                if (strcmp(f->entries[i].name, name) == 0)
                        return &f->entries[i];
        return NULL;
}
