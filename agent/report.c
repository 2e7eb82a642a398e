/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "report.h"
#include "score.h"
#include "util.h"

int report_split_clauses(const char *clause, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *copy = strdup(clause);
        const char *prefix = NULL;
        char *save = NULL;
        size_t n = 0;

        if (!copy)
                return -ENOMEM;
        for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                char *c;
                int r;

                /* "詳細編" / "基本編" (or any word without a digit) names the part
                 * of the policy for the clause numbers after it. */
                if (!strpbrk(tok, "0123456789")) {
                        prefix = tok;
                        continue;
                }
                if (prefix ? asprintf(&c, "%s %s", prefix, tok) < 0 : !(c = strdup(tok)))
                        return -ENOMEM;
                r = strv_consume(&l, &n, c);
                if (r < 0)
                        return r;
        }
        if (n == 0) {
                int r = strv_consume(&l, &n, strdup(clause));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

typedef struct Group {
        char *name;
        ScoreTally tally;
} Group;

typedef struct GroupList {
        Group *items;
        size_t n;
} GroupList;

static ScoreTally *group_get(GroupList *g, const char *name) {
        Group *ng;

        for (size_t i = 0; i < g->n; i++)
                if (streq(g->items[i].name, name))
                        return &g->items[i].tally;
        ng = realloc(g->items, sizeof *ng * (g->n + 1));
        if (!ng)
                return NULL;
        g->items = ng;
        g->items[g->n] = (Group) { .name = strdup(name) };
        if (!g->items[g->n].name)
                return NULL;
        return &g->items[g->n++].tally;
}

static void group_list_done(GroupList *g) {
        for (size_t i = 0; i < g->n; i++)
                free(g->items[i].name);
        free(g->items);
}

static json_object *json_score(const ScoreTally *t) {
        int s = score_tally_score(t);
        return s < 0 ? NULL : json_object_new_int(s);
}

static json_object *json_counts(const ScoreTally *t) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "pass", json_object_new_int((int) t->pass));
        json_object_object_add(o, "fail", json_object_new_int((int) t->fail));
        json_object_object_add(o, "error", json_object_new_int((int) t->error));
        json_object_object_add(o, "not-applicable", json_object_new_int((int) t->not_applicable));
        return o;
}

static json_object *json_groups(const GroupList *g, const char *key) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < g->n; i++) {
                const ScoreTally *t = &g->items[i].tally;
                json_object *o = json_object_new_object();

                json_object_object_add(o, key, json_object_new_string(g->items[i].name));
                json_object_object_add(o, "score", json_score(t));
                json_object_object_add(o, "pass", json_object_new_int((int) t->pass));
                json_object_object_add(o, "fail", json_object_new_int((int) t->fail));
                json_object_object_add(o, "error", json_object_new_int((int) t->error));
                json_object_object_add(o, "not-applicable", json_object_new_int((int) t->not_applicable));
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *json_time(uint64_t usec) {
        char buf[ISO8601_SIZE];

        if (usec == 0)
                return NULL;
        format_iso8601(usec, buf);
        return json_object_new_string(buf);
}

static json_object *json_rule(const ReportRule *rr) {
        const Rule *r = rr->rule;
        json_object *o = json_object_new_object(), *title = json_object_new_object(),
                    *ev = json_object_new_array();

        json_object_object_add(o, "id", json_object_new_string(r->id));
        json_object_object_add(title, "ja", json_object_new_string(r->title_ja));
        json_object_object_add(title, "en", json_object_new_string(r->title_en));
        json_object_object_add(o, "title", title);
        json_object_object_add(o, "clause", json_object_new_string(r->clause));
        json_object_object_add(o, "severity", json_object_new_string(severity_to_string(r->severity)));
        json_object_object_add(o, "check", json_object_new_string(r->check));
        json_object_object_add(o, "plugin", json_object_new_string(rr->plugin));
        json_object_object_add(o, "enforce", json_object_new_boolean(r->enforce));
        json_object_object_add(o, "status", json_object_new_string(status_to_string(rr->status)));
        for (size_t i = 0; rr->evidence && rr->evidence[i]; i++)
                json_object_array_add(ev, json_object_new_string(rr->evidence[i]));
        json_object_object_add(o, "evidence", ev);
        json_object_object_add(o, "since", json_time(rr->since_usec));
        json_object_object_add(o, "evaluated_at", json_time(rr->evaluated_usec));
        return o;
}

int report_build(const ReportInput *in, json_object **ret) {
        _cleanup_(group_list_done) GroupList clauses = {}, plugins = {};
        ScoreTally total = {};
        json_object *o, *policy, *rules, *events;

        for (size_t i = 0; i < in->n_rules; i++) {
                const ReportRule *rr = &in->rules[i];
                _cleanup_strv_free_ char **cl = NULL;
                ScoreTally *t;
                int r;

                score_tally_add(&total, rr->status, rr->rule->severity);
                t = group_get(&plugins, rr->plugin);
                if (!t)
                        return -ENOMEM;
                score_tally_add(t, rr->status, rr->rule->severity);

                /* A rule citing several clauses counts toward each of them. */
                r = report_split_clauses(rr->rule->clause, &cl);
                if (r < 0)
                        return r;
                for (char **c = cl; *c; c++) {
                        t = group_get(&clauses, *c);
                        if (!t)
                                return -ENOMEM;
                        score_tally_add(t, rr->status, rr->rule->severity);
                }
        }

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "schema", json_object_new_int(REPORT_SCHEMA));
        json_object_object_add(o, "terminal", json_object_new_string(in->terminal));
        json_object_object_add(o, "generated_at", json_time(in->generated_usec));
        json_object_object_add(o, "agent_version", json_object_new_string(in->agent_version));
        policy = json_object_new_object();
        json_object_object_add(policy, "id", in->policy_id ? json_object_new_string(in->policy_id) : NULL);
        json_object_object_add(policy, "version",
                               in->policy_version ? json_object_new_string(in->policy_version) : NULL);
        json_object_object_add(o, "policy", policy);
        json_object_object_add(o, "score", json_score(&total));
        json_object_object_add(o, "counts", json_counts(&total));
        json_object_object_add(o, "last_change", json_time(in->last_change_usec));
        json_object_object_add(o, "by_clause", json_groups(&clauses, "clause"));
        json_object_object_add(o, "by_plugin", json_groups(&plugins, "plugin"));
        rules = json_object_new_array();
        for (size_t i = 0; i < in->n_rules; i++)
                json_object_array_add(rules, json_rule(&in->rules[i]));
        json_object_object_add(o, "rules", rules);
        events = json_object_new_object();
        json_object_object_add(events, "seq", json_object_new_int64((int64_t) in->event_seq));
        json_object_object_add(events, "head", json_object_new_string(strempty(in->event_head)));
        json_object_object_add(o, "events", events);
        *ret = o;
        return 0;
}

int report_write(const char *path, json_object *report) {
        size_t len;
        const char *s = json_object_to_json_string_length(
                report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
                &len);
        _cleanup_free_ char *withnl = NULL;

        if (!s)
                return -ENOMEM;
        if (asprintf(&withnl, "%s\n", s) < 0)
                return -ENOMEM;
        /* 0644: the report holds no secret, and staff may read their terminal's state. */
        return write_file_atomic(path, withnl, len + 1, 0644);
}
