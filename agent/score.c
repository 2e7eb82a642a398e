/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "score.h"
#include "util.h"

void score_tally_add(ScoreTally *t, mamori_status status, Severity severity) {
        switch (status) {
        case MAMORI_PASS:
                t->pass++;
                t->weight_pass += severity_weight(severity);
                break;
        case MAMORI_FAIL:
                t->fail++;
                t->weight_fail += severity_weight(severity);
                break;
        case MAMORI_NOT_APPLICABLE:
                t->not_applicable++;
                break;
        default:
                t->error++;
                break;
        }
}

int score_tally_score(const ScoreTally *t) {
        uint64_t total = t->weight_pass + t->weight_fail;

        if (total == 0)
                return -1;
        return (int) (100 * t->weight_pass / total); /* integer division rounds down */
}

static const char *const status_names[] = {
        [MAMORI_PASS] = "pass",
        [MAMORI_FAIL] = "fail",
        [MAMORI_ERROR] = "error",
        [MAMORI_NOT_APPLICABLE] = "not-applicable",
};

const char *status_to_string(mamori_status s) {
        if ((unsigned) s >= ELEMENTSOF(status_names))
                return "error";
        return status_names[s];
}

int status_from_string(const char *s) {
        for (unsigned i = 0; i < ELEMENTSOF(status_names); i++)
                if (streq(s, status_names[i]))
                        return (int) i;
        return -EINVAL;
}
