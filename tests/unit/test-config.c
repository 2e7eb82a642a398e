/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "config.h"
#include "util.h"

#define SEC UINT64_C(1000000)

/* The compiled-in defaults as mamori.conf(5) documents them, written out by
 * hand rather than taken from config_init(). */
static const char *const default_rules_dirs[] = {
        "/usr/share/mamori/rules", "/etc/mamori/rules.d", NULL,
};

static void assert_strv(char *const *l, const char *const *expected) {
        size_t i;

        assert_non_null(l);
        for (i = 0; expected[i]; i++) {
                assert_non_null(l[i]);
                assert_string_equal(l[i], expected[i]);
        }
        assert_null(l[i]);
}

static void assert_defaults(const Config *c) {
        assert_null(c->terminal);
        assert_string_equal(c->state_dir, "/var/lib/mamori");
        assert_string_equal(c->report_file, "/var/lib/mamori/report.json");
        assert_string_equal(c->plugin_dir, "/usr/lib/mamori/plugins");
        assert_strv(c->rules_dirs, default_rules_dirs);
        assert_int_equal(c->default_interval_usec, 3600 * SEC);
        assert_int_equal(c->log_level, 6);
        assert_string_equal(c->usb_rules, "/etc/mamori/usb.rules");
}

static int parse_n(Config *c, const char *text, size_t size, ConfigError *e) {
        return config_parse_buffer(c, "test.conf", text, size, e);
}

static int parse(Config *c, const char *text, ConfigError *e) {
        return parse_n(c, text, strlen(text), e);
}

/* Parse text over fresh defaults and expect success. */
static void parse_ok(Config *c, const char *text) {
        ConfigError e = {};
        int r;

        assert_int_equal(config_init(c), 0);
        r = parse(c, text, &e);
        if (r < 0)
                fail_msg("unexpected error %d at %s:%u: %s", r, e.file, e.line, e.message);
}

static void test_defaults(void **state) {
        Config c;

        assert_int_equal(config_init(&c), 0);
        assert_defaults(&c);
        config_done(&c);
        /* Done twice and on a zeroed struct: both harmless. */
        config_done(&c);
        assert_null(c.state_dir);
        assert_null(c.rules_dirs);
        config_done(NULL);
}

static void test_empty_file(void **state) {
        Config c;

        parse_ok(&c, "");
        assert_defaults(&c);
        config_done(&c);

        parse_ok(&c, "\n\n# nothing here\n[Agent]\n[USB]\n");
        assert_defaults(&c);
        config_done(&c);
}

static void test_every_key(void **state) {
        static const char *const dirs[] = {
                "/usr/share/mamori/rules", "/etc/mamori/rules.d", "/opt/rules", NULL,
        };
        Config c;

        parse_ok(&c,
                 "[Agent]\n"
                 "Terminal=lib-south-07\n"
                 "StateDirectory=/srv/mamori\n"
                 "ReportFile=/srv/mamori/out.json\n"
                 "PluginDirectory=/opt/mamori/plugins\n"
                 "RulesDirectory=/opt/rules\n"
                 "DefaultInterval=15min\n"
                 "LogLevel=debug\n"
                 "[USB]\n"
                 "RuleFile=/srv/usb.rules\n");
        assert_string_equal(c.terminal, "lib-south-07");
        assert_string_equal(c.state_dir, "/srv/mamori");
        assert_string_equal(c.report_file, "/srv/mamori/out.json");
        assert_string_equal(c.plugin_dir, "/opt/mamori/plugins");
        assert_strv(c.rules_dirs, dirs);
        assert_int_equal(c.default_interval_usec, 15 * 60 * SEC);
        assert_int_equal(c.log_level, 7);
        assert_string_equal(c.usb_rules, "/srv/usb.rules");
        config_done(&c);
}

static void test_comments_and_whitespace(void **state) {
        Config c;

        parse_ok(&c,
                 "\xef\xbb\xbf# comment after a byte order mark\r\n"
                 "; another comment\r\n"
                 "   # indented comment\r\n"
                 "\t; indented with a tab\r\n"
                 "\r\n"
                 "   \t \r\n"
                 "  [Agent]  \r\n"
                 "\tStateDirectory \t=\t /srv/a \r\n"
                 "Terminal = lib#7;x=y\r\n"
                 "LogLevel=3\r\n");
        assert_string_equal(c.state_dir, "/srv/a");
        /* '#', ';' and '=' inside a value are part of it. */
        assert_string_equal(c.terminal, "lib#7;x=y");
        assert_int_equal(c.log_level, 3);
        config_done(&c);

        /* No newline at the end of the file. */
        parse_ok(&c, "[Agent]\nLogLevel=notice");
        assert_int_equal(c.log_level, 5);
        config_done(&c);
}

