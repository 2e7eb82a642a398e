/* SPDX-License-Identifier: GPL-2.0-or-later */
/* credentials.browser-policy: every installed browser has its password
 * manager turned off by managed policy (詳細編 6.5(7)), in files staff
 * cannot change (6.6(2)②); and only approved browsers and mail clients are
 * installed (6.6(2)②, 6.7(2)①, in check-approved.c).
 *
 * Firefox reads one file: /etc/firefox/policies/policies.json when it
 * exists (Debian's firefox-esr included), else distribution/policies.json
 * of its installation. The two are not merged: a broken /etc file still
 * hides the distribution copy, and Firefox then applies no policy at all.
 * The Chromium family reads every file of its managed/ directory, in name
 * order, a later file winning a key; two files giving a key different
 * values is reported, since only the order of names decides then.
 *
 * With enforce: true the settings are merged into the file in force (or
 * the new /etc file, started from the distribution copy so that its
 * policies survive), a broken file is left alone, and owners and modes are
 * made root's and not writable by staff. Every change is a
 * credentials.enforced event. */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

#define POLICY_FILE_MAX (4U << 20)
#define MANAGED_FILES_MAX 256U
#define FIREFOX_DIR "etc/firefox/policies"
#define FIREFOX_FILE "policies.json"
#define MAMORI_MANAGED_FILE "mamori.json"

typedef struct PolicyTarget {
        const char *name;                       /* "Firefox" */
        bool firefox;                           /* one policies.json, not a managed/ directory */
        const char *base;                       /* "etc", "etc/opt": shared, never changed */
        const char *dir;                        /* where the policy lives, relative to the root */
        const char *const *install_dirs;
        const char *const *packages;
} PolicyTarget;

static const char *const firefox_dirs[] = { "usr/lib/firefox-esr", "usr/lib/firefox", "opt/firefox", NULL };
static const char *const firefox_packages[] = { "firefox-esr", "firefox", NULL };
static const char *const chromium_dirs[] = { "usr/lib/chromium", NULL };
static const char *const chromium_packages[] = { "chromium", NULL };
static const char *const chrome_dirs[] = { "opt/google/chrome", "opt/google/chrome-beta", "opt/google/chrome-unstable",
                                           NULL };
static const char *const chrome_packages[] = { "google-chrome-stable", "google-chrome-beta", "google-chrome-unstable",
                                               NULL };
static const char *const edge_dirs[] = { "opt/microsoft/msedge", "opt/microsoft/msedge-beta", "opt/microsoft/msedge-dev",
                                         NULL };
static const char *const edge_packages[] = { "microsoft-edge-stable", "microsoft-edge-beta", "microsoft-edge-dev", NULL };
static const char *const brave_dirs[] = { "opt/brave.com/brave", "opt/brave.com/brave-beta", "opt/brave.com/brave-nightly",
                                          NULL };
static const char *const brave_packages[] = { "brave-browser", "brave-browser-beta", "brave-browser-nightly", NULL };

static const PolicyTarget targets[] = {
        { "Firefox", true, "etc", FIREFOX_DIR, firefox_dirs, firefox_packages },
        { "Chromium", false, "etc", "etc/chromium/policies/managed", chromium_dirs, chromium_packages },
        { "Google Chrome", false, "etc/opt", "etc/opt/chrome/policies/managed", chrome_dirs, chrome_packages },
        { "Microsoft Edge", false, "etc/opt", "etc/opt/edge/policies/managed", edge_dirs, edge_packages },
        { "Brave", false, "etc", "etc/brave/policies/managed", brave_dirs, brave_packages },
};

typedef struct PolicyCtx {
        CrEval *e;
        const Credentials *c;
        int root_fd;
        bool enforce;
        const DpkgHit *hits;
        size_t n_hits;
        unsigned n_installed;
        char passed[384];               /* the browsers whose policy is right, for the summary */
} PolicyCtx;

