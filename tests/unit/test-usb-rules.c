/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The USBGuard rule language (plugins/usb/usb-rule.c, usb-condition.c,
 * usb-rule-format.c).
 *
 * Where expected values come from:
 * - test-rules.good / .bad / .file: USBGuard's own test vectors, read from
 *   $MAMORI_TEST_SRCDIR/../shared/conformance/usbguard/ (README there):
 *   770 lines that must parse, 75 that must not, a file with 3 rules.
 * - Canonical text: what /usr/bin/usbguard-rule-parser 1.1.2 (Debian 12)
 *   printed for the same input, except that ids stay lower case here and
 *   rule-evaluated is not renamed rule-applied (both noted in
 *   usb-rule-format.c).
 * - Accept/refuse of escapes and condition parameters: checked against the
 *   same usbguard-rule-parser; the lines that only parse since usbguard
 *   commit cfd631f (blanks around a rule) follow its Grammar.hpp.
 * - Parsed values (seconds, probabilities): worked out by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/usb/usb.h"

static char *data_path(const char *name) {
        const char *src = getenv("MAMORI_TEST_SRCDIR");
        char *p;

        if (!src)
                fail_msg("MAMORI_TEST_SRCDIR is not set (the Makefile sets it to the repository root)");
        assert_true(asprintf(&p, "%s/../shared/conformance/usbguard/%s", src, name) > 0);
        return p;
}

