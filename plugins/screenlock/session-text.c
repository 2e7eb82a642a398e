/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small pure readers for screenlock.sessions: a process environment
 * block, /etc/shadow, and durations for evidence. */
#include <stdio.h>
#include <string.h>

#include "screenlock-sessions.h"

const char *sl_environ_get(const char *buf, size_t size, const char *name, size_t *ret_len) {
        size_t nlen = strlen(name);
        const char *p = buf, *end = buf + size;

        /* /proc/PID/environ: "NAME=value\0" entries; the last one may be
         * cut short when the block was larger than what was read. */
        while (p < end) {
                const char *nul = memchr(p, '\0', (size_t) (end - p));
                size_t len = (size_t) ((nul ? nul : end) - p);

                if (len > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
                        if (ret_len)
                                *ret_len = len - nlen - 1;
                        return p + nlen + 1;
                }
                p = nul ? nul + 1 : end;
        }
        return NULL;
}

int sl_shadow_password_empty(const char *buf, size_t size, const char *user) {
        size_t ulen = strlen(user);
        const char *p = buf, *end = buf + size;

        if (ulen == 0)
                return -ENOENT;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *le = nl ? nl : end;

                if ((size_t) (le - p) > ulen && memcmp(p, user, ulen) == 0 && p[ulen] == ':') {
                        const char *pw = p + ulen + 1;

                        /* An empty field: login without any password. */
                        return pw >= le || *pw == ':' || *pw == '\r';
                }
                p = nl ? nl + 1 : end;
        }
        return -ENOENT;
}

const char *sl_format_duration(uint64_t sec, char *buf, size_t size) {
        if (sec >= 3600)
                snprintf(buf, size, "%llu h %llu min", (unsigned long long) (sec / 3600),
                         (unsigned long long) (sec % 3600 / 60));
        else if (sec >= 60)
                snprintf(buf, size, "%llu min %llu s", (unsigned long long) (sec / 60), (unsigned long long) (sec % 60));
        else
                snprintf(buf, size, "%llu s", (unsigned long long) sec);
        return buf;
}
