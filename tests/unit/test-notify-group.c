/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-notify's grouping of repeated events into one notification, with
 * the time passed in: when a notice is shown, when it is updated, what it
 * counts, and the bounds a flood runs into. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "notify-group.h"

#define SEC USEC_PER_SEC
#define STICK "usb:46f4:0001:REG001"
#define STICK2 "usb:0781:5581:4C530001"

static void test_one_stick(void **state) {
        NoticeGroups g = {};
        NoticeGroup *gr, *again;

        /* The usb plugin sends usb.blocked then usb.notice for one medium. */
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.blocked", STICK, 10 * SEC, &gr),
                         GROUP_SHOW);
        assert_int_equal(gr->count, 1);
        assert_true(notice_group_needs_update(gr));
        notice_group_sent(gr);
        assert_int_equal(gr->shown, 1);
        assert_true(gr->in_flight);
        assert_false(notice_group_needs_update(gr));

        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, 10 * SEC, &again),
                         GROUP_NOTHING);
        assert_ptr_equal(again, gr);
        assert_int_equal(gr->count, 1);
        notice_group_answered(gr, 7);
        assert_int_equal(gr->id, 7);
        assert_false(notice_group_needs_update(gr));
        assert_int_equal(g.n, 1);
        notice_groups_clear(&g);
        assert_int_equal(g.n, 0);
}

static void test_repeats_and_media(void **state) {
        NoticeGroups g = {};
        NoticeGroup *gr;

        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.blocked", STICK, 1 * SEC, &gr),
                         GROUP_SHOW);
        notice_group_sent(gr);
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, 1 * SEC, &gr),
                         GROUP_NOTHING);
        /* Plugged in again: one more occurrence, while the first call waits. */
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.blocked", STICK, 5 * SEC, &gr),
                         GROUP_UPDATE);
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, 5 * SEC, &gr),
                         GROUP_NOTHING);
        assert_int_equal(gr->count, 2);
        assert_false(notice_group_needs_update(gr)); /* not before the answer */
        notice_group_answered(gr, 3);
        assert_true(notice_group_needs_update(gr));
        /* A second medium, seen only through usb.notice. */
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK2, 6 * SEC, &gr),
                         GROUP_UPDATE);
        assert_int_equal(gr->count, 3);
        notice_group_sent(gr);
        assert_int_equal(gr->shown, 3);
        notice_group_answered(gr, 0); /* no id in the answer: keep the old one */
        assert_int_equal(gr->id, 3);
        assert_false(notice_group_needs_update(gr));
        notice_groups_clear(&g);
}

static void test_classes_and_keys(void **state) {
        NoticeGroups g = {};
        NoticeGroup *a, *b, *c, *d;

        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, SEC, &a), GROUP_SHOW);
        assert_int_equal(notice_groups_add(&g, NOTICE_BROWSER_RESTORED, "", "credentials.enforced", "/etc/x",
                                           SEC, &b), GROUP_SHOW);
        assert_int_equal(notice_groups_add(&g, NOTICE_RULE_FAIL, "credentials.a", "rule.fail", "credentials.a",
                                           SEC, &c), GROUP_SHOW);
        assert_int_equal(notice_groups_add(&g, NOTICE_RULE_FAIL, "credentials.b", "rule.fail", "credentials.b",
                                           SEC, &d), GROUP_SHOW);
        assert_int_equal(g.n, 4);
        assert_ptr_not_equal(a, b);
        assert_ptr_not_equal(c, d);
        assert_string_equal(d->key, "credentials.b");
        assert_int_equal(d->class, NOTICE_RULE_FAIL);
        assert_true(a->serial != b->serial && c->serial != d->serial);
        assert_ptr_equal(notice_groups_find_serial(&g, c->serial), c);
        assert_null(notice_groups_find_serial(&g, 999));
        notice_groups_clear(&g);
}

static void test_bursts(void **state) {
        NoticeGroups g = {};
        NoticeGroup *gr;

        /* One restoration of the browsers' policy writes a directory, a
         * file and its mode: three events, one notice, counted once. */
        assert_int_equal(notice_groups_add(&g, NOTICE_BROWSER_RESTORED, "", "credentials.enforced",
                                           "etc/firefox/policies", 10 * SEC, &gr), GROUP_SHOW);
        notice_group_sent(gr);
        notice_group_answered(gr, 2);
        assert_int_equal(notice_groups_add(&g, NOTICE_BROWSER_RESTORED, "", "credentials.enforced",
                                           "etc/firefox/policies/policies.json", 10 * SEC + 300000, &gr),
                         GROUP_NOTHING);
        assert_int_equal(notice_groups_add(&g, NOTICE_BROWSER_RESTORED, "", "credentials.enforced", "",
                                           10 * SEC + 600000, &gr), GROUP_NOTHING);
        assert_int_equal(gr->count, 1);
        /* Each event extends the burst: 1.9 s after the last one is the same. */
        assert_int_equal(notice_groups_add(&g, NOTICE_BROWSER_RESTORED, "", "credentials.enforced", "",
                                           12 * SEC + 500000, &gr), GROUP_NOTHING);
        /* A second restoration, later within the window. */
        assert_int_equal(notice_groups_add(&g, NOTICE_BROWSER_RESTORED, "", "credentials.enforced",
                                           "etc/firefox/policies/policies.json", 40 * SEC, &gr), GROUP_UPDATE);
        assert_int_equal(gr->count, 2);
        assert_true(notice_group_needs_update(gr));
        assert_int_equal(gr->n_tally, 0);
        notice_groups_clear(&g);
}

