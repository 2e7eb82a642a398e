/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The params of integrity.no-drift, and the watch set they describe:
 *
 *   paths       list of absolute paths (files or directories)       required
 *   recursive   true/false: directories' whole subtrees, or only     default true
 *               their direct entries
 *   exclude     list of glob patterns (glob.c); a pattern with a '/'
 *               matches the whole path, one without matches a name,
 *               and an excluded directory takes its subtree with it
 *   attributes  list among content, mode, owner, size, mtime, inode,
 *               link, xattrs                                         default all but
 *                                                                    mtime and inode
 *   io-rate     whole MiB/s: cap on reading for full scans           default none
 *   deep        true/false: re-hash every file on scheduled scans    default false
 *
 * The rule's interval (host side) sets how often the full scan runs. */
#include <stdio.h>
#include <string.h>

#include "integrity.h"

#define IO_RATE_MAX_MIB 100000          /* beyond any disk: 100 GB/s */

static const char *const attr_names[] = {
        "content", "mode", "owner", "size", "mtime", "inode", "link", "xattrs",
};

const char *attr_name(Attr a) {
        for (size_t i = 0; i < IG_ELEMENTSOF(attr_names); i++)
                if (a == 1U << i)
                        return attr_names[i];
        return "?";
}

int attr_from_name(const char *s) {
        for (size_t i = 0; i < IG_ELEMENTSOF(attr_names); i++)
                if (strcmp(s, attr_names[i]) == 0)
                        return (int) (1U << i);
        return -EINVAL;
}

static void strv_free_n(char **l, size_t n) {
        if (!l)
                return;
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
}

void watchset_done(WatchSet *set) {
        if (!set)
                return;
        strv_free_n(set->paths, set->n_paths);
        strv_free_n(set->excludes, set->n_excludes);
        if (set->globs)
                for (size_t i = 0; i < set->n_excludes; i++)
                        glob_free(set->globs[i]);
        free(set->globs);
        *set = (WatchSet) {};
}

static int cmp_paths(const void *a, const void *b) {
        return path_compare(*(char *const *) a, *(char *const *) b);
}

int watchset_init(WatchSet *set, const char *const *paths, size_t n_paths,
                  const char *const *excludes, size_t n_excludes, bool recursive) {
        WatchSet s = { .recursive = recursive };
        size_t o = 0;
        int r;

        if (n_paths == 0 || n_paths > WATCH_PATHS_MAX || n_excludes > WATCH_EXCLUDES_MAX)
                return -EINVAL;
        s.paths = calloc(n_paths, sizeof *s.paths);
        s.excludes = calloc(n_excludes + 1, sizeof *s.excludes);
        s.globs = calloc(n_excludes + 1, sizeof *s.globs);
        if (!s.paths || !s.excludes || !s.globs) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n_paths; i++) {
                r = path_normalize(paths[i], &s.paths[s.n_paths]);
                if (r < 0)
                        goto fail;
                s.n_paths++;
        }
        qsort(s.paths, s.n_paths, sizeof *s.paths, cmp_paths);
        for (size_t i = 0; i < s.n_paths; i++) {
                if (o > 0 && strcmp(s.paths[o - 1], s.paths[i]) == 0) {
                        free(s.paths[i]);
                        continue;
                }
                s.paths[o++] = s.paths[i];
        }
        s.n_paths = o;

        for (size_t i = 0; i < n_excludes; i++) {
                s.excludes[i] = strdup(excludes[i]);
                if (!s.excludes[i]) {
                        s.n_excludes = i;
                        r = -ENOMEM;
                        goto fail;
                }
                s.n_excludes = i + 1;
                r = glob_compile(excludes[i], &s.globs[i]);
                if (r < 0)
                        goto fail;
        }
        *set = s;
        return 0;
fail:
        watchset_done(&s);
        return r;
}

bool watchset_equal(const WatchSet *a, const WatchSet *b) {
        if (a->recursive != b->recursive || a->n_paths != b->n_paths ||
            a->n_excludes != b->n_excludes)
                return false;
        for (size_t i = 0; i < a->n_paths; i++)
                if (strcmp(a->paths[i], b->paths[i]) != 0)
                        return false;
        for (size_t i = 0; i < a->n_excludes; i++)
                if (strcmp(a->excludes[i], b->excludes[i]) != 0)
                        return false;
        return true;
}