static void test_continuation(void **state) {
        static const char *const dirs[] = {
                "/usr/share/mamori/rules", "/etc/mamori/rules.d", "/a", "/b", "/c", NULL,
        };
        Config c;

        parse_ok(&c,
                 "[Agent]\n"
                 "RulesDirectory=/a \\\n"
                 "    /b \\\n"
                 "# a comment inside a continuation is skipped\n"
                 "; and so is this one\n"
                 "    /c\n"
                 "LogLevel=debug\n");
        assert_strv(c.rules_dirs, dirs);
        assert_int_equal(c.log_level, 7);
        config_done(&c);

        /* The backslash becomes a space; blanks after it are ignored. */
        parse_ok(&c, "[Agent]\nTerminal=ab \\  \n cd\n");
        assert_string_equal(c.terminal, "ab   cd");
        config_done(&c);

        /* A backslash on the last line: the value ends with the file. */
        parse_ok(&c, "[Agent]\nTerminal=abc\\");
        assert_string_equal(c.terminal, "abc");
        config_done(&c);

        /* "\\" at the end is an escaped backslash: no continuation. */
        parse_ok(&c, "[Agent]\nTerminal=a\\\\\nLogLevel=debug\n");
        assert_string_equal(c.terminal, "a\\\\");
        assert_int_equal(c.log_level, 7);
        config_done(&c);

        /* "\\\" is an escaped backslash and a continuation. */
        parse_ok(&c, "[Agent]\nTerminal=a\\\\\\\nb\n");
        assert_string_equal(c.terminal, "a\\\\ b");
        config_done(&c);

        /* A comment line never continues. */
        parse_ok(&c, "# comment \\\n[Agent]\nLogLevel=alert\n");
        assert_int_equal(c.log_level, 1);
        config_done(&c);

        /* A blank line ends a continuation. */
        parse_ok(&c, "[Agent]\nTerminal=a \\\n\nLogLevel=debug\n");
        assert_string_equal(c.terminal, "a");
        assert_int_equal(c.log_level, 7);
        config_done(&c);
}

static void test_quoting(void **state) {
        static const char *const dirs[] = {
                "/usr/share/mamori/rules", "/etc/mamori/rules.d", "/srv/my rules", "/etc/x",
                "/q\"uote", NULL,
        };
        Config c;

        parse_ok(&c,
                 "[Agent]\n"
                 "Terminal=\"  南館 07  \"\n"
                 "StateDirectory=\"/var/lib/with space\"\n"
                 "RulesDirectory=\"/srv/my rules\"   /etc/x \"/q\\\"uote\"\n"
                 "ReportFile=\"\"\n");
        assert_string_equal(c.terminal, "  南館 07  ");
        assert_string_equal(c.state_dir, "/var/lib/with space");
        assert_strv(c.rules_dirs, dirs);
        assert_string_equal(c.report_file, "");
        config_done(&c);

        /* Escapes inside quotes; a backslash before anything else stays. */
        parse_ok(&c, "[Agent]\nTerminal=\"say \\\"hi\\\" \\\\ and \\n\"\n");
        assert_string_equal(c.terminal, "say \"hi\" \\ and \\n");
        config_done(&c);

        /* Quotes that do not enclose the whole value are literal. */
        parse_ok(&c, "[Agent]\nTerminal=lib \"south\"\n");
        assert_string_equal(c.terminal, "lib \"south\"");
        config_done(&c);

        /* Quoted values of the other kinds. */
        parse_ok(&c, "[Agent]\nLogLevel=\"warning\"\nDefaultInterval=\"2d\"\n"
                     "[USB]\nRuleFile=\"/etc/usb rules\"\n");
        assert_int_equal(c.log_level, 4);
        assert_int_equal(c.default_interval_usec, 2 * 86400 * SEC);
        assert_string_equal(c.usb_rules, "/etc/usb rules");
        config_done(&c);
}

static void test_empty_values(void **state) {
        Config c;

        /* An empty ReportFile= disables the report file; an empty
         * Terminal= goes back to the host name. */
        parse_ok(&c, "[Agent]\nReportFile=\nTerminal=x\nTerminal=\n");
        assert_string_equal(c.report_file, "");
        assert_null(c.terminal);
        config_done(&c);
}

