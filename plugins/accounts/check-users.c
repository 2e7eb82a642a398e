/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who can log in without a password, and who can become root:
 * accounts.empty-passwords (詳細編 6.5(3), 7.2(11)②), accounts.uid0 and
 * accounts.admin-groups (詳細編 5.1(1)④: least privilege). Evidence names
 * accounts and files, never any part of a password field. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"

/* pam_unix looks in shadow when the passwd field is "x" or "##user". */
static bool passwd_is_shadowed(const char *pw) {
        return strcmp(pw, "x") == 0 || strncmp(pw, "##", 2) == 0;
}

static const char *show(const char *name, char *buf, size_t size) {
        return text_safe(name, NAME_SHOW_MAX, buf, size);
}

int check_empty_passwords(Eval *e, const AccountsParams *p) {
        _cleanup_(passwd_file_freep) PasswdFile *pw = NULL;
        _cleanup_(shadow_file_freep) ShadowFile *sh = NULL;
        char note_pw[160], note_sh[160], subject[NAME_SHOW_MAX + 16], name[NAME_SHOW_MAX + 4];
        int r_pw, r_sh, r;
        size_t checked = 0, failed = 0;

        r_sh = load_shadow(e->a, &sh);
        if (r_sh == -ENOMEM)
                return r_sh;
        /* Unreadable is not absent: passing on what passwd says while the
         * real passwords sit in a shadow we cannot see would be a pass by
         * default. */
        if (r_sh < 0 && r_sh != -ENOENT)
                return eval_emit_read_error(e, "/etc/shadow", r_sh);

        r_pw = load_passwd(e->a, &pw);
        if (r_pw == -ENOMEM)
                return r_pw;
        if (r_pw < 0 && !sh)
                return eval_emit(e, MAMORI_ERROR, "/etc/passwd",
                                 "cannot read /etc/passwd: %s (and /etc/shadow does not exist)",
                                 root_error_text(r_pw));

        malformed_note(sh ? &sh->stats : NULL, "/etc/shadow", note_sh, sizeof(note_sh));
        malformed_note(pw ? &pw->stats : NULL, "/etc/passwd", note_pw, sizeof(note_pw));

        /* Every shadow entry: only the first of a name counts, as
         * getspnam() returns the first. */
        for (size_t i = 0; sh && i < sh->n_entries; i++) {
                const ShadowEntry *s = &sh->entries[i];

                if (shadow_find(sh, s->name) != s)
                        continue;
                checked++;
                if (!password_is_empty(s->passwd))
                        continue;
                failed++;
                show(s->name, name, sizeof(name));
                r = eval_emit(e, MAMORI_FAIL, subject_user(s->name, subject, sizeof(subject)),
                              "user %s has an empty password in /etc/shadow (anyone can log in as %s)%s%s",
                              name, name, note_sh, note_pw);
                if (r < 0)
                        return r;
        }

        /* A passwd field that is not "x" is the password itself: pam_unix
         * never looks in shadow for it. */
        for (size_t i = 0; pw && i < pw->n_entries; i++) {
                const PasswdEntry *u = &pw->entries[i];

                if (passwd_find(pw, u->name) != u)
                        continue;
                if (!shadow_find(sh, u->name))
                        checked++;      /* not counted above */
                if (passwd_is_shadowed(u->passwd) || !password_is_empty(u->passwd))
                        continue;
                {
                        const ShadowEntry *s = shadow_find(sh, u->name);

                        if (s && password_is_empty(s->passwd))
                                continue;       /* reported above */
                }
                failed++;
                show(u->name, name, sizeof(name));
                r = eval_emit(e, MAMORI_FAIL, subject_user(u->name, subject, sizeof(subject)),
                              "user %s has an empty password field in /etc/passwd (anyone can log in as %s)%s%s",
                              name, name, note_sh, note_pw);
                if (r < 0)
                        return r;
        }

        if (failed > 0)
                return 0;

        return eval_emit(e, MAMORI_PASS, NULL, "%zu account%s checked, none with an empty password%s%s%s%s",
                         checked, checked == 1 ? "" : "s",
                         !sh ? " (/etc/shadow does not exist: checked the password field of /etc/passwd)" : "",
                         r_pw < 0 ? " (/etc/passwd could not be read: checked /etc/shadow only)" : "",
                         note_sh, note_pw);
}

