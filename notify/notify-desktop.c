/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Desktop notifications (org.freedesktop.Notifications on the session
 * bus). One notification per group of events: the first event shows it at
 * once, and what follows within the window replaces it with a count, at
 * most once per NOTICE_UPDATE_DELAY_USEC. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"

/* Long enough for a notification server that is just starting. */
#define NOTIFY_CALL_TIMEOUT_USEC (25 * USEC_PER_SEC)

typedef struct NotifyCall {
        Notifier *notifier;
        uint64_t serial;                /* the group's, 0 for an ungrouped notice */
} NotifyCall;

/* Servers that announce "body-markup" read the body as a small subset of
 * HTML: rule titles come from the policy files, so escape them. */
static char *markup_escape(const char *s) {
        size_t n = 0;
        char *e, *p;

        for (const char *c = s; *c; c++)
                n += *c == '&' ? 5 : (*c == '<' || *c == '>') ? 4 : 1;
        e = p = malloc(n + 1);
        if (!e)
                return NULL;
        for (const char *c = s; *c; c++) {
                if (*c == '&')
                        p = stpcpy(p, "&amp;");
                else if (*c == '<')
                        p = stpcpy(p, "&lt;");
                else if (*c == '>')
                        p = stpcpy(p, "&gt;");
                else
                        *p++ = *c;
        }
        *p = '\0';
        return e;
}

static void arm_flush(Notifier *n);

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotifyCall *call = userdata;
        Notifier *n = call->notifier;
        NoticeGroup *gr = call->serial ? notice_groups_find_serial(&n->groups, call->serial) : NULL;
        uint32_t id = 0;

        if (sd_bus_message_is_method_error(m, NULL))
                log_warning("The desktop's notification server did not take a notice: %s",
                            sd_bus_message_get_error(m)->message);
        else if (sd_bus_message_read(m, "u", &id) < 0)
                id = 0;
        if (gr) {
                notice_group_answered(gr, id);
                if (notice_group_needs_update(gr))
                        arm_flush(n);
        }
        return 0;
}

