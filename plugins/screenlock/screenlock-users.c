/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Each staff account's view: the user's own dconf database can override
 * any setting the system does not lock, and a profile of the user's own
 * replaces the system's.
 *
 * Facts relied on (dconf's engine/dconf-engine-profile.c and
 * dconf-engine-source-user.c): before the "user" profile dconf takes
 * /run/dconf/user/UID (mandatory), then $DCONF_PROFILE, then
 * $XDG_RUNTIME_DIR/dconf/profile, which the session itself can write;
 * user-db:NAME is $XDG_CONFIG_HOME/dconf/NAME (~/.config/dconf/NAME). */
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

static int user_profile(SlCtx *c, const SlUser *u, const char *shown_user, DconfProfile **ret_own,
                        char *ret_path, size_t path_size) {
        char rel[128];
        _cleanup_sl_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        *ret_own = NULL;
        ret_path[0] = '\0';

        /* The mandatory profile, kept by the administrator (or an identity
         * service), comes first; then a runtime profile the session
         * itself may have written. */
        snprintf(rel, sizeof(rel), "run/dconf/user/%u", u->uid);
        r = sl_read_file(c->root_fd, rel, 1024 * 1024, &buf, &size, NULL);
        if (r >= 0) {
                snprintf(ret_path, path_size, "/%s", rel);
                return dconf_profile_parse(buf, size, ret_own);
        }
        if (r == -ENOMEM)
                return r;

        snprintf(rel, sizeof(rel), "run/user/%u/dconf/profile", u->uid);
        r = sl_read_file(c->root_fd, rel, 1024 * 1024, &buf, &size, NULL);
        if (r >= 0) {
                snprintf(ret_path, path_size, "/%s", rel);
                r = dconf_profile_parse(buf, size, ret_own);
                if (r < 0)
                        return r;
                c->shared_bad++;
                return sl_emit(c->e, MAMORI_FAIL, shown_user,
                               "the runtime profile /%s replaces %s for this user's sessions; staff can "
                               "write it, so the system's settings and locks need not apply",
                               rel, c->profile_path[0] ? c->profile_path : "dconf's default profile");
        }
        if (r == -ENOMEM)
                return r;
        return 0;
}

/* What this user's databases (or own profile) change for one desktop. */
static int check_user_desktop(SlCtx *c, size_t d, const DconfProfile *prof, const DconfProfile *own,
                              const char *own_path, const SlViews *views, const char *subject) {
        const DconfDesktop *desk = c->desktops[d];
        char evidence[SL_EVIDENCE_MAX] = "";
        int r;

        for (size_t k = 0; k < desk->n_keys; k++) {
                const KeySpec *ks = &desk->keys[k];
                char vbuf[256], origin[600];
                const char *reason = "corrupt", *violation;
                bool from_user;
                int bad_source = -1;
                SlEffective eff;
                size_t len;

                r = sl_read_key(views, ks, &eff, &bad_source, &reason);
                if (r == -EBADMSG)
                        return sl_emit_desk(c, d, MAMORI_ERROR, subject, "cannot read %s from %s: %s", ks->path,
                                            views->display[bad_source], reason);
                if (r < 0)
                        return r;

                /* The machine's own settings are reported once, by the
                 * caller; here only what this user's databases or own
                 * profile change. */
                from_user = eff.read.source >= 0 && prof->sources[eff.read.source].type == DCONF_SOURCE_USER;
                violation = sl_effective_violation(ks, &eff, c->p, vbuf, sizeof(vbuf));
                if (violation && (own || from_user)) {
                        sl_effective_origin(ks, &eff, prof, views, origin, sizeof(origin));
                        len = strlen(evidence);
                        snprintf(evidence + len, sizeof(evidence) - len, "%s%s (%s%s%s)",
                                 len > 0 ? "; " : "", violation, origin, own ? ", profile " : "",
                                 own ? own_path : "");
                }
                if (own && eff.read.writable) {
                        len = strlen(evidence);
                        snprintf(evidence + len, sizeof(evidence) - len,
                                 "%s%s is not locked under profile %s, so this user can change it",
                                 len > 0 ? "; " : "", ks->name, own_path);
                }
        }
        if (!evidence[0])
                return 0;
        return sl_emit_desk(c, d, MAMORI_FAIL, subject, "%s: %s", desk->name, evidence);
}

static int check_user(SlCtx *c, const SlUser *u) {
        _cleanup_(dconf_profile_freep) DconfProfile *own = NULL;
        SlDb *user_dbs[SL_MAX_SOURCES] = {};
        char home_rel[SL_PATH_MAX], subject[SL_NAME_SHOW + 16], name[SL_NAME_SHOW + 4];
        char own_path[160];
        const DconfProfile *prof;
        bool any_user_db = false, broken = false;
        SlDb *bad = NULL;
        SlViews views;
        int r;

        if (sl_path_relative(u->home, home_rel, sizeof(home_rel)) < 0)
                return 0;       /* "/" or a relative home: no dconf database there */
        snprintf(subject, sizeof(subject), "user:%s", sl_name_safe(u->name, name, sizeof(name)));

        r = user_profile(c, u, subject, &own, own_path, sizeof(own_path));
        if (r < 0)
                return r;
        prof = own ? own : c->profile;

        for (size_t i = 0; i < prof->n_sources && i < SL_ELEMENTSOF(user_dbs); i++) {
                const DconfSource *src = &prof->sources[i];
                char abs[SL_PATH_MAX], rel[SL_PATH_MAX];
                SlDb *db;

                if (src->type != DCONF_SOURCE_USER)
                        continue;
                db = calloc(1, sizeof(*db));
                if (!db) {
                        r = -ENOMEM;
                        goto finish;
                }
                user_dbs[i] = db;
                db->type = DCONF_SOURCE_USER;
                snprintf(abs, sizeof(abs), "%s/.config/dconf/%s", u->home, src->name);
                sl_text_safe(abs, 200, db->display, sizeof(db->display));
                if (sl_path_relative(abs, rel, sizeof(rel)) < 0) {
                        db->state = 0;
                        continue;
                }
                r = sl_db_load(c->root_fd, rel, db);
                if (r < 0)
                        goto finish;
                if (db->state != 0)
                        any_user_db = true;
        }

        if (!any_user_db && !own) {
                r = 0;
                goto finish;
        }
        c->n_users_checked++;

        r = sl_views_build(c, prof, user_dbs, &views, &broken, &bad);
        if (r < 0)
                goto finish;
        if (broken) {
                c->shared_bad++;
                r = sl_emit(c->e, MAMORI_ERROR, subject, "cannot read %s: %s", bad->display, bad->reason);
                goto finish;
        }

        for (size_t d = 0; d < c->n_desktops; d++) {
                r = check_user_desktop(c, d, prof, own, own_path, &views, subject);
                if (r < 0)
                        goto finish;
        }
        r = 0;

finish:
        for (size_t i = 0; i < SL_ELEMENTSOF(user_dbs); i++)
                sl_db_free(user_dbs[i]);
        return r;
}

int sl_check_users(SlCtx *c) {
        _cleanup_(sl_user_list_freep) SlUserList *users = NULL;
        _cleanup_sl_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = sl_read_file(c->root_fd, "etc/passwd", 16U * 1024U * 1024U, &buf, &size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sl_emit(c->e, MAMORI_ERROR, "/etc/passwd", "cannot read /etc/passwd: %s",
                               sl_error_text(r));
        r = sl_users_parse(buf, size, 1000, &users);
        if (r < 0)
                return r;

        for (size_t i = 0; i < users->n_users; i++) {
                r = check_user(c, &users->users[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

