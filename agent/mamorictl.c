/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamorictl: ask the running agent over D-Bus. See mamorictl(8). */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus.h"
#include "macro.h"
#include "util.h"

/* Exit codes, documented in mamorictl(8). */
enum {
        EXIT_OK = 0,
        EXIT_CHECK_FAILED = 1,           /* e.g. the event chain is broken */
        EXIT_USAGE = 2,
        EXIT_UNREACHABLE = 3,            /* no bus, or no agent on it */
        EXIT_REFUSED = 4,                /* the agent said no */
};

/* Longer than the agent waits for polkit (two minutes), so that an
 * administrator typing a password never sees a time-out while the change
 * still happens behind it. */
#define CALL_TIMEOUT_USEC (150 * USEC_PER_SEC)

typedef struct Ctl {
        sd_bus *bus;
        const char *address;
        bool json;
        bool failed_only;
        bool verify;
        uint64_t since;
        uint32_t limit;
} Ctl;

static void help(void) {
        printf("Usage: mamorictl [OPTIONS] COMMAND\n"
               "Ask the running mamori agent.\n\n"
               "Commands:\n"
               "  status                  terminal, agent, policy, score, counts\n"
               "  score                   the score, per clause and per plugin\n"
               "  findings [--failed]     every rule's latest result and evidence\n"
               "  events [--since N] [--limit N] [--verify]\n"
               "                          the event log, or verify its hash chain\n"
               "  rules                   the rules in force\n"
               "  reload                  reload the policy (administrator only)\n"
               "  actions                 what the plugins offer (e.g. usb register)\n"
               "  PLUGIN ACTION [ARG...]  run a plugin's action: mamorictl usb list\n"
               "                          (baseline = integrity, packages = software)\n\n"
               "Options:\n"
               "  --json                  machine-readable output\n"
               "  --bus ADDRESS           talk to the agent on ADDRESS (default: system bus)\n"
               "  -h, --help              this text\n");
}

static int fail_call(const char *what, const sd_bus_error *e, int r) {
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                fprintf(stderr, "mamorictl: the agent is not running (nobody owns %s on the bus)\n",
                        BUS_NAME);
                return EXIT_UNREACHABLE;
        }
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
            sd_bus_error_has_name(e, BUS_ERROR_POLICY_REJECTED)) {
                fprintf(stderr, "mamorictl: %s: %s\n", what, e->message);
                return EXIT_REFUSED;
        }
        fprintf(stderr, "mamorictl: %s failed: %s\n", what,
                sd_bus_error_is_set(e) ? e->message : strerror(-r));
        return EXIT_UNREACHABLE;
}

static int connect_bus(Ctl *c) {
        int r;

        if (c->address) {
                r = sd_bus_new(&c->bus);
                if (r >= 0)
                        r = sd_bus_set_address(c->bus, c->address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(c->bus, true);
                if (r >= 0)
                        r = sd_bus_start(c->bus);
        } else
                r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                fprintf(stderr, "mamorictl: cannot connect to the %s bus: %s\n",
                        c->address ? c->address : "system", strerror(-r));
                return EXIT_UNREACHABLE;
        }
        return EXIT_OK;
}

static int call(Ctl *c, const char *method, sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, BUS_PATH, BUS_INTERFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(c->bus, m, CALL_TIMEOUT_USEC, &e, reply);
        if (r < 0) {
                r = fail_call(method, &e, r);
                sd_bus_error_free(&e);
                return r;
        }
        return EXIT_OK;
}

static int get_report(Ctl *c, json_object **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *s;
        int r;

        r = call(c, "GetReport", &reply, NULL);
        if (r != EXIT_OK)
                return r;
        if (sd_bus_message_read(reply, "s", &s) < 0 || !(*ret = json_tokener_parse(s))) {
                fprintf(stderr, "mamorictl: the agent sent a report that is not JSON\n");
                return EXIT_UNREACHABLE;
        }
        return EXIT_OK;
}