static bool dir_exists(int root_fd, const char *path) {
        struct stat st;

        return fstatat(root_fd, path, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static bool target_installed(const PolicyCtx *x, const PolicyTarget *t) {
        for (const char *const *d = t->install_dirs; *d; d++)
                if (dir_exists(x->root_fd, *d))
                        return true;
        for (const char *const *p = t->packages; *p; p++)
                for (size_t i = 0; i < x->n_hits; i++)
                        if (strcmp(x->hits[i].name, *p) == 0)
                                return true;
        return false;
}

/* ---- checking ---------------------------------------------------------------------- */

/* Each directory from the first below the root down to dir itself: a
 * directory staff can write lets them replace the policy in it. */
static int check_dirs(PolicyCtx *x, const PolicyTarget *t, const char *dir) {
        char buf[1024];
        size_t len = strlen(dir);

        if (len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, dir, len + 1);
        for (size_t i = 1; i <= len; i++) {
                struct stat st;
                char why[160];
                int r;

                if (buf[i] != '/' && buf[i] != '\0')
                        continue;
                buf[i] = '\0';
                if (fstatat(x->root_fd, buf, &st, 0) < 0) {
                        if (errno != ENOENT) {
                                r = cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot look at /%s: %s", t->name, buf,
                                            strerror(errno));
                                if (r < 0)
                                        return r;
                        }
                        return 0;
                }
                if (cr_protect_problem(&st, why, sizeof(why))) {
                        r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: directory /%s is %s: staff can change the policy",
                                    t->name, buf, why);
                        if (r < 0)
                                return r;
                }
                if (i < len)
                        buf[i] = '/';
        }
        return 0;
}

/* Reads dir/name after lstat-ing it: 1 and the content, or 0 when a
 * finding said why not. */
static int read_policy_file(PolicyCtx *x, const PolicyTarget *t, int dirfd, const char *shown_path,
                            const char *name, char **ret, size_t *ret_size) {
        struct stat st;
        char why[160];
        int r;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot look at %s: %s", t->name, shown_path,
                               strerror(errno));
        if (S_ISLNK(st.st_mode))
                return cr_emit(x->e, MAMORI_FAIL, t->name,
                               "%s: %s is a symbolic link: the policy must be a regular file staff cannot redirect",
                               t->name, shown_path);
        if (!S_ISREG(st.st_mode))
                return cr_emit(x->e, MAMORI_FAIL, t->name, "%s: %s is not a regular file", t->name, shown_path);

        r = cr_read_at(dirfd, name, POLICY_FILE_MAX, ret, ret_size, &st);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot read %s: %s", t->name, shown_path,
                               cr_error_text(r));
        if (cr_protect_problem(&st, why, sizeof(why))) {
                r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: %s is %s", t->name, shown_path, why);
                if (r < 0) {
                        free(*ret);
                        return r;
                }
        }
        return 1;
}

static int check_firefox_file(PolicyCtx *x, const PolicyTarget *t, const char *dir, const char *name) {
        _cleanup_cr_free_ char *buf = NULL;
        _cleanup_cr_close_ int dirfd = -EBADF;
        struct json_object *root = NULL, *container = NULL;
        const char *reason = NULL;
        char shown_path[1100], err_text[200];
        JsonError err;
        size_t size = 0;
        int r;

        snprintf(shown_path, sizeof(shown_path), "/%s/%s", dir, name);
        r = check_dirs(x, t, dir);
        if (r < 0)
                return r;
        dirfd = openat(x->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot open /%s: %s", t->name, dir, strerror(errno));
        r = read_policy_file(x, t, dirfd, shown_path, name, &buf, &size);
        if (r <= 0)
                return r;

        r = json_strict_parse(buf, size, &root, NULL, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return cr_emit(x->e, MAMORI_FAIL, t->name,
                               "%s: %s is not valid JSON (%s): Firefox applies no policy from it%s", t->name, shown_path,
                               json_error_text(&err, err_text, sizeof(err_text)),
                               x->enforce ? "; not overwritten, fix it by hand" : "");
        r = policy_json_container(root, &policy_settings_firefox, &container, &reason);
        if (r < 0) {
                json_object_put(root);
                return cr_emit(x->e, MAMORI_FAIL, t->name, "%s: %s: %s: Firefox applies no policy from it%s", t->name,
                               shown_path, reason, x->enforce ? "; not overwritten, fix it by hand" : "");
        }
        for (size_t i = 0; i < policy_settings_firefox.n_settings && r >= 0; i++) {
                const PolicySetting *set = &policy_settings_firefox.settings[i];
                char shown[64];

                switch (policy_json_state(container, set, shown, sizeof(shown))) {
                case POLICY_VALUE_OK:
                        break;
                case POLICY_VALUE_MISSING:
                        r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: policies.%s is not set in %s (must be false)",
                                    t->name, set->key, shown_path);
                        break;
                case POLICY_VALUE_WRONG:
                        r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: policies.%s is %s in %s (must be false)", t->name,
                                    set->key, shown, shown_path);
                        break;
                }
        }
        json_object_put(root);
        return r < 0 ? r : 0;
}