static char *read_fixture(const char *name, size_t *ret_size) {
        char *path = data_path(name), *buf;
        FILE *f = fopen(path, "re");
        long n;

        if (!f)
                fail_msg("cannot open %s", path);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        buf = malloc((size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
        buf[n] = 0;
        fclose(f);
        free(path);
        *ret_size = (size_t) n;
        return buf;
}

static UsbRule *parse_ok(const char *s) {
        UsbRuleError e = {};
        UsbRule *r = NULL;
        int k = usb_rule_parse_string(s, &r, &e);

        if (k < 0)
                fail_msg("\"%s\": unexpected error %d at column %u: %s", s, k, e.column, e.message);
        assert_non_null(r);
        return r;
}

static void assert_message_printable(const char *m) {
        assert_true(m[0] != 0);
        for (; *m; m++)
                assert_true((unsigned char) *m >= 0x20 && (unsigned char) *m < 0x7f);
}

static void parse_bad(const char *s, unsigned column, const char *message_part) {
        UsbRuleError e = {};
        UsbRule *r = NULL;
        int k = usb_rule_parse_string(s, &r, &e);

        if (k != -EINVAL)
                fail_msg("\"%s\": expected -EINVAL, got %d", s, k);
        assert_null(r);
        assert_message_printable(e.message);
        if (column && e.column != column)
                fail_msg("\"%s\": error at column %u (%s), expected %u", s, e.column, e.message, column);
        if (message_part && !strstr(e.message, message_part))
                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, e.message, message_part);
}

static void assert_format(const char *in, const char *expected) {
        _cleanup_(usb_rule_freep) UsbRule *r = parse_ok(in);
        _cleanup_free_ char *s = NULL;

        assert_int_equal(usb_rule_format(r, &s), 0);
        if (strcmp(s, expected) != 0)
                fail_msg("\"%s\" formats as \"%s\", expected \"%s\"", in, s, expected);
}

/* Every line of a fixture, without its newline; returns the count. */
typedef void (*LineFunc)(const char *line, size_t size, unsigned lineno);

static unsigned for_each_line(const char *fixture, LineFunc f) {
        size_t size;
        _cleanup_free_ char *buf = read_fixture(fixture, &size);
        unsigned n = 0;

        for (char *p = buf, *end = buf + size; p < end;) {
                char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (size_t) ((nl ? nl : end) - p);

                f(p, len, ++n);
                p = nl ? nl + 1 : end;
        }
        return n;
}

static void good_line(const char *line, size_t size, unsigned lineno) {
        _cleanup_(usb_rule_freep) UsbRule *r = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text_again = NULL;
        UsbRuleError e = {};
        int k;

        k = usb_rule_parse_line(line, size, &r, &e);
        if (k < 0)
                fail_msg("test-rules.good:%u:%u: %s: %.*s", lineno, e.column, e.message, (int) size, line);
        /* The canonical text parses back to the same canonical text. */
        assert_int_equal(usb_rule_format(r, &text), 0);
        k = usb_rule_parse_string(text, &again, &e);
        if (k < 0)
                fail_msg("test-rules.good:%u: canonical form \"%s\" does not parse: %s", lineno, text, e.message);
        assert_int_equal(usb_rule_format(again, &text_again), 0);
        assert_string_equal(text, text_again);
        assert_int_equal(r->target, again->target);
}

static void test_good_lines(void **state) {
        assert_int_equal(for_each_line("test-rules.good", good_line), 770);
}

static void bad_line(const char *line, size_t size, unsigned lineno) {
        UsbRuleError e = {};
        UsbRule *r = NULL;
        int k;

        k = usb_rule_parse_line(line, size, &r, &e);
        if (k != -EINVAL)
                fail_msg("test-rules.bad:%u: accepted (%d): %.*s", lineno, k, (int) size, line);
        assert_null(r);
        assert_true(e.column >= 1 && e.column <= size + 1);
        assert_message_printable(e.message);
}

static void test_bad_lines(void **state) {
        assert_int_equal(for_each_line("test-rules.bad", bad_line), 75);
}

static void test_rules_file(void **state) {
        _cleanup_(usb_rule_set_freep) UsbRuleSet *s = NULL;
        _cleanup_free_ char *buf = NULL;
        UsbRuleError e = {};
        size_t size;
        int k;

        buf = read_fixture("test-rules.file", &size);
        k = usb_rules_parse_buffer(buf, size, &s, &e);
        if (k < 0)
                fail_msg("test-rules.file:%u:%u: %s", e.line, e.column, e.message);
        /* Lines 6, 10 and 14 of the fixture are rules; the rest are
         * comments and blank lines. Line 14 has blanks on both sides. */
        assert_int_equal(s->n_rules, 3);
        assert_int_equal(s->rules[0]->line, 6);
        assert_int_equal(s->rules[1]->line, 10);
        assert_int_equal(s->rules[2]->line, 14);
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(s->rules[i]->target, USB_TARGET_REJECT);
                assert_int_equal(s->rules[i]->interfaces.op, USB_SET_ONE_OF);
        }
        /* { e5:*:* 2A:*:* AC:c7:* 4B:*:* f2:*:* } if equals-ordered { true false !true false } */
        assert_int_equal(s->rules[0]->interfaces.n, 5);
        assert_int_equal(s->rules[0]->interfaces.v[2].klass, 0xac);
        assert_int_equal(s->rules[0]->interfaces.v[2].subclass, 0xc7);
        assert_int_equal(s->rules[0]->interfaces.v[2].mask, USB_IF_MATCH_CLASS | USB_IF_MATCH_SUBCLASS);
        assert_int_equal(s->rules[0]->conditions.op, USB_SET_EQUALS_ORDERED);
        assert_int_equal(s->rules[0]->conditions.n, 4);
        assert_false(s->rules[0]->conditions.v[1].negated);
        assert_true(s->rules[0]->conditions.v[2].negated);
        assert_int_equal(s->rules[0]->conditions.v[2].type, USB_CONDITION_TRUE);
        assert_int_equal(s->rules[2]->interfaces.n, 1);
        assert_int_equal(s->rules[2]->interfaces.v[0].klass, 0xe6);
}

