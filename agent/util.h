/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#define SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */
#define ISO8601_SIZE 32

static inline bool streq(const char *a, const char *b) {
        return a && b && __builtin_strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        return (!a && !b) || streq(a, b);
}

static inline const char *strempty(const char *s) {
        return s ? s : "";
}

/* "90", "90s", "15min", "10m", "1h", "2d", "1w" (also combined: "1h30m"). */
int parse_duration(const char *s, uint64_t *ret_usec);
int parse_uint64(const char *s, uint64_t *ret);

uint64_t now_realtime_usec(void);
/* UTC, second resolution: "2026-11-25T09:00:00Z". */
void format_iso8601(uint64_t realtime_usec, char buf[static ISO8601_SIZE]);

void sha256_hex(const void *data, size_t size, char out[static SHA256_HEX_SIZE]);

/* Path relative to a root dirfd: "/etc/passwd" and "etc/passwd" are the same. */
const char *path_skip_root(const char *path);

/* Read a whole regular file under dirfd (at most max bytes, else -EFBIG);
 * the result is NUL-terminated. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size);

/* Write via a temporary file in the same directory, fsync, rename, fsync
 * the directory: a reader sees the old or the new file, never a torn one. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* A copy of s, at most max bytes, with control characters replaced by '?'
 * so that evidence and events stay one line and cannot forge log lines. */
char *text_sanitize(const char *s, size_t max);

/* Append to a NULL-terminated string vector; takes ownership of s. */
int strv_consume(char ***l, size_t *n, char *s);
size_t strv_length(char *const *l);
char *strv_join(char *const *l, const char *sep);
