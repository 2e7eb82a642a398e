/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What an agent event means for the staff member at the desk, and the
 * words for it. Pure: no bus, no clock; the texts come from the gettext
 * catalog of the "mamori-notify" domain (po/), English as written here
 * when the catalog or the locale is missing. */

#include <libintl.h>
#include <stdbool.h>
#include <string.h>

#include "util.h"

#define NOTIFY_DOMAIN "mamori-notify"
#define _(s) dgettext(NOTIFY_DOMAIN, s)
#define N_(s) (s)
#define P_(singular, plural, n) dngettext(NOTIFY_DOMAIN, singular, plural, n)

/* The clauses of shared/policy/CLAUSES.md that each notice cites. */
#define CLAUSE_USB_MEDIA "詳細編 2.2(3)②"
#define CLAUSE_SCREEN_LOCK "詳細編 2.2(2)④"
#define CLAUSE_BROWSER "詳細編 6.5(7)"

typedef enum NoticeClass {
        NOTICE_NONE = 0,                /* not meant for staff */
        NOTICE_USB_BLOCKED,             /* an unregistered storage medium was blocked */
        NOTICE_SCREENLOCK_RESTORED,     /* the idle-lock setting was put back */
        NOTICE_BROWSER_RESTORED,        /* the browser's no-password-saving policy was put back */
        NOTICE_RULE_FAIL,               /* a rule staff fix themselves: needs its finding */
        _NOTICE_CLASS_MAX,
} NoticeClass;

/* org.freedesktop.Notifications "urgency" hint values. */
typedef enum Urgency {
        URGENCY_LOW = 0,
        URGENCY_NORMAL = 1,
        URGENCY_CRITICAL = 2,
} Urgency;

/* A failing rule as the notice needs it; title already in the reader's
 * language (see rule_title()). */
typedef struct NoticeRule {
        const char *id;
        const char *title;
        const char *clause;
} NoticeRule;

typedef struct Notice {
        char *summary;
        char *body;
        const char *icon;               /* an icon name of the freedesktop naming spec */
        Urgency urgency;
} Notice;

static inline bool startswith(const char *s, const char *prefix) {
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* NOTICE_NONE for every event that is not for staff. A usb.blocked event
 * counts only for storage (interface class 08 or 06 in its text), a
 * screenlock.enforced one only for settings (not "session:" locks); rule.fail
 * only for rules named "credentials.*", which the caller must still look up
 * (notice_rule_concerns()). */
NoticeClass notice_classify(const char *kind, const char *subject, const char *text);

/* Whether a group of this class counts its events subject by subject (one
 * per blocked medium), or as bursts (the several files one restoration
 * writes are one restoration). */
bool notice_class_counts_subjects(NoticeClass c);

/* Events of one class group together when repeated; the rule notices of
 * different rules do not, so their key includes the rule. */
const char *notice_group_key(NoticeClass c, const char *subject);

/* The texts for count (>= 1) grouped events of class c; rule is needed
 * for NOTICE_RULE_FAIL only. */
int notice_format(NoticeClass c, unsigned count, const NoticeRule *rule, Notice *ret);
void notice_done(Notice *n);

/* Whether one of the evidence lines names the account: "user:NAME" as a
 * whole word ("user:taro:", "user:taro " or at the end; not "user:taroko"). */
bool evidence_names_user(char *const *evidence, const char *user);

/* What staff do about a failing rule, in one sentence of the reader's
 * language. */
const char *rule_advice(const char *rule_id);

/* Japanese when the locale's name (LC_MESSAGES) is ja or ja_*. */
bool locale_is_ja(const char *locale_name);
bool notify_language_is_ja(void);
const char *rule_title(const char *title_ja, const char *title_en);

/* The summary line of the terminal's state for the tray: title (short)
 * and a sentence; both allocated. score < 0: none yet. */
int tray_tooltip(bool agent_up, int score, unsigned n_for_user, char **ret_title,
                 char **ret_text);

/* The tray icon's name and SNI status for that state. */
const char *tray_icon_name(bool agent_up, int score, unsigned n_for_user);
const char *tray_status(bool agent_up, unsigned n_for_user);
