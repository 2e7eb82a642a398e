/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <time.h>

#include "http_json.h"
#include "macro.h"

int http_json_parse(const char *buf, size_t size, json_object **ret) {
        json_tokener *tok;
        json_object *o;

        /* json-c takes an int length. */
        if (size > INT32_MAX)
                return -EFBIG;
        tok = json_tokener_new_ex(HTTP_JSON_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, buf, (int) size);
        /* Anything but one complete object followed by nothing but blanks:
         * an incomplete text leaves json_tokener_continue. */
        if (o && json_tokener_get_error(tok) == json_tokener_success) {
                size_t used = json_tokener_get_parse_end(tok);

                for (; used < size; used++)
                        if (!strchr(" \t\r\n", buf[used]))
                                break;
                if (used < size) {
                        json_object_put(o);
                        o = NULL;
                }
        } else if (o) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        if (!o)
                return -EBADMSG;
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

json_object *http_json_get(json_object *o, const char *key, json_type type) {
        json_object *v = NULL;

        if (!o || !json_object_is_type(o, json_type_object))
                return NULL;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

const char *http_json_get_string(json_object *o, const char *key) {
        json_object *v = http_json_get(o, key, json_type_string);

        return v ? json_object_get_string(v) : NULL;
}

bool http_json_get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v = http_json_get(o, key, json_type_int);
        int64_t i;

        if (!v)
                return false;
        errno = 0;
        i = json_object_get_int64(v);
        /* json-c clamps numbers beyond int64 and says so in errno. */
        if (errno != 0 || i < min || i > max)
                return false;
        *ret = i;
        return true;
}

static bool digits(const char *s, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

int http_json_parse_time(const char *s, int64_t *ret) {
        static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        struct tm tm = {};
        int y, mo, d, h, mi, se;
        time_t t;

        /* Exactly YYYY-MM-DDTHH:MM:SSZ: 20 bytes. */
        if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
            s[16] != ':' || s[19] != 'Z')
                return -EINVAL;
        if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
            !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
                return -EINVAL;
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
                return -EINVAL;
        if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                return -EINVAL;
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = se;
        t = timegm(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret = (int64_t) t;
        return 0;
}
