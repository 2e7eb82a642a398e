/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small reader of dpkg's status file, for what package-aware drift needs:
 * which version of a package is installed, and the MD5 dpkg recorded for
 * each of its conffiles (those are not in info/NAME.md5sums). Written for this
 * plugin alone, on purpose: the software plugin keeps its own inventory
 * reader, and neither leans on the other's idea of what a package is.
 *
 * The format (deb-control(5), deb822): stanzas separated by blank lines;
 * "Field: value" lines; lines starting with a space or tab continue the
 * field before them. Field names are case-insensitive. */
#include <string.h>
#include <strings.h>

#include "integrity.h"

typedef enum Field {
        F_NONE,
        F_PACKAGE,
        F_ARCH,
        F_VERSION,
        F_STATUS,
        F_CONFFILES,
        F_OTHER,
        _F_MAX,
} Field;

typedef struct Span {
        const char *p;
        size_t n;
} Span;

typedef struct Stanza {
        Span value[_F_MAX];
        bool seen[_F_MAX];
        Span *conffiles;                /* continuation lines of Conffiles */
        size_t n_conffiles, cap_conffiles;
        Field current;
        bool any, bad;
} Stanza;

DpkgStatus *dpkg_status_free(DpkgStatus *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_packages; i++) {
                free(s->packages[i].name);
                free(s->packages[i].arch);
                free(s->packages[i].version);
                free(s->packages[i].status);
        }
        free(s->packages);
        for (size_t i = 0; i < s->n_conffiles; i++)
                free(s->conffiles[i].path);
        free(s->conffiles);
        free(s);
        return NULL;
}

static void dpkg_status_freep(DpkgStatus **s) {
        dpkg_status_free(*s);
}

static Span trim(const char *p, size_t n) {
        while (n > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                n--;
        }
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
                n--;
        return (Span) { p, n };
}

static Field field_of(const char *name, size_t n) {
        static const struct {
                const char *name;
                Field f;
        } table[] = {
                { "Package", F_PACKAGE }, { "Architecture", F_ARCH }, { "Version", F_VERSION },
                { "Status", F_STATUS },   { "Conffiles", F_CONFFILES },
        };

        for (size_t i = 0; i < IG_ELEMENTSOF(table); i++)
                if (strlen(table[i].name) == n && strncasecmp(table[i].name, name, n) == 0)
                        return table[i].f;
        return F_OTHER;
}

static char *span_dup(Span s) {
        return strndup(s.p, s.n);
}

/* The value is one word-ish token: no blanks inside (name, arch, version). */
static bool span_is_token(Span s, size_t max) {
        if (s.n == 0 || s.n > max)
                return false;
        for (size_t i = 0; i < s.n; i++)
                if ((unsigned char) s.p[i] <= ' ' || s.p[i] == 0x7f)
                        return false;
        return true;
}

/* "install ok installed": the third word says whether the files are there. */
static bool status_installed(Span s) {
        const char *last = s.p;
        size_t n;

        for (size_t i = 0; i < s.n; i++)
                if (s.p[i] == ' ')
                        last = s.p + i + 1;
        n = (size_t) (s.p + s.n - last);
        return !((n == 13 && strncmp(last, "not-installed", 13) == 0) ||
                 (n == 12 && strncmp(last, "config-files", 12) == 0));
}

static int conffile_add(DpkgStatus *st, Span line, size_t package) {
        Span path, md5;
        const char *sp;
        DpkgConffile c = { .package = package };
        DpkgConffile *n;

        line = trim(line.p, line.n);
        sp = memchr(line.p, ' ', line.n);
        if (!sp)
                goto malformed;
        path = (Span) { line.p, (size_t) (sp - line.p) };
        line = trim(sp, line.n - path.n);
        sp = memchr(line.p, ' ', line.n);
        md5 = (Span) { line.p, sp ? (size_t) (sp - line.p) : line.n };
        if (sp) {
                Span flag = trim(sp, line.n - md5.n);

                /* No longer shipped by the package: nothing to compare with. */
                if ((flag.n == 8 && strncmp(flag.p, "obsolete", 8) == 0) ||
                    (flag.n == 17 && strncmp(flag.p, "remove-on-upgrade", 17) == 0))
                        return 0;
                goto malformed;
        }
        /* "newconffile" stands in while a conffile is being unpacked. */
        if (md5.n != 32 || hex_decode(md5.p, 32, c.md5) < 0 || !path_is_normal(path.p, path.n))
                goto malformed;
        c.path = span_dup(path);
        if (!c.path)
                return -ENOMEM;
        n = realloc(st->conffiles, (st->n_conffiles + 1) * sizeof *n);
        if (!n) {
                free(c.path);
                return -ENOMEM;
        }
        st->conffiles = n;
        n[st->n_conffiles++] = c;
        return 0;
malformed:
        st->n_malformed++;
        return 0;
}

