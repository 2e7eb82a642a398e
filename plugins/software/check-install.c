/* SPDX-License-Identifier: GPL-2.0-or-later */
/* software.install-restricted: only administrators can install software
 * (詳細編 7.1(13)②). Two ways in for staff: PackageKit (GNOME Software,
 * KDE Discover), whose polkit actions must ask for an administrator, and
 * sudo, whose groups staff accounts must not be in.
 *
 * With enforce: true the plugin writes one polkit rule file that makes
 * PackageKit's install actions ask for an administrator whatever the
 * .policy defaults say. polkit runs rule files in the order of their names
 * and the first result wins, so a rule file sorting before mamori's that
 * grants PackageKit still fails the check; one sorting after it cannot
 * matter while mamori's is in place. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "software.h"

#define POLICY_PATH "usr/share/polkit-1/actions/org.freedesktop.packagekit.policy"
#define RULES_DIR "etc/polkit-1/rules.d"
#define VENDOR_RULES_DIR "usr/share/polkit-1/rules.d"
#define RULE_FILES_MAX 512

/* Debian's UID_MIN and UID_MAX (login.defs): the accounts of people. */
#define STAFF_UID_MIN 1000U
#define STAFF_UID_MAX 59999U

static const char *const default_admin_groups[] = { "sudo", "admin", "wheel", NULL };

static bool name_in(const char *name, const char *const *list) {
        for (const char *const *l = list; l && *l; l++)
                if (strcmp(*l, name) == 0)
                        return true;
        return false;
}

