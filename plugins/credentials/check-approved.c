/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Installed browsers and mail clients against the approved list (詳細編
 * 6.6(2)②: only the browser software and versions the administrator
 * chose; 6.7(2)①: the same for mail). Found by package name in dpkg's
 * status, by program directory for copies installed by hand, as flatpak
 * apps (system-wide, and per user: staff can install those without an
 * administrator) and as snaps. */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

typedef struct Known {
        const char *name;
        const char *kind;               /* "browser", "mail client" */
} Known;

/* Debian's and the vendors' package names. */
static const Known known_packages[] = {
        { "firefox", "browser" },
        { "firefox-esr", "browser" },
        { "chromium", "browser" },
        { "google-chrome-stable", "browser" },
        { "google-chrome-beta", "browser" },
        { "google-chrome-unstable", "browser" },
        { "microsoft-edge-stable", "browser" },
        { "microsoft-edge-beta", "browser" },
        { "microsoft-edge-dev", "browser" },
        { "brave-browser", "browser" },
        { "brave-browser-beta", "browser" },
        { "brave-browser-nightly", "browser" },
        { "opera-stable", "browser" },
        { "opera-beta", "browser" },
        { "vivaldi-stable", "browser" },
        { "vivaldi-snapshot", "browser" },
        { "epiphany-browser", "browser" },
        { "falkon", "browser" },
        { "konqueror", "browser" },
        { "midori", "browser" },
        { "qutebrowser", "browser" },
        { "librewolf", "browser" },
        { "torbrowser-launcher", "browser" },
        { "thunderbird", "mail client" },
        { "evolution", "mail client" },
        { "claws-mail", "mail client" },
        { "geary", "mail client" },
        { "sylpheed", "mail client" },
        { "kmail", "mail client" },
        { "balsa", "mail client" },
        { "trojita", "mail client" },
        { "mailspring", "mail client" },
};

/* Flathub app IDs. */
static const Known known_flatpaks[] = {
        { "org.mozilla.firefox", "browser" },
        { "org.mozilla.Thunderbird", "mail client" },
        { "com.google.Chrome", "browser" },
        { "com.google.ChromeDev", "browser" },
        { "org.chromium.Chromium", "browser" },
        { "io.github.ungoogled_software.ungoogled_chromium", "browser" },
        { "com.brave.Browser", "browser" },
        { "com.microsoft.Edge", "browser" },
        { "com.opera.Opera", "browser" },
        { "com.vivaldi.Vivaldi", "browser" },
        { "org.gnome.Epiphany", "browser" },
        { "org.kde.falkon", "browser" },
        { "org.kde.konqueror", "browser" },
        { "io.gitlab.librewolf-community", "browser" },
        { "org.torproject.torbrowser-launcher", "browser" },
        { "org.qutebrowser.qutebrowser", "browser" },
        { "app.zen_browser.zen", "browser" },
        { "one.ablaze.floorp", "browser" },
        { "net.waterfox.waterfox", "browser" },
        { "org.gnome.Evolution", "mail client" },
        { "org.gnome.Geary", "mail client" },
        { "org.claws_mail.Claws-Mail", "mail client" },
        { "org.kde.kmail2", "mail client" },
        { "eu.betterbird.Betterbird", "mail client" },
        { "com.getmailspring.Mailspring", "mail client" },
};

static const Known known_snaps[] = {
        { "firefox", "browser" },
        { "chromium", "browser" },
        { "brave", "browser" },
        { "opera", "browser" },
        { "vivaldi", "browser" },
        { "thunderbird", "mail client" },
};

/* Program directories of copies a package did not put there (a vendor's
 * tarball unpacked by hand), and the package each stands for. */
static const struct {
        const char *dir;
        const char *package;
} program_dirs[] = {
        { "usr/lib/firefox-esr", "firefox-esr" },
        { "usr/lib/firefox", "firefox" },
        { "opt/firefox", "firefox" },
        { "usr/lib/chromium", "chromium" },
        { "opt/google/chrome", "google-chrome-stable" },
        { "opt/microsoft/msedge", "microsoft-edge-stable" },
        { "opt/brave.com/brave", "brave-browser" },
        { "opt/vivaldi", "vivaldi-stable" },
        { "usr/lib/thunderbird", "thunderbird" },
        { "opt/thunderbird", "thunderbird" },
};