static int stanza_end(DpkgStatus *st, Stanza *s) {
        DpkgPackage p = {};
        DpkgPackage *n;
        int r;

        if (!s->any)
                goto reset;
        /* A name or architecture with ':' or '/' could not be told apart
         * from "name:arch" keys, or would name a file elsewhere. */
        if (s->bad || !s->seen[F_PACKAGE] || !span_is_token(s->value[F_PACKAGE], DPKG_VALUE_MAX) ||
            memchr(s->value[F_PACKAGE].p, ':', s->value[F_PACKAGE].n) ||
            memchr(s->value[F_PACKAGE].p, '/', s->value[F_PACKAGE].n) ||
            (s->seen[F_ARCH] && (!span_is_token(s->value[F_ARCH], 64) ||
                                 memchr(s->value[F_ARCH].p, ':', s->value[F_ARCH].n) ||
                                 memchr(s->value[F_ARCH].p, '/', s->value[F_ARCH].n))) ||
            (s->seen[F_VERSION] && !span_is_token(s->value[F_VERSION], DPKG_VALUE_MAX)) ||
            (s->seen[F_STATUS] && s->value[F_STATUS].n > DPKG_VALUE_MAX)) {
                st->n_malformed++;
                goto reset;
        }
        p.name = span_dup(s->value[F_PACKAGE]);
        p.arch = s->seen[F_ARCH] ? span_dup(s->value[F_ARCH]) : NULL;
        p.version = s->seen[F_VERSION] ? span_dup(s->value[F_VERSION]) : NULL;
        p.status = s->seen[F_STATUS] ? span_dup(s->value[F_STATUS]) : NULL;
        p.installed = s->seen[F_STATUS] && status_installed(s->value[F_STATUS]);
        if (!p.name || (s->seen[F_ARCH] && !p.arch) || (s->seen[F_VERSION] && !p.version) ||
            (s->seen[F_STATUS] && !p.status))
                goto oom;
        n = realloc(st->packages, (st->n_packages + 1) * sizeof *n);
        if (!n)
                goto oom;
        st->packages = n;
        n[st->n_packages++] = p;
        for (size_t i = 0; i < s->n_conffiles; i++) {
                r = conffile_add(st, s->conffiles[i], st->n_packages - 1);
                if (r < 0)
                        return r;
        }
reset:
        {
                Span *keep = s->conffiles;
                size_t cap = s->cap_conffiles;

                *s = (Stanza) { .conffiles = keep, .cap_conffiles = cap };
        }
        return 0;
oom:
        free(p.name);
        free(p.arch);
        free(p.version);
        free(p.status);
        return -ENOMEM;
}

static int stanza_line(Stanza *s, const char *line, size_t n) {
        const char *colon;
        Field f;

        s->any = true;
        if (memchr(line, '\0', n)) {
                s->bad = true;
                return 0;
        }
        if (line[0] == ' ' || line[0] == '\t') {
                if (s->current == F_NONE) {
                        s->bad = true;
                } else if (s->current == F_CONFFILES) {
                        if (s->n_conffiles == s->cap_conffiles) {
                                size_t cap = s->cap_conffiles ? s->cap_conffiles * 2 : 16;
                                Span *c = realloc(s->conffiles, cap * sizeof *c);

                                if (!c)
                                        return -ENOMEM;
                                s->conffiles = c;
                                s->cap_conffiles = cap;
                        }
                        s->conffiles[s->n_conffiles++] = (Span) { line, n };
                } else if (s->current != F_OTHER)
                        s->bad = true;          /* our fields are one line */
                return 0;
        }
        colon = memchr(line, ':', n);
        if (!colon || colon == line) {
                s->bad = true;
                s->current = F_NONE;
                return 0;
        }
        for (const char *c = line; c < colon; c++)
                if ((unsigned char) *c <= ' ' || *c == 0x7f) {
                        s->bad = true;
                        s->current = F_NONE;
                        return 0;
                }
        f = field_of(line, (size_t) (colon - line));
        if (f != F_OTHER && s->seen[f])
                s->bad = true;
        s->seen[f] = true;
        s->value[f] = trim(colon + 1, n - (size_t) (colon + 1 - line));
        s->current = f;
        return 0;
}

int dpkg_status_parse(const char *buf, size_t size, DpkgStatus **ret) {
        _cleanup_(dpkg_status_freep) DpkgStatus *st = NULL;
        Stanza s = {};
        const char *p = buf, *end = buf + size;
        int r = 0;

        if (size > DPKG_STATUS_MAX)
                return -EFBIG;
        st = calloc(1, sizeof *st);
        if (!st)
                return -ENOMEM;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                Span t = trim(p, n);

                if (t.n == 0 && (n == 0 || !memchr(p, '\0', n)))
                        r = stanza_end(st, &s);
                else
                        r = stanza_line(&s, p, n && p[n - 1] == '\r' ? n - 1 : n);
                if (r < 0)
                        break;
                p = nl ? nl + 1 : end;
        }
        if (r >= 0)
                r = stanza_end(st, &s);
        free(s.conffiles);
        if (r < 0)
                return r;
        *ret = st;
        st = NULL;
        return 0;
}

const DpkgPackage *dpkg_status_find(const DpkgStatus *s, const char *key) {
        const char *colon = strchr(key, ':');
        size_t n = colon ? (size_t) (colon - key) : strlen(key);
        const DpkgPackage *found = NULL;

        for (size_t i = 0; i < s->n_packages; i++) {
                const DpkgPackage *p = &s->packages[i];

                if (strlen(p->name) != n || strncmp(p->name, key, n) != 0)
                        continue;
                if (colon && (!p->arch || strcmp(p->arch, colon + 1) != 0))
                        continue;
                /* Of several (multi-arch), prefer one whose files are there. */
                if (!found || (!found->installed && p->installed))
                        found = p;
        }
        return found;
}
