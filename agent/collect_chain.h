/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Continuity of a terminal's event chain between two pulls. The report
 * carries the newest event's sequence number and hash; the log is
 * append-only, so between two pulls the sequence never goes down, and at
 * the same sequence the hash is the same. Anything else means the log
 * was rolled back, replaced or rewritten (詳細編 8.1(5)). Pure. */

typedef enum ChainStatus {
        CHAIN_NONE,         /* no report this time: nothing to compare */
        CHAIN_FIRST,        /* first report of this terminal: the baseline */
        CHAIN_OK,
        CHAIN_BROKEN,
        CHAIN_REBASELINED,  /* broken, but the administrator accepted it (--rebaseline) */
        _CHAIN_STATUS_MAX,
} ChainStatus;

typedef struct ChainPoint {
        uint64_t seq;
        const char *head;
} ChainPoint;

const char *chain_status_to_string(ChainStatus s);
ChainStatus chain_status_from_string(const char *s);

/* prev: the last pull whose chain was accepted, NULL for none. On
 * CHAIN_BROKEN, detail says how (for the fleet report). */
ChainStatus chain_check(const ChainPoint *prev, const ChainPoint *cur, char *detail, size_t detail_size);