static const char *jstr(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static json_object *jget(json_object *o, const char *key) {
        json_object *v = NULL;
        json_object_object_get_ex(o, key, &v);
        return v;
}

static void print_json(json_object *o) {
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The end of every listing: a reply that could not be read is one line
 * on stderr; with --json the collected array is printed. Frees all. */
static int end_listing(int r, json_object *all) {
        if (r < 0) {
                fprintf(stderr, "mamorictl: cannot read the agent's answer: %s\n", strerror(-r));
                json_object_put(all);
                return EXIT_UNREACHABLE;
        }
        if (all) {
                print_json(all);
                json_object_put(all);
        }
        return EXIT_OK;
}

static int cmd_status(Ctl *c) {
        json_object *o = NULL, *counts, *events, *policy;
        int r = get_report(c, &o);

        if (r != EXIT_OK)
                return r;
        if (c->json) {
                json_object *s = json_object_new_object();
                const char *keys[] = { "terminal", "generated_at", "agent_version", "policy",
                                       "score", "counts", "last_change", "events" };
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        json_object_object_add(s, keys[i], json_object_get(jget(o, keys[i])));
                print_json(s);
                json_object_put(s);
        } else {
                counts = jget(o, "counts");
                events = jget(o, "events");
                policy = jget(o, "policy");
                printf("Terminal:  %s\n", strempty(jstr(o, "terminal")));
                printf("Agent:     mamorid %s\n", strempty(jstr(o, "agent_version")));
                printf("Policy:    %s %s\n", jstr(policy, "id") ?: "(unnamed)",
                       strempty(jstr(policy, "version")));
                printf("Score:     %s\n", jstr(o, "score") ?: "none (no rule passed or failed)");
                printf("Rules:     %s pass, %s fail, %s error, %s not-applicable\n",
                       jstr(counts, "pass"), jstr(counts, "fail"), jstr(counts, "error"),
                       jstr(counts, "not-applicable"));
                printf("Generated: %s\n", strempty(jstr(o, "generated_at")));
                printf("Events:    %s (head %s)\n", strempty(jstr(events, "seq")),
                       strempty(jstr(events, "head")));
        }
        json_object_put(o);
        return EXIT_OK;
}

static void print_groups(json_object *a, const char *key) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *g = json_object_array_get_idx(a, i);
                printf("  %-24s %5s   %s pass, %s fail, %s error\n", strempty(jstr(g, key)),
                       jstr(g, "score") ?: "-", jstr(g, "pass"), jstr(g, "fail"), jstr(g, "error"));
        }
}

static int cmd_score(Ctl *c) {
        json_object *o = NULL;
        int r = get_report(c, &o);

        if (r != EXIT_OK)
                return r;
        if (c->json) {
                json_object *s = json_object_new_object();
                const char *keys[] = { "terminal", "score", "counts", "by_clause", "by_plugin" };
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        json_object_object_add(s, keys[i], json_object_get(jget(o, keys[i])));
                print_json(s);
                json_object_put(s);
        } else {
                printf("%s\n", jstr(o, "score") ?: "none");
                printf("By clause:\n");
                print_groups(jget(o, "by_clause"), "clause");
                printf("By plugin:\n");
                print_groups(jget(o, "by_plugin"), "plugin");
        }
        json_object_put(o);
        return EXIT_OK;
}

