/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

/* Where log lines go: the journal when running as a service, stderr in the
 * foreground and in tests. Library-style code (parsers, store, score) does
 * not log; it returns a negative errno and the caller logs once. */
typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
} LogTarget;

void log_set_target(LogTarget t);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Logs (if level passes) and returns -|error|, so that callers can write
 * `return log_error_errno(r, "Failed to open %s: %m", path);`. %m expands to
 * strerror(error). */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *fmt, ...) _printf_(6, 7);

/* A structured journal entry: MESSAGE_ID plus extra "KEY=value" fields
 * (NULL-terminated array, may be NULL). On stderr only the message shows. */
int log_struct_internal(int level, const char *message_id, const char *const *fields,
                        const char *fmt, ...) _printf_(4, 5);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_notice_errno(e, ...)  log_full_errno(LOG_NOTICE, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)

#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)

/* Out of memory: logged once at the place it happened. */
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
