/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.policy on Xfce: xfce4-screensaver's settings (channel
 * xfce4-screensaver) or, with light-locker, when the X screensaver starts
 * (xfce4-power-manager's blank-on-ac), from the system channel files under
 * /etc/xdg/xfce4/xfconf/xfce-perchannel-xml/ and each staff account's
 * ~/.config/xfce4/xfconf/xfce-perchannel-xml/, with xfconf's locks.
 * light-locker's own setting is a GSettings key (screenlock-dconf.c).
 *
 * Facts relied on (xfconfd's per-channel XML backend and locking utils,
 * xfce4-screensaver's gs-prefs.h):
 *   - System files ($XDG_CONFIG_DIRS, /etc/xdg) are read first, the user's
 *     file last; a user value overrides a system value unless the property
 *     is locked for that user. A channel locked for the user is read from
 *     the system files only.
 *   - locked="LIST" locks the users and "@groups" listed; unlocked="LIST"
 *     locks everyone else (unlocked wins when both are given). Lists are
 *     ';'-separated; a group matches through /etc/group's member list only.
 *     There is no wildcard: locked="*" locks no one.
 *   - A property lock covers that property only, not its children.
 *   - xfce4-screensaver: /saver/enabled (true), /saver/idle-activation/
 *     enabled (true), /saver/idle-activation/delay (5 minutes), /lock/enabled
 *     (true), /lock/saver-activation/enabled (true), /lock/saver-activation/
 *     delay (0 minutes after the screensaver starts). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "screenlock-desktops.h"

#define XF_SYSTEM_DIR "etc/xdg/xfce4/xfconf/xfce-perchannel-xml"
#define XF_USER_DIR ".config/xfce4/xfconf/xfce-perchannel-xml"
#define XF_KIOSKRC "etc/xdg/xfce4/kiosk/kioskrc"

static const char *const xfce_markers[] = {
        "usr/bin/xfce4-session",
        "usr/bin/startxfce4",
        NULL,
};
static const char *const xfce4_screensaver_markers[] = { "usr/bin/xfce4-screensaver", NULL };
static const char *const light_locker_markers[] = { "usr/bin/light-locker", NULL };

typedef struct XfKey {
        KeySpec spec;                   /* path: the property; default_*: the program's default */
        bool has_default;               /* false: not known, the value must be set */
} XfKey;

typedef struct XfChannelSpec {
        const char *channel;
        const char *program;
        const XfKey *keys;
        size_t n_keys;
} XfChannelSpec;

static const XfKey screensaver_keys[] = {
        { { "/saver/enabled", "/saver/enabled", GVARIANT_BOOLEAN, ROLE_IDLE_ACTIVATION, 1, 0, true,
            "the screensaver is off, so nothing locks an idle session" }, true },
        { { "/saver/idle-activation/enabled", "/saver/idle-activation/enabled", GVARIANT_BOOLEAN,
            ROLE_IDLE_ACTIVATION, 1, 0, true, NULL }, true },
        { { "/saver/idle-activation/delay", "/saver/idle-activation/delay", GVARIANT_INT32, ROLE_IDLE_DELAY,
            60, 5, false, NULL }, true },
        { { "/lock/enabled", "/lock/enabled", GVARIANT_BOOLEAN, ROLE_LOCK_ENABLED, 1, 0, true,
            "locking is off altogether" }, true },
        { { "/lock/saver-activation/enabled", "/lock/saver-activation/enabled", GVARIANT_BOOLEAN,
            ROLE_LOCK_ENABLED, 1, 0, true, "the screensaver starts without locking the session" }, true },
        { { "/lock/saver-activation/delay", "/lock/saver-activation/delay", GVARIANT_INT32, ROLE_LOCK_DELAY, 60,
            0, false, "the screensaver runs unlocked that long" }, true },
};

/* light-locker locks when the X screensaver starts, which Xfce sets from
 * xfce4-power-manager's blank-on-ac (minutes, 0: never). */
static const XfKey power_manager_keys[] = {
        { { "/xfce4-power-manager/blank-on-ac", "/xfce4-power-manager/blank-on-ac", GVARIANT_INT32,
            ROLE_IDLE_DELAY, 60, 0, false, NULL }, false },
};

static const XfChannelSpec screensaver_channel = {
        "xfce4-screensaver", "xfce4-screensaver", screensaver_keys, SL_ELEMENTSOF(screensaver_keys),
};
static const XfChannelSpec power_manager_channel = {
        "xfce4-power-manager", "light-locker", power_manager_keys, SL_ELEMENTSOF(power_manager_keys),
};

bool sl_xfce_installed(int root_fd) {
        return sl_any_marker(root_fd, xfce_markers, NULL);
}

/* ---- locks ------------------------------------------------------------------ */

typedef struct XfCtx {
        SlEval *e;
        const ScreenlockParams *p;
        int root_fd;
        SlUserList *staff;
        char *group_buf;                /* /etc/group, "" when unreadable */
        size_t group_size;
        unsigned bad;
} XfCtx;

/* Whether user is in a ';'-separated xfconf user list. */
static bool in_list(const XfCtx *x, const char *list, const char *user) {
        const char *t = list;

        while (*t) {
                size_t n = strcspn(t, ";");

                if (n > 0 && n < 256) {
                        char tok[256];

                        memcpy(tok, t, n);
                        tok[n] = '\0';
                        if (tok[0] == '@') {
                                if (user[0] && sl_group_has_member(x->group_buf, x->group_size, tok + 1, user))
                                        return true;
                        } else if (user[0] && strcmp(tok, user) == 0)
                                return true;
                }
                t += n;
                if (*t == ';')
                        t++;
        }
        return false;
}

/* xfconfd's rule for one element's attributes: unlocked wins. */
static bool locked_for(const XfCtx *x, const char *locked, const char *unlocked, const char *user) {
        if (unlocked && *unlocked)
                return !in_list(x, unlocked, user);
        if (locked && *locked)
                return in_list(x, locked, user);
        return false;
}

static bool has_star(const char *list) {
        return list && strchr(list, '*');
}

/* ---- values ----------------------------------------------------------------- */

/* A property's value as the key's type; -EINVAL when xfconfd could not
 * parse it either (which makes it refuse the whole file). */
static int prop_value(const XfKey *k, const XfProperty *pr, SlEffective *ret) {
        if (!pr->value)
                return -EINVAL;
        if (k->spec.kind == GVARIANT_BOOLEAN) {
                if (strcasecmp(pr->value, "true") == 0)
                        ret->b = true;
                else if (strcasecmp(pr->value, "false") == 0)
                        ret->b = false;
                else
                        return -EINVAL;
                return 0;
        }
        return kc_parse_int(pr->value, &ret->n);
}

static int load_channel(XfCtx *x, const char *rel, const char *shown, const char *subject, XfChannel **ret,
                        struct stat *ret_st, bool *ret_error) {
        _cleanup_sl_free_ char *buf = NULL;
        const char *reason = NULL;
        unsigned line = 0;
        size_t size = 0;
        int r;

        *ret = NULL;
        *ret_error = false;
        r = sl_read_file(x->root_fd, rel, 4U * 1024U * 1024U, &buf, &size, ret_st);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r == -ENOMEM)
                return r;
        *ret_error = true;
        if (r < 0) {
                x->bad++;
                return sl_emit(x->e, MAMORI_ERROR, subject, "cannot read %s: %s", shown, sl_error_text(r));
        }
        r = xfconf_parse(buf, size, ret, &line, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                x->bad++;
                return sl_emit(x->e, MAMORI_ERROR, subject,
                               "%s line %u: %s, so xfconfd does not read the file", shown, line, reason);
        }
        *ret_error = false;
        return 0;
}

typedef struct XfMachine {
        SlEffective eff;
        bool set;                       /* a system file sets it */
        char origin[SL_PATH_MAX];
        const XfProperty *prop;         /* the system property (its lock attributes), or NULL */
} XfMachine;

static int check_channel(XfCtx *x, const XfChannelSpec *cs, char *summary, size_t summary_size) {
        _cleanup_(xfconf_freep) XfChannel *sys = NULL;
        XfMachine m[8] = {};
        char rel[256], shown[300], why[128];
        unsigned bad_before = x->bad;
        bool error = false;
        struct stat st;
        int r;

        snprintf(rel, sizeof(rel), XF_SYSTEM_DIR "/%s.xml", cs->channel);
        snprintf(shown, sizeof(shown), "/%s", rel);
        r = load_channel(x, rel, shown, shown, &sys, &st, &error);
        if (r < 0)
                return r;
        if (error)
                return 0;
        if (sys && sl_system_file_problem(x->root_fd, &st, why, sizeof(why))) {
                x->bad++;
                r = sl_emit(x->e, MAMORI_FAIL, shown, "%s is %s: staff could change its settings and locks",
                            shown, why);
                if (r < 0)
                        return r;
        }

        for (size_t k = 0; k < cs->n_keys && k < SL_ELEMENTSOF(m); k++) {
                const XfKey *key = &cs->keys[k];
                const XfProperty *pr = sys ? xfconf_find(sys, key->spec.path) : NULL;
                char subject[160], vbuf[256], names[256] = "";
                const char *violation;
                size_t n_unlocked = 0, n_checked = 0;

                snprintf(subject, sizeof(subject), "xfconf:%s%s", cs->channel, key->spec.path);
                m[k].eff.n = key->spec.default_n;
                m[k].eff.b = key->spec.default_b;
                m[k].prop = pr;
                snprintf(m[k].origin, sizeof(m[k].origin), "%s's default: no system file sets it", cs->program);
                if (pr && pr->value) {
                        if (prop_value(key, pr, &m[k].eff) < 0) {
                                x->bad++;
                                r = sl_emit(x->e, MAMORI_ERROR, shown,
                                            "%s line %u: %s is not a %s, so xfconfd does not read the file",
                                            shown, pr->line, key->spec.path,
                                            key->spec.kind == GVARIANT_BOOLEAN ? "boolean" : "number");
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        m[k].set = true;
                        snprintf(m[k].origin, sizeof(m[k].origin), "from %s line %u", shown, pr->line);
                }

                if (!m[k].set && !key->has_default) {
                        x->bad++;
                        r = sl_emit(x->e, MAMORI_FAIL, subject,
                                    "Xfce: %s is not set in %s, so %s's own default applies, which this check "
                                    "cannot vouch for: set it to at most %llu minutes and lock it",
                                    key->spec.path, shown, cs->channel,
                                    (unsigned long long) (x->p->max_idle_sec / 60));
                        if (r < 0)
                                return r;
                } else {
                        violation = sl_effective_violation(&key->spec, &m[k].eff, x->p, vbuf, sizeof(vbuf));
                        if (violation) {
                                x->bad++;
                                r = sl_emit(x->e, MAMORI_FAIL, subject, "Xfce: %s (%s)", violation, m[k].origin);
                                if (r < 0)
                                        return r;
                        }
                }

                /* Which staff accounts the lock holds for; with none, an
                 * account that is in no list stands for the next one. */
                for (size_t i = 0; i < (x->staff->n_users ? x->staff->n_users : 1); i++) {
                        const char *user = x->staff->n_users ? x->staff->users[i].name : "";
                        bool locked = (sys && locked_for(x, sys->locked, sys->unlocked, user)) ||
                                      (pr && locked_for(x, pr->locked, pr->unlocked, user));

                        n_checked++;
                        if (locked)
                                continue;
                        if (n_unlocked++ < 4 && user[0]) {
                                char nm[SL_NAME_SHOW + 4];
                                size_t len = strlen(names);

                                snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
                                         sl_name_safe(user, nm, sizeof(nm)));
                        }
                }
                if (n_unlocked > 0) {
                        const char *star = has_star(sys ? sys->locked : NULL) || has_star(pr ? pr->locked : NULL)
                                ? "; locked=\"*\" locks no one, xfconf has no wildcard" : "";

                        x->bad++;
                        if (x->staff->n_users)
                                r = sl_emit(x->e, MAMORI_FAIL, subject,
                                            "Xfce: %s is not locked for %zu of %zu staff accounts (%s%s): they can "
                                            "change it in ~/" XF_USER_DIR "/%s.xml (lock it with unlocked=\"root\" "
                                            "on the property or the channel in %s)%s",
                                            key->spec.path, n_unlocked, n_checked, names,
                                            n_unlocked > 4 ? ", ..." : "", cs->channel, shown, star);
                        else
                                r = sl_emit(x->e, MAMORI_FAIL, subject,
                                            "Xfce: %s is not locked: staff can change it in ~/" XF_USER_DIR
                                            "/%s.xml (lock it with unlocked=\"root\" on the property or the "
                                            "channel in %s)%s",
                                            key->spec.path, cs->channel, shown, star);
                        if (r < 0)
                                return r;
                }
        }

        /* What staff accounts have changed where they may. */
        for (size_t i = 0; i < x->staff->n_users; i++) {
                const SlUser *u = &x->staff->users[i];
                _cleanup_(xfconf_freep) XfChannel *own = NULL;
                char home_rel[SL_PATH_MAX], urel[SL_PATH_MAX + 128], raw[SL_PATH_MAX + 160], ushown[256];
                char subject[SL_NAME_SHOW + 16], nm[SL_NAME_SHOW + 4], evidence[SL_EVIDENCE_MAX] = "";
                bool uerr = false;

                if ((sys && locked_for(x, sys->locked, sys->unlocked, u->name)) ||
                    sl_path_relative(u->home, home_rel, sizeof(home_rel)) < 0)
                        continue;
                snprintf(urel, sizeof(urel), "%s/" XF_USER_DIR "/%s.xml", home_rel, cs->channel);
                snprintf(raw, sizeof(raw), "/%s", urel);
                sl_text_safe(raw, 200, ushown, sizeof(ushown));
                snprintf(subject, sizeof(subject), "user:%s", sl_name_safe(u->name, nm, sizeof(nm)));
                r = load_channel(x, urel, ushown, subject, &own, &st, &uerr);
                if (r < 0)
                        return r;
                if (!own)
                        continue;

                for (size_t k = 0; k < cs->n_keys && k < SL_ELEMENTSOF(m); k++) {
                        const XfKey *key = &cs->keys[k];
                        const XfProperty *pr = xfconf_find(own, key->spec.path);
                        SlEffective eff = m[k].eff;
                        char vbuf[256];
                        const char *violation;
                        size_t len;

                        if (!pr || !pr->value ||
                            (m[k].prop && locked_for(x, m[k].prop->locked, m[k].prop->unlocked, u->name)))
                                continue;
                        if (prop_value(key, pr, &eff) < 0)
                                continue;
                        violation = sl_effective_violation(&key->spec, &eff, x->p, vbuf, sizeof(vbuf));
                        if (!violation)
                                continue;
                        len = strlen(evidence);
                        snprintf(evidence + len, sizeof(evidence) - len, "%s%s (from %s line %u)",
                                 len ? "; " : "", violation, ushown, pr->line);
                }
                if (evidence[0]) {
                        x->bad++;
                        r = sl_emit(x->e, MAMORI_FAIL, subject, "Xfce: %s", evidence);
                        if (r < 0)
                                return r;
                }
        }

        if (x->bad == bad_before) {
                size_t len = strlen(summary);

                snprintf(summary + len, summary_size - len, "%s%s:", len ? "; " : "", cs->program);
                for (size_t k = 0; k < cs->n_keys && k < SL_ELEMENTSOF(m); k++) {
                        char v[32];

                        len = strlen(summary);
                        snprintf(summary + len, summary_size - len, " %s %s%s", cs->keys[k].spec.path,
                                 sl_effective_text(&cs->keys[k].spec, &m[k].eff, v, sizeof(v)),
                                 k + 1 < cs->n_keys ? "," : "");
                }
        }
        return 0;
}

static int check_kioskrc(XfCtx *x, char *note, size_t note_size) {
        _cleanup_sl_free_ char *buf = NULL;
        char why[128];
        struct stat st;
        size_t size;
        int r;

        r = sl_read_file(x->root_fd, XF_KIOSKRC, 1024U * 1024U, &buf, &size, &st);
        if (r == -ENOENT || r == -ENOTDIR) {
                snprintf(note, note_size, "no kiosk file");
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                x->bad++;
                return sl_emit(x->e, MAMORI_ERROR, "/" XF_KIOSKRC, "cannot read /" XF_KIOSKRC ": %s",
                               sl_error_text(r));
        }
        if (sl_system_file_problem(x->root_fd, &st, why, sizeof(why))) {
                x->bad++;
                return sl_emit(x->e, MAMORI_FAIL, "/" XF_KIOSKRC,
                               "/" XF_KIOSKRC " is %s: staff could grant themselves Xfce's kiosk capabilities", why);
        }
        snprintf(note, note_size, "kiosk file /" XF_KIOSKRC " root-only");
        return 0;
}

int sl_check_xfce(SlEval *e, const ScreenlockParams *p) {
        _cleanup_(sl_user_list_freep) SlUserList *staff = NULL;
        _cleanup_sl_free_ char *group_buf = NULL;
        char summary[SL_EVIDENCE_MAX / 2] = "", kiosk[128] = "";
        bool saver, locker;
        size_t group_size = 0;
        XfCtx x;
        int r;

        saver = sl_any_marker(e->s->root_fd, xfce4_screensaver_markers, NULL);
        locker = sl_any_marker(e->s->root_fd, light_locker_markers, NULL);
        if (!saver && !locker)
                return sl_emit(e, MAMORI_FAIL, "xfce",
                               "Xfce is installed without a screen locker: neither xfce4-screensaver nor "
                               "light-locker is, so an idle Xfce session never locks");

        r = sl_staff_load(e, &staff);
        if (r < 0 || !staff)
                return r;
        r = sl_read_file(e->s->root_fd, "etc/group", 16U * 1024U * 1024U, &group_buf, &group_size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                group_buf = strdup("");
                if (!group_buf)
                        return -ENOMEM;
                group_size = 0;
        }

        x = (XfCtx) {
                .e = e,
                .p = p,
                .root_fd = e->s->root_fd,
                .staff = staff,
                .group_buf = group_buf,
                .group_size = group_size,
        };

        if (saver) {
                r = check_channel(&x, &screensaver_channel, summary, sizeof(summary));
                if (r < 0)
                        return r;
        }
        if (locker) {
                r = check_channel(&x, &power_manager_channel, summary, sizeof(summary));
                if (r < 0)
                        return r;
        }
        r = check_kioskrc(&x, kiosk, sizeof(kiosk));
        if (r < 0)
                return r;

        if (x.bad > 0)
                return 0;
        return sl_emit(e, MAMORI_PASS, NULL,
                       "Xfce locks an idle session: %s; every setting locked for all %zu staff account%s; %s",
                       summary, staff->n_users, staff->n_users == 1 ? "" : "s", kiosk);
}
