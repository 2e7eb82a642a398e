/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics_from_report(): a hand-written report against the exposition
 * text written out by hand from it (format 0.0.4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

static const char report[] =
        "{\n"
        "  \"schema\": 1,\n"
        "  \"terminal\": \"lib-south-07\",\n"
        "  \"generated_at\": \"2026-11-25T09:00:00Z\",\n"
        "  \"agent_version\": \"0.1.0\",\n"
        "  \"policy\": { \"id\": \"fujisawa-library\", \"version\": \"2012-04-01\" },\n"
        "  \"score\": 83,\n"
        "  \"counts\": { \"pass\": 20, \"fail\": 3, \"error\": 1, \"not-applicable\": 2 },\n"
        "  \"last_change\": \"2026-11-25T08:41:07Z\",\n"
        "  \"by_clause\": [\n"
        "    { \"clause\": \"詳細編 5.4(3)\", \"score\": 100, \"pass\": 2, \"fail\": 0 },\n"
        "    { \"clause\": \"詳細編 2.2(3)②\", \"score\": 50, \"pass\": 1, \"fail\": 1 },\n"
        "    { \"clause\": \"詳細編 8.2(4)\", \"score\": null, \"pass\": 0, \"fail\": 0 }\n"
        "  ],\n"
        "  \"by_plugin\": [ { \"plugin\": \"usb\", \"score\": 50 }, { \"plugin\": \"accounts\", \"score\": 0 } ],\n"
        "  \"rules\": [\n"
        "    { \"id\": \"usb.a\", \"severity\": \"high\", \"status\": \"fail\", \"evaluated_at\": \"2026-11-25T08:59:00Z\" },\n"
        "    { \"id\": \"acc.b\", \"severity\": \"critical\", \"status\": \"fail\", \"evaluated_at\": \"2026-11-25T08:59:30Z\" },\n"
        "    { \"id\": \"acc.c\", \"severity\": \"high\", \"status\": \"fail\", \"evaluated_at\": null },\n"
        "    { \"id\": \"acc.d\", \"severity\": \"low\", \"status\": \"pass\", \"evaluated_at\": \"2026-11-25T08:00:00Z\" }\n"
        "  ],\n"
        "  \"events\": { \"seq\": 1042, \"head\": \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\" }\n"
        "}\n";

/* Written by hand from the report above: 2026-11-25T08:59:30Z is
 * 1795597170 s after the epoch (20782 days * 86400 + 8:59:30), the newest
 * evaluated_at; generated_at 09:00:00 is 1795597200. */
static const char expected[] =
        "# HELP mamori_score Compliance score of the terminal, 0 to 100 (absent when no rule passed or failed).\n"
        "# TYPE mamori_score gauge\n"
        "mamori_score 83\n"
        "# HELP mamori_clause_score Compliance score per policy clause, 0 to 100.\n"
        "# TYPE mamori_clause_score gauge\n"
        "mamori_clause_score{clause=\"詳細編 5.4(3)\"} 100\n"
        "mamori_clause_score{clause=\"詳細編 2.2(3)②\"} 50\n"
        "# HELP mamori_plugin_score Compliance score per check plugin, 0 to 100.\n"
        "# TYPE mamori_plugin_score gauge\n"
        "mamori_plugin_score{plugin=\"usb\"} 50\n"
        "mamori_plugin_score{plugin=\"accounts\"} 0\n"
        "# HELP mamori_rules Rules by the status of their last evaluation.\n"
        "# TYPE mamori_rules gauge\n"
        "mamori_rules{status=\"pass\"} 20\n"
        "mamori_rules{status=\"fail\"} 3\n"
        "mamori_rules{status=\"error\"} 1\n"
        "mamori_rules{status=\"not-applicable\"} 2\n"
        "# HELP mamori_failing_rules Failing rules by severity.\n"
        "# TYPE mamori_failing_rules gauge\n"
        "mamori_failing_rules{severity=\"critical\"} 1\n"
        "mamori_failing_rules{severity=\"high\"} 2\n"
        "mamori_failing_rules{severity=\"medium\"} 0\n"
        "mamori_failing_rules{severity=\"low\"} 0\n"
        "# HELP mamori_last_evaluation_timestamp_seconds Time of the newest rule evaluation, in seconds since the Unix epoch.\n"
        "# TYPE mamori_last_evaluation_timestamp_seconds gauge\n"
        "mamori_last_evaluation_timestamp_seconds 1795597170\n"
        "# HELP mamori_report_generated_timestamp_seconds Time the agent wrote the report, in seconds since the Unix epoch.\n"
        "# TYPE mamori_report_generated_timestamp_seconds gauge\n"
        "mamori_report_generated_timestamp_seconds 1795597200\n"
        "# HELP mamori_event_sequence Sequence number of the newest event in the hash-chained event log; it never goes down.\n"
        "# TYPE mamori_event_sequence gauge\n"
        "mamori_event_sequence 1042\n"
        "# HELP mamori_event_head_info SHA-256 of the newest event in the event log; the value is always 1.\n"
        "# TYPE mamori_event_head_info gauge\n"
        "mamori_event_head_info{head=\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"} 1\n"
        "# HELP mamori_agent_info Agent version, terminal name and policy of the report; the value is always 1.\n"
        "# TYPE mamori_agent_info gauge\n"
        "mamori_agent_info{version=\"0.1.0\",terminal=\"lib-south-07\",policy=\"fujisawa-library\",policy_version=\"2012-04-01\"} 1\n";

