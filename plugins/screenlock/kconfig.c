/* SPDX-License-Identifier: GPL-2.0-or-later */
/* KConfig INI files (kscreenlockerrc and friends), read the way KDE's
 * KConfigIniBackend reads them, and the display managers' INI files.
 *
 * Facts relied on (KDE Frameworks' kconfig, "Kiosk" documentation and
 * kconfigini.cpp):
 *   - Each line has its leading and trailing blanks dropped; blank lines and
 *     lines starting with '#' are skipped.
 *   - "[Group]" starts a group; "[A][B]" a nested group; a trailing "[$i]"
 *     makes the group immutable: files read later (the user's) cannot change
 *     any of its entries. "[$i]" alone before the first group makes the whole
 *     file immutable. A header that does not end in ']' or names an empty group
 *     is skipped.
 *   - "Key=value": the key and the value are trimmed; the key may carry
 *     "[locale]" and option brackets "[$i]" (this entry immutable), "[$e]"
 *     (shell expansion), which may be combined ("[$ie]"). A line without
 *     '=' or with an empty key is skipped.
 *   - Values use backslash escapes: \s (space), \t, \n, \r, \\, \xHH; \;
 *     and \, stand for themselves.
 *   - Within one file a later line for the same key wins.
 *   - Booleans are "true", "on", "yes", "1" or "false", "off", "no", "0",
 *     in any case. */
#include <string.h>
#include <strings.h>

#include "screenlock-desktops.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims [*s, *e) in place. */
static void trim(char **s, char **e) {
        while (*s < *e && is_blank(**s))
                (*s)++;
        while (*e > *s && is_blank((*e)[-1]))
                (*e)--;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Resolves escapes in [s, e) in place (the result is never longer) and
 * NUL-terminates it. */
static char *unescape(char *s, char *e) {
        char *w = s;

        for (char *r = s; r < e; r++) {
                if (*r != '\\' || r + 1 >= e) {
                        *w++ = *r;
                        continue;
                }
                r++;
                switch (*r) {
                case 's':
                        *w++ = ' ';
                        break;
                case 't':
                        *w++ = '\t';
                        break;
                case 'n':
                        *w++ = '\n';
                        break;
                case 'r':
                        *w++ = '\r';
                        break;
                case '\\':
                case ';':
                case ',':
                        *w++ = *r;
                        break;
                case 'x':
                        if (r + 2 < e && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
                                char c = (char) (hexval(r[1]) * 16 + hexval(r[2]));

                                /* A NUL would cut the value short; KConfig
                                 * keeps it in a QByteArray. Shown as '?'. */
                                *w++ = c ? c : '?';
                                r += 2;
                        } else {
                                *w++ = '\\';
                                *w++ = 'x';
                        }
                        break;
                default:
                        /* Unknown escapes keep the backslash. */
                        *w++ = '\\';
                        *w++ = *r;
                        break;
                }
        }
        *w = '\0';
        return s;
}

/* The end of a bracket segment starting after '[' at p (the ']'), or NULL. */
static char *segment_end(char *p, char *e) {
        for (; p < e; p++) {
                if (*p == '\\' && p + 1 < e) {
                        p++;
                        continue;
                }
                if (*p == ']')
                        return p;
        }
        return NULL;
}

static bool marker_has(const char *s, const char *e, char flag) {
        /* s points at '$' */
        for (s++; s < e; s++)
                if (*s == flag)
                        return true;
        return false;
}

typedef struct Parser {
        KcFile *f;
        const char *group;
        bool group_immutable;
        bool seen_group;
} Parser;

static void invalid(Parser *ps, unsigned lineno) {
        if (ps->f->n_invalid++ == 0)
                ps->f->first_invalid = lineno;
}

/* "[a][b][$i]": rewrites the names in place as "a\x1db". */
static void parse_header(Parser *ps, char *s, char *e, unsigned lineno) {
        char *name = s, *w = s;
        bool immutable = false, any_name = false;
        char *p = s;

        /* A lone "[$i]" before any group: the whole file. */
        if (!ps->seen_group && e - s == 4 && memcmp(s, "[$i]", 4) == 0) {
                ps->f->file_immutable = true;
                return;
        }

        while (p < e) {
                char *close;

                if (*p != '[') {
                        invalid(ps, lineno);
                        return;
                }
                close = segment_end(p + 1, e);
                if (!close) {
                        invalid(ps, lineno);
                        return;
                }
                if (p[1] == '$') {
                        if (marker_has(p + 1, close, 'i'))
                                immutable = true;
                } else {
                        char *piece = unescape(p + 1, close);
                        size_t n = strlen(piece);

                        /* "[]" names no group. */
                        if (n == 0) {
                                invalid(ps, lineno);
                                return;
                        }

                        if (any_name)
                                *w++ = '\x1d';
                        memmove(w, piece, n);
                        w += n;
                        any_name = true;
                }
                p = close + 1;
        }
        if (!any_name) {
                invalid(ps, lineno);
                return;
        }
        *w = '\0';
        ps->group = name;
        ps->group_immutable = immutable;
        ps->seen_group = true;
        ps->f->entries[ps->f->n_entries++] = (KcEntry) {
                .group = name,
                .group_immutable = immutable,
                .line = lineno,
        };
}

static void parse_entry(Parser *ps, char *s, char *e, unsigned lineno) {
        char *eq = memchr(s, '=', (size_t) (e - s));
        char *ks, *ke, *vs, *ve, *br;
        KcEntry en = {
                .group = ps->group,
                .group_immutable = ps->group_immutable,
                .line = lineno,
        };

        if (!eq) {
                invalid(ps, lineno);
                return;
        }
        ks = s;
        ke = eq;
        vs = eq + 1;
        ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);

        /* Option and locale brackets at the end of the key. */
        br = memchr(ks, '[', (size_t) (ke - ks));
        if (br) {
                char *p = br;

                while (p < ke) {
                        char *close;

                        if (*p != '[' || !(close = segment_end(p + 1, ke))) {
                                invalid(ps, lineno);
                                return;
                        }
                        if (p[1] == '$') {
                                en.immutable = en.immutable || marker_has(p + 1, close, 'i');
                                en.expand = en.expand || marker_has(p + 1, close, 'e');
                        } else if (!en.locale) {
                                *close = '\0';
                                en.locale = p + 1;
                        }
                        p = close + 1;
                }
                ke = br;
                while (ke > ks && is_blank(ke[-1]))
                        ke--;
        }
        if (ke == ks) {
                invalid(ps, lineno);
                return;
        }
        *ke = '\0';
        en.key = ks;
        en.value = unescape(vs, ve);
        ps->f->entries[ps->f->n_entries++] = en;
}