static int check_firefox(PolicyCtx *x, const PolicyTarget *t) {
        struct stat st;
        bool any = false;
        int r;

        /* The /etc file, when it exists in any form, is the one in force. */
        if (fstatat(x->root_fd, FIREFOX_DIR "/" FIREFOX_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return check_firefox_file(x, t, FIREFOX_DIR, FIREFOX_FILE);
        if (errno != ENOENT && errno != ENOTDIR)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot look at /%s/%s: %s", t->name, FIREFOX_DIR,
                               FIREFOX_FILE, strerror(errno));

        for (const char *const *d = t->install_dirs; *d; d++) {
                char dir[256], path[300];

                if (!dir_exists(x->root_fd, *d))
                        continue;
                snprintf(dir, sizeof(dir), "%s/distribution", *d);
                snprintf(path, sizeof(path), "%s/" FIREFOX_FILE, dir);
                if (fstatat(x->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                any = true;
                r = check_firefox_file(x, t, dir, FIREFOX_FILE);
                if (r < 0)
                        return r;
        }
        if (!any)
                return cr_emit(x->e, MAMORI_FAIL, t->name,
                               "%s: no enterprise policy (/%s/%s is missing): the password manager is not turned off",
                               t->name, FIREFOX_DIR, FIREFOX_FILE);
        return 0;
}

typedef struct ManagedDoc {
        const char *name;
        struct json_object *root;       /* an object */
} ManagedDoc;

/* Keys set to different values in two files. */
static int check_conflicts(PolicyCtx *x, const PolicyTarget *t, const ManagedDoc *docs, size_t n) {
        const char *reported[64];
        size_t n_reported = 0;
        int r;

        for (size_t i = 0; i < n; i++) {
                json_object_object_foreach(docs[i].root, key, value) {
                        bool done = false;

                        for (size_t k = 0; k < n_reported; k++)
                                if (strcmp(reported[k], key) == 0)
                                        done = true;
                        for (size_t j = i + 1; j < n && !done; j++) {
                                struct json_object *other = NULL;
                                char shown[96];

                                if (!json_object_object_get_ex(docs[j].root, key, &other) ||
                                    json_object_equal(value, other))
                                        continue;
                                r = cr_emit(x->e, MAMORI_FAIL, t->name,
                                            "%s: %s is set differently in /%s/%s and /%s/%s (the later name wins)",
                                            t->name, cr_text_safe(key, 64, shown, sizeof(shown)), t->dir, docs[i].name,
                                            t->dir, docs[j].name);
                                if (r < 0)
                                        return r;
                                if (n_reported < CR_ELEMENTSOF(reported))
                                        reported[n_reported++] = key;
                                done = true;
                        }
                }
        }
        return 0;
}

static int check_managed(PolicyCtx *x, const PolicyTarget *t) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        ManagedDoc *docs = NULL;
        char **names = NULL;
        size_t n_names = 0, n_docs = 0, more = 0;
        struct stat st;
        int r;

        if (fstatat(x->root_fd, t->dir, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return cr_emit(x->e, MAMORI_FAIL, t->name,
                                       "%s: no managed policy directory /%s: the password manager is not turned off",
                                       t->name, t->dir);
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot look at /%s: %s", t->name, t->dir,
                               strerror(errno));
        }
        if (!S_ISDIR(st.st_mode))
                return cr_emit(x->e, MAMORI_FAIL, t->name, "%s: /%s is %s, not a directory", t->name, t->dir,
                               S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
        r = check_dirs(x, t, t->dir);
        if (r < 0)
                return r;

        dirfd = openat(x->root_fd, t->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot open /%s: %s", t->name, t->dir,
                               strerror(errno));
        r = cr_list_dir(dirfd, MANAGED_FILES_MAX, true, &names, &n_names, &more);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot list /%s: %s", t->name, t->dir, strerror(-r));
        if (more > 0) {
                r = cr_emit(x->e, MAMORI_ERROR, t->name, "%s: /%s holds more than %u files; %zu were not read",
                            t->name, t->dir, MANAGED_FILES_MAX, more);
                if (r < 0)
                        goto finish;
        }
        docs = calloc(n_names + 1, sizeof(ManagedDoc));
        if (!docs) {
                r = -ENOMEM;
                goto finish;
        }

        /* Chromium reads every file of the directory (not only *.json,
         * hidden ones too), in name order. */
        for (size_t i = 0; i < n_names; i++) {
                char shown_path[1400], err_text[200];
                struct json_object *root = NULL;
                const char *reason = NULL, *name = names[i];
                struct json_object *container;
                char *buf = NULL;
                size_t size = 0;
                JsonError err;

                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                        continue;
                snprintf(shown_path, sizeof(shown_path), "/%s/%s", t->dir, name);
                r = read_policy_file(x, t, dirfd, shown_path, name, &buf, &size);
                if (r < 0)
                        goto finish;
                if (r == 0)
                        continue;
                r = json_strict_parse(buf, size, &root, NULL, &err);
                free(buf);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: %s is not valid JSON (%s): %s ignores it%s",
                                    t->name, shown_path, json_error_text(&err, err_text, sizeof(err_text)), t->name,
                                    x->enforce ? "; not overwritten, fix it by hand" : "");
                        if (r < 0)
                                goto finish;
                        continue;
                }
                if (policy_json_container(root, &policy_settings_chromium, &container, &reason) < 0) {
                        json_object_put(root);
                        r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: %s: %s: %s ignores it", t->name, shown_path,
                                    reason, t->name);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                docs[n_docs++] = (ManagedDoc) { .name = name, .root = root };
        }

        r = check_conflicts(x, t, docs, n_docs);
        if (r < 0)
                goto finish;

        for (size_t s = 0; s < policy_settings_chromium.n_settings; s++) {
                const PolicySetting *set = &policy_settings_chromium.settings[s];
                PolicyValueState state = POLICY_VALUE_MISSING;
                const char *from = NULL;
                char shown[64] = "";

                /* The last file in name order that sets it decides. */
                for (size_t i = 0; i < n_docs; i++) {
                        char v[64];
                        PolicyValueState st2 = policy_json_state(docs[i].root, set, v, sizeof(v));

                        if (st2 == POLICY_VALUE_MISSING)
                                continue;
                        state = st2;
                        from = docs[i].name;
                        memcpy(shown, v, sizeof(shown));
                }
                if (state == POLICY_VALUE_MISSING)
                        r = cr_emit(x->e, MAMORI_FAIL, t->name,
                                    "%s: %s is not set in any file of /%s (must be false): the password manager is on",
                                    t->name, set->key, t->dir);
                else if (state == POLICY_VALUE_WRONG)
                        r = cr_emit(x->e, MAMORI_FAIL, t->name, "%s: %s is %s in /%s/%s (must be false)", t->name,
                                    set->key, shown, t->dir, from);
                if (r < 0)
                        goto finish;
        }
        r = 0;

finish:
        for (size_t i = 0; docs && i < n_docs; i++)
                json_object_put(docs[i].root);
        free(docs);
        cr_strv_free(names, n_names);
        return r;
}

/* ---- enforcing ----------------------------------------------------------------------- */

static void made_dir(void *userdata, const char *path) {
        PolicyCtx *x = userdata;

        char subject[1100];

        snprintf(subject, sizeof(subject), "/%s", path);
        cr_event(x->c, "credentials.enforced", subject, "created %s (root, 0755)", subject);
}

/* The browser's own directories (below base) made root's and not
 * writable by staff; base and above are the system's and only reported. */
static int enforce_dirs(PolicyCtx *x, const PolicyTarget *t, const char *dir) {
        char buf[1024];
        size_t len = strlen(dir), start = strlen(t->base);

        if (len >= sizeof(buf) || start >= len)
                return 0;
        memcpy(buf, dir, len + 1);
        for (size_t i = start + 1; i <= len; i++) {
                int r;

                if (buf[i] != '/' && buf[i] != '\0')
                        continue;
                buf[i] = '\0';
                r = cr_fix_owner_mode(x->root_fd, buf, true);
                if (r > 0) {
                        char subject[1100];

                        snprintf(subject, sizeof(subject), "/%s", buf);
                        cr_event(x->c, "credentials.enforced", subject,
                                 "made %s root's and not writable by staff (0755)", subject);
                }
                else if (r < 0 && r != -ENOENT) {
                        r = cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot fix owner and mode of /%s: %s", t->name,
                                    buf, cr_error_text(r));
                        if (r < 0)
                                return r;
                }
                if (i < len)
                        buf[i] = '/';
        }
        return 0;
}

