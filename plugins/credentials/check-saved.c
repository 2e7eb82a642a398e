/* SPDX-License-Identifier: GPL-2.0-or-later */
/* credentials.no-saved-passwords: passwords stored on the terminal (詳細編
 * 6.5(7)), found and counted, never read. Turning a password manager off
 * does not remove what it saved, so every place a staff account's
 * programs keep passwords is looked at: browser and mail profiles, the
 * desktop keyrings, and the plain files of command-line tools; and, for
 * the machine, NetworkManager's connection files.
 *
 * A finding says whose, which store and how many: nothing about the
 * entries (no site, no user name, no file name that could be a host name).
 * What is read is zeroed before it is freed. The homes are the users' to
 * arrange; see cr_home_open() for how links in them are followed. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

#define PROFILES_MAX 256U
#define STORE_FILES_MAX 1024U
#define LOGINS_JSON_MAX (64U << 20)
#define KEYRING_MAX (16U << 20)
#define TEXT_STORE_MAX (4U << 20)
#define NM_DIR "etc/NetworkManager/system-connections"

typedef struct ProfileRoot {
        StoreKind kind;
        const char *path;               /* in the home */
        const char *label;              /* "Firefox" */
} ProfileRoot;

/* Firefox-family profiles: logins.json in each. */
static const ProfileRoot mozilla_roots[] = {
        { STORE_FIREFOX, ".mozilla/firefox", "Firefox" },
        { STORE_FIREFOX, ".config/mozilla/firefox", "Firefox" },
        { STORE_FIREFOX, ".var/app/org.mozilla.firefox/.mozilla/firefox", "Firefox (flatpak)" },
        { STORE_FIREFOX, "snap/firefox/common/.mozilla/firefox", "Firefox (snap)" },
        { STORE_FIREFOX, ".librewolf", "LibreWolf" },
        { STORE_THUNDERBIRD, ".thunderbird", "Thunderbird" },
        { STORE_THUNDERBIRD, ".var/app/org.mozilla.Thunderbird/.thunderbird", "Thunderbird (flatpak)" },
        { STORE_THUNDERBIRD, "snap/thunderbird/common/.thunderbird", "Thunderbird (snap)" },
};

