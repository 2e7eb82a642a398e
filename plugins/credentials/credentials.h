/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The credentials plugin: no passwords stored on the terminal (詳細編 6.5(7))
 * and only the approved browser and mail software, whose settings staff
 * cannot change (6.6(2)②, 6.7(2)①).
 *
 * credentials.browser-policy reads the browsers' managed policy (Firefox's
 * policies.json, the Chromium family's managed/ directories), checks that
 * the password manager is off there and that staff cannot change the files,
 * writes them with enforce: true, and compares the installed browsers and
 * mail clients with the approved list. credentials.no-saved-passwords finds
 * the places where passwords were already saved (turning a password manager
 * off does not remove what it saved) and counts them, never reading a
 * secret.
 *
 * Private to the plugin: it includes only mamori-plugin.h from the agent,
 * so the few helpers it needs live here. The parsers (json-strict.c,
 * policy-json.c, logins-json.c, stores.c, keyring.c, ssh-key.c, dpkg.c,
 * users.c) are pure: buffers in, counts or a negative errno out. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "mamori-plugin.h"

struct json_object;

#ifndef _cleanup_
#define _cleanup_(f) __attribute__((cleanup(f)))
#endif
#define CR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CR_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void cr_freep(void *p) {
        free(*(void **) p);
}

static inline void cr_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_cr_free_ _cleanup_(cr_freep)
#define _cleanup_cr_close_ _cleanup_(cr_closep)

/* ---- json-strict.c: JSON as a browser's JSON.parse takes it --------------------- */

typedef struct JsonError {
        unsigned line, column;          /* 1-based; 0 when the reason is not about a place */
        const char *reason;             /* static text */
} JsonError;

/* Deeper nesting than this is refused (json-c's own limit is 32 by default;
 * policies and logins.json nest three or four levels). */
#define JSON_MAX_DEPTH 64U
/* Nothing passed to the parsers comes near this; json-c takes an int. */
#define JSON_SIZE_MAX (64U * 1024U * 1024U)

/* RFC 8259 exactly: no comments, no trailing commas, no single quotes, no
 * NaN, no byte order mark, no control characters inside strings, valid
 * UTF-8. json-c alone accepts several of those, and a file json-c reads
 * but Firefox refuses would make a policy look in force when it is not.
 * *ret_inexact (may be NULL) is set when an integer is too large for json-c
 * to keep exactly. 0, or -EBADMSG with *err filled. */
int json_strict_check(const char *buf, size_t size, bool *ret_inexact, JsonError *err);

/* json_strict_check(), then json-c's tree of it. -EBADMSG (err filled) or
 * -ENOMEM. The caller json_object_put()s *ret. */
int json_strict_parse(const char *buf, size_t size, struct json_object **ret, bool *ret_inexact,
                      JsonError *err);

/* "line 3, column 7: unexpected character" */
const char *json_error_text(const JsonError *err, char *buf, size_t size);

/* ---- policy-json.c: managed policy files ----------------------------------------- */

typedef struct PolicySetting {
        const char *key;                /* "PasswordManagerEnabled" */
        bool value;                     /* what it must be */
} PolicySetting;

typedef struct PolicySettings {
        const char *container;          /* "policies" (Firefox); NULL: the top level (Chromium) */
        const PolicySetting *settings;
        size_t n_settings;
} PolicySettings;

extern const PolicySettings policy_settings_firefox;
extern const PolicySettings policy_settings_chromium;

/* The object the settings live in: *ret NULL when the container is not
 * there. -EBADMSG (reason) when root or the container is not an object. */
int policy_json_container(struct json_object *root, const PolicySettings *s, struct json_object **ret,
                          const char **ret_reason);

typedef enum PolicyValueState {
        POLICY_VALUE_MISSING,
        POLICY_VALUE_OK,                /* the JSON boolean required */
        POLICY_VALUE_WRONG,             /* anything else: true, 0, "false" */
} PolicyValueState;

/* The state of one setting in a container (may be NULL); for WRONG, what it
 * holds, made safe and short, in shown. */
