/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pwd.h>
#include <string.h>

#include "bus.h"
#include "bus_polkit.h"
#include "log.h"
#include "score.h"
#include "util.h"

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (streq(property, "Version"))
                return sd_bus_message_append(reply, "s", MAMORI_VERSION);
        if (streq(property, "Terminal"))
                return sd_bus_message_append(reply, "s", m->terminal);
        if (streq(property, "Score"))
                return sd_bus_message_append(reply, "i", m->score);
        if (streq(property, "PolicyId"))
                return sd_bus_message_append(reply, "s", m->policy ? strempty(m->policy->id) : "");
        if (streq(property, "PolicyVersion"))
                return sd_bus_message_append(reply, "s", m->policy ? strempty(m->policy->version) : "");
        if (streq(property, "LastEvaluation"))
                return sd_bus_message_append(reply, "t", m->last_evaluation_usec);
        if (streq(property, "EventSeq")) {
                char head[SHA256_HEX_SIZE];
                uint64_t seq = 0;
                int r = store_chain_head(m->store, &seq, head);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Cannot read the event log: %m");
                return sd_bus_message_append(reply, "t", seq);
        }
        if (streq(property, "Status")) {
                /* degraded: something cannot be evaluated, so the score is partial. */
                bool degraded = plugin_host_refused_count(m->host) > 0;
                for (size_t i = 0; i < m->n_results && !degraded; i++)
                        degraded = m->results[i].status == MAMORI_ERROR;
                return sd_bus_message_append(reply, "s", degraded ? "degraded" : "running");
        }
        return -ENOENT;
}

static int method_get_report(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *json = NULL;
        int r = manager_build_report_json(userdata, &json);

        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot build the report: %m");
        return sd_bus_reply_method_return(msg, "s", json);
}

static int append_strv(sd_bus_message *m, char *const *l) {
        int r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && l && l[i]; i++)
                r = sd_bus_message_append(m, "s", l[i]);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

static int method_list_findings(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int failed_only, r;

        r = sd_bus_message_read(msg, "b", &failed_only);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sssssssast)");
        for (size_t i = 0; r >= 0 && i < m->n_results; i++) {
                RuleResult *res = &m->results[i];
                const Rule *rule = res->rule;

                if (failed_only && res->status != MAMORI_FAIL)
                        continue;
                r = sd_bus_message_open_container(reply, 'r', "sssssssast");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "sssssss", rule->id, rule->title_ja,
                                                  rule->title_en, rule->clause,
                                                  severity_to_string(rule->severity), rule->check,
                                                  res->evaluated ? status_to_string(res->status) : "error");
                if (r >= 0)
                        r = append_strv(reply, res->evidence);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "t", res->since_usec);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_rules(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssssbts)");
        for (size_t i = 0; r >= 0 && i < m->n_results; i++) {
                const Rule *rule = m->results[i].rule;
                _cleanup_free_ char *source = NULL;

                if (asprintf(&source, "%s:%u:%u", rule->file, rule->mark.line, rule->mark.column) < 0)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssssssbts)", rule->id, rule->title_ja,
                                          rule->title_en, rule->clause,
                                          severity_to_string(rule->severity), rule->check,
                                          (int) rule->enforce,
                                          rule->interval_usec ? rule->interval_usec
                                                              : m->settings.default_interval_usec,
                                          source);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_events(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        StoreEvent *events = NULL;
        size_t n = 0;
        uint64_t since;
        uint32_t limit;
        int r;

        r = sd_bus_message_read(msg, "tu", &since, &limit);
        if (r < 0)
                return r;
        r = store_list_events(m->store, since, limit, &events, &n);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot read the event log: %m");
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ttsssss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(ttsssss)", events[i].seq, events[i].time_usec,
                                          events[i].kind, events[i].subject, events[i].text,
                                          events[i].prev_hash, events[i].hash);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        store_events_free(events, n);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_verify_events(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *reason = NULL;
        uint64_t seq = 0;
        int r;

        r = store_verify_events(m->store, &seq, &reason);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot read the event log: %m");
        return sd_bus_reply_method_return(msg, "bts", r == 0, seq, strempty(reason));
}

/* "uid 1000 (taro)": who asked, for the event log (詳細編 8.1(5)). */
static char *caller_name(sd_bus_message *msg) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        struct passwd *pw;
        uid_t uid;
        char *s = NULL;

        if (sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds) < 0 ||
            sd_bus_creds_get_euid(creds, &uid) < 0)
                return strdup("an unknown caller");
        pw = getpwuid(uid);
        if (asprintf(&s, "uid %u (%s)", (unsigned) uid, pw ? pw->pw_name : "?") < 0)
                return NULL;
        return s;
}

/* Every change an administrator makes is an event: who, what, when. */
static void log_admin_change(Manager *m, sd_bus_message *msg, const char *what, char *const *args) {
        _cleanup_free_ char *who = caller_name(msg), *joined = strv_join(args, " "), *text = NULL;

        if (asprintf(&text, "%s by %s%s%s", what, strempty(who), joined && *joined ? ": " : "",
                     strempty(joined)) >= 0)
                (void) manager_emit_event(m, "admin.change", what, text);
}

static int do_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;
        int r;

        r = manager_reload(userdata, &why);
        if (r >= 0)
                log_admin_change(userdata, msg, "reload", NULL);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR_POLICY_REJECTED,
                                         "New policy rejected, the last good one stays in force: %s",
                                         why ? why : strerror(-r));
        return sd_bus_reply_method_return(msg, "");
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_polkit_check_async(msg, POLKIT_ACTION_RELOAD, do_reload, userdata, error);
}

