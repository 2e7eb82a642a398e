/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "collect_report.h"
#include "http_json.h"

/* Bounds for what a report may put into the fleet report. */
#define MAX_SHORT 256
#define MAX_TITLE 1024

static const char *const severity_names[_COLLECT_SEVERITY_MAX] = {
        [COLLECT_CRITICAL] = "critical",
        [COLLECT_HIGH] = "high",
        [COLLECT_MEDIUM] = "medium",
        [COLLECT_LOW] = "low",
};

const char *collect_severity_to_string(CollectSeverity s) {
        return s >= 0 && s < _COLLECT_SEVERITY_MAX ? severity_names[s] : "unknown";
}

static void rule_done(CollectRule *r) {
        free(r->id);
        free(r->clause);
        free(r->title_ja);
        free(r->title_en);
}

void collect_report_done(CollectReport *r) {
        if (!r)
                return;
        free(r->terminal);
        free(r->generated_at);
        free(r->agent_version);
        free(r->policy_id);
        free(r->policy_version);
        for (size_t i = 0; i < r->n_failing; i++)
                rule_done(&r->failing[i]);
        free(r->failing);
        *r = (CollectReport) {};
}

/* A required string member, sanitized; -EBADMSG when missing. */
static int get_text(json_object *o, const char *key, size_t max, bool nullable, char **ret) {
        json_object *v = NULL;
        const char *s;

        if (!json_object_object_get_ex(o, key, &v))
                return -EBADMSG;
        if (!v && nullable) {
                *ret = NULL;
                return 0;
        }
        s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (!s)
                return -EBADMSG;
        *ret = text_sanitize(s, max);
        return *ret ? 0 : -ENOMEM;
}

static bool is_hex64(const char *s) {
        return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void json_putp(json_object **o) {
        json_object_put(*o);
}

#define BAD(msg) do { *reterr = (msg); collect_report_done(&r); return -EBADMSG; } while (0)
#define TEXT(obj, key, max, nullable, dst, msg)                                 \
        do {                                                                    \
                k = get_text((obj), (key), (max), (nullable), (dst));           \
                if (k == -ENOMEM) {                                             \
                        collect_report_done(&r);                                \
                        return k;                                               \
                }                                                               \
                if (k < 0)                                                      \
                        BAD(msg);                                               \
        } while (0)

int collect_report_parse(const char *buf, size_t size, CollectReport *ret, const char **reterr) {
        static const char *const count_keys[] = { "pass", "fail", "error", "not-applicable" };
        _cleanup_(json_putp) json_object *o = NULL;
        json_object *counts, *rules, *events, *policy, *v = NULL;
        CollectReport r = { .score = -1 };
        unsigned *count_fields[] = { &r.pass, &r.fail, &r.error, &r.not_applicable };
        const char *head;
        int64_t i64;
        size_t n;
        int k;

        if (size > COLLECT_REPORT_MAX_SIZE)
                BAD("report larger than 16 MiB");
        k = http_json_parse(buf, size, &o);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                BAD("not a JSON object (or not UTF-8, or nested too deep)");
        if (!http_json_get_int(o, "schema", 1, INT32_MAX, &i64))
                BAD("no schema number");

        TEXT(o, "terminal", MAX_SHORT, false, &r.terminal, "no terminal name");
        TEXT(o, "generated_at", MAX_SHORT, true, &r.generated_at, "generated_at is not a string");
        TEXT(o, "agent_version", MAX_SHORT, false, &r.agent_version, "no agent_version");
        policy = http_json_get(o, "policy", json_type_object);
        if (policy) {
                TEXT(policy, "id", MAX_SHORT, true, &r.policy_id, "policy: id is not a string or null");
                TEXT(policy, "version", MAX_SHORT, true, &r.policy_version,
                     "policy: version is not a string or null");
        } else if (!json_object_object_get_ex(o, "policy", &v) || v)
                BAD("policy is not an object or null");

        if (!json_object_object_get_ex(o, "score", &v))
                BAD("no score");
        if (v) {
                if (!http_json_get_int(o, "score", 0, 100, &i64))
                        BAD("score is not a number from 0 to 100 or null");
                r.score = (int) i64;
        }

        counts = http_json_get(o, "counts", json_type_object);
        if (!counts)
                BAD("no counts object");
        for (size_t i = 0; i < ELEMENTSOF(count_keys); i++) {
                if (!http_json_get_int(counts, count_keys[i], 0, COLLECT_REPORT_MAX_RULES, &i64))
                        BAD("counts: a count is missing or out of range");
                *count_fields[i] = (unsigned) i64;
        }

        events = http_json_get(o, "events", json_type_object);
        if (!events || !http_json_get_int(events, "seq", 0, INT64_MAX, &i64))
                BAD("events: no sequence number");
        r.seq = (uint64_t) i64;
        head = http_json_get_string(events, "head");
        if (!head || (*head && !is_hex64(head)) || (!*head && r.seq != 0))
                BAD("events: head is not a SHA-256 in hex");
        memcpy(r.head, head, strlen(head) + 1);

        rules = http_json_get(o, "rules", json_type_array);
        if (!rules)
                BAD("no rules array");
        n = json_object_array_length(rules);
        if (n > COLLECT_REPORT_MAX_RULES)
                BAD("more than 10000 rules");
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(rules, i), *title;
                const char *status = http_json_get_string(e, "status"), *sev;
                CollectRule cr = {};
                size_t s;

                if (!status)
                        BAD("rules: a rule without a status");
                if (!streq(status, "fail"))
                        continue;
                sev = http_json_get_string(e, "severity");
                for (s = 0; s < _COLLECT_SEVERITY_MAX; s++)
                        if (streq(sev, severity_names[s]))
                                break;
                if (s == _COLLECT_SEVERITY_MAX)
                        BAD("rules: a failing rule without a known severity");
                title = http_json_get(e, "title", json_type_object);
                if (!title)
                        BAD("rules: a failing rule without a title");
                cr.severity = (CollectSeverity) s;
                if ((k = get_text(e, "id", MAX_SHORT, false, &cr.id)) < 0 ||
                    (k = get_text(e, "clause", MAX_SHORT, false, &cr.clause)) < 0 ||
                    (k = get_text(title, "ja", MAX_TITLE, false, &cr.title_ja)) < 0 ||
                    (k = get_text(title, "en", MAX_TITLE, false, &cr.title_en)) < 0) {
                        rule_done(&cr);
                        if (k == -ENOMEM) {
                                collect_report_done(&r);
                                return k;
                        }
                        BAD("rules: a failing rule without id, clause or title text");
                }
                if (r.n_failing % 16 == 0) {
                        CollectRule *nf = realloc(r.failing, sizeof *nf * (r.n_failing + 16));

                        if (!nf) {
                                rule_done(&cr);
                                collect_report_done(&r);
                                return -ENOMEM;
                        }
                        r.failing = nf;
                }
                r.failing[r.n_failing++] = cr;
                r.failing_by_severity[s]++;
        }
        if (r.n_failing != r.fail)
                BAD("counts.fail does not match the failing rules");

        *ret = r;
        *reterr = NULL;
        return 0;
}