static void test_last_wins(void **state) {
        Config c;

        parse_ok(&c,
                 "[Agent]\n"
                 "LogLevel=debug\n"
                 "StateDirectory=/one\n"
                 "Terminal=first\n"
                 "[USB]\n"
                 "RuleFile=/u1\n"
                 "[Agent]\n"
                 "LogLevel=err\n"
                 "StateDirectory=/two\n"
                 "Terminal=second\n"
                 "DefaultInterval=1d\n"
                 "DefaultInterval=90\n"
                 "[USB]\n"
                 "RuleFile=/u2\n");
        assert_int_equal(c.log_level, 3);
        assert_string_equal(c.state_dir, "/two");
        assert_string_equal(c.terminal, "second");
        assert_int_equal(c.default_interval_usec, 90 * SEC);
        assert_string_equal(c.usb_rules, "/u2");
        config_done(&c);
}

static void test_rules_directory_list(void **state) {
        static const char *const appended[] = {
                "/usr/share/mamori/rules", "/etc/mamori/rules.d", "/a", "/b", "/c", NULL,
        };
        static const char *const reset[] = { "/c", "/d", NULL };
        static const char *const none[] = { NULL };
        static const char *const tidy[] = { "/a/b", "/", NULL };
        Config c;

        parse_ok(&c, "[Agent]\nRulesDirectory=/a\nRulesDirectory=/b /c\n");
        assert_strv(c.rules_dirs, appended);
        config_done(&c);

        parse_ok(&c, "[Agent]\nRulesDirectory=/a\nRulesDirectory=\nRulesDirectory=/c\n"
                     "RulesDirectory=/d\n");
        assert_strv(c.rules_dirs, reset);
        config_done(&c);

        /* Reset alone: an empty list, not a NULL pointer. */
        parse_ok(&c, "[Agent]\nRulesDirectory=\n");
        assert_strv(c.rules_dirs, none);
        config_done(&c);

        /* A directory already listed is not added twice, so the shipped
         * default line can be uncommented as is. */
        parse_ok(&c, "[Agent]\nRulesDirectory=/usr/share/mamori/rules /etc/mamori/rules.d\n"
                     "RulesDirectory=/etc/mamori/rules.d/\n");
        assert_strv(c.rules_dirs, default_rules_dirs);
        config_done(&c);

        /* Spellings of one path are made one. */
        parse_ok(&c, "[Agent]\nRulesDirectory=\nRulesDirectory=//a//b/ /a/b ///\n");
        assert_strv(c.rules_dirs, tidy);
        config_done(&c);
}

static void test_paths_tidied(void **state) {
        Config c;

        parse_ok(&c, "[Agent]\nStateDirectory=//srv//mamori/\nPluginDirectory=/\n"
                     "ReportFile=/srv//r.json\n");
        assert_string_equal(c.state_dir, "/srv/mamori");
        assert_string_equal(c.plugin_dir, "/");
        assert_string_equal(c.report_file, "/srv/r.json");
        config_done(&c);
}

static void test_log_levels(void **state) {
        static const struct {
                const char *value;
                int level;
        } cases[] = {
                { "emerg", 0 }, { "alert", 1 }, { "crit", 2 },    { "err", 3 },
                { "error", 3 }, { "warning", 4 }, { "notice", 5 }, { "info", 6 },
                { "debug", 7 }, { "0", 0 },     { "5", 5 },        { "7", 7 },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char text[64];
                Config c;

                snprintf(text, sizeof text, "[Agent]\nLogLevel=%s\n", cases[i].value);
                parse_ok(&c, text);
                assert_int_equal(c.log_level, cases[i].level);
                config_done(&c);
        }
}

static void test_intervals(void **state) {
        static const struct {
                const char *value;
                uint64_t usec;
        } cases[] = {
                { "1", 1 * SEC },
                { "90", 90 * SEC },
                { "45s", 45 * SEC },
                { "10m", 600 * SEC },
                { "15min", 900 * SEC },
                { "1h30m", 5400 * SEC },
                { "2d", 2 * 86400 * SEC },
                { "1w", 7 * 86400 * SEC },
                { "365d", 365 * 86400 * SEC },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char text[64];
                Config c;

                snprintf(text, sizeof text, "[Agent]\nDefaultInterval=%s\n", cases[i].value);
                parse_ok(&c, text);
                assert_int_equal(c.default_interval_usec, cases[i].usec);
                config_done(&c);
        }
}