/* Chromium-family user data directories: a profile per subdirectory. */
static const ProfileRoot chromium_roots[] = {
        { STORE_CHROMIUM, ".config/chromium", "Chromium" },
        { STORE_CHROMIUM, ".config/google-chrome", "Google Chrome" },
        { STORE_CHROMIUM, ".config/google-chrome-beta", "Google Chrome Beta" },
        { STORE_CHROMIUM, ".config/google-chrome-unstable", "Google Chrome Dev" },
        { STORE_CHROMIUM, ".config/BraveSoftware/Brave-Browser", "Brave" },
        { STORE_CHROMIUM, ".config/microsoft-edge", "Microsoft Edge" },
        { STORE_CHROMIUM, ".config/vivaldi", "Vivaldi" },
        { STORE_CHROMIUM, ".var/app/com.google.Chrome/config/google-chrome", "Google Chrome (flatpak)" },
        { STORE_CHROMIUM, ".var/app/org.chromium.Chromium/config/chromium", "Chromium (flatpak)" },
        { STORE_CHROMIUM, ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser", "Brave (flatpak)" },
        { STORE_CHROMIUM, ".var/app/com.microsoft.Edge/config/microsoft-edge", "Microsoft Edge (flatpak)" },
        { STORE_CHROMIUM, "snap/chromium/common/chromium", "Chromium (snap)" },
};

typedef struct SavedCtx {
        CrEval *e;
        const SavedParams *p;
        const CrUser *u;
        char who[96];                   /* "user taro" */
        char subject[96];               /* "user:taro" */
        int home_fd;
        unsigned n_homes;
        unsigned n_looked;              /* store files looked at */
} SavedCtx;

static bool wanted(const SavedCtx *x, StoreKind k) {
        return x->p->stores & (1U << k);
}

static const char *plural(uint64_t n, const char *one, const char *many) {
        return n == 1 ? one : many;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Opens path under dirfd in the home. The fd; -ENOENT when it is not
 * there (nothing to report); -ECANCELED when an ERROR finding said why it
 * could not be opened; another negative errno only from the host. */
static int home_open(SavedCtx *x, int dirfd, const char *path, bool directory, const char *what) {
        int fd, r;

        fd = strchr(path, '/') ? cr_home_open_path(dirfd, path, directory, x->u->uid, NULL)
                               : cr_home_open(dirfd, path, directory, x->u->uid, NULL);
        if (fd >= 0)
                return fd;
        if (fd == -ENOENT || fd == -ENOTDIR || (directory && fd == -EBADFD))
                return -ENOENT;
        if (fd == -ENOMEM)
                return fd;
        r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s cannot be read: %s", x->who, what, cr_error_text(fd));
        return r < 0 ? r : -ECANCELED;
}

/* Reads a whole store file opened as fd. 0 and the content, -ECANCELED
 * after an ERROR finding. */
static int read_store(SavedCtx *x, int fd, size_t max, const char *what, char **ret, size_t *ret_size) {
        int r;

        x->n_looked++;
        r = cr_read_fd(fd, max, ret, ret_size);
        if (r >= 0 || r == -ENOMEM)
                return r;
        r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s cannot be read: %s", x->who, what, cr_error_text(r));
        return r < 0 ? r : -ECANCELED;
}

static int done(int r) {
        return r == -ECANCELED || r == -ENOENT ? 0 : r;
}

/* ---- browsers and mail ------------------------------------------------------------------ */

static int check_logins_json(SavedCtx *x, const ProfileRoot *pr, int profile_fd, const char *profile) {
        _cleanup_cr_close_ int fd = -EBADF;
        char shown[96], what[256], err_text[200];
        char *buf = NULL;
        size_t size = 0;
        uint64_t n = 0;
        JsonError err;
        int r;

        cr_text_safe(profile, 64, shown, sizeof(shown));
        snprintf(what, sizeof(what), "%s profile %s: logins.json", pr->label, shown);
        fd = home_open(x, profile_fd, "logins.json", false, what);
        if (fd < 0)
                return done(fd);
        r = read_store(x, fd, LOGINS_JSON_MAX, what, &buf, &size);
        if (r < 0)
                return done(r);
        r = logins_json_count(buf, size, &n, &err);
        cr_free_secret(buf, size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s is corrupt or truncated (%s)", x->who, what,
                               json_error_text(&err, err_text, sizeof(err_text)));
        if (n == 0)
                return 0;
        return cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: %s profile %s: %llu %s", x->who, pr->label, shown,
                       (unsigned long long) n, plural(n, "saved login", "saved logins"));
}

static int check_login_data(SavedCtx *x, const ProfileRoot *pr, int profile_fd, const char *profile) {
        static const struct {
                const char *file;
                const char *where;
        } files[] = {
                { "Login Data", "" },
                { "Login Data For Account", ", account storage" },
        };
        char shown[96];
        int r;

        cr_text_safe(profile, 64, shown, sizeof(shown));
        for (size_t i = 0; i < CR_ELEMENTSOF(files); i++) {
                char what[256], reason[200];
                uint64_t n = 0;
                int fd;

                snprintf(what, sizeof(what), "%s profile %s: %s", pr->label, shown, files[i].file);
                fd = home_open(x, profile_fd, files[i].file, false, what);
                if (fd < 0) {
                        r = done(fd);
                        if (r < 0)
                                return r;
                        continue;
                }
                x->n_looked++;
                r = login_data_count(fd, &n, reason, sizeof(reason));
                close(fd);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s is corrupt or truncated (%s)", x->who,
                                    what, reason);
                else if (n > 0)
                        r = cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: %s profile %s%s: %llu %s", x->who, pr->label,
                                    shown, files[i].where, (unsigned long long) n,
                                    plural(n, "saved password", "saved passwords"));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_profiles(SavedCtx *x, const ProfileRoot *pr, bool mozilla) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        char **names = NULL, what[128];
        size_t n = 0, more = 0;
        int r;

        snprintf(what, sizeof(what), "%s profiles (~/%s)", pr->label, pr->path);
        dirfd = home_open(x, x->home_fd, pr->path, true, what);
        if (dirfd < 0)
                return done(dirfd);
        r = cr_list_dir(dirfd, PROFILES_MAX, false, &names, &n, &more);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        for (size_t i = 0; i < n; i++) {
                char pwhat[256], shown[96];
                int pfd;

                snprintf(pwhat, sizeof(pwhat), "%s profile %s", pr->label,
                         cr_text_safe(names[i], 64, shown, sizeof(shown)));
                pfd = home_open(x, dirfd, names[i], true, pwhat);
                if (pfd < 0) {
                        r = done(pfd);
                        if (r < 0)
                                break;
                        continue;
                }
                r = mozilla ? check_logins_json(x, pr, pfd, names[i]) : check_login_data(x, pr, pfd, names[i]);
                close(pfd);
                if (r < 0)
                        break;
        }
        if (r >= 0 && more > 0)
                r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s: more than %u profiles, %zu not looked at", x->who,
                            what, PROFILES_MAX, more);
        cr_strv_free(names, n);
        return r < 0 ? r : 0;
}

