/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent side: the system bus (or --bus), the EventAdded signal, the
 * agent's state (score, failing rules) and its comings and goings. The
 * agent restarts after an update or a crash; the notifier follows its name
 * (NameOwnerChanged) and, when it is back, reads from the event log what
 * it said meanwhile, so that an event logged while no signal could reach
 * us (the agent decides the USB devices present before it takes its bus
 * name) is still shown. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"

void findings_free(Finding *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].id);
                free(f[i].title_ja);
                free(f[i].title_en);
                free(f[i].clause);
                free(f[i].severity);
                strv_free(f[i].evidence);
        }
        free(f);
}

unsigned agent_count_for_user(const Notifier *n) {
        unsigned k = 0;

        for (size_t i = 0; i < n->n_findings; i++)
                k += n->findings[i].for_user;
        return k;
}

static void state_changed(Notifier *n) {
        tray_changed(n);
        menu_changed(n);
}

static void pending_clear(Notifier *n) {
        for (size_t i = 0; i < n->n_pending_rules; i++)
                free(n->pending_rules[i]);
        free(n->pending_rules);
        n->pending_rules = NULL;
        n->n_pending_rules = 0;
}

static int pending_add(Notifier *n, const char *rule_id) {
        char **l;

        for (size_t i = 0; i < n->n_pending_rules; i++)
                if (streq(n->pending_rules[i], rule_id))
                        return 0;
        if (n->n_pending_rules >= PENDING_RULES_MAX)
                return -ENOBUFS;
        l = realloc(n->pending_rules, (n->n_pending_rules + 1) * sizeof *l);
        if (!l)
                return -ENOMEM;
        n->pending_rules = l;
        l[n->n_pending_rules] = strdup(rule_id);
        if (!l[n->n_pending_rules])
                return -ENOMEM;
        n->n_pending_rules++;
        return 0;
}

/* --- state: score and failing rules --------------------------------------- */

static int on_score(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        int score, r;

        n->score_call = sd_bus_slot_unref(n->score_call);
        if (sd_bus_message_is_method_error(m, NULL)) {
                log_debug("Cannot read the agent's score: %s", sd_bus_message_get_error(m)->message);
                return 0;
        }
        r = sd_bus_message_read(m, "v", "i", &score);
        if (r < 0) {
                log_debug_errno(r, "Malformed Score property, ignoring: %m");
                return 0;
        }
        n->score = score;
        state_changed(n);
        return 0;
}

static int read_finding(sd_bus_message *m, const char *user, Finding *f) {
        const char *id, *title_ja, *title_en, *clause, *severity, *check, *status;
        uint64_t since;
        int r;

        r = sd_bus_message_read(m, "sssssss", &id, &title_ja, &title_en, &clause, &severity, &check,
                                &status);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(m, &f->evidence);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "t", &since);
        if (r < 0)
                return r;
        f->id = strdup(id);
        f->title_ja = strdup(title_ja);
        f->title_en = strdup(title_en);
        f->clause = strdup(clause);
        f->severity = strdup(severity);
        if (!f->id || !f->title_ja || !f->title_en || !f->clause || !f->severity)
                return -ENOMEM;
        f->for_user = evidence_names_user(f->evidence, user);
        return 0;
}

static int read_findings(sd_bus_message *m, const char *user, Finding **ret, size_t *ret_n) {
        Finding *l = NULL;
        size_t k = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sssssssast)");
        while (r >= 0) {
                Finding *nl;

                r = sd_bus_message_enter_container(m, 'r', "sssssssast");
                if (r <= 0)
                        break;
                nl = realloc(l, (k + 1) * sizeof *nl);
                if (!nl) {
                        r = -ENOMEM;
                        break;
                }
                l = nl;
                l[k] = (Finding) {};
                r = read_finding(m, user, &l[k++]);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                findings_free(l, k);
                return r;
        }
        *ret = l;
        *ret_n = k;
        return 0;
}

static const Finding *finding_get(const Notifier *n, const char *id) {
        for (size_t i = 0; i < n->n_findings; i++)
                if (streq(n->findings[i].id, id))
                        return &n->findings[i];
        return NULL;
}

