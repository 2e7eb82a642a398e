/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule files: the valid shape, one fixture per error class with the line and
 * column counted by hand from the fixture text, and directory overrides. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>

#include "policy.h"
#include "util.h"

/* ---- a checker that knows two checks ------------------------------------ */

/* demo.check takes params "max" (every value digits only) and "mode";
 * demo.needs-param wants "max" and refuses the rule without it. */
static int stub_validate(void *userdata, const struct mamori_rule *r, size_t *reterr_param,
                         char *msg, size_t msg_size) {
        unsigned *calls = userdata;

        (*calls)++;
        assert_non_null(r->id);
        assert_non_null(r->check);
        if (streq(r->check, "demo.needs-param")) {
                for (size_t i = 0; i < r->n_params; i++)
                        if (streq(r->params[i].key, "max"))
                                return 0;
                *reterr_param = (size_t) -1;
                snprintf(msg, msg_size, "needs params.max");
                return -EINVAL;
        }
        if (!streq(r->check, "demo.check"))
                return -ENOENT;
        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *p = &r->params[i];

                assert_non_null(p->values);
                if (streq(p->key, "mode"))
                        continue;
                if (!streq(p->key, "max")) {
                        *reterr_param = i;
                        snprintf(msg, msg_size, "unknown parameter");
                        return -EINVAL;
                }
                for (size_t j = 0; p->values[j]; j++)
                        if (strspn(p->values[j], "0123456789") != strlen(p->values[j])) {
                                *reterr_param = i;
                                snprintf(msg, msg_size, "must be a number");
                                return -EINVAL;
                        }
        }
        return 0;
}

static unsigned stub_calls;
static const PolicyChecker stub_checker = {
        .validate = stub_validate,
        .userdata = &stub_calls,
};

static int parse(Policy *p, const char *text, PolicyError *e) {
        return policy_parse_buffer(p, "t.yaml", text, strlen(text), &stub_checker, e);
}

/* ---- severities and formatting --------------------------------------------- */

static void test_severity(void **state) {
        assert_string_equal(severity_to_string(SEVERITY_LOW), "low");
        assert_string_equal(severity_to_string(SEVERITY_MEDIUM), "medium");
        assert_string_equal(severity_to_string(SEVERITY_HIGH), "high");
        assert_string_equal(severity_to_string(SEVERITY_CRITICAL), "critical");
        assert_null(severity_to_string(_SEVERITY_INVALID));
        assert_null(severity_to_string(_SEVERITY_MAX));

        assert_int_equal(severity_from_string("critical"), SEVERITY_CRITICAL);
        assert_int_equal(severity_from_string("high"), SEVERITY_HIGH);
        assert_int_equal(severity_from_string("medium"), SEVERITY_MEDIUM);
        assert_int_equal(severity_from_string("low"), SEVERITY_LOW);
        assert_int_equal(severity_from_string("High"), _SEVERITY_INVALID);
        assert_int_equal(severity_from_string("urgent"), _SEVERITY_INVALID);
        assert_int_equal(severity_from_string(""), _SEVERITY_INVALID);
        assert_int_equal(severity_from_string(NULL), _SEVERITY_INVALID);

        /* DESIGN.md: critical 10, high 6, medium 3, low 1. */
        assert_int_equal(severity_weight(SEVERITY_CRITICAL), 10);
        assert_int_equal(severity_weight(SEVERITY_HIGH), 6);
        assert_int_equal(severity_weight(SEVERITY_MEDIUM), 3);
        assert_int_equal(severity_weight(SEVERITY_LOW), 1);
        assert_int_equal(severity_weight(_SEVERITY_INVALID), 0);
}

static void test_error_format(void **state) {
        PolicyError e = { .file = "/etc/mamori/rules.d/a.yaml", .line = 3, .column = 14,
                          .message = "bad thing" };
        char buf[1200];

        assert_string_equal(policy_error_format(&e, buf, sizeof buf),
                            "/etc/mamori/rules.d/a.yaml:3:14: bad thing");
        e.line = e.column = 0;
        assert_string_equal(policy_error_format(&e, buf, sizeof buf),
                            "/etc/mamori/rules.d/a.yaml: bad thing");
        e.file[0] = '\0';
        assert_string_equal(policy_error_format(&e, buf, sizeof buf), "bad thing");

        /* One line, whatever the file name holds. */
        e = (PolicyError) { .file = "a\nb.yaml", .line = 1, .column = 2, .message = "x\ty" };
        assert_string_equal(policy_error_format(&e, buf, sizeof buf), "a?b.yaml:1:2: x?y");

        /* Truncates, never overflows. */
        e = (PolicyError) { .file = "f", .line = 1, .column = 2, .message = "abcdef" };
        assert_string_equal(policy_error_format(&e, buf, 8), "f:1:2: ");
}

