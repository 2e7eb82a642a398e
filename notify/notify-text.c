/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events to words. Each notice says what happened, which clause of the
 * library's policy, and what to do, in words a person who never heard of
 * USB interface classes understands; the clause strings stay out of the
 * catalog so that a translation cannot change them. */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "notify-text.h"

/* "..., interfaces 08:06:50 ff:00:00, hash ...": the usb plugin's
 * usb.blocked text. Mass storage is class 08, still image (cameras,
 * phones in PTP mode) 06, the same two for which it sends usb.notice.
 * The device's own product name comes earlier in the text, so the last
 * ", interfaces " is the plugin's: a stick cannot name itself into it. */
static bool usb_text_is_storage(const char *text) {
        const char *p = NULL;

        for (const char *q = text; q && (q = strstr(q, ", interfaces ")); q++)
                p = q;
        if (!p)
                return false;
        p += strlen(", interfaces ");
        for (;;) {
                size_t l = strcspn(p, " ,");

                if (l == 8 && p[2] == ':' && p[5] == ':' &&
                    (strncmp(p, "08", 2) == 0 || strncmp(p, "06", 2) == 0))
                        return true;
                if (p[l] != ' ')
                        return false;
                p += l + 1;
        }
}

NoticeClass notice_classify(const char *kind, const char *subject, const char *text) {
        if (streq(kind, "usb.notice"))
                return NOTICE_USB_BLOCKED;
        if (streq(kind, "usb.blocked") && usb_text_is_storage(text))
                return NOTICE_USB_BLOCKED;
        /* "session:ID": logind was asked to lock an idle session, which
         * restores no setting and which its owner, away, will not read. */
        if (streq(kind, "screenlock.enforced") && !startswith(subject, "session:"))
                return NOTICE_SCREENLOCK_RESTORED;
        if (streq(kind, "credentials.enforced"))
                return NOTICE_BROWSER_RESTORED;
        /* Only the credentials rules are about what staff keep in their own
         * account (saved passwords); the others are the administrator's. */
        if (streq(kind, "rule.fail") && startswith(subject, "credentials.") &&
            subject[strlen("credentials.")])
                return NOTICE_RULE_FAIL;
        return NOTICE_NONE;
}

bool notice_class_counts_subjects(NoticeClass c) {
        /* Each blocked medium is one; a restoration is one run of writes,
         * whatever the number of files it touched. */
        return c == NOTICE_USB_BLOCKED;
}

const char *notice_group_key(NoticeClass c, const char *subject) {
        return c == NOTICE_RULE_FAIL ? strempty(subject) : "";
}