PolicyValueState policy_json_state(struct json_object *container, const PolicySetting *set, char *shown,
                                   size_t shown_size);

/* Sets the settings in the policy file in[0..size) and writes the whole
 * document back, pretty-printed, to *out (malloc'd, ends in a newline); every
 * other key survives. in NULL or only blanks: a new file. Returns 1 when a
 * setting changed or was added, 0 when all already held (out still set),
 * -EBADMSG when in is not valid JSON or not an object whose container is an
 * object (nothing is written over a file a browser cannot read or that
 * mamori does not understand), -ERANGE when it holds a number json-c would
 * change, -ENOMEM. */
int policy_json_merge(const char *in, size_t size, const PolicySettings *settings, char **out);
/* The same, with the reason for -EBADMSG and -ERANGE. */
int policy_json_merge_full(const char *in, size_t size, const PolicySettings *settings, char **out,
                           JsonError *err);

/* ---- logins-json.c: Firefox's and Thunderbird's logins.json ------------------------ */

/* The hostname of the entry Firefox keeps for its own account (Sync): a
 * login of the browser, not a password the user saved for a site. */
#define FIREFOX_ACCOUNTS_HOSTNAME "chrome://FirefoxAccounts"

/* The number of saved logins: the entries of "logins", leaving out the
 * Firefox Accounts entry. Nothing else is kept: no field is copied out.
 * -EBADMSG (err filled) when the file is not JSON, has no "logins" array,
 * or an entry is not an object. */
int logins_json_count(const char *buf, size_t size, uint64_t *ret, JsonError *err);

/* ---- stores.c: small credential files, counted ----------------------------------- */

/* Each returns 0 with the count, or -EBADMSG with a static reason when the
 * file is not what it should be (binary data, truncated, not the format). */
int netrc_count_passwords(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);
int git_credentials_count(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);
int pgpass_count(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);
/* 1 when a Remmina profile holds a saved password, 0 when not. */
int remmina_has_password(const char *buf, size_t size, const char **ret_reason);
/* 1 when a NetworkManager keyfile holds a secret in plain text that NM
 * uses (no *-flags making it agent-owned or not saved), 0 when not. */
int nmconnection_has_secret(const char *buf, size_t size, const char **ret_reason);
/* Docker's config.json: "auths" entries holding an "auth" or "identitytoken". */
int docker_config_count(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);

/* ---- keyring.c: GNOME Keyring and KWallet files ------------------------------------ */

typedef struct KeyringInfo {
        uint64_t n_items;
        bool plaintext;                 /* the unencrypted text format: secrets readable by anyone with the file */
} KeyringInfo;

/* A *.keyring file: the item count from its clear header (the binary
 * format) or its item groups (the text format); secrets are not touched.
 * -EBADMSG with a reason when it is neither, or truncated. */
int keyring_inspect(const void *buf, size_t size, KeyringInfo *ret, const char **ret_reason);
/* A *.kwl file: 0 when it has KWallet's magic, else -EBADMSG. */
int kwallet_check(const void *buf, size_t size, const char **ret_reason);

/* ---- ssh-key.c: private keys without a passphrase ----------------------------------- */

/* Reading this much of a key file is enough to tell (the PEM headers and
 * the OpenSSH cipher name); the rest, the key, is never read. */
#define SSH_KEY_HEAD_MAX 4096U

typedef enum SshKeyState {
        SSH_KEY_ENCRYPTED,
        SSH_KEY_PLAIN,                  /* no passphrase */
} SshKeyState;

/* From the first bytes of a private key file: OpenSSH's format (the
 * cipher name in the binary header, base64-decoded as far as that), PEM
 * (RSA/DSA/EC with or without "Proc-Type: 4,ENCRYPTED", PKCS#8 plain or
 * ENCRYPTED) and PuTTY's. -EBADMSG with a reason for anything else or a
 * truncated header. */
int ssh_key_inspect(const char *buf, size_t size, SshKeyState *ret, const char **ret_reason);

/* ---- dpkg.c: which packages of a list are installed -------------------------------- */