/* ---- a valid file ---------------------------------------------------------- */

static const char valid_text[] =
        "# Library terminal policy.\n"                                                  /*  1 */
        "policy:\n"                                                                     /*  2 */
        "  id: fujisawa-library\n"                                                      /*  3 */
        "  version: 2012-04-01\n"                                                       /*  4 */
        "rules:\n"                                                                      /*  5 */
        "  - id: screenlock.idle-lock\n"                                                /*  6 */
        "    title: { ja: 離席時に画面がロックされること, en: The screen locks when left idle }\n"
        "    clause: 詳細編 2.2(2)④ 5.4(3)\n"                                            /*  8 */
        "    severity: medium\n"                                                        /*  9 */
        "    check: demo.check\n"                                                       /* 10 */
        "    params: { max: 600, mode: strict }\n"                                      /* 11 */
        "    enforce: true\n"                                                           /* 12 */
        "    interval: 1h\n"                                                            /* 13 */
        "  - id: usb.no-unregistered-storage\n"                                         /* 14 */
        "    title:\n"                                                                  /* 15 */
        "      ja: 未登録の記録媒体を使用させないこと\n"                                /* 16 */
        "      en: \"Unregistered media stay blocked\"\n"                               /* 17 */
        "    clause: 詳細編 2.2(3)②\n"                                                  /* 18 */
        "    severity: critical\n"                                                      /* 19 */
        "    check: demo.check\n"                                                       /* 20 */
        "    enforce: YES\n"                                                            /* 21 */
        "  - id: accounts_list-1\n"                                                     /* 22 */
        "    title: { ja: 一覧, en: List }\n"                                           /* 23 */
        "    clause: \"詳細編 6.1\"\n"                                                  /* 24 */
        "    severity: low\n"                                                           /* 25 */
        "    check: demo.check\n"                                                       /* 26 */
        "    params:\n"                                                                 /* 27 */
        "      max:\n"                                                                  /* 28 */
        "        - 1\n"                                                                 /* 29 */
        "        - \"2\"\n"                                                             /* 30 */
        "      mode: []\n"                                                              /* 31 */
        "    enforce: no\n"                                                             /* 32 */
        "    interval: 1h30m\n"                                                         /* 33 */
        "  - id: z.high\n"                                                              /* 34 */
        "    title: { ja: 高, en: High }\n"                                             /* 35 */
        "    clause: x\n"                                                               /* 36 */
        "    severity: high\n"                                                          /* 37 */
        "    check: demo.check\n"                                                       /* 38 */
        "    enforce: False\n";                                                         /* 39 */

static void assert_abi(const Rule *r) {
        assert_ptr_equal(r->abi.id, r->id);
        assert_ptr_equal(r->abi.check, r->check);
        assert_ptr_equal(r->abi.params, r->params);
        assert_int_equal(r->abi.n_params, r->n_params);
        assert_int_equal(r->abi.enforce, r->enforce ? 1 : 0);
}

