/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "bus.h"
#include "event_log.h"
#include "log.h"
#include "manager.h"
#include "report.h"
#include "score.h"
#include "util.h"

/* Bounds on what one rule can put into the report: a plugin that finds
 * 10,000 offending files must not make a 10 MB report. */
#define EVIDENCE_MAX_ENTRIES 50
#define EVIDENCE_MAX_BYTES 512

struct Collect {
        char **lists[4];                         /* per mamori_status */
        size_t n[4];
        size_t dropped[4];
};

static void collect_reset(Collect *c) {
        for (unsigned i = 0; i < ELEMENTSOF(c->lists); i++) {
                strv_free(c->lists[i]);
                c->lists[i] = NULL;
                c->n[i] = c->dropped[i] = 0;
        }
}

static void result_clear(RuleResult *res) {
        sd_event_source_disable_unref(res->timer);
        res->timer = NULL;
        strv_free(res->evidence);
        res->evidence = NULL;
        free(res->unavailable);
        res->unavailable = NULL;
        free(res->plugin_label);
        res->plugin_label = NULL;
}

static void results_free(RuleResult *results, size_t n) {
        for (size_t i = 0; i < n; i++)
                result_clear(&results[i]);
        free(results);
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        results_free(m->results, m->n_results);
        sd_event_source_disable_unref(m->pending_source);
        sd_event_source_disable_unref(m->report_source);
        /* Plugins unref their own sources before the loop goes. */
        plugin_host_free(m->host);
        policy_free(m->policy);
        store_close(m->store);
        sd_bus_slot_unref(m->bus_slot);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        if (m->collect) {
                collect_reset(m->collect);
                free(m->collect);
        }
        if (m->root_fd >= 0)
                close(m->root_fd);
        free(m->terminal);
        free(m);
        return NULL;
}

/* --- callbacks from plugins --------------------------------------------- */

static int on_emit_finding(void *userdata, Plugin *p, const struct mamori_rule *r,
                           const struct mamori_finding *f) {
        Manager *m = userdata;
        Collect *c = m->collect;
        _cleanup_free_ char *text = NULL;
        unsigned s;

        if (!m->evaluating || &m->evaluating->rule->abi != r || m->evaluating->plugin != p)
                return -EBUSY; /* findings only come from inside evaluate() of that rule */
        s = (unsigned) f->status < 4 ? (unsigned) f->status : MAMORI_ERROR;
        if (c->n[s] >= EVIDENCE_MAX_ENTRIES) {
                c->dropped[s]++;
                return 0;
        }
        if (f->evidence && f->subject && !strstr(f->evidence, f->subject)) {
                _cleanup_free_ char *joined = NULL;
                if (asprintf(&joined, "%s: %s", f->subject, f->evidence) < 0)
                        return -ENOMEM;
                text = text_sanitize(joined, EVIDENCE_MAX_BYTES);
        } else
                text = text_sanitize(f->evidence ? f->evidence : strempty(f->subject),
                                     EVIDENCE_MAX_BYTES);
        return strv_consume(&c->lists[s], &c->n[s], TAKE_PTR(text));
}

static int on_pending(sd_event_source *s, void *userdata);