static int on_findings(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        Finding *l = NULL;
        size_t k = 0;
        int r;

        n->findings_call = sd_bus_slot_unref(n->findings_call);
        if (sd_bus_message_is_method_error(m, NULL)) {
                log_debug("Cannot read the agent's findings: %s", sd_bus_message_get_error(m)->message);
                return 0;
        }
        r = read_findings(m, n->user, &l, &k);
        if (r < 0) {
                log_warning_errno(r, "Cannot read the agent's findings, ignoring: %m");
                return 0;
        }
        findings_free(n->findings, n->n_findings);
        n->findings = l;
        n->n_findings = k;

        /* This answer was made after the rule.fail events that wait for it
         * (the agent answers in order), so it has their findings. A rule
         * that passes again meanwhile, or whose evidence names someone
         * else, is not this person's to fix: no notice. */
        for (size_t i = 0; i < n->n_pending_rules; i++) {
                const Finding *f = finding_get(n, n->pending_rules[i]);

                if (f && f->for_user) {
                        NoticeRule rule = { f->id, rule_title(f->title_ja, f->title_en), f->clause };

                        r = desktop_notice(n, NOTICE_RULE_FAIL, "rule.fail", f->id, &rule);
                        if (r < 0)
                                log_warning_errno(r, "Cannot show the notice for rule %s, ignoring: %m",
                                                  f->id);
                }
        }
        pending_clear(n);
        state_changed(n);
        return 0;
}

static void refresh(Notifier *n) {
        int r;

        if (!n->agent_up || !n->system)
                return;
        n->score_call = sd_bus_slot_unref(n->score_call);
        r = sd_bus_call_method_async(n->system, &n->score_call, AGENT_BUS_NAME, AGENT_PATH,
                                     "org.freedesktop.DBus.Properties", "Get", on_score, n, "ss",
                                     AGENT_INTERFACE, "Score");
        if (r < 0)
                log_debug_errno(r, "Cannot ask for the score, ignoring: %m");
        n->findings_call = sd_bus_slot_unref(n->findings_call);
        r = sd_bus_call_method_async(n->system, &n->findings_call, AGENT_BUS_NAME, AGENT_PATH,
                                     AGENT_INTERFACE, "ListFindings", on_findings, n, "b", 1);
        if (r < 0)
                log_debug_errno(r, "Cannot ask for the findings, ignoring: %m");
}

static int on_refresh_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        refresh(userdata);
        return 0;
}

static void schedule_refresh(Notifier *n) {
        int enabled = SD_EVENT_OFF, r;

        /* The first of a burst arms it; the rest ride along. */
        if (n->refresh_timer && sd_event_source_get_enabled(n->refresh_timer, &enabled) >= 0 &&
            enabled != SD_EVENT_OFF)
                return;
        if (!n->refresh_timer) {
                r = sd_event_add_time_relative(n->event, &n->refresh_timer, CLOCK_MONOTONIC,
                                               REFRESH_DELAY_USEC, 0, on_refresh_timer, n);
                if (r < 0) {
                        log_debug_errno(r, "Cannot arm the refresh timer, refreshing now: %m");
                        refresh(n);
                        return;
                }
                (void) sd_event_source_set_description(n->refresh_timer, "refresh");
        } else
                (void) sd_event_source_set_time_relative(n->refresh_timer, REFRESH_DELAY_USEC);
        (void) sd_event_source_set_enabled(n->refresh_timer, SD_EVENT_ONESHOT);
}

/* --- events ---------------------------------------------------------------- */

static void handle_event(Notifier *n, uint64_t seq, uint64_t time_usec, const char *kind,
                         const char *subject, const char *text) {
        NoticeClass c;
        int r;

        if (n->seq_known && seq <= n->last_seq)
                return; /* seen already (the log and a signal both brought it) */
        n->last_seq = seq;
        n->seq_known = true;

        if (startswith(kind, "rule.") || startswith(kind, "policy."))
                schedule_refresh(n);
        /* What happened before this session started was for someone else,
         * or was told to this person then. */
        if (time_usec < n->start_usec)
                return;
        c = notice_classify(kind, subject, text);
        if (c == NOTICE_NONE)
                return;
        log_debug("Event %" PRIu64 " %s (%s) is for staff.", seq, kind, subject);
        if (c == NOTICE_RULE_FAIL) {
                /* Whose and which: ListFindings says (title, clause, evidence). */
                r = pending_add(n, subject);
                if (r < 0)
                        log_debug_errno(r, "Too many rule failures at once, dropping %s: %m", subject);
                schedule_refresh(n);
                return;
        }
        r = desktop_notice(n, c, kind, subject, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot show the notice for event %" PRIu64 ", ignoring: %m", seq);
}

static int on_event_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const char *kind, *subject, *text;
        uint64_t seq, time_usec;
        int r;

        r = sd_bus_message_read(m, "ttsss", &seq, &time_usec, &kind, &subject, &text);
        if (r < 0) {
                log_debug_errno(r, "Malformed EventAdded signal, ignoring: %m");
                return 0;
        }
        /* While the log is being read, the answer holds this event too: it
         * was sent before that answer, so committed before it was made. */
        if (n->catching_up)
                return 0;
        handle_event(n, seq, time_usec, kind, subject, text);
        return 0;
}