typedef struct Lines {
        char **l;
        size_t n;
} Lines;

static int collect_line(void *userdata, const char *line) {
        Lines *lines = userdata;

        if (lines->n >= 100000)
                return -E2BIG; /* bound what one call can make the agent hold */
        return strv_consume(&lines->l, &lines->n, text_sanitize(line, 4096));
}

/* Reads PluginAction's arguments and finds the action; used before and
 * after the polkit question, so it reads from the start each time. */
static int action_lookup(Manager *m, sd_bus_message *msg, const char **ret_plugin,
                         const char **ret_action, char ***ret_args, Plugin **ret_p,
                         const struct mamori_action **ret_a, sd_bus_error *error) {
        int r;

        r = sd_bus_message_rewind(msg, true);
        if (r >= 0)
                r = sd_bus_message_read(msg, "ss", ret_plugin, ret_action);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, ret_args);
        if (r < 0)
                return r;
        r = plugin_host_find_action(m->host, *ret_plugin, *ret_action, ret_p, ret_a);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "No plugin \"%s\" is loaded.", *ret_plugin);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Plugin %s has no action \"%s\".", *ret_plugin, *ret_action);
        return 0;
}

static int do_plugin_action(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **args = NULL, **out = NULL;
        const struct mamori_action *a;
        const char *plugin, *action;
        Lines lines = {};
        Plugin *p;
        int r;

        r = action_lookup(userdata, msg, &plugin, &action, &args, &p, &a, error);
        if (r < 0)
                return r;
        if (a->privileged)
                log_notice("%s %s requested by %s.", plugin, action,
                           strempty(sd_bus_message_get_sender(msg)));
        r = plugin_run_action(p, action, (const char *const *) args, collect_line, &lines);
        out = lines.l;
        if (a->privileged && r >= 0) {
                _cleanup_free_ char *what = NULL;
                if (asprintf(&what, "%s %s", plugin, action) >= 0)
                        log_admin_change(userdata, msg, what, args);
        }
        if (r < 0)
                /* The plugin's last line says why. */
                return sd_bus_error_setf(error, BUS_ERROR_ACTION_FAILED, "%s %s: %s", plugin, action,
                                         lines.n > 0 ? out[lines.n - 1] : strerror(-r));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, out);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_plugin_action(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **args = NULL;
        _cleanup_free_ char *action_id = NULL;
        const struct mamori_action *a;
        const char *plugin, *action;
        Plugin *p;
        int r;

        r = action_lookup(userdata, msg, &plugin, &action, &args, &p, &a, error);
        if (r < 0)
                return r;
        if (!a->privileged)
                return do_plugin_action(msg, userdata, error);
        /* Each plugin action is a polkit action of its own, so that an
         * administrator can allow "register media" without "accept a
         * baseline"; packaging/polkit lists them. */
        if (asprintf(&action_id, "org.mamori.%s.%s", plugin, action) < 0)
                return -ENOMEM;
        return bus_polkit_check_async(msg, action_id, do_plugin_action, userdata, error);
}

static int method_list_actions(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssbss)");
        for (size_t i = 0; r >= 0 && i < plugin_host_count(m->host); i++) {
                Plugin *p = plugin_host_get(m->host, i);
                for (const struct mamori_action *a = plugin_actions(p); r >= 0 && a && a->name; a++)
                        r = sd_bus_message_append(reply, "(ssbss)", plugin_name(p), a->name,
                                                  a->privileged, strempty(a->usage),
                                                  strempty(a->summary));
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Terminal", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Score", "i", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Status", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("PolicyId", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("PolicyVersion", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("LastEvaluation", "t", property_get, 0, 0),
        SD_BUS_PROPERTY("EventSeq", "t", property_get, 0, 0),
        SD_BUS_METHOD("GetReport", "", "s", method_get_report, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ListFindings", "b", "a(sssssssast)", method_list_findings,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ListRules", "", "a(ssssssbts)", method_list_rules, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ListEvents", "tu", "a(ttsssss)", method_list_events, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("VerifyEvents", "", "bts", method_verify_events, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ListActions", "", "a(ssbss)", method_list_actions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("PluginAction", "ssas", "as", method_plugin_action, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("EventAdded", "ttsss", 0),
        SD_BUS_VTABLE_END,
};

int bus_setup(Manager *m) {
        int r;

        if (m->settings.bus_address) {
                r = sd_bus_new(&m->bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->bus, m->settings.bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->bus, true);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
        } else
                r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the %s bus: %m",
                                       m->settings.bus_address ? m->settings.bus_address : "system");

        r = sd_bus_add_object_vtable(m->bus, &m->bus_slot, BUS_PATH, BUS_INTERFACE, agent_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus object: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_request_name(m->bus, BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to take the bus name %s (is another mamorid "
                                       "running, or is the D-Bus policy file missing?): %m", BUS_NAME);
        return 0;
}

void bus_emit_event(Manager *m, const StoreEvent *e) {
        int r;

        if (!m->bus)
                return;
        r = sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "EventAdded", "ttsss", e->seq,
                               e->time_usec, e->kind, e->subject, e->text);
        if (r < 0)
                log_debug_errno(r, "Failed to emit EventAdded, ignoring: %m");
}

void bus_emit_score_changed(Manager *m) {
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_INTERFACE, "Score",
                                                      "Status", NULL);
}

void bus_emit_policy_changed(Manager *m) {
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_INTERFACE, "PolicyId",
                                                      "PolicyVersion", "Status", NULL);
}