const char *const *cr_known_package_names(void) {
        static const char *names[CR_ELEMENTSOF(known_packages) + 1];

        if (!names[0])
                for (size_t i = 0; i < CR_ELEMENTSOF(known_packages); i++)
                        names[i] = known_packages[i].name;
        return names;
}

static const char *known_kind(const Known *table, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, name) == 0)
                        return table[i].kind;
        return NULL;
}

int approved_entry_valid(const char *entry) {
        const char *eq;
        size_t n;

        if (!entry)
                return -EINVAL;
        eq = strchr(entry, '=');
        n = eq ? (size_t) (eq - entry) : strlen(entry);
        if (n == 0 || n > 128)
                return -EINVAL;
        if (!((entry[0] >= 'a' && entry[0] <= 'z') || (entry[0] >= 'A' && entry[0] <= 'Z') ||
              (entry[0] >= '0' && entry[0] <= '9')))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                char c = entry[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '+' || c == '-' || c == '_'))
                        return -EINVAL;
        }
        if (eq) {
                if (!eq[1] || strlen(eq + 1) > 128)
                        return -EINVAL;
                for (const char *p = eq + 1; *p; p++)
                        if ((unsigned char) *p <= 0x20 || *p == 0x7f)
                                return -EINVAL;
        }
        return 0;
}

typedef enum Approval {
        APPROVED,
        NOT_LISTED,
        VERSION_NOT_APPROVED,
} Approval;

/* Whether name (at version, "" when unknown) is on the list; for a
 * version refused, the first entry naming it in *ret_entry. */
static Approval approval(const char *const *approved, const char *name, const char *version,
                         const char **ret_entry) {
        Approval a = NOT_LISTED;
        size_t n = strlen(name);

        for (const char *const *l = approved; l && *l; l++) {
                const char *eq = strchr(*l, '=');
                size_t len = eq ? (size_t) (eq - *l) : strlen(*l);

                if (len != n || memcmp(*l, name, n) != 0)
                        continue;
                if (!eq)
                        return APPROVED;
                /* A version the agent cannot read cannot be approved. */
                if (version[0] && fnmatch(eq + 1, version, 0) == 0)
                        return APPROVED;
                if (a == NOT_LISTED)
                        *ret_entry = *l;
                a = VERSION_NOT_APPROVED;
        }
        return a;
}

typedef struct ApprovedCtx {
        CrEval *e;
        const BrowserPolicyParams *p;
        unsigned n_found;
} ApprovedCtx;

/* One piece of software found: FAIL when it is not approved. */
static int judge(ApprovedCtx *x, const char *subject, const char *who, const char *name, const char *version,
                 const char *source, const char *kind) {
        const char *entry = NULL;
        char shown_name[160], shown_version[160];

        x->n_found++;
        cr_text_safe(name, 128, shown_name, sizeof(shown_name));
        cr_text_safe(version[0] ? version : "", 64, shown_version, sizeof(shown_version));

        switch (approval(x->p->approved, name, version, &entry)) {
        case APPROVED:
                return 0;
        case VERSION_NOT_APPROVED:
                if (!version[0])
                        return cr_emit(x->e, MAMORI_FAIL, subject,
                                       "%s%s (%s): its version cannot be read, so it cannot match (approved: %s)",
                                       who, shown_name, source, entry);
                return cr_emit(x->e, MAMORI_FAIL, subject, "%s%s %s (%s): version not approved (approved: %s)", who,
                               shown_name, shown_version, source, entry);
        case NOT_LISTED:
        default:
                return cr_emit(x->e, MAMORI_FAIL, subject, "%s%s%s%s (%s): a %s not on the approved list", who,
                               shown_name, version[0] ? " " : "", shown_version, source, kind);
        }
}