static void test_valid(void **state) {
        _cleanup_(policy_freep) Policy *p = policy_new();
        PolicyError e;
        const Rule *r;

        assert_non_null(p);
        stub_calls = 0;
        assert_int_equal(parse(p, valid_text, &e), 0);
        assert_int_equal(stub_calls, 4);

        assert_string_equal(p->id, "fujisawa-library");
        assert_string_equal(p->version, "2012-04-01");
        assert_int_equal(p->n_rules, 4);

        r = &p->rules[0];
        assert_string_equal(r->id, "screenlock.idle-lock");
        assert_string_equal(r->title_ja, "離席時に画面がロックされること");
        assert_string_equal(r->title_en, "The screen locks when left idle");
        assert_string_equal(r->clause, "詳細編 2.2(2)④ 5.4(3)");
        assert_int_equal(r->severity, SEVERITY_MEDIUM);
        assert_string_equal(r->check, "demo.check");
        assert_true(r->enforce);
        assert_int_equal(r->interval_usec, UINT64_C(3600000000));
        assert_string_equal(r->file, "t.yaml");
        assert_int_equal(r->mark.line, 6);
        assert_int_equal(r->mark.column, 5);
        assert_int_equal(r->n_params, 2);
        assert_string_equal(r->params[0].key, "max");
        assert_string_equal(r->params[0].values[0], "600");
        assert_null(r->params[0].values[1]);
        assert_int_equal(r->param_marks[0].line, 11);
        assert_int_equal(r->param_marks[0].column, 15);
        assert_string_equal(r->params[1].key, "mode");
        assert_string_equal(r->params[1].values[0], "strict");
        assert_null(r->params[1].values[1]);
        assert_int_equal(r->param_marks[1].line, 11);
        assert_int_equal(r->param_marks[1].column, 25);
        assert_abi(r);

        r = &p->rules[1];
        assert_string_equal(r->id, "usb.no-unregistered-storage");
        assert_string_equal(r->title_ja, "未登録の記録媒体を使用させないこと");
        assert_string_equal(r->title_en, "Unregistered media stay blocked");
        assert_string_equal(r->clause, "詳細編 2.2(3)②");
        assert_int_equal(r->severity, SEVERITY_CRITICAL);
        assert_true(r->enforce);
        assert_int_equal(r->interval_usec, 0);
        assert_int_equal(r->n_params, 0);
        assert_int_equal(r->mark.line, 14);
        assert_int_equal(r->mark.column, 5);
        assert_abi(r);

        r = &p->rules[2];
        assert_string_equal(r->id, "accounts_list-1");
        assert_string_equal(r->clause, "詳細編 6.1");
        assert_int_equal(r->severity, SEVERITY_LOW);
        assert_false(r->enforce);
        assert_int_equal(r->interval_usec, UINT64_C(5400000000));
        assert_int_equal(r->n_params, 2);
        assert_string_equal(r->params[0].key, "max");
        assert_string_equal(r->params[0].values[0], "1");
        assert_string_equal(r->params[0].values[1], "2");
        assert_null(r->params[0].values[2]);
        assert_int_equal(r->param_marks[0].line, 28);
        assert_int_equal(r->param_marks[0].column, 7);
        /* An empty sequence is an empty list, not a missing value. */
        assert_string_equal(r->params[1].key, "mode");
        assert_non_null(r->params[1].values);
        assert_null(r->params[1].values[0]);
        assert_int_equal(r->param_marks[1].line, 31);
        assert_int_equal(r->param_marks[1].column, 7);
        assert_abi(r);

        r = &p->rules[3];
        assert_string_equal(r->id, "z.high");
        assert_int_equal(r->severity, SEVERITY_HIGH);
        assert_false(r->enforce);
        assert_int_equal(r->mark.line, 34);
        assert_abi(r);

        assert_ptr_equal(policy_find_rule(p, "z.high"), &p->rules[3]);
        assert_ptr_equal(policy_find_rule(p, "screenlock.idle-lock"), &p->rules[0]);
        assert_null(policy_find_rule(p, "z"));
        assert_null(policy_find_rule(p, NULL));
        assert_null(policy_find_rule(NULL, "z.high"));
}

static void test_empty_inputs(void **state) {
        static const char *const texts[] = {
                "",
                "# nothing here\n# yet\n",
                "\n\n   \n",
                "---\n",
                "---\n# only a marker\n...\n",
                "rules: []\n",
                "{}\n",
                "policy: {}\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                _cleanup_(policy_freep) Policy *p = policy_new();
                PolicyError e;

                assert_int_equal(parse(p, texts[i], &e), 0);
                assert_int_equal(p->n_rules, 0);
                assert_null(p->id);
        }

        /* A NULL buffer of size 0 is an empty file. */
        _cleanup_(policy_freep) Policy *p = policy_new();
        assert_int_equal(policy_parse_buffer(p, "n.yaml", NULL, 0, NULL, NULL), 0);
        assert_int_equal(p->n_rules, 0);
}

static void test_no_checker(void **state) {
        _cleanup_(policy_freep) Policy *p = policy_new();
        PolicyError e;
        const char *text =
                "rules:\n"
                "  - id: a\n"
                "    title: { ja: あ, en: A }\n"
                "    clause: x\n"
                "    severity: low\n"
                "    check: anything.at-all\n"
                "    params: { whatever: [1, 2] }\n";

        assert_int_equal(policy_parse_buffer(p, "n.yaml", text, strlen(text), NULL, &e), 0);
        assert_int_equal(p->n_rules, 1);
        assert_string_equal(p->rules[0].check, "anything.at-all");
}