static int enforce_file_mode(PolicyCtx *x, const PolicyTarget *t, const char *dir, const char *name) {
        char path[1400];
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        r = cr_fix_owner_mode(x->root_fd, path, false);
        if (r > 0) {
                char subject[1500];

                snprintf(subject, sizeof(subject), "/%s", path);
                cr_event(x->c, "credentials.enforced", subject, "made %s root's and not writable by staff (0644)",
                         subject);
        }
        else if (r < 0 && r != -ENOENT && r != -ELOOP && r != -EBADFD)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot fix owner and mode of /%s: %s", t->name, path,
                               cr_error_text(r));
        return 0;
}

static int write_policy(PolicyCtx *x, const PolicyTarget *t, const char *dir, const char *name, const char *text,
                        const char *what) {
        int r;

        r = cr_mkdir_p(x->root_fd, dir, made_dir, x);
        if (r >= 0)
                r = cr_write_atomic(x->root_fd, dir, name, text, strlen(text));
        if (r < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot write /%s/%s: %s", t->name, dir, name,
                               cr_error_text(r));
        {
                char subject[1400];

                snprintf(subject, sizeof(subject), "/%s/%s", dir, name);
                cr_event(x->c, "credentials.enforced", subject, "wrote %s: %s", subject, what);
        }
        return 1;
}