static int cmd_findings(Ctl *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_object *all = c->json ? json_object_new_array() : NULL;
        const char *id, *tja, *ten, *clause, *sev, *check, *status;
        uint64_t since;
        int r;

        r = call(c, "ListFindings", &reply, "b", (int) c->failed_only);
        if (r != EXIT_OK)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sssssssast)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sssssssast")) > 0) {
                _cleanup_strv_free_ char **ev = NULL;
                char when[ISO8601_SIZE] = "";

                r = sd_bus_message_read(reply, "sssssss", &id, &tja, &ten, &clause, &sev, &check, &status);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &ev);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "t", &since);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                if (since)
                        format_iso8601(since, when);
                if (all) {
                        json_object *f = json_object_new_object(), *a = json_object_new_array();
                        json_object_object_add(f, "id", json_object_new_string(id));
                        json_object_object_add(f, "status", json_object_new_string(status));
                        json_object_object_add(f, "severity", json_object_new_string(sev));
                        json_object_object_add(f, "clause", json_object_new_string(clause));
                        json_object_object_add(f, "check", json_object_new_string(check));
                        json_object_object_add(f, "title_ja", json_object_new_string(tja));
                        json_object_object_add(f, "title_en", json_object_new_string(ten));
                        for (char **e = ev; e && *e; e++)
                                json_object_array_add(a, json_object_new_string(*e));
                        json_object_object_add(f, "evidence", a);
                        json_object_object_add(f, "since", since ? json_object_new_string(when) : NULL);
                        json_object_array_add(all, f);
                        continue;
                }
                printf("%-14s %-8s %-36s %s\n", status, sev, id, clause);
                printf("               %s\n", ten);
                for (char **e = ev; e && *e; e++)
                        printf("               - %s\n", *e);
        }
        return end_listing(r, all);
}

static int cmd_verify(Ctl *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *reason;
        uint64_t seq;
        int ok, r;

        r = call(c, "VerifyEvents", &reply, NULL);
        if (r != EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "bts", &ok, &seq, &reason);
        if (r < 0) {
                fprintf(stderr, "mamorictl: cannot read the agent's answer: %s\n", strerror(-r));
                return EXIT_UNREACHABLE;
        }
        if (c->json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "intact", json_object_new_boolean(ok));
                json_object_object_add(o, "first_bad_seq", ok ? NULL : json_object_new_int64((int64_t) seq));
                json_object_object_add(o, "reason", ok ? NULL : json_object_new_string(reason));
                print_json(o);
                json_object_put(o);
        } else if (ok)
                printf("event chain intact\n");
        else
                printf("event chain broken at event %" PRIu64 ": %s\n", seq, reason);
        return ok ? EXIT_OK : EXIT_CHECK_FAILED;
}

static int cmd_events(Ctl *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_object *all = c->json ? json_object_new_array() : NULL;
        const char *kind, *subject, *text, *prev, *hash;
        uint64_t seq, t;
        int r;

        if (c->verify) {
                json_object_put(all);
                return cmd_verify(c);
        }
        r = call(c, "ListEvents", &reply, "tu", c->since, c->limit);
        if (r != EXIT_OK) {
                json_object_put(all);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ttsssss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ttsssss)", &seq, &t, &kind, &subject,
                                                  &text, &prev, &hash)) > 0) {
                char when[ISO8601_SIZE];

                format_iso8601(t, when);
                if (all) {
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "seq", json_object_new_int64((int64_t) seq));
                        json_object_object_add(e, "time", json_object_new_string(when));
                        json_object_object_add(e, "kind", json_object_new_string(kind));
                        json_object_object_add(e, "subject", json_object_new_string(subject));
                        json_object_object_add(e, "text", json_object_new_string(text));
                        json_object_object_add(e, "prev_hash", json_object_new_string(prev));
                        json_object_object_add(e, "hash", json_object_new_string(hash));
                        json_object_array_add(all, e);
                } else
                        printf("%6" PRIu64 " %s %-20s %s: %s\n", seq, when, kind, subject, text);
        }
        return end_listing(r, all);
}