/* A bad file adds nothing, even after good rules in the same file. */
static void test_all_or_nothing(void **state) {
        _cleanup_(policy_freep) Policy *p = policy_new();
        PolicyError e;
        const char *good =
                "rules:\n"
                "  - { id: first, title: { ja: a, en: b }, clause: c, severity: low, check: demo.check }\n";
        const char *bad =
                "policy: { id: other }\n"
                "rules:\n"
                "  - { id: second, title: { ja: a, en: b }, clause: c, severity: low, check: demo.check }\n"
                "  - { id: third, title: { ja: a, en: b }, clause: c, severity: bad, check: demo.check }\n";

        assert_int_equal(parse(p, good, &e), 0);
        assert_int_equal(p->n_rules, 1);
        assert_int_equal(parse(p, bad, &e), -EINVAL);
        assert_int_equal(e.line, 4);
        assert_int_equal(p->n_rules, 1);
        assert_null(p->id);
        assert_string_equal(p->rules[0].id, "first");
        assert_abi(&p->rules[0]);
}

/* ---- one fixture per error --------------------------------------------- */

typedef struct ErrorCase {
        const char *name;
        const char *text;
        size_t size;                    /* 0: strlen(text) */
        int r;
        unsigned line, column;
        const char *message;            /* exact */
} ErrorCase;

#define RULE_HEAD                                               \
        "rules:\n"                                              \
        "  - id: a.b\n"                                         \
        "    title: { ja: テスト, en: Test }\n"                 \
        "    clause: x\n"