static int on_request_evaluation(void *userdata, Plugin *p, const char *check) {
        Manager *m = userdata;
        bool any = false;
        int r;

        for (size_t i = 0; i < m->n_results; i++)
                if (m->results[i].plugin == p && streq(m->results[i].rule->check, check)) {
                        m->results[i].pending = true;
                        any = true;
                }
        if (!any || m->settings.once)
                return 0;
        if (!m->pending_source) {
                r = sd_event_add_defer(m->event, &m->pending_source, on_pending, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(m->pending_source, "pending-evaluations");
        }
        return sd_event_source_set_enabled(m->pending_source, SD_EVENT_ONESHOT);
}

static int on_emit_event(void *userdata, Plugin *p, const char *kind, const char *subject,
                         const char *text) {
        Manager *m = userdata;
        size_t l = strlen(plugin_name(p));

        /* A plugin speaks for itself only: its events are "<plugin>.<what>". */
        if (strncmp(kind, plugin_name(p), l) != 0 || kind[l] != '.')
                return -EINVAL;
        return manager_emit_event(m, kind, subject, text);
}

static int on_state_get(void *userdata, Plugin *p, const char *key, void **ret, size_t *ret_size) {
        Manager *m = userdata;
        return store_state_get(m->store, plugin_name(p), key, ret, ret_size);
}

static int on_state_put(void *userdata, Plugin *p, const char *key, const void *data, size_t size) {
        Manager *m = userdata;
        int r = store_state_put(m->store, plugin_name(p), key, data, size, now_realtime_usec());

        if (r < 0)
                log_error_errno(r, "Failed to save state %s of plugin %s: %m", key, plugin_name(p));
        return r;
}

static const char *on_setting(void *userdata, const char *section, const char *key) {
        Manager *m = userdata;

        if (streq(section, "USB") && streq(key, "RuleFile"))
                return m->settings.usb_rule_file;
        return NULL;
}

/* --- events --------------------------------------------------------------- */

int manager_emit_event(Manager *m, const char *kind, const char *subject, const char *text) {
        _cleanup_free_ char *k = text_sanitize(kind, 64), *s = text_sanitize(subject, 256),
                            *t = text_sanitize(text, 1024);
        StoreEvent e = {};
        int r;

        if (!k || !s || !t)
                return log_oom();
        r = store_append_event(m->store, now_realtime_usec(), k, s, t, &e);
        if (r < 0) {
                /* The journal still gets it, marked as not in the chain. */
                event_log_journal(NULL, k, s, t);
                return log_error_errno(r, "Failed to record event %s (%s) in the event log: %m", k, s);
        }
        event_log_journal(&e, k, s, t);
        bus_emit_event(m, &e);
        store_event_clear(&e);
        return 0;
}

/* --- evaluation ----------------------------------------------------------- */

static int result_set(Manager *m, RuleResult *res, mamori_status status, char **evidence) {
        uint64_t now = now_realtime_usec(), since = now;
        int previous = -1, r;

        strv_free(res->evidence);
        res->evidence = evidence;
        res->status = status;
        res->evaluated = true;
        res->evaluated_usec = now;

        r = store_put_finding(m->store, res->rule->id, status, evidence, now, &previous, &since);
        if (r < 0)
                log_warning_errno(r, "Failed to store the finding of rule %s, ignoring: %m",
                                  res->rule->id);
        res->since_usec = since;

        /* None -> pass is the quiet start of a healthy terminal; every other
         * change is something the administrator wants in the log. */
        if (previous != (int) status && !(previous < 0 && status == MAMORI_PASS)) {
                _cleanup_free_ char *kind = NULL, *text = NULL;

                if (asprintf(&kind, "rule.%s", status_to_string(status)) < 0 ||
                    asprintf(&text, "%s (%s, %s): %s", res->rule->title_en, res->rule->clause,
                             severity_to_string(res->rule->severity),
                             evidence && evidence[0] ? evidence[0] : status_to_string(status)) < 0)
                        return log_oom();
                (void) manager_emit_event(m, kind, res->rule->id, text);
        }
        return 0;
}

static int collect_to_result(Collect *c, mamori_status *ret_status, char ***ret_evidence) {
        /* Fail wins (the rule is not met, whatever else happened), then error
         * (could not tell), then pass; all not-applicable is not-applicable. */
        static const mamori_status order[] = { MAMORI_FAIL, MAMORI_ERROR, MAMORI_PASS,
                                               MAMORI_NOT_APPLICABLE };

        for (unsigned i = 0; i < ELEMENTSOF(order); i++) {
                unsigned s = order[i];

                if (c->n[s] == 0)
                        continue;
                if (c->dropped[s] > 0) {
                        char *more;
                        if (asprintf(&more, "… and %zu more", c->dropped[s]) < 0 ||
                            strv_consume(&c->lists[s], &c->n[s], more) < 0)
                                return -ENOMEM;
                }
                *ret_status = s;
                *ret_evidence = TAKE_PTR(c->lists[s]);
                c->n[s] = 0;
                return 0;
        }
        return -ENODATA;
}

static char **strv_one(const char *fmt, ...) _printf_(1, 2);
static char **strv_one(const char *fmt, ...) {
        char **l = calloc(2, sizeof(char *));
        va_list ap;
        int k;

        if (!l)
                return NULL;
        va_start(ap, fmt);
        k = vasprintf(&l[0], fmt, ap);
        va_end(ap);
        if (k < 0) {
                free(l);
                return NULL;
        }
        return l;
}

static int arm_timer(RuleResult *res);

static int evaluate_rule(Manager *m, RuleResult *res) {
        mamori_status status;
        char **evidence = NULL;
        int r;

        res->pending = false;
        if (!res->plugin) {
                evidence = strv_one("cannot be evaluated: %s", res->unavailable);
                if (!evidence)
                        return log_oom();
                return result_set(m, res, MAMORI_ERROR, evidence);
        }

        collect_reset(m->collect);
        m->evaluating = res;
        r = plugin_evaluate(res->plugin, &res->rule->abi);
        m->evaluating = NULL;

        if (r < 0) {
                evidence = strv_one("check %s failed: %s", res->rule->check, strerror(-r));
                status = MAMORI_ERROR;
        } else if (collect_to_result(m->collect, &status, &evidence) < 0) {
                /* Nothing reported is not a pass. */
                evidence = strv_one("check %s reported no result", res->rule->check);
                status = MAMORI_ERROR;
        }
        collect_reset(m->collect);
        if (!evidence)
                return log_oom();
        r = result_set(m, res, status, evidence);
        if (r < 0)
                return r;
        return arm_timer(res);
}

static void update_score(Manager *m) {
        ScoreTally t = {};
        int old = m->score;

        for (size_t i = 0; i < m->n_results; i++)
                if (m->results[i].evaluated)
                        score_tally_add(&t, m->results[i].status, m->results[i].rule->severity);
        m->score = score_tally_score(&t);
        if (old != m->score)
                bus_emit_score_changed(m);
}

static int on_report(sd_event_source *s, void *userdata) {
        (void) manager_write_report(userdata);
        return 0;
}

/* Writing the report after every single evaluation would be wasteful when a
 * watch fires many times; coalesce into one write per loop iteration. */
static void schedule_report(Manager *m) {
        update_score(m);
        if (m->settings.once)
                return;
        if (!m->report_source) {
                if (sd_event_add_defer(m->event, &m->report_source, on_report, m) < 0)
                        return;
                (void) sd_event_source_set_description(m->report_source, "write-report");
                (void) sd_event_source_set_priority(m->report_source, SD_EVENT_PRIORITY_IDLE);
        }
        (void) sd_event_source_set_enabled(m->report_source, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        RuleResult *res = userdata;

        (void) evaluate_rule(res->manager, res);
        schedule_report(res->manager);
        return 0;
}

static int arm_timer(RuleResult *res) {
        Manager *m = res->manager;
        uint64_t interval = res->rule->interval_usec ? res->rule->interval_usec
                                                     : m->settings.default_interval_usec;
        int r;

        if (m->settings.once || interval == 0)
                return 0;
        if (res->timer)
                return sd_event_source_set_time_relative(res->timer, interval) < 0 ? 0 :
                       sd_event_source_set_enabled(res->timer, SD_EVENT_ONESHOT);
        r = sd_event_add_time_relative(m->event, &res->timer, CLOCK_BOOTTIME, interval,
                                       USEC_PER_SEC, on_timer, res);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the timer of rule %s: %m", res->rule->id);
        (void) sd_event_source_set_description(res->timer, res->rule->id);
        return 0;
}

static int on_pending(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        for (size_t i = 0; i < m->n_results; i++)
                if (m->results[i].pending)
                        (void) evaluate_rule(m, &m->results[i]);
        schedule_report(m);
        return 0;
}

int manager_evaluate_all(Manager *m) {
        for (size_t i = 0; i < m->n_results; i++) {
                int r = evaluate_rule(m, &m->results[i]);
                if (r < 0)
                        return r;
        }
        m->last_evaluation_usec = now_realtime_usec();
        update_score(m);
        return 0;
}

/* --- report ---------------------------------------------------------------- */

int manager_build_report(Manager *m, json_object **ret) {
        _cleanup_free_ ReportRule *rules = calloc(m->n_results + 1, sizeof(ReportRule));
        char head[SHA256_HEX_SIZE];
        uint64_t seq = 0, last_change = 0;
        int r;

        if (!rules)
                return -ENOMEM;
        r = store_chain_head(m->store, &seq, head);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_results; i++) {
                RuleResult *res = &m->results[i];

                rules[i] = (ReportRule) {
                        .rule = res->rule,
                        .plugin = res->plugin_label,
                        .status = res->evaluated ? res->status : MAMORI_ERROR,
                        .evidence = res->evidence,
                        .since_usec = res->since_usec,
                        .evaluated_usec = res->evaluated_usec,
                };
                if (res->since_usec > last_change)
                        last_change = res->since_usec;
        }
        return report_build(&(ReportInput) {
                .terminal = m->terminal,
                .generated_usec = now_realtime_usec(),
                .agent_version = MAMORI_VERSION,
                .policy_id = m->policy ? m->policy->id : NULL,
                .policy_version = m->policy ? m->policy->version : NULL,
                .rules = rules,
                .n_rules = m->n_results,
                .last_change_usec = last_change,
                .event_seq = seq,
                .event_head = head,
        }, ret);
}

int manager_build_report_json(Manager *m, char **ret) {
        json_object *o = NULL;
        int r = manager_build_report(m, &o);

        if (r < 0)
                return r;
        *ret = strdup(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return *ret ? 0 : -ENOMEM;
}

int manager_write_report(Manager *m) {
        json_object *o = NULL;
        int r;

        if (!m->settings.report_file || !*m->settings.report_file)
                return 0;
        r = manager_build_report(m, &o);
        if (r < 0)
                return log_error_errno(r, "Failed to build the report: %m");
        r = report_write(m->settings.report_file, o);
        json_object_put(o);
        if (r < 0)
                return log_error_errno(r, "Failed to write the report %s: %m", m->settings.report_file);
        return 0;
}

/* --- policy ----------------------------------------------------------------- */

static int build_results(Manager *m, const Policy *p, RuleResult **ret, size_t *ret_n) {
        RuleResult *results = calloc(p->n_rules + 1, sizeof(RuleResult));

        if (!results)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_rules; i++) {
                RuleResult *res = &results[i];
                const char *reason = NULL;

                *res = (RuleResult) {
                        .rule = &p->rules[i],
                        .manager = m,
                        .status = MAMORI_ERROR,
                };
                res->plugin = plugin_host_find_check(m->host, p->rules[i].check, &reason);
                res->plugin_label = strndup(p->rules[i].check, strcspn(p->rules[i].check, "."));
                if (!res->plugin)
                        res->unavailable = strdup(reason ? reason : "no plugin provides this check");
                if (!res->plugin_label || (!res->plugin && !res->unavailable)) {
                        results_free(results, i + 1);
                        return -ENOMEM;
                }
        }
        *ret = results;
        *ret_n = p->n_rules;
        return 0;
}

static int rearm_watches(Manager *m) {
        /* --once evaluates and exits: no event sources, no enforcement. */
        if (m->settings.once)
                return 0;
        for (size_t i = 0; i < plugin_host_count(m->host); i++) {
                Plugin *p = plugin_host_get(m->host, i);
                _cleanup_free_ const struct mamori_rule **rules =
                        calloc(m->n_results + 1, sizeof(struct mamori_rule *));
                size_t n = 0;
                int r;

                if (!rules)
                        return log_oom();
                for (size_t j = 0; j < m->n_results; j++)
                        if (m->results[j].plugin == p)
                                rules[n++] = &m->results[j].rule->abi;
                r = plugin_watch(p, rules, n);
                if (r < 0)
                        log_warning_errno(r, "Plugin %s could not set up its watches, "
                                          "relying on the schedule: %m", plugin_name(p));
        }
        return 0;
}

int manager_load_policy(Manager *m, char **ret_error) {
        PolicyChecker checker = { .validate = plugin_host_validate, .userdata = m->host };
        _cleanup_(policy_freep) Policy *p = NULL;
        RuleResult *results = NULL, *old_results;
        size_t n = 0, old_n;
        PolicyError e = {};
        char buf[1100];
        int r;

        r = policy_load(m->settings.rules_dirs, &checker, &p, &e);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup(policy_error_format(&e, buf, sizeof buf));
                return r;
        }
        r = build_results(m, p, &results, &n);
        if (r < 0)
                return r;

        old_results = m->results;
        old_n = m->n_results;
        m->results = results;
        m->n_results = n;
        /* The plugins get the new rules before the old ones are freed. */
        r = rearm_watches(m);
        results_free(old_results, old_n);
        policy_free(m->policy);
        m->policy = TAKE_PTR(p);

        {
                _cleanup_strv_free_ char **keep = calloc(n + 1, sizeof(char *));
                if (keep) {
                        for (size_t i = 0; i < n; i++)
                                keep[i] = strdup(m->results[i].rule->id);
                        (void) store_prune_findings(m->store, keep);
                }
        }
        return r;
}