int kc_parse(const char *buf, size_t size, KcFile **ret) {
        Parser ps = { .group = "" };
        size_t n_lines = 1;
        unsigned lineno = 0;
        KcFile *f;
        char *line;

        if (!ret || (!buf && size > 0))
                return -EINVAL;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->data = malloc(size + 1);
        if (!f->data) {
                free(f);
                return -ENOMEM;
        }
        if (size > 0)
                memcpy(f->data, buf, size);
        f->data[size] = '\0';
        for (size_t i = 0; i < size; i++)
                n_lines += buf[i] == '\n';
        f->entries = calloc(n_lines, sizeof(KcEntry));
        if (!f->entries) {
                kc_free(f);
                return -ENOMEM;
        }
        ps.f = f;

        line = f->data;
        while (line < f->data + size) {
                char *nl = memchr(line, '\n', (size_t) (f->data + size - line));
                char *next = nl ? nl + 1 : f->data + size;
                char *s = line, *e = nl ? nl : f->data + size;
                char *nul;

                lineno++;
                /* A NUL ends the line's text. */
                nul = memchr(s, '\0', (size_t) (e - s));
                if (nul)
                        e = nul;
                trim(&s, &e);
                if (s == e || *s == '#') {
                        line = next;
                        continue;
                }
                if (*s == '[')
                        parse_header(&ps, s, e, lineno);
                else
                        parse_entry(&ps, s, e, lineno);
                line = next;
        }

        *ret = f;
        return 0;
}

KcFile *kc_free(KcFile *f) {
        if (!f)
                return NULL;
        free(f->entries);
        free(f->data);
        free(f);
        return NULL;
}

const KcEntry *kc_lookup(const KcFile *f, const char *group, const char *key) {
        for (size_t i = f ? f->n_entries : 0; i > 0; i--) {
                const KcEntry *en = &f->entries[i - 1];

                if (en->key && !en->locale && strcmp(en->group, group) == 0 && strcmp(en->key, key) == 0)
                        return en;
        }
        return NULL;
}

bool kc_group_immutable(const KcFile *f, const char *group) {
        for (size_t i = 0; f && i < f->n_entries; i++)
                if (!f->entries[i].key && f->entries[i].group_immutable &&
                    strcmp(f->entries[i].group, group) == 0)
                        return true;
        return false;
}

int kc_parse_bool(const char *v, bool *ret) {
        static const char *const yes[] = { "true", "on", "yes", "1" };
        static const char *const no[] = { "false", "off", "no", "0" };

        for (size_t i = 0; i < SL_ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(v, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int kc_parse_int(const char *v, int64_t *ret) {
        uint64_t n = 0;
        bool neg = false;

        while (is_blank(*v))
                v++;
        if (*v == '+' || *v == '-')
                neg = *v++ == '-';
        if (*v < '0' || *v > '9')
                return -EINVAL;
        for (; *v >= '0' && *v <= '9'; v++) {
                if (n > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                n = n * 10 + (uint64_t) (*v - '0');
        }
        while (is_blank(*v))
                v++;
        if (*v)
                return -EINVAL;
        if (n > (uint64_t) INT64_MAX)
                return -ERANGE;
        *ret = neg ? -(int64_t) n : (int64_t) n;
        return 0;
}
