/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A dconf keyfile directory (/etc/dconf/db/NAME.d) compiled the way
 * `dconf compile` and `dconf update` do it, into entries and locks for
 * gvdb-write.c.
 *
 * Facts relied on (dconf's bin/dconf-update.vala, read_directory() and
 * read_locks_directory()):
 *   - The keyfiles are the directory's regular files whose names do not
 *     start with '.', read in reverse name order; a key already set by a
 *     file read earlier (a later name) is not set again, so the last name
 *     wins. Each value is parsed with g_variant_parse() and any failure
 *     fails the whole database.
 *   - Locks are every regular, non-hidden file of NAME.d/locks; each line
 *     that starts with '/' is a locked key, taken whole. Without a locks
 *     directory the database has no ".locks" table at all. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock-enforce.h"

#define KEYFILE_MAX (4U * 1024U * 1024U)

static int name_cmp_desc(const void *a, const void *b) {
        return strcmp(*(char *const *) b, *(char *const *) a);
}

static void names_free(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* Regular, non-hidden files of dfd, sorted by name, last name first. */
static int list_files(int dfd, char ***ret, size_t *ret_n) {
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;
        int fd;

        fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                struct stat st;
                char **grown;

                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dfd, de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown)
                        goto oom;
                names = grown;
                names[n] = strdup(de->d_name);
                if (!names[n])
                        goto oom;
                n++;
        }
        closedir(d);
        if (n > 1)
                qsort(names, n, sizeof(*names), name_cmp_desc);
        *ret = names;
        *ret_n = n;
        return 0;
oom:
        closedir(d);
        names_free(names, n);
        return -ENOMEM;
}

void dconf_compiled_done(DconfCompiled *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_entries; i++) {
                free(c->entries[i].key);
                free(c->entries[i].type);
                free(c->entries[i].value.data);
        }
        free(c->entries);
        free(c->sources);
        free(c->pool);
        for (size_t i = 0; i < c->n_locks; i++)
                free(c->locks[i]);
        free(c->locks);
        *c = (DconfCompiled) {};
}

static bool have_key(const DconfCompiled *c, const char *path) {
        for (size_t i = 0; i < c->n_entries; i++)
                if (strcmp(c->entries[i].key, path) == 0)
                        return true;
        return false;
}

static int add_file(DconfCompiled *c, const DconfKeyfile *k, const char *fname, char *reason, size_t rsize) {
        for (size_t j = k->n_entries; j > 0; j--) {
                const DconfKeyfileEntry *en = &k->entries[j - 1];
                const char *why = NULL;
                GvdbEntry *grown;
                char *path, *type = NULL;
                char **sgrown;
                GvBuf value = {};
                int r;

                if (asprintf(&path, "/%s/%s", en->group, en->key) < 0)
                        return -ENOMEM;
                if (have_key(c, path)) {
                        free(path);
                        continue;
                }
                r = gvariant_parse_text(en->value, strlen(en->value), &type, &value, &why);
                if (r < 0) {
                        char shown[80];

                        free(path);
                        if (r == -ENOMEM)
                                return r;
                        snprintf(reason, rsize, "%s line %u: [%s] %s: %s (\"%s\")", fname, en->line, en->group,
                                 en->key, why ? why : "not a value",
                                 sl_text_safe(en->value, 60, shown, sizeof(shown)));
                        return r == -EOPNOTSUPP ? r : -EBADMSG;
                }
                grown = realloc(c->entries, (c->n_entries + 1) * sizeof(*grown));
                sgrown = grown ? realloc(c->sources, (c->n_entries + 1) * sizeof(*sgrown)) : NULL;
                if (grown)
                        c->entries = grown;
                if (!grown || !sgrown) {
                        free(path);
                        free(type);
                        free(value.data);
                        return -ENOMEM;
                }
                c->sources = sgrown;
                c->entries[c->n_entries] = (GvdbEntry) { .key = path, .type = type, .value = value };
                c->sources[c->n_entries] = (char *) fname;
                c->n_entries++;
        }
        return 0;
}

static int add_locks(DconfCompiled *c, int dfd, char *reason, size_t rsize) {
        _cleanup_sl_close_ int lfd = -1;
        char **names = NULL;
        size_t n = 0;
        int r;

        lfd = openat(dfd, "locks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lfd < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        c->have_locks = true;
        r = list_files(lfd, &names, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_sl_free_ char *buf = NULL;
                size_t size = 0;

                r = sl_read_file(lfd, names[i], KEYFILE_MAX, &buf, &size, NULL);
                if (r < 0) {
                        snprintf(reason, rsize, "locks/%s: %s", names[i], sl_error_text(r));
                        break;
                }
                for (char *line = buf; line < buf + size;) {
                        char *nl = memchr(line, '\n', (size_t) (buf + size - line));
                        size_t len = (size_t) ((nl ? nl : buf + size) - line);

                        if (len > 0 && line[0] == '/') {
                                char **grown = realloc(c->locks, (c->n_locks + 1) * sizeof(*grown));

                                if (!grown) {
                                        r = -ENOMEM;
                                        break;
                                }
                                c->locks = grown;
                                c->locks[c->n_locks] = strndup(line, len);
                                if (!c->locks[c->n_locks]) {
                                        r = -ENOMEM;
                                        break;
                                }
                                c->n_locks++;
                        }
                        line = nl ? nl + 1 : buf + size;
                }
        }
        names_free(names, n);
        return r;
}

int dconf_compile_dir(int root_fd, const char *dir, DconfCompiled *ret, char *reason, size_t rsize) {
        _cleanup_sl_close_ int dfd = -1;
        DconfCompiled c = {};
        char **names = NULL;
        size_t n = 0;
        int r;

        reason[0] = '\0';
        dfd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = list_files(dfd, &names, &n);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_(dconf_keyfile_freep) DconfKeyfile *k = NULL;
                _cleanup_sl_free_ char *buf = NULL;
                const char *why = NULL;
                unsigned line = 0;
                size_t size = 0;

                r = sl_read_file(dfd, names[i], KEYFILE_MAX, &buf, &size, NULL);
                if (r < 0) {
                        snprintf(reason, rsize, "%s: %s", names[i], sl_error_text(r));
                        break;
                }
                r = dconf_keyfile_parse(buf, size, &k, &line, &why);
                if (r < 0) {
                        snprintf(reason, rsize, "%s line %u: %s", names[i], line, why ? why : "not a keyfile");
                        break;
                }
                r = add_file(&c, k, names[i], reason, rsize);
        }
        if (r >= 0)
                r = add_locks(&c, dfd, reason, rsize);

        /* The sources point into names: keep them as one allocation the
         * caller frees through the compiled result. */
        if (r >= 0) {
                size_t total = 0;
                char *pool, *w;

                for (size_t i = 0; i < n; i++)
                        total += strlen(names[i]) + 1;
                pool = malloc(total + 1);
                if (!pool)
                        r = -ENOMEM;
                else {
                        w = pool;
                        for (size_t i = 0; i < n; i++) {
                                size_t len = strlen(names[i]) + 1;

                                memcpy(w, names[i], len);
                                for (size_t e = 0; e < c.n_entries; e++)
                                        if (c.sources[e] == names[i])
                                                c.sources[e] = w;
                                w += len;
                        }
                        c.pool = pool;
                }
        }
        names_free(names, n);
        if (r < 0) {
                dconf_compiled_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}
