/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report as JSON and CSV. */
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "collect_fleet.h"
#include "util.h"

static json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *jtime(int64_t t) {
        char buf[ISO8601_SIZE];

        if (t <= 0)
                return NULL;
        format_iso8601((uint64_t) t * USEC_PER_SEC, buf);
        return json_object_new_string(buf);
}

static json_object *terminal_json(const FleetTerminal *t) {
        json_object *o = json_object_new_object(), *trend = json_object_new_array();
        const CollectReport *r = &t->report;
        bool ok = t->state == FLEET_OK;

        json_object_object_add(o, "name", jstr(t->terminal->name));
        json_object_object_add(o, "address", jstr(t->terminal->address));
        json_object_object_add(o, "port", json_object_new_int(t->terminal->port));
        json_object_object_add(o, "status", jstr(fleet_state_to_string(t->state)));
        json_object_object_add(o, "error", jstr(t->error));
        json_object_object_add(o, "pulled_at", jtime(t->pulled_at));
        json_object_object_add(o, "score", ok && r->score >= 0 ? json_object_new_int(r->score) : NULL);
        if (ok) {
                json_object *counts = json_object_new_object(), *sev = json_object_new_object(),
                            *policy = json_object_new_object(), *events = json_object_new_object(),
                            *failing = json_object_new_array();

                json_object_object_add(o, "reported_name", jstr(r->terminal));
                json_object_object_add(o, "generated_at", jstr(r->generated_at));
                json_object_object_add(o, "agent_version", jstr(r->agent_version));
                json_object_object_add(policy, "id", jstr(r->policy_id));
                json_object_object_add(policy, "version", jstr(r->policy_version));
                json_object_object_add(o, "policy", policy);
                json_object_object_add(counts, "pass", json_object_new_int((int) r->pass));
                json_object_object_add(counts, "fail", json_object_new_int((int) r->fail));
                json_object_object_add(counts, "error", json_object_new_int((int) r->error));
                json_object_object_add(counts, "not-applicable", json_object_new_int((int) r->not_applicable));
                json_object_object_add(o, "counts", counts);
                for (int s = 0; s < _COLLECT_SEVERITY_MAX; s++)
                        json_object_object_add(sev, collect_severity_to_string(s),
                                               json_object_new_int((int) r->failing_by_severity[s]));
                json_object_object_add(o, "failing_by_severity", sev);
                for (size_t i = 0; i < r->n_failing; i++)
                        json_object_array_add(failing, jstr(r->failing[i].id));
                json_object_object_add(o, "failing", failing);
                json_object_object_add(events, "seq", json_object_new_int64((int64_t) r->seq));
                json_object_object_add(events, "head", jstr(r->head));
                json_object_object_add(o, "events", events);
        }
        {
                json_object *chain = json_object_new_object();

                json_object_object_add(chain, "status", jstr(chain_status_to_string(t->chain)));
                json_object_object_add(chain, "detail", jstr(t->chain_detail));
                json_object_object_add(o, "chain", chain);
        }
        for (size_t i = 0; i < t->n_trend; i++)
                json_object_array_add(trend, t->trend[i] >= 0 ? json_object_new_int(t->trend[i]) : NULL);
        json_object_object_add(o, "trend", trend);
        return o;
}