typedef struct ErrorCase {
        const char *text;
        size_t size;            /* 0: strlen(text) */
        int r;
        unsigned line;
        const char *message;
} ErrorCase;

static const ErrorCase error_cases[] = {
        { "[Agent]\n# comment\nStateDirectory=var/lib\n", 0, -EINVAL, 3,
          "StateDirectory= must be an absolute path (got \"var/lib\")" },
        { "[Agent]\nStateDirectory=\n", 0, -EINVAL, 2,
          "StateDirectory= must be an absolute path (got \"\")" },
        { "[Agent]\n\nReportFile=report.json\n", 0, -EINVAL, 3,
          "ReportFile= must be an absolute path (got \"report.json\")" },
        { "[Agent]\nPluginDirectory=./plugins\n", 0, -EINVAL, 2,
          "PluginDirectory= must be an absolute path (got \"./plugins\")" },
        { "[Agent]\nRulesDirectory=/ok rules.d\n", 0, -EINVAL, 2,
          "RulesDirectory= entries must be absolute paths (got \"rules.d\")" },
        { "[Agent]\nRulesDirectory=\"\"\n", 0, -EINVAL, 2,
          "RulesDirectory= entries must be absolute paths (got \"\")" },
        { "[Agent]\n[USB]\nRuleFile=usb.rules\n", 0, -EINVAL, 3,
          "RuleFile= must be an absolute path (got \"usb.rules\")" },
        { "# c\n[Agnet]\n", 0, -EINVAL, 2,
          "unknown section [Agnet]; known sections: [Agent], [USB]" },
        { "[agent]\n", 0, -EINVAL, 1, "unknown section [agent]; did you mean [Agent]?" },
        { "[ USB ]\n", 0, -EINVAL, 1, "unknown section [ USB ]; did you mean [USB]?" },
        { "\n\n[]\n", 0, -EINVAL, 3, "empty section header \"[]\"; use [Agent], [USB]" },
        { "[Agent\n", 0, -EINVAL, 1,
          "section header must end with ']' (got \"[Agent\"); known sections: [Agent], [USB]" },
        { "[Agent]\n\n\nFoo=1\n", 0, -EINVAL, 4,
          "unknown key \"Foo\" in [Agent]; known keys: Terminal, StateDirectory, ReportFile, "
          "PluginDirectory, RulesDirectory, DefaultInterval, LogLevel" },
        { "[USB]\nFoo=1\n", 0, -EINVAL, 2, "unknown key \"Foo\" in [USB]; known keys: RuleFile" },
        { "[Agent]\nstatedirectory=/x\n", 0, -EINVAL, 2,
          "unknown key \"statedirectory\" in [Agent]; did you mean \"StateDirectory\"? "
          "Keys are case-sensitive" },
        { "[Agent]\nRuleFile=/x\n", 0, -EINVAL, 2,
          "RuleFile= belongs in section [USB], not [Agent]; move it under a [USB] header" },
        { "[Agent]\nrulefile=/x\n", 0, -EINVAL, 2,
          "unknown key \"rulefile\" in [Agent]; did you mean \"RuleFile\" in [USB]?" },
        { "# c\nLogLevel=debug\n", 0, -EINVAL, 2,
          "LogLevel= comes before any section header; put [Agent] on a line above it" },
        { "RuleFile=/x\n", 0, -EINVAL, 1,
          "RuleFile= comes before any section header; put [USB] on a line above it" },
        { "Foo=1\n", 0, -EINVAL, 1,
          "key \"Foo\" comes before any section header; start the file with [Agent]" },
        { "[Agent]\n\nLogLevel debug\n", 0, -EINVAL, 3,
          "expected Key=value, a [Section] header or a comment (got \"LogLevel debug\")" },
        { "just text\n", 0, -EINVAL, 1,
          "expected Key=value, a [Section] header or a comment (got \"just text\")" },
        { "[Agent]\n = x\n", 0, -EINVAL, 2, "nothing before '='; write the setting as Key=value" },
        { "[Agent]\nDefaultInterval=1 hour\n", 0, -EINVAL, 2,
          "DefaultInterval= must be a duration such as 30min, 1h or 1d (got \"1 hour\")" },
        { "[Agent]\nDefaultInterval=\n", 0, -EINVAL, 2,
          "DefaultInterval= must be a duration such as 30min, 1h or 1d (got \"\")" },
        { "[Agent]\nDefaultInterval=0\n", 0, -EINVAL, 2,
          "DefaultInterval= must be between 1s and 365d (got \"0\")" },
        { "[Agent]\nDefaultInterval=500ms\n", 0, -EINVAL, 2,
          "DefaultInterval= must be between 1s and 365d (got \"500ms\")" },
        { "[Agent]\nDefaultInterval=366d\n", 0, -EINVAL, 2,
          "DefaultInterval= must be between 1s and 365d (got \"366d\")" },
        { "[Agent]\nDefaultInterval=99999999999999999999\n", 0, -EINVAL, 2,
          "DefaultInterval= must be a duration such as 30min, 1h or 1d "
          "(got \"99999999999999999999\")" },
        { "[Agent]\nLogLevel=verbose\n", 0, -EINVAL, 2,
          "LogLevel= must be one of emerg, alert, crit, err, warning, notice, info, debug or "
          "0-7 (got \"verbose\")" },
        { "[Agent]\nLogLevel=8\n", 0, -EINVAL, 2,
          "LogLevel= must be one of emerg, alert, crit, err, warning, notice, info, debug or "
          "0-7 (got \"8\")" },
        { "[Agent]\nLogLevel=INFO\n", 0, -EINVAL, 2,
          "LogLevel= must be one of emerg, alert, crit, err, warning, notice, info, debug or "
          "0-7 (got \"INFO\")" },
        { "[Agent]\nLogLevel=in\0fo\n", 20, -EINVAL, 2,
          "line contains a NUL byte; save the file as plain UTF-8 text" },
        { "\0", 1, -EINVAL, 1, "line contains a NUL byte; save the file as plain UTF-8 text" },
        { "[Agent]\nTerminal=a\x1b[31m\n", 0, -EINVAL, 2,
          "line contains the control character 0x1b; remove it" },
        { "[Agent]\nTerminal=a\rb\n", 0, -EINVAL, 2,
          "line contains the control character 0x0d; remove it" },
        { "[Agent]\nTerminal=\"lib\n", 0, -EINVAL, 2,
          "Terminal= has a quote that is never closed; add the closing \"" },
        { "[Agent]\nTerminal=\"a\" b\n", 0, -EINVAL, 2,
          "Terminal= takes one value, but there is text after the closing quote; "
          "quote the whole value" },
        { "[Agent]\nRulesDirectory=\"/a\"b\n", 0, -EINVAL, 2,
          "RulesDirectory= has text right after a closing quote; put a space after the quote "
          "or move the text inside it" },
        { "[Agent]\nTerminal=a\tb\n", 0, -EINVAL, 2,
          "Terminal= must not contain tabs or control characters (got \"a?b\")" },
        { "[Agent]\nTerminal=\xff\xfe\n", 0, -EINVAL, 2,
          "Terminal= is not valid UTF-8; save the file as UTF-8" },
        { "[Agent]\nTerminal=\xe5\x8d\n", 0, -EINVAL, 2,
          "Terminal= is not valid UTF-8; save the file as UTF-8" },
        { "[Agent]\nFoo\xff=1\n", 0, -EINVAL, 2,
          "unknown key \"Foo?\" in [Agent]; known keys: Terminal, StateDirectory, ReportFile, "
          "PluginDirectory, RulesDirectory, DefaultInterval, LogLevel" },
        /* An error in a continued setting names the line where it starts. */
        { "[Agent]\nLogLevel=\\\n# skipped\n  loud\n", 0, -EINVAL, 2,
          "LogLevel= must be one of emerg, alert, crit, err, warning, notice, info, debug or "
          "0-7 (got \"loud\")" },
        /* An error after a good continued setting counts every physical line. */
        { "[Agent]\nRulesDirectory=/a \\\n /b \\\n /c\nLogLevel=x\n", 0, -EINVAL, 5,
          "LogLevel= must be one of emerg, alert, crit, err, warning, notice, info, debug or "
          "0-7 (got \"x\")" },
        /* A bad value is quoted back cut short. */
        { "[Agent]\nStateDirectory=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
          0, -EINVAL, 2,
          "StateDirectory= must be an absolute path (got "
          "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\")" },
};