static int append_hint(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', type);
        if (r >= 0) {
                va_start(ap, type);
                r = sd_bus_message_appendv(m, type, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int send_notice(Notifier *n, const Notice *no, NoticeClass c, uint32_t replaces_id,
                       uint64_t serial) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *body = markup_escape(no->body);
        _cleanup_free_ NotifyCall *call = NULL;
        sd_bus_slot *slot = NULL;
        int r;

        if (!n->session)
                return -ENOTCONN;
        call = malloc(sizeof *call);
        if (!body || !call)
                return -ENOMEM;
        *call = (NotifyCall) { .notifier = n, .serial = serial };
        r = sd_bus_message_new_method_call(n->session, &m, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                           NOTIFICATIONS_NAME, "Notify");
        if (r >= 0)
                r = sd_bus_message_append(m, "susssas", "mamori", replaces_id, no->icon, no->summary,
                                          body, 0);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = append_hint(m, "urgency", "y", (uint8_t) no->urgency);
        if (r >= 0)
                r = append_hint(m, "desktop-entry", "s", "mamori-notify");
        if (r >= 0 && c == NOTICE_USB_BLOCKED)
                r = append_hint(m, "category", "s", "device.error");
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "i", (int32_t) -1);
        if (r < 0)
                return r;
        r = sd_bus_call_async(n->session, &slot, m, on_notify_reply, call, NOTIFY_CALL_TIMEOUT_USEC);
        if (r < 0)
                return r;
        /* The call owns its userdata from here, whether answered or not;
         * a floating slot is the bus's, which took a reference of its own. */
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        TAKE_PTR(call);
        log_debug("Notice: %s", no->summary);
        return 0;
}

static const Finding *finding_by_id(const Notifier *n, const char *id) {
        for (size_t i = 0; i < n->n_findings; i++)
                if (streq(n->findings[i].id, id))
                        return &n->findings[i];
        return NULL;
}

static int send_group(Notifier *n, NoticeGroup *gr) {
        NoticeRule rule = {}, *rp = NULL;
        Notice no = {};
        int r;

        if (gr->class == NOTICE_RULE_FAIL) {
                const Finding *f = finding_by_id(n, gr->key);

                if (!f)
                        return -ENOENT; /* it passes again: nothing to update */
                rule = (NoticeRule) { f->id, rule_title(f->title_ja, f->title_en), f->clause };
                rp = &rule;
        }
        r = notice_format(gr->class, gr->count, rp, &no);
        if (r < 0)
                return r;
        notice_group_sent(gr);
        r = send_notice(n, &no, gr->class, gr->id, gr->serial);
        if (r < 0)
                notice_group_answered(gr, 0);
        notice_done(&no);
        return r;
}

static int on_flush(sd_event_source *s, uint64_t usec, void *userdata) {
        Notifier *n = userdata;
        uint64_t now;

        for (size_t i = 0; i < n->groups.n; i++)
                if (notice_group_needs_update(n->groups.groups[i])) {
                        int r = send_group(n, n->groups.groups[i]);
                        if (r < 0 && r != -ENOENT)
                                log_warning_errno(r, "Cannot update a notice, ignoring: %m");
                        if (r == -ENOENT)
                                n->groups.groups[i]->shown = n->groups.groups[i]->count;
                }
        if (sd_event_now(n->event, CLOCK_MONOTONIC, &now) >= 0)
                notice_groups_expire(&n->groups, now);
        return 0;
}

static void arm_flush(Notifier *n) {
        int enabled = SD_EVENT_OFF, r;

        if (n->flush_timer && sd_event_source_get_enabled(n->flush_timer, &enabled) >= 0 &&
            enabled != SD_EVENT_OFF)
                return;
        if (!n->flush_timer) {
                r = sd_event_add_time_relative(n->event, &n->flush_timer, CLOCK_MONOTONIC,
                                               NOTICE_UPDATE_DELAY_USEC, 0, on_flush, n);
                if (r < 0) {
                        log_warning_errno(r, "Cannot arm the notice timer, ignoring: %m");
                        return;
                }
                (void) sd_event_source_set_description(n->flush_timer, "notice-update");
        } else
                (void) sd_event_source_set_time_relative(n->flush_timer, NOTICE_UPDATE_DELAY_USEC);
        (void) sd_event_source_set_enabled(n->flush_timer, SD_EVENT_ONESHOT);
}

int desktop_notice(Notifier *n, NoticeClass c, const char *kind, const char *subject,
                   const NoticeRule *rule) {
        NoticeGroup *gr;
        uint64_t now;
        int r;

        r = sd_event_now(n->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = notice_groups_add(&n->groups, c, notice_group_key(c, subject), kind, subject, now, &gr);
        if (r < 0)
                return r;
        if (r == GROUP_SHOW)
                return send_group(n, gr);
        if (r == GROUP_UPDATE)
                arm_flush(n);
        return 0;
}

int desktop_show_finding(Notifier *n, const Finding *f) {
        NoticeRule rule = { f->id, rule_title(f->title_ja, f->title_en), f->clause };
        Notice no = {};
        int r;

        r = notice_format(NOTICE_RULE_FAIL, 1, &rule, &no);
        if (r < 0)
                return r;
        r = send_notice(n, &no, NOTICE_RULE_FAIL, 0, 0);
        notice_done(&no);
        return r;
}

int desktop_show_text(Notifier *n, const char *summary, const char *body, const char *icon) {
        Notice no = { .summary = (char *) summary, .body = (char *) body, .icon = icon,
                      .urgency = URGENCY_LOW };

        return send_notice(n, &no, NOTICE_NONE, 0, 0);
}

int desktop_connect(Notifier *n) {
        int r;

        r = sd_bus_open_user(&n->session);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the session bus: %m");
        r = sd_bus_attach_event(n->session, n->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the session bus to the event loop: %m");
        /* The session bus ends with the session, and so does this program. */
        r = sd_bus_set_exit_on_disconnect(n->session, true);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the session bus: %m");
        return 0;
}
