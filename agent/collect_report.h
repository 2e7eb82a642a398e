/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* A terminal's report as mamori-collect keeps it: the fields the fleet
 * report shows, read defensively. The body came over the network from a
 * machine that may be broken or hostile: any shape other than a schema-1
 * report is refused with a reason, never trusted in part. Strings are
 * bounded and control characters replaced. Pure. */

#define COLLECT_REPORT_MAX_SIZE (16 * 1024 * 1024)
#define COLLECT_REPORT_MAX_RULES 10000

typedef enum CollectSeverity {
        COLLECT_CRITICAL,
        COLLECT_HIGH,
        COLLECT_MEDIUM,
        COLLECT_LOW,
        _COLLECT_SEVERITY_MAX,
} CollectSeverity;

typedef struct CollectRule {
        char *id;
        char *clause;
        char *title_ja;
        char *title_en;
        CollectSeverity severity;
} CollectRule;

typedef struct CollectReport {
        char *terminal;
        char *generated_at;
        char *agent_version;
        char *policy_id;              /* NULL when the report names none */
        char *policy_version;
        int score;                    /* 0..100, -1: none */
        unsigned pass, fail, error, not_applicable;
        uint64_t seq;
        char head[SHA256_HEX_SIZE];   /* "" when no event was ever logged */
        CollectRule *failing;         /* the rules whose status is "fail" */
        size_t n_failing;
        unsigned failing_by_severity[_COLLECT_SEVERITY_MAX];
} CollectReport;

const char *collect_severity_to_string(CollectSeverity s);

/* 0, or -EBADMSG with *reterr a static text naming what is wrong
 * ("score is not a number from 0 to 100 or null"), or -ENOMEM. */
int collect_report_parse(const char *buf, size_t size, CollectReport *ret, const char **reterr);
void collect_report_done(CollectReport *r);