bool watchset_excluded(const WatchSet *set, const char *path, const char *name) {
        for (size_t i = 0; i < set->n_excludes; i++)
                if (glob_match(set->globs[i], glob_has_slash(set->globs[i]) ? path : name))
                        return true;
        return false;
}

/* Whether entry e covers path (which is under it). */
static bool entry_covers(const WatchSet *set, const char *e, const char *path) {
        size_t n = strcmp(e, "/") == 0 ? 0 : strlen(e);
        char buf[IG_PATH_MAX];
        size_t len = strlen(path);

        if (strcmp(path, e) == 0)
                return true;
        if (!set->recursive && strchr(path + n + 1, '/'))
                return false;
        if (set->n_excludes == 0)
                return true;
        if (len >= sizeof buf)
                return false;
        memcpy(buf, path, len + 1);
        /* Each component below the entry, with the path up to it. */
        for (size_t i = n + 1; i <= len; i++) {
                size_t start = i;

                while (i < len && buf[i] != '/')
                        i++;
                buf[i] = '\0';
                if (watchset_excluded(set, buf, buf + start))
                        return false;
                buf[i] = path[i];
        }
        return true;
}

bool watchset_covers(const WatchSet *set, const char *path) {
        for (size_t i = 0; i < set->n_paths; i++)
                if (path_is_under(path, set->paths[i]) && entry_covers(set, set->paths[i], path))
                        return true;
        return false;
}

bool watchset_descends(const WatchSet *set, const char *path) {
        for (size_t i = 0; i < set->n_paths; i++)
                if (path_is_under(path, set->paths[i]) &&
                    (set->recursive || strcmp(path, set->paths[i]) == 0) &&
                    entry_covers(set, set->paths[i], path))
                        return true;
        return false;
}

/* ---- the rule's params ------------------------------------------------------------ */

Spec *spec_free(Spec *s) {
        if (!s)
                return NULL;
        watchset_done(&s->set);
        free(s);
        return NULL;
}

static void spec_freep(Spec **s) {
        spec_free(*s);
}

static int parse_bool(const char *s, bool *ret) {
        if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
                *ret = true;
                return 0;
        }
        if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0) {
                *ret = false;
                return 0;
        }
        return -EINVAL;
}

static size_t values_count(const char *const *v) {
        size_t n = 0;

        while (v[n])
                n++;
        return n;
}

#define FAIL(i, ...)                                                    \
        do {                                                            \
                snprintf(msg, msg_size, __VA_ARGS__);                   \
                *reterr_param = (i);                                    \
                return -EINVAL;                                         \
        } while (0)

