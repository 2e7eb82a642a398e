/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* mamori-notify: one per staff session. It listens to the agent on the
 * system bus and speaks to the desktop on the session bus; the agent never
 * touches a user's session bus itself (see mamori-notify(1)). */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "notify-group.h"
#include "notify-text.h"

/* The agent's interface, as mamorictl(8) documents it. */
#define AGENT_BUS_NAME "org.mamori.Agent1"
#define AGENT_PATH "/org/mamori/Agent1"
#define AGENT_INTERFACE "org.mamori.Agent1"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define SNI_WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define SNI_WATCHER_PATH "/StatusNotifierWatcher"
#define SNI_PATH "/StatusNotifierItem"
#define SNI_INTERFACE "org.kde.StatusNotifierItem"
#define MENU_PATH "/MenuBar"
#define MENU_INTERFACE "com.canonical.dbusmenu"

/* When the agent comes back, the events it logged meanwhile are read from
 * its log, at most this many: more than that at once is a flood, and the
 * newest say the same. */
#define CATCHUP_EVENTS_MAX 200
/* Rule failures waiting for their finding (one ListFindings answers all). */
#define PENDING_RULES_MAX 32
/* A lost system bus is tried again this often. */
#define RECONNECT_USEC (5 * USEC_PER_SEC)
/* Findings are read again this long after the first of a burst of rule
 * events or score changes. */
#define REFRESH_DELAY_USEC (200 * USEC_PER_MSEC)

/* A failing rule, as ListFindings gives it. */
typedef struct Finding {
        char *id;
        char *title_ja;
        char *title_en;
        char *clause;
        char *severity;
        char **evidence;
        bool for_user;                  /* its evidence names the user at the desk */
} Finding;

typedef struct Notifier {
        sd_event *event;
        sd_bus *system;                 /* the agent's bus (or --bus) */
        sd_bus *session;                /* notifications, tray */
        char *bus_address;
        char *user;                     /* whose failures are "yours" */
        bool tray;                      /* --no-tray turns the icon off */
        uint64_t start_usec;            /* realtime: older events are not news */

        /* The agent. */
        bool agent_up;
        bool catching_up;               /* reading the log after the agent appeared */
        bool seq_known;
        uint64_t last_seq;              /* the newest event handled */
        int score;                      /* -1: none */
        Finding *findings;              /* failing rules, in policy order */
        size_t n_findings;
        char **pending_rules;           /* rule.fail events waiting for their finding */
        size_t n_pending_rules;
        sd_bus_slot *owner_call, *seq_call, *events_call, *score_call, *findings_call;
        sd_event_source *refresh_timer, *reconnect_timer;

        /* Notifications. */
        NoticeGroups groups;
        sd_event_source *flush_timer;

        /* Tray. */
        char *sni_name;                 /* org.kde.StatusNotifierItem-PID-1 */
        uint32_t menu_revision;
} Notifier;

/* notify-agent.c */
int agent_connect(Notifier *n);
void agent_disconnect(Notifier *n);
/* Connect again after RECONNECT_USEC (the bus went away, or was not there). */
int agent_schedule_reconnect(Notifier *n);
unsigned agent_count_for_user(const Notifier *n);
void findings_free(Finding *f, size_t n);

/* notify-desktop.c */
int desktop_connect(Notifier *n);
/* One event of class c (not NOTICE_NONE); rule for NOTICE_RULE_FAIL. */
int desktop_notice(Notifier *n, NoticeClass c, const char *kind, const char *subject,
                   const NoticeRule *rule);
/* A failing rule's notice again, ungrouped (a click in the menu). */
int desktop_show_finding(Notifier *n, const Finding *f);
/* A low-urgency notice of the tray's state (a click on the icon). */
int desktop_show_text(Notifier *n, const char *summary, const char *body, const char *icon);

/* notify-tray.c */
int tray_setup(Notifier *n);
void tray_changed(Notifier *n);

/* notify-menu.c */
int menu_setup(Notifier *n);
void menu_changed(Notifier *n);