static bool dir_exists(int dirfd, const char *path) {
        struct stat st;

        return fstatat(dirfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Flatpak apps in an app/ directory: one subdirectory per app ID. */
static int check_flatpak_dir(ApprovedCtx *x, int dirfd, const char *who, const char *source) {
        char **names = NULL, subject[300];
        size_t n = 0;
        int r;

        r = cr_list_dir(dirfd, 4096, false, &names, &n, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (size_t i = 0; i < n; i++) {
                const char *kind = known_kind(known_flatpaks, CR_ELEMENTSOF(known_flatpaks), names[i]);

                if (!kind)
                        continue;
                snprintf(subject, sizeof(subject), "flatpak:%s", names[i]);
                r = judge(x, subject, who, names[i], "", source, kind);
                if (r < 0)
                        break;
        }
        cr_strv_free(names, n);
        return r < 0 ? r : 0;
}

static int check_user_flatpaks(ApprovedCtx *x) {
        _cleanup_(cr_user_list_freep) CrUserList *users = NULL;
        int r;

        r = cr_load_users(x->e->c->root_fd, CR_UID_MIN, NULL, &users);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;       /* no passwd: no staff homes to look in */

        for (size_t i = 0; i < users->n_users; i++) {
                const CrUser *u = &users->users[i];
                char rel[4096], who[128], shown[80];
                int home, apps;

                if (cr_path_relative(u->home, rel, sizeof(rel)) < 0)
                        continue;
                home = openat(x->e->c->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (home < 0)
                        continue;
                apps = cr_home_open_path(home, ".local/share/flatpak/app", true, u->uid, NULL);
                close(home);
                if (apps < 0)
                        continue;
                snprintf(who, sizeof(who), "user %s: ", cr_text_safe(u->name, 64, shown, sizeof(shown)));
                r = check_flatpak_dir(x, apps, who, "flatpak, installed by the user");
                close(apps);
                if (r < 0)
                        return r;
        }
        return 0;
}

int check_approved_software(CrEval *e, const BrowserPolicyParams *p, const DpkgHit *hits, size_t n_hits,
                            unsigned *ret_found) {
        ApprovedCtx x = { .e = e, .p = p };
        int root_fd = e->c->root_fd, r;

        for (size_t i = 0; i < n_hits; i++) {
                char subject[200];

                snprintf(subject, sizeof(subject), "package:%s", hits[i].name);
                r = judge(&x, subject, "", hits[i].name, hits[i].version, "package",
                          known_kind(known_packages, CR_ELEMENTSOF(known_packages), hits[i].name));
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < CR_ELEMENTSOF(program_dirs); i++) {
                bool packaged = false;
                char subject[200], source[200];

                if (!dir_exists(root_fd, program_dirs[i].dir))
                        continue;
                for (size_t j = 0; j < n_hits; j++)
                        if (strcmp(hits[j].name, program_dirs[i].package) == 0)
                                packaged = true;
                if (packaged)
                        continue;
                snprintf(subject, sizeof(subject), "/%s", program_dirs[i].dir);
                snprintf(source, sizeof(source), "files in /%s, not from a package", program_dirs[i].dir);
                r = judge(&x, subject, "", program_dirs[i].package, "", source,
                          known_kind(known_packages, CR_ELEMENTSOF(known_packages), program_dirs[i].package));
                if (r < 0)
                        return r;
        }

        {
                int apps = openat(root_fd, "var/lib/flatpak/app", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (apps >= 0) {
                        r = check_flatpak_dir(&x, apps, "", "flatpak, system-wide");
                        close(apps);
                        if (r < 0)
                                return r;
                }
        }
        r = check_user_flatpaks(&x);
        if (r < 0)
                return r;

        for (size_t i = 0; i < CR_ELEMENTSOF(known_snaps); i++) {
                char path[64], subject[64];

                snprintf(path, sizeof(path), "snap/%s", known_snaps[i].name);
                if (!dir_exists(root_fd, path))
                        continue;
                snprintf(subject, sizeof(subject), "snap:%s", known_snaps[i].name);
                r = judge(&x, subject, "", known_snaps[i].name, "", "snap", known_snaps[i].kind);
                if (r < 0)
                        return r;
        }

        *ret_found = x.n_found;
        return 0;
}