static int enforce_firefox(PolicyCtx *x, const PolicyTarget *t) {
        _cleanup_cr_free_ char *old = NULL, *out = NULL;
        char seed_path[320] = "", what[600], err_text[200];
        struct stat st;
        size_t size = 0;
        JsonError err;
        int r;

        if (fstatat(x->root_fd, FIREFOX_DIR "/" FIREFOX_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!S_ISREG(st.st_mode))
                        return cr_emit(x->e, MAMORI_ERROR, t->name,
                                       "%s: cannot enforce: /%s/%s is not a regular file; not replaced", t->name,
                                       FIREFOX_DIR, FIREFOX_FILE);
                r = cr_read_at(x->root_fd, FIREFOX_DIR "/" FIREFOX_FILE, POLICY_FILE_MAX, &old, &size, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot enforce: cannot read /%s/%s: %s",
                                       t->name, FIREFOX_DIR, FIREFOX_FILE, cr_error_text(r));
                r = policy_json_merge_full(old, size, &policy_settings_firefox, &out, &err);
                if (r == -ENOMEM)
                        return r;
                if (r == -EBADMSG)
                        return 0;       /* the check says why; a broken file is never replaced */
                if (r < 0)
                        return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot enforce: /%s/%s %s; not rewritten",
                                       t->name, FIREFOX_DIR, FIREFOX_FILE,
                                       json_error_text(&err, err_text, sizeof(err_text)));
        } else if (errno == ENOENT || errno == ENOTDIR) {
                /* The new /etc file hides the distribution copy: start from
                 * it, so that what the administrator put there survives. */
                for (const char *const *d = t->install_dirs; *d && !out; d++) {
                        char path[300];

                        snprintf(path, sizeof(path), "%s/distribution/" FIREFOX_FILE, *d);
                        if (cr_read_at(x->root_fd, path, POLICY_FILE_MAX, &old, &size, NULL) < 0)
                                continue;
                        r = policy_json_merge_full(old, size, &policy_settings_firefox, &out, NULL);
                        free(old);
                        old = NULL;
                        if (r == -ENOMEM)
                                return r;
                        if (r >= 0)
                                snprintf(seed_path, sizeof(seed_path), "/%s", path);
                }
                if (!out) {
                        r = policy_json_merge_full(NULL, 0, &policy_settings_firefox, &out, NULL);
                        if (r < 0)
                                return r;
                }
                r = 1;
        } else
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot enforce: cannot look at /%s/%s: %s", t->name,
                               FIREFOX_DIR, FIREFOX_FILE, strerror(errno));

        if (r > 0) {
                snprintf(what, sizeof(what), "PasswordManagerEnabled and OfferToSaveLogins set to false%s%s",
                         seed_path[0] ? ", other policies taken over from " : old ? ", other policies kept" : "",
                         seed_path);
                r = write_policy(x, t, FIREFOX_DIR, FIREFOX_FILE, out, what);
                if (r < 0)
                        return r;
        } else {
                r = enforce_file_mode(x, t, FIREFOX_DIR, FIREFOX_FILE);
                if (r < 0)
                        return r;
        }
        return enforce_dirs(x, t, FIREFOX_DIR);
}

