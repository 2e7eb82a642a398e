/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small text helpers: slices, numbers, durations, dates, and evidence text
 * that is safe to put on one line and on D-Bus. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "software.h"

bool slice_eq(Slice s, const char *lit) {
        size_t n = strlen(lit);

        return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

bool slice_eq_ci(Slice s, const char *lit) {
        size_t n = strlen(lit);

        return s.p && s.n == n && strncasecmp(s.p, lit, n) == 0;
}

/* Length of the valid UTF-8 sequence at s (at most left bytes), 0 if none.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *s, size_t left) {
        unsigned c = s[0];
        size_t n;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4, cp = c & 0x07;
        else
                return 0;
        if (n > left)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

const char *text_safe(const char *s, size_t max, char *out, size_t out_size) {
        const unsigned char *p = (const unsigned char *) (s ? s : "");
        size_t left = strlen((const char *) p), o = 0;

        if (out_size == 0)
                return out;
        /* Room for "..." and the NUL, whatever max says. */
        if (max > (out_size > 4 ? out_size - 4 : 0))
                max = out_size > 4 ? out_size - 4 : 0;

        while (left > 0) {
                size_t n = utf8_len(p, left);

                if (o + (n ? n : 1) > max) {
                        if (o + 4 <= out_size) {
                                memcpy(out + o, "...", 3);
                                o += 3;
                        }
                        break;
                }
                if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
                        out[o++] = '?';
                        p++, left--;
                        continue;
                }
                memcpy(out + o, p, n);
                o += n;
                p += n;
                left -= n;
        }
        out[o] = '\0';
        return out;
}

int parse_u64_n(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int parse_u64(const char *s, uint64_t *ret) {
        return parse_u64_n(s, strlen(s), ret);
}

#define TEN_YEARS (UINT64_C(3650) * 86400)

int parse_duration(const char *s, uint64_t *ret_sec) {
        uint64_t total = 0;
        const char *p = s;

        if (!s || !*s)
                return -EINVAL;
        while (*p) {
                uint64_t v, unit;
                const char *q = p;
                int r;

                while (*q >= '0' && *q <= '9')
                        q++;
                r = parse_u64_n(p, (size_t) (q - p), &v);
                if (r < 0)
                        return -EINVAL;
                switch (*q) {
                case '\0':
                        /* A bare number is seconds, but only alone: "1d5" is a typo. */
                        if (p != s)
                                return -EINVAL;
                        unit = 1;
                        break;
                case 's': unit = 1; q++; break;
                case 'm': unit = 60; q++; break;
                case 'h': unit = 3600; q++; break;
                case 'd': unit = 86400; q++; break;
                case 'w': unit = 7 * 86400; q++; break;
                default:
                        return -EINVAL;
                }
                if (v > TEN_YEARS / unit)
                        return -ERANGE;
                total += v * unit;
                if (total > TEN_YEARS)
                        return -ERANGE;
                p = q;
        }
        if (total == 0)
                return -EINVAL;
        *ret_sec = total;
        return 0;
}

const char *format_duration(uint64_t sec, char *buf, size_t size) {
        static const struct {
                uint64_t sec;
                const char *name;
        } units[] = {
                { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" },
        };

        for (size_t i = 0; i < SW_ELEMENTSOF(units); i++)
                if (sec >= units[i].sec || units[i].sec == 1) {
                        uint64_t n = sec / units[i].sec;

                        snprintf(buf, size, "%llu %s%s", (unsigned long long) n, units[i].name,
                                 n == 1 ? "" : "s");
                        break;
                }
        return buf;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        /* March-based years, so that the leap day ends a year. */
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (int64_t) (m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t) d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

const char *format_date(int64_t t, char *buf, size_t size) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm)) {
                snprintf(buf, size, "?");
                return buf;
        }
        snprintf(buf, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        return buf;
}

unsigned month_from_name(const char *s, size_t n) {
        static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";

        if (n < 3)
                return 0;
        for (unsigned i = 0; i < 12; i++)
                if (strncasecmp(s, names + 3 * i, 3) == 0)
                        return i + 1;
        return 0;
}

/* Reads digits at *p (at most max of them) into *ret. */
static bool take_number(const char **p, const char *end, size_t max, uint64_t *ret) {
        const char *q = *p;

        while (q < end && (size_t) (q - *p) < max && *q >= '0' && *q <= '9')
                q++;
        if (q == *p || parse_u64_n(*p, (size_t) (q - *p), ret) < 0)
                return false;
        *p = q;
        return true;
}

static void skip_blanks(const char **p, const char *end) {
        while (*p < end && (**p == ' ' || **p == '\t'))
                (*p)++;
}

int parse_rfc2822_date(const char *s, size_t n, int64_t *ret) {
        const char *p = s, *end = s + n, *w;
        uint64_t day, year, hh, mm, ss = 0;
        int64_t t, off = 0;
        unsigned mon;

        skip_blanks(&p, end);
        /* The day of the week is optional and not checked. */
        w = memchr(p, ',', (size_t) (end - p));
        if (w && w - p <= 9)
                p = w + 1;
        skip_blanks(&p, end);
        if (!take_number(&p, end, 2, &day))
                return -EINVAL;
        skip_blanks(&p, end);
        w = p;
        while (p < end && isalpha((unsigned char) *p))
                p++;
        mon = month_from_name(w, (size_t) (p - w));
        if (mon == 0)
                return -EINVAL;
        skip_blanks(&p, end);
        if (!take_number(&p, end, 4, &year) || year < 1970 || year > 9999)
                return -EINVAL;
        skip_blanks(&p, end);
        if (!take_number(&p, end, 2, &hh) || p >= end || *p++ != ':' ||
            !take_number(&p, end, 2, &mm))
                return -EINVAL;
        if (p < end && *p == ':') {
                p++;
                if (!take_number(&p, end, 2, &ss))
                        return -EINVAL;
        }
        if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
                return -EINVAL;
        skip_blanks(&p, end);
        if (p < end && (*p == '+' || *p == '-')) {
                uint64_t z;
                const char *z0 = p + 1;

                w = z0;
                if (!take_number(&w, end, 4, &z) || w - z0 != 4 || z % 100 > 59)
                        return -EINVAL;
                off = (int64_t) (z / 100 * 3600 + z % 100 * 60);
                if (*p == '-')
                        off = -off;
                p = w;
        } else if (p < end) {
                w = p;
                while (p < end && isalpha((unsigned char) *p))
                        p++;
                if (!((p - w == 3 && (strncasecmp(w, "UTC", 3) == 0 || strncasecmp(w, "GMT", 3) == 0)) ||
                      (p - w == 1 && (*w == 'Z' || *w == 'z'))))
                        return -EINVAL;
        }
        skip_blanks(&p, end);
        while (p < end && (*p == '\r' || *p == '\n'))
                p++;
        if (p != end)
                return -EINVAL;

        t = days_from_civil((int64_t) year, mon, (unsigned) day) * 86400 +
            (int64_t) (hh * 3600 + mm * 60 + ss);
        *ret = t - off;
        return 0;
}
