/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dpkg's status file, read only for a short list of packages (browsers and
 * mail clients): stanzas of "Field: value" lines separated by blank lines,
 * continuation lines starting with a blank. Only Package, Status and
 * Version are looked at. */
#include <string.h>

#include "credentials.h"

typedef struct Span {
        const char *p;
        size_t len;
} Span;

static bool span_eq(Span s, const char *word) {
        return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

static Span span_trim(const char *p, size_t len) {
        while (len > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
                len--;
        return (Span) { p, len };
}

/* "install ok installed": the third word is the state. A package whose
 * files are on the system is anything but not-installed and config-files
 * (half-installed and unpacked ones have their binaries). */
static bool status_present(Span status) {
        const char *p, *end;
        Span word = {};

        if (status.len == 0)
                return false;
        p = status.p;
        end = status.p + status.len;

        for (unsigned i = 0; i < 3; i++) {
                while (p < end && *p == ' ')
                        p++;
                word.p = p;
                while (p < end && *p != ' ')
                        p++;
                word.len = (size_t) (p - word.p);
        }
        if (word.len == 0)
                return false;
        return !span_eq(word, "not-installed") && !span_eq(word, "config-files");
}

static int hit_add(DpkgHit **hits, size_t *n, const char *name, Span version) {
        DpkgHit *h;
        size_t vlen;

        for (size_t i = 0; i < *n; i++)
                if ((*hits)[i].name == name)
                        return 0;       /* another architecture of the same package */
        h = realloc(*hits, (*n + 1) * sizeof(DpkgHit));
        if (!h)
                return -ENOMEM;
        *hits = h;
        vlen = version.len < sizeof(h->version) - 1 ? version.len : sizeof(h->version) - 1;
        h[*n].name = name;
        if (vlen > 0)
                memcpy(h[*n].version, version.p, vlen);
        h[*n].version[vlen] = '\0';
        (*n)++;
        return 0;
}

int dpkg_find_installed(const char *buf, size_t size, const char *const *names, DpkgHit **ret,
                        size_t *ret_n) {
        DpkgHit *hits = NULL;
        size_t n = 0, pos = 0;
        Span package = {}, status = {}, version = {};
        int r;

        if (!names || !ret || !ret_n || (!buf && size > 0))
                return -EINVAL;

        for (;;) {
                const char *nl, *line, *colon;
                size_t end, len;
                bool last = pos >= size;

                if (!last) {
                        nl = memchr(buf + pos, '\n', size - pos);
                        end = nl ? (size_t) (nl - buf) : size;
                        line = buf + pos;
                        len = end - pos;
                        pos = end + 1;
                } else {
                        line = NULL;
                        len = 0;
                }

                if (last || span_trim(line, len).len == 0) {
                        /* End of a stanza. */
                        if (package.len > 0 && status_present(status))
                                for (const char *const *nm = names; *nm; nm++)
                                        if (span_eq(package, *nm)) {
                                                r = hit_add(&hits, &n, *nm, version);
                                                if (r < 0) {
                                                        free(hits);
                                                        return r;
                                                }
                                        }
                        package = status = version = (Span) {};
                        if (last)
                                break;
                        continue;
                }
                if (line[0] == ' ' || line[0] == '\t')
                        continue;       /* a continuation of a field not read */
                colon = memchr(line, ':', len);
                if (!colon)
                        continue;
                {
                        Span field = span_trim(line, (size_t) (colon - line));
                        Span value = span_trim(colon + 1, len - (size_t) (colon - line) - 1);

                        if (span_eq(field, "Package"))
                                package = value;
                        else if (span_eq(field, "Status"))
                                status = value;
                        else if (span_eq(field, "Version"))
                                version = value;
                }
        }

        *ret = hits;
        *ret_n = n;
        return 0;
}
