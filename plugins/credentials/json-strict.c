/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON as Firefox's JSON.parse reads it (RFC 8259), checked before json-c
 * builds its tree. json-c, even with JSON_TOKENER_STRICT, takes single
 * quotes, NaN and Infinity and raw tabs in strings; Firefox refuses such a
 * policies.json and then applies no policy at all, so a file json-c reads
 * must not be taken as in force. The check also gives the line and column
 * of the first error, which the administrator needs to fix a broken file. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

typedef enum Expect {
        EXPECT_VALUE,
        EXPECT_VALUE_OR_CLOSE,          /* after '[' */
        EXPECT_NAME_OR_CLOSE,           /* after '{' */
        EXPECT_NAME,                    /* after ',' in an object */
        EXPECT_COLON,
        EXPECT_COMMA_OR_CLOSE,
} Expect;

static int fail_at(const char *buf, size_t pos, const char *reason, JsonError *err) {
        unsigned line = 1;
        size_t line_start = 0;

        for (size_t i = 0; i < pos; i++)
                if (buf[i] == '\n') {
                        line++;
                        line_start = i + 1;
                }
        *err = (JsonError) {
                .line = line,
                .column = (unsigned) (pos - line_start + 1),
                .reason = reason,
        };
        return -EBADMSG;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* One UTF-8 sequence starting at s[0] (a byte >= 0x80): its length, or 0
 * when it is not the shortest encoding of a scalar value. */
static size_t utf8_sequence(const unsigned char *s, size_t avail) {
        uint32_t cp;
        size_t n;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (avail < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* A string starting at buf[*pos] == '"'; *pos ends after the closing quote. */
static int scan_string(const char *buf, size_t size, size_t *pos, JsonError *err) {
        size_t i = *pos + 1;

        while (i < size) {
                unsigned char c = (unsigned char) buf[i];

                if (c == '"') {
                        *pos = i + 1;
                        return 0;
                }
                if (c < 0x20)
                        return fail_at(buf, i, "control character inside a string", err);
                if (c == '\\') {
                        if (i + 1 >= size)
                                break;
                        c = (unsigned char) buf[i + 1];
                        if (c == 'u') {
                                for (size_t k = 2; k < 6; k++)
                                        if (i + k >= size || hex_value(buf[i + k]) < 0)
                                                return fail_at(buf, i, "\\u not followed by four hex digits", err);
                                i += 6;
                                continue;
                        }
                        if (!strchr("\"\\/bfnrt", c) || c == '\0')
                                return fail_at(buf, i, "unknown escape in a string", err);
                        i += 2;
                        continue;
                }
                if (c >= 0x80) {
                        size_t n = utf8_sequence((const unsigned char *) buf + i, size - i);

                        if (n == 0)
                                return fail_at(buf, i, "invalid UTF-8", err);
                        i += n;
                        continue;
                }
                i++;
        }
        return fail_at(buf, *pos, "string not closed", err);
}

/* Whether the integer digits d[0..n) (no sign, no leading zero) exceed
 * limit, a string of digits. */
static bool digits_exceed(const char *d, size_t n, const char *limit) {
        size_t ln = strlen(limit);

        if (n != ln)
                return n > ln;
        return memcmp(d, limit, n) > 0;
}

static int scan_number(const char *buf, size_t size, size_t *pos, bool *inexact, JsonError *err) {
        size_t i = *pos, int_start;
        bool negative = false, integer = true, big;

        if (buf[i] == '-') {
                negative = true;
                i++;
        }
        int_start = i;
        if (i < size && buf[i] == '0')
                i++;
        else if (i < size && buf[i] >= '1' && buf[i] <= '9')
                while (i < size && buf[i] >= '0' && buf[i] <= '9')
                        i++;
        else
                return fail_at(buf, *pos, "malformed number", err);

        big = digits_exceed(buf + int_start, i - int_start,
                            negative ? "9223372036854775808" : "18446744073709551615");

        if (i < size && buf[i] == '.') {
                integer = false;
                i++;
                if (i >= size || buf[i] < '0' || buf[i] > '9')
                        return fail_at(buf, *pos, "malformed number", err);
                while (i < size && buf[i] >= '0' && buf[i] <= '9')
                        i++;
        }
        if (i < size && (buf[i] == 'e' || buf[i] == 'E')) {
                integer = false;
                i++;
                if (i < size && (buf[i] == '+' || buf[i] == '-'))
                        i++;
                if (i >= size || buf[i] < '0' || buf[i] > '9')
                        return fail_at(buf, *pos, "malformed number", err);
                while (i < size && buf[i] >= '0' && buf[i] <= '9')
                        i++;
        }
        /* json-c keeps integers in 64 bits (unsigned for large positive
         * ones) and would write back another value for anything larger; a
         * number with a fraction or exponent it keeps as written. */
        if (integer && big)
                *inexact = true;
        *pos = i;
        return 0;
}

static int scan_literal(const char *buf, size_t size, size_t *pos, JsonError *err) {
        static const char *const words[] = { "true", "false", "null" };

        for (size_t k = 0; k < CR_ELEMENTSOF(words); k++) {
                size_t n = strlen(words[k]);

                if (size - *pos >= n && memcmp(buf + *pos, words[k], n) == 0) {
                        *pos += n;
                        return 0;
                }
        }
        return fail_at(buf, *pos, "unexpected character", err);
}

int json_strict_check(const char *buf, size_t size, bool *ret_inexact, JsonError *err) {
        char stack[JSON_MAX_DEPTH];
        unsigned depth = 0;
        Expect expect = EXPECT_VALUE;
        bool inexact = false, done = false, started = false;
        JsonError dummy;
        size_t i = 0;
        int r;

        if (!err)
                err = &dummy;
        *err = (JsonError) {};
        if (!buf && size > 0)
                return -EINVAL;
        if (size > JSON_SIZE_MAX) {
                *err = (JsonError) { .reason = "too large" };
                return -EBADMSG;
        }
        if (size >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
                return fail_at(buf, 0, "starts with a byte order mark, which JSON.parse refuses", err);

        for (;;) {
                char c;

                while (i < size && is_blank(buf[i]))
                        i++;
                if (i >= size)
                        break;
                c = buf[i];

                if (done)
                        return fail_at(buf, i, "data after the end of the document", err);
                started = true;

                switch (expect) {
                case EXPECT_VALUE:
                case EXPECT_VALUE_OR_CLOSE:
                        if (c == ']' && expect == EXPECT_VALUE_OR_CLOSE) {
                                depth--;
                                i++;
                                break;
                        }
                        if (c == '{' || c == '[') {
                                if (depth >= JSON_MAX_DEPTH)
                                        return fail_at(buf, i, "nested too deep", err);
                                stack[depth++] = c;
                                expect = c == '{' ? EXPECT_NAME_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
                                i++;
                                continue;
                        }
                        if (c == '"')
                                r = scan_string(buf, size, &i, err);
                        else if (c == '-' || (c >= '0' && c <= '9'))
                                r = scan_number(buf, size, &i, &inexact, err);
                        else
                                r = scan_literal(buf, size, &i, err);
                        if (r < 0)
                                return r;
                        break;

                case EXPECT_NAME_OR_CLOSE:
                case EXPECT_NAME:
                        if (c == '}' && expect == EXPECT_NAME_OR_CLOSE) {
                                depth--;
                                i++;
                                break;
                        }
                        if (c != '"')
                                return fail_at(buf, i,
                                               expect == EXPECT_NAME ? "expected a quoted name (a comma before '}'?)"
                                                                     : "expected a quoted name or '}'",
                                               err);
                        r = scan_string(buf, size, &i, err);
                        if (r < 0)
                                return r;
                        expect = EXPECT_COLON;
                        continue;

                case EXPECT_COLON:
                        if (c != ':')
                                return fail_at(buf, i, "expected ':'", err);
                        i++;
                        expect = EXPECT_VALUE;
                        continue;

                case EXPECT_COMMA_OR_CLOSE:
                        if (c == ',') {
                                i++;
                                expect = stack[depth - 1] == '{' ? EXPECT_NAME : EXPECT_VALUE;
                                continue;
                        }
                        if ((c == '}' && stack[depth - 1] == '{') || (c == ']' && stack[depth - 1] == '[')) {
                                depth--;
                                i++;
                                break;
                        }
                        return fail_at(buf, i, stack[depth - 1] == '{' ? "expected ',' or '}'" : "expected ',' or ']'",
                                       err);
                }

                /* A value was completed. */
                if (depth == 0)
                        done = true;
                else
                        expect = EXPECT_COMMA_OR_CLOSE;
        }

        if (!done)
                return fail_at(buf, size, started ? "unexpected end (truncated?)" : "empty", err);
        if (ret_inexact)
                *ret_inexact = inexact;
        return 0;
}

int json_strict_parse(const char *buf, size_t size, struct json_object **ret, bool *ret_inexact,
                      JsonError *err) {
        struct json_tokener *tok;
        struct json_object *o;
        JsonError dummy;
        int r;

        if (!err)
                err = &dummy;
        if (!ret)
                return -EINVAL;
        r = json_strict_check(buf, size, ret_inexact, err);
        if (r < 0)
                return r;

        /* The check bounded the depth; json-c counts differently, so give
         * it room. */
        tok = json_tokener_new_ex((int) JSON_MAX_DEPTH * 2);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, buf, (int) size);
        if (!o && json_tokener_get_error(tok) == json_tokener_continue)
                /* A document that is one number needs the end signalled. */
                o = json_tokener_parse_ex(tok, "", 1);
        if (!o && json_tokener_get_error(tok) != json_tokener_success) {
                *err = (JsonError) { .reason = "not accepted by the JSON reader" };
                json_tokener_free(tok);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        *ret = o;       /* NULL for the document "null" */
        return 0;
}

const char *json_error_text(const JsonError *err, char *buf, size_t size) {
        if (!err || !err->reason)
                snprintf(buf, size, "invalid JSON");
        else if (err->line > 0)
                snprintf(buf, size, "line %u, column %u: %s", err->line, err->column, err->reason);
        else
                snprintf(buf, size, "%s", err->reason);
        return buf;
}