int check_uid0(Eval *e, const AccountsParams *p) {
        _cleanup_(passwd_file_freep) PasswdFile *pw = NULL;
        char note[160], subject[NAME_SHOW_MAX + 16], name[NAME_SHOW_MAX + 4], roots[256] = "";
        size_t failed = 0;
        int r;

        r = load_passwd(e->a, &pw);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, "/etc/passwd", r);
        malformed_note(&pw->stats, "/etc/passwd", note, sizeof(note));

        for (size_t i = 0; i < pw->n_entries; i++) {
                const PasswdEntry *u = &pw->entries[i];

                if (u->uid != 0)
                        continue;
                show(u->name, name, sizeof(name));
                if (text_in_list(u->name, p->allowed)) {
                        size_t len = strlen(roots);

                        if (len + 2 < sizeof(roots))
                                snprintf(roots + len, sizeof(roots) - len, "%s%s",
                                         len > 0 ? ", " : "", name);
                        continue;
                }
                failed++;
                r = eval_emit(e, MAMORI_FAIL, subject_user(u->name, subject, sizeof(subject)),
                              "user %s has UID 0 (the full power of root) and is not in the allowed list%s",
                              name, note);
                if (r < 0)
                        return r;
        }

        if (failed > 0)
                return 0;
        return eval_emit(e, MAMORI_PASS, NULL, "%zu account%s checked, UID 0 only for %s%s",
                         pw->n_entries, pw->n_entries == 1 ? "" : "s",
                         roots[0] ? roots : "no account", note);
}

/* ---- admin groups ---------------------------------------------------------------- */

typedef struct AdminGroup {
        const char *name;       /* as the rule names it: "sudo" */
        uint32_t gid;
} AdminGroup;

typedef struct Hit {
        const char *user;
        const char *group;      /* the rule's name for the group */
        const char *via;        /* another group with the same GID, or NULL */
        bool primary;           /* by the passwd GID, not a member list */
        size_t order;
} Hit;