static const ErrorCase error_cases[] = {
        {
                "unknown-key",
                RULE_HEAD
                "    severty: high\n"
                "    check: demo.check\n",
                0, -EINVAL, 5, 5,
                "unknown key \"severty\" in rule; the keys are id, title, clause, severity, check, "
                "params, enforce, interval",
        },
        {
                "severity-sequence",
                RULE_HEAD
                "    severity: [a]\n"
                "    check: demo.check\n",
                0, -EINVAL, 5, 15,
                "severity must be one of critical, high, medium, low (got a sequence)",
        },
        {
                "severity-unknown",
                RULE_HEAD
                "    severity: urgent\n"
                "    check: demo.check\n",
                0, -EINVAL, 5, 15,
                "severity must be one of critical, high, medium, low (got \"urgent\")",
        },
        {
                "enforce-maybe",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    enforce: maybe\n",
                0, -EINVAL, 7, 14,
                "enforce must be true or false (got \"maybe\")",
        },
        {
                "enforce-quoted",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    enforce: \"true\"\n",
                0, -EINVAL, 7, 14,
                "enforce must be true or false without quotes (got the quoted string \"true\")",
        },
        {
                "enforce-empty",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    enforce:\n",
                0, -EINVAL, 7, 5,
                "enforce must be true or false (got nothing)",
        },
        {
                "title-string",
                "rules:\n"
                "  - id: a.b\n"
                "    title: \"x\"\n",
                0, -EINVAL, 3, 12,
                "title must be a mapping with the keys ja and en, e.g. { ja: ..., en: ... } (got \"x\")",
        },
        {
                "title-missing-en",
                "rules:\n"
                "  - id: a.b\n"
                "    title: { ja: テスト }\n",
                0, -EINVAL, 3, 12,
                "title is missing the required key \"en\"",
        },
        {
                "title-control-character",
                "rules:\n"
                "  - id: a.b\n"
                "    title: { ja: \"a\\tb\", en: y }\n",
                0, -EINVAL, 3, 18,
                "title.ja must be a single line without control characters",
        },
        {
                "missing-check",
                RULE_HEAD
                "    severity: low\n",
                0, -EINVAL, 2, 5,
                "rule is missing the required key \"check\"",
        },
        {
                "clause-empty",
                "rules:\n"
                "  - id: a.b\n"
                "    title: { ja: テスト, en: Test }\n"
                "    clause:\n"
                "    severity: low\n",
                0, -EINVAL, 4, 5,
                "clause has no value; give it a string",
        },
        {
                "clause-quoted-empty",
                "rules:\n"
                "  - id: a.b\n"
                "    title: { ja: テスト, en: Test }\n"
                "    clause: ''\n",
                0, -EINVAL, 4, 13,
                "clause must not be empty",
        },
        {
                "duplicate-key",
                RULE_HEAD
                "    severity: high\n"
                "    severity: low\n",
                0, -EINVAL, 6, 5,
                "duplicate key \"severity\" in rule (first at line 5, column 5); remove one",
        },
        {
                "duplicate-top-level-key",
                "rules: []\n"
                "policy: { id: x }\n"
                "rules: []\n",
                0, -EINVAL, 3, 1,
                "duplicate key \"rules\" in the top-level mapping (first at line 1, column 1); remove one",
        },
        {
                "duplicate-id",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "  - id: a.b\n"
                "    title: { ja: テスト, en: Test }\n"
                "    clause: x\n"
                "    severity: low\n"
                "    check: demo.check\n",
                0, -EINVAL, 7, 9,
                "duplicate rule id \"a.b\" (first defined at line 2, column 5); rule ids must be unique",
        },
        {
                "bad-id",
                "rules:\n"
                "  - id: Screen_Lock\n",
                0, -EINVAL, 2, 9,
                "id must use only a-z, 0-9, '.', '_' and '-' (got \"Screen_Lock\")",
        },
        {
                "id-sequence",
                "rules:\n"
                "  - id: [a]\n",
                0, -EINVAL, 2, 9,
                "id must be a string (got a sequence)",
        },
        {
                "bad-interval",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    interval: soon\n",
                0, -EINVAL, 7, 15,
                "interval must be a duration such as 30s, 10m, 1h or 1d (got \"soon\")",
        },
        {
                "zero-interval",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    interval: 0\n",
                0, -EINVAL, 7, 15,
                "interval must be at least 1s (got \"0\")",
        },
        {
                "unknown-check",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.nope\n",
                0, -EINVAL, 6, 12,
                "unknown check \"demo.nope\" (no loaded plugin provides it)",
        },
        {
                "param-refused",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params:\n"
                "      mode: strict\n"
                "      max: lots\n",
                0, -EINVAL, 9, 7,
                "params.max: must be a number (check \"demo.check\")",
        },
        {
                "param-refused-flow",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params: { mode: a, colour: blue }\n",
                0, -EINVAL, 7, 24,
                "params.colour: unknown parameter (check \"demo.check\")",
        },
        {
                "rule-refused",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.needs-param\n",
                0, -EINVAL, 2, 5,
                "check \"demo.needs-param\" refuses this rule: needs params.max",
        },
        {
                "params-nested-mapping",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params:\n"
                "      a: 1\n"
                "      b: { c: d }\n",
                0, -EINVAL, 9, 10,
                "params.b must be a value or a list of values (got a mapping); "
                "nested lists and mappings are not supported",
        },
        {
                "params-nested-list",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params:\n"
                "      b: [x, [y]]\n",
                0, -EINVAL, 8, 14,
                "params.b must be a value or a list of values (got a sequence); "
                "nested lists and mappings are not supported",
        },
        {
                "params-duplicate-key",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params:\n"
                "      max: 1\n"
                "      max: 2\n",
                0, -EINVAL, 9, 7,
                "duplicate key \"max\" in params (first at line 8, column 7); remove one",
        },
        {
                "params-no-value",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params:\n"
                "      max:\n",
                0, -EINVAL, 8, 7,
                "params.max has no value; write one (quote \"\" for an empty string)",
        },
        {
                "params-sequence",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "    params: [max]\n",
                0, -EINVAL, 7, 13,
                "params must be a mapping of names to values (got a sequence)",
        },
        {
                "syntax-mapping-value",
                RULE_HEAD
                "    severity: a: b\n",
                0, -EBADMSG, 5, 16,
                "YAML syntax error: mapping values are not allowed in this context",
        },
        {
                "syntax-missing-colon",
                "rules:\n"
                "  - id: a\n"
                "    title\n",
                0, -EBADMSG, 4, 1,
                "YAML syntax error: could not find expected ':' (while scanning a simple key at line 3, column 5)",
        },
        {
                "invalid-utf8",
                "rules:\n"
                "  - id: \"\xff\"\n",
                0, -EBADMSG, 2, 10,
                "YAML syntax error: invalid leading UTF-8 octet (#xFF); rule files are UTF-8 text",
        },
        {
                "nul-in-value",
                "rules:\n"
                "  - id: a.b\n"
                "    title: { ja: テスト, en: Test }\n"
                "    clause: \"a\\0b\"\n",
                0, -EINVAL, 4, 13,
                "values must not contain NUL characters",
        },
        {
                "alias",
                RULE_HEAD
                "    severity: low\n"
                "    check: demo.check\n"
                "  - *r\n",
                0, -EINVAL, 7, 5,
                "YAML aliases (*r) are not allowed in rule files; write the value out in full",
        },
        {
                "anchor",
                "rules:\n"
                "  - id: a.b\n"
                "    title: { ja: テスト, en: Test }\n"
                "    clause: &c x\n",
                0, -EINVAL, 4, 13,
                "YAML anchors (&c) are not allowed in rule files; write each value out in full",
        },
        {
                "tag",
                RULE_HEAD
                "    severity: !!str high\n",
                0, -EINVAL, 5, 15,
                "YAML tags (tag:yaml.org,2002:str) are not allowed in rule files; remove the tag",
        },
        {
                "two-documents",
                "rules: []\n"
                "---\n"
                "rules: []\n",
                0, -EINVAL, 2, 1,
                "a rule file holds one YAML document, and a second one starts here; "
                "remove the \"---\" or move the rules to another file",
        },
        {
                "root-sequence",
                "- a\n",
                0, -EINVAL, 1, 1,
                "a rule file must be a mapping with the keys policy and rules (got a sequence)",
        },
        {
                "root-scalar",
                "hello\n",
                0, -EINVAL, 1, 1,
                "a rule file must be a mapping with the keys policy and rules (got \"hello\")",
        },
        {
                "unknown-top-level-key",
                "rule:\n",
                0, -EINVAL, 1, 1,
                "unknown key \"rule\" in the top-level mapping; the keys are policy, rules",
        },
        {
                "complex-key",
                "? [a]\n"
                ": b\n",
                0, -EINVAL, 1, 3,
                "keys in the top-level mapping must be plain names (got a sequence)",
        },
        {
                "rules-scalar",
                "rules: 5\n",
                0, -EINVAL, 1, 8,
                "rules must be a sequence of rules, each starting with \"- id: ...\" (got \"5\"); "
                "write \"rules: []\" for none",
        },
        {
                "rules-empty",
                "rules:\n",
                0, -EINVAL, 1, 1,
                "rules must be a sequence of rules, each starting with \"- id: ...\" (got nothing); "
                "write \"rules: []\" for none",
        },
        {
                "rule-scalar",
                "rules:\n"
                "  - just-a-string\n",
                0, -EINVAL, 2, 5,
                "each entry of rules must be a mapping with the keys id, title, clause, severity, "
                "check, ... (got \"just-a-string\")",
        },
        {
                "policy-unknown-key",
                "policy: { id: x, name: y }\n",
                0, -EINVAL, 1, 18,
                "unknown key \"name\" in policy; the keys are id, version",
        },
        {
                "policy-scalar",
                "policy: library\n",
                0, -EINVAL, 1, 9,
                "policy must be a mapping with the keys id and version (got \"library\")",
        },
        {
                "too-deep",
                "rules: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]\n",
                0, -EINVAL, 1, 23,
                "nesting is too deep (more than 16 levels); rule files need five at most",
        },
        {
                "long-value-quoted-back",
                RULE_HEAD
                "    severity: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                0, -EINVAL, 5, 15,
                /* 64 a's, then the cut. */
                "severity must be one of critical, high, medium, low (got "
                "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\")",
        },
};

