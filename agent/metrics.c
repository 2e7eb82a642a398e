/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http_json.h"
#include "metrics.h"
#include "util.h"

/* A report may list this many clauses or plugins at most in /metrics:
 * the shipped policy cites about 40 clauses; the cap keeps a broken
 * report from turning into a scrape Prometheus refuses for its size. */
#define METRICS_MAX_GROUPS 1000
/* Label values longer than this are cut (at a UTF-8 boundary). */
#define METRICS_MAX_LABEL 256

static const char *const severities[] = { "critical", "high", "medium", "low" };
static const char *const statuses[] = { "pass", "fail", "error", "not-applicable" };

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid:
 * Prometheus rejects a scrape whose label is not UTF-8. */
static size_t utf8_len(const unsigned char *s, size_t n) {
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0)
                len = 2, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                len = 3, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

/* A label value as the format wants it: backslash, double quote and line
 * feed escaped; other control characters and invalid UTF-8 become '?'. */
static void put_label_value(FILE *f, const char *v) {
        const unsigned char *s = (const unsigned char *) v;
        size_t n = strlen(v), out = 0;

        for (size_t i = 0; i < n && out < METRICS_MAX_LABEL;) {
                size_t l = utf8_len(s + i, n - i);

                if (l == 0) {
                        fputc('?', f);
                        i++;
                } else if (l > 1) {
                        fwrite(s + i, 1, l, f);
                        i += l;
                } else {
                        if (s[i] == '\\')
                                fputs("\\\\", f);
                        else if (s[i] == '"')
                                fputs("\\\"", f);
                        else if (s[i] == '\n')
                                fputs("\\n", f);
                        else if (s[i] < 0x20 || s[i] == 0x7f)
                                fputc('?', f);
                        else
                                fputc(s[i], f);
                        i++;
                }
                out += l ? l : 1;
        }
}

static void put_header(FILE *f, const char *name, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample per distinct label value of key among the array's objects,
 * value from its integer "score" (a null score has no sample: absent, not 0). */
static void put_group_scores(FILE *f, json_object *report, const char *array, const char *key,
                             const char *name, const char *help) {
        json_object *a = http_json_get(report, array, json_type_array);
        size_t n = a ? json_object_array_length(a) : 0;
        bool header = false;

        if (n > METRICS_MAX_GROUPS)
                n = METRICS_MAX_GROUPS;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                const char *label = http_json_get_string(e, key);
                bool dup = false;
                int64_t score;

                if (!label || !http_json_get_int(e, "score", 0, 100, &score))
                        continue;
                /* A repeated label would make Prometheus refuse the whole
                 * scrape ("duplicate sample"): the first one wins. */
                for (size_t j = 0; j < i && !dup; j++) {
                        json_object *p = json_object_array_get_idx(a, j);
                        int64_t ps;

                        dup = streq(http_json_get_string(p, key), label) &&
                              http_json_get_int(p, "score", 0, 100, &ps);
                }
                if (dup)
                        continue;
                if (!header) {
                        put_header(f, name, help);
                        header = true;
                }
                fprintf(f, "%s{%s=\"", name, key);
                put_label_value(f, label);
                fprintf(f, "\"} %" PRIi64 "\n", score);
        }
}

static void put_rule_counts(FILE *f, json_object *report) {
        json_object *counts = http_json_get(report, "counts", json_type_object);
        bool header = false;

        for (size_t i = 0; i < ELEMENTSOF(statuses); i++) {
                int64_t v;

                if (!http_json_get_int(counts, statuses[i], 0, INT64_MAX, &v))
                        continue;
                if (!header) {
                        put_header(f, "mamori_rules", "Rules by the status of their last evaluation.");
                        header = true;
                }
                fprintf(f, "mamori_rules{status=\"%s\"} %" PRIi64 "\n", statuses[i], v);
        }
}

static void put_failing(FILE *f, json_object *report) {
        json_object *rules = http_json_get(report, "rules", json_type_array);
        uint64_t n[ELEMENTSOF(severities)] = {};
        size_t len;

        if (!rules)
                return;
        len = json_object_array_length(rules);
        for (size_t i = 0; i < len; i++) {
                json_object *r = json_object_array_get_idx(rules, i);
                const char *sev = http_json_get_string(r, "severity");

                if (!streq(http_json_get_string(r, "status"), "fail"))
                        continue;
                for (size_t s = 0; s < ELEMENTSOF(severities); s++)
                        if (streq(sev, severities[s]))
                                n[s]++;
        }
        put_header(f, "mamori_failing_rules", "Failing rules by severity.");
        for (size_t s = 0; s < ELEMENTSOF(severities); s++)
                fprintf(f, "mamori_failing_rules{severity=\"%s\"} %" PRIu64 "\n", severities[s], n[s]);
}