static void test_targets(void **state) {
        static const struct {
                const char *text;
                UsbTarget target;
        } cases[] = {
                { "allow", USB_TARGET_ALLOW },
                { "block", USB_TARGET_BLOCK },
                { "reject", USB_TARGET_REJECT },
                { "match", USB_TARGET_MATCH },
                { "device", USB_TARGET_DEVICE },
                { "", USB_TARGET_EMPTY },
                { "   \t ", USB_TARGET_EMPTY },
                { "#", USB_TARGET_EMPTY },
                { " # allow", USB_TARGET_EMPTY },
                { "\t#", USB_TARGET_EMPTY },
                /* Words have no boundary in the grammar: a comment may
                 * follow a target directly. */
                { "allow#x", USB_TARGET_ALLOW },
                { " allow ", USB_TARGET_ALLOW },
                { "\tblock\t", USB_TARGET_BLOCK },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(usb_rule_freep) UsbRule *r = parse_ok(cases[i].text);

                assert_int_equal(r->target, cases[i].target);
        }
        parse_bad("Allow", 1, "expected a target");
        parse_bad("permit", 1, NULL);
        parse_bad("alloww", 6, "unexpected 'w'");
        parse_bad("allowblock", 6, NULL);
        parse_bad("allow\r", 6, "byte 0x0d");
        parse_bad("allow \v", 7, NULL);
}

static void test_attribute_values(void **state) {
        _cleanup_(usb_rule_freep) UsbRule *r = NULL;

        r = parse_ok("allow 1d6B:* serial \"\" name one-of { \"A\\x41\\\"\" \"b\" } hash \"h\" "
                     "parent-hash none-of { \"p\" } via-port equals-ordered { \"1-2\" \"1-3\" } "
                     "with-interface all-of { 08:*:* 03:01:* E0:01:01 } with-connect-type \"hotplug\" "
                     "label match-all { \"l\" } if !true");
        assert_int_equal(r->target, USB_TARGET_ALLOW);
        assert_int_equal(r->id.n, 1);
        assert_int_equal(r->id.op, USB_SET_EQUALS);
        assert_int_equal(r->id.v[0].vendor, 0x1d6b);
        assert_int_equal(r->id.v[0].product, -1);
        assert_int_equal(r->serial.n, 1);
        assert_int_equal(r->serial.v[0].size, 0);
        assert_string_equal(r->serial.v[0].data, "");
        assert_int_equal(r->name.op, USB_SET_ONE_OF);
        assert_int_equal(r->name.n, 2);
        assert_int_equal(r->name.v[0].size, 3);
        assert_string_equal(r->name.v[0].data, "AA\"");
        assert_string_equal(r->name.v[1].data, "b");
        assert_string_equal(r->hash.v[0].data, "h");
        assert_int_equal(r->parent_hash.op, USB_SET_NONE_OF);
        assert_int_equal(r->via_port.op, USB_SET_EQUALS_ORDERED);
        assert_int_equal(r->via_port.n, 2);
        assert_string_equal(r->via_port.v[1].data, "1-3");
        assert_int_equal(r->interfaces.op, USB_SET_ALL_OF);
        assert_int_equal(r->interfaces.n, 3);
        assert_int_equal(r->interfaces.v[0].klass, 0x08);
        assert_int_equal(r->interfaces.v[0].mask, USB_IF_MATCH_CLASS);
        assert_int_equal(r->interfaces.v[1].subclass, 0x01);
        assert_int_equal(r->interfaces.v[1].mask, USB_IF_MATCH_CLASS | USB_IF_MATCH_SUBCLASS);
        assert_int_equal(r->interfaces.v[2].klass, 0xe0);
        assert_int_equal(r->interfaces.v[2].protocol, 0x01);
        assert_int_equal(r->interfaces.v[2].mask, USB_IF_MATCH_ALL);
        assert_string_equal(r->connect_type.v[0].data, "hotplug");
        assert_int_equal(r->label.op, USB_SET_MATCH_ALL);
        assert_int_equal(r->conditions.n, 1);
        assert_true(r->conditions.v[0].negated);
        assert_int_equal(r->line, 0);
}

