/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules against devices (plugins/usb/usb-match.c).
 *
 * Expected outcomes are worked out by hand from usbguard's definitions,
 * written out in usb-match.c's header comment (Rule.hpp setSolve*,
 * RulePrivate::meetsConditions), and from the example policies of
 * usbguard-rules.conf(5). Each case says why.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/usb/usb.h"

static UsbRule *rule(const char *s) {
        UsbRuleError e = {};
        UsbRule *r = NULL;

        if (usb_rule_parse_string(s, &r, &e) < 0)
                fail_msg("\"%s\": %s", s, e.message);
        return r;
}

static bool applies(const char *s, const UsbDevice *d) {
        _cleanup_(usb_rule_freep) UsbRule *r = rule(s);

        return usb_rule_applies(r, d);
}

static int evaluate(const char *s, const UsbDevice *d, const UsbMatchContext *ctx) {
        _cleanup_(usb_rule_freep) UsbRule *r = rule(s);

        return usb_rule_evaluate(r, d, ctx);
}

#define ASSERT_APPLIES(s, d) do { if (!applies(s, d)) fail_msg("should apply: %s", s); } while (0)
#define ASSERT_NOT_APPLIES(s, d) do { if (applies(s, d)) fail_msg("should not apply: %s", s); } while (0)

/* A flash drive with a hidden keyboard, the suspicious device of example 3
 * in usbguard-rules.conf(5). */
static const UsbInterfaceType storage_keyboard_if[] = {
        { 0x08, 0x06, 0x50, USB_IF_MATCH_ALL },
        { 0x03, 0x01, 0x01, USB_IF_MATCH_ALL },
};

static const UsbDevice storage_keyboard = {
        .vendor_id = 0x0781,
        .product_id = 0x5581,
        .name = "Ultra",
        .serial = "4C530001",
        .port = "1-2",
        .connect_type = "hotplug",
        .hash = "HASH=",
        .parent_hash = "PARENT=",
        .interfaces = storage_keyboard_if,
        .n_interfaces = 2,
};

static const UsbInterfaceType storage_if[] = {
        { 0x08, 0x06, 0x50, USB_IF_MATCH_ALL },
};

static const UsbDevice storage = {
        .vendor_id = 0x0781,
        .product_id = 0x5581,
        .name = "Ultra",
        .port = "1-3",
        .interfaces = storage_if,
        .n_interfaces = 1,
};

static void test_single_valued(void **state) {
        const UsbDevice *d = &storage_keyboard;

        /* Nothing named: applies to anything. */
        ASSERT_APPLIES("allow", d);
        ASSERT_APPLIES("allow label \"not looked at\"", d);
        /* One value against the device's one value. */
        ASSERT_APPLIES("allow name \"Ultra\"", d);
        ASSERT_NOT_APPLIES("allow name \"ultra\"", d);
        ASSERT_NOT_APPLIES("allow name \"Ultra \"", d);
        ASSERT_APPLIES("allow serial \"4C530001\" via-port \"1-2\" with-connect-type \"hotplug\"", d);
        ASSERT_APPLIES("allow hash \"HASH=\" parent-hash \"PARENT=\"", d);
        ASSERT_NOT_APPLIES("allow hash \"HASH=\" parent-hash \"OTHER=\"", d);
        /* Every named attribute must apply. */
        ASSERT_NOT_APPLIES("allow name \"Ultra\" via-port \"1-3\"", d);
        /* Absent strings are "": serial "" matches a device without one. */
        ASSERT_APPLIES("allow serial \"\"", &storage);
        ASSERT_NOT_APPLIES("allow serial \"\"", d);
        ASSERT_APPLIES("allow with-connect-type \"\"", &storage);
}