static void test_window(void **state) {
        NoticeGroups g = {};
        NoticeGroup *gr;
        uint64_t t = 100 * SEC;

        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, t, &gr), GROUP_SHOW);
        notice_group_sent(gr);
        notice_group_answered(gr, 1);
        /* Within a minute of the previous event: the same notification;
         * the window slides with each event. */
        t += NOTICE_GROUP_WINDOW_USEC - 1;
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, t, &gr), GROUP_UPDATE);
        notice_group_sent(gr);
        notice_group_answered(gr, 1);
        t += NOTICE_GROUP_WINDOW_USEC;
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, t, &gr), GROUP_UPDATE);
        assert_int_equal(gr->count, 3);
        notice_group_sent(gr);
        notice_group_answered(gr, 1);
        /* A quiet minute and one more: a new notification. */
        t += NOTICE_GROUP_WINDOW_USEC + 1;
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, t, &gr), GROUP_SHOW);
        assert_int_equal(gr->count, 1);
        assert_int_equal(gr->id, 0);
        assert_int_equal(g.n, 1);
        notice_groups_clear(&g);
}

static void test_window_setting_and_busy(void **state) {
        NoticeGroups g = { .window_usec = 5 * SEC };
        NoticeGroup *gr;

        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, 0, &gr), GROUP_SHOW);
        notice_group_sent(gr);
        /* Still waiting for the server's answer: kept past its window, so
         * the answer has a group to land in. */
        notice_groups_expire(&g, 60 * SEC);
        assert_int_equal(g.n, 1);
        notice_group_answered(gr, 4);
        notice_groups_expire(&g, 60 * SEC);
        assert_int_equal(g.n, 0);
        /* A clock that goes back (a suspended laptop's monotonic clock does
         * not, but be safe) drops the group rather than keeping it forever. */
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", STICK, 10 * SEC, &gr),
                         GROUP_SHOW);
        notice_group_sent(gr);
        notice_group_answered(gr, 5);
        notice_groups_expire(&g, 1 * SEC);
        assert_int_equal(g.n, 0);
        notice_groups_clear(&g);
}

static void test_bounds(void **state) {
        NoticeGroups g = {};
        NoticeGroup *gr, *first = NULL;
        char key[32], subject[32];

        /* Every group busy: the next one is refused, not allocated. */
        for (int i = 0; i < NOTICE_GROUPS_MAX; i++) {
                snprintf(key, sizeof key, "credentials.r%d", i);
                assert_int_equal(notice_groups_add(&g, NOTICE_RULE_FAIL, key, "rule.fail", key, SEC, &gr),
                                 GROUP_SHOW);
                notice_group_sent(gr);
                if (!first)
                        first = gr;
        }
        assert_int_equal(notice_groups_add(&g, NOTICE_RULE_FAIL, "credentials.more", "rule.fail",
                                           "credentials.more", SEC, &gr), -ENOBUFS);
        /* Once the oldest is answered, it makes room. */
        notice_group_answered(first, 1);
        assert_int_equal(notice_groups_add(&g, NOTICE_RULE_FAIL, "credentials.more", "rule.fail",
                                           "credentials.more", SEC, &gr), GROUP_SHOW);
        assert_int_equal(g.n, NOTICE_GROUPS_MAX);
        assert_null(notice_groups_find_serial(&g, 1));
        notice_groups_clear(&g);

        /* More subjects than the tally holds: each still counts. */
        for (int i = 0; i < NOTICE_TALLY_MAX + 10; i++) {
                snprintf(subject, sizeof subject, "usb:1:1:%d", i);
                assert_true(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", subject, SEC, &gr) >= 0);
        }
        assert_int_equal(gr->count, NOTICE_TALLY_MAX + 10);
        assert_int_equal(gr->n_tally, NOTICE_TALLY_MAX);
        /* A tallied subject again is one more. With the table full, an
         * event it cannot tell apart counts too: a flood over-counts
         * rather than grows the table. */
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.notice", "usb:1:1:0", SEC, &gr),
                         GROUP_UPDATE);
        assert_int_equal(gr->count, NOTICE_TALLY_MAX + 11);
        assert_int_equal(notice_groups_add(&g, NOTICE_USB_BLOCKED, "", "usb.blocked", "usb:1:1:0", SEC, &gr),
                         GROUP_UPDATE);
        assert_int_equal(gr->count, NOTICE_TALLY_MAX + 12);
        notice_groups_clear(&g);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_stick),
                cmocka_unit_test(test_repeats_and_media),
                cmocka_unit_test(test_classes_and_keys),
                cmocka_unit_test(test_bursts),
                cmocka_unit_test(test_window),
                cmocka_unit_test(test_window_setting_and_busy),
                cmocka_unit_test(test_bounds),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
