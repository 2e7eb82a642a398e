/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.sessions: what is true now, whatever the settings say.
 *   - logind's graphical sessions (x11, wayland): one idle beyond the
 *     rule's limit and not locked fails (with enforce: true it is also
 *     locked through logind, once per idle period, screenlock-idle.c);
 *   - logind "idle" inhibitors, which keep sessions from going idle;
 *   - sessions whose processes run with DCONF_PROFILE or GSETTINGS_BACKEND,
 *     which take them away from the system's dconf settings and locks;
 *   - automatic login in gdm3, LightDM or SDDM;
 *   - GNOME Shell extensions installed by staff while
 *     org.gnome.shell disable-user-extensions is not locked to true;
 *   - staff accounts without a password, which any lock lets in.
 *
 * Facts relied on:
 *   - logind: IdleHint is set by the desktop once the session is idle
 *     (GNOME: after idle-delay), IdleSinceHintMonotonic is when, LockedHint
 *     whether the screen is locked. An inhibitor's What is a ':'-separated
 *     list; "idle" in it with Mode "block" keeps the system from idling.
 *   - A process's cgroup (/proc/PID/cgroup) ends in session-ID.scope for
 *     the session's own processes; a GNOME session started by systemd
 *     --user runs under user@UID.service.
 *   - gdm3 (/etc/gdm3/daemon.conf, [daemon]): AutomaticLoginEnable and
 *     AutomaticLogin, TimedLoginEnable and TimedLogin. LightDM: files of
 *     /usr/share/lightdm/lightdm.conf.d, /etc/lightdm/lightdm.conf.d, then
 *     /etc/lightdm/lightdm.conf, later ones winning; autologin-user in a
 *     [Seat:...] or [SeatDefaults] group. SDDM: /usr/lib/sddm/sddm.conf.d,
 *     /etc/sddm.conf.d, then /etc/sddm.conf; [Autologin] User.
 *   - GNOME Shell loads extensions from ~/.local/share/gnome-shell/
 *     extensions/UUID/ unless disable-user-extensions is true.
 *   - An empty password field in /etc/shadow lets the account log in (and
 *     unlock) without a password. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock-desktops.h"
#include "screenlock-sessions.h"

#define PROC_SCAN_MAX 32768U
#define ENV_MAX (256U * 1024U)
#define EXTENSIONS_SHOWN 3

static const char *const dm_markers[] = {
        "usr/sbin/gdm3",
        "usr/sbin/lightdm",
        "usr/bin/sddm",
        NULL,
};

static const KeySpec disable_user_extensions = {
        "/org/gnome/shell/disable-user-extensions", "disable-user-extensions", GVARIANT_BOOLEAN,
        ROLE_LOCK_ENABLED, 1, 0, false, NULL,
};

typedef struct SessCtx {
        SlEval *e;
        const SessionsParams *p;
        int root_fd;
        unsigned bad;
        unsigned n_graphical;
        unsigned n_idle_ok;
        SlUserList *staff;
        char notes[6][160];
        size_t n_notes;
} SessCtx;

static int emit(SessCtx *x, mamori_status st, const char *subject, const char *fmt, ...) SL_PRINTF(4, 5);
static int emit(SessCtx *x, mamori_status st, const char *subject, const char *fmt, ...) {
        char buf[SL_EVIDENCE_MAX];
        va_list ap;

        if (st == MAMORI_FAIL || st == MAMORI_ERROR)
                x->bad++;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return sl_emit(x->e, st, subject, "%s", buf);
}

static void note(SessCtx *x, const char *fmt, ...) SL_PRINTF(2, 3);
static void note(SessCtx *x, const char *fmt, ...) {
        va_list ap;

        if (x->n_notes >= SL_ELEMENTSOF(x->notes))
                return;
        va_start(ap, fmt);
        vsnprintf(x->notes[x->n_notes++], sizeof(x->notes[0]), fmt, ap);
        va_end(ap);
}

