/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small text helpers shared by the parsers and the checks. */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "accounts.h"

void parse_stats_add(ParseStats *s, unsigned line) {
        if (s->n_malformed == 0)
                s->first_malformed = line;
        s->n_malformed++;
}

void line_iter_init(LineIter *it, char *data, size_t size) {
        *it = (LineIter) {
                .p = data,
                .end = data + size,
        };
}

char *line_iter_next(LineIter *it, bool *ret_has_nul) {
        char *start, *nl, *e;

        if (it->p >= it->end)
                return NULL;

        start = it->p;
        nl = memchr(start, '\n', (size_t) (it->end - start));
        e = nl ? nl : it->end;
        it->p = nl ? nl + 1 : it->end;
        it->line++;

        /* A file written on Windows ends its lines with CRLF. */
        if (e > start && e[-1] == '\r')
                e--;

        *ret_has_nul = memchr(start, '\0', (size_t) (e - start)) != NULL;
        *e = '\0';              /* it->end holds the copy's own NUL */
        return start;
}

char *text_dup(const char *buf, size_t size) {
        char *d;

        if (size == SIZE_MAX)
                return NULL;
        d = malloc(size + 1);
        if (!d)
                return NULL;
        if (size > 0)
                memcpy(d, buf, size);
        d[size] = '\0';
        return d;
}

char *text_skip_space(const char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        return (char *) s;
}

void text_trim_end(char *s) {
        size_t n = strlen(s);

        while (n > 0 && strchr(" \t\r\n", s[n - 1]))
                s[--n] = '\0';
}

const char *text_basename(const char *path) {
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

bool text_in_list(const char *s, const char *const *list) {
        if (!s || !list)
                return false;
        for (; *list; list++)
                if (strcmp(*list, s) == 0)
                        return true;
        return false;
}

int parse_id(const char *s, uint32_t *ret) {
        const char *p = s;
        bool negative = false, overflow = false;
        uint64_t v = 0;

        /* nss_files reads IDs with strtoul(), so " 0", "+0", "-0" and "00"
         * are all UID 0 to the C library. Read them the same way, or an
         * account that the system treats as root would slip past us. */
        while (isspace((unsigned char) *p))
                p++;
        if (*p == '+' || *p == '-') {
                negative = *p == '-';
                p++;
        }
        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                unsigned d = (unsigned) (*p - '0');

                if (v > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        v = v * 10 + d;
        }
        if (*p != '\0')
                return -EINVAL;

        if (overflow)
                v = UINT64_MAX;                 /* strtoul() gives ULONG_MAX */
        else if (negative)
                v = (uint64_t) 0 - v;           /* strtoul() negates in unsigned */
        if (v > UINT32_MAX)
                v = UINT32_MAX;                 /* glibc's strtou32() clamps */

        *ret = (uint32_t) v;
        return 0;
}

int parse_long(const char *s, long *ret) {
        const char *p = s;
        char *end = NULL;
        long v;

        if (*p == '+' || *p == '-')
                p++;
        if (!isdigit((unsigned char) *p))
                return -EINVAL;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (!end || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_long_any_base(const char *s, long *ret) {
        char *end = NULL;
        long v;

        if (*s == '\0')
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 0);
        if (errno == ERANGE)
                return -ERANGE;
        if (!end || end == s || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

const char *text_safe(const char *s, size_t max, char *out, size_t out_size) {
        size_t n = 0, i;
        bool cut = false;

        if (out_size < 4) {
                if (out_size > 0)
                        out[0] = '\0';
                return out_size > 0 ? out : "";
        }
        if (!s)
                s = "";

        /* Leave room for "..." and the NUL. */
        if (max > out_size - 4)
                max = out_size - 4;

        for (i = 0; s[i]; i++) {
                unsigned char c = (unsigned char) s[i];

                if (n >= max) {
                        cut = true;
                        break;
                }
                /* Control characters would let a crafted account name
                 * forge lines in the journal or the report. */
                out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
        }

        if (cut) {
                /* Do not leave half a UTF-8 sequence behind. */
                while (n > 0 && ((unsigned char) out[n - 1] & 0xc0) == 0x80)
                        n--;
                if (n > 0 && ((unsigned char) out[n - 1] & 0xc0) == 0xc0)
                        n--;
                memcpy(out + n, "...", 3);
                n += 3;
        }
        out[n] = '\0';
        return out;
}
