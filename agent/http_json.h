/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reading a report that came from a file or over HTTPS, shared by
 * mamori-reportd (/metrics) and mamori-collect. The text is not trusted:
 * it may be truncated, nested without end, not UTF-8 or of the wrong shape.
 * Pure functions, no logging. */

/* Nesting deeper than this is refused; a report is four levels deep. */
#define HTTP_JSON_MAX_DEPTH 16

/* Parse strict, UTF-8-validated JSON whose top level is an object.
 * -EBADMSG for anything else (also trailing bytes after the object). */
int http_json_parse(const char *buf, size_t size, json_object **ret);

/* Members of a given type; NULL (and *ret untouched) when missing or of
 * another type, so that a report of the wrong shape is read as absent
 * values instead of crashing or being coerced. */
json_object *http_json_get(json_object *o, const char *key, json_type type);
const char *http_json_get_string(json_object *o, const char *key);
/* An integer member in [min, max]; false when missing, not an integer or
 * out of range. */
bool http_json_get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret);

/* "2026-11-25T09:00:00Z" (what report.c writes) to seconds since the epoch.
 * -EINVAL for any other form or an impossible date. */
int http_json_parse_time(const char *s, int64_t *ret);
