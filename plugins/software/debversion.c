/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Debian version comparison, Debian Policy §5.6.12: [epoch:]upstream[-revision].
 *
 * The epoch compares as a number. Upstream and revision compare the same
 * way: alternating runs of non-digits (compared character by character,
 * '~' sorting before everything including the end, then the end, then
 * letters, then all else, each by ASCII) and digits (compared as numbers,
 * of any length). A missing revision equals "0". */
#include <string.h>

#include "software.h"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Weight of a character of a non-digit run; at == end gives the end's. */
static int char_order(const char *p, const char *end) {
        if (p >= end || is_digit(*p))
                return 0;
        if (*p == '~')
                return -1;
        if (is_letter(*p))
                return (unsigned char) *p;
        return (unsigned char) *p + 256;
}

/* Digit runs as numbers of any length: no overflow, "007" == "7". */
static int compare_number(const char **pa, const char *ae, const char **pb, const char *be) {
        const char *a = *pa, *b = *pb, *a0, *b0;
        size_t na, nb;

        while (a < ae && *a == '0')
                a++;
        while (b < be && *b == '0')
                b++;
        a0 = a;
        b0 = b;
        while (a < ae && is_digit(*a))
                a++;
        while (b < be && is_digit(*b))
                b++;
        *pa = a;
        *pb = b;
        na = (size_t) (a - a0);
        nb = (size_t) (b - b0);
        if (na != nb)
                return na < nb ? -1 : 1;
        for (size_t i = 0; i < na; i++)
                if (a0[i] != b0[i])
                        return a0[i] < b0[i] ? -1 : 1;
        return 0;
}

static int compare_part(const char *a, const char *ae, const char *b, const char *be) {
        while (a < ae || b < be) {
                int c;

                while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
                        int oa = char_order(a, ae), ob = char_order(b, be);

                        if (oa != ob)
                                return oa < ob ? -1 : 1;
                        /* Equal and non-zero: both are non-digits here. */
                        a++;
                        b++;
                }
                c = compare_number(&a, ae, &b, be);
                if (c != 0)
                        return c;
        }
        return 0;
}

typedef struct DebVersion {
        const char *epoch, *epoch_end;
        const char *upstream, *upstream_end;
        const char *revision, *revision_end;
} DebVersion;

static void deb_version_split(const char *s, DebVersion *ret) {
        const char *end = s + strlen(s), *colon, *hyphen = NULL;
        bool epoch_ok = false;

        colon = strchr(s, ':');
        if (colon && colon > s) {
                epoch_ok = true;
                for (const char *p = s; p < colon; p++)
                        epoch_ok = epoch_ok && is_digit(*p);
        }
        /* What dpkg refuses (an epoch that is not a number) compares as an
         * upstream version with epoch 0: deterministic, and total. */
        if (epoch_ok) {
                ret->epoch = s;
                ret->epoch_end = colon;
                s = colon + 1;
        } else
                ret->epoch = ret->epoch_end = s;

        for (const char *p = s; p < end; p++)
                if (*p == '-')
                        hyphen = p;
        ret->upstream = s;
        if (hyphen) {
                ret->upstream_end = hyphen;
                ret->revision = hyphen + 1;
                ret->revision_end = end;
        } else {
                ret->upstream_end = end;
                ret->revision = ret->revision_end = end;
        }
}

int deb_version_compare(const char *a, const char *b) {
        DebVersion va, vb;
        int c;

        deb_version_split(a, &va);
        deb_version_split(b, &vb);

        c = compare_number(&va.epoch, va.epoch_end, &vb.epoch, vb.epoch_end);
        if (c != 0)
                return c;
        c = compare_part(va.upstream, va.upstream_end, vb.upstream, vb.upstream_end);
        if (c != 0)
                return c;
        return compare_part(va.revision, va.revision_end, vb.revision, vb.revision_end);
}
