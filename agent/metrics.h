/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* The report as Prometheus text exposition format 0.0.4, for GET /metrics
 * (mamori-reportd(8), METRICS). Pure: the report text in, the metrics text
 * out (NUL-terminated, *ret_size without the NUL).
 *
 * Only the top level is required to be an object with an integer
 * "schema"; every other member that is missing or of the wrong type just
 * leaves its metric out, so that one odd field does not blind the whole
 * scrape. -EBADMSG when the text is not such a report, -ENOMEM. */
int metrics_from_report(const char *json, size_t size, char **ret, size_t *ret_size);