typedef struct DpkgHit {
        const char *name;               /* the caller's string */
        char version[128];
} DpkgHit;

/* Scans dpkg's status file for the packages named in names (NULL-ended)
 * that are on the system (any state but not-installed and config-files).
 * *ret malloc'd; a package of several architectures is listed once. */
int dpkg_find_installed(const char *buf, size_t size, const char *const *names, DpkgHit **ret,
                        size_t *ret_n);

/* ---- users.c: /etc/passwd, just enough of it -------------------------------------- */

typedef struct CrUser {
        const char *name;
        uint32_t uid;
        const char *home;
} CrUser;

typedef struct CrUserList {
        char *data;
        CrUser *users;
        size_t n_users;
        size_t n_malformed;
} CrUserList;

/* Debian's UID_MIN and UID_MAX: the accounts of people. */
#define CR_UID_MIN 1000U
#define CR_UID_MAX 59999U

/* The accounts with min_uid <= UID <= CR_UID_MAX, and those named in extra
 * (NULL-ended, may be NULL) whatever their UID, in file order; lines that
 * do not parse are skipped and counted. -ENOMEM only. */
int cr_users_parse(const char *buf, size_t size, uint32_t min_uid, const char *const *extra,
                   CrUserList **ret);
CrUserList *cr_user_list_free(CrUserList *l);

static inline void cr_user_list_freep(CrUserList **l) {
        cr_user_list_free(*l);
}

/* ---- root-io.c: files under the root, and inside homes ----------------------------- */

/* Reads a regular file opened as fd: at most max bytes (-EFBIG), NUL-added. */
int cr_read_fd(int fd, size_t max, char **ret, size_t *ret_size);
/* path relative to dirfd; regular files only (-EBADFD), a symbolic link as
 * the last component is refused (-ELOOP). ret_st may be NULL. */
int cr_read_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size, struct stat *ret_st);
/* Zeroes then frees a buffer that held a user's file. */
void cr_free_secret(char *buf, size_t size);

/* Opens name in a directory of a user's home. The agent runs as root and
 * the home is the user's to arrange, so a symbolic link is followed only
 * when what it reaches belongs to owner (the user cannot make the agent
 * report on files that are not theirs): -EPERM otherwise. directory: open a
 * directory (-ENOTDIR if not); else a regular file (-EBADFD if not). */
int cr_home_open(int dirfd, const char *name, bool directory, uid_t owner, struct stat *ret_st);
/* The same along a relative path ("a/b/c"), component by component. */
int cr_home_open_path(int dirfd, const char *path, bool directory, uid_t owner, struct stat *ret_st);

/* Names in a directory (dirfd is not consumed), sorted (strcmp: the byte
 * order Chromium uses for its policy files); names starting with '.' only
 * when hidden; at most max names (the rest are counted in *ret_more). */
int cr_list_dir(int dirfd, size_t max, bool hidden, char ***ret, size_t *ret_n, size_t *ret_more);
void cr_strv_free(char **l, size_t n);

/* "Permission denied"; "not a regular file" for -EBADFD, ... */
const char *cr_error_text(int r);

/* An absolute path (a home from /etc/passwd) relative to the root: leading
 * slashes dropped. -EINVAL for a relative path, ".." or nothing left. */
int cr_path_relative(const char *abs, char *buf, size_t size);

/* Text that is safe to show: control characters become '?', at most max
 * bytes (cut at a UTF-8 boundary, "..." added). out is always NUL-ended. */
const char *cr_text_safe(const char *s, size_t max, char *out, size_t out_size);

/* ---- policy-write.c: writing managed policy -------------------------------------- */

/* mkdir -p under root_fd; new directories are 0755 and root's. Each one
 * made is reported through made(userdata, path). */
int cr_mkdir_p(int root_fd, const char *path, void (*made)(void *userdata, const char *path),
               void *userdata);
/* Replaces dir/name with data atomically (a temporary file in the same
 * directory, fsync, rename): root's, 0644. */
int cr_write_atomic(int root_fd, const char *dir, const char *name, const char *data, size_t size);
/* Makes path root's and drops group and other write (mode 0644 for a file,
 * 0755 for a directory). 1 changed, 0 already so. Symbolic links refused. */