static int read_events(Notifier *n, sd_bus_message *m, size_t *ret_count) {
        size_t k = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(ttsssss)");
        while (r >= 0) {
                const char *kind, *subject, *text, *prev, *hash;
                uint64_t seq, time_usec;

                r = sd_bus_message_read(m, "(ttsssss)", &seq, &time_usec, &kind, &subject, &text,
                                        &prev, &hash);
                if (r <= 0)
                        break;
                handle_event(n, seq, time_usec, kind, subject, text);
                k++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        *ret_count = k;
        return r;
}

static int list_events(Notifier *n, uint64_t since);

static int on_catchup_events(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        size_t k = 0;
        int r;

        n->events_call = sd_bus_slot_unref(n->events_call);
        if (sd_bus_message_is_method_error(m, NULL)) {
                log_warning("Cannot read the agent's event log, events may have been missed: %s",
                            sd_bus_message_get_error(m)->message);
                n->catching_up = false;
                return 0;
        }
        r = read_events(n, m, &k);
        if (r < 0)
                log_warning_errno(r, "Malformed event list, ignoring the rest: %m");
        /* A full page: there may be more; signals stay ignored until the
         * log is read to its end. */
        if (r >= 0 && k == CATCHUP_EVENTS_MAX && list_events(n, n->last_seq) >= 0)
                return 0;
        n->catching_up = false;
        return 0;
}

static int list_events(Notifier *n, uint64_t since) {
        n->events_call = sd_bus_slot_unref(n->events_call);
        return sd_bus_call_method_async(n->system, &n->events_call, AGENT_BUS_NAME, AGENT_PATH,
                                        AGENT_INTERFACE, "ListEvents", on_catchup_events, n, "tu",
                                        since, (uint32_t) CATCHUP_EVENTS_MAX);
}

static int on_event_seq(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        uint64_t head, since;
        int r;

        n->seq_call = sd_bus_slot_unref(n->seq_call);
        r = sd_bus_message_is_method_error(m, NULL) ? -EIO : sd_bus_message_read(m, "v", "t", &head);
        if (r < 0) {
                log_warning("Cannot read where the agent's event log ends; only new events will be shown.");
                n->catching_up = false;
                return 0;
        }
        if (!n->seq_known || head < n->last_seq)
                /* First contact, or a new log: the latest few, of which
                 * handle_event() keeps those younger than this session. */
                since = head > CATCHUP_EVENTS_MAX ? head - CATCHUP_EVENTS_MAX : 0;
        else
                since = head - n->last_seq > CATCHUP_EVENTS_MAX ? head - CATCHUP_EVENTS_MAX : n->last_seq;
        n->last_seq = since;
        n->seq_known = true;
        r = list_events(n, since);
        if (r < 0) {
                log_warning_errno(r, "Cannot read the agent's event log: %m");
                n->catching_up = false;
        }
        return 0;
}

static void agent_appeared(Notifier *n) {
        int r;

        if (n->agent_up)
                return;
        log_info("The agent is on the bus; reading its state.");
        n->agent_up = true;
        n->catching_up = true;
        n->seq_call = sd_bus_slot_unref(n->seq_call);
        r = sd_bus_call_method_async(n->system, &n->seq_call, AGENT_BUS_NAME, AGENT_PATH,
                                     "org.freedesktop.DBus.Properties", "Get", on_event_seq, n, "ss",
                                     AGENT_INTERFACE, "EventSeq");
        if (r < 0) {
                log_warning_errno(r, "Cannot ask where the agent's event log ends: %m");
                n->catching_up = false;
        }
        refresh(n);
        state_changed(n);
}

static void agent_vanished(Notifier *n) {
        if (!n->agent_up)
                return;
        log_info("The agent left the bus; waiting for it to come back.");
        n->agent_up = false;
        n->catching_up = false;
        n->seq_call = sd_bus_slot_unref(n->seq_call);
        n->events_call = sd_bus_slot_unref(n->events_call);
        n->score_call = sd_bus_slot_unref(n->score_call);
        n->findings_call = sd_bus_slot_unref(n->findings_call);
        state_changed(n);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || !streq(name, AGENT_BUS_NAME))
                return 0;
        if (*old_owner)
                agent_vanished(n);
        if (*new_owner)
                agent_appeared(n);
        return 0;
}