static const char *session_label(const SlSession *se, char *buf, size_t size) {
        char id[40], user[SL_NAME_SHOW + 4], type[24], seat[40];

        snprintf(buf, size, "session %s of %s (%s%s%s)", sl_text_safe(se->id, 32, id, sizeof(id)),
                 sl_name_safe(se->user, user, sizeof(user)), sl_text_safe(se->type, 16, type, sizeof(type)),
                 se->seat[0] ? ", " : "", sl_text_safe(se->seat, 32, seat, sizeof(seat)));
        return buf;
}

/* ---- the environment of a session's processes ------------------------------- */

static bool cgroup_matches(const char *buf, size_t size, const SlSession *se) {
        char scope[96], manager[64];

        snprintf(scope, sizeof(scope), "/session-%s.scope", se->id);
        snprintf(manager, sizeof(manager), "/user@%u.service/", se->uid);
        for (const char *line = buf; line < buf + size;) {
                const char *nl = memchr(line, '\n', (size_t) (buf + size - line));
                size_t len = (size_t) ((nl ? nl : buf + size) - line), sl = strlen(scope);

                if ((len >= sl && memcmp(line + len - sl, scope, sl) == 0) ||
                    memmem(line, len, scope, sl) != NULL)
                        return true;
                if (memmem(line, len, manager, strlen(manager)))
                        return true;
                line = nl ? nl + 1 : buf + size;
        }
        return false;
}