static void test_errors(void **state) {
        for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
                const ErrorCase *t = &error_cases[i];
                size_t size = t->size ? t->size : strlen(t->text);
                ConfigError e = {};
                Config c;
                int r;

                assert_int_equal(config_init(&c), 0);
                r = parse_n(&c, t->text, size, &e);
                if (r != t->r || e.line != t->line || !streq(e.message, t->message))
                        fail_msg("case %zu: got %d line %u \"%s\", expected %d line %u \"%s\"", i, r,
                                 e.line, e.message, t->r, t->line, t->message);
                assert_string_equal(e.file, "test.conf");
                /* A failed parse leaves the settings as they were. */
                assert_defaults(&c);
                config_done(&c);
        }
}

static void test_error_keeps_previous(void **state) {
        ConfigError e = {};
        Config c;

        parse_ok(&c, "[Agent]\nLogLevel=debug\nRulesDirectory=\nRulesDirectory=/x\n");
        assert_int_equal(parse(&c, "[Agent]\nLogLevel=err\nRulesDirectory=/y\nStateDirectory=rel\n",
                               &e),
                         -EINVAL);
        assert_int_equal(e.line, 4);
        assert_int_equal(c.log_level, 7);
        assert_string_equal(c.rules_dirs[0], "/x");
        assert_null(c.rules_dirs[1]);
        assert_string_equal(c.state_dir, "/var/lib/mamori");

        /* A second good file goes over the first: appends to its list. */
        assert_int_equal(parse(&c, "[Agent]\nRulesDirectory=/y\n", &e), 0);
        assert_string_equal(c.rules_dirs[0], "/x");
        assert_string_equal(c.rules_dirs[1], "/y");
        assert_null(c.rules_dirs[2]);
        assert_int_equal(c.log_level, 7);
        config_done(&c);

        /* reterr may be NULL; the name too. */
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_parse_buffer(&c, NULL, "x", 1, NULL), -EINVAL);
        assert_int_equal(config_parse_buffer(&c, NULL, "[x]", 3, &e), -EINVAL);
        assert_string_equal(e.file, "(config)");
        config_done(&c);
}