/* ---- keyrings ----------------------------------------------------------------------------- */

static int check_gnome_keyrings(SavedCtx *x) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        char **names = NULL;
        size_t n = 0;
        int r;

        dirfd = home_open(x, x->home_fd, ".local/share/keyrings", true, "GNOME Keyring (~/.local/share/keyrings)");
        if (dirfd < 0)
                return done(dirfd);
        r = cr_list_dir(dirfd, STORE_FILES_MAX, false, &names, &n, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                char what[160], shown[96], *buf = NULL;
                const char *reason = NULL;
                KeyringInfo info;
                size_t size = 0;
                int fd;

                if (!has_suffix(names[i], ".keyring"))
                        continue;
                cr_text_safe(names[i], 64, shown, sizeof(shown));
                snprintf(what, sizeof(what), "GNOME Keyring file %s", shown);
                fd = home_open(x, dirfd, names[i], false, what);
                if (fd < 0) {
                        r = done(fd);
                        continue;
                }
                r = read_store(x, fd, KEYRING_MAX, what, &buf, &size);
                close(fd);
                if (r < 0) {
                        r = done(r);
                        continue;
                }
                r = keyring_inspect(buf, size, &info, &reason);
                cr_free_secret(buf, size);
                if (r == -ENOMEM)
                        break;
                if (r < 0)
                        r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s: cannot tell what it holds (%s)", x->who,
                                    what, reason);
                else if (info.n_items > 0) {
                        /* "login.keyring" is shown as "login". */
                        shown[strlen(shown) - (has_suffix(shown, ".keyring") ? strlen(".keyring") : 0)] = '\0';
                        r = cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: GNOME Keyring %s: %llu %s%s", x->who, shown,
                                    (unsigned long long) info.n_items, plural(info.n_items, "saved secret", "saved secrets"),
                                    info.plaintext ? ", stored unencrypted" : "");
                }
        }
        cr_strv_free(names, n);
        return r < 0 ? r : 0;
}

static int check_kwallet(SavedCtx *x) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        char **names = NULL;
        size_t n = 0;
        uint64_t wallets = 0;
        int r;

        dirfd = home_open(x, x->home_fd, ".local/share/kwalletd", true, "KWallet (~/.local/share/kwalletd)");
        if (dirfd < 0)
                return done(dirfd);
        r = cr_list_dir(dirfd, STORE_FILES_MAX, false, &names, &n, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                char what[160], shown[96], head[64];
                const char *reason = NULL;
                ssize_t got;
                int fd;

                if (!has_suffix(names[i], ".kwl"))
                        continue;
                snprintf(what, sizeof(what), "KWallet file %s", cr_text_safe(names[i], 64, shown, sizeof(shown)));
                fd = home_open(x, dirfd, names[i], false, what);
                if (fd < 0) {
                        r = done(fd);
                        continue;
                }
                /* Only the magic: the entries are encrypted and not
                 * counted; a wallet file is a store. */
                x->n_looked++;
                got = read(fd, head, sizeof(head));
                close(fd);
                if (got < 0) {
                        r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s cannot be read: %s", x->who, what,
                                    strerror(errno));
                        continue;
                }
                r = kwallet_check(head, (size_t) got, &reason);
                explicit_bzero(head, sizeof(head));
                if (r < 0)
                        r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s: %s", x->who, what, reason);
                else
                        wallets++;
        }
        cr_strv_free(names, n);
        if (r >= 0 && wallets > 0)
                r = cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: KWallet: %llu %s", x->who, (unsigned long long) wallets,
                            plural(wallets, "wallet file", "wallet files"));
        return r < 0 ? r : 0;
}

