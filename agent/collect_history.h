/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect_chain.h"
#include "util.h"

/* mamori-collect's history (--state FILE): every pull of every terminal,
 * with the report as received, in one SQLite database. It gives the
 * baseline for the chain check and the score trend. */

typedef struct History History;

typedef struct PullRecord {
        const char *terminal;
        const char *address;
        unsigned port;
        int64_t pulled_at;          /* seconds since the epoch */
        const char *status;         /* "ok", "unreachable", "http-error", "invalid" */
        const char *error;          /* NULL when ok */
        int score;                  /* -1: none */
        bool have_events;
        uint64_t seq;
        const char *head;
        ChainStatus chain;
        const char *chain_detail;
        const char *report;         /* the body as received, NULL if none */
        size_t report_size;
} PullRecord;

int history_open(const char *path, History **ret);
History *history_close(History *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(History *, history_close);

int history_begin(History *h);
int history_commit(History *h);

/* The newest pull of the terminal with a report whose chain was accepted
 * (first, ok or rebaselined). 0 with *ret_found false when none. */
int history_baseline(History *h, const char *terminal, bool *ret_found, uint64_t *ret_seq,
                     char ret_head[static SHA256_HEX_SIZE]);

int history_add(History *h, const PullRecord *p);

/* The scores of the terminal's last max pulls, oldest first; -1 for a
 * pull without a score. */
int history_trend(History *h, const char *terminal, size_t max, int *ret_scores, size_t *ret_n);