static void test_device_ids(void **state) {
        _cleanup_(usb_rule_freep) UsbRule *a = parse_ok("block id *:*"),
                *b = parse_ok("block id { 0781:5581 FFFF:* }");

        assert_int_equal(a->id.v[0].vendor, -1);
        assert_int_equal(a->id.v[0].product, -1);
        assert_int_equal(b->id.n, 2);
        assert_int_equal(b->id.v[0].vendor, 0x0781);
        assert_int_equal(b->id.v[0].product, 0x5581);
        assert_int_equal(b->id.v[1].vendor, 0xffff);

        parse_bad("allow *:1234", 7, "\"*:pppp\"");
        parse_bad("allow id *:0000", 10, "\"*:pppp\"");
        parse_bad("allow id 123:4567", 10, NULL);
        parse_bad("allow id 12345:6789", 14, NULL);
        parse_bad("allow id 1234:56789", 19, NULL);
        parse_bad("allow id 1234-5678", 14, "':'");
        parse_bad("allow id \"1234:5678\"", 10, NULL);
        /* The positional id and "id" are the same attribute. */
        parse_bad("allow 1234:5678 id 1234:5678", 17, "id attribute already defined");
}

static void test_interfaces(void **state) {
        parse_bad("allow with-interface *:*:*", 22, NULL);
        parse_bad("allow with-interface 08:*:50", 22, "\"cc:*:pp\"");
        parse_bad("allow with-interface 08:06", 27, "':'");
        parse_bad("allow with-interface 8:06:50", 22, NULL);
        parse_bad("allow with-interface { }", 24, NULL);
        parse_bad("allow with-interface one-of {08:*:*", 36, "'}'");
}

static void test_strings(void **state) {
        _cleanup_(usb_rule_freep) UsbRule *r = NULL, *nul = NULL;

        /* usbguard Utility::unescapeString: \" \\ \xHH, nothing else. */
        r = parse_ok("allow name \"q\\\"b\\\\s\\x41\\x7e\\xFf\"");
        assert_int_equal(r->name.v[0].size, 8);
        assert_memory_equal(r->name.v[0].data, "q\"b\\sA~\xff", 9);
        nul = parse_ok("allow serial \"a\\x00b\"");
        assert_int_equal(nul->serial.v[0].size, 3);
        assert_memory_equal(nul->serial.v[0].data, "a\0b", 4);

        /* Grammatical, but refused when unescaped: reported at the string. */
        parse_bad("allow name \"\\n\"", 12, "unknown escape");
        parse_bad("allow name \"\\0\"", 12, "unknown escape");
        parse_bad("allow name \"\\123\"", 12, "unknown escape");
        parse_bad("allow name \"\\'\"", 12, "unknown escape");
        parse_bad("allow name \"\\a\"", 12, "unknown escape");
        /* Not grammatical at all: reported at the backslash. */
        parse_bad("allow name \"\\e\"", 13, "invalid escape");
        parse_bad("allow name \"\\)\"", 13, "invalid escape");
        parse_bad("allow name \"\\X41\"", 13, "invalid escape");
        parse_bad("allow name \"\\x4\"", 13, "two hexadecimal");
        parse_bad("allow name \"\\x4g\"", 13, "two hexadecimal");
        parse_bad("allow name \"abc", 12, "unterminated quoted string");
        parse_bad("allow name \"abc\\", 16, "unterminated escape");
        parse_bad("allow name 'abc'", 12, "expected a quoted string");
        parse_bad("allow name abc", 12, NULL);
        parse_bad("allow name {\"a\"\"b\"}", 16, NULL);
}

