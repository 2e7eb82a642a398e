/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ClamAV signature database headers. A .cvd (and the .cld freshclam keeps
 * after applying incremental updates) starts with a 512-byte text header,
 * padded with spaces:
 *
 *   ClamAV-VDB:<build time>:<version>:<signatures>:<flevel>:<md5>:<dsig>:<builder>:<seconds>
 *
 * sigtool writes the build time as "%d %b %Y %H-%M %z" ("16 Apr 2020 07-58
 * -0400"), with a '-' so that the header splits on ':'; the last field is
 * the same instant in seconds since the epoch. */
#include <string.h>

#include "software.h"

#define CVD_MAGIC "ClamAV-VDB:"
#define CVD_FIELDS_MAX 12

/* "16 Apr 2020 07-58 -0400", for headers without the seconds field. */
static int parse_build_time(const char *s, size_t n, int64_t *ret) {
        char tmp[64];
        char *dash;

        /* The same shape as an RFC 2822 date once the '-' between hour and
         * minute is a ':'. The zone's sign is after a blank, so the first
         * '-' past the year is the one. */
        if (n == 0 || n >= sizeof(tmp))
                return -EINVAL;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        dash = strchr(tmp, '-');
        if (!dash || dash == tmp || dash[-1] == ' ')
                return -EINVAL;
        *dash = ':';
        return parse_rfc2822_date(tmp, n, ret);
}

int cvd_header_parse(const void *buf, size_t size, CvdHeader *ret) {
        const char *h = buf, *end, *f[CVD_FIELDS_MAX];
        size_t len[CVD_FIELDS_MAX], n = 0, v;
        CvdHeader c = { .build_time = -1 };
        const char *p;

        if (!buf || size < strlen(CVD_MAGIC) || memcmp(h, CVD_MAGIC, strlen(CVD_MAGIC)) != 0)
                return -EINVAL;
        if (size > CVD_HEADER_SIZE)
                size = CVD_HEADER_SIZE;
        end = h + size;
        /* The padding, and a NUL if someone wrote one. */
        p = memchr(h, '\0', size);
        if (p)
                end = p;
        while (end > h && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r'))
                end--;

        for (p = h; n < CVD_FIELDS_MAX; n++) {
                const char *colon = memchr(p, ':', (size_t) (end - p));

                f[n] = p;
                len[n] = (size_t) ((colon ? colon : end) - p);
                if (!colon) {
                        n++;
                        break;
                }
                p = colon + 1;
        }
        if (n < 5)
                return -EBADMSG;

        /* A build time written with "%H:%M" splits in two; the version is
         * then one field later. */
        v = 2;
        if (parse_u64_n(f[2], len[2], &c.version) < 0) {
                v = 3;
                if (n < 6 || parse_u64_n(f[3], len[3], &c.version) < 0)
                        return -EBADMSG;
        }
        if (parse_u64_n(f[v + 1], len[v + 1], &c.signatures) < 0 ||
            parse_u64_n(f[v + 2], len[v + 2], &c.flevel) < 0)
                return -EBADMSG;

        if (n > v + 6) {
                uint64_t t;
                size_t bl = len[v + 5] < sizeof(c.builder) - 1 ? len[v + 5] : sizeof(c.builder) - 1;

                memcpy(c.builder, f[v + 5], bl);
                c.builder[bl] = '\0';
                if (parse_u64_n(f[v + 6], len[v + 6], &t) == 0 && t <= INT64_MAX / 2)
                        c.build_time = (int64_t) t;
        }
        if (c.build_time < 0) {
                int64_t t;

                if (v == 2 && parse_build_time(f[1], len[1], &t) == 0)
                        c.build_time = t;
        }

        *ret = c;
        return 0;
}