static int cmd_rules(Ctl *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_object *all = c->json ? json_object_new_array() : NULL;
        const char *id, *tja, *ten, *clause, *sev, *check, *source;
        uint64_t interval;
        int enforce, r;

        r = call(c, "ListRules", &reply, NULL);
        if (r != EXIT_OK) {
                json_object_put(all);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssbts)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssbts)", &id, &tja, &ten, &clause,
                                                  &sev, &check, &enforce, &interval, &source)) > 0) {
                if (all) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "id", json_object_new_string(id));
                        json_object_object_add(o, "title_ja", json_object_new_string(tja));
                        json_object_object_add(o, "title_en", json_object_new_string(ten));
                        json_object_object_add(o, "clause", json_object_new_string(clause));
                        json_object_object_add(o, "severity", json_object_new_string(sev));
                        json_object_object_add(o, "check", json_object_new_string(check));
                        json_object_object_add(o, "enforce", json_object_new_boolean(enforce));
                        json_object_object_add(o, "interval_sec",
                                               json_object_new_int64((int64_t) (interval / USEC_PER_SEC)));
                        json_object_object_add(o, "source", json_object_new_string(source));
                        json_object_array_add(all, o);
                } else
                        printf("%-36s %-8s %-32s %s%s\n", id, sev, check, clause,
                               enforce ? "  (enforced)" : "");
        }
        return end_listing(r, all);
}

static int cmd_reload(Ctl *c) {
        int r = call(c, "Reload", NULL, NULL);

        if (r == EXIT_OK)
                printf(c->json ? "{ \"reloaded\": true }\n" : "policy reloaded\n");
        return r;
}

static int cmd_actions(Ctl *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_object *all = c->json ? json_object_new_array() : NULL;
        const char *plugin, *action, *usage, *summary;
        int privileged, r;

        r = call(c, "ListActions", &reply, NULL);
        if (r != EXIT_OK) {
                json_object_put(all);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssbss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssbss)", &plugin, &action, &privileged,
                                                  &usage, &summary)) > 0) {
                if (all) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "plugin", json_object_new_string(plugin));
                        json_object_object_add(o, "action", json_object_new_string(action));
                        json_object_object_add(o, "privileged", json_object_new_boolean(privileged));
                        json_object_object_add(o, "usage", json_object_new_string(usage));
                        json_object_object_add(o, "summary", json_object_new_string(summary));
                        json_object_array_add(all, o);
                } else
                        printf("mamorictl %s %s%s%s\n    %s%s\n", plugin, action, *usage ? " " : "",
                               usage, summary, privileged ? " (administrator only)" : "");
        }
        return end_listing(r, all);
}

static int run_plugin_action(Ctl *c, const char *plugin, const char *action, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_strv_free_ char **out = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, BUS_PATH, BUS_INTERFACE,
                                           "PluginAction");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", plugin, action);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, args);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, CALL_TIMEOUT_USEC, &e, &reply);
        if (r < 0) {
                if (sd_bus_error_has_name(&e, BUS_ERROR_ACTION_FAILED) ||
                    sd_bus_error_has_name(&e, SD_BUS_ERROR_INVALID_ARGS)) {
                        fprintf(stderr, "mamorictl: %s\n", e.message);
                        sd_bus_error_free(&e);
                        return EXIT_REFUSED;
                }
                r = fail_call("PluginAction", &e, r);
                sd_bus_error_free(&e);
                return r;
        }
        r = sd_bus_message_read_strv(reply, &out);
        if (r < 0) {
                fprintf(stderr, "mamorictl: cannot read the agent's answer: %s\n", strerror(-r));
                return EXIT_UNREACHABLE;
        }
        if (c->json) {
                json_object *a = json_object_new_array();
                for (char **l = out; l && *l; l++)
                        json_object_array_add(a, json_object_new_string(*l));
                print_json(a);
                json_object_put(a);
        } else
                for (char **l = out; l && *l; l++)
                        printf("%s\n", *l);
        return EXIT_OK;
}

/* Words administrators reach for, mapped to the plugin that answers:
 * "mamorictl baseline accept /etc/hosts" is the integrity plugin's accept. */
static const char *plugin_alias(const char *word) {
        if (streq(word, "baseline"))
                return "integrity";
        if (streq(word, "packages"))
                return "software";
        return word;
}