static void test_embedded_bytes(void **state) {
        static const char in_string[] = "allow name \"a\0b\"";
        static const char outside[] = "allow\0name \"a\"";
        static const char newline[] = "allow name \"a\nb\"";
        _cleanup_(usb_rule_freep) UsbRule *r = NULL;
        UsbRule *bad = NULL;
        UsbRuleError e = {};

        /* A NUL byte is an ordinary character inside a string (usbguard
         * parses std::string), and an error anywhere else. */
        assert_int_equal(usb_rule_parse_line(in_string, sizeof in_string - 1, &r, &e), 0);
        assert_int_equal(r->name.v[0].size, 3);
        assert_memory_equal(r->name.v[0].data, "a\0b", 3);
        assert_int_equal(usb_rule_parse_line(outside, sizeof outside - 1, &bad, &e), -EINVAL);
        assert_int_equal(e.column, 6);
        assert_int_equal(usb_rule_parse_line(newline, sizeof newline - 1, &bad, &e), -EINVAL);
        assert_int_equal(e.column, 14);
        assert_non_null(strstr(e.message, "line break"));
        /* A comment swallows everything to the end of the buffer. */
        r = usb_rule_free(r);
        assert_int_equal(usb_rule_parse_line("allow # a\nb", 11, &r, &e), 0);
        assert_int_equal(r->target, USB_TARGET_ALLOW);
}

