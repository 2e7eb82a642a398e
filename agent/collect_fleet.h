/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "collect_chain.h"
#include "collect_inventory.h"
#include "collect_report.h"

/* The fleet report's model: every terminal of the inventory with what
 * its pull gave, in the order the report shows them, and the failing
 * rules grouped by clause across the fleet. Built once; the HTML, CSV
 * and JSON writers only read it. Pure. */

#define FLEET_TREND_MAX 30

typedef enum FleetState {
        FLEET_OK,
        FLEET_UNREACHABLE,
        FLEET_HTTP_ERROR,
        FLEET_INVALID,         /* answered, but not with a report */
        _FLEET_STATE_MAX,
} FleetState;

typedef struct FleetTerminal {
        const Terminal *terminal;
        FleetState state;
        char *error;                   /* why not FLEET_OK */
        CollectReport report;          /* FLEET_OK only */
        ChainStatus chain;
        char *chain_detail;
        int64_t pulled_at;
        int trend[FLEET_TREND_MAX];    /* oldest first, this pull last; -1: no score */
        size_t n_trend;
} FleetTerminal;

typedef struct FleetRule {             /* one failing rule of one clause */
        const CollectRule *rule;       /* the first terminal's copy: id, titles, severity */
        size_t *terminals;             /* indices into Fleet.terminals, in report order */
        size_t n_terminals;
} FleetRule;

typedef struct FleetClause {
        char *clause;
        FleetRule *rules;
        size_t n_rules;
        size_t n_terminals;            /* distinct terminals failing any rule of the clause */
} FleetClause;

typedef struct Fleet {
        int64_t generated_at;
        FleetTerminal *terminals;      /* owned; filled by the caller, then fleet_finish() */
        size_t n;
        size_t *order;                 /* display order: by score, lowest first; no score last */
        FleetClause *clauses;          /* most terminals failing first */
        size_t n_clauses;
        size_t n_state[_FLEET_STATE_MAX];
        size_t n_chain_broken;
        int mean_score;                /* over terminals with a score; -1 if none */
} Fleet;

const char *fleet_state_to_string(FleetState s);

/* Sorts, groups and counts, after the caller filled terminals[]. */
int fleet_finish(Fleet *f);
void fleet_done(Fleet *f);

int fleet_write_json(const Fleet *f, FILE *out);
int fleet_write_csv(const Fleet *f, FILE *out);
int fleet_write_html(const Fleet *f, FILE *out);
