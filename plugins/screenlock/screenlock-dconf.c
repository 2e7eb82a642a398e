/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.policy for the desktops that keep their lock settings in
 * dconf (GNOME, Cinnamon, MATE, light-locker): what dconf really applies,
 * for the machine and for each staff account, read from the compiled
 * databases under the root (no dconf or gsettings process is run). Each
 * setting must hold a good value and be locked, or staff can change it.
 *
 * The order: the profile and its databases (screenlock-sources.c), shared
 * by every desktop; keyfiles never compiled (screenlock-stale.c); each
 * desktop's machine values and locks (here); each staff account's own
 * databases (screenlock-users.c); one PASS per desktop that had no
 * problem, when the shared part had none either. */
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

int sl_emit_desk(SlCtx *c, size_t d, mamori_status status, const char *subject, const char *fmt, ...) {
        char buf[SL_EVIDENCE_MAX];
        va_list ap;

        if ((status == MAMORI_FAIL || status == MAMORI_ERROR) && d < SL_ELEMENTSOF(c->desk_bad))
                c->desk_bad[d]++;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return sl_emit(c->e, status, subject, "%s", buf);
}

/* The machine's view of one desktop's keys. */
static int check_system(SlCtx *c, size_t d, SlEffective *eff, bool *ret_all_locked) {
        const DconfDesktop *desk = c->desktops[d];
        bool broken = false;
        SlDb *bad = NULL;
        SlViews views;
        int r;

        *ret_all_locked = true;
        r = sl_views_build(c, c->profile, NULL, &views, &broken, &bad);
        if (r < 0)
                return r;
        if (broken) {
                *ret_all_locked = false;
                return 0;       /* reported by sl_check_profile_databases() */
        }

        for (size_t k = 0; k < desk->n_keys; k++) {
                const KeySpec *ks = &desk->keys[k];
                char vbuf[256], origin[600], subject[128];
                const char *reason = "corrupt", *violation;
                int bad_source = -1;

                snprintf(subject, sizeof(subject), "dconf:%s", ks->path);
                r = sl_read_key(&views, ks, &eff[k], &bad_source, &reason);
                if (r == -EBADMSG) {
                        c->broken = true;
                        *ret_all_locked = false;
                        r = sl_emit_desk(c, d, MAMORI_ERROR, views.display[bad_source], "cannot read %s from %s: %s",
                                         ks->path, views.display[bad_source], reason);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0)
                        return r;

                sl_effective_origin(ks, &eff[k], c->profile, &views, origin, sizeof(origin));
                violation = sl_effective_violation(ks, &eff[k], c->p, vbuf, sizeof(vbuf));
                if (violation) {
                        r = sl_emit_desk(c, d, MAMORI_FAIL, subject, "%s (%s)", violation, origin);
                        if (r < 0)
                                return r;
                }

                if (eff[k].read.writable) {
                        const char *db = sl_first_system_db(c->profile);
                        char dbname[SL_NAME_SHOW + 4];

                        *ret_all_locked = false;
                        r = sl_emit_desk(c, d, MAMORI_FAIL, subject,
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

static int summary(SlCtx *c, size_t d, const SlEffective *eff) {
        const DconfDesktop *desk = c->desktops[d];
        char parts[SL_EVIDENCE_MAX / 2] = "", label[SL_NAME_SHOW + 32] = "", locked[48], n_word[16];
        const char *db = sl_first_system_db(c->profile);

        for (size_t k = 0; k < desk->n_keys; k++) {
                char v[32];
                size_t len = strlen(parts);

                snprintf(parts + len, sizeof(parts) - len, "%s%s %s", k > 0 ? ", " : "", desk->keys[k].name,
                         sl_effective_text(&desk->keys[k], &eff[k], v, sizeof(v)));
        }
        if (desk->n_keys == 1)
                snprintf(locked, sizeof(locked), "locked");
        else
                snprintf(locked, sizeof(locked), "all %s locked",
                         sl_count_word(desk->n_keys, n_word, sizeof(n_word)));
        if (db) {
                char n[SL_NAME_SHOW + 4];

                snprintf(label, sizeof(label), " (profile names system-db:%s)", sl_name_safe(db, n, sizeof(n)));
        }
        return sl_emit(c->e, MAMORI_PASS, NULL,
                       "%s locks an idle session: %s; %s against staff changes; profile %s%s; "
                       "%u user database%s checked",
                       desk->name, parts, locked, c->profile_path, label, c->n_users_checked,
                       c->n_users_checked == 1 ? "" : "s");
}

int sl_check_dconf(SlEval *e, const ScreenlockParams *p, const DconfDesktop *const *desktops, size_t n) {
        SlEffective eff[8][SL_DESKTOP_KEYS_MAX] = {};
        bool all_locked[8] = {};
        SlCtx c = {
                .e = e,
                .p = p,
                .root_fd = e->s->root_fd,
        };
        unsigned before = e->n_fail + e->n_error;
        int r;

        for (size_t i = 0; i < n && i < SL_ELEMENTSOF(c.desktops); i++)
                c.desktops[c.n_desktops++] = desktops[i];

        r = sl_profile_load(&c);
        if (r < 0 || !c.profile)
                goto finish;

        r = sl_check_profile_databases(&c);
        if (r < 0)
                goto finish;
        r = sl_check_stale(&c);
        if (r < 0)
                goto finish;
        c.shared_bad += e->n_fail + e->n_error - before;

        for (size_t d = 0; d < c.n_desktops && !c.broken; d++) {
                r = check_system(&c, d, eff[d], &all_locked[d]);
                if (r < 0)
                        goto finish;
        }
        if (!c.broken) {
                r = sl_check_users(&c);
                if (r < 0)
                        goto finish;
        }

        if (!c.broken && c.shared_bad == 0)
                for (size_t d = 0; d < c.n_desktops; d++) {
                        if (c.desk_bad[d] > 0 || !all_locked[d])
                                continue;
                        r = summary(&c, d, eff[d]);
                        if (r < 0)
                                goto finish;
                }

finish:
        for (size_t i = 0; i < c.n_dbs; i++)
                sl_db_free(c.dbs[i]);
        free(c.dbs);
        dconf_profile_free(c.profile);
        return r;
}

int sl_dconf_machine_key(Screenlock *s, const KeySpec *ks, SlEffective *ret) {
        SlEval quiet = {
                .s = s,
                .quiet = true,
        };
        ScreenlockParams p = { .max_idle_sec = 600 };
        SlCtx c = {
                .e = &quiet,
                .p = &p,
                .root_fd = s->root_fd,
        };
        bool broken = false;
        SlDb *bad = NULL;
        SlViews views;
        int bad_source = -1, r;
        const char *reason;

        r = sl_profile_load(&c);
        if (r >= 0 && (!c.profile || c.broken))
                r = -EIO;
        if (r >= 0)
                r = sl_views_build(&c, c.profile, NULL, &views, &broken, &bad);
        if (r >= 0 && broken)
                r = -EIO;
        if (r >= 0)
                r = sl_read_key(&views, ks, ret, &bad_source, &reason);
        if (r == -EBADMSG)
                r = -EIO;

        for (size_t i = 0; i < c.n_dbs; i++)
                sl_db_free(c.dbs[i]);
        free(c.dbs);
        dconf_profile_free(c.profile);
        return r;
}