int fleet_write_json(const Fleet *f, FILE *out) {
        json_object *o = json_object_new_object(), *summary = json_object_new_object(),
                    *terms = json_object_new_array(), *clauses = json_object_new_array();
        const char *s;
        int r;

        if (!o || !summary || !terms || !clauses)
                return -ENOMEM;
        json_object_object_add(o, "schema", json_object_new_int(1));
        json_object_object_add(o, "generated_at", jtime(f->generated_at));
        json_object_object_add(summary, "terminals", json_object_new_int((int) f->n));
        for (int st = 0; st < _FLEET_STATE_MAX; st++)
                json_object_object_add(summary, fleet_state_to_string(st), json_object_new_int((int) f->n_state[st]));
        json_object_object_add(summary, "chain-broken", json_object_new_int((int) f->n_chain_broken));
        json_object_object_add(summary, "mean_score", f->mean_score >= 0 ? json_object_new_int(f->mean_score) : NULL);
        json_object_object_add(o, "summary", summary);
        for (size_t i = 0; i < f->n; i++)
                json_object_array_add(terms, terminal_json(&f->terminals[f->order[i]]));
        json_object_object_add(o, "terminals", terms);
        for (size_t c = 0; c < f->n_clauses; c++) {
                const FleetClause *fc = &f->clauses[c];
                json_object *jc = json_object_new_object(), *rules = json_object_new_array();

                json_object_object_add(jc, "clause", jstr(fc->clause));
                json_object_object_add(jc, "terminals", json_object_new_int((int) fc->n_terminals));
                for (size_t r2 = 0; r2 < fc->n_rules; r2++) {
                        const FleetRule *fr = &fc->rules[r2];
                        json_object *jr = json_object_new_object(), *title = json_object_new_object(),
                                    *names = json_object_new_array();

                        json_object_object_add(jr, "id", jstr(fr->rule->id));
                        json_object_object_add(title, "ja", jstr(fr->rule->title_ja));
                        json_object_object_add(title, "en", jstr(fr->rule->title_en));
                        json_object_object_add(jr, "title", title);
                        json_object_object_add(jr, "severity", jstr(collect_severity_to_string(fr->rule->severity)));
                        for (size_t t = 0; t < fr->n_terminals; t++)
                                json_object_array_add(names, jstr(f->terminals[fr->terminals[t]].terminal->name));
                        json_object_object_add(jr, "terminals", names);
                        json_object_array_add(rules, jr);
                }
                json_object_object_add(jc, "rules", rules);
                json_object_array_add(clauses, jc);
        }
        json_object_object_add(o, "failing_by_clause", clauses);

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
        r = s && fprintf(out, "%s\n", s) >= 0 ? 0 : -EIO;
        json_object_put(o);
        return r;
}

/* RFC 4180 quoting; a cell that a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR first) gets a leading apostrophe: the report text
 * comes from the terminals. */
static void csv_cell(FILE *out, const char *s, bool last) {
        if (s) {
                bool formula = s[0] && strchr("=+-@\t\r", s[0]);
                bool quote = formula || strpbrk(s, ",\"\r\n");

                if (quote)
                        fputc('"', out);
                if (formula)
                        fputc('\'', out);
                for (const char *p = s; *p; p++) {
                        if (*p == '"')
                                fputc('"', out);
                        fputc(*p, out);
                }
                if (quote)
                        fputc('"', out);
        }
        fputs(last ? "\r\n" : ",", out);
}

static void csv_int(FILE *out, int64_t v, bool present) {
        if (present)
                fprintf(out, "%" PRIi64, v);
        fputc(',', out);
}

int fleet_write_csv(const Fleet *f, FILE *out) {
        fputs("rank,terminal,address,port,status,score,pass,fail,error,not_applicable,"
              "failing_critical,failing_high,failing_medium,failing_low,event_seq,event_head,"
              "chain,chain_detail,generated_at,pulled_at,error_detail\r\n", out);
        for (size_t i = 0; i < f->n; i++) {
                const FleetTerminal *t = &f->terminals[f->order[i]];
                const CollectReport *r = &t->report;
                bool ok = t->state == FLEET_OK;
                char pulled[ISO8601_SIZE] = "";

                if (t->pulled_at > 0)
                        format_iso8601((uint64_t) t->pulled_at * USEC_PER_SEC, pulled);
                csv_int(out, (int64_t) i + 1, true);
                csv_cell(out, t->terminal->name, false);
                csv_cell(out, t->terminal->address, false);
                csv_int(out, t->terminal->port, true);
                csv_cell(out, fleet_state_to_string(t->state), false);
                csv_int(out, ok ? r->score : 0, ok && r->score >= 0);
                csv_int(out, r->pass, ok);
                csv_int(out, r->fail, ok);
                csv_int(out, r->error, ok);
                csv_int(out, r->not_applicable, ok);
                for (int s = 0; s < _COLLECT_SEVERITY_MAX; s++)
                        csv_int(out, r->failing_by_severity[s], ok);
                csv_int(out, (int64_t) r->seq, ok);
                csv_cell(out, ok ? r->head : NULL, false);
                csv_cell(out, chain_status_to_string(t->chain), false);
                csv_cell(out, t->chain_detail, false);
                csv_cell(out, ok ? r->generated_at : NULL, false);
                csv_cell(out, pulled, false);
                csv_cell(out, t->error, true);
        }
        return ferror(out) ? -EIO : 0;
}