/* ---- plain files ------------------------------------------------------------------------------ */

typedef int (*TextCounter)(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);

static int check_text_store(SavedCtx *x, const char *path, const char *label, TextCounter count, const char *one,
                            const char *many) {
        _cleanup_cr_close_ int fd = -EBADF;
        const char *reason = NULL;
        char *buf = NULL;
        size_t size = 0;
        uint64_t n = 0;
        int r;

        fd = home_open(x, x->home_fd, path, false, label);
        if (fd < 0)
                return done(fd);
        r = read_store(x, fd, TEXT_STORE_MAX, label, &buf, &size);
        if (r < 0)
                return done(r);
        r = count(buf, size, &n, &reason);
        cr_free_secret(buf, size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: %s: cannot count what it holds (%s)", x->who, label,
                               reason);
        if (n == 0)
                return 0;
        return cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: %s: %llu %s", x->who, label, (unsigned long long) n,
                       plural(n, one, many));
}

/* Remmina keeps one file per connection; its name holds the server's
 * name, so findings give counts only. */
static int check_remmina(SavedCtx *x) {
        static const char *const dirs[] = { ".local/share/remmina", ".config/remmina" };
        uint64_t saved = 0, unreadable = 0;
        const char *last_reason = NULL;
        int r = 0;

        for (size_t d = 0; d < CR_ELEMENTSOF(dirs) && r >= 0; d++) {
                _cleanup_cr_close_ int dirfd = -EBADF;
                char **names = NULL, what[96];
                size_t n = 0;

                snprintf(what, sizeof(what), "Remmina (~/%s)", dirs[d]);
                dirfd = home_open(x, x->home_fd, dirs[d], true, what);
                if (dirfd < 0) {
                        r = done(dirfd);
                        continue;
                }
                r = cr_list_dir(dirfd, STORE_FILES_MAX, false, &names, &n, NULL);
                if (r < 0) {
                        r = r == -ENOMEM ? r : 0;
                        continue;
                }
                for (size_t i = 0; i < n; i++) {
                        const char *reason = NULL;
                        char *buf = NULL;
                        size_t size = 0;
                        int fd;

                        if (!has_suffix(names[i], ".remmina"))
                                continue;
                        fd = cr_home_open(dirfd, names[i], false, x->u->uid, NULL);
                        if (fd == -ENOENT)
                                continue;
                        x->n_looked++;
                        r = fd < 0 ? fd : cr_read_fd(fd, TEXT_STORE_MAX, &buf, &size);
                        if (fd >= 0)
                                close(fd);
                        if (r == -ENOMEM)
                                break;
                        if (r < 0) {
                                unreadable++;
                                last_reason = cr_error_text(r);
                                r = 0;
                                continue;
                        }
                        r = remmina_has_password(buf, size, &reason);
                        cr_free_secret(buf, size);
                        if (r < 0) {
                                unreadable++;
                                last_reason = reason;
                                r = 0;
                        } else
                                saved += r;
                }
                cr_strv_free(names, n);
        }
        if (r < 0)
                return r;
        if (unreadable > 0) {
                r = cr_emit(x->e, MAMORI_ERROR, x->subject, "%s: Remmina: %llu %s could not be read (%s)", x->who,
                            (unsigned long long) unreadable,
                            plural(unreadable, "connection profile", "connection profiles"), last_reason);
                if (r < 0)
                        return r;
        }
        if (saved > 0)
                return cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: Remmina: %llu %s with a saved password", x->who,
                               (unsigned long long) saved, plural(saved, "connection profile", "connection profiles"));
        return 0;
}