static int enforce_managed(PolicyCtx *x, const PolicyTarget *t) {
        _cleanup_cr_close_ int dirfd = -EBADF;
        char **names = NULL;
        size_t n_names = 0;
        bool have = false, own_broken = false;
        int r;

        r = cr_mkdir_p(x->root_fd, t->dir, made_dir, x);
        if (r < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot enforce: cannot create /%s: %s", t->name,
                               t->dir, cr_error_text(r));
        r = enforce_dirs(x, t, t->dir);
        if (r < 0)
                return r;

        dirfd = openat(x->root_fd, t->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0)
                return cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot enforce: cannot open /%s: %s", t->name, t->dir,
                               strerror(errno));
        r = cr_list_dir(dirfd, MANAGED_FILES_MAX, true, &names, &n_names, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : cr_emit(x->e, MAMORI_ERROR, t->name, "%s: cannot enforce: cannot list /%s: %s",
                                                  t->name, t->dir, strerror(-r));

        for (size_t i = 0; i < n_names; i++) {
                struct json_object *root = NULL, *container = NULL;
                const char *reason;
                PolicyValueState state;
                char *buf = NULL, *out = NULL;
                size_t size = 0;
                struct stat st;

                if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                r = cr_read_at(dirfd, names[i], POLICY_FILE_MAX, &buf, &size, NULL);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0)
                        continue;
                r = json_strict_parse(buf, size, &root, NULL, NULL);
                if (r == -ENOMEM) {
                        free(buf);
                        goto finish;
                }
                if (r < 0 || policy_json_container(root, &policy_settings_chromium, &container, &reason) < 0) {
                        /* Broken: left alone, the check reports it. */
                        json_object_put(root);
                        free(buf);
                        if (strcmp(names[i], MAMORI_MANAGED_FILE) == 0)
                                own_broken = true;
                        continue;
                }
                state = policy_json_state(container, &policy_settings_chromium.settings[0], NULL, 0);
                json_object_put(root);

                if (state == POLICY_VALUE_WRONG) {
                        /* Another file turns it on: set it there, keeping
                         * the rest of that file. */
                        r = policy_json_merge(buf, size, &policy_settings_chromium, &out);
                        if (r == -ENOMEM) {
                                free(buf);
                                goto finish;
                        }
                        if (r > 0)
                                r = write_policy(x, t, t->dir, names[i], out,
                                                 "PasswordManagerEnabled set to false, other policies kept");
                        else
                                r = cr_emit(x->e, MAMORI_ERROR, t->name,
                                            "%s: cannot enforce: /%s/%s cannot be rewritten exactly; not changed",
                                            t->name, t->dir, names[i]);
                        free(out);
                        if (r < 0) {
                                free(buf);
                                goto finish;
                        }
                        state = POLICY_VALUE_OK;
                }
                free(buf);
                if (state == POLICY_VALUE_OK)
                        have = true;
                r = enforce_file_mode(x, t, t->dir, names[i]);
                if (r < 0)
                        goto finish;
        }

        r = 0;
        if (!have) {
                _cleanup_cr_free_ char *out = NULL;

                if (own_broken) {
                        r = cr_emit(x->e, MAMORI_ERROR, t->name,
                                    "%s: cannot enforce: /%s/%s is broken and is not overwritten", t->name, t->dir,
                                    MAMORI_MANAGED_FILE);
                        goto finish;
                }
                /* No file of ours sets it (mamori.json would have been read
                 * above): a new one. */
                r = policy_json_merge(NULL, 0, &policy_settings_chromium, &out);
                if (r >= 0)
                        r = write_policy(x, t, t->dir, MAMORI_MANAGED_FILE, out, "PasswordManagerEnabled set to false");
        }
        r = r < 0 ? r : 0;

