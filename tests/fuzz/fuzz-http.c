/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-reportd's request handling: any request line, flags and report
 * file either give one of the answers the endpoint knows, with a body
 * that is a fixed text or the report's own bytes, or nothing at all.
 * Input: "METHOD\nPATH\nVERSION\nFLAGS\n" then the report file's bytes
 * (FLAGS: its first byte's low bits give the query count, bit 4 a body). */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"
#include "metrics.h"

static char *take_line(const uint8_t **data, size_t *size) {
        const uint8_t *nl = memchr(*data, '\n', *size);
        size_t len = nl ? (size_t) (nl - *data) : *size;
        char *s = strndup((const char *) *data, len);

        *data += len + (nl ? 1 : 0);
        *size -= len + (nl ? 1 : 0);
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *method, *path, *version, *flags, *metrics = NULL;
        size_t metrics_size = 0;
        HttpReport report;
        HttpResponse resp;
        int r;

        if (size > 65536)
                return 0;
        method = take_line(&data, &size);
        path = take_line(&data, &size);
        version = take_line(&data, &size);
        flags = take_line(&data, &size);
        if (!method || !path || !version || !flags)
                goto out;

        r = metrics_from_report((const char *) data, size, &metrics, &metrics_size);
        assert(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r == 0)
                assert(metrics && strlen(metrics) == metrics_size);

        report = (HttpReport) {
                .json = flags[0] & 0x20 ? NULL : (const char *) data,
                .json_size = size,
                .metrics = metrics,
                .metrics_size = metrics_size,
        };
        resp = http_handle(&(HttpRequest) {
                .method = method,
                .path = path,
                .version = version,
                .n_query_args = (size_t) (flags[0] & 0x0f),
                .has_body = flags[0] & 0x10,
        }, &report);

        switch (resp.status) {
        case 200:
                assert(resp.body == report.json || resp.body == report.metrics);
                break;
        case 404: case 405: case 413: case 503: case 505: {
                static const char *const fixed[] = {
                        "not found\n", "method not allowed\n", "request body not accepted\n",
                        "report not available\n", "report not valid\n", "HTTP version not supported\n",
                };
                bool known = false;

                /* One of the fixed texts: never an echo of the request. */
                for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
                        known = known || (resp.body == fixed[i] || (resp.body && strcmp(resp.body, fixed[i]) == 0));
                assert(known && strlen(resp.body) == resp.body_size);
                break;
        }
        default:
                assert(!"unexpected status");
        }
        assert(resp.content_type);
out:
        free(method);
        free(path);
        free(version);
        free(flags);
        free(metrics);
        return 0;
}
