/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

void log_set_target(LogTarget t) {
        log_target = t;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static const char *level_prefix(int level) {
        switch (level) {
        case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
                return "error: ";
        case LOG_WARNING:
                return "warning: ";
        case LOG_DEBUG:
                return "debug: ";
        default:
                return "";
        }
}

static void emit(int level, const char *message_id, const char *const *fields,
                 const char *file, int line, const char *func, const char *msg) {
        if (log_target == LOG_TARGET_STDERR) {
                fprintf(stderr, "mamori: %s%s\n", level_prefix(level), msg);
                return;
        }

        /* sd_journal_sendv takes an iovec so that the extra fields need no
         * format string of their own. */
        char prio[32], mid[64], cfile[512], cline[32], cfunc[256];
        struct iovec iov[64];
        size_t n = 0;
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "MESSAGE=%s", msg) < 0)
                return;
        iov[n++] = (struct iovec) { m, strlen(m) };
        snprintf(prio, sizeof prio, "PRIORITY=%i", level);
        iov[n++] = (struct iovec) { prio, strlen(prio) };
        if (message_id) {
                snprintf(mid, sizeof mid, "MESSAGE_ID=%s", message_id);
                iov[n++] = (struct iovec) { mid, strlen(mid) };
        }
        if (file) {
                snprintf(cfile, sizeof cfile, "CODE_FILE=%s", file);
                snprintf(cline, sizeof cline, "CODE_LINE=%i", line);
                snprintf(cfunc, sizeof cfunc, "CODE_FUNC=%s", func);
                iov[n++] = (struct iovec) { cfile, strlen(cfile) };
                iov[n++] = (struct iovec) { cline, strlen(cline) };
                iov[n++] = (struct iovec) { cfunc, strlen(cfunc) };
        }
        for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
                iov[n++] = (struct iovec) { (void *) fields[i], strlen(fields[i]) };

        (void) sd_journal_sendv(iov, (int) n);
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *fmt, ...) {
        int e = error < 0 ? -error : error;

        if (level <= log_max_level) {
                char msg[2048];
                va_list ap;

                errno = e; /* for %m */
                va_start(ap, fmt);
                vsnprintf(msg, sizeof msg, fmt, ap);
                va_end(ap);
                emit(level, NULL, NULL, file, line, func, msg);
        }
        return -e;
}

int log_struct_internal(int level, const char *message_id, const char *const *fields,
                        const char *fmt, ...) {
        char msg[2048];
        va_list ap;

        if (level > log_max_level)
                return 0;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        emit(level, message_id, fields, NULL, 0, NULL, msg);
        return 0;
}
