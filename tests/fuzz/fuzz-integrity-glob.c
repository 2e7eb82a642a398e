/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exclusion glob matcher: input is "pattern\npath". Any bytes either
 * compile (then matching answers yes or no, in time linear in pattern ×
 * path) or are refused as -EINVAL/-E2BIG. Two properties are checked on
 * the way: a pattern of literals, '*' and '?' agrees with fnmatch(3) under
 * FNM_PATHNAME, and a path with every byte escaped matches itself. */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/integrity/integrity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Only what fnmatch and this matcher mean the same by: ASCII, no escapes, no
 * classes, no "**". */
static int simple_pattern(const char *p) {
        for (const char *c = p; *c; c++) {
                unsigned char u = (unsigned char) *c;

                if (u >= 0x80 || *c == '\\' || *c == '[' || *c == ']' || (c[0] == '*' && c[1] == '*'))
                        return 0;
        }
        return 1;
}

static int ascii(const char *s) {
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c >= 0x80)
                        return 0;
        return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *nl;
        char *pattern, *path, *escaped;
        size_t plen, len;
        int r;

        if (size > 8192)
                return 0;
        nl = memchr(data, '\n', size);
        plen = nl ? (size_t) (nl - data) : size;
        pattern = strndup((const char *) data, plen);
        path = nl ? strndup((const char *) nl + 1, size - plen - 1) : strdup("");
        if (!pattern || !path)
                abort();

        r = glob_match_pattern(pattern, path);
        if (r < 0 && r != -EINVAL && r != -E2BIG && r != -ENOMEM)
                abort();
        if (r >= 0 && r != 0 && r != 1)
                abort();
        if (r >= 0 && simple_pattern(pattern) && ascii(path) &&
            r != (fnmatch(pattern, path, FNM_PATHNAME) == 0))
                abort();

        len = strlen(path);
        if (len > 0 && 2 * len <= GLOB_PATTERN_MAX) {
                escaped = malloc(2 * len + 1);
                if (!escaped)
                        abort();
                for (size_t i = 0; i < len; i++) {
                        escaped[2 * i] = '\\';
                        escaped[2 * i + 1] = path[i];
                }
                escaped[2 * len] = '\0';
                if (glob_match_pattern(escaped, path) != 1)
                        abort();
                free(escaped);
        }
        free(pattern);
        free(path);
        return 0;
}
