/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "collect_fleet.h"
#include "report.h"
#include "util.h"

static const char *const state_names[_FLEET_STATE_MAX] = {
        [FLEET_OK] = "ok",
        [FLEET_UNREACHABLE] = "unreachable",
        [FLEET_HTTP_ERROR] = "http-error",
        [FLEET_INVALID] = "invalid",
};

const char *fleet_state_to_string(FleetState s) {
        return s < _FLEET_STATE_MAX ? state_names[s] : "invalid";
}

void fleet_done(Fleet *f) {
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++) {
                free(f->terminals[i].error);
                free(f->terminals[i].chain_detail);
                collect_report_done(&f->terminals[i].report);
        }
        free(f->terminals);
        free(f->order);
        for (size_t c = 0; c < f->n_clauses; c++) {
                for (size_t r = 0; r < f->clauses[c].n_rules; r++)
                        free(f->clauses[c].rules[r].terminals);
                free(f->clauses[c].rules);
                free(f->clauses[c].clause);
        }
        free(f->clauses);
        *f = (Fleet) {};
}

static int score_of(const FleetTerminal *t) {
        return t->state == FLEET_OK ? t->report.score : -1;
}

/* qsort has no context argument; the order is computed on a copy of the
 * keys instead. */
typedef struct OrderKey {
        int score;
        const char *name;
        size_t index;
} OrderKey;

static int order_cmp(const void *a, const void *b) {
        const OrderKey *x = a, *y = b;

        /* Lowest score first (what needs attention), terminals without
         * a score (unreachable, invalid, nothing evaluated) after them. */
        if ((x->score < 0) != (y->score < 0))
                return x->score < 0 ? 1 : -1;
        if (x->score != y->score)
                return x->score < y->score ? -1 : 1;
        return strcmp(x->name, y->name);
}

static FleetClause *clause_get(Fleet *f, const char *name) {
        FleetClause *nc;

        for (size_t i = 0; i < f->n_clauses; i++)
                if (streq(f->clauses[i].clause, name))
                        return &f->clauses[i];
        nc = realloc(f->clauses, sizeof *nc * (f->n_clauses + 1));
        if (!nc)
                return NULL;
        f->clauses = nc;
        nc = &f->clauses[f->n_clauses];
        *nc = (FleetClause) { .clause = strdup(name) };
        if (!nc->clause)
                return NULL;
        f->n_clauses++;
        return nc;
}

static int clause_add(FleetClause *c, const CollectRule *rule, size_t terminal) {
        FleetRule *fr = NULL;
        size_t *nt;

        for (size_t i = 0; i < c->n_rules && !fr; i++)
                if (streq(c->rules[i].rule->id, rule->id))
                        fr = &c->rules[i];
        if (!fr) {
                FleetRule *nr = realloc(c->rules, sizeof *nr * (c->n_rules + 1));

                if (!nr)
                        return -ENOMEM;
                c->rules = nr;
                fr = &c->rules[c->n_rules++];
                *fr = (FleetRule) { .rule = rule };
        }
        /* A terminal counts once per rule even if its report repeats it. */
        if (fr->n_terminals > 0 && fr->terminals[fr->n_terminals - 1] == terminal)
                return 0;
        nt = realloc(fr->terminals, sizeof *nt * (fr->n_terminals + 1));
        if (!nt)
                return -ENOMEM;
        fr->terminals = nt;
        fr->terminals[fr->n_terminals++] = terminal;
        return 0;
}

static int rule_cmp(const void *a, const void *b) {
        const FleetRule *x = a, *y = b;

        if (x->n_terminals != y->n_terminals)
                return x->n_terminals > y->n_terminals ? -1 : 1;
        if (x->rule->severity != y->rule->severity)
                return x->rule->severity < y->rule->severity ? -1 : 1;
        return strcmp(x->rule->id, y->rule->id);
}

static int clause_cmp(const void *a, const void *b) {
        const FleetClause *x = a, *y = b;

        if (x->n_terminals != y->n_terminals)
                return x->n_terminals > y->n_terminals ? -1 : 1;
        return strcmp(x->clause, y->clause);
}

/* Distinct terminals among the clause's rules. */
static size_t clause_terminals(const FleetClause *c, size_t n_fleet) {
        _cleanup_free_ bool *seen = calloc(n_fleet ? n_fleet : 1, sizeof *seen);
        size_t n = 0;

        if (!seen)
                return 0;
        for (size_t r = 0; r < c->n_rules; r++)
                for (size_t t = 0; t < c->rules[r].n_terminals; t++)
                        if (!seen[c->rules[r].terminals[t]]) {
                                seen[c->rules[r].terminals[t]] = true;
                                n++;
                        }
        return n;
}

int fleet_finish(Fleet *f) {
        _cleanup_free_ OrderKey *keys = NULL;
        uint64_t sum = 0, n_scored = 0;

        f->order = calloc(f->n ? f->n : 1, sizeof *f->order);
        keys = calloc(f->n ? f->n : 1, sizeof *keys);
        if (!f->order || !keys)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
                FleetTerminal *t = &f->terminals[i];

                keys[i] = (OrderKey) { .score = score_of(t), .name = t->terminal->name, .index = i };
                f->n_state[t->state < _FLEET_STATE_MAX ? t->state : FLEET_INVALID]++;
                f->n_chain_broken += t->chain == CHAIN_BROKEN;
                if (score_of(t) >= 0) {
                        sum += (uint64_t) score_of(t);
                        n_scored++;
                }
        }
        qsort(keys, f->n, sizeof *keys, order_cmp);
        for (size_t i = 0; i < f->n; i++)
                f->order[i] = keys[i].index;
        f->mean_score = n_scored ? (int) (sum / n_scored) : -1;

        /* Failing rules by clause, terminals in display order. */
        for (size_t o = 0; o < f->n; o++) {
                size_t i = f->order[o];
                const CollectReport *rep = &f->terminals[i].report;

                if (f->terminals[i].state != FLEET_OK)
                        continue;
                for (size_t r = 0; r < rep->n_failing; r++) {
                        _cleanup_strv_free_ char **clauses = NULL;
                        int k = report_split_clauses(rep->failing[r].clause, &clauses);

                        if (k < 0)
                                return k;
                        for (char **c = clauses; *c; c++) {
                                FleetClause *fc = clause_get(f, *c);

                                if (!fc)
                                        return -ENOMEM;
                                k = clause_add(fc, &rep->failing[r], i);
                                if (k < 0)
                                        return k;
                        }
                }
        }
        for (size_t c = 0; c < f->n_clauses; c++) {
                f->clauses[c].n_terminals = clause_terminals(&f->clauses[c], f->n);
                qsort(f->clauses[c].rules, f->clauses[c].n_rules, sizeof(FleetRule), rule_cmp);
        }
        if (f->n_clauses > 0)
                qsort(f->clauses, f->n_clauses, sizeof(FleetClause), clause_cmp);
        return 0;
}
