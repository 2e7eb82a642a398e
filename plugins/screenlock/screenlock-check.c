/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.policy for GNOME-family desktops: what dconf really applies
 * to the five settings that decide whether an idle session locks, for the
 * machine and for each staff account, read from the compiled databases
 * under the root (no dconf or gsettings process is run). Each setting must
 * hold a good value and be locked, or staff can change it.
 *
 * The order: is GNOME here at all; the profile and its databases
 * (screenlock-sources.c); keyfiles never compiled (screenlock-stale.c);
 * the machine's values and locks (here); each staff account's own
 * databases (screenlock-users.c); one PASS when nothing failed. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

static const char *const gnome_markers[] = {
        "usr/share/glib-2.0/schemas/org.gnome.desktop.screensaver.gschema.xml",
        "usr/bin/gnome-session",
};

/* ---- the machine's view -------------------------------------------------------- */

static int check_system(SlCtx *c, SlEffective eff[_KEY_MAX], bool *ret_all_locked) {
        bool broken = false;
        SlDb *bad = NULL;
        SlViews views;
        int r;

        *ret_all_locked = true;
        r = sl_views_build(c, c->profile, NULL, &views, &broken, &bad);
        if (r < 0)
                return r;
        if (broken)
                return 0;       /* reported by sl_check_profile_databases() */

        for (SlKey k = 0; k < _KEY_MAX; k++) {
                const KeySpec *ks = &sl_key_specs[k];
                char vbuf[256], origin[600], subject[128];
                const char *reason = "corrupt", *violation;
                int bad_source = -1;

                snprintf(subject, sizeof(subject), "dconf:%s", ks->path);
                r = sl_read_key(&views, k, &eff[k], &bad_source, &reason);
                if (r == -EBADMSG) {
                        c->broken = true;
                        r = sl_emit(c->e, MAMORI_ERROR, views.display[bad_source], "cannot read %s from %s: %s",
                                    ks->path, views.display[bad_source], reason);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0)
                        return r;

                sl_effective_origin(ks, &eff[k], c->profile, &views, origin, sizeof(origin));
                violation = sl_effective_violation(k, &eff[k], c->p, vbuf, sizeof(vbuf));
                if (violation) {
                        r = sl_emit(c->e, MAMORI_FAIL, subject, "%s (%s)", violation, origin);
                        if (r < 0)
                                return r;
                }

                if (eff[k].read.writable) {
                        const char *db = sl_first_system_db(c->profile);
                        char dbname[SL_NAME_SHOW + 4];

                        *ret_all_locked = false;
                        r = sl_emit(c->e, MAMORI_FAIL, subject,
                                    "%s is not locked: %s, so staff can change it (add the key to "
                                    "/etc/dconf/db/%s.d/locks/ and run dconf update)",
                                    ks->name,
                                    c->profile_path[0] ? "no system database in the profile locks it"
                                                       : "without a profile no system database is read",
                                    db ? sl_name_safe(db, dbname, sizeof(dbname)) : "local");
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ---- the check --------------------------------------------------------------- */

static bool gnome_installed(int root_fd) {
        for (size_t i = 0; i < SL_ELEMENTSOF(gnome_markers); i++)
                if (faccessat(root_fd, gnome_markers[i], F_OK, 0) == 0)
                        return true;
        return false;
}

static int summary(SlCtx *c, const SlEffective eff[_KEY_MAX]) {
        char parts[5][64], label[SL_NAME_SHOW + 32] = "";
        const char *db = sl_first_system_db(c->profile);

        for (SlKey k = 0; k < _KEY_MAX; k++) {
                char v[32];

                snprintf(parts[k], sizeof(parts[k]), "%s %s", sl_key_specs[k].name,
                         sl_effective_text(&sl_key_specs[k], &eff[k], v, sizeof(v)));
        }
        if (db) {
                char n[SL_NAME_SHOW + 4];

                snprintf(label, sizeof(label), " (profile names system-db:%s)", sl_name_safe(db, n, sizeof(n)));
        }
        return sl_emit(c->e, MAMORI_PASS, NULL,
                       "GNOME locks an idle session: %s, %s, %s, %s, %s; all five locked against staff "
                       "changes; profile %s%s; %u user database%s checked",
                       parts[0], parts[1], parts[2], parts[3], parts[4], c->profile_path, label,
                       c->n_users_checked, c->n_users_checked == 1 ? "" : "s");
}

int screenlock_check_policy(SlEval *e, const ScreenlockParams *p) {
        SlEffective eff[_KEY_MAX] = {};
        bool all_locked = false;
        SlCtx c = {
                .e = e,
                .p = p,
                .root_fd = e->s->root_fd,
        };
        int r;

        if (!gnome_installed(c.root_fd))
                return sl_emit(e, MAMORI_NOT_APPLICABLE, NULL,
                               "no GNOME-family desktop: neither "
                               "/usr/share/glib-2.0/schemas/org.gnome.desktop.screensaver.gschema.xml "
                               "nor /usr/bin/gnome-session is installed");

        r = sl_profile_load(&c);
        if (r < 0 || !c.profile)
                goto finish;

        r = sl_check_profile_databases(&c);
        if (r < 0)
                goto finish;
        r = sl_check_stale(&c);
        if (r < 0)
                goto finish;

        if (!c.broken) {
                r = check_system(&c, eff, &all_locked);
                if (r < 0)
                        goto finish;
        }
        if (!c.broken) {
                r = sl_check_users(&c);
                if (r < 0)
                        goto finish;
        }

        if (e->n_fail == 0 && e->n_error == 0 && all_locked)
                r = summary(&c, eff);

finish:
        for (size_t i = 0; i < c.n_dbs; i++)
                sl_db_free(c.dbs[i]);
        free(c.dbs);
        dconf_profile_free(c.profile);
        return r;
}

