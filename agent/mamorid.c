/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamorid: the agent. Loads the policy, runs the checks, enforces, keeps
 * state and serves the report. See mamorid(8). */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>

#include "bus.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "plugin_host.h"
#include "policy.h"
#include "score.h"
#include "util.h"

/* Exit codes, documented in mamorid(8). */
enum {
        EXIT_OK = 0,
        EXIT_RUNTIME = 1,
        EXIT_USAGE = 2,
        EXIT_POLICY = 3,
};

typedef struct Args {
        const char *root;
        char **rules_dirs;
        size_t n_rules_dirs;
        const char *state_dir;
        const char *plugin_dir;
        const char *report_file;
        const char *config_file;
        const char *bus_address;
        const char *terminal;
        const char *usb_rules;
        int log_level;
        bool foreground, once, check_rules, no_bus;
} Args;

static void help(void) {
        printf("Usage: mamorid [OPTIONS]\n"
               "The mamori agent: enforces the terminal security policy and scores compliance.\n\n"
               "  --root DIR        read and write every system path under DIR (default /)\n"
               "  --rules DIR       rule directory; repeatable, later ones override earlier\n"
               "                    ones file by file (default: from mamori.conf)\n"
               "  --state DIR       state database directory (default /var/lib/mamori)\n"
               "  --plugins DIR     plugin directory (default /usr/lib/mamori/plugins)\n"
               "  --report FILE     write the JSON report there (default from mamori.conf)\n"
               "  --config FILE     the agent's settings (default " CONFIG_DEFAULT_PATH ")\n"
               "  --terminal NAME   the name in the report (default: the host name)\n"
               "  --bus ADDRESS     serve D-Bus on ADDRESS instead of the system bus\n"
               "  --no-bus          do not serve D-Bus\n"
               "  --foreground      log to stderr instead of the journal\n"
               "  --once            evaluate every rule once, write the report, exit\n"
               "  --check-rules     validate the configuration and rule files, exit\n"
               "  --usb-rules FILE  with --check-rules: validate only this USB rule file\n"
               "  --log-level LVL   err, warning, notice, info or debug\n"
               "  --version         print the version\n");
}

static int parse_level(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning",
                                             "notice", "info", "debug" };
        for (int i = 0; i < (int) ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return i;
        if (streq(s, "error"))
                return LOG_ERR;
        return -EINVAL;
}

