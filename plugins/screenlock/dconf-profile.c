/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dconf profiles (/etc/dconf/profile/user and friends), read the way
 * dconf's engine reads them.
 *
 * Facts relied on (dconf's engine/dconf-engine-profile.c and
 * dconf-engine-source.c): each line has its leading and trailing ASCII
 * blanks dropped and everything from '#' on ignored; what is left, if
 * anything, must be "TYPE:NAME" with TYPE one of user-db, service-db,
 * system-db, file-db and a non-empty NAME (taken as is, blanks inside
 * included), else dconf warns and skips the line. Sources keep file order,
 * the first one having priority. With no profile file at all dconf acts as
 * if it held the single line "user-db:user". */
#include <string.h>

#include "screenlock.h"

static bool is_ascii_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static const struct {
        const char *prefix;
        DconfSourceType type;
} source_types[] = {
        { "user-db", DCONF_SOURCE_USER },
        { "service-db", DCONF_SOURCE_SERVICE },
        { "system-db", DCONF_SOURCE_SYSTEM },
        { "file-db", DCONF_SOURCE_FILE },
};

const char *dconf_source_type_to_string(DconfSourceType t) {
        for (size_t i = 0; i < SL_ELEMENTSOF(source_types); i++)
                if (source_types[i].type == t)
                        return source_types[i].prefix;
        return "unknown-db";
}

/* line is NUL-terminated and already cut at '\n'. Returns true and fills
 * *ret for a source line; false for a blank one or one dconf ignores
 * (*ret_ignored tells which). */
static bool parse_line(char *line, DconfSource *ret, bool *ret_ignored) {
        char *end, *colon;

        *ret_ignored = false;
        while (is_ascii_space(*line))
                line++;
        end = line + strcspn(line, "#\n");
        while (end > line && is_ascii_space(end[-1]))
                end--;
        if (end == line)
                return false;
        *end = '\0';

        colon = strchr(line, ':');
        if (!colon || colon[1] == '\0') {
                *ret_ignored = true;
                return false;
        }
        for (size_t i = 0; i < SL_ELEMENTSOF(source_types); i++) {
                size_t n = strlen(source_types[i].prefix);

                if ((size_t) (colon - line) == n && memcmp(line, source_types[i].prefix, n) == 0) {
                        ret->type = source_types[i].type;
                        ret->name = colon + 1;
                        return true;
                }
        }
        *ret_ignored = true;
        return false;
}

int dconf_profile_parse(const char *buf, size_t size, DconfProfile **ret) {
        DconfProfile *p;
        size_t n_lines = 1;
        char *line;
        unsigned lineno = 0;

        if (!ret || (!buf && size > 0))
                return -EINVAL;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->data = malloc(size + 1);
        if (!p->data) {
                free(p);
                return -ENOMEM;
        }
        if (size > 0)
                memcpy(p->data, buf, size);
        p->data[size] = '\0';

        for (size_t i = 0; i < size; i++)
                n_lines += buf[i] == '\n';
        p->sources = calloc(n_lines, sizeof(DconfSource));
        if (!p->sources) {
                dconf_profile_free(p);
                return -ENOMEM;
        }

        line = p->data;
        while (line < p->data + size) {
                char *nl = memchr(line, '\n', (size_t) (p->data + size - line));
                char *next = nl ? nl + 1 : p->data + size;
                DconfSource s = {};
                bool ignored;

                lineno++;
                if (nl)
                        *nl = '\0';
                /* A NUL byte ends the line's text, as it does for fgets()'s
                 * caller. */
                if (parse_line(line, &s, &ignored)) {
                        s.line = lineno;
                        p->sources[p->n_sources++] = s;
                } else if (ignored) {
                        if (p->n_ignored++ == 0)
                                p->first_ignored = lineno;
                }
                line = next;
        }

        *ret = p;
        return 0;
}

int dconf_profile_new_default(DconfProfile **ret) {
        static const char line[] = "user-db:user\n";
        DconfProfile *p;
        int r;

        r = dconf_profile_parse(line, sizeof(line) - 1, &p);
        if (r < 0)
                return r;
        p->sources[0].line = 0;
        *ret = p;
        return 0;
}

DconfProfile *dconf_profile_free(DconfProfile *p) {
        if (!p)
                return NULL;
        free(p->sources);
        free(p->data);
        free(p);
        return NULL;
}