static int check_ssh_keys(SavedCtx *x) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        char **names = NULL;
        size_t n = 0;
        int r;

        dirfd = home_open(x, x->home_fd, ".ssh", true, "~/.ssh");
        if (dirfd < 0)
                return done(dirfd);
        r = cr_list_dir(dirfd, STORE_FILES_MAX, false, &names, &n, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                char what[160], shown[96], head[SSH_KEY_HEAD_MAX];
                const char *reason = NULL;
                SshKeyState state;
                size_t have = 0;
                int fd;

                if (strncmp(names[i], "id_", 3) != 0 || has_suffix(names[i], ".pub"))
                        continue;
                cr_text_safe(names[i], 64, shown, sizeof(shown));
                snprintf(what, sizeof(what), "SSH key %s", shown);
                fd = home_open(x, dirfd, names[i], false, what);
                if (fd < 0) {
                        r = done(fd);
                        continue;
                }
                x->n_looked++;
                /* The head only: the armour, PEM headers and the start of
                 * OpenSSH's base64 tell; the key itself is not read. */
                while (have < sizeof(head)) {
                        ssize_t got = read(fd, head + have, sizeof(head) - have);

                        if (got < 0 && errno == EINTR)
                                continue;
                        if (got <= 0)
                                break;
                        have += (size_t) got;
                }
                close(fd);
                r = ssh_key_inspect(head, have, &state, &reason);
                explicit_bzero(head, sizeof(head));
                if (r < 0)
                        r = cr_emit(x->e, MAMORI_ERROR, x->subject,
                                    "%s: %s: cannot tell whether it has a passphrase (%s)", x->who, what, reason);
                else if (state == SSH_KEY_PLAIN)
                        r = cr_emit(x->e, MAMORI_FAIL, x->subject, "%s: %s: no passphrase", x->who, what);
        }
        cr_strv_free(names, n);
        return r < 0 ? r : 0;
}

static int check_home(SavedCtx *x) {
        int r;

        for (size_t i = 0; i < CR_ELEMENTSOF(mozilla_roots); i++)
                if (wanted(x, mozilla_roots[i].kind)) {
                        r = check_profiles(x, &mozilla_roots[i], true);
                        if (r < 0)
                                return r;
                }
        if (wanted(x, STORE_CHROMIUM))
                for (size_t i = 0; i < CR_ELEMENTSOF(chromium_roots); i++) {
                        r = check_profiles(x, &chromium_roots[i], false);
                        if (r < 0)
                                return r;
                }
        if (wanted(x, STORE_GNOME_KEYRING) && (r = check_gnome_keyrings(x)) < 0)
                return r;
        if (wanted(x, STORE_KWALLET) && (r = check_kwallet(x)) < 0)
                return r;
        if (wanted(x, STORE_NETRC) &&
            (r = check_text_store(x, ".netrc", "~/.netrc", netrc_count_passwords, "password", "passwords")) < 0)
                return r;
        if (wanted(x, STORE_GIT_CREDENTIALS)) {
                r = check_text_store(x, ".git-credentials", "~/.git-credentials", git_credentials_count,
                                     "saved credential", "saved credentials");
                if (r < 0)
                        return r;
                r = check_text_store(x, ".config/git/credentials", "~/.config/git/credentials", git_credentials_count,
                                     "saved credential", "saved credentials");
                if (r < 0)
                        return r;
        }
        if (wanted(x, STORE_REMMINA) && (r = check_remmina(x)) < 0)
                return r;
        if (wanted(x, STORE_PGPASS) &&
            (r = check_text_store(x, ".pgpass", "~/.pgpass", pgpass_count, "saved password", "saved passwords")) < 0)
                return r;
        if (wanted(x, STORE_DOCKER) &&
            (r = check_text_store(x, ".docker/config.json", "Docker ~/.docker/config.json", docker_config_count,
                                  "saved registry login", "saved registry logins")) < 0)
                return r;
        if (wanted(x, STORE_SSH_KEYS) && (r = check_ssh_keys(x)) < 0)
                return r;
        return 0;
}

/* ---- the machine: NetworkManager ---------------------------------------------------------- */

/* Connection files are root's (NetworkManager refuses others), one per
 * connection, named after it: counts only in findings. Returns 1 when the
 * directory is there. */