/* Where the command word is: the first argument that is neither an option
 * nor an option's value. Everything after a plugin's action belongs to the
 * plugin (its own --read-only and such), not to mamorictl. */
static int find_command(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (argv[i][0] != '-')
                        return i;
                if ((streq(argv[i], "--bus") || streq(argv[i], "--since") || streq(argv[i], "--limit")))
                        i++;
        }
        return argc;
}

static int parse_u64(const char *opt, const char *s, uint64_t *ret) {
        if (parse_uint64(s, ret) < 0) {
                fprintf(stderr, "mamorictl: %s needs a number (got \"%s\")\n", opt, s);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        static const struct {
                const char *name;
                int (*run)(Ctl *c);
        } commands[] = {
                { "status", cmd_status },     { "score", cmd_score },
                { "findings", cmd_findings }, { "events", cmd_events },
                { "rules", cmd_rules },       { "reload", cmd_reload },
                { "actions", cmd_actions },
        };
        enum { ARG_JSON = 0x100, ARG_BUS, ARG_FAILED, ARG_SINCE, ARG_LIMIT, ARG_VERIFY };
        static const struct option options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "bus", required_argument, NULL, ARG_BUS },
                { "failed", no_argument, NULL, ARG_FAILED },
                { "since", required_argument, NULL, ARG_SINCE },
                { "limit", required_argument, NULL, ARG_LIMIT },
                { "verify", no_argument, NULL, ARG_VERIFY },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        Ctl c = {};
        uint64_t v;
        int opt, r, cmd = find_command(argc, argv), end = argc;
        bool core = false;

        for (size_t i = 0; cmd < argc && i < ELEMENTSOF(commands); i++)
                core = core || streq(argv[cmd], commands[i].name);
        /* A plugin command: mamorictl's own options only before it. */
        if (cmd < argc && !core)
                end = cmd;

        while ((opt = getopt_long(end, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case ARG_JSON: c.json = true; break;
                case ARG_BUS: c.address = optarg; break;
                case ARG_FAILED: c.failed_only = true; break;
                case ARG_VERIFY: c.verify = true; break;
                case ARG_SINCE:
                        if (parse_u64("--since", optarg, &c.since) < 0)
                                return EXIT_USAGE;
                        break;
                case ARG_LIMIT:
                        if (parse_u64("--limit", optarg, &v) < 0)
                                return EXIT_USAGE;
                        if (v > UINT32_MAX) {
                                fprintf(stderr, "mamorictl: --limit is at most %" PRIu32 "\n", UINT32_MAX);
                                return EXIT_USAGE;
                        }
                        c.limit = (uint32_t) v;
                        break;
                case 'h':
                        help();
                        return EXIT_OK;
                default:
                        fprintf(stderr, "Try 'mamorictl --help'.\n");
                        return EXIT_USAGE;
                }
        if (end < argc) {
                if (cmd + 1 >= argc) {
                        fprintf(stderr, "mamorictl: unknown command \"%s\"; try 'mamorictl --help' "
                                "or 'mamorictl actions'.\n", argv[cmd]);
                        return EXIT_USAGE;
                }
                r = connect_bus(&c);
                if (r == EXIT_OK)
                        r = run_plugin_action(&c, plugin_alias(argv[cmd]), argv[cmd + 1], argv + cmd + 2);
                sd_bus_flush_close_unref(c.bus);
                return r;
        }
        if (optind + 1 != argc) {
                fprintf(stderr, "mamorictl: %s; try 'mamorictl --help'.\n",
                        optind >= argc ? "which command?" : "one command at a time");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                if (!streq(argv[optind], commands[i].name))
                        continue;
                r = connect_bus(&c);
                if (r == EXIT_OK)
                        r = commands[i].run(&c);
                sd_bus_flush_close_unref(c.bus);
                return r;
        }
        fprintf(stderr, "mamorictl: unknown command \"%s\"; try 'mamorictl --help'.\n", argv[optind]);
        return EXIT_USAGE;
}