static void test_error_case(void **state) {
        const ErrorCase *c = *state;
        _cleanup_(policy_freep) Policy *p = policy_new();
        PolicyError e;
        size_t size = c->size ?: strlen(c->text);
        int r;

        r = policy_parse_buffer(p, "t.yaml", c->text, size, &stub_checker, &e);
        if (r != c->r || e.line != c->line || e.column != c->column ||
            !streq(e.message, c->message))
                print_error("%s: got %d %u:%u \"%s\"\n", c->name, r, e.line, e.column, e.message);
        assert_int_equal(r, c->r);
        assert_string_equal(e.file, "t.yaml");
        assert_int_equal(e.line, c->line);
        assert_int_equal(e.column, c->column);
        assert_string_equal(e.message, c->message);
        assert_int_equal(p->n_rules, 0);
}

/* ---- directories ------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void rm_rf(const char *path) {
        assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void write_at(const char *dir, const char *name, const char *text) {
        char path[4096];

        snprintf(path, sizeof path, "%s/%s", dir, name);
        assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static void subdir(char *buf, size_t size, const char *top, const char *name) {
        snprintf(buf, size, "%s/%s", top, name);
        assert_int_equal(mkdir(buf, 0755), 0);
}

#define ONE_RULE(id)                                                            \
        "rules:\n"                                                              \
        "  - id: " id "\n"                                                      \
        "    title: { ja: テスト, en: Test }\n"                                 \
        "    clause: x\n"                                                       \
        "    severity: low\n"                                                   \
        "    check: demo.check\n"

static void test_load_override(void **state) {
        char top[] = "/tmp/test-policy-XXXXXX", usr[256], etc[256], missing[256], path[512];
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e;

        assert_non_null(mkdtemp(top));
        subdir(usr, sizeof usr, top, "usr");
        subdir(etc, sizeof etc, top, "etc");
        snprintf(missing, sizeof missing, "%s/missing", top);

        write_at(usr, "10-base.yaml", ONE_RULE("base.one"));
        write_at(usr, "20-over.yaml", ONE_RULE("over.old"));
        write_at(usr, "30-masked.yml", ONE_RULE("masked.one"));
        write_at(usr, "40-null.yaml", ONE_RULE("null.one"));
        write_at(usr, ".hidden.yaml", "this: [is not: valid\n");
        write_at(usr, "README", "not: [yaml\n");
        write_at(usr, "old.yaml.bak", "not: [yaml\n");
        snprintf(path, sizeof path, "%s/dir.yaml", usr);
        assert_int_equal(mkdir(path, 0755), 0);

        write_at(etc, "20-over.yaml", ONE_RULE("over.new"));
        write_at(etc, "30-masked.yml", "");
        snprintf(path, sizeof path, "%s/40-null.yaml", etc);
        assert_int_equal(symlink("/dev/null", path), 0);
        write_at(etc, "50-extra.yml", "policy: { id: lib, version: \"1\" }\n" ONE_RULE("extra.one"));
        write_at(etc, "60-empty.yaml", "");
        snprintf(path, sizeof path, "%s/70-dangling.yaml", etc);
        assert_int_equal(symlink("/nonexistent/x.yaml", path), 0);

        char *dirs[] = { usr, etc, missing, NULL };
        assert_int_equal(policy_load(dirs, &stub_checker, &p, &e), 0);
        assert_non_null(p);

        assert_int_equal(p->n_rules, 3);
        assert_string_equal(p->rules[0].id, "base.one");
        assert_string_equal(p->rules[1].id, "over.new");
        assert_string_equal(p->rules[2].id, "extra.one");
        assert_string_equal(p->id, "lib");
        assert_string_equal(p->version, "1");
        for (size_t i = 0; i < p->n_rules; i++)
                assert_abi(&p->rules[i]);

        assert_int_equal(strv_length(p->files), 3);
        snprintf(path, sizeof path, "%s/10-base.yaml", usr);
        assert_string_equal(p->files[0], path);
        assert_string_equal(p->rules[0].file, path);
        snprintf(path, sizeof path, "%s/20-over.yaml", etc);
        assert_string_equal(p->files[1], path);
        assert_string_equal(p->rules[1].file, path);
        snprintf(path, sizeof path, "%s/50-extra.yml", etc);
        assert_string_equal(p->files[2], path);
        assert_null(p->files[3]);
        assert_ptr_equal(policy_find_rule(p, "extra.one"), &p->rules[2]);
        assert_null(policy_find_rule(p, "masked.one"));

        rm_rf(top);
}

static void test_load_empty(void **state) {
        char top[] = "/tmp/test-policy-XXXXXX", missing[256];
        _cleanup_(policy_freep) Policy *p = NULL, *q = NULL;
        PolicyError e;

        assert_non_null(mkdtemp(top));
        snprintf(missing, sizeof missing, "%s/missing", top);

        char *dirs[] = { top, missing, NULL };
        assert_int_equal(policy_load(dirs, &stub_checker, &p, &e), 0);
        assert_int_equal(p->n_rules, 0);
        assert_non_null(p->files);
        assert_null(p->files[0]);

        char *none[] = { NULL };
        assert_int_equal(policy_load(none, NULL, &q, &e), 0);
        assert_int_equal(q->n_rules, 0);

        rm_rf(top);
}

static void test_load_duplicate_across_files(void **state) {
        char top[] = "/tmp/test-policy-XXXXXX", a[256], b[256], path[512];
        Policy *p = NULL;
        PolicyError e;
        char msg[1200];

        assert_non_null(mkdtemp(top));
        subdir(a, sizeof a, top, "a");
        subdir(b, sizeof b, top, "b");
        write_at(a, "10-a.yaml", ONE_RULE("same.id"));
        write_at(b, "20-b.yaml",
                 "# A comment first.\n"
                 ONE_RULE("other.id")
                 "  - id: same.id\n");

        char *dirs[] = { a, b, NULL };
        assert_int_equal(policy_load(dirs, &stub_checker, &p, &e), -EINVAL);
        assert_null(p);
        snprintf(path, sizeof path, "%s/20-b.yaml", b);
        assert_string_equal(e.file, path);
        assert_int_equal(e.line, 8);
        assert_int_equal(e.column, 9);
        snprintf(msg, sizeof msg,
                 "duplicate rule id \"same.id\" (first defined at %s/10-a.yaml:2:5); "
                 "rule ids must be unique across all rule files", a);
        assert_string_equal(e.message, msg);

        rm_rf(top);
}

static void test_load_two_policies(void **state) {
        char top[] = "/tmp/test-policy-XXXXXX", path[512];
        Policy *p = NULL;
        PolicyError e;
        char msg[1200];

        assert_non_null(mkdtemp(top));
        write_at(top, "a.yaml", "policy: { id: one }\n");
        write_at(top, "b.yaml", "rules: []\npolicy: { id: two }\n");

        char *dirs[] = { top, NULL };
        assert_int_equal(policy_load(dirs, NULL, &p, &e), -EINVAL);
        snprintf(path, sizeof path, "%s/b.yaml", top);
        assert_string_equal(e.file, path);
        assert_int_equal(e.line, 2);
        assert_int_equal(e.column, 1);
        snprintf(msg, sizeof msg,
                 "only one rule file may carry a policy mapping, and %s/a.yaml already does; keep one", top);
        assert_string_equal(e.message, msg);

        rm_rf(top);
}

static void test_load_errors(void **state) {
        char top[] = "/tmp/test-policy-XXXXXX", path[512];
        _cleanup_free_ char *big = NULL;
        Policy *p = NULL;
        PolicyError e;
        size_t limit = 1024 * 1024;

        assert_non_null(mkdtemp(top));

        /* Exactly 1 MiB of comments loads; one byte more does not. */
        big = malloc(limit + 2);
        assert_non_null(big);
        memset(big, ' ', limit + 1);
        big[0] = '#';
        big[limit - 1] = '\n';
        big[limit] = '\0';
        write_at(top, "big.yaml", big);
        {
                _cleanup_(policy_freep) Policy *q = NULL;
                char *dirs[] = { top, NULL };

                assert_int_equal(policy_load(dirs, NULL, &q, &e), 0);
                assert_int_equal(q->n_rules, 0);
                assert_int_equal(strv_length(q->files), 1);
        }
        big[limit] = '\n';
        big[limit + 1] = '\0';
        write_at(top, "big.yaml", big);
        {
                char *dirs[] = { top, NULL };

                assert_int_equal(policy_load(dirs, NULL, &p, &e), -EFBIG);
                assert_null(p);
                snprintf(path, sizeof path, "%s/big.yaml", top);
                assert_string_equal(e.file, path);
                assert_int_equal(e.line, 0);
                assert_string_equal(e.message, "file is larger than 1024 KiB; split it into several rule files");
        }

        /* A syntax error names the full path. */
        snprintf(path, sizeof path, "%s/big.yaml", top);
        assert_int_equal(unlink(path), 0);
        write_at(top, "bad.yaml", "rules:\n  - id: [\n");
        {
                char *dirs[] = { top, NULL };

                assert_int_equal(policy_load(dirs, NULL, &p, &e), -EBADMSG);
                snprintf(path, sizeof path, "%s/bad.yaml", top);
                assert_string_equal(e.file, path);
                assert_true(e.line > 0);
        }

        /* A "directory" that is a file cannot be read. */
        {
                char *dirs[] = { path, NULL };

                assert_int_equal(policy_load(dirs, NULL, &p, &e), -ENOTDIR);
                assert_string_equal(e.file, path);
                assert_int_equal(e.line, 0);
                assert_string_equal(e.message, "cannot open rule directory: Not a directory");
        }

        rm_rf(top);
}

int main(void) {
        static const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_severity),
                cmocka_unit_test(test_error_format),
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_empty_inputs),
                cmocka_unit_test(test_no_checker),
                cmocka_unit_test(test_all_or_nothing),
                cmocka_unit_test(test_load_override),
                cmocka_unit_test(test_load_empty),
                cmocka_unit_test(test_load_duplicate_across_files),
                cmocka_unit_test(test_load_two_policies),
                cmocka_unit_test(test_load_errors),
        };
        static struct CMUnitTest tests[ELEMENTSOF(fixed) + ELEMENTSOF(error_cases)];

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                tests[i] = fixed[i];
        for (size_t i = 0; i < ELEMENTSOF(error_cases); i++)
                tests[ELEMENTSOF(fixed) + i] = (struct CMUnitTest) {
                        .name = error_cases[i].name,
                        .test_func = test_error_case,
                        .initial_state = (void *) &error_cases[i],
                };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
