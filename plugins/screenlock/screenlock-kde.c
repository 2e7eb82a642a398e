/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.policy on KDE Plasma: kscreenlocker's settings, from the
 * system file /etc/xdg/kscreenlockerrc and each staff account's
 * ~/.config/kscreenlockerrc, with KDE's kiosk immutability.
 *
 * Facts relied on (kscreenlocker's kcfg and KConfig's cascading):
 *   - [Daemon] Autolock (bool, default true): lock when idle; Timeout
 *     (minutes, default 5): idle time before locking; LockGrace (seconds,
 *     default 5): after locking, input within this time unlocks without a
 *     password; LockOnResume (bool, default true): lock on wake-up.
 *   - KConfig reads the files of $XDG_CONFIG_DIRS (/etc/xdg) first and the
 *     user's ~/.config last, a later file overriding an earlier one, except
 *     where the earlier one is immutable: "[$i]" before the first group (the
 *     whole file), "[Daemon][$i]" (the group) or "Key[$i]=" (that key).
 *     Then the user's value is never read and staff cannot change it.
 *   - A value that does not parse as the key's type reads as the default. */
#include <stdio.h>
#include <string.h>

#include "screenlock-desktops.h"

#define KDE_SYSTEM "etc/xdg/kscreenlockerrc"
#define KDE_GROUP "Daemon"

static const char *const kde_markers[] = {
        "usr/bin/plasmashell",
        "usr/bin/startplasma-x11",
        "usr/bin/startplasma-wayland",
        "usr/bin/ksmserver",
        "usr/bin/startkde",
        NULL,
};

static const KeySpec kde_keys[] = {
        { "Autolock", "Autolock", GVARIANT_BOOLEAN, ROLE_LOCK_ENABLED, 1, 0, true,
          "an idle session is never locked" },
        { "Timeout", "Timeout", GVARIANT_INT32, ROLE_IDLE_DELAY, 60, 5, false, NULL },
        { "LockGrace", "LockGrace", GVARIANT_INT32, ROLE_LOCK_DELAY, 1, 5, false,
          "for that long after locking, any input unlocks the screen without a password" },
        { "LockOnResume", "LockOnResume", GVARIANT_BOOLEAN, ROLE_LOCK_ENABLED, 1, 0, true,
          "the screen is not locked when the machine wakes from sleep" },
};

bool sl_kde_installed(int root_fd) {
        return sl_any_marker(root_fd, kde_markers, NULL);
}

typedef struct KdeValue {
        SlEffective eff;                /* only n, b used */
        const char *origin;             /* "/etc/xdg/kscreenlockerrc line 3", "the default", ... */
        char origin_buf[SL_PATH_MAX];
        bool locked;
} KdeValue;

/* The value an entry gives the key, or the default when it does not parse. */
static void value_from(const KeySpec *ks, const KcEntry *en, const char *file_shown, KdeValue *v) {
        char raw[48];

        v->eff.n = ks->default_n;
        v->eff.b = ks->default_b;
        if (!en) {
                v->origin = "the default: no file sets it";
                return;
        }
        if (ks->kind == GVARIANT_BOOLEAN ? kc_parse_bool(en->value, &v->eff.b) < 0
                                         : kc_parse_int(en->value, &v->eff.n) < 0) {
                v->eff.n = ks->default_n;
                v->eff.b = ks->default_b;
                snprintf(v->origin_buf, sizeof(v->origin_buf), "the default: %s line %u holds \"%s\", which KConfig "
                         "cannot read as a %s", file_shown, en->line,
                         sl_text_safe(en->value, 24, raw, sizeof(raw)),
                         ks->kind == GVARIANT_BOOLEAN ? "boolean" : "number");
        } else
                snprintf(v->origin_buf, sizeof(v->origin_buf), "from %s line %u", file_shown, en->line);
        v->origin = v->origin_buf;
}

static int load(SlEval *e, const char *rel, const char *shown, KcFile **ret, struct stat *ret_st,
                bool *ret_error) {
        _cleanup_sl_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        *ret = NULL;
        *ret_error = false;
        r = sl_read_file(e->s->root_fd, rel, 4U * 1024U * 1024U, &buf, &size, ret_st);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                *ret_error = true;
                return sl_emit(e, MAMORI_ERROR, shown, "cannot read %s: %s", shown, sl_error_text(r));
        }
        return kc_parse(buf, size, ret);
}