static void test_full_report(void **state) {
        char *text = NULL;
        size_t size = 0;

        assert_int_equal(metrics_from_report(report, strlen(report), &text, &size), 0);
        assert_string_equal(text, expected);
        assert_int_equal(size, strlen(expected));
        free(text);
}

static char *metrics_of(const char *json) {
        char *text = NULL;

        assert_int_equal(metrics_from_report(json, strlen(json), &text, NULL), 0);
        return text;
}

static void test_label_escaping(void **state) {
        /* Backslash, double quote and line feed are escaped; other control
         * characters and bytes that are not UTF-8 become '?'. */
        char *t = metrics_of("{\"schema\":1,\"terminal\":\"a\\\\b\\\"c\\nd\\te\",\"agent_version\":\"1\","
                             "\"by_plugin\":[{\"plugin\":\"p\\u007f\\u00e9\",\"score\":7}]}");

        assert_non_null(strstr(t, "terminal=\"a\\\\b\\\"c\\nd?e\""));
        assert_non_null(strstr(t, "mamori_plugin_score{plugin=\"p?\xc3\xa9\"} 7\n"));
        free(t);
}

static void test_minimal_and_odd_shapes(void **state) {
        /* Only schema: the info metric with empty labels and zero failing
         * rules of no known list; nothing else is invented. */
        char *t = metrics_of("{\"schema\":1}");

        assert_string_equal(t,
                            "# HELP mamori_agent_info Agent version, terminal name and policy of the report; the value is always 1.\n"
                            "# TYPE mamori_agent_info gauge\n"
                            "mamori_agent_info{version=\"\",terminal=\"\",policy=\"\",policy_version=\"\"} 1\n");
        free(t);

        /* Members of the wrong type leave their metric out; a score out of
         * range is not a score; a repeated label keeps its first value;
         * a null score is absent, not 0. */
        t = metrics_of("{\"schema\":2,\"score\":101,\"counts\":[1],\"events\":{\"seq\":\"5\",\"head\":\"\"},"
                       "\"by_clause\":[{\"clause\":\"x\",\"score\":10},{\"clause\":\"x\",\"score\":20},"
                       "{\"clause\":5,\"score\":1},{\"clause\":\"y\",\"score\":null}],"
                       "\"rules\":[{\"status\":\"fail\",\"severity\":\"bogus\"},{\"status\":\"fail\",\"severity\":\"low\"}],"
                       "\"generated_at\":\"2026-02-30T00:00:00Z\"}");
        assert_null(strstr(t, "mamori_score "));
        assert_null(strstr(t, "mamori_rules"));
        assert_null(strstr(t, "mamori_event_sequence"));
        assert_null(strstr(t, "mamori_event_head_info"));
        assert_null(strstr(t, "timestamp_seconds"));
        assert_non_null(strstr(t, "mamori_clause_score{clause=\"x\"} 10\n"));
        assert_null(strstr(t, "} 20\n"));
        assert_null(strstr(t, "clause=\"y\""));
        assert_non_null(strstr(t, "mamori_failing_rules{severity=\"low\"} 1\n"));
        assert_non_null(strstr(t, "mamori_failing_rules{severity=\"critical\"} 0\n"));
        free(t);
}

static void test_not_a_report(void **state) {
        static const char *const bad[] = {
                "", "[]", "42", "{", "{\"schema\":1} x", "{\"schema\":\"1\"}", "{\"schema\":0}",
                "{\"terminal\":\"a\"}", "{\"schema\":1,\"terminal\":\"\xff\"}",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        };
        char *t = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(metrics_from_report(bad[i], strlen(bad[i]), &t, NULL), -EBADMSG);
                assert_null(t);
        }
        /* NUL inside the text: not JSON past it. */
        assert_int_equal(metrics_from_report("{\"schema\":1}\0{", 14, &t, NULL), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_report),
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_minimal_and_odd_shapes),
                cmocka_unit_test(test_not_a_report),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