static int hit_cmp(const void *a, const void *b) {
        const Hit *x = a, *y = b;
        int c = strcmp(x->user, y->user);

        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int hits_add(Hit **hits, size_t *n, size_t *allocated, Hit h) {
        if (*n >= *allocated) {
                size_t m = *allocated ? *allocated * 2 : 16;
                Hit *p;

                if (m > SIZE_MAX / sizeof(*p))
                        return -ENOMEM;
                p = realloc(*hits, m * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                *hits = p;
                *allocated = m;
        }
        h.order = *n;
        (*hits)[(*n)++] = h;
        return 0;
}

static bool hit_same_label(const Hit *a, const Hit *b) {
        return strcmp(a->group, b->group) == 0 && a->primary == b->primary &&
               ((!a->via && !b->via) || (a->via && b->via && strcmp(a->via, b->via) == 0));
}

/* "sudo", "sudo (primary group)", "sudo (as group sudo2, same GID)". */
static void label_append(char *buf, size_t size, const Hit *h, bool first) {
        char group[NAME_SHOW_MAX + 4], via[NAME_SHOW_MAX + 4];
        size_t len = strlen(buf);

        if (len + 1 >= size)
                return;
        show(h->group, group, sizeof(group));
        if (h->via)
                show(h->via, via, sizeof(via));
        snprintf(buf + len, size - len, "%s%s%s%s%s", first ? "" : ", ", group,
                 h->primary ? " (primary group)" : "", h->via ? " (as group " : "",
                 h->via ? via : "");
        if (h->via) {
                len = strlen(buf);
                if (len + 1 < size)
                        snprintf(buf + len, size - len, ", same GID)");
        }
}

int check_admin_groups(Eval *e, const AccountsParams *p) {
        _cleanup_(passwd_file_freep) PasswdFile *pw = NULL;
        _cleanup_(group_file_freep) GroupFile *gr = NULL;
        _cleanup_acc_free_ AdminGroup *admin = NULL;
        _cleanup_acc_free_ Hit *hits = NULL;
        char note_pw[160], note_gr[160], present[256] = "", absent[256] = "";
        size_t n_admin = 0, n_groups = 0, n_hits = 0, allocated = 0, failed = 0;
        int r;

        r = load_group(e->a, &gr);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, "/etc/group", r);
        /* passwd gives the primary groups: a user whose GID is sudo's is in
         * sudo without being on its member list. */
        r = load_passwd(e->a, &pw);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit_read_error(e, "/etc/passwd", r);
        malformed_note(&gr->stats, "/etc/group", note_gr, sizeof(note_gr));
        malformed_note(&pw->stats, "/etc/passwd", note_pw, sizeof(note_pw));

        while (p->groups[n_groups])
                n_groups++;
        admin = calloc(n_groups > 0 ? n_groups : 1, sizeof(*admin));
        if (!admin)
                return -ENOMEM;

        for (size_t i = 0; i < n_groups; i++) {
                const GroupEntry *g = group_find(gr, p->groups[i]);
                char *list = g ? present : absent;
                char shown[NAME_SHOW_MAX + 4];
                size_t len = strlen(list);

                if (len + 2 < sizeof(present))
                        snprintf(list + len, sizeof(present) - len, "%s%s", len > 0 ? ", " : "",
                                 show(p->groups[i], shown, sizeof(shown)));
                /* A group that does not exist grants nothing. */
                if (g)
                        admin[n_admin++] = (AdminGroup) { .name = p->groups[i], .gid = g->gid };
        }

        /* sudo and su (pam_wheel) resolve a group name to its GID and then
         * compare GIDs: any group line with the same GID grants the same. */
        for (size_t i = 0; i < gr->n_entries; i++) {
                const GroupEntry *g = &gr->entries[i];

                for (size_t k = 0; k < n_admin; k++) {
                        if (g->gid != admin[k].gid)
                                continue;
                        for (size_t m = 0; m < g->n_members; m++) {
                                if (text_in_list(g->members[m], p->allowed))
                                        continue;
                                r = hits_add(&hits, &n_hits, &allocated, (Hit) {
                                        .user = g->members[m],
                                        .group = admin[k].name,
                                        .via = strcmp(g->name, admin[k].name) != 0 ? g->name : NULL,
                                });
                                if (r < 0)
                                        return r;
                        }
                }
        }
        for (size_t i = 0; i < pw->n_entries; i++) {
                const PasswdEntry *u = &pw->entries[i];

                for (size_t k = 0; k < n_admin; k++) {
                        if (u->gid != admin[k].gid || text_in_list(u->name, p->allowed))
                                continue;
                        r = hits_add(&hits, &n_hits, &allocated, (Hit) {
                                .user = u->name,
                                .group = admin[k].name,
                                .primary = true,
                        });
                        if (r < 0)
                                return r;
                }
        }

        if (n_hits > 0)
                qsort(hits, n_hits, sizeof(*hits), hit_cmp);

        for (size_t i = 0; i < n_hits;) {
                char labels[512] = "", subject[NAME_SHOW_MAX + 16], name[NAME_SHOW_MAX + 4];
                size_t j, n_labels = 0;

                for (j = i; j < n_hits && strcmp(hits[j].user, hits[i].user) == 0; j++) {
                        bool seen = false;

                        for (size_t k = i; k < j; k++)
                                if (hit_same_label(&hits[k], &hits[j]))
                                        seen = true;
                        if (seen)
                                continue;
                        label_append(labels, sizeof(labels), &hits[j], n_labels == 0);
                        n_labels++;
                }

                failed++;
                r = eval_emit(e, MAMORI_FAIL, subject_user(hits[i].user, subject, sizeof(subject)),
                              "user %s is in group%s %s (can become root) and is not in the allowed list%s%s",
                              show(hits[i].user, name, sizeof(name)), n_labels == 1 ? "" : "s", labels,
                              note_gr, note_pw);
                if (r < 0)
                        return r;
                i = j;
        }

        if (failed > 0)
                return 0;
        return eval_emit(e, MAMORI_PASS, NULL,
                         "no user outside the allowed list is in an administrator group (present: %s; absent: %s)%s%s",
                         present[0] ? present : "none", absent[0] ? absent : "none", note_gr, note_pw);
}