/* The newest "evaluated_at" of any rule; the report's own time when no
 * rule carries one. */
static bool last_evaluation(json_object *report, int64_t *ret) {
        json_object *rules = http_json_get(report, "rules", json_type_array);
        size_t len = rules ? json_object_array_length(rules) : 0;
        bool found = false;
        int64_t best = 0, t;

        for (size_t i = 0; i < len; i++)
                if (http_json_parse_time(http_json_get_string(json_object_array_get_idx(rules, i),
                                                              "evaluated_at"), &t) >= 0 &&
                    (!found || t > best)) {
                        best = t;
                        found = true;
                }
        if (!found)
                found = http_json_parse_time(http_json_get_string(report, "generated_at"), &best) >= 0;
        if (found)
                *ret = best;
        return found;
}

static void put_info(FILE *f, json_object *report) {
        json_object *policy = http_json_get(report, "policy", json_type_object);
        const struct {
                const char *label;
                const char *value;
        } labels[] = {
                { "version", http_json_get_string(report, "agent_version") },
                { "terminal", http_json_get_string(report, "terminal") },
                { "policy", http_json_get_string(policy, "id") },
                { "policy_version", http_json_get_string(policy, "version") },
        };

        put_header(f, "mamori_agent_info",
                   "Agent version, terminal name and policy of the report; the value is always 1.");
        fputs("mamori_agent_info{", f);
        for (size_t i = 0; i < ELEMENTSOF(labels); i++) {
                fprintf(f, "%s%s=\"", i ? "," : "", labels[i].label);
                put_label_value(f, strempty(labels[i].value));
                fputc('"', f);
        }
        fputs("} 1\n", f);
}

static void put_metrics(FILE *f, json_object *report) {
        json_object *events = http_json_get(report, "events", json_type_object);
        const char *head = http_json_get_string(events, "head");
        int64_t v;

        if (http_json_get_int(report, "score", 0, 100, &v)) {
                put_header(f, "mamori_score",
                           "Compliance score of the terminal, 0 to 100 (absent when no rule passed or failed).");
                fprintf(f, "mamori_score %" PRIi64 "\n", v);
        }
        put_group_scores(f, report, "by_clause", "clause", "mamori_clause_score",
                         "Compliance score per policy clause, 0 to 100.");
        put_group_scores(f, report, "by_plugin", "plugin", "mamori_plugin_score",
                         "Compliance score per check plugin, 0 to 100.");
        put_rule_counts(f, report);
        put_failing(f, report);
        if (last_evaluation(report, &v)) {
                put_header(f, "mamori_last_evaluation_timestamp_seconds",
                           "Time of the newest rule evaluation, in seconds since the Unix epoch.");
                fprintf(f, "mamori_last_evaluation_timestamp_seconds %" PRIi64 "\n", v);
        }
        if (http_json_parse_time(http_json_get_string(report, "generated_at"), &v) >= 0) {
                put_header(f, "mamori_report_generated_timestamp_seconds",
                           "Time the agent wrote the report, in seconds since the Unix epoch.");
                fprintf(f, "mamori_report_generated_timestamp_seconds %" PRIi64 "\n", v);
        }
        if (http_json_get_int(events, "seq", 0, INT64_MAX, &v)) {
                put_header(f, "mamori_event_sequence",
                           "Sequence number of the newest event in the hash-chained event log; "
                           "it never goes down.");
                fprintf(f, "mamori_event_sequence %" PRIi64 "\n", v);
        }
        if (head && *head) {
                put_header(f, "mamori_event_head_info",
                           "SHA-256 of the newest event in the event log; the value is always 1.");
                fputs("mamori_event_head_info{head=\"", f);
                put_label_value(f, head);
                fputs("\"} 1\n", f);
        }
        put_info(f, report);
}

int metrics_from_report(const char *json, size_t size, char **ret, size_t *ret_size) {
        json_object *report = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int64_t schema;
        FILE *f;
        int r;

        r = http_json_parse(json, size, &report);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        if (!http_json_get_int(report, "schema", 1, INT32_MAX, &schema)) {
                json_object_put(report);
                return -EBADMSG;
        }
        f = open_memstream(&buf, &len);
        if (!f) {
                json_object_put(report);
                return -ENOMEM;
        }
        put_metrics(f, report);
        json_object_put(report);
        r = ferror(f) ? -ENOMEM : 0;
        if (fclose(f) != 0 || r < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = len;
        return 0;
}