static int on_name_has_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        int has = 0;

        n->owner_call = sd_bus_slot_unref(n->owner_call);
        if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "b", &has) >= 0 && has)
                agent_appeared(n);
        else if (!n->agent_up)
                log_info("The agent is not running; waiting for it.");
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        schedule_refresh(userdata);
        return 0;
}

/* --- the connection ---------------------------------------------------------- */

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Notifier *n = userdata;
        int r;

        agent_disconnect(n);
        r = agent_connect(n);
        if (r < 0) {
                log_debug_errno(r, "Still no system bus, trying again later: %m");
                (void) sd_event_source_set_time_relative(s, RECONNECT_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return 0;
}

int agent_schedule_reconnect(Notifier *n) {
        int r;

        if (!n->reconnect_timer) {
                r = sd_event_add_time_relative(n->event, &n->reconnect_timer, CLOCK_MONOTONIC,
                                               RECONNECT_USEC, 0, on_reconnect_timer, n);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(n->reconnect_timer, "reconnect");
        } else
                (void) sd_event_source_set_time_relative(n->reconnect_timer, RECONNECT_USEC);
        return sd_event_source_set_enabled(n->reconnect_timer, SD_EVENT_ONESHOT);
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        int r;

        log_warning("Lost the connection to the %s bus; connecting again in a few seconds.",
                    n->bus_address ? n->bus_address : "system");
        agent_vanished(n);
        /* Not closed here: this is the bus's own callback. */
        r = agent_schedule_reconnect(n);
        if (r < 0)
                log_error_errno(r, "Cannot arm the reconnection timer: %m");
        return 0;
}

static int open_bus(const char *address, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (!address)
                return sd_bus_open_system(ret);
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

int agent_connect(Notifier *n) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = open_bus(n->bus_address, &bus);
        if (r < 0)
                return log_warning_errno(r, "Cannot connect to the %s bus: %m",
                                         n->bus_address ? n->bus_address : "system");
        r = sd_bus_attach_event(bus, n->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the system bus to the event loop: %m");
        /* Only the owner of the agent's name is heard: the bus delivers a
         * signal matched on a well-known sender only from its owner, so
         * another program cannot make the desk show a forged notice. */
        r = sd_bus_match_signal(bus, NULL, AGENT_BUS_NAME, AGENT_PATH, AGENT_INTERFACE, "EventAdded",
                                on_event_added, n);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, AGENT_BUS_NAME, AGENT_PATH,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        on_properties_changed, n);
        if (r >= 0)
                r = sd_bus_add_match(bus, NULL,
                                     "type='signal',sender='org.freedesktop.DBus',"
                                     "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                     "member='NameOwnerChanged',arg0='" AGENT_BUS_NAME "'",
                                     on_name_owner_changed, n);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", NULL,
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, n);
        if (r < 0)
                return log_error_errno(r, "Cannot subscribe to the agent's signals: %m");
        n->owner_call = sd_bus_slot_unref(n->owner_call);
        r = sd_bus_call_method_async(bus, &n->owner_call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner", on_name_has_owner, n, "s",
                                     AGENT_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Cannot ask whether the agent runs: %m");
        n->system = TAKE_PTR(bus);
        return 0;
}

void agent_disconnect(Notifier *n) {
        n->owner_call = sd_bus_slot_unref(n->owner_call);
        n->seq_call = sd_bus_slot_unref(n->seq_call);
        n->events_call = sd_bus_slot_unref(n->events_call);
        n->score_call = sd_bus_slot_unref(n->score_call);
        n->findings_call = sd_bus_slot_unref(n->findings_call);
        n->system = sd_bus_flush_close_unref(n->system);
}
