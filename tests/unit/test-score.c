/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The score, by hand: DESIGN.md's weights and formula on small tallies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "score.h"

static void test_weights(void **state) {
        assert_int_equal(severity_weight(SEVERITY_CRITICAL), 10);
        assert_int_equal(severity_weight(SEVERITY_HIGH), 6);
        assert_int_equal(severity_weight(SEVERITY_MEDIUM), 3);
        assert_int_equal(severity_weight(SEVERITY_LOW), 1);
}

static void test_empty_has_no_score(void **state) {
        ScoreTally t = {};

        assert_int_equal(score_tally_score(&t), -1);
        score_tally_add(&t, MAMORI_ERROR, SEVERITY_CRITICAL);
        score_tally_add(&t, MAMORI_NOT_APPLICABLE, SEVERITY_HIGH);
        /* error and not-applicable never count as passes */
        assert_int_equal(score_tally_score(&t), -1);
        assert_int_equal(t.error, 1);
        assert_int_equal(t.not_applicable, 1);
}

static void test_rounds_down(void **state) {
        ScoreTally t = {};

        /* pass: high 6 + low 1 = 7; fail: medium 3 + critical 10 = 13;
         * 100 * 7 / 20 = 35 exactly. */
        score_tally_add(&t, MAMORI_PASS, SEVERITY_HIGH);
        score_tally_add(&t, MAMORI_PASS, SEVERITY_LOW);
        score_tally_add(&t, MAMORI_FAIL, SEVERITY_MEDIUM);
        score_tally_add(&t, MAMORI_FAIL, SEVERITY_CRITICAL);
        assert_int_equal(score_tally_score(&t), 35);

        /* add a failing low: 700 / 21 = 33.33 -> 33 */
        score_tally_add(&t, MAMORI_FAIL, SEVERITY_LOW);
        assert_int_equal(score_tally_score(&t), 33);
        assert_int_equal(t.pass, 2);
        assert_int_equal(t.fail, 3);
}

static void test_all_pass_and_all_fail(void **state) {
        ScoreTally a = {}, b = {};

        score_tally_add(&a, MAMORI_PASS, SEVERITY_LOW);
        assert_int_equal(score_tally_score(&a), 100);
        score_tally_add(&b, MAMORI_FAIL, SEVERITY_CRITICAL);
        assert_int_equal(score_tally_score(&b), 0);
}

static void test_one_critical_fail_among_many_lows(void **state) {
        ScoreTally t = {};

        /* 9 low passes (9) against 1 critical fail (10): 900 / 19 = 47.36 -> 47 */
        for (int i = 0; i < 9; i++)
                score_tally_add(&t, MAMORI_PASS, SEVERITY_LOW);
        score_tally_add(&t, MAMORI_FAIL, SEVERITY_CRITICAL);
        assert_int_equal(score_tally_score(&t), 47);
}

static void test_status_names(void **state) {
        assert_string_equal(status_to_string(MAMORI_PASS), "pass");
        assert_string_equal(status_to_string(MAMORI_NOT_APPLICABLE), "not-applicable");
        assert_string_equal(status_to_string((mamori_status) 42), "error");
        assert_int_equal(status_from_string("fail"), MAMORI_FAIL);
        assert_int_equal(status_from_string("passed"), -EINVAL);
        assert_int_equal(status_from_string(NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_weights),
                cmocka_unit_test(test_empty_has_no_score),
                cmocka_unit_test(test_rounds_down),
                cmocka_unit_test(test_all_pass_and_all_fail),
                cmocka_unit_test(test_one_critical_fail_among_many_lows),
                cmocka_unit_test(test_status_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