static void test_string_operators(void **state) {
        const UsbDevice *d = &storage_keyboard;

        /* all-of: every rule value equals the device's value. */
        ASSERT_APPLIES("allow name all-of { \"Ultra\" }", d);
        ASSERT_APPLIES("allow name all-of { \"Ultra\" \"Ultra\" }", d);
        ASSERT_NOT_APPLIES("allow name all-of { \"Ultra\" \"Other\" }", d);
        /* one-of: some rule value does. */
        ASSERT_APPLIES("allow name one-of { \"Other\" \"Ultra\" }", d);
        ASSERT_NOT_APPLIES("allow name one-of { \"Other\" \"More\" }", d);
        /* none-of: no rule value does. */
        ASSERT_APPLIES("allow name none-of { \"Other\" \"More\" }", d);
        ASSERT_NOT_APPLIES("allow name none-of { \"Other\" \"Ultra\" }", d);
        /* equals: as many values as the device has (one). */
        ASSERT_APPLIES("allow name equals { \"Ultra\" }", d);
        ASSERT_NOT_APPLIES("allow name { \"Ultra\" \"Other\" }", d);
        ASSERT_NOT_APPLIES("allow via-port { \"1-2\" \"1-3\" }", d);
        /* equals-ordered: same count, position by position. */
        ASSERT_APPLIES("allow name equals-ordered { \"Ultra\" }", d);
        ASSERT_NOT_APPLIES("allow name equals-ordered { \"Other\" }", d);
        /* match-all: the device's value is among the rule's (the manual's
         * meaning; usbguard 1.1.x would say yes to both). */
        ASSERT_APPLIES("allow name match-all { \"Other\" \"Ultra\" }", d);
        ASSERT_NOT_APPLIES("allow name match-all { \"Other\" }", d);
}

static void test_device_ids(void **state) {
        const UsbDevice *d = &storage_keyboard;
        const UsbDevice upper = { .vendor_id = 0x0781, .product_id = 0x55a1 };
        const UsbDevice root_hub = { .vendor_id = 0x1d6b, .product_id = 0x0002 };

        ASSERT_APPLIES("allow 0781:5581", d);
        ASSERT_APPLIES("allow id 0781:*", d);
        ASSERT_APPLIES("allow id *:*", d);
        ASSERT_NOT_APPLIES("allow id 0781:5580", d);
        ASSERT_NOT_APPLIES("allow id 0782:*", d);
        /* Numbers, not strings: case does not matter (usbguard compares
         * the text and would not match these). */
        ASSERT_APPLIES("allow id 0781:55A1", &upper);
        ASSERT_APPLIES("allow id { 1D6B:* }", &root_hub);
        ASSERT_APPLIES("allow id one-of { 1234:5678 0781:* }", d);
        ASSERT_APPLIES("allow id none-of { 1234:5678 0782:* }", d);
        ASSERT_NOT_APPLIES("allow id none-of { 1234:5678 *:* }", d);
        ASSERT_NOT_APPLIES("allow id { 0781:* 0781:5581 }", d);
        ASSERT_APPLIES("allow id all-of { 0781:* 0781:5581 }", d);
        ASSERT_APPLIES("allow id match-all { 1234:* 0781:* }", d);
        ASSERT_NOT_APPLIES("allow id match-all { 1234:* }", d);
}

static void test_interface_operators(void **state) {
        const UsbDevice *d = &storage_keyboard;     /* { 08:06:50 03:01:01 } */
        const UsbDevice none = { .vendor_id = 1 };

        /* all-of: each pattern covers one of the device's interfaces. */
        ASSERT_APPLIES("allow with-interface all-of { 08:*:* 03:01:* }", d);
        ASSERT_APPLIES("allow with-interface all-of { 08:06:50 }", d);
        ASSERT_NOT_APPLIES("allow with-interface all-of { 08:*:* e0:*:* }", d);
        /* one-of */
        ASSERT_APPLIES("allow with-interface one-of { 03:00:01 03:01:01 }", d);
        ASSERT_NOT_APPLIES("allow with-interface one-of { 03:00:01 e0:*:* }", d);
        /* none-of */
        ASSERT_APPLIES("allow with-interface none-of { 02:*:* e0:*:* }", d);
        ASSERT_NOT_APPLIES("allow with-interface none-of { 03:*:* }", d);
        /* equals: same count, each pattern covers something. A single
         * value is "equals" too, so one interface type never equals a
         * composite device. */
        ASSERT_NOT_APPLIES("allow with-interface 08:*:*", d);
        ASSERT_APPLIES("allow with-interface 08:*:*", &storage);
        ASSERT_APPLIES("allow with-interface { 08:*:* 03:*:* }", d);
        ASSERT_APPLIES("allow with-interface { 03:*:* 08:*:* }", d);
        ASSERT_NOT_APPLIES("allow with-interface { 08:*:* 03:*:* 03:*:* }", d);
        /* usbguard's equals is no bijection: { 08 08 } "equals" { 08 03 }. */
        ASSERT_APPLIES("allow with-interface { 08:*:* 08:*:* }", d);
        /* equals-ordered: position by position. */
        ASSERT_APPLIES("allow with-interface equals-ordered { 08:*:* 03:*:* }", d);
        ASSERT_NOT_APPLIES("allow with-interface equals-ordered { 03:*:* 08:*:* }", d);
        /* match-all: every device interface is covered by a pattern. */
        ASSERT_APPLIES("allow with-interface match-all { 08:*:* 03:*:* e0:*:* }", d);
        ASSERT_NOT_APPLIES("allow with-interface match-all { 08:*:* }", d);
        ASSERT_APPLIES("allow with-interface match-all { 08:*:* }", &storage);
        /* The mask: class only, class and subclass, all three. */
        ASSERT_APPLIES("allow with-interface one-of { 08:06:* }", d);
        ASSERT_NOT_APPLIES("allow with-interface one-of { 08:05:* }", d);
        ASSERT_NOT_APPLIES("allow with-interface one-of { 08:06:51 }", d);
        /* A device without interfaces. */
        ASSERT_NOT_APPLIES("allow with-interface one-of { 08:*:* }", &none);
        ASSERT_APPLIES("allow with-interface none-of { 08:*:* }", &none);
        ASSERT_APPLIES("allow with-interface match-all { 08:*:* }", &none);
        ASSERT_NOT_APPLIES("allow with-interface all-of { 08:*:* }", &none);
}