/* --- setup ------------------------------------------------------------------ */

static char *terminal_name(int root_fd, const char *configured) {
        _cleanup_free_ char *buf = NULL;
        char host[256];

        if (configured && *configured)
                return strdup(configured);
        /* The host name of the machine under --root, so a demo root reports
         * its own name rather than the build machine's. */
        if (read_file_at(root_fd, "etc/hostname", 256, &buf, NULL) >= 0) {
                buf[strcspn(buf, " \t\r\n")] = '\0';
                if (*buf)
                        return TAKE_PTR(buf);
        }
        if (gethostname(host, sizeof host) < 0)
                return strdup("unknown");
        host[sizeof host - 1] = '\0';
        return strdup(host);
}

int manager_new(const Settings *s, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        PluginHostCallbacks cb;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return log_oom();
        m->settings = *s;
        m->root_fd = -EBADF;
        m->score = -1;
        m->collect = calloc(1, sizeof(Collect));
        if (!m->collect)
                return log_oom();

        m->root_fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (m->root_fd < 0)
                return log_error_errno(errno, "Cannot open root directory %s: %m", s->root);
        m->terminal = terminal_name(m->root_fd, s->terminal);
        if (!m->terminal)
                return log_oom();

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");

        /* A new state directory is fine (a fresh install, or --once on a
         * new folder); its parent must exist. */
        if (mkdir(s->state_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Cannot create the state directory %s: %m", s->state_dir);
        r = store_open(s->state_dir, &m->store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the state database in %s: %m", s->state_dir);

        cb = (PluginHostCallbacks) {
                .emit_finding = on_emit_finding,
                .emit_event = on_emit_event,
                .request_evaluation = on_request_evaluation,
                .state_get = on_state_get,
                .state_put = on_state_put,
                .setting = on_setting,
                .userdata = m,
        };
        r = plugin_host_new(m->event, m->root_fd, s->root, &cb, &m->host);
        if (r < 0)
                return log_oom();
        r = plugin_host_load_dir(m->host, s->plugin_dir);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

/* --- running ----------------------------------------------------------------- */

int manager_reload(Manager *m, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the policy");
        r = manager_load_policy(m, &error);
        if (r < 0) {
                log_error("Rejected the new policy, keeping the last good one: %s",
                          error ? error : strerror(-r));
                (void) manager_emit_event(m, "policy.rejected", "policy", error ? error : strerror(-r));
        } else {
                log_info("Policy reloaded: %zu rules.", m->n_results);
                bus_emit_policy_changed(m);
                (void) manager_emit_event(m, "policy.loaded", "policy", "policy reloaded");
                (void) manager_evaluate_all(m);
                schedule_report(m);
        }
        (void) sd_notify(false, "READY=1\nSTATUS=Enforcing the policy");
        if (ret_error)
                *ret_error = TAKE_PTR(error);
        return r;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("SIGHUP: reloading the policy.");
        (void) manager_reload(userdata, NULL);
        return 0;
}

int manager_run(Manager *m) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        /* A NULL handler makes the loop exit cleanly. */
        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        r = manager_evaluate_all(m);
        if (r < 0)
                return r;
        (void) manager_write_report(m);
        (void) sd_notifyf(false, "READY=1\nSTATUS=Enforcing the policy: %zu rules, score %d",
                          m->n_results, m->score);
        log_info("mamorid %s running: %zu rules, score %d.", MAMORI_VERSION, m->n_results, m->score);

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        (void) sd_notify(false, "STOPPING=1");
        (void) manager_write_report(m);
        return 0;
}