static int parse_args(int argc, char **argv, Args *a) {
        enum { ARG_ROOT = 0x100, ARG_RULES, ARG_STATE, ARG_PLUGINS, ARG_REPORT, ARG_CONFIG,
               ARG_TERMINAL, ARG_BUS, ARG_NO_BUS, ARG_FOREGROUND, ARG_ONCE, ARG_CHECK_RULES,
               ARG_LOG_LEVEL, ARG_VERSION, ARG_USB_RULES };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "rules", required_argument, NULL, ARG_RULES },
                { "state", required_argument, NULL, ARG_STATE },
                { "plugins", required_argument, NULL, ARG_PLUGINS },
                { "report", required_argument, NULL, ARG_REPORT },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "terminal", required_argument, NULL, ARG_TERMINAL },
                { "bus", required_argument, NULL, ARG_BUS },
                { "no-bus", no_argument, NULL, ARG_NO_BUS },
                { "foreground", no_argument, NULL, ARG_FOREGROUND },
                { "once", no_argument, NULL, ARG_ONCE },
                { "check-rules", no_argument, NULL, ARG_CHECK_RULES },
                { "usb-rules", required_argument, NULL, ARG_USB_RULES },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "version", no_argument, NULL, ARG_VERSION },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_ROOT: a->root = optarg; break;
                case ARG_RULES:
                        if (strv_consume(&a->rules_dirs, &a->n_rules_dirs, strdup(optarg)) < 0)
                                return log_oom();
                        break;
                case ARG_STATE: a->state_dir = optarg; break;
                case ARG_PLUGINS: a->plugin_dir = optarg; break;
                case ARG_REPORT: a->report_file = optarg; break;
                case ARG_CONFIG: a->config_file = optarg; break;
                case ARG_TERMINAL: a->terminal = optarg; break;
                case ARG_BUS: a->bus_address = optarg; break;
                case ARG_NO_BUS: a->no_bus = true; break;
                case ARG_FOREGROUND: a->foreground = true; break;
                case ARG_ONCE: a->once = true; break;
                case ARG_CHECK_RULES: a->check_rules = true; break;
                case ARG_USB_RULES: a->usb_rules = optarg; break;
                case ARG_LOG_LEVEL:
                        a->log_level = parse_level(optarg);
                        if (a->log_level < 0) {
                                fprintf(stderr, "mamorid: unknown log level \"%s\" "
                                        "(use err, warning, notice, info or debug)\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_VERSION:
                        printf("mamorid %s\n", MAMORI_VERSION);
                        return 0;
                case 'h':
                        help();
                        return 0;
                default:
                        fprintf(stderr, "Try 'mamorid --help'.\n");
                        return -EINVAL;
                }
        if (a->usb_rules && !a->check_rules) {
                fprintf(stderr, "mamorid: --usb-rules goes with --check-rules\n");
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "mamorid: unexpected argument \"%s\"; try 'mamorid --help'.\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int print_line(void *userdata, const char *line) {
        fprintf(userdata, "%s\n", line);
        return 0;
}

/* The USB rule file is the usb plugin's language: it checks it. */
static int check_usb_rules(PluginHost *host, const char *file) {
        const struct mamori_action *a;
        const char *args[] = { file, NULL };
        _cleanup_free_ char *abs = NULL;
        Plugin *p;
        int r;

        r = plugin_host_find_action(host, "usb", "check-rules", &p, &a);
        if (r < 0)
                return log_error_errno(r, "Cannot check %s: the usb plugin is not loaded.", file);
        /* The plugin reads under --root; a file named on the command line
         * is the caller's own, so make it absolute from here. */
        abs = file[0] == '/' ? strdup(file) : realpath(file, NULL);
        if (!abs)
                return log_error_errno(errno, "%s: %m", file);
        args[0] = abs;
        r = plugin_run_action(p, "check-rules", args, print_line, stdout);
        return r;
}

static int check_rules(const Settings *s, int root_fd, const char *usb_rules) {
        _cleanup_(plugin_host_freep) PluginHost *host = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        PluginHostCallbacks cb = {};
        PolicyChecker checker;
        PolicyError e = {};
        char buf[1100];
        int r;

        r = plugin_host_new(NULL, root_fd, s->root, &cb, &host);
        if (r < 0)
                return log_oom();
        r = plugin_host_load_dir(host, s->plugin_dir);
        if (r < 0)
                return r;
        if (usb_rules)
                return check_usb_rules(host, usb_rules);
        checker = (PolicyChecker) { .validate = plugin_host_validate, .userdata = host };
        r = policy_load(s->rules_dirs, &checker, &p, &e);
        if (r < 0) {
                fprintf(stderr, "%s\n", policy_error_format(&e, buf, sizeof buf));
                return r;
        }
        printf("policy %s %s: %zu rules in %zu files, %zu plugins loaded, %zu refused: OK\n",
               p->id ? p->id : "(unnamed)", p->version ? p->version : "", p->n_rules,
               strv_length(p->files), plugin_host_count(host), plugin_host_refused_count(host));
        return 0;
}

static void print_summary(Manager *m) {
        ScoreTally t = {};

        for (size_t i = 0; i < m->n_results; i++)
                score_tally_add(&t, m->results[i].status, m->results[i].rule->severity);
        if (m->score < 0)
                printf("%s: no score (no rule passed or failed)", m->terminal);
        else
                printf("%s: score %d", m->terminal, m->score);
        printf(" — %u pass, %u fail, %u error, %u not-applicable\n", t.pass, t.fail, t.error,
               t.not_applicable);
        for (size_t i = 0; i < m->n_results; i++) {
                RuleResult *res = &m->results[i];

                if (res->status != MAMORI_FAIL && res->status != MAMORI_ERROR)
                        continue;
                printf("  %-5s %-8s %s  [%s]\n", status_to_string(res->status),
                       severity_to_string(res->rule->severity), res->rule->id, res->rule->clause);
                for (size_t j = 0; res->evidence && res->evidence[j]; j++)
                        printf("        %s\n", res->evidence[j]);
        }
}

static int run(int argc, char **argv) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *error = NULL;
        Args a = { .root = "/", .log_level = -1 };
        Config c = {};
        ConfigError ce = {};
        Settings s;
        int r;

        r = parse_args(argc, argv, &a);
        if (r <= 0) {
                strv_free(a.rules_dirs);
                return r < 0 ? EXIT_USAGE : EXIT_OK;
        }
        log_set_target(a.foreground || a.once || a.check_rules ? LOG_TARGET_STDERR : LOG_TARGET_JOURNAL);

        r = config_init(&c);
        if (r < 0) {
                strv_free(a.rules_dirs);
                return log_oom(), EXIT_RUNTIME;
        }
        r = config_load(&c, a.config_file ? a.config_file : CONFIG_DEFAULT_PATH, !a.config_file, &ce);
        if (r < 0) {
                if (ce.line > 0)
                        log_error("%s:%u: %s", ce.file, ce.line, ce.message);
                else
                        log_error("%s: %s", ce.file[0] ? ce.file : strempty(a.config_file),
                                  ce.message[0] ? ce.message : strerror(-r));
                config_done(&c);
                strv_free(a.rules_dirs);
                return EXIT_POLICY;
        }
        log_set_max_level(a.log_level >= 0 ? a.log_level : c.log_level);

        s = (Settings) {
                .root = a.root,
                .rules_dirs = a.rules_dirs ? a.rules_dirs : c.rules_dirs,
                .state_dir = a.state_dir ? a.state_dir : c.state_dir,
                .plugin_dir = a.plugin_dir ? a.plugin_dir : c.plugin_dir,
                .report_file = a.report_file ? a.report_file : c.report_file,
                .terminal = a.terminal ? a.terminal : c.terminal,
                .bus_address = a.bus_address,
                .default_interval_usec = c.default_interval_usec,
                .usb_rule_file = c.usb_rules,
                .once = a.once,
                .use_bus = !a.no_bus && !a.once,
        };

        if (a.check_rules) {
                /* A rule file named on the command line is read from /. */
                _cleanup_close_ int root_fd = open(a.usb_rules ? "/" : s.root,
                                                   O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root_fd < 0)
                        r = log_error_errno(errno, "Cannot open root directory %s: %m", s.root);
                else
                        r = check_rules(&s, root_fd, a.usb_rules);
                r = r < 0 ? EXIT_POLICY : EXIT_OK;
                goto finish;
        }

        r = manager_new(&s, &m);
        if (r < 0) {
                r = EXIT_RUNTIME;
                goto finish;
        }
        /* On the bus before the policy arms the plugins: the decisions the
         * usb plugin makes for present devices are signalled too. */
        if (s.use_bus && bus_setup(m) < 0) {
                r = EXIT_RUNTIME;
                goto finish;
        }
        r = manager_load_policy(m, &error);
        if (r < 0) {
                if (error)
                        log_error("%s", error);
                else
                        log_error_errno(r, "Failed to load the policy: %m");
                r = EXIT_POLICY;
                goto finish;
        }

        if (a.once) {
                r = manager_evaluate_all(m);
                if (r >= 0)
                        r = manager_write_report(m);
                if (r >= 0)
                        print_summary(m);
                r = r < 0 ? EXIT_RUNTIME : EXIT_OK;
                goto finish;
        }
        r = manager_run(m) < 0 ? EXIT_RUNTIME : EXIT_OK;
finish:
        m = manager_free(m);
        config_done(&c);
        strv_free(a.rules_dirs);
        return r;
}

int main(int argc, char **argv) {
        return run(argc, argv);
}