static char *repeat(char ch, size_t n) {
        char *s = malloc(n + 1);

        assert_non_null(s);
        memset(s, ch, n);
        s[n] = '\0';
        return s;
}

static void test_line_limit(void **state) {
        _cleanup_free_ char *ok = NULL, *bad = NULL, *cont = NULL, *a = NULL, *b = NULL;
        ConfigError e = {};
        Config c;
        size_t len;

        /* A terminal name of 255 bytes is the longest allowed. */
        a = repeat('t', 255);
        assert_true(asprintf(&ok, "[Agent]\nTerminal=%s\n", a) > 0);
        parse_ok(&c, ok);
        assert_int_equal(strlen(c.terminal), 255);
        config_done(&c);
        free(ok);
        free(a);

        a = repeat('t', 256);
        assert_true(asprintf(&ok, "[Agent]\nTerminal=%s\n", a) > 0);
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(parse(&c, ok, &e), -EINVAL);
        assert_int_equal(e.line, 2);
        assert_non_null(strstr(e.message, "Terminal= is longer than 255 bytes; use a shorter name"));
        config_done(&c);
        free(ok);
        free(a);

        /* A comment of exactly 4096 bytes is fine, 4097 is not. */
        a = repeat('#', 4096);
        b = repeat('#', 4097);
        assert_true(asprintf(&ok, "[Agent]\n%s\nLogLevel=debug\n", a) > 0);
        parse_ok(&c, ok);
        assert_int_equal(c.log_level, 7);
        config_done(&c);

        assert_true(asprintf(&bad, "[Agent]\n\n%s\n", b) > 0);
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(parse(&c, bad, &e), -EINVAL);
        assert_int_equal(e.line, 3);
        assert_string_equal(e.message, "line is 4097 bytes long, over the 4096 byte limit; shorten it");
        config_done(&c);

        /* Continued lines are bounded as a whole: 4 lines of 1100 bytes. */
        free(a);
        a = repeat('/', 1100);
        len = (size_t) asprintf(&cont, "[Agent]\nRulesDirectory=\\\n%s \\\n%s \\\n%s \\\n%s\n", a, a,
                                a, a);
        assert_true(len > 4400);
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(parse(&c, cont, &e), -EINVAL);
        assert_int_equal(e.line, 2);
        assert_string_equal(e.message, "line continued with '\\' grows past 4096 bytes; shorten it");
        config_done(&c);
}

