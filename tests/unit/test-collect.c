/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-collect's pure parts: inventory, report parsing, chain check,
 * history, and the fleet report writers, against hand-written input and
 * hand-written expected output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "collect_chain.h"
#include "collect_fleet.h"
#include "collect_history.h"
#include "collect_inventory.h"
#include "collect_report.h"
#include "util.h"

#define HEAD_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HEAD_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

static void test_inventory(void **state) {
        static const char text[] =
                "# library terminals\n"
                "lib-south-07  10.0.7.7\n"
                "\n"
                "lib-north-01\tterm1.lib.example 9443   # reading room\r\n"
                "   lib_v6.2 [fe80::1] 1\n"
                "lib-v6b 2001:db8::5\n";
        Inventory inv = {};
        InventoryError e = {};

        assert_int_equal(inventory_parse("inv", text, strlen(text), &inv, &e), 0);
        assert_int_equal(inv.n, 4);
        assert_string_equal(inv.items[0].name, "lib-south-07");
        assert_string_equal(inv.items[0].address, "10.0.7.7");
        assert_int_equal(inv.items[0].port, 9731);
        assert_int_equal(inv.items[0].line, 2);
        assert_string_equal(inv.items[1].address, "term1.lib.example");
        assert_int_equal(inv.items[1].port, 9443);
        assert_int_equal(inv.items[1].line, 4);
        assert_string_equal(inv.items[2].name, "lib_v6.2");
        assert_string_equal(inv.items[2].address, "fe80::1");
        assert_int_equal(inv.items[2].port, 1);
        assert_string_equal(inv.items[3].address, "2001:db8::5");
        inventory_done(&inv);
}

