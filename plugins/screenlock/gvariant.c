/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Serialised GVariant values, as GVDB stores them: enough to read dconf's
 * settings of basic types, and to recognise (never guess at) the others.
 *
 * Facts relied on (GLib's GVariant serialisation format):
 *   - b and y are one byte, n and q two, i and u four, x and t eight, in
 *     the byte order the container says; a fixed-size value whose data has
 *     any other size is not in normal form.
 *   - s is the UTF-8 text followed by one NUL, with no NUL inside.
 *   - v is the child's data, one 0 byte, then the child's type string;
 *     the separator is the last 0 byte, since a type string holds none.
 *   - A type string is one definite type: a basic type (b y n q i u x t h
 *     d s o g), v, aT, mT, (T...), or {BT} with B basic. '*', '?' and 'r'
 *     are indefinite and never the type of a value. GLib refuses nesting
 *     past 128 levels. */
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

#define GVARIANT_MAX_DEPTH 128

static bool is_basic(char c) {
        return c && strchr("bynqiuxthdsog", c);
}

/* One complete type at *p (not past end). Advances *p past it. */
static int type_one(const char **p, const char *end, unsigned depth) {
        char c;

        if (*p >= end || depth > GVARIANT_MAX_DEPTH)
                return -EINVAL;
        c = *(*p)++;

        if (is_basic(c) || c == 'v')
                return 0;

        switch (c) {
        case 'a':
        case 'm':
                return type_one(p, end, depth + 1);

        case '(':
                while (*p < end && **p != ')') {
                        int r = type_one(p, end, depth + 1);

                        if (r < 0)
                                return r;
                }
                if (*p >= end)
                        return -EINVAL;
                (*p)++;
                return 0;

        case '{': {
                int r;

                if (*p >= end || !is_basic(**p))
                        return -EINVAL;
                (*p)++;
                r = type_one(p, end, depth + 1);
                if (r < 0)
                        return r;
                if (*p >= end || **p != '}')
                        return -EINVAL;
                (*p)++;
                return 0;
        }

        default:
                /* '*', '?', 'r' (indefinite), a stray ')' or '}', or junk */
                return -EINVAL;
        }
}

int gvariant_type_check(const char *type, size_t len) {
        const char *p = type, *end = type + len;
        int r;

        if (!type || len == 0)
                return -EINVAL;
        r = type_one(&p, end, 1);
        if (r < 0)
                return r;
        return p == end ? 0 : -EINVAL;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
 * NUL is not allowed inside (GVariant strings end at their only NUL). */
bool sl_utf8_is_valid(const uint8_t *s, size_t n) {
        size_t i = 0;

        while (i < n) {
                uint8_t c = s[i];
                uint32_t cp;
                size_t len;

                if (c == 0)
                        return false;
                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        len = 2;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        len = 3;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        len = 4;
                        cp = c & 0x07;
                } else
                        return false;

                if (n - i < len)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += len;
        }
        return true;
}

static uint64_t read_uint(const uint8_t *d, size_t n, bool big_endian) {
        uint64_t v = 0;

        for (size_t k = 0; k < n; k++)
                v |= (uint64_t) d[big_endian ? n - 1 - k : k] << (8 * k);
        return v;
}

static void type_copy(GVariantValue *v, const char *type, size_t len) {
        size_t n = len > GVARIANT_TYPE_SHOW_MAX ? GVARIANT_TYPE_SHOW_MAX : len;

        memcpy(v->type, type, n);
        if (n < len)
                memcpy(v->type + n, "...", 4);
        else
                v->type[n] = '\0';
}

int gvariant_decode(const char *type, size_t type_len, const uint8_t *data, size_t size,
                    bool big_endian, GVariantValue *ret) {
        GVariantValue v = {};
        size_t fixed = 0;
        bool is_signed = false;

        if (!ret || (!data && size > 0))
                return -EINVAL;
        if (gvariant_type_check(type, type_len) < 0)
                return -EINVAL;
        type_copy(&v, type, type_len);

        if (type_len != 1 || !strchr("bynqiuxts", type[0])) {
                v.kind = GVARIANT_UNSUPPORTED;
                *ret = v;
                return -EOPNOTSUPP;
        }

        switch (type[0]) {
        case 'b':
                v.kind = GVARIANT_BOOLEAN;
                fixed = 1;
                break;
        case 'y':
                v.kind = GVARIANT_BYTE;
                fixed = 1;
                break;
        case 'n':
                v.kind = GVARIANT_INT16;
                fixed = 2;
                is_signed = true;
                break;
        case 'q':
                v.kind = GVARIANT_UINT16;
                fixed = 2;
                break;
        case 'i':
                v.kind = GVARIANT_INT32;
                fixed = 4;
                is_signed = true;
                break;
        case 'u':
                v.kind = GVARIANT_UINT32;
                fixed = 4;
                break;
        case 'x':
                v.kind = GVARIANT_INT64;
                fixed = 8;
                is_signed = true;
                break;
        case 't':
                v.kind = GVARIANT_UINT64;
                fixed = 8;
                break;
        case 's':
                v.kind = GVARIANT_STRING;
                /* The NUL must be last and the only one. */
                if (size == 0 || data[size - 1] != 0 || !sl_utf8_is_valid(data, size - 1))
                        return -EBADMSG;
                v.str = (const char *) data;
                v.str_len = size - 1;
                *ret = v;
                return 0;
        }

        if (size != fixed)
                return -EBADMSG;

        if (v.kind == GVARIANT_BOOLEAN) {
                if (data[0] > 1)
                        return -EBADMSG;
                v.b = data[0] == 1;
        } else {
                uint64_t raw = read_uint(data, fixed, big_endian);

                if (is_signed) {
                        /* Sign-extend from the value's width. */
                        unsigned shift = (unsigned) (64 - 8 * fixed);

                        v.i = shift ? (int64_t) (raw << shift) >> shift : (int64_t) raw;
                } else
                        v.u = raw;
        }
        *ret = v;
        return 0;
}

int gvariant_decode_variant(const uint8_t *data, size_t size, bool big_endian,
                            GVariantValue *ret) {
        size_t sep = size;
        int r;

        if (!ret || (!data && size > 0))
                return -EINVAL;

        for (size_t i = size; i > 0; i--)
                if (data[i - 1] == 0) {
                        sep = i - 1;
                        break;
                }
        if (sep == size)
                return -EBADMSG;

        if (gvariant_type_check((const char *) data + sep + 1, size - sep - 1) < 0)
                return -EBADMSG;

        r = gvariant_decode((const char *) data + sep + 1, size - sep - 1, data, sep, big_endian, ret);
        if (r == -EINVAL)
                return -EBADMSG;
        return r;
}

const char *gvariant_format(const GVariantValue *v, char *buf, size_t size) {
        char safe[80];

        if (!buf || size == 0)
                return "";
        switch (v->kind) {
        case GVARIANT_BOOLEAN:
                snprintf(buf, size, "%s", v->b ? "true" : "false");
                break;
        case GVARIANT_BYTE:
        case GVARIANT_UINT16:
        case GVARIANT_UINT32:
        case GVARIANT_UINT64:
                snprintf(buf, size, "%llu", (unsigned long long) v->u);
                break;
        case GVARIANT_INT16:
        case GVARIANT_INT32:
        case GVARIANT_INT64:
                snprintf(buf, size, "%lld", (long long) v->i);
                break;
        case GVARIANT_STRING:
                snprintf(buf, size, "'%s'", sl_text_safe(v->str, 64, safe, sizeof(safe)));
                break;
        default:
                snprintf(buf, size, "a value of type '%s'", v->type);
                break;
        }
        return buf;
}