static void test_file_limit(void **state) {
        _cleanup_free_ char *buf = NULL;
        ConfigError e = {};
        Config c;

        /* 64 lines of 1023 '#' and a newline: exactly 65536 bytes. */
        buf = malloc(65537);
        assert_non_null(buf);
        for (size_t i = 0; i < 64; i++) {
                memset(buf + i * 1024, '#', 1023);
                buf[i * 1024 + 1023] = '\n';
        }
        parse_ok(&c, "");
        assert_int_equal(parse_n(&c, buf, 65536, &e), 0);
        assert_defaults(&c);

        buf[65536] = '\n';
        assert_int_equal(parse_n(&c, buf, 65537, &e), -EFBIG);
        assert_int_equal(e.line, 0);
        assert_string_equal(e.message,
                            "file is 65537 bytes, over the 65536 byte limit; check that this is the right file");
        config_done(&c);
}

/* --- config_load and the shipped file ---------------------------------- */

static char *tmpdir;

static int setup_tmpdir(void **state) {
        char t[] = "/tmp/test-config-XXXXXX";

        if (!mkdtemp(t))
                return -1;
        tmpdir = strdup(t);
        return tmpdir ? 0 : -1;
}

static int teardown_tmpdir(void **state) {
        _cleanup_free_ char *cmd = NULL;

        if (!tmpdir)
                return 0;
        if (asprintf(&cmd, "rm -rf '%s'", tmpdir) < 0 || system(cmd) != 0)
                return -1;
        free(tmpdir);
        tmpdir = NULL;
        return 0;
}

static char *write_tmp(const char *name, const void *data, size_t size, mode_t mode) {
        char *path;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

static void test_load_missing(void **state) {
        _cleanup_free_ char *path = NULL;
        ConfigError e = {};
        Config c;

        assert_true(asprintf(&path, "%s/none.conf", tmpdir) > 0);
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load(&c, path, true, &e), 0);
        assert_defaults(&c);
        assert_int_equal(config_load(&c, path, false, &e), -ENOENT);
        assert_string_equal(e.file, path);
        assert_int_equal(e.line, 0);
        assert_string_equal(e.message,
                            "file does not exist; create it (see mamori.conf(5)) or give another path");
        assert_defaults(&c);
        config_done(&c);
}

static void test_load_file(void **state) {
        static const char text[] = "[Agent]\nTerminal=lib-north-03\n\n[USB]\nRuleFile=relative\n";
        _cleanup_free_ char *good = NULL, *bad = NULL;
        ConfigError e = {};
        Config c;

        good = write_tmp("good.conf", text, 30, 0644);
        bad = write_tmp("bad.conf", text, sizeof text - 1, 0600);
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load(&c, good, false, &e), 0);
        assert_string_equal(c.terminal, "lib-north-03");

        assert_int_equal(config_load(&c, bad, false, &e), -EINVAL);
        assert_string_equal(e.file, bad);
        assert_int_equal(e.line, 5);
        assert_string_equal(e.message, "RuleFile= must be an absolute path (got \"relative\")");
        assert_string_equal(c.terminal, "lib-north-03");
        config_done(&c);
}

static void test_load_refused(void **state) {
        _cleanup_free_ char *writable = NULL, *big = NULL, *data = NULL;
        ConfigError e = {};
        Config c;

        /* Whoever can write the file decides where root writes. */
        writable = write_tmp("writable.conf", "[Agent]\n", 8, 0666);
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load(&c, writable, false, &e), -EPERM);
        assert_string_equal(e.message,
                            "is writable by group or others (mode 0666); run chmod go-w on it");
        assert_int_equal(chmod(writable, 0602), 0);
        assert_int_equal(config_load(&c, writable, false, &e), -EPERM);
        assert_string_equal(e.message,
                            "is writable by group or others (mode 0602); run chmod go-w on it");
        /* Group-writable with the caller's own group (umask 002): fine. */
        assert_int_equal(chmod(writable, 0620), 0);
        assert_int_equal(config_load(&c, writable, false, &e), 0);
        assert_int_equal(chmod(writable, 0640), 0);
        assert_int_equal(config_load(&c, writable, false, &e), 0);

        /* Another group, another owner: only root can make such files. */
        if (geteuid() == 0) {
                assert_int_equal(chown(writable, 0, 65534), 0);
                assert_int_equal(config_load(&c, writable, false, &e), 0);
                assert_int_equal(chmod(writable, 0660), 0);
                assert_int_equal(config_load(&c, writable, false, &e), -EPERM);
                assert_string_equal(e.message,
                                    "is writable by group or others (mode 0660); run chmod go-w on it");
                assert_int_equal(chmod(writable, 0644), 0);
                assert_int_equal(chown(writable, 65534, 65534), 0);
                assert_int_equal(config_load(&c, writable, false, &e), -EPERM);
                assert_string_equal(e.message, "is owned by uid 65534, not root; run chown root: on it");
        }

        assert_int_equal(config_load(&c, tmpdir, false, &e), -EISDIR);
        assert_string_equal(e.file, tmpdir);

        data = repeat('\n', 65537);
        big = write_tmp("big.conf", data, 65537, 0644);
        assert_int_equal(config_load(&c, big, false, &e), -EFBIG);
        assert_int_equal(e.line, 0);
        assert_defaults(&c);
        config_done(&c);

        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load(&c, "/dev/null", false, &e), -EBADFD);
        config_done(&c);
}