int spec_parse(const struct mamori_rule *r, Spec **ret, size_t *reterr_param, char *msg,
               size_t msg_size) {
        static const char *const known[] = { "paths", "recursive", "exclude", "attributes",
                                             "io-rate", "deep" };
        _cleanup_(spec_freep) Spec *s = NULL;
        const char *const *paths = NULL, *const *excludes = NULL;
        size_t n_paths = 0, n_excludes = 0, paths_param = (size_t) -1, exclude_param = (size_t) -1;
        bool recursive = true;
        char shown[160];
        int k;

        *reterr_param = (size_t) -1;
        if (!r->check || strcmp(r->check, IG_CHECK) != 0) {
                snprintf(msg, msg_size, "unknown check \"%s\"",
                         text_safe(r->check, 64, shown, sizeof shown));
                return -ENOENT;
        }
        if (r->n_params > 0 && !r->params) {
                snprintf(msg, msg_size, "params missing");
                return -EINVAL;
        }
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->attrs = ATTR_DEFAULT;

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *p = &r->params[i];
                size_t n;
                bool ok = false;

                if (!p->key || !p->values)
                        FAIL(i, "param %zu has no key or no values", i);
                for (size_t j = 0; j < IG_ELEMENTSOF(known); j++)
                        ok = ok || strcmp(p->key, known[j]) == 0;
                if (!ok)
                        FAIL(i, "unknown param \"%s\": %s takes paths, recursive, exclude, "
                             "attributes, io-rate, deep",
                             text_safe(p->key, 48, shown, sizeof shown), IG_CHECK);
                for (size_t j = 0; j < i; j++)
                        if (strcmp(r->params[j].key, p->key) == 0)
                                FAIL(i, "%s: given twice", p->key);
                n = values_count(p->values);

                if (strcmp(p->key, "paths") == 0) {
                        if (n == 0)
                                FAIL(i, "paths: expected a list of absolute paths, got none");
                        if (n > WATCH_PATHS_MAX)
                                FAIL(i, "paths: at most %d paths per rule, got %zu (split the rule)",
                                     WATCH_PATHS_MAX, n);
                        for (size_t j = 0; j < n; j++) {
                                _cleanup_ig_free_ char *norm = NULL;

                                if (path_normalize(p->values[j], &norm) < 0)
                                        FAIL(i, "paths: \"%s\" is not an absolute path without "
                                             "\".\" or \"..\" components",
                                             text_safe(p->values[j], 96, shown, sizeof shown));
                        }
                        paths = p->values;
                        n_paths = n;
                        paths_param = i;
                } else if (strcmp(p->key, "exclude") == 0) {
                        if (n > WATCH_EXCLUDES_MAX)
                                FAIL(i, "exclude: at most %d patterns, got %zu", WATCH_EXCLUDES_MAX, n);
                        for (size_t j = 0; j < n; j++) {
                                k = glob_match_pattern(p->values[j], "");
                                if (k == -E2BIG)
                                        FAIL(i, "exclude: pattern longer than %d bytes", GLOB_PATTERN_MAX);
                                if (k < 0)
                                        FAIL(i, "exclude: bad pattern \"%s\" (an unclosed \"[\", "
                                             "a range like z-a, or a trailing \"\\\")",
                                             text_safe(p->values[j], 96, shown, sizeof shown));
                        }
                        excludes = p->values;
                        n_excludes = n;
                        exclude_param = i;
                } else if (strcmp(p->key, "attributes") == 0) {
                        if (n == 0)
                                FAIL(i, "attributes: expected at least one of content, mode, owner, "
                                     "size, mtime, inode, link, xattrs");
                        s->attrs = 0;
                        for (size_t j = 0; j < n; j++) {
                                k = attr_from_name(p->values[j]);
                                if (k < 0)
                                        FAIL(i, "attributes: unknown attribute \"%s\": expected "
                                             "content, mode, owner, size, mtime, inode, link or xattrs",
                                             text_safe(p->values[j], 48, shown, sizeof shown));
                                s->attrs |= (uint32_t) k;
                        }
                } else if (strcmp(p->key, "io-rate") == 0) {
                        unsigned long v = 0;
                        char *end = NULL;

                        if (n != 1)
                                FAIL(i, "io-rate: expected one whole number of MiB/s, got %zu values", n);
                        errno = 0;
                        if (p->values[0][0] >= '0' && p->values[0][0] <= '9')
                                v = strtoul(p->values[0], &end, 10);
                        if (!end || *end || errno || v < 1 || v > IO_RATE_MAX_MIB)
                                FAIL(i, "io-rate: expected a whole number of MiB/s from 1 to %d, got \"%s\"",
                                     IO_RATE_MAX_MIB, text_safe(p->values[0], 48, shown, sizeof shown));
                        s->io_rate = (uint64_t) v * 1024 * 1024;
                } else {
                        bool b;

                        if (n != 1 || parse_bool(p->values[0], &b) < 0)
                                FAIL(i, "%s: expected true or false, got %s%s%s", p->key,
                                     n == 1 ? "\"" : "",
                                     n == 1 ? text_safe(p->values[0], 48, shown, sizeof shown)
                                            : "a list",
                                     n == 1 ? "\"" : "");
                        if (strcmp(p->key, "deep") == 0)
                                s->deep = b;
                        else
                                recursive = b;
                }
        }
        if (n_paths == 0) {
                snprintf(msg, msg_size, "paths: required: the files and directories to watch");
                return -EINVAL;
        }
        k = watchset_init(&s->set, paths, n_paths, excludes, n_excludes, recursive);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                /* Checked above, one by one; only the pair can still fail. */
                *reterr_param = exclude_param != (size_t) -1 ? exclude_param : paths_param;
                snprintf(msg, msg_size, "paths or exclude: not usable");
                return -EINVAL;
        }
        *ret = s;
        s = NULL;
        return 0;
}