static int first_match_target(const char *policy, const UsbDevice *d, const UsbMatchContext *ctx,
                              UsbTarget *ret, unsigned *ret_line) {
        _cleanup_(usb_rule_set_freep) UsbRuleSet *s = NULL;
        UsbRuleError e = {};
        UsbRule *r = NULL;
        int k;

        if (usb_rules_parse_buffer(policy, strlen(policy), &s, &e) < 0)
                fail_msg("policy line %u: %s", e.line, e.message);
        k = usb_rules_first_match(s, d, ctx, &r);
        if (k > 0) {
                *ret = r->target;
                *ret_line = r->line;
        }
        return k;
}

static void test_example_policies(void **state) {
        /* usbguard-rules.conf(5), example 3: storage is allowed, storage
         * with a keyboard, network or wireless interface is rejected. */
        static const char policy[] =
                "allow with-interface equals { 08:*:* }\n"
                "reject with-interface all-of { 08:*:* 03:00:* }\n"
                "reject with-interface all-of { 08:*:* 03:01:* }\n"
                "reject with-interface all-of { 08:*:* e0:*:* }\n"
                "reject with-interface all-of { 08:*:* 02:*:* }\n";
        /* Example 2: one Yubikey on port 1-2, anything else there rejected. */
        static const char yubikey[] =
                "allow 1050:0011 name \"Yubico Yubikey II\" serial \"0001234567\" via-port \"1-2\"\n"
                "reject via-port \"1-2\"\n";
        const UsbDevice key = {
                .vendor_id = 0x1050, .product_id = 0x0011, .name = "Yubico Yubikey II",
                .serial = "0001234567", .port = "1-2",
        };
        const UsbDevice fake = {
                .vendor_id = 0x1050, .product_id = 0x0011, .name = "Yubico Yubikey II",
                .serial = "0001234568", .port = "1-2",
        };
        UsbTarget t;
        unsigned line;

        assert_int_equal(first_match_target(policy, &storage, NULL, &t, &line), 1);
        assert_int_equal(t, USB_TARGET_ALLOW);
        assert_int_equal(line, 1);
        assert_int_equal(first_match_target(policy, &storage_keyboard, NULL, &t, &line), 1);
        assert_int_equal(t, USB_TARGET_REJECT);
        assert_int_equal(line, 3);
        /* No rule: the caller's implicit target. */
        assert_int_equal(first_match_target(policy, &(UsbDevice) { .vendor_id = 1 }, NULL, &t, &line), 0);
        {
                UsbRule *r = (UsbRule *) 1;

                assert_int_equal(usb_rules_first_match(NULL, &storage, NULL, &r), 0);
                assert_null(r);
        }

        assert_int_equal(first_match_target(yubikey, &key, NULL, &t, &line), 1);
        assert_int_equal(t, USB_TARGET_ALLOW);
        assert_int_equal(first_match_target(yubikey, &fake, NULL, &t, &line), 1);
        assert_int_equal(t, USB_TARGET_REJECT);
        assert_int_equal(line, 2);
        /* The first match wins whatever its target, "match" included. */
        assert_int_equal(first_match_target("match name \"Ultra\"\nallow\n", &storage, NULL, &t, &line), 1);
        assert_int_equal(t, USB_TARGET_MATCH);
}