/* One process's environment; 1 when it reported something. */
static int check_process_env(SessCtx *x, const SlSession *se, uint32_t pid, bool *reported_profile,
                             bool *reported_backend) {
        static const struct {
                const char *name;
                const char *harmless;   /* a value that changes nothing */
                const char *why;
        } vars[] = {
                { "DCONF_PROFILE", "user",
                  "dconf reads that profile instead of the system's, so the system settings and locks need not apply" },
                { "GSETTINGS_BACKEND", "dconf",
                  "GSettings does not read dconf at all, so no system setting or lock applies" },
        };
        _cleanup_sl_free_ char *env = NULL, *comm = NULL;
        char path[64], label[200], shown[80], cshown[40], subject[80], id[40];
        size_t size = 0, csize = 0;
        int r, found = 0;

        snprintf(path, sizeof(path), "proc/%u/environ", pid);
        r = sl_read_stream(x->root_fd, path, ENV_MAX, &env, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;       /* gone, or a kernel thread */
        snprintf(path, sizeof(path), "proc/%u/comm", pid);
        if (sl_read_stream(x->root_fd, path, 64, &comm, &csize) >= 0 && csize > 0 && comm[csize - 1] == '\n')
                comm[csize - 1] = '\0';

        for (size_t i = 0; i < SL_ELEMENTSOF(vars); i++) {
                bool *done = i == 0 ? reported_profile : reported_backend;
                const char *v;
                size_t vlen;
                char value[128];

                if (*done)
                        continue;
                v = sl_environ_get(env, size, vars[i].name, &vlen);
                if (!v)
                        continue;
                snprintf(value, sizeof(value), "%.*s", (int) (vlen < sizeof(value) - 1 ? vlen : sizeof(value) - 1),
                         v);
                if (strcmp(value, vars[i].harmless) == 0)
                        continue;
                *done = true;
                found = 1;
                snprintf(subject, sizeof(subject), "session:%s", sl_text_safe(se->id, 32, id, sizeof(id)));
                r = emit(x, MAMORI_FAIL, subject, "%s: process %u (%s) runs with %s=%s: %s",
                         session_label(se, label, sizeof(label)), pid,
                         comm ? sl_text_safe(comm, 32, cshown, sizeof(cshown)) : "?", vars[i].name,
                         sl_text_safe(value, 64, shown, sizeof(shown)), vars[i].why);
                if (r < 0)
                        return r;
        }
        return found;
}

static int check_session_env(SessCtx *x, const SlSession *se) {
        _cleanup_sl_close_ int fd = -1;
        bool profile = false, backend = false;
        unsigned scanned = 0;
        struct dirent *de;
        DIR *d;
        int r;

        if (se->leader > 0) {
                r = check_process_env(x, se, se->leader, &profile, &backend);
                if (r < 0)
                        return r;
        }
        fd = openat(x->root_fd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;
        r = 0;
        while ((de = readdir(d)) && r >= 0 && !(profile && backend) && scanned < PROC_SCAN_MAX) {
                _cleanup_sl_free_ char *cg = NULL;
                char path[300];
                size_t size = 0;
                char *end;
                unsigned long pid;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                pid = strtoul(de->d_name, &end, 10);
                if (*end || pid == 0 || pid > UINT32_MAX || pid == se->leader)
                        continue;
                scanned++;
                snprintf(path, sizeof(path), "proc/%s/cgroup", de->d_name);
                if (sl_read_stream(x->root_fd, path, 16384, &cg, &size) < 0)
                        continue;
                if (!cgroup_matches(cg, size, se))
                        continue;
                r = check_process_env(x, se, (uint32_t) pid, &profile, &backend);
        }
        closedir(d);
        return r < 0 ? r : 0;
}

/* ---- logind: sessions and inhibitors ---------------------------------------------- */

static int check_sessions(SessCtx *x, const SlSessionSource *src) {
        Screenlock *s = (Screenlock *) x->e->s;
        SlSession *list = NULL;
        uint64_t now, limit = x->p->max_idle_sec * 1000000U;
        size_t n = 0;
        int r;

        r = src->list_sessions(src->userdata, &list, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return emit(x, MAMORI_ERROR, "logind", "cannot ask logind for the sessions: %s", strerror(-r));

        /* The fallback first, so that the findings can say it was used. */
        if (x->e->rule && x->e->rule->enforce) {
                r = sl_idle_tick(s, list, n, x->p->max_idle_sec, NULL, NULL);
                if (r < 0)
                        goto finish;
        }

        now = sl_now_mono(s);
        for (size_t i = 0; i < n; i++) {
                const SlSession *se = &list[i];
                char label[200], idle[48], lim[48], subject[80], id[40];
                uint64_t idle_for;

                if (!sl_session_is_graphical(se))
                        continue;
                x->n_graphical++;
                r = check_session_env(x, se);
                if (r < 0)
                        goto finish;
                if (!se->idle_hint || se->locked_hint || se->idle_since_mono == 0) {
                        x->n_idle_ok++;
                        continue;
                }
                idle_for = now > se->idle_since_mono ? now - se->idle_since_mono : 0;
                if (idle_for < limit) {
                        x->n_idle_ok++;
                        continue;
                }
                snprintf(subject, sizeof(subject), "session:%s", sl_text_safe(se->id, 32, id, sizeof(id)));
                r = emit(x, MAMORI_FAIL, subject, "%s has been idle for %s without being locked (max-idle-sec %s)%s",
                         session_label(se, label, sizeof(label)), sl_format_duration(idle_for / 1000000U, idle,
                                                                                    sizeof(idle)),
                         sl_format_duration(x->p->max_idle_sec, lim, sizeof(lim)),
                         sl_idle_requested(s, se) ? "; mamori asked logind to lock it" : "");
                if (r < 0)
                        goto finish;
        }
        note(x, "%u graphical session%s, none idle past the limit unlocked", x->n_graphical,
             x->n_graphical == 1 ? "" : "s");
        r = 0;
finish:
        free(list);
        return r;
}

static bool what_has_idle(const char *what) {
        for (const char *p = what; *p;) {
                size_t n = strcspn(p, ":");

                if (n == 4 && memcmp(p, "idle", 4) == 0)
                        return true;
                p += n;
                if (*p == ':')
                        p++;
        }
        return false;
}

static int check_inhibitors(SessCtx *x, const SlSessionSource *src) {
        SlInhibitor *list = NULL;
        size_t n = 0, found = 0;
        int r;

        r = src->list_inhibitors(src->userdata, &list, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return emit(x, MAMORI_ERROR, "logind", "cannot ask logind for the inhibitors: %s", strerror(-r));
        for (size_t i = 0; i < n; i++) {
                const SlInhibitor *in = &list[i];
                char who[80], why[120], subject[100];

                if (!what_has_idle(in->what) || strcmp(in->mode, "block") != 0)
                        continue;
                found++;
                sl_text_safe(in->who, 64, who, sizeof(who));
                sl_text_safe(in->why, 100, why, sizeof(why));
                snprintf(subject, sizeof(subject), "inhibitor:%s", who);
                r = emit(x, MAMORI_FAIL, subject,
                         "%s (UID %u, PID %u) holds an idle inhibitor (\"%s\"): while it does, sessions do not go "
                         "idle and the screen does not lock",
                         who, in->uid, in->pid, why);
                if (r < 0)
                        break;
        }
        free(list);
        if (r >= 0 && found == 0)
                note(x, "no idle inhibitors");
        return r < 0 ? r : 0;
}

/* ---- automatic login ---------------------------------------------------------------- */

typedef struct Found {
        char value[128];
        char file[200];
        unsigned line;
} Found;

/* Looks key up in group of one file; updates *f when set. */
static int ini_lookup(SessCtx *x, const char *rel, const char *group, const char *key, Found *f) {
        _cleanup_sl_free_ char *buf = NULL;
        _cleanup_(kc_freep) KcFile *kc = NULL;
        const KcEntry *en;
        size_t size = 0;
        int r;

        r = sl_read_file(x->root_fd, rel, 1024U * 1024U, &buf, &size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return r == -ENOENT || r == -ENOTDIR ? 0 : emit(x, MAMORI_ERROR, rel, "cannot read /%s: %s", rel,
                                                                sl_error_text(r));
        r = kc_parse(buf, size, &kc);
        if (r < 0)
                return r;
        en = kc_lookup(kc, group, key);
        if (!en)
                return 0;
        snprintf(f->value, sizeof(f->value), "%s", en->value);
        snprintf(f->file, sizeof(f->file), "/%s", rel);
        f->line = en->line;
        return 1;
}

static int check_gdm(SessCtx *x, unsigned *n_found) {
        static const char *const files[] = { "etc/gdm3/daemon.conf", "etc/gdm3/custom.conf", "etc/gdm/custom.conf" };
        static const struct {
                const char *enable, *user, *what;
        } kinds[] = {
                { "AutomaticLoginEnable", "AutomaticLogin", "automatic login" },
                { "TimedLoginEnable", "TimedLogin", "timed automatic login" },
        };
        int r;

        for (size_t i = 0; i < SL_ELEMENTSOF(files); i++)
                for (size_t k = 0; k < SL_ELEMENTSOF(kinds); k++) {
                        Found en = {}, us = {};
                        bool on = false;
                        char shown[SL_NAME_SHOW + 4];

                        r = ini_lookup(x, files[i], "daemon", kinds[k].enable, &en);
                        if (r <= 0) {
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (kc_parse_bool(en.value, &on) < 0 || !on)
                                continue;
                        r = ini_lookup(x, files[i], "daemon", kinds[k].user, &us);
                        if (r < 0)
                                return r;
                        (*n_found)++;
                        r = emit(x, MAMORI_FAIL, en.file,
                                 "%s line %u: %s=%s: gdm3 starts a session for %s without a password (%s)", en.file,
                                 en.line, kinds[k].enable, en.value,
                                 us.value[0] ? sl_name_safe(us.value, shown, sizeof(shown)) : "the configured user",
                                 kinds[k].what);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.conf files of a directory under the root, sorted, as "dir/name". */
static int conf_files(int root_fd, const char *dir, char ***ret, size_t *ret_n) {
        _cleanup_sl_close_ int fd = -1;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;

        *ret = NULL;
        *ret_n = 0;
        fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;
        while ((de = readdir(d)) && n < 1024) {
                size_t len = strlen(de->d_name);
                char **grown;

                if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown || asprintf(&grown[n], "%s/%s", dir, de->d_name) < 0) {
                        if (grown)
                                names = grown;
                        for (size_t i = 0; i < n; i++)
                                free(names[i]);
                        free(names);
                        closedir(d);
                        return -ENOMEM;
                }
                names = grown;
                n++;
        }
        closedir(d);
        if (n > 1)
                qsort(names, n, sizeof(*names), name_cmp);
        *ret = names;
        *ret_n = n;
        return 0;
}

/* A key over a display manager's files in order (later ones win). */
static int dm_setting(SessCtx *x, const char *const *dirs, size_t n_dirs, const char *main_file, const char *group,
                      const char *key, Found *ret) {
        int r;

        *ret = (Found) {};
        for (size_t i = 0; i < n_dirs; i++) {
                char **names = NULL;
                size_t n = 0;

                r = conf_files(x->root_fd, dirs[i], &names, &n);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < n; j++) {
                        if (r >= 0)
                                r = ini_lookup(x, names[j], group, key, ret);
                        free(names[j]);
                }
                free(names);
                if (r < 0)
                        return r;
        }
        r = ini_lookup(x, main_file, group, key, ret);
        return r < 0 ? r : 0;
}

static int check_lightdm_sddm(SessCtx *x, unsigned *n_found) {
        static const char *const lightdm_dirs[] = { "usr/share/lightdm/lightdm.conf.d", "etc/lightdm/lightdm.conf.d" };
        static const char *const lightdm_groups[] = { "Seat:*", "Seat:seat0", "SeatDefaults" };
        static const char *const sddm_dirs[] = { "usr/lib/sddm/sddm.conf.d", "etc/sddm.conf.d" };
        char shown[SL_NAME_SHOW + 4];
        Found f;
        int r;

        for (size_t g = 0; g < SL_ELEMENTSOF(lightdm_groups); g++) {
                r = dm_setting(x, lightdm_dirs, SL_ELEMENTSOF(lightdm_dirs), "etc/lightdm/lightdm.conf",
                               lightdm_groups[g], "autologin-user", &f);
                if (r < 0)
                        return r;
                if (!f.value[0])
                        continue;
                (*n_found)++;
                r = emit(x, MAMORI_FAIL, f.file,
                         "%s line %u: [%s] autologin-user=%s: LightDM starts that session without a password", f.file,
                         f.line, lightdm_groups[g], sl_name_safe(f.value, shown, sizeof(shown)));
                if (r < 0)
                        return r;
        }
        r = dm_setting(x, sddm_dirs, SL_ELEMENTSOF(sddm_dirs), "etc/sddm.conf", "Autologin", "User", &f);
        if (r < 0)
                return r;
        if (f.value[0]) {
                (*n_found)++;
                r = emit(x, MAMORI_FAIL, f.file,
                         "%s line %u: [Autologin] User=%s: SDDM starts that session without a password", f.file, f.line,
                         sl_name_safe(f.value, shown, sizeof(shown)));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- staff accounts ---------------------------------------------------------------- */

static int check_extensions(SessCtx *x) {
        const char *marker[] = { "usr/bin/gnome-shell", NULL };
        SlEffective eff = {};
        unsigned n_users = 0;
        int key_r, r;

        if (!sl_any_marker(x->root_fd, marker, NULL))
                return 0;
        key_r = sl_dconf_machine_key((Screenlock *) x->e->s, &disable_user_extensions, &eff);
        if (key_r == -ENOMEM)
                return key_r;
        if (key_r >= 0 && eff.b && !eff.read.writable) {
                note(x, "user extensions off (disable-user-extensions locked true)");
                return 0;
        }

        for (size_t i = 0; i < x->staff->n_users; i++) {
                const SlUser *u = &x->staff->users[i];
                _cleanup_sl_close_ int fd = -1;
                char home_rel[SL_PATH_MAX], rel[SL_PATH_MAX + 64], names[200] = "", subject[SL_NAME_SHOW + 16];
                char nm[SL_NAME_SHOW + 4];
                struct dirent *de;
                size_t count = 0;
                DIR *d;

                if (sl_path_relative(u->home, home_rel, sizeof(home_rel)) < 0)
                        continue;
                snprintf(rel, sizeof(rel), "%s/.local/share/gnome-shell/extensions", home_rel);
                fd = openat(x->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                d = fdopendir(fd);
                if (!d)
                        continue;
                fd = -1;
                while ((de = readdir(d))) {
                        struct stat st;

                        if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISDIR(st.st_mode))
                                continue;
                        if (count++ < EXTENSIONS_SHOWN) {
                                char shown[72];
                                size_t len = strlen(names);

                                snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
                                         sl_text_safe(de->d_name, 60, shown, sizeof(shown)));
                        }
                }
                closedir(d);
                if (count == 0)
                        continue;
                n_users++;
                snprintf(subject, sizeof(subject), "user:%s", sl_name_safe(u->name, nm, sizeof(nm)));
                r = emit(x, MAMORI_FAIL, subject,
                         "%zu GNOME Shell extension%s installed in ~/.local/share/gnome-shell/extensions (%s%s) and "
                         "org.gnome.shell disable-user-extensions is %s: an extension can keep the screen from "
                         "locking",
                         count, count == 1 ? "" : "s", names, count > EXTENSIONS_SHOWN ? ", ..." : "",
                         key_r < 0 ? "unknown (the dconf databases cannot be read)"
                               : !eff.b ? "false" : "not locked");
                if (r < 0)
                        return r;
        }
        if (n_users == 0)
                note(x, "no user-installed GNOME Shell extensions");
        return 0;
}

static int check_passwords(SessCtx *x) {
        _cleanup_sl_free_ char *buf = NULL;
        unsigned found = 0;
        size_t size = 0;
        int r;

        r = sl_read_file(x->root_fd, "etc/shadow", 16U * 1024U * 1024U, &buf, &size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return emit(x, MAMORI_ERROR, "/etc/shadow", "cannot read /etc/shadow: %s", sl_error_text(r));
        for (size_t i = 0; i < x->staff->n_users; i++) {
                const SlUser *u = &x->staff->users[i];
                char subject[SL_NAME_SHOW + 16], nm[SL_NAME_SHOW + 4];

                if (sl_shadow_password_empty(buf, size, u->name) != 1)
                        continue;
                found++;
                snprintf(subject, sizeof(subject), "user:%s", sl_name_safe(u->name, nm, sizeof(nm)));
                r = emit(x, MAMORI_FAIL, subject,
                         "staff account %s has an empty password in /etc/shadow: its locked screen opens without "
                         "a password",
                         nm);
                if (r < 0)
                        return r;
        }
        if (found == 0)
                note(x, "every staff account has a password");
        return 0;
}

/* ---- the check ---------------------------------------------------------------------- */

static bool any_desktop(int root_fd) {
        for (size_t i = 0; sl_dconf_desktops[i]; i++)
                if (sl_any_marker(root_fd, sl_dconf_desktops[i]->markers, NULL))
                        return true;
        return sl_xfce_installed(root_fd) || sl_kde_installed(root_fd) || sl_any_marker(root_fd, dm_markers, NULL);
}

int screenlock_check_sessions(SlEval *e, const SessionsParams *p) {
        _cleanup_(sl_user_list_freep) SlUserList *staff = NULL;
        const SlSessionSource *src = NULL;
        unsigned n_autologin = 0;
        SessCtx x = {
                .e = e,
                .p = p,
                .root_fd = e->s->root_fd,
        };
        char summary[SL_EVIDENCE_MAX / 2] = "";
        int r;

        if (!any_desktop(x.root_fd))
                return sl_emit(e, MAMORI_NOT_APPLICABLE, NULL,
                               "no desktop and no display manager is installed: there is no graphical session to lock");

        r = sl_staff_load(e, &staff);
        if (r < 0)
                return r;
        if (!staff)
                x.bad++;
        x.staff = staff;

        r = sl_sessions_source((Screenlock *) e->s, &src);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = emit(&x, MAMORI_ERROR, "logind", "cannot reach logind: %s", strerror(-r));
                if (r < 0)
                        return r;
        } else {
                r = check_sessions(&x, src);
                if (r >= 0)
                        r = check_inhibitors(&x, src);
                if (r < 0)
                        return r;
        }

        r = check_gdm(&x, &n_autologin);
        if (r >= 0)
                r = check_lightdm_sddm(&x, &n_autologin);
        if (r < 0)
                return r;
        if (n_autologin == 0)
                note(&x, "no automatic login");
        if (staff) {
                r = check_extensions(&x);
                if (r >= 0)
                        r = check_passwords(&x);
                if (r < 0)
                        return r;
        }

        if (x.bad > 0)
                return 0;
        for (size_t i = 0; i < x.n_notes; i++) {
                size_t len = strlen(summary);

                snprintf(summary + len, sizeof(summary) - len, "%s%s", i ? "; " : "", x.notes[i]);
        }
        return sl_emit(e, MAMORI_PASS, NULL, "%s", summary);
}