int cr_fix_owner_mode(int root_fd, const char *path, bool directory);

/* Why a file or directory can be changed by staff, or unread by them, or
 * NULL when it is root's, not group/other-writable, and readable (files)
 * or searchable (directories) by everyone: browsers run as the user. */
const char *cr_protect_problem(const struct stat *st, char *buf, size_t size);

/* ---- the plugin ------------------------------------------------------------------- */

typedef struct Credentials {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        int root_fd;
} Credentials;

typedef enum StoreKind {
        STORE_FIREFOX,
        STORE_THUNDERBIRD,
        STORE_CHROMIUM,
        STORE_GNOME_KEYRING,
        STORE_KWALLET,
        STORE_NETRC,
        STORE_GIT_CREDENTIALS,
        STORE_REMMINA,
        STORE_PGPASS,
        STORE_DOCKER,
        STORE_NETWORKMANAGER,
        STORE_SSH_KEYS,
        _STORE_MAX,
} StoreKind;

const char *store_kind_to_string(StoreKind k);           /* "firefox", "ssh-keys", ... */
int store_kind_from_string(const char *s);               /* -EINVAL when unknown */

typedef struct BrowserPolicyParams {
        const char *const *approved;    /* the rule's list: "firefox-esr" or "firefox-esr=115.*" */
} BrowserPolicyParams;

typedef struct SavedParams {
        uint32_t min_uid;
        const char *const *users;       /* accounts checked whatever their UID; may be NULL */
        unsigned stores;                /* 1 << StoreKind of the stores to look at */
} SavedParams;

/* One evaluation of one rule: counts findings so that a machine with
 * thousands of homes cannot flood the host. */
typedef struct CrEval {
        const Credentials *c;
        const struct mamori_rule *rule;
        unsigned n_emitted;
        unsigned n_suppressed;
        unsigned n_pass;
        unsigned n_fail;
        unsigned n_error;
} CrEval;

#define CR_MAX_FINDINGS 200U
#define CR_EVIDENCE_MAX 512U

/* One finding (evidence made safe); past CR_MAX_FINDINGS only counted. */
int cr_emit(CrEval *e, mamori_status status, const char *subject, const char *fmt, ...) CR_PRINTF(4, 5);
/* An event: kind "credentials.<what>"; text made safe. */
void cr_event(const Credentials *c, const char *kind, const char *subject, const char *fmt, ...)
        CR_PRINTF(4, 5);

/* The accounts whose homes are looked at, from /etc/passwd. -ENOENT when
 * there is no passwd file; other errors from reading it. */
int cr_load_users(int root_fd, uint32_t min_uid, const char *const *extra, CrUserList **ret);

/* check-policy.c: credentials.browser-policy (with check-approved.c). */
int check_browser_policy(CrEval *e, const BrowserPolicyParams *p);
/* check-approved.c: installed browsers and mail clients against the list;
 * hits: what dpkg_find_installed() found of cr_known_package_names().
 * *ret_found: how many were found. */
int check_approved_software(CrEval *e, const BrowserPolicyParams *p, const DpkgHit *hits, size_t n_hits,
                            unsigned *ret_found);
/* The browser and mail packages looked for, NULL-ended. */
const char *const *cr_known_package_names(void);
/* A list entry "name" or "name=version-glob": 0 or -EINVAL. */
int approved_entry_valid(const char *entry);

/* check-saved.c and login-data.c: credentials.no-saved-passwords. */
int check_saved_passwords(CrEval *e, const SavedParams *p);
/* Chromium's "Login Data" (or "Login Data For Account") opened as fd: the
 * saved passwords (rows of logins not blacklisted). Opened read-only and
 * immutable, so a running browser's lock neither blocks nor is disturbed.
 * -EBADMSG with SQLite's reason in reason when it is not such a database. */
int login_data_count(int fd, uint64_t *ret, char *reason, size_t reason_size);

/* The exported plugin, declared for tests that drive it directly. */
extern MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin;
