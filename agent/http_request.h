/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What mamori-reportd answers, decided without any I/O so that unit tests
 * and a fuzz target can drive it: libmicrohttpd parses the request and
 * the TLS layer checks the client certificate; this decides the answer.
 * Exactly two resources exist, both read-only:
 *
 *   GET /v1/report   the report file as it is, application/json
 *   GET /metrics     the report as Prometheus text format 0.0.4
 *
 * Everything else is an error whose body is a fixed text: nothing from
 * the request is ever echoed back. */

typedef struct HttpRequest {
        const char *method;
        const char *path;           /* the URL's path, without the query */
        const char *version;        /* "HTTP/1.1" */
        size_t n_query_args;        /* "?a=b&c": 2 */
        bool has_body;              /* Content-Length > 0 or Transfer-Encoding present */
} HttpRequest;

/* The report as last read from its file. */
typedef struct HttpReport {
        const char *json;           /* NULL: the file could not be read */
        size_t json_size;
        const char *metrics;        /* metrics_from_report() of json; NULL: json is not a report */
        size_t metrics_size;
} HttpReport;

typedef struct HttpResponse {
        unsigned status;
        const char *content_type;   /* static */
        const char *allow;          /* static; for 405, else NULL */
        const char *body;           /* borrowed: a static text or one of HttpReport's buffers */
        size_t body_size;
} HttpResponse;

#define HTTP_CONTENT_TYPE_JSON "application/json"
#define HTTP_CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_CONTENT_TYPE_TEXT "text/plain; charset=utf-8"

/* The answer to req. report may be NULL (not read yet). */
HttpResponse http_handle(const HttpRequest *req, const HttpReport *report);
