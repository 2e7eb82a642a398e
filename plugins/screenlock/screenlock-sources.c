/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What dconf opens: the "user" profile and the databases its sources name,
 * read once per evaluation and shared by the machine's view and every
 * user's.
 *
 * Facts relied on (dconf's engine/dconf-engine-profile.c and the
 * dconf-engine-source-*.c files):
 *   - Without a mandatory profile, $DCONF_PROFILE or a runtime profile,
 *     dconf reads "user" from /etc/dconf/profile, then from each
 *     XDG_DATA_DIRS/dconf/profile; with none of these it acts as if the
 *     profile held "user-db:user" alone. A profile it cannot open for a
 *     reason other than "does not exist" leaves it on that default too.
 *   - system-db:NAME is /etc/dconf/db/NAME, opened with the session user's
 *     rights; a source whose file is missing stays in the list and reads
 *     as empty. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

/* Where dconf looks for the "user" profile, in order (XDG_DATA_DIRS at its
 * default). */
static const char *const profile_paths[] = {
        "etc/dconf/profile/user",
        "usr/local/share/dconf/profile/user",
        "usr/share/dconf/profile/user",
};

SlDb *sl_db_free(SlDb *db) {
        if (!db)
                return NULL;
        free(db->name);
        free(db->data);
        free(db);
        return NULL;
}

const char *sl_name_safe(const char *s, char *buf, size_t size) {
        return sl_text_safe(s, SL_NAME_SHOW, buf, size);
}

int sl_db_load(int root_fd, const char *rel, SlDb *db) {
        const char *reason = NULL;
        int r;

        r = sl_read_file(root_fd, rel, GVDB_FILE_MAX, &db->data, &db->size, &db->st);
        if (r == -ENOENT || r == -ENOTDIR) {
                db->state = 0;
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                db->state = r;
                db->reason = sl_error_text(r);
                return 0;
        }

        r = gvdb_table_open(db->data, db->size, &db->values, &reason);
        if (r < 0) {
                db->state = r;
                db->reason = reason;
                return 0;
        }
        r = gvdb_table_get_table(&db->values, ".locks", &db->locks, &reason);
        if (r < 0) {
                db->state = r;
                db->reason = reason;
                return 0;
        }
        db->has_locks = r > 0;
        db->state = 1;
        return 0;
}

int sl_ctx_db(SlCtx *c, const DconfSource *src, SlDb **ret) {
        char rel[SL_PATH_MAX], abs[SL_PATH_MAX];
        SlDb *db, **grown;
        int r;

        *ret = NULL;
        if (src->type != DCONF_SOURCE_SYSTEM && src->type != DCONF_SOURCE_FILE)
                return 0;

        for (size_t i = 0; i < c->n_dbs; i++)
                if (c->dbs[i]->type == src->type && strcmp(c->dbs[i]->name, src->name) == 0) {
                        *ret = c->dbs[i];
                        return 0;
                }

        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        db->type = src->type;
        db->name = strdup(src->name);
        if (!db->name) {
                sl_db_free(db);
                return -ENOMEM;
        }

        if (src->type == DCONF_SOURCE_SYSTEM)
                snprintf(abs, sizeof(abs), "/etc/dconf/db/%s", src->name);
        else
                snprintf(abs, sizeof(abs), "%s", src->name);
        sl_text_safe(abs, 200, db->display, sizeof(db->display));

        if (sl_path_relative(abs, rel, sizeof(rel)) < 0) {
                db->state = -EINVAL;
                db->reason = src->type == DCONF_SOURCE_FILE ?
                        "not an absolute path without \"..\"" : "a database name with \"..\" in it";
        } else {
                r = sl_db_load(c->root_fd, rel, db);
                if (r < 0) {
                        sl_db_free(db);
                        return r;
                }
        }

        grown = realloc(c->dbs, (c->n_dbs + 1) * sizeof(*c->dbs));
        if (!grown) {
                sl_db_free(db);
                return -ENOMEM;
        }
        c->dbs = grown;
        c->dbs[c->n_dbs++] = db;
        *ret = db;
        return 0;
}

const char *sl_source_label(const DconfSource *s, char *buf, size_t size) {
        char name[SL_NAME_SHOW + 8];

        snprintf(buf, size, "%s:%s", dconf_source_type_to_string(s->type),
                 sl_name_safe(s->name, name, sizeof(name)));
        return buf;
}

/* ---- the profile -------------------------------------------------------- */

