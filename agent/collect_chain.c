/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>

#include "collect_chain.h"
#include "util.h"

static const char *const names[_CHAIN_STATUS_MAX] = {
        [CHAIN_NONE] = "none",
        [CHAIN_FIRST] = "first",
        [CHAIN_OK] = "ok",
        [CHAIN_BROKEN] = "broken",
        [CHAIN_REBASELINED] = "rebaselined",
};

const char *chain_status_to_string(ChainStatus s) {
        return s < _CHAIN_STATUS_MAX ? names[s] : "none";
}

ChainStatus chain_status_from_string(const char *s) {
        for (size_t i = 0; i < _CHAIN_STATUS_MAX; i++)
                if (streq(s, names[i]))
                        return (ChainStatus) i;
        return CHAIN_NONE;
}

ChainStatus chain_check(const ChainPoint *prev, const ChainPoint *cur, char *detail, size_t detail_size) {
        if (detail_size > 0)
                detail[0] = 0;
        if (!cur)
                return CHAIN_NONE;
        if (!prev)
                return CHAIN_FIRST;
        if (cur->seq < prev->seq) {
                snprintf(detail, detail_size, "event sequence went backwards: %" PRIu64 " after %" PRIu64,
                         cur->seq, prev->seq);
                return CHAIN_BROKEN;
        }
        if (cur->seq == prev->seq && !streq(strempty(cur->head), strempty(prev->head))) {
                snprintf(detail, detail_size, "event %" PRIu64 " has another hash than at the last pull",
                         cur->seq);
                return CHAIN_BROKEN;
        }
        return CHAIN_OK;
}