static void test_inventory_errors(void **state) {
        static const struct {
                const char *text;
                unsigned line;
                const char *message;
        } cases[] = {
                { "a 1.2.3.4\nb\n", 2, "expected \"name address [port]\", got 1 field" },
                { "a 1.2.3.4 1 2\n", 1, "expected \"name address [port]\", got 4 fields" },
                { "a 1.2.3.4\n\n#x\na 5.6.7.8\n", 4, "terminal 'a' is already listed on line 1" },
                { "a 1.2.3.4 0\n", 1, "port must be a number from 1 to 65535" },
                { "a 1.2.3.4 65536\n", 1, "port must be a number from 1 to 65535" },
                { "a 1.2.3.4 +80\n", 1, "port must be a number from 1 to 65535" },
                { "a/b 1.2.3.4\n", 1, "terminal name must be 1 to 64 letters, digits, '.', '_' or '-'" },
                { "a http://x/\n", 1, "address: not a host name, IPv4 or IPv6 address" },
                { "a x..y\n", 1, "address: not a host name, IPv4 or IPv6 address" },
                { "a [::1\n", 1, "address: unbalanced '['" },
                { "a [1.2.3.4]\n", 1, "address: not an IPv6 address inside [ ]" },
                { "a ::g\n", 1, "address: not a host name, IPv4 or IPv6 address" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Inventory inv = {};
                InventoryError e = {};

                assert_int_equal(inventory_parse("/etc/inv", cases[i].text, strlen(cases[i].text), &inv, &e),
                                 -EINVAL);
                assert_string_equal(e.file, "/etc/inv");
                assert_int_equal(e.line, cases[i].line);
                assert_string_equal(e.message, cases[i].message);
                assert_int_equal(inv.n, 0);
        }
        {
                Inventory inv = {};
                InventoryError e = {};

                assert_int_equal(inventory_parse("f", "a 1.2.3.4\n\0", 11, &inv, &e), -EINVAL);
                assert_string_equal(e.message, "file contains a NUL byte: not a text file");
        }
}

#define REPORT(score, counts, rules, seq, head)                                                            \
        "{\"schema\":1,\"terminal\":\"t\",\"generated_at\":\"2026-11-25T09:00:00Z\",\"agent_version\":\"0.1.0\"," \
        "\"policy\":{\"id\":\"p\",\"version\":null},\"score\":" score ",\"counts\":" counts ",\"rules\":" rules \
        ",\"events\":{\"seq\":" seq ",\"head\":\"" head "\"}}"

#define C_1FAIL "{\"pass\":1,\"fail\":1,\"error\":0,\"not-applicable\":0}"
#define R_1FAIL                                                                                           \
        "[{\"id\":\"r.a\",\"title\":{\"ja\":\"あ\",\"en\":\"A\"},\"clause\":\"詳細編 6.5(3) 5.1(1)④\","            \
        "\"severity\":\"high\",\"status\":\"fail\"},{\"id\":\"r.b\",\"status\":\"pass\"}]"

static void test_report_parse(void **state) {
        static const char good[] = REPORT("40", C_1FAIL, R_1FAIL, "7", HEAD_A);
        CollectReport r = {};
        const char *why = NULL;

        assert_int_equal(collect_report_parse(good, strlen(good), &r, &why), 0);
        assert_string_equal(r.terminal, "t");
        assert_int_equal(r.score, 40);
        assert_int_equal(r.pass, 1);
        assert_int_equal(r.fail, 1);
        assert_int_equal(r.seq, 7);
        assert_string_equal(r.head, HEAD_A);
        assert_string_equal(r.policy_id, "p");
        assert_null(r.policy_version);
        assert_int_equal(r.n_failing, 1);
        assert_string_equal(r.failing[0].id, "r.a");
        assert_string_equal(r.failing[0].title_ja, "あ");
        assert_int_equal(r.failing[0].severity, COLLECT_HIGH);
        assert_int_equal(r.failing_by_severity[COLLECT_HIGH], 1);
        collect_report_done(&r);

        /* No score (nothing passed or failed) and no event yet. */
        static const char empty[] = REPORT("null", "{\"pass\":0,\"fail\":0,\"error\":2,\"not-applicable\":0}",
                                           "[]", "0", "");
        assert_int_equal(collect_report_parse(empty, strlen(empty), &r, &why), 0);
        assert_int_equal(r.score, -1);
        assert_string_equal(r.head, "");
        collect_report_done(&r);
}

static void test_report_garbage(void **state) {
        static const struct {
                const char *text;
                const char *why;
        } cases[] = {
                { "<html>", "not a JSON object (or not UTF-8, or nested too deep)" },
                { "{\"schema\":1", "not a JSON object (or not UTF-8, or nested too deep)" },
                { "{}", "no schema number" },
                { REPORT("101", C_1FAIL, R_1FAIL, "7", HEAD_A), "score is not a number from 0 to 100 or null" },
                { REPORT("\"90\"", C_1FAIL, R_1FAIL, "7", HEAD_A), "score is not a number from 0 to 100 or null" },
                { REPORT("40", "{}", R_1FAIL, "7", HEAD_A), "counts: a count is missing or out of range" },
                { REPORT("40", C_1FAIL, R_1FAIL, "-1", HEAD_A), "events: no sequence number" },
                { REPORT("40", C_1FAIL, R_1FAIL, "7", "xyz"), "events: head is not a SHA-256 in hex" },
                { REPORT("40", C_1FAIL, R_1FAIL, "7", ""), "events: head is not a SHA-256 in hex" },
                { REPORT("40", C_1FAIL, "{}", "7", HEAD_A), "no rules array" },
                { REPORT("40", C_1FAIL, "[{\"status\":\"fail\",\"severity\":\"huge\"}]", "7", HEAD_A),
                  "rules: a failing rule without a known severity" },
                { REPORT("40", C_1FAIL, "[1]", "7", HEAD_A), "rules: a rule without a status" },
                { REPORT("40", C_1FAIL, "[]", "7", HEAD_A), "counts.fail does not match the failing rules" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CollectReport r = {};
                const char *why = NULL;

                assert_int_equal(collect_report_parse(cases[i].text, strlen(cases[i].text), &r, &why), -EBADMSG);
                assert_string_equal(why, cases[i].why);
                assert_null(r.terminal);
        }
}

static void test_report_sanitized(void **state) {
        static const char text[] = "{\"schema\":1,\"terminal\":\"evil\\u001b[31m\\n<b>\",\"generated_at\":null,"
                                   "\"agent_version\":\"1\",\"policy\":null,\"score\":null,"
                                   "\"counts\":{\"pass\":0,\"fail\":0,\"error\":0,\"not-applicable\":0},"
                                   "\"rules\":[],\"events\":{\"seq\":0,\"head\":\"\"}}";
        CollectReport r = {};
        const char *why = NULL;

        assert_int_equal(collect_report_parse(text, strlen(text), &r, &why), 0);
        /* Control characters replaced; markup is escaped later by the writers. */
        assert_string_equal(r.terminal, "evil?[31m?<b>");
        assert_null(r.generated_at);
        assert_null(r.policy_id);
        collect_report_done(&r);
}

static void test_chain(void **state) {
        char d[256];

        assert_int_equal(chain_check(NULL, NULL, d, sizeof d), CHAIN_NONE);
        assert_int_equal(chain_check(NULL, &(ChainPoint) { 5, HEAD_A }, d, sizeof d), CHAIN_FIRST);
        assert_int_equal(chain_check(&(ChainPoint) { 5, HEAD_A }, &(ChainPoint) { 5, HEAD_A }, d, sizeof d), CHAIN_OK);
        assert_int_equal(chain_check(&(ChainPoint) { 5, HEAD_A }, &(ChainPoint) { 9, HEAD_B }, d, sizeof d), CHAIN_OK);
        assert_int_equal(chain_check(&(ChainPoint) { 5, HEAD_A }, &(ChainPoint) { 4, HEAD_B }, d, sizeof d),
                         CHAIN_BROKEN);
        assert_string_equal(d, "event sequence went backwards: 4 after 5");
        assert_int_equal(chain_check(&(ChainPoint) { 5, HEAD_A }, &(ChainPoint) { 5, HEAD_B }, d, sizeof d),
                         CHAIN_BROKEN);
        assert_string_equal(d, "event 5 has another hash than at the last pull");
        assert_string_equal(chain_status_to_string(CHAIN_REBASELINED), "rebaselined");
        assert_int_equal(chain_status_from_string("broken"), CHAIN_BROKEN);
        assert_int_equal(chain_status_from_string("nonsense"), CHAIN_NONE);
}

static void test_history(void **state) {
        char dir[] = "/tmp/test-collect.XXXXXX", path[64], head[SHA256_HEX_SIZE];
        History *h = NULL;
        bool found = true;
        uint64_t seq = 0;
        int scores[8];
        size_t n = 0;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/h.db", dir);
        assert_int_equal(history_open(path, &h), 0);
        assert_int_equal(history_baseline(h, "a", &found, &seq, head), 0);
        assert_false(found);

        assert_int_equal(history_begin(h), 0);
        assert_int_equal(history_add(h, &(PullRecord) { .terminal = "a", .address = "x", .port = 1, .pulled_at = 10,
                                                        .status = "ok", .score = 50, .have_events = true, .seq = 3,
                                                        .head = HEAD_A, .chain = CHAIN_FIRST, .report = "{}",
                                                        .report_size = 2 }), 0);
        assert_int_equal(history_add(h, &(PullRecord) { .terminal = "a", .address = "x", .port = 1, .pulled_at = 20,
                                                        .status = "unreachable", .error = "down", .score = -1,
                                                        .chain = CHAIN_NONE }), 0);
        /* A broken pull is not a baseline: the next one is compared with
         * the last accepted chain, so a rollback stays flagged. */
        assert_int_equal(history_add(h, &(PullRecord) { .terminal = "a", .address = "x", .port = 1, .pulled_at = 30,
                                                        .status = "ok", .score = 70, .have_events = true, .seq = 1,
                                                        .head = HEAD_B, .chain = CHAIN_BROKEN }), 0);
        assert_int_equal(history_add(h, &(PullRecord) { .terminal = "b", .address = "y", .port = 2, .pulled_at = 30,
                                                        .status = "ok", .score = 90, .have_events = true, .seq = 8,
                                                        .head = HEAD_B, .chain = CHAIN_FIRST }), 0);
        assert_int_equal(history_commit(h), 0);

        assert_int_equal(history_baseline(h, "a", &found, &seq, head), 0);
        assert_true(found);
        assert_int_equal(seq, 3);
        assert_string_equal(head, HEAD_A);
        assert_int_equal(history_trend(h, "a", 8, scores, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(scores[0], 50);
        assert_int_equal(scores[1], -1);
        assert_int_equal(scores[2], 70);
        assert_int_equal(history_trend(h, "a", 2, scores, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(scores[0], -1);
        assert_int_equal(scores[1], 70);
        history_close(h);

        /* Reopened: the pulls are still there. */
        assert_int_equal(history_open(path, &h), 0);
        assert_int_equal(history_baseline(h, "b", &found, &seq, head), 0);
        assert_int_equal(seq, 8);
        history_close(h);

        unlink(path);
        snprintf(path, sizeof path, "%s/h.db-wal", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/h.db-shm", dir);
        unlink(path);
        assert_int_equal(rmdir(dir), 0);
}

/* Three terminals: one at 40 with a failing rule citing two clauses,
 * one at 90 with its chain broken, one unreachable. */
static void build_fleet(Fleet *f, Terminal *terms) {
        static const char r40[] = REPORT("40", C_1FAIL, R_1FAIL, "7", HEAD_A);
        static const char r90[] = REPORT("90", C_1FAIL,
                                         "[{\"id\":\"r.a\",\"title\":{\"ja\":\"あ\",\"en\":\"A\"},"
                                         "\"clause\":\"詳細編 6.5(3)\",\"severity\":\"high\",\"status\":\"fail\"}]",
                                         "2", HEAD_B);
        const char *why;

        terms[0] = (Terminal) { .name = (char *) "zeta", .address = (char *) "10.0.0.1", .port = 9731 };
        terms[1] = (Terminal) { .name = (char *) "alpha", .address = (char *) "10.0.0.2", .port = 9731 };
        terms[2] = (Terminal) { .name = (char *) "=cmd", .address = (char *) "10.0.0.3", .port = 1 };
        *f = (Fleet) { .generated_at = 1795597200, .n = 3, .terminals = calloc(3, sizeof(FleetTerminal)) };
        assert_non_null(f->terminals);
        f->terminals[0] = (FleetTerminal) { .terminal = &terms[0], .state = FLEET_OK, .chain = CHAIN_OK,
                                            .pulled_at = 1795597200, .n_trend = 2, .trend = { 35, 40 } };
        assert_int_equal(collect_report_parse(r90, strlen(r90), &f->terminals[0].report, &why), 0);
        f->terminals[0].report.score = 90;
        f->terminals[1] = (FleetTerminal) { .terminal = &terms[1], .state = FLEET_OK, .chain = CHAIN_OK,
                                            .pulled_at = 1795597200, .n_trend = 1, .trend = { 40 } };
        assert_int_equal(collect_report_parse(r40, strlen(r40), &f->terminals[1].report, &why), 0);
        f->terminals[0].chain = CHAIN_BROKEN;
        f->terminals[0].chain_detail = strdup("event sequence went backwards: 2 after 9");
        f->terminals[2] = (FleetTerminal) { .terminal = &terms[2], .state = FLEET_UNREACHABLE,
                                            .error = strdup("Connection refused"), .pulled_at = 1795597200,
                                            .n_trend = 1, .trend = { -1 } };
        assert_int_equal(fleet_finish(f), 0);
}

static char *render(const Fleet *f, int (*writer)(const Fleet *, FILE *)) {
        char *buf = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&buf, &size);

        assert_non_null(m);
        assert_int_equal(writer(f, m), 0);
        assert_int_equal(fclose(m), 0);
        return buf;
}

static void test_fleet_order_and_clauses(void **state) {
        Terminal terms[3];
        Fleet f;

        build_fleet(&f, terms);
        /* Lowest score first, no score last. */
        assert_int_equal(f.order[0], 1);
        assert_int_equal(f.order[1], 0);
        assert_int_equal(f.order[2], 2);
        assert_int_equal(f.mean_score, 65);
        assert_int_equal(f.n_state[FLEET_OK], 2);
        assert_int_equal(f.n_state[FLEET_UNREACHABLE], 1);
        assert_int_equal(f.n_chain_broken, 1);
        /* r.a fails on both in 6.5(3), on alpha only in 5.1(1)④. */
        assert_int_equal(f.n_clauses, 2);
        assert_string_equal(f.clauses[0].clause, "詳細編 6.5(3)");
        assert_int_equal(f.clauses[0].n_terminals, 2);
        assert_int_equal(f.clauses[0].rules[0].n_terminals, 2);
        assert_int_equal(f.clauses[0].rules[0].terminals[0], 1);
        assert_int_equal(f.clauses[0].rules[0].terminals[1], 0);
        assert_string_equal(f.clauses[1].clause, "詳細編 5.1(1)④");
        assert_int_equal(f.clauses[1].n_terminals, 1);
        fleet_done(&f);
}

static void test_fleet_csv(void **state) {
        static const char expected[] =
                "rank,terminal,address,port,status,score,pass,fail,error,not_applicable,failing_critical,failing_high,"
                "failing_medium,failing_low,event_seq,event_head,chain,chain_detail,generated_at,pulled_at,error_detail\r\n"
                "1,alpha,10.0.0.2,9731,ok,40,1,1,0,0,0,1,0,0,7," HEAD_A ",ok,,2026-11-25T09:00:00Z,2026-11-25T09:00:00Z,\r\n"
                "2,zeta,10.0.0.1,9731,ok,90,1,1,0,0,0,1,0,0,2," HEAD_B ",broken,event sequence went backwards: 2 after 9,"
                "2026-11-25T09:00:00Z,2026-11-25T09:00:00Z,\r\n"
                "3,\"'=cmd\",10.0.0.3,1,unreachable,,,,,,,,,,,,none,,,2026-11-25T09:00:00Z,Connection refused\r\n";
        Terminal terms[3];
        Fleet f;
        char *csv;

        build_fleet(&f, terms);
        csv = render(&f, fleet_write_csv);
        assert_string_equal(csv, expected);
        free(csv);
        fleet_done(&f);
}

static void test_fleet_json_html(void **state) {
        Terminal terms[3];
        Fleet f;
        char *json, *html;
        json_object *o, *t;

        build_fleet(&f, terms);
        json = render(&f, fleet_write_json);
        o = json_tokener_parse(json);
        assert_non_null(o);
        assert_string_equal(json_object_to_json_string_ext(json_object_object_get(o, "summary"), JSON_C_TO_STRING_PLAIN),
                            "{\"terminals\":3,\"ok\":2,\"unreachable\":1,\"http-error\":0,\"invalid\":0,"
                            "\"chain-broken\":1,\"mean_score\":65}");
        t = json_object_array_get_idx(json_object_object_get(o, "terminals"), 2);
        assert_string_equal(json_object_to_json_string_ext(json_object_object_get(t, "trend"), JSON_C_TO_STRING_PLAIN),
                            "[null]");
        assert_string_equal(json_object_get_string(json_object_object_get(t, "name")), "=cmd");
        t = json_object_array_get_idx(json_object_object_get(o, "failing_by_clause"), 0);
        t = json_object_array_get_idx(json_object_object_get(t, "rules"), 0);
        assert_string_equal(json_object_to_json_string_ext(json_object_object_get(t, "terminals"), JSON_C_TO_STRING_PLAIN),
                            "[\"alpha\",\"zeta\"]");
        json_object_put(o);
        free(json);

        html = render(&f, fleet_write_html);
        /* Self-contained: nothing to fetch, nothing to run. */
        assert_null(strstr(html, "<script"));
        assert_null(strstr(html, "http://"));
        assert_null(strstr(html, "https://"));
        assert_null(strstr(html, "src="));
        assert_null(strstr(html, "url("));
        assert_non_null(strstr(html, "<svg"));
        assert_non_null(strstr(html, "到達不能 unreachable"));
        assert_non_null(strstr(html, "chain broken"));
        /* alpha's row comes before zeta's. */
        assert_true(strstr(html, "<b>alpha</b>") < strstr(html, "<b>zeta</b>"));
        free(html);
        fleet_done(&f);
}

static void test_html_escapes(void **state) {
        Terminal term = { .name = (char *) "x", .address = (char *) "h", .port = 1 };
        Fleet f = { .n = 1, .terminals = calloc(1, sizeof(FleetTerminal)) };
        char *html;

        assert_non_null(f.terminals);
        f.terminals[0] = (FleetTerminal) { .terminal = &term, .state = FLEET_INVALID,
                                           .error = strdup("<script>alert('x')</script>&") };
        assert_int_equal(fleet_finish(&f), 0);
        html = render(&f, fleet_write_html);
        assert_null(strstr(html, "<script>"));
        assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"));
        free(html);
        fleet_done(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_inventory),
                cmocka_unit_test(test_inventory_errors),
                cmocka_unit_test(test_report_parse),
                cmocka_unit_test(test_report_garbage),
                cmocka_unit_test(test_report_sanitized),
                cmocka_unit_test(test_chain),
                cmocka_unit_test(test_history),
                cmocka_unit_test(test_fleet_order_and_clauses),
                cmocka_unit_test(test_fleet_csv),
                cmocka_unit_test(test_fleet_json_html),
                cmocka_unit_test(test_html_escapes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
