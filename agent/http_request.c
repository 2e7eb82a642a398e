/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "http_request.h"
#include "util.h"

static HttpResponse text(unsigned status, const char *body) {
        return (HttpResponse) {
                .status = status,
                .content_type = HTTP_CONTENT_TYPE_TEXT,
                .body = body,
                .body_size = strlen(body),
        };
}

HttpResponse http_handle(const HttpRequest *req, const HttpReport *report) {
        bool is_report, is_metrics;
        HttpResponse resp;

        /* libmicrohttpd answers other protocol versions itself; this
         * keeps the function safe for any caller. */
        if (!streq(req->version, "HTTP/1.1") && !streq(req->version, "HTTP/1.0"))
                return text(505, "HTTP version not supported\n");

        is_report = streq(req->path, "/v1/report");
        is_metrics = streq(req->path, "/metrics");
        /* A query string would name another resource than the two served. */
        if ((!is_report && !is_metrics) || req->n_query_args > 0)
                return text(404, "not found\n");
        if (!streq(req->method, "GET")) {
                resp = text(405, "method not allowed\n");
                resp.allow = "GET";
                return resp;
        }
        /* Nothing is uploaded to a read-only endpoint; a body is refused
         * before it is read. */
        if (req->has_body)
                return text(413, "request body not accepted\n");
        if (!report || !report->json)
                return text(503, "report not available\n");

        if (is_report)
                return (HttpResponse) {
                        .status = 200,
                        .content_type = HTTP_CONTENT_TYPE_JSON,
                        .body = report->json,
                        .body_size = report->json_size,
                };
        if (!report->metrics)
                return text(503, "report not valid\n");
        return (HttpResponse) {
                .status = 200,
                .content_type = HTTP_CONTENT_TYPE_METRICS,
                .body = report->metrics,
                .body_size = report->metrics_size,
        };
}