static char *read_shipped(void) {
        const char *srcdir = getenv("MAMORI_TEST_SRCDIR");
        _cleanup_free_ char *path = NULL;
        char *buf;
        size_t n;
        FILE *f;

        assert_true(asprintf(&path, "%s/packaging/mamori.conf", srcdir ? srcdir : ".") > 0);
        f = fopen(path, "re");
        if (!f)
                fail_msg("cannot open %s: %s", path, strerror(errno));
        buf = calloc(1, 65537);
        assert_non_null(buf);
        n = fread(buf, 1, 65536, f);
        assert_true(n > 0 && n < 65536);
        fclose(f);
        return buf;
}

static void test_shipped_file(void **state) {
        static const char *const lines[] = {
                "[Agent]\n",
                "\n#Terminal=\n",
                "\n#StateDirectory=/var/lib/mamori\n",
                "\n#ReportFile=/var/lib/mamori/report.json\n",
                "\n#PluginDirectory=/usr/lib/mamori/plugins\n",
                "\n#RulesDirectory=/usr/share/mamori/rules /etc/mamori/rules.d\n",
                "\n#DefaultInterval=1h\n",
                "\n#LogLevel=info\n",
                "[USB]\n",
                "\n#RuleFile=/etc/mamori/usb.rules\n",
        };
        _cleanup_free_ char *text = read_shipped();
        ConfigError e = {};
        const char *at = text;
        char *p;
        Config c;

        /* Every key is there, commented out, in its section. */
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
                const char *hit = strstr(at, lines[i]);

                if (!hit)
                        fail_msg("packaging/mamori.conf: missing or misplaced \"%s\"", lines[i]);
                at = hit + 1;
        }

        assert_int_equal(config_init(&c), 0);
        if (parse(&c, text, &e) < 0)
                fail_msg("%s:%u: %s", e.file, e.line, e.message);
        assert_defaults(&c);
        config_done(&c);

        /* Uncommenting every setting must change nothing: the commented
         * values are the defaults. */
        for (p = text; (p = strstr(p, "\n#")); p++)
                if (p[2] >= 'A' && p[2] <= 'Z')
                        p[1] = ' ';
        assert_int_equal(config_init(&c), 0);
        if (parse(&c, text, &e) < 0)
                fail_msg("uncommented: %s:%u: %s", e.file, e.line, e.message);
        assert_defaults(&c);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_empty_file),
                cmocka_unit_test(test_every_key),
                cmocka_unit_test(test_comments_and_whitespace),
                cmocka_unit_test(test_continuation),
                cmocka_unit_test(test_quoting),
                cmocka_unit_test(test_empty_values),
                cmocka_unit_test(test_last_wins),
                cmocka_unit_test(test_rules_directory_list),
                cmocka_unit_test(test_paths_tidied),
                cmocka_unit_test(test_log_levels),
                cmocka_unit_test(test_intervals),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_error_keeps_previous),
                cmocka_unit_test(test_line_limit),
                cmocka_unit_test(test_file_limit),
                cmocka_unit_test_setup_teardown(test_load_missing, setup_tmpdir, teardown_tmpdir),
                cmocka_unit_test_setup_teardown(test_load_file, setup_tmpdir, teardown_tmpdir),
                cmocka_unit_test_setup_teardown(test_load_refused, setup_tmpdir, teardown_tmpdir),
                cmocka_unit_test(test_shipped_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
