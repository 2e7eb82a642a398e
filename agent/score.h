/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "mamori-plugin.h"
#include "policy.h"

/* DESIGN.md: score = 100 × Σ weight(pass) / Σ weight(pass + fail), rounded
 * down; error and not-applicable are counted apart and never as passes. */
typedef struct ScoreTally {
        unsigned pass, fail, error, not_applicable;
        uint64_t weight_pass, weight_fail;
} ScoreTally;

void score_tally_add(ScoreTally *t, mamori_status status, Severity severity);

/* 0..100, or -1 when nothing passed or failed (no score can be given). */
int score_tally_score(const ScoreTally *t);

const char *status_to_string(mamori_status s);      /* "pass", "fail", "error", "not-applicable" */
int status_from_string(const char *s);              /* -EINVAL if unknown */