int sl_check_kde(SlEval *e, const ScreenlockParams *p) {
        _cleanup_(sl_user_list_freep) SlUserList *staff = NULL;
        _cleanup_(kc_freep) KcFile *sys = NULL;
        KdeValue machine[SL_ELEMENTSOF(kde_keys)] = {};
        unsigned bad = 0;
        bool all_locked = true, error = false;
        struct stat st;
        char why[128];
        int r;

        r = load(e, KDE_SYSTEM, "/" KDE_SYSTEM, &sys, &st, &error);
        if (r < 0)
                return r;
        if (error)
                return 0;

        if (sys && sl_system_file_problem(e->s->root_fd, &st, why, sizeof(why))) {
                bad++;
                r = sl_emit(e, MAMORI_FAIL, "/" KDE_SYSTEM,
                            "/" KDE_SYSTEM " is %s: staff could change the screen lock settings and their locks",
                            why);
                if (r < 0)
                        return r;
        }

        /* The machine's view: the system file over the defaults. */
        for (size_t k = 0; k < SL_ELEMENTSOF(kde_keys); k++) {
                const KeySpec *ks = &kde_keys[k];
                const KcEntry *en = sys ? kc_lookup(sys, KDE_GROUP, ks->name) : NULL;
                KdeValue *v = &machine[k];
                char vbuf[256], subject[96];
                const char *violation;

                value_from(ks, en, "/" KDE_SYSTEM, v);
                v->locked = sys && (sys->file_immutable || kc_group_immutable(sys, KDE_GROUP) ||
                                    (en && en->immutable));
                snprintf(subject, sizeof(subject), "kscreenlockerrc:%s/%s", KDE_GROUP, ks->name);

                violation = sl_effective_violation(ks, &v->eff, p, vbuf, sizeof(vbuf));
                if (violation) {
                        bad++;
                        r = sl_emit(e, MAMORI_FAIL, subject, "KDE: %s (%s)", violation, v->origin);
                        if (r < 0)
                                return r;
                }
                if (!v->locked) {
                        all_locked = false;
                        bad++;
                        r = sl_emit(e, MAMORI_FAIL, subject,
                                    "KDE: %s is not locked: staff can change it in ~/.config/kscreenlockerrc "
                                    "(mark the group immutable: [%s][$i] in /" KDE_SYSTEM ")",
                                    ks->name, KDE_GROUP);
                        if (r < 0)
                                return r;
                }
        }

        /* Each staff account's own file, for the keys it may override. */
        r = sl_staff_load(e, &staff);
        if (r < 0)
                return r;
        if (!staff)
                return 0;
        for (size_t i = 0; i < staff->n_users; i++) {
                const SlUser *u = &staff->users[i];
                _cleanup_(kc_freep) KcFile *own = NULL;
                char home_rel[SL_PATH_MAX], rel[SL_PATH_MAX + 64], raw[SL_PATH_MAX + 80], shown[256];
                char subject[SL_NAME_SHOW + 16];
                char name[SL_NAME_SHOW + 4], evidence[SL_EVIDENCE_MAX] = "";
                bool uerr = false;

                if (all_locked || sl_path_relative(u->home, home_rel, sizeof(home_rel)) < 0)
                        continue;
                snprintf(rel, sizeof(rel), "%s/.config/kscreenlockerrc", home_rel);
                snprintf(raw, sizeof(raw), "/%s", rel);
                sl_text_safe(raw, 200, shown, sizeof(shown));
                snprintf(subject, sizeof(subject), "user:%s", sl_name_safe(u->name, name, sizeof(name)));
                r = load(e, rel, shown, &own, &st, &uerr);
                if (r < 0)
                        return r;
                if (uerr) {
                        bad++;
                        continue;
                }
                if (!own)
                        continue;

                for (size_t k = 0; k < SL_ELEMENTSOF(kde_keys); k++) {
                        const KeySpec *ks = &kde_keys[k];
                        const KcEntry *en;
                        char vbuf[256];
                        const char *violation;
                        KdeValue v = {};
                        size_t len;

                        if (machine[k].locked)
                                continue;
                        en = kc_lookup(own, KDE_GROUP, ks->name);
                        if (!en)
                                continue;
                        value_from(ks, en, shown, &v);
                        violation = sl_effective_violation(ks, &v.eff, p, vbuf, sizeof(vbuf));
                        if (!violation)
                                continue;
                        len = strlen(evidence);
                        snprintf(evidence + len, sizeof(evidence) - len, "%s%s (%s)", len > 0 ? "; " : "",
                                 violation, v.origin);
                }
                if (evidence[0]) {
                        bad++;
                        r = sl_emit(e, MAMORI_FAIL, subject, "KDE: %s", evidence);
                        if (r < 0)
                                return r;
                }
        }

        if (bad == 0) {
                char parts[512] = "";

                for (size_t k = 0; k < SL_ELEMENTSOF(kde_keys); k++) {
                        char v[32];
                        size_t len = strlen(parts);

                        snprintf(parts + len, sizeof(parts) - len, "%s%s %s", k > 0 ? ", " : "", kde_keys[k].name,
                                 sl_effective_text(&kde_keys[k], &machine[k].eff, v, sizeof(v)));
                }
                return sl_emit(e, MAMORI_PASS, NULL,
                               "KDE Plasma locks an idle session: %s; all four immutable in /" KDE_SYSTEM
                               " against staff changes",
                               parts);
        }
        return 0;
}
