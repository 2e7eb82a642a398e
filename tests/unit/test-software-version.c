/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Debian version comparison against dpkg's own answers. Each pair below was
 * put to `dpkg --compare-versions A lt|eq|gt B` (dpkg 1.21, Debian 12) when
 * the test was written; the expected signs are those answers, hard-coded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../plugins/software/software.h"

typedef struct Pair {
        const char *a, *b;
        int expected;           /* -1: a < b, 0: equal, 1: a > b */
} Pair;

static const Pair pairs[] = {
        { "1.0", "1.1", -1 },
        { "1.1", "1.0", 1 },
        { "1.0", "1.0", 0 },
        /* '~' sorts before everything, even the end. */
        { "1.0~rc1", "1.0", -1 },
        { "1.0~rc1", "1.0~rc2", -1 },
        { "1.0~~", "1.0~~a", -1 },
        { "1.0~~a", "1.0~", -1 },
        { "1.0~", "1.0", -1 },
        { "1.2.3", "1.2.3~", 1 },
        { "1.0~beta", "1.0~alpha", 1 },
        { "~", "~~", 1 },
        /* The end sorts before letters, letters before other characters. */
        { "1.0", "1.0a", -1 },
        { "1.0a", "1.0b", -1 },
        { "1.0a", "1.0+", -1 },
        { "1.0+1", "1.0.1", -1 },
        { "1.0", "1.0.", -1 },
        { "A", "a", -1 },
        /* Epochs. */
        { "1:0.1", "2.0", 1 },
        { "0:1.0", "1.0", 0 },
        { "1:1.2.13.dfsg-1", "1.2.13.dfsg-1", 1 },
        /* Revisions: the last hyphen splits; none equals "0". */
        { "1.0-1", "1.0-2", -1 },
        { "1.0-0", "1.0", 0 },
        { "1.0-1", "1.0-1.1", -1 },
        { "1-1-1", "1-1-2", -1 },
        { "1-1-1", "1-2", 1 },
        { "1.0+dfsg-1", "1.0-1", 1 },
        /* Numbers compare as numbers. */
        { "001.0", "1.0", 0 },
        { "2.30-1", "2.3-1", 1 },
        { "10", "9", 1 },
        { "0.9", "0.10", -1 },
        { "5.10.0", "5.10", 1 },
        { "5.10", "5.10.0", -1 },
        { "a1", "1", 1 },
        /* Real Debian 12 security updates and backports. */
        { "3.0.11-1~deb12u1", "3.0.11-1~deb12u2", -1 },
        { "3.0.11-1~deb12u2", "3.0.11-1", -1 },
        { "2:9.0.1378-2", "2:9.0.1378-2+deb12u1", -1 },
        { "7.88.1-10+deb12u4", "7.88.1-10+deb12u5", -1 },
        { "2.36-9+deb12u3", "2.36-9+deb12u10", -1 },
        { "1.2.3-1ubuntu0.1", "1.2.3-1", 1 },
        { "1.0-1~bpo12+1", "1.0-1", -1 },
};

static int sign(int x) {
        return x < 0 ? -1 : x > 0;
}

static void test_dpkg_pairs(void **state) {
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                const Pair *p = &pairs[i];
                int c = sign(deb_version_compare(p->a, p->b));
                int back = sign(deb_version_compare(p->b, p->a));

                if (c != p->expected || back != -p->expected)
                        fail_msg("%s vs %s: got %d (reverse %d), dpkg says %d", p->a, p->b, c, back,
                                 p->expected);
        }
}

static void test_reflexive(void **state) {
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                assert_int_equal(deb_version_compare(pairs[i].a, pairs[i].a), 0);
                assert_int_equal(deb_version_compare(pairs[i].b, pairs[i].b), 0);
        }
}

/* An order that dpkg's answers imply, checked for transitivity over all
 * triples: every element below must compare below every later one. */
static void test_chain(void **state) {
        static const char *const chain[] = {
                "0.9", "1.0~~", "1.0~~a", "1.0~", "1.0~rc1-1", "1.0", "1.0-1~bpo12+1", "1.0-1",
                "1.0-1+deb12u1", "1.0-1.1", "1.0-2", "1.0a", "1.0+", "1.0+1", "1.0.", "1.0.1",
                "1.10", "2.0", "10", "1:0.1", "1:1.0", "2:0",
        };
        size_t n = sizeof(chain) / sizeof(chain[0]);

        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        int expected = i < j ? -1 : i > j;

                        if (sign(deb_version_compare(chain[i], chain[j])) != expected)
                                fail_msg("%s vs %s: expected %d", chain[i], chain[j], expected);
                }
}

/* Where dpkg refuses (an epoch past INT_MAX, an epoch that is no number),
 * the comparison still answers, the same way both ways round. */
static void test_refused_by_dpkg(void **state) {
        assert_true(deb_version_compare("99999999999999999999:1", "1:1") > 0);
        assert_true(deb_version_compare("1:1", "99999999999999999999:1") < 0);
        assert_int_equal(deb_version_compare("0000000000000000000000001:1", "1:1"), 0);
        /* "x:1" has no numeric epoch: compared as the upstream "x:1". */
        assert_int_equal(sign(deb_version_compare("x:1", "x:2")), -1);
        assert_int_equal(sign(deb_version_compare("x:2", "x:1")), 1);
        assert_int_equal(deb_version_compare("", ""), 0);
        assert_int_equal(sign(deb_version_compare("~", "")), -1);
        assert_int_equal(sign(deb_version_compare("1:", "1:")), 0);
        assert_int_equal(sign(deb_version_compare("-", "-")), 0);
        /* Long digit runs do not overflow. */
        assert_int_equal(sign(deb_version_compare("1.123456789012345678901234567890",
                                                  "1.123456789012345678901234567891")), -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dpkg_pairs),
                cmocka_unit_test(test_reflexive),
                cmocka_unit_test(test_chain),
                cmocka_unit_test(test_refused_by_dpkg),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