static int format_one(char **ret, const char *fmt, ...) _printf_(2, 3);
static int format_one(char **ret, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(ret, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int notice_format(NoticeClass c, unsigned count, const NoticeRule *rule, Notice *ret) {
        Notice n = {};
        int r;

        if (count == 0)
                count = 1;
        switch (c) {
        case NOTICE_USB_BLOCKED:
                n.icon = "drive-removable-media";
                n.urgency = URGENCY_CRITICAL;
                if (count == 1) {
                        r = format_one(&n.summary, "%s", _("USB storage medium blocked"));
                        if (r >= 0)
                                /* TRANSLATORS: %s is a clause of the policy's detailed part,
                                 * such as "詳細編 2.2(3)②", the same in every language. */
                                r = format_one(&n.body, _("This USB storage medium is not registered, so it "
                                                          "cannot be used (library security policy, %s). If "
                                                          "you need it for your work, ask the system "
                                                          "administrator to register it."),
                                               CLAUSE_USB_MEDIA);
                } else {
                        r = format_one(&n.summary, P_("%u USB storage medium blocked",
                                                      "%u USB storage media blocked", count), count);
                        if (r >= 0)
                                r = format_one(&n.body, _("USB storage media that are not registered cannot "
                                                          "be used (library security policy, %s). If you "
                                                          "need one for your work, ask the system "
                                                          "administrator to register it."),
                                               CLAUSE_USB_MEDIA);
                }
                break;
        case NOTICE_SCREENLOCK_RESTORED:
                n.icon = "system-lock-screen";
                n.urgency = URGENCY_CRITICAL;
                if (count == 1)
                        r = format_one(&n.summary, "%s", _("Screen lock setting restored"));
                else
                        r = format_one(&n.summary, P_("Screen lock setting restored %u time",
                                                      "Screen lock setting restored %u times", count),
                                       count);
                if (r >= 0)
                        r = format_one(&n.body, _("The setting that locks the screen when the computer is "
                                                  "left idle had been changed, so it was set back (library "
                                                  "security policy, %s). You need not do anything; please "
                                                  "lock the screen whenever you leave your desk."),
                                       CLAUSE_SCREEN_LOCK);
                break;
        case NOTICE_BROWSER_RESTORED:
                n.icon = "web-browser";
                n.urgency = URGENCY_CRITICAL;
                if (count == 1)
                        r = format_one(&n.summary, "%s", _("Browser setting restored"));
                else
                        r = format_one(&n.summary, P_("Browser setting restored %u time",
                                                      "Browser setting restored %u times", count),
                                       count);
                if (r >= 0)
                        r = format_one(&n.body, _("The browser setting that stops it from saving passwords "
                                                  "had been changed, so it was set back (library security "
                                                  "policy, %s). You need not do anything; please do not "
                                                  "save passwords in the browser."),
                                       CLAUSE_BROWSER);
                break;
        case NOTICE_RULE_FAIL:
                if (!rule || !rule->id)
                        return -EINVAL;
                n.icon = "dialog-password";
                n.urgency = URGENCY_NORMAL;
                /* TRANSLATORS: %s is the rule's title, from the policy file, already in the
                 * reader's language. */
                r = format_one(&n.summary, _("Please fix: %s"), strempty(rule->title));
                if (r >= 0)
                        /* TRANSLATORS: the first %s is the clause ("詳細編 6.5(7)"), the
                         * second what to do, one of the sentences below. */
                        r = format_one(&n.body, _("Your account does not meet the library security policy "
                                                  "(%s). %s"),
                                       strempty(rule->clause), rule_advice(rule->id));
                break;
        default:
                return -EINVAL;
        }
        if (r < 0) {
                notice_done(&n);
                return r;
        }
        *ret = n;
        return 0;
}

void notice_done(Notice *n) {
        free(n->summary);
        free(n->body);
        *n = (Notice) {};
}

static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == '$';
}

bool evidence_names_user(char *const *evidence, const char *user) {
        size_t ul;

        if (!user || !*user)
                return false;
        ul = strlen(user);
        for (size_t i = 0; evidence && evidence[i]; i++)
                for (const char *p = evidence[i]; (p = strstr(p, "user:")); p++) {
                        const char *name = p + strlen("user:");

                        if (p > evidence[i] && is_name_char(p[-1]))
                                continue;
                        /* A dot may end a sentence but never a user name. */
                        if (strncmp(name, user, ul) == 0 &&
                            (!is_name_char(name[ul]) ||
                             (name[ul] == '.' && !is_name_char(name[ul + 1]))))
                                return true;
                }
        return false;
}

const char *rule_advice(const char *rule_id) {
        static const struct {
                const char *prefix;
                const char *advice;
        } table[] = {
                /* The one rule of the policy staff fix at their own desk. */
                { "credentials.no-saved-passwords",
                  N_("Open the list of passwords saved in your browser and delete them.") },
                { "credentials.", N_("Ask the system administrator how to fix it.") },
                { "screenlock.", N_("Until it is fixed, lock the screen yourself whenever you leave your "
                                    "desk, and tell the system administrator.") },
                { "accounts.", N_("Ask the system administrator to check your account.") },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (startswith(rule_id, table[i].prefix))
                        return _(table[i].advice);
        return _("Tell the system administrator.");
}

bool locale_is_ja(const char *name) {
        return name && strncmp(name, "ja", 2) == 0 && (name[2] == '\0' || name[2] == '_' ||
                                                        name[2] == '.' || name[2] == '@');
}

bool notify_language_is_ja(void) {
        return locale_is_ja(setlocale(LC_MESSAGES, NULL));
}

const char *rule_title(const char *title_ja, const char *title_en) {
        if (notify_language_is_ja() && title_ja && *title_ja)
                return title_ja;
        return title_en && *title_en ? title_en : strempty(title_ja);
}

int tray_tooltip(bool agent_up, int score, unsigned n_for_user, char **ret_title, char **ret_text) {
        _cleanup_free_ char *title = NULL, *text = NULL;
        int r;

        if (!agent_up) {
                r = format_one(&title, "%s", _("Security check: not running"));
                if (r >= 0)
                        r = format_one(&text, "%s", _("The security check of this computer is not running. "
                                                      "If this lasts, tell the system administrator."));
        } else {
                if (score < 0)
                        r = format_one(&title, "%s", _("Security check: no score yet"));
                else
                        r = format_one(&title, _("Security check: score %d of 100"), score);
                if (r >= 0 && n_for_user == 0)
                        r = format_one(&text, "%s", _("Nothing for you to do."));
                else if (r >= 0)
                        r = format_one(&text, P_("%u item needs your attention; see the menu.",
                                                 "%u items need your attention; see the menu.",
                                                 n_for_user),
                                       n_for_user);
        }
        if (r < 0)
                return r;
        *ret_title = TAKE_PTR(title);
        *ret_text = TAKE_PTR(text);
        return 0;
}

const char *tray_icon_name(bool agent_up, int score, unsigned n_for_user) {
        if (!agent_up || n_for_user > 0)
                return "security-low";
        if (score >= 0 && score < 100)
                return "security-medium";
        return "security-high";
}

const char *tray_status(bool agent_up, unsigned n_for_user) {
        /* NeedsAttention only for what the person at the desk can act on:
         * the administrator's failures are in the tooltip's score. */
        return agent_up && n_for_user > 0 ? "NeedsAttention" : "Active";
}
