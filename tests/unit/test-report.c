/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The report's shape and per-clause / per-plugin scores, from a hand-built
 * set of results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "report.h"
#include "util.h"

static void test_split_clauses(void **state) {
        char **l = NULL;

        assert_int_equal(report_split_clauses("詳細編 2.2(3)② 2.2(4)①②", &l), 0);
        assert_string_equal(l[0], "詳細編 2.2(3)②");
        assert_string_equal(l[1], "詳細編 2.2(4)①②");
        assert_null(l[2]);
        strv_free(l);

        assert_int_equal(report_split_clauses("基本編 7 詳細編 8.1(5)", &l), 0);
        assert_string_equal(l[0], "基本編 7");
        assert_string_equal(l[1], "詳細編 8.1(5)");
        assert_null(l[2]);
        strv_free(l);

        /* no clause number at all: kept whole, so nothing is lost */
        assert_int_equal(report_split_clauses("none", &l), 0);
        assert_string_equal(l[0], "none");
        assert_null(l[1]);
        strv_free(l);
}

static Rule mkrule(const char *id, const char *clause, Severity sev) {
        return (Rule) { .id = (char *) id, .title_ja = (char *) "題", .title_en = (char *) "Title",
                        .clause = (char *) clause, .severity = sev, .check = (char *) "x.y" };
}

static json_object *get(json_object *o, const char *k) {
        json_object *v = NULL;
        assert_true(json_object_object_get_ex(o, k, &v));
        return v;
}

static json_object *find(json_object *arr, const char *key, const char *value) {
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                if (strcmp(json_object_get_string(get(e, key)), value) == 0)
                        return e;
        }
        fail_msg("no %s=%s", key, value);
        return NULL;
}

static void test_build(void **state) {
        Rule r[4] = {
                mkrule("a", "詳細編 6.5(3)", SEVERITY_CRITICAL),
                mkrule("b", "詳細編 6.5(3) 6.4", SEVERITY_LOW),
                mkrule("c", "詳細編 6.4", SEVERITY_HIGH),
                mkrule("d", "詳細編 6.4", SEVERITY_HIGH),
        };
        char *ev_a[] = { (char *) "user taro has an empty password", NULL };
        ReportRule rr[4] = {
                { &r[0], "accounts", MAMORI_FAIL, ev_a, 1000000, 1000000 },
                { &r[1], "accounts", MAMORI_PASS, NULL, 2000000, 2000000 },
                { &r[2], "usb", MAMORI_PASS, NULL, 0, 0 },
                { &r[3], "usb", MAMORI_ERROR, NULL, 0, 0 },
        };
        json_object *o = NULL, *c;

        assert_int_equal(report_build(&(ReportInput) {
                .terminal = "lib-south-07", .generated_usec = 1764061200ULL * 1000000ULL,
                .agent_version = "0.1.0", .policy_id = "p", .policy_version = "v",
                .rules = rr, .n_rules = 4, .last_change_usec = 2000000,
                .event_seq = 12, .event_head = "abc" }, &o), 0);

        assert_int_equal(json_object_get_int(get(o, "schema")), 1);
        assert_string_equal(json_object_get_string(get(o, "terminal")), "lib-south-07");
        assert_string_equal(json_object_get_string(get(o, "generated_at")), "2025-11-25T09:00:00Z");
        /* pass 1 + 6 = 7, fail 10: 700 / 17 = 41.17 -> 41 */
        assert_int_equal(json_object_get_int(get(o, "score")), 41);
        assert_int_equal(json_object_get_int(get(get(o, "counts"), "error")), 1);

        /* 6.5(3): a fail 10, b pass 1 -> 100/11 = 9 */
        c = find(get(o, "by_clause"), "clause", "詳細編 6.5(3)");
        assert_int_equal(json_object_get_int(get(c, "score")), 9);
        /* 6.4: b pass 1, c pass 6, d error -> 100 */
        c = find(get(o, "by_clause"), "clause", "詳細編 6.4");
        assert_int_equal(json_object_get_int(get(c, "score")), 100);
        assert_int_equal(json_object_get_int(get(c, "error")), 1);
        /* plugin usb: c pass, d error -> 100; accounts: 1 / 11 -> 9 */
        c = find(get(o, "by_plugin"), "plugin", "usb");
        assert_int_equal(json_object_get_int(get(c, "score")), 100);
        c = find(get(o, "by_plugin"), "plugin", "accounts");
        assert_int_equal(json_object_get_int(get(c, "score")), 9);

        c = find(get(o, "rules"), "id", "a");
        assert_string_equal(json_object_get_string(get(c, "status")), "fail");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(get(c, "evidence"), 0)),
                            "user taro has an empty password");
        assert_string_equal(json_object_get_string(get(c, "since")), "1970-01-01T00:00:01Z");
        assert_int_equal(json_object_get_int(get(get(o, "events"), "seq")), 12);
        json_object_put(o);
}

static void test_no_score_is_null(void **state) {
        Rule r = mkrule("a", "詳細編 6.4", SEVERITY_HIGH);
        ReportRule rr = { &r, "x", MAMORI_NOT_APPLICABLE, NULL, 0, 0 };
        json_object *o = NULL;

        assert_int_equal(report_build(&(ReportInput) { .terminal = "t", .agent_version = "0",
                                                       .rules = &rr, .n_rules = 1 }, &o), 0);
        assert_null(get(o, "score"));
        json_object_put(o);
}

static void test_write_atomic(void **state) {
        char dir[] = "/tmp/mamori-report.XXXXXX", path[64];
        json_object *o = json_object_new_object(), *back;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/r.json", dir);
        json_object_object_add(o, "score", json_object_new_int(7));
        assert_int_equal(report_write(path, o), 0);
        back = json_object_from_file(path);
        assert_non_null(back);
        assert_int_equal(json_object_get_int(get(back, "score")), 7);
        json_object_put(back);
        json_object_put(o);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split_clauses),
                cmocka_unit_test(test_build),
                cmocka_unit_test(test_no_score_is_null),
                cmocka_unit_test(test_write_atomic),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