static double fixed_random(void *userdata) {
        return *(double *) userdata;
}

static void test_conditions(void **state) {
        const UsbDevice *d = &storage;
        UsbMatchContext noon = { .daytime_sec = 12 * 3600 };

        assert_int_equal(evaluate("allow if true", d, &noon), 1);
        assert_int_equal(evaluate("allow if false", d, &noon), 0);
        assert_int_equal(evaluate("allow if !false", d, &noon), 1);
        assert_int_equal(evaluate("allow if !true", d, &noon), 0);
        /* Conditions only count once the attributes apply. */
        assert_int_equal(evaluate("allow name \"Other\" if true", d, &noon), 0);
        /* The set operators over conditions (usbguard meetsConditions). */
        assert_int_equal(evaluate("allow if { true true }", d, &noon), 1);
        assert_int_equal(evaluate("allow if { true false }", d, &noon), 0);
        assert_int_equal(evaluate("allow if all-of { true false }", d, &noon), 0);
        assert_int_equal(evaluate("allow if equals-ordered { true !false }", d, &noon), 1);
        assert_int_equal(evaluate("allow if match-all { true true }", d, &noon), 1);
        assert_int_equal(evaluate("allow if one-of { false true }", d, &noon), 1);
        assert_int_equal(evaluate("allow if one-of { false !true }", d, &noon), 0);
        assert_int_equal(evaluate("allow if none-of { false !true }", d, &noon), 1);
        assert_int_equal(evaluate("allow if none-of { false true }", d, &noon), 0);
        /* test-rules.file line 6: { true false !true false } is false. */
        assert_int_equal(evaluate("allow if equals-ordered { true false !true false }", d, &noon), 0);

        /* localtime: both ends included. */
        assert_int_equal(evaluate("allow if localtime(12:00)", d, &noon), 1);
        assert_int_equal(evaluate("allow if localtime(08:00-12:00)", d, &noon), 1);
        assert_int_equal(evaluate("allow if localtime(12:00-17:00)", d, &noon), 1);
        assert_int_equal(evaluate("allow if localtime(12:00:01-17:00)", d, &noon), 0);
        assert_int_equal(evaluate("allow if localtime(08:00-11:59:59)", d, &noon), 0);
        assert_int_equal(evaluate("allow if !localtime(08:00-11:59)", d, &noon), 1);
        /* The wall clock when the caller gives none: some time of day. */
        assert_int_equal(evaluate("allow if localtime(0:00-23:59:59)", d,
                                  &(UsbMatchContext) { .daytime_sec = -1 }), 1);
        assert_int_equal(evaluate("allow if localtime(0:00-23:59:59)", d, NULL), 1);

        /* random(p): true when u < p. */
        {
                double u = 0.3;
                UsbMatchContext c = { .random = fixed_random, .userdata = &u };

                assert_int_equal(evaluate("allow if random", d, &c), 1);          /* 0.3 < 0.5 */
                assert_int_equal(evaluate("allow if random(0.25)", d, &c), 0);
                assert_int_equal(evaluate("allow if random(0.3)", d, &c), 0);
                assert_int_equal(evaluate("allow if random(0.31)", d, &c), 1);
                assert_int_equal(evaluate("allow if random(2)", d, &c), 1);       /* always */
                assert_int_equal(evaluate("allow if random(-1)", d, &c), 0);      /* never */
                assert_int_equal(evaluate("allow if !random(0.25)", d, &c), 1);
        }
        /* Without a callback: arc4random, and p = 0 / 1 are certain. */
        assert_int_equal(evaluate("allow if random(0)", d, NULL), 0);
        assert_int_equal(evaluate("allow if random(1)", d, NULL), 1);
}

typedef struct QueryLog {
        int answer;
        unsigned calls;
        const UsbRule *last;
} QueryLog;

static int allowed_matches(void *userdata, const UsbRule *query) {
        QueryLog *l = userdata;

        l->calls++;
        l->last = query;
        return l->answer;
}