/* 1: written, 0: already so, <0: failed. */
static int rule_file_write(Software *s) {
        const char *text = polkit_mamori_rule_text();
        size_t len = strlen(text);
        _cleanup_sw_free_ char *old = NULL;
        _cleanup_sw_close_ int dirfd = -EBADF, fd = -EBADF;
        char tmp[80];
        struct stat st;
        size_t size, done = 0;

        dirfd = openat(s->root_fd, RULES_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0 && errno == ENOENT) {
                /* polkit is there (its policy directory is); its local
                 * rules directory may not be yet. */
                if (mkdirat(s->root_fd, RULES_DIR, 0755) < 0 && errno != EEXIST)
                        return -errno;
                dirfd = openat(s->root_fd, RULES_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (dirfd < 0)
                return -errno;

        if (root_read_file(dirfd, MAMORI_POLKIT_RULE_FILE, 1U << 20, &old, &size) >= 0 &&
            size == len && memcmp(old, text, len) == 0 &&
            fstatat(dirfd, MAMORI_POLKIT_RULE_FILE, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
            (st.st_mode & 07777) == 0644 && (geteuid() != 0 || (st.st_uid == 0 && st.st_gid == 0)))
                return 0;

        /* polkit reads "*.rules" only: the temporary name is invisible to it. */
        snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", MAMORI_POLKIT_RULE_FILE, (long) getpid());
        (void) unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        while (done < len) {
                ssize_t n = write(fd, text + done, len - done);

                if (n < 0) {
                        int r = -errno;

                        if (r == -EINTR)
                                continue;
                        (void) unlinkat(dirfd, tmp, 0);
                        return r;
                }
                done += (size_t) n;
        }
        /* The umask may have taken bits; root:root so that nobody but root
         * can change what polkit runs. Not root (tests): leave the owner. */
        if (fchmod(fd, 0644) < 0 || (geteuid() == 0 && fchown(fd, 0, 0) < 0) || fsync(fd) < 0 ||
            renameat(dirfd, tmp, dirfd, MAMORI_POLKIT_RULE_FILE) < 0) {
                int r = -errno;

                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        (void) fsync(dirfd);
        return 1;
}

static int rule_name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Rule file names of both directories, sorted, each once. */
static int list_rule_files(int root_fd, char ***ret, size_t *ret_n) {
        static const char *const dirs[] = { RULES_DIR, VENDOR_RULES_DIR };
        char **names = calloc(RULE_FILES_MAX, sizeof(char *));
        size_t n = 0, o = 0;

        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < SW_ELEMENTSOF(dirs); i++) {
                int fd = openat(root_fd, dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct dirent *de;
                DIR *d;

                if (fd < 0)
                        continue;
                d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        continue;
                }
                while ((de = readdir(d)) && n < RULE_FILES_MAX) {
                        size_t l = strlen(de->d_name);

                        if (de->d_name[0] == '.' || l <= 6 || strcmp(de->d_name + l - 6, ".rules") != 0)
                                continue;
                        names[n] = strdup(de->d_name);
                        if (!names[n])
                                break;
                        n++;
                }
                closedir(d);
        }
        qsort(names, n, sizeof(char *), rule_name_cmp);
        for (size_t i = 0; i < n; i++) {
                if (o > 0 && strcmp(names[o - 1], names[i]) == 0) {
                        free(names[i]);
                        continue;
                }
                names[o++] = names[i];
        }
        *ret = names;
        *ret_n = o;
        return 0;
}

static int check_rule_files(Eval *e, const char *const *groups, bool mamori_ok, unsigned *n_fail) {
        char **names = NULL;
        size_t n = 0;
        int r;

        r = list_rule_files(e->s->root_fd, &names, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_sw_free_ char *buf = NULL;
                char path[300], shown[300];
                size_t size;

                if (strcmp(names[i], MAMORI_POLKIT_RULE_FILE) == 0)
                        continue;
                /* Rules after mamori's never run for PackageKit's actions. */
                if (mamori_ok && strcmp(names[i], MAMORI_POLKIT_RULE_FILE) > 0)
                        continue;
                /* The /etc file shadows the vendor one of the same name. */
                snprintf(path, sizeof(path), "%s/%s", RULES_DIR, names[i]);
                if (root_read_file(e->s->root_fd, path, SW_FILE_MAX, &buf, &size) < 0) {
                        snprintf(path, sizeof(path), "%s/%s", VENDOR_RULES_DIR, names[i]);
                        if (root_read_file(e->s->root_fd, path, SW_FILE_MAX, &buf, &size) < 0)
                                continue;
                }
                if (!polkit_js_grants_packagekit(buf, size, groups))
                        continue;
                shown[0] = '/';
                text_safe(path, 200, shown + 1, sizeof(shown) - 1);
                (*n_fail)++;
                r = eval_emit(e, MAMORI_FAIL, shown,
                              "%s can grant PackageKit actions without authentication (returns polkit.Result.YES)%s",
                              shown, mamori_ok ? " before mamori's rule" : "");
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

static int check_pkla(Eval *e, const char *const *groups, unsigned *n_fail) {
        static const char *const bases[] = { "etc/polkit-1/localauthority", "var/lib/polkit-1/localauthority" };
        int r = 0;

        for (size_t b = 0; b < SW_ELEMENTSOF(bases) && r >= 0; b++) {
                int fd = openat(e->s->root_fd, bases[b], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct dirent *de;
                DIR *d;

                if (fd < 0)
                        continue;
                d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        continue;
                }
                /* <base>/<NN-name>.d/<file>.pkla */
                while ((de = readdir(d)) && r >= 0) {
                        int sub;
                        DIR *sd;
                        struct dirent *f;

                        if (de->d_name[0] == '.')
                                continue;
                        sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0)
                                continue;
                        sd = fdopendir(sub);
                        if (!sd) {
                                close(sub);
                                continue;
                        }
                        while ((f = readdir(sd)) && r >= 0) {
                                _cleanup_sw_free_ char *buf = NULL;
                                char path[600], shown[300];
                                size_t l = strlen(f->d_name), size;

                                if (f->d_name[0] == '.' || l <= 5 || strcmp(f->d_name + l - 5, ".pkla") != 0)
                                        continue;
                                snprintf(path, sizeof(path), "%s/%s/%s", bases[b], de->d_name, f->d_name);
                                if (root_read_file(e->s->root_fd, path, SW_FILE_MAX, &buf, &size) < 0 ||
                                    !polkit_pkla_grants(buf, size, packagekit_install_actions, groups))
                                        continue;
                                shown[0] = '/';
                                text_safe(path, 200, shown + 1, sizeof(shown) - 1);
                                (*n_fail)++;
                                r = eval_emit(e, MAMORI_FAIL, shown,
                                              "%s grants PackageKit actions without authentication (Result...=yes)",
                                              shown);
                        }
                        closedir(sd);
                }
                closedir(d);
        }
        return r;
}

static int check_packagekit(Eval *e, const char *const *groups) {
        _cleanup_sw_free_ char *buf = NULL, *rule = NULL;
        _cleanup_sw_free_ PolkitAction *actions = NULL;
        Software *s = e->s;
        size_t size, n_actions = 0, rule_size;
        unsigned n_fail = 0, n_checked = 0;
        bool mamori_ok;
        int r;

        r = root_read_file(s->root_fd, POLICY_PATH, SW_FILE_MAX, &buf, &size);
        if (r == -ENOENT)
                return eval_emit(e, MAMORI_NOT_APPLICABLE, "polkit:org.freedesktop.packagekit",
                                 "PackageKit is not installed: no graphical software installer to restrict");
        if (r < 0)
                return eval_emit(e, MAMORI_ERROR, "/" POLICY_PATH, "cannot read /%s: %s", POLICY_PATH,
                                 root_error_text(r));

        if (e->rule->enforce) {
                r = rule_file_write(s);
                if (r < 0)
                        (void) eval_emit(e, MAMORI_ERROR, "/" RULES_DIR "/" MAMORI_POLKIT_RULE_FILE,
                                         "cannot write /%s/%s: %s", RULES_DIR, MAMORI_POLKIT_RULE_FILE,
                                         strerror(-r));
                else if (r > 0 && s->api->emit_event)
                        (void) s->api->emit_event(s->host, "software.enforced",
                                                  "/" RULES_DIR "/" MAMORI_POLKIT_RULE_FILE,
                                                  "wrote /" RULES_DIR "/" MAMORI_POLKIT_RULE_FILE
                                                  ": PackageKit's install actions now require an administrator");
        }

        mamori_ok = root_read_file(s->root_fd, RULES_DIR "/" MAMORI_POLKIT_RULE_FILE, 1U << 20, &rule,
                                   &rule_size) >= 0 &&
                    rule_size == strlen(polkit_mamori_rule_text()) &&
                    memcmp(rule, polkit_mamori_rule_text(), rule_size) == 0;

        r = check_rule_files(e, groups, mamori_ok, &n_fail);
        if (r < 0)
                return r;

        if (!mamori_ok) {
                r = check_pkla(e, groups, &n_fail);
                if (r < 0)
                        return r;
                r = polkit_policy_parse(buf, size, &actions, &n_actions);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return eval_emit(e, MAMORI_ERROR, "/" POLICY_PATH, "no polkit action in /%s",
                                         POLICY_PATH);
                for (size_t i = 0; i < n_actions; i++) {
                        const PolkitAction *a = &actions[i];
                        const struct {
                                const char *key, *value;
                        } vals[] = {
                                { "allow_any", a->allow_any },
                                { "allow_inactive", a->allow_inactive },
                                { "allow_active", a->allow_active },
                        };
                        char subject[160], shown[40];

                        if (!name_in(a->id, packagekit_install_actions))
                                continue;
                        n_checked++;
                        snprintf(subject, sizeof(subject), "polkit:%s", a->id);
                        for (size_t k = 0; k < SW_ELEMENTSOF(vals); k++) {
                                /* A missing default is "no". */
                                if (!vals[k].value[0] || polkit_result_is_restricted(vals[k].value))
                                        continue;
                                n_fail++;
                                r = eval_emit(e, MAMORI_FAIL, subject,
                                              "%s: %s is %s in PackageKit's policy (must be auth_admin, "
                                              "auth_admin_keep or no)", a->id, vals[k].key,
                                              text_safe(vals[k].value, 24, shown, sizeof(shown)));
                                if (r < 0)
                                        return r;
                        }
                }
        }

        if (n_fail > 0)
                return 0;
        if (mamori_ok)
                return eval_emit(e, MAMORI_PASS, "polkit:org.freedesktop.packagekit",
                                 "PackageKit's install actions require an administrator "
                                 "(mamori's polkit rule /" RULES_DIR "/" MAMORI_POLKIT_RULE_FILE " is in place)");
        return eval_emit(e, MAMORI_PASS, "polkit:org.freedesktop.packagekit",
                         "PackageKit's %u install actions require an administrator", n_checked);
}

static int check_admin_groups(Eval *e, const SoftwareParams *p) {
        _cleanup_sw_free_ char *pw = NULL, *gr = NULL;
        const char *const *groups = p->groups ? p->groups : default_admin_groups;
        size_t pw_size, gr_size, n_staff = 0, n_fail = 0;
        UserDb db = {};
        int r;

        r = root_read_file(e->s->root_fd, "etc/passwd", SW_FILE_MAX, &pw, &pw_size);
        if (r < 0)
                return eval_emit(e, MAMORI_ERROR, "/etc/passwd", "cannot read /etc/passwd: %s",
                                 root_error_text(r));
        r = root_read_file(e->s->root_fd, "etc/group", SW_FILE_MAX, &gr, &gr_size);
        if (r < 0)
                return eval_emit(e, MAMORI_ERROR, "/etc/group", "cannot read /etc/group: %s",
                                 root_error_text(r));
        r = userdb_parse_passwd(&db, pw, pw_size);
        if (r >= 0)
                r = userdb_parse_group(&db, gr, gr_size);
        if (r < 0) {
                userdb_done(&db);
                return r;
        }

        for (size_t i = 0; i < db.n_users && r >= 0; i++) {
                const UserEntry *u = &db.users[i];
                char subject[100], name[64];

                if (u->uid < STAFF_UID_MIN || u->uid > STAFF_UID_MAX || name_in(u->name, p->admins))
                        continue;
                /* A name listed twice is one account to getpwnam(). */
                if (userdb_user_by_name(&db, u->name) != u)
                        continue;
                n_staff++;
                text_safe(u->name, 32, name, sizeof(name));
                snprintf(subject, sizeof(subject), "user:%s", name);
                for (size_t g = 0; g < db.n_groups && r >= 0; g++) {
                        const GroupEntry *ge = &db.groups[g];

                        if (!name_in(ge->name, groups))
                                continue;
                        if (ge->gid != u->gid && !group_has_member(ge, u->name))
                                continue;
                        n_fail++;
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "%s (%u) is in group %s%s: the account can install software as administrator",
                                      name, u->uid, ge->name, ge->gid == u->gid ? " (primary group)" : "");
                }
        }
        userdb_done(&db);
        if (r < 0 || n_fail > 0)
                return r;
        return eval_emit(e, MAMORI_PASS, NULL,
                         "none of the %zu staff accounts is in an administrators' group", n_staff);
}

int check_install_restricted(Eval *e, const SoftwareParams *p) {
        int r;

        r = check_packagekit(e, p->groups ? p->groups : default_admin_groups);
        if (r < 0)
                return r;
        return check_admin_groups(e, p);
}