finish:
        cr_strv_free(names, n_names);
        return r;
}

/* ---- the check ------------------------------------------------------------------------ */

static void passed_add(PolicyCtx *x, const char *text) {
        size_t len = strlen(x->passed);

        snprintf(x->passed + len, sizeof(x->passed) - len, "%s%s", len ? ", " : "", text);
}

int check_browser_policy(CrEval *e, const BrowserPolicyParams *p) {
        _cleanup_cr_free_ char *status = NULL;
        DpkgHit *hits = NULL;
        size_t status_size = 0, n_hits = 0;
        unsigned n_found = 0, problems;
        PolicyCtx x;
        int r;

        r = cr_read_at(e->c->root_fd, "var/lib/dpkg/status", 256U << 20, &status, &status_size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -ENOENT) {
                r = cr_emit(e, MAMORI_ERROR, "/var/lib/dpkg/status",
                            "cannot read /var/lib/dpkg/status: %s: installed packages unknown", cr_error_text(r));
                if (r < 0)
                        return r;
        }
        if (status) {
                r = dpkg_find_installed(status, status_size, cr_known_package_names(), &hits, &n_hits);
                if (r < 0)
                        return r;
        }

        x = (PolicyCtx) {
                .e = e,
                .c = e->c,
                .root_fd = e->c->root_fd,
                .enforce = e->rule->enforce,
                .hits = hits,
                .n_hits = n_hits,
        };

        for (size_t i = 0; i < CR_ELEMENTSOF(targets); i++) {
                const PolicyTarget *t = &targets[i];

                if (!target_installed(&x, t))
                        continue;
                x.n_installed++;
                problems = e->n_fail + e->n_error;
                if (x.enforce) {
                        r = t->firefox ? enforce_firefox(&x, t) : enforce_managed(&x, t);
                        if (r < 0)
                                goto finish;
                }
                r = t->firefox ? check_firefox(&x, t) : check_managed(&x, t);
                if (r < 0)
                        goto finish;
                if (e->n_fail + e->n_error == problems)
                        passed_add(&x, t->name);
        }

        r = check_approved_software(e, p, hits, n_hits, &n_found);
        if (r < 0)
                goto finish;

        if (e->n_fail == 0 && e->n_error == 0) {
                if (x.n_installed == 0 && n_found == 0)
                        r = cr_emit(e, MAMORI_NOT_APPLICABLE, NULL, "no browser or mail client is installed");
                else {
                        char found[96];

                        if (n_found == 1)
                                snprintf(found, sizeof(found), "1 browser or mail client found, approved");
                        else
                                snprintf(found, sizeof(found), "%u browsers and mail clients found, all approved",
                                         n_found);
                        if (x.n_installed == 0)
                                r = cr_emit(e, MAMORI_PASS, NULL, "%s", found);
                        else
                                r = cr_emit(e, MAMORI_PASS, NULL,
                                            "password manager off by managed policy staff cannot change: %s; %s",
                                            x.passed, found);
                }
        }
        r = r < 0 ? r : 0;

finish:
        free(hits);
        return r;
}