/* Finds and parses the system's "user" profile the way dconf does. */
int sl_profile_load(SlCtx *c) {
        _cleanup_sl_free_ char *buf = NULL;
        size_t size = 0;
        struct stat st;
        int r;

        for (size_t i = 0; i < SL_ELEMENTSOF(profile_paths); i++) {
                char shown[SL_PATH_MAX];

                r = sl_read_file(c->root_fd, profile_paths[i], 1024 * 1024, &buf, &size, &st);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r == -ENOMEM)
                        return r;
                snprintf(shown, sizeof(shown), "/%s", profile_paths[i]);
                if (r < 0) {
                        c->broken = true;
                        return sl_emit(c->e, MAMORI_ERROR, shown, "cannot read %s: %s", shown,
                                       sl_error_text(r));
                }
                snprintf(c->profile_path, sizeof(c->profile_path), "%s", shown);

                r = dconf_profile_parse(buf, size, &c->profile);
                if (r < 0)
                        return r;

                /* dconf opens it with the staff user's rights; failing that
                 * it falls back to its default, as if the file were not
                 * there. */
                if (!(st.st_mode & S_IROTH)) {
                        r = sl_emit(c->e, MAMORI_FAIL, shown,
                                    "%s is not readable by other users (mode %04o): dconf in a staff "
                                    "session cannot open it and falls back to user-db:user alone, so no "
                                    "system setting or lock applies",
                                    shown, (unsigned) (st.st_mode & 07777));
                        if (r < 0)
                                return r;
                }
                if (c->profile->n_ignored > 0) {
                        r = sl_emit(c->e, MAMORI_FAIL, shown,
                                    "%s: %zu line%s dconf does not understand and ignores (first: line %u); "
                                    "a source line is user-db:, system-db:, service-db: or file-db: and a name",
                                    shown, c->profile->n_ignored, c->profile->n_ignored == 1 ? "" : "s",
                                    c->profile->first_ignored);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        c->profile_path[0] = '\0';
        r = dconf_profile_new_default(&c->profile);
        if (r < 0)
                return r;
        return sl_emit(c->e, MAMORI_FAIL, "/etc/dconf/profile/user",
                       "/etc/dconf/profile/user is missing (and no other \"user\" profile exists): dconf "
                       "then reads user-db:user alone, so no system database and no lock is ever applied");
}

/* A service-db source is kept by the dconf service of a running session
 * and is not read here: as a first source it makes every unlocked key
 * writable (reported as such), and a locked key never reads it. */
int sl_views_build(SlCtx *c, const DconfProfile *prof, SlDb *const *user_dbs, SlViews *ret,
                   bool *ret_broken, SlDb **ret_bad_db) {
        SlViews v = {};

        *ret_broken = false;
        for (size_t i = 0; i < prof->n_sources; i++) {
                const DconfSource *src = &prof->sources[i];
                SlDb *db = NULL;
                int r;

                if (v.n >= SL_ELEMENTSOF(v.v)) {
                        /* More sources than any profile has: the rest
                         * rank below and are not read. */
                        v.truncated = true;
                        break;
                }
                v.v[v.n].source = src;
                v.display[v.n] = "";

                if (src->type == DCONF_SOURCE_USER) {
                        db = user_dbs ? user_dbs[i] : NULL;
                } else {
                        r = sl_ctx_db(c, src, &db);
                        if (r < 0)
                                return r;
                }
                if (db) {
                        v.display[v.n] = db->display;
                        if (db->state < 0) {
                                *ret_broken = true;
                                if (ret_bad_db)
                                        *ret_bad_db = db;
                        } else if (db->state > 0) {
                                v.v[v.n].values = &db->values;
                                v.v[v.n].locks = db->has_locks ? &db->locks : NULL;
                        }
                }
                v.n++;
        }
        *ret = v;
        return 0;
}

/* Problems with the databases the system profile names. */
int sl_check_profile_databases(SlCtx *c) {
        for (size_t i = 0; i < c->profile->n_sources; i++) {
                const DconfSource *src = &c->profile->sources[i];
                char label[SL_NAME_SHOW + 32];
                SlDb *db;
                int r;

                r = sl_ctx_db(c, src, &db);
                if (r < 0)
                        return r;
                if (!db || db->reported)
                        continue;
                db->reported = true;
                sl_source_label(src, label, sizeof(label));

                if (db->state < 0) {
                        c->broken = true;
                        r = sl_emit(c->e, MAMORI_ERROR, db->display, "cannot read %s (%s, %s line %u): %s",
                                    db->display, label, c->profile_path, src->line, db->reason);
                } else if (db->state == 0) {
                        char rel[SL_PATH_MAX + 4];
                        struct stat st;

                        /* A NAME.d that exists is reported as never
                         * compiled by the staleness check. */
                        if (src->type == DCONF_SOURCE_SYSTEM &&
                            snprintf(rel, sizeof(rel), "etc/dconf/db/%s.d", src->name) < (int) sizeof(rel) &&
                            !strstr(src->name, "..") && fstatat(c->root_fd, rel, &st, 0) == 0 &&
                            S_ISDIR(st.st_mode))
                                continue;
                        r = sl_emit(c->e, MAMORI_FAIL, db->display,
                                    "%s is missing: %s (%s line %u) names it, so dconf reads nothing from it",
                                    db->display, label, c->profile_path, src->line);
                } else if (!(db->st.st_mode & S_IROTH))
                        r = sl_emit(c->e, MAMORI_FAIL, db->display,
                                    "%s is not readable by other users (mode %04o): dconf in a staff "
                                    "session cannot open it, so its settings and locks do not apply",
                                    db->display, (unsigned) (db->st.st_mode & 07777));
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

const char *sl_first_system_db(const DconfProfile *p) {
        for (size_t i = 0; i < p->n_sources; i++)
                if (p->sources[i].type == DCONF_SOURCE_SYSTEM)
                        return p->sources[i].name;
        return NULL;
}