static void test_sets(void **state) {
        static const struct {
                const char *text;
                UsbSetOp op;
                size_t n;
        } cases[] = {
                { "allow name \"a\"", USB_SET_EQUALS, 1 },
                { "allow name { \"a\" }", USB_SET_EQUALS, 1 },
                { "allow name {\"a\"}", USB_SET_EQUALS, 1 },
                { "allow name\t{\t\"a\"\t\"b\"\t}", USB_SET_EQUALS, 2 },
                { "allow name all-of { \"a\" }", USB_SET_ALL_OF, 1 },
                { "allow name one-of { \"a\" \"b\" }", USB_SET_ONE_OF, 2 },
                { "allow name none-of { \"a\" }", USB_SET_NONE_OF, 1 },
                { "allow name equals { \"a\" }", USB_SET_EQUALS, 1 },
                { "allow name equals-ordered { \"a\" \"b\" \"c\" }", USB_SET_EQUALS_ORDERED, 3 },
                { "allow name match-all  { \"a\" }", USB_SET_MATCH_ALL, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(usb_rule_freep) UsbRule *r = parse_ok(cases[i].text);

                assert_int_equal(r->name.op, cases[i].op);
                assert_int_equal(r->name.n, cases[i].n);
        }
        parse_bad("allow name equals{ \"a\" }", 12, NULL);
        parse_bad("allow name match { \"a\" }", 12, NULL);
        parse_bad("allow name some { \"a\" }", 12, NULL);
        /* The operator and its blank parsed, so '{' is what is missing. */
        parse_bad("allow name one-of \"a\"", 19, "expected '{'");
        parse_bad("allow name { }", 14, "expected a quoted string");
        parse_bad("allow name { \"a\" ", 18, "'}'");
        parse_bad("allow name \"a\" }", 16, NULL);
}

static void test_repeated_attributes(void **state) {
        _cleanup_(usb_rule_freep) UsbRule *labels = NULL;

        parse_bad("allow name \"a\" name \"b\"", 16, "name attribute already defined");
        parse_bad("allow hash \"a\" hash \"b\"", 16, "hash attribute already defined");
        parse_bad("allow parent-hash \"a\" parent-hash \"b\"", 23, "parent-hash attribute already defined");
        parse_bad("allow serial \"a\" serial \"b\"", 18, "serial attribute already defined");
        parse_bad("allow via-port \"1\" via-port \"2\"", 20, "via-port attribute already defined");
        parse_bad("allow id 1234:* id 5678:*", 17, "id attribute already defined");
        parse_bad("allow with-interface 08:*:* with-interface 03:*:*", 29, "with-interface attribute already defined");
        parse_bad("allow with-connect-type \"a\" with-connect-type \"b\"", 29, "with-connect-type attribute already defined");
        parse_bad("allow if true if false", 15, "conditions already defined");
        /* The keyword alone is enough, as in usbguard's str_* actions. */
        parse_bad("allow name \"a\" name", 16, "already defined");

        /* usbguard's repeat check for label is keyed on "serial"
         * (Actions.hpp label_actions<str_serial>): repeated labels append,
         * and a later operator replaces the earlier one. */
        labels = parse_ok("allow label \"a\" label one-of { \"b\" \"c\" } label \"d\"");
        assert_int_equal(labels->label.n, 4);
        assert_int_equal(labels->label.op, USB_SET_ONE_OF);
        assert_string_equal(labels->label.v[0].data, "a");
        assert_string_equal(labels->label.v[3].data, "d");
}

static void test_conditions(void **state) {
        _cleanup_(usb_rule_freep) UsbRule *r = NULL;
        UsbCondition *c;

        r = parse_ok("allow if all-of { localtime(08:30-17:15) localtime(1:02:03) random random(0.25) "
                     "rule-applied rule-applied(90) rule-evaluated(1:30) rule-evaluated(0:01:05) "
                     "true(ignored) !false allowed-matches(with-interface 03:*:*) allowed-matches }");
        assert_int_equal(r->conditions.op, USB_SET_ALL_OF);
        assert_int_equal(r->conditions.n, 12);
        c = r->conditions.v;
        assert_int_equal(c[0].type, USB_CONDITION_LOCALTIME);
        assert_int_equal(c[0].begin_sec, 8 * 3600 + 30 * 60);
        assert_int_equal(c[0].end_sec, 17 * 3600 + 15 * 60);
        /* One time: a range of one second. */
        assert_int_equal(c[1].begin_sec, 3600 + 2 * 60 + 3);
        assert_int_equal(c[1].end_sec, 3600 + 2 * 60 + 3);
        assert_int_equal(c[2].type, USB_CONDITION_RANDOM);
        assert_true(c[2].probability == 0.5);
        assert_null(c[2].parameter);
        assert_true(c[3].probability == 0.25);
        assert_string_equal(c[3].parameter, "0.25");
        assert_int_equal(c[4].type, USB_CONDITION_RULE_APPLIED);
        assert_int_equal(c[4].window_usec, 0);
        assert_int_equal(c[5].window_usec, 90 * USEC_PER_SEC);
        assert_int_equal(c[6].type, USB_CONDITION_RULE_EVALUATED);
        assert_int_equal(c[6].window_usec, 90 * 60 * USEC_PER_SEC);
        assert_int_equal(c[7].window_usec, 65 * USEC_PER_SEC);
        /* FixedStateCondition drops its parameter. */
        assert_int_equal(c[8].type, USB_CONDITION_TRUE);
        assert_null(c[8].parameter);
        assert_int_equal(c[9].type, USB_CONDITION_FALSE);
        assert_true(c[9].negated);
        assert_int_equal(c[10].type, USB_CONDITION_ALLOWED_MATCHES);
        assert_non_null(c[10].query);
        assert_int_equal(c[10].query->target, USB_TARGET_ALLOW);
        assert_int_equal(c[10].query->interfaces.n, 1);
        assert_int_equal(c[10].query->interfaces.v[0].klass, 0x03);
        /* Without a parameter the query is "allow ", which matches all. */
        assert_int_equal(c[11].type, USB_CONDITION_ALLOWED_MATCHES);
        assert_int_equal(c[11].query->interfaces.n, 0);
}

static void test_condition_parameters(void **state) {
        /* Accepted by usbguard-rule-parser 1.1.2: */
        static const char *const ok[] = {
                "allow if localtime(2:00)",
                "allow if localtime( 1:00)",            /* strptime skips blanks before numbers */
                "allow if localtime(1:00xyz)",          /* and ignores what follows */
                "allow if localtime(1:00-)",            /* empty end: same as begin */
                "allow if localtime(0:00-23:59:59)",
                "allow if random(-1)",
                "allow if random(2)",
                "allow if random( 0.5)",
                "allow if random(0x1p-2)",
                "allow if random(nan)",
                "allow if random(.5x)",
                "allow if rule-applied(5)",
                "allow if rule-applied(5x)",
                "allow if rule-applied(24:00)",         /* %H fails, %s takes "24" */
                "allow if true(\\))",
                "allow if true(a(b)",
                "allow if allowed-matches(1234:5678)",
                "allow if allowed-matches(#)",
                "allow if allowed-matches(name \"\\x41\")",
                /* Only since usbguard cfd631f (blanks around a rule): */
                "allow if allowed-matches(name \"a\" )",
                "allow if allowed-matches",
        };
        /* Refused by usbguard-rule-parser 1.1.2, and why. */
        static const struct {
                const char *text;
                unsigned column;
                const char *message;
        } bad[] = {
                { "allow if localtime", 10, "localtime" },
                { "allow if localtime(25:00)", 10, "localtime" },
                { "allow if localtime(1:00-0:59)", 10, "begin > end" },
                { "allow if localtime(-1:00)", 10, "localtime" },
                { "allow if random(x)", 10, "random" },
                { "allow if random(1e400)", 10, "random" },          /* ERANGE */
                { "allow if random(1e-400)", 10, "random" },
                { "allow if random(\\x31)", 10, "random" },          /* not unescaped */
                { "allow if rule-applied(x)", 10, "rule-applied" },
                { "allow if rule-applied( 5)", 10, "rule-applied" },
                { "allow if rule-applied(-5)", 10, "rule-applied" },
                { "allow if rule-evaluated(99999999999999999999999)", 10, "rule-evaluated" },
                { "allow if true()", 10, "must not be empty" },
                { "allow if true(\\\")", 15, "invalid escape" },
                { "allow if true(())", 17, "unexpected ')'" },
                { "allow if Random", 10, "unknown rule condition" },
                { "allow if -true", 10, "unknown rule condition" },
                { "allow if !!true", 11, "expected a condition" },
                { "allow if random(", 16, "unterminated condition argument" },
                { "allow if allowed-matches(fooo)", 10, "allowed-matches: column 1 of the query" },
                { "allow if allowed-matches(name \"a\\)\")", 10, "invalid escape" },
                { "allow if allowed-matches(name \"a\" name \"b\")", 10, "already defined" },
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++)
                usb_rule_free(parse_ok(ok[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                parse_bad(bad[i].text, bad[i].column, bad[i].message);
}

static void test_format(void **state) {
        /* usbguard-rule-parser 1.1.2 prints the same (README: blanks
         * collapse, comments go, the default operator is left out). */
        assert_format("allow  with-interface  equals { 0A:*:* }  # c", "allow with-interface 0a:*:*");
        assert_format("reject with-interface one-of { e6:*:* } # comment about this rule",
                      "reject with-interface one-of { e6:*:* }");
        assert_format("allow hash \"h\" name \"n\" id 1234:5678 serial \"s\" via-port \"1-1\" parent-hash \"p\" "
                      "label \"l\" with-connect-type \"hotplug\" if !true with-interface 08:06:50",
                      "allow id 1234:5678 serial \"s\" name \"n\" hash \"h\" parent-hash \"p\" via-port \"1-1\" "
                      "with-interface 08:06:50 if !true with-connect-type \"hotplug\" label \"l\"");
        assert_format("allow name \"\\x41\\x09\\xc3\\xa9\\\"\\\\\"", "allow name \"A\\x09\\xc3\\xa9\\\"\\\\\"");
        assert_format("allow name equals-ordered { \"a\" }", "allow name equals-ordered { \"a\" }");
        assert_format("allow label \"a\" label \"b\"", "allow label { \"a\" \"b\" }");
        assert_format("allow if true(x)", "allow if true");
        assert_format("allow if allowed-matches( name \"a\")", "allow if allowed-matches( name \"a\")");
        assert_format("allow *:*", "allow id *:*");
        assert_format("allow 1D6B:*", "allow id 1d6b:*");
        assert_format("# nothing", "");
        assert_format("device", "device");
}

static void test_file(void **state) {
        static const char text[] =
                "# policy\n"
                "\n"
                "allow id 1d6b:*\n"
                "   \t\n"
                "block with-interface 08:*:* # storage\n"
                "reject";
        _cleanup_(usb_rule_set_freep) UsbRuleSet *s = NULL;
        UsbRuleSet *none = NULL;
        UsbRuleError e = {};

        assert_int_equal(usb_rules_parse_buffer(text, sizeof text - 1, &s, &e), 0);
        assert_int_equal(s->n_rules, 3);
        assert_int_equal(s->rules[0]->line, 3);
        assert_int_equal(s->rules[0]->target, USB_TARGET_ALLOW);
        assert_int_equal(s->rules[1]->line, 5);
        assert_int_equal(s->rules[2]->line, 6);
        assert_int_equal(s->rules[2]->target, USB_TARGET_REJECT);
        s = usb_rule_set_free(s);

        /* Empty and comment-only files are valid and hold no rule. */
        assert_int_equal(usb_rules_parse_buffer("", 0, &s, &e), 0);
        assert_int_equal(s->n_rules, 0);
        s = usb_rule_set_free(s);
        assert_int_equal(usb_rules_parse_buffer("#\n\n", 3, &s, &e), 0);
        assert_int_equal(s->n_rules, 0);

        /* The first bad line fails the whole file, with its position. */
        assert_int_equal(usb_rules_parse_buffer("allow\n# x\nallow name \"a\" name \"b\"\nallow\n", 40, &none, &e),
                         -EINVAL);
        assert_null(none);
        assert_int_equal(e.line, 3);
        assert_int_equal(e.column, 16);
        /* Lines end at '\n' only: a CRLF file is refused, as by usbguard. */
        assert_int_equal(usb_rules_parse_buffer("allow\r\n", 7, &none, &e), -EINVAL);
        assert_int_equal(e.line, 1);
        assert_int_equal(e.column, 6);

        /* The size bound is checked before the buffer is read. */
        assert_int_equal(usb_rules_parse_buffer("", (size_t) USB_RULES_SIZE_MAX + 1, &none, &e), -EFBIG);
        assert_non_null(strstr(e.message, "larger than"));
}

static void test_names(void **state) {
        assert_string_equal(usb_target_to_string(USB_TARGET_DEVICE), "device");
        assert_string_equal(usb_target_to_string(USB_TARGET_EMPTY), "");
        assert_null(usb_target_to_string(_USB_TARGET_MAX));
        assert_string_equal(usb_set_op_to_string(USB_SET_EQUALS_ORDERED), "equals-ordered");
        assert_null(usb_set_op_to_string(_USB_SET_MAX));
        assert_string_equal(usb_condition_type_to_string(USB_CONDITION_ALLOWED_MATCHES), "allowed-matches");
        assert_null(usb_condition_type_to_string(_USB_CONDITION_MAX));
        assert_null(usb_rule_free(NULL));
        assert_null(usb_rule_set_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_lines),
                cmocka_unit_test(test_bad_lines),
                cmocka_unit_test(test_rules_file),
                cmocka_unit_test(test_targets),
                cmocka_unit_test(test_attribute_values),
                cmocka_unit_test(test_device_ids),
                cmocka_unit_test(test_interfaces),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_embedded_bytes),
                cmocka_unit_test(test_sets),
                cmocka_unit_test(test_repeated_attributes),
                cmocka_unit_test(test_conditions),
                cmocka_unit_test(test_condition_parameters),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_file),
                cmocka_unit_test(test_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