static void test_allowed_matches(void **state) {
        QueryLog log = { .answer = 1 };
        UsbMatchContext c = { .allowed_matches = allowed_matches, .userdata = &log };
        _cleanup_(usb_rule_freep) UsbRule *r = NULL;

        /* usbguard-rules.conf(5) example 4: a keyboard only if no keyboard
         * is allowed yet. */
        r = rule("allow with-interface one-of { 03:00:01 03:01:01 } "
                 "if !allowed-matches(with-interface one-of { 03:00:01 03:01:01 })");
        assert_int_equal(usb_rule_evaluate(r, &storage_keyboard, &c), 0);
        assert_int_equal(log.calls, 1);
        assert_ptr_equal(log.last, r->conditions.v[0].query);
        /* The query is a rule the caller can test its devices against. */
        assert_true(usb_rule_applies(log.last, &storage_keyboard));
        assert_false(usb_rule_applies(log.last, &storage));
        log.answer = 0;
        assert_int_equal(usb_rule_evaluate(r, &storage_keyboard, &c), 1);
        /* Not asked when the attributes do not apply. */
        assert_int_equal(usb_rule_evaluate(r, &storage, &c), 0);
        assert_int_equal(log.calls, 2);
        /* Errors come back. */
        log.answer = -EIO;
        assert_int_equal(usb_rule_evaluate(r, &storage_keyboard, &c), -EIO);
        /* No callback: false, as usbguard without a device manager. */
        assert_int_equal(evaluate("allow if allowed-matches", &storage, NULL), 0);
        assert_int_equal(evaluate("allow if !allowed-matches", &storage, NULL), 1);
}

static void test_rule_history(void **state) {
        _cleanup_(usb_rule_set_freep) UsbRuleSet *s = NULL;
        UsbRuleError e = {};
        UsbMatchContext c = { .now_usec = 1000 * USEC_PER_SEC };
        UsbRule *r = NULL;
        static const char policy[] =
                "allow name \"Ultra\" if !rule-applied\n"                       /* once */
                "block name \"Ultra\" if rule-applied(10)\n"                    /* then, within 10 s */
                "reject name \"Ultra\" if rule-evaluated(0:01:00)\n";           /* evaluated within 1 min */

        assert_int_equal(usb_rules_parse_buffer(policy, sizeof policy - 1, &s, &e), 0);

        /* t=1000: nothing applied yet; rule 1 matches and is applied. */
        assert_int_equal(usb_rules_first_match(s, &storage, &c, &r), 1);
        assert_int_equal(r->line, 1);
        assert_int_equal(s->rules[0]->n_applied, 1);
        assert_int_equal(s->rules[0]->n_evaluated, 1);
        assert_int_equal(s->rules[1]->n_evaluated, 0);

        /* t=1005: rule 1 has applied; rule 2 never has; rule 3 was never
         * evaluated before (this evaluation counts afterwards). */
        c.now_usec += 5 * USEC_PER_SEC;
        assert_int_equal(usb_rules_first_match(s, &storage, &c, &r), 0);
        assert_null(r);
        assert_int_equal(s->rules[2]->n_evaluated, 1);

        /* t=1010: rule 3 was evaluated 5 s ago. */
        c.now_usec += 5 * USEC_PER_SEC;
        assert_int_equal(usb_rules_first_match(s, &storage, &c, &r), 1);
        assert_int_equal(r->line, 3);
        assert_int_equal(r->last_applied_usec, 1010 * USEC_PER_SEC);

        /* t=1100: rule 3 was last evaluated 90 s ago; rule 2 still never
         * applied. */
        c.now_usec = 1100 * USEC_PER_SEC;
        assert_int_equal(usb_rules_first_match(s, &storage, &c, &r), 0);

        /* rule-applied(10) counts from the last application. */
        {
                _cleanup_(usb_rule_freep) UsbRule *w = rule("allow if rule-applied(10)");

                w->n_applied = 1;
                w->last_applied_usec = 100 * USEC_PER_SEC;
                c.now_usec = 110 * USEC_PER_SEC;
                assert_int_equal(usb_rule_evaluate(w, &storage, &c), 1);
                c.now_usec = 110 * USEC_PER_SEC + 1;
                assert_int_equal(usb_rule_evaluate(w, &storage, &c), 0);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_single_valued),
                cmocka_unit_test(test_string_operators),
                cmocka_unit_test(test_device_ids),
                cmocka_unit_test(test_interface_operators),
                cmocka_unit_test(test_example_policies),
                cmocka_unit_test(test_conditions),
                cmocka_unit_test(test_allowed_matches),
                cmocka_unit_test(test_rule_history),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
