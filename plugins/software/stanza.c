/* SPDX-License-Identifier: GPL-2.0-or-later */
/* deb822 paragraphs, as dpkg's status file and apt's Packages lists hold
 * them: "Field: value" lines, continuation lines that start with a space or
 * a tab, paragraphs separated by blank lines. CRLF is tolerated.
 *
 * The reader never allocates: values are slices of the caller's buffer, and
 * only the fields the caller asks for are kept. A paragraph with a line that
 * is neither a field nor a continuation is returned whole with .malformed
 * set, so that the caller can skip and count it without losing the
 * paragraphs after it. */
#include <string.h>
#include <strings.h>

#include "software.h"

void stanza_reader_init(StanzaReader *r, const char *buf, size_t size) {
        *r = (StanzaReader) {
                .p = buf,
                .end = buf + size,
        };
}

/* The next line, without its line break and trailing blanks. */
static bool next_line(StanzaReader *r, const char **ret_s, const char **ret_e, bool *ret_nul) {
        const char *s = r->p, *nl, *e;

        if (s >= r->end)
                return false;
        nl = memchr(s, '\n', (size_t) (r->end - s));
        e = nl ? nl : r->end;
        r->p = nl ? nl + 1 : r->end;
        r->line++;
        *ret_nul = memchr(s, '\0', (size_t) (e - s)) != NULL;
        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
        *ret_s = s;
        *ret_e = e;
        return true;
}

/* Trailing blanks are already gone, so a blank line is an empty one. */
static bool line_is_blank(const char *s, const char *e) {
        while (s < e && (*s == ' ' || *s == '\t'))
                s++;
        return s == e;
}

static bool field_name_is_valid(const char *s, const char *e) {
        if (s == e)
                return false;
        for (; s < e; s++)
                if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

int stanza_reader_next(StanzaReader *r, const char *const *wanted, size_t n_wanted,
                       Stanza *ret) {
        bool have_field = false, nul;
        Slice *cur = NULL;
        const char *s, *e;

        if (n_wanted > STANZA_FIELDS_MAX)
                n_wanted = STANZA_FIELDS_MAX;
        *ret = (Stanza) {};

        /* Blank lines before the paragraph. */
        for (;;) {
                const char *save = r->p;
                unsigned save_line = r->line;

                if (!next_line(r, &s, &e, &nul))
                        return 0;
                if (!nul && line_is_blank(s, e))
                        continue;
                r->p = save;
                r->line = save_line;
                break;
        }
        ret->line = r->line + 1;

        while (next_line(r, &s, &e, &nul)) {
                const char *colon, *v;

                if (nul) {
                        ret->malformed = true;
                        have_field = true;
                        cur = NULL;
                        continue;
                }
                if (line_is_blank(s, e))
                        break;

                if (*s == ' ' || *s == '\t') {
                        /* A continuation: extends the wanted field it follows. */
                        if (!have_field)
                                ret->malformed = true;
                        else if (cur)
                                cur->n = (size_t) (e - cur->p);
                        continue;
                }

                have_field = true;
                cur = NULL;
                colon = memchr(s, ':', (size_t) (e - s));
                if (!colon || !field_name_is_valid(s, colon)) {
                        ret->malformed = true;
                        continue;
                }
                for (size_t i = 0; i < n_wanted; i++) {
                        size_t len = strlen(wanted[i]);

                        if ((size_t) (colon - s) != len || strncasecmp(s, wanted[i], len) != 0)
                                continue;
                        if (ret->values[i].p) {
                                /* Which of the two would dpkg believe? Neither. */
                                ret->malformed = true;
                                break;
                        }
                        v = colon + 1;
                        while (v < e && (*v == ' ' || *v == '\t'))
                                v++;
                        ret->values[i] = (Slice) { v, (size_t) (e - v) };
                        cur = &ret->values[i];
                        break;
                }
        }
        return 1;
}
