/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "collect_inventory.h"

/* Pull GET /v1/report from every terminal of an inventory in parallel
 * (libcurl multi interface), over HTTPS with the administrator's client
 * certificate, the terminals' certificates checked against --cacert. */

typedef enum PullStatus {
        PULL_OK,
        PULL_UNREACHABLE,      /* no connection, TLS refused, timeout */
        PULL_HTTP_ERROR,       /* answered, but not 200 */
        PULL_TOO_LARGE,
} PullStatus;

typedef struct PullOptions {
        const char *cert, *key, *cacert;
        long connect_timeout_ms;
        long timeout_ms;
        unsigned parallel;
        size_t max_size;
        bool progress;         /* "\r n/N" on stderr */
} PullOptions;

typedef struct PullResult {
        PullStatus status;
        long http_code;
        char error[256];       /* when not PULL_OK */
        char *body;
        size_t body_size;
        double seconds;
} PullResult;

/* results: inv->n entries, filled in inventory order. Fails only when
 * libcurl cannot be set up at all; a terminal that cannot be reached is
 * a result, not an error. */
int pull_all(const Inventory *inv, const PullOptions *o, PullResult *results);
void pull_result_done(PullResult *r);