static int check_networkmanager(SavedCtx *x) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        const char *last_reason = NULL;
        uint64_t saved = 0, unreadable = 0;
        char **names = NULL;
        size_t n = 0;
        int r;

        dirfd = openat(x->e->c->root_fd, NM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                r = cr_emit(x->e, MAMORI_ERROR, "/" NM_DIR, "NetworkManager: /%s cannot be read: %s", NM_DIR,
                            strerror(errno));
                return r < 0 ? r : 1;
        }
        r = cr_list_dir(dirfd, STORE_FILES_MAX, false, &names, &n, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : 1;

        for (size_t i = 0; i < n; i++) {
                const char *reason = NULL;
                char *buf = NULL;
                size_t size = 0;

                if (!has_suffix(names[i], ".nmconnection"))
                        continue;
                x->n_looked++;
                r = cr_read_at(dirfd, names[i], TEXT_STORE_MAX, &buf, &size, NULL);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        unreadable++;
                        last_reason = cr_error_text(r);
                        continue;
                }
                r = nmconnection_has_secret(buf, size, &reason);
                cr_free_secret(buf, size);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        unreadable++;
                        last_reason = reason;
                } else
                        saved += r;
        }
        r = 0;
        if (unreadable > 0)
                r = cr_emit(x->e, MAMORI_ERROR, "/" NM_DIR, "NetworkManager: %llu %s could not be read (%s)",
                            (unsigned long long) unreadable, plural(unreadable, "connection file", "connection files"),
                            last_reason);
        if (r >= 0 && saved > 0)
                r = cr_emit(x->e, MAMORI_FAIL, "/" NM_DIR, "NetworkManager: %llu %s with a saved plain-text secret",
                            (unsigned long long) saved, plural(saved, "connection file", "connection files"));
        if (r >= 0)
                r = 1;
finish:
        cr_strv_free(names, n);
        return r;
}

/* ---- the check ------------------------------------------------------------------------------ */

int check_saved_passwords(CrEval *e, const SavedParams *p) {
        _cleanup_(cr_user_list_freep) CrUserList *users = NULL;
        _cleanup_cr_free_ struct stat *seen = NULL;
        SavedCtx x = { .e = e, .p = p, .home_fd = -EBADF };
        size_t n_seen = 0;
        bool nm = false;
        int r;

        r = cr_load_users(e->c->root_fd, p->min_uid, p->users, &users);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = cr_emit(e, MAMORI_ERROR, "/etc/passwd", "cannot read /etc/passwd: %s: the homes are unknown",
                            cr_error_text(r));
                if (r < 0)
                        return r;
        } else {
                seen = calloc(users->n_users + 1, sizeof(struct stat));
                if (!seen)
                        return -ENOMEM;
        }

        for (size_t i = 0; users && i < users->n_users; i++) {
                const CrUser *u = &users->users[i];
                char rel[4096], shown[80];
                struct stat st;
                bool dup = false;

                x.u = u;
                cr_text_safe(u->name, 64, shown, sizeof(shown));
                snprintf(x.who, sizeof(x.who), "user %s", shown);
                snprintf(x.subject, sizeof(x.subject), "user:%s", shown);

                if (cr_path_relative(u->home, rel, sizeof(rel)) < 0)
                        continue;       /* "/" or relative: no home of its own */
                x.home_fd = openat(e->c->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (x.home_fd < 0) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        r = cr_emit(e, MAMORI_ERROR, x.subject, "%s: home %s cannot be opened: %s", x.who,
                                    cr_text_safe(u->home, 128, rel, sizeof(rel)), strerror(errno));
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Accounts sharing a home: looked at once. */
                if (fstat(x.home_fd, &st) == 0) {
                        for (size_t k = 0; k < n_seen; k++)
                                if (seen[k].st_dev == st.st_dev && seen[k].st_ino == st.st_ino)
                                        dup = true;
                        if (!dup)
                                seen[n_seen++] = st;
                }
                if (!dup) {
                        x.n_homes++;
                        r = check_home(&x);
                } else
                        r = 0;
                close(x.home_fd);
                x.home_fd = -EBADF;
                if (r < 0)
                        return r;
        }

        if (wanted(&x, STORE_NETWORKMANAGER)) {
                r = check_networkmanager(&x);
                if (r < 0)
                        return r;
                nm = r > 0;
        }

        if (e->n_fail > 0 || e->n_error > 0)
                return 0;
        if (x.n_homes == 0 && !nm)
                return cr_emit(e, MAMORI_NOT_APPLICABLE, NULL, "no staff account has a home on this machine");
        return cr_emit(e, MAMORI_PASS, NULL, "no saved passwords: %u %s and %u store %s looked at", x.n_homes,
                       plural(x.n_homes, "home", "homes"), x.n_looked, plural(x.n_looked, "file", "files"));
}
