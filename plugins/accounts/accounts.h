/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The accounts plugin: local accounts, groups, password quality, history and
 * ageing (詳細編 5.1(1)④, 6.4, 6.5(3)(4)(6), 7.2(11)②). Private to the plugin:
 * the plugin includes only mamori-plugin.h from the agent, so the few helpers
 * it needs live here.
 *
 * The parsers (passwd.c, logindefs.c, pwquality.c, pam.c) are pure: a buffer
 * in, a struct or a negative errno out. Each keeps one copy of the input,
 * split in place, and the entries point into it. Malformed lines are skipped
 * and counted, never fatal: a check reports them in its evidence. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "mamori-plugin.h"

#ifndef _cleanup_
#define _cleanup_(f) __attribute__((cleanup(f)))
#endif
#define ACC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ACC_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void acc_freep(void *p) {
        free(*(void **) p);
}

static inline void acc_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_acc_free_ _cleanup_(acc_freep)
#define _cleanup_acc_close_ _cleanup_(acc_closep)

/* Files are read whole; an account database larger than this is not a
 * staff terminal's (a 16 MiB passwd holds some 200 000 accounts). */
#define ACC_FILE_MAX (16U * 1024U * 1024U)

/* ---- text.c: lines, numbers and evidence text ---------------------------- */

typedef struct ParseStats {
        size_t n_malformed;             /* lines skipped because they did not parse */
        unsigned first_malformed;       /* 1-based line number of the first one, 0: none */
} ParseStats;

void parse_stats_add(ParseStats *s, unsigned line);

/* Walks a NUL-terminated copy of a file line by line, splitting it in place.
 * Handles CRLF and a missing final newline. A line holding a NUL byte is
 * returned with *ret_has_nul set (parsers count it as malformed). */
typedef struct LineIter {
        char *p, *end;
        unsigned line;                  /* number of the line last returned */
} LineIter;

void line_iter_init(LineIter *it, char *data, size_t size);
char *line_iter_next(LineIter *it, bool *ret_has_nul);

/* A copy of buf[0..size) with a NUL after it (and none counted in size). */
char *text_dup(const char *buf, size_t size);

char *text_skip_space(const char *s);           /* spaces and tabs */
void text_trim_end(char *s);                    /* spaces, tabs, CR, LF */
const char *text_basename(const char *path);
bool text_in_list(const char *s, const char *const *list);      /* list NULL-terminated, may be NULL */

/* An account ID as glibc's nss_files reads it (strtoul: leading blanks and a
 * sign accepted, values past 2^32-1 clamp to it). The whole of s must be
 * used. -EINVAL if it is not a number. */
int parse_id(const char *s, uint32_t *ret);

/* A decimal integer, optional sign, nothing else (not even blanks). */
int parse_long(const char *s, long *ret);

/* Like strtol(s, NULL, 0) in full: "0x" hex and leading-0 octal, as
 * shadow's login.defs reader takes them. */
int parse_long_any_base(const char *s, long *ret);

/* Text that is safe to show: control characters become '?', and at most
 * max bytes are kept (with "..." when cut). Never fails: out is always
 * NUL-terminated. */
const char *text_safe(const char *s, size_t max, char *out, size_t out_size);

/* ---- passwd.c: /etc/passwd, /etc/shadow, /etc/group ---------------------- */

typedef struct PasswdEntry {
        const char *name;
        const char *passwd;             /* "x": look in shadow */
        uint32_t uid, gid;
        const char *gecos, *home, *shell;
        unsigned line;
} PasswdEntry;

typedef struct PasswdFile {
        char *data;
        PasswdEntry *entries;
        size_t n_entries;
        const PasswdEntry **by_name;    /* sorted by name, then line */
        ParseStats stats;
} PasswdFile;

int passwd_parse(const char *buf, size_t size, PasswdFile **ret);
PasswdFile *passwd_file_free(PasswdFile *f);
/* The first entry of that name, as getpwnam() would find it. */
const PasswdEntry *passwd_find(const PasswdFile *f, const char *name);

#define SHADOW_UNSET (-1L)

typedef struct ShadowEntry {
        const char *name;
        const char *passwd;             /* "" empty, "!..." or "*" locked, else a hash */
        long last_change;               /* days since 1970-01-01, SHADOW_UNSET when empty */
        long min_days, max_days, warn_days, inactive_days, expire;
        unsigned line;
} ShadowEntry;

typedef struct ShadowFile {
        char *data;
        ShadowEntry *entries;
        size_t n_entries;
        const ShadowEntry **by_name;
        ParseStats stats;
} ShadowFile;

int shadow_parse(const char *buf, size_t size, ShadowFile **ret);
ShadowFile *shadow_file_free(ShadowFile *f);
const ShadowEntry *shadow_find(const ShadowFile *f, const char *name);

typedef struct GroupEntry {
        const char *name;
        const char *passwd;
        uint32_t gid;
        const char **members;           /* n_members names, empty ones dropped */
        size_t n_members;
        unsigned line;
} GroupEntry;

typedef struct GroupFile {
        char *data;
        GroupEntry *entries;
        size_t n_entries;
        ParseStats stats;
} GroupFile;

int group_parse(const char *buf, size_t size, GroupFile **ret);
GroupFile *group_file_free(GroupFile *f);
const GroupEntry *group_find(const GroupFile *f, const char *name);

/* A password field nobody needs to know to log in: empty. "!" or "*"
 * prefixed fields are locked; anything else is a hash. */
static inline bool password_is_empty(const char *pw) {
        return pw && pw[0] == '\0';
}

/* ---- logindefs.c: /etc/login.defs ----------------------------------------- */

typedef struct LoginDefsEntry {
        const char *key;
        const char *value;              /* as shadow's tools see it: quotes dropped */
        unsigned line;
} LoginDefsEntry;

typedef struct LoginDefs {
        char *data;
        LoginDefsEntry *entries;
        size_t n_entries;
        ParseStats stats;
} LoginDefs;

int logindefs_parse(const char *buf, size_t size, LoginDefs **ret);
LoginDefs *logindefs_free(LoginDefs *d);
/* The entry that counts (the last one of that key), or NULL. */
const LoginDefsEntry *logindefs_find(const LoginDefs *d, const char *key);
/* 0 and the value; -ENOENT when the key is absent; -EINVAL when its value
 * is not a number (shadow's tools then use their default). */
int logindefs_get_long(const LoginDefs *d, const char *key, long *ret);

/* ---- pwquality.c: "name = value" files and pwquality's settings ----------- */

typedef struct ConfEntry {
        const char *key;
        const char *value;              /* "" for a bare flag */
        unsigned line;
} ConfEntry;

typedef struct ConfFile {
        char *data;
        ConfEntry *entries;
        size_t n_entries;
        ParseStats stats;
} ConfFile;

/* pwquality.conf and pwhistory.conf: "name = value" (or "name=value", or a
 * bare "name"), "#" starts a comment anywhere on a line. */
int conf_parse(const char *buf, size_t size, ConfFile **ret);
ConfFile *conf_file_free(ConfFile *f);
const ConfEntry *conf_find(const ConfFile *f, const char *key);      /* the last one */

typedef enum PwqKey {
        PWQ_MINLEN,
        PWQ_DCREDIT,
        PWQ_UCREDIT,
        PWQ_LCREDIT,
        PWQ_OCREDIT,
        PWQ_MINCLASS,
        PWQ_ENFORCING,
        _PWQ_KEY_MAX,
} PwqKey;

#define PWQ_SOURCE_MAX 160

typedef struct PwqSetting {
        int value;
        bool set;                       /* false: the module's default */
        char source[PWQ_SOURCE_MAX];    /* "/etc/security/pwquality.conf line 12" */
} PwqSetting;

typedef enum PwqModule {
        PWQ_MODULE_PWQUALITY,
        PWQ_MODULE_CRACKLIB,
} PwqModule;

typedef struct PwqSettings {
        PwqModule module;
        PwqSetting s[_PWQ_KEY_MAX];
} PwqSettings;

const char *pwq_key_name(PwqKey k);
void pwq_settings_init(PwqSettings *p, PwqModule module);
/* Applies one setting as the module would: 0 applied (or a known setting
 * that does not bear on length or classes), -ENOENT unknown setting,
 * -EINVAL a value that is not an integer. */
int pwq_settings_apply(PwqSettings *p, const char *key, const char *value, const char *source);
/* The shortest password the settings let through, once credits are taken. */
int pwq_min_length(const PwqSettings *p);
/* The character classes (digits, upper, lower, other) a password needs. */
int pwq_min_classes(const PwqSettings *p);
/* The sum of the positive credits: what they can take off minlen. */
int pwq_total_credit(const PwqSettings *p);

/* ---- pam.c: /etc/pam.d/<service> ------------------------------------------ */

typedef struct PamLine {
        const char *type;               /* "password", "auth", ...; "@include" */
        bool silent;                    /* "-password": a missing module is skipped */
        const char *control;            /* "requisite", "[success=1 default=ignore]" */
        const char *module;             /* as written: "pam_unix.so" or a full path */
        const char **args;
        size_t n_args;
        unsigned line;                  /* where the (possibly continued) line starts */
} PamLine;

typedef struct PamFile {
        char *data;
        PamLine *lines;
        size_t n_lines;
        ParseStats stats;
} PamFile;

int pamconf_parse(const char *buf, size_t size, PamFile **ret);
PamFile *pamconf_free(PamFile *f);
/* "pam_pwquality" for "/lib/x86_64-linux-gnu/security/pam_pwquality.so". */
bool pamconf_line_is(const PamLine *l, const char *type, const char *module_so);
/* The first line of that type using that module ("pam_pwquality.so"). */
const PamLine *pamconf_find(const PamFile *f, const char *type, const char *module_so);
/* The value of "key=value" among the args (the last one), "" for a bare
 * "key", NULL when absent. */
const char *pamconf_arg(const PamLine *l, const char *key);
/* A control under which the module's failure does not fail the stack. */
bool pamconf_control_is_lax(const char *control);

/* ---- rootfs.c: reading under api->root_fd ---------------------------------- */

/* path is relative to the root ("etc/passwd"). Regular files only
 * (-EBADFD otherwise), at most max bytes (-EFBIG). NUL-terminated. */
int root_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size);
/* The names of the "*.conf" entries of a directory, sorted in ASCII order;
 * -ENOENT when there is no such directory. */
int root_list_conf(int root_fd, const char *dir, char ***ret_names, size_t *ret_n);
void names_free(char **names, size_t n);
/* "Permission denied", or "not a regular file" for -EBADFD. */
const char *root_error_text(int r);

/* ---- accounts-plugin.c: the glue ------------------------------------------- */

typedef struct Accounts {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        int root_fd;
} Accounts;

/* A rule's params, parsed and checked (validate() and evaluate() share it). */
typedef struct AccountsParams {
        const char *const *allowed;     /* NULL-terminated */
        const char *const *groups;
        long min_length;
        long min_classes;
        long min_remember;
        long max_days;
} AccountsParams;

/* One evaluation of one rule: counts findings so that a file with
 * thousands of bad accounts cannot flood the host. */
typedef struct Eval {
        const Accounts *a;
        const struct mamori_rule *rule;
        unsigned n_emitted;
        unsigned n_suppressed;
} Eval;

#define EVAL_MAX_FINDINGS 100U
#define EVIDENCE_MAX 1024U
#define NAME_SHOW_MAX 64U

int eval_emit(Eval *e, mamori_status status, const char *subject, const char *fmt, ...)
        ACC_PRINTF(4, 5);
/* ERROR for a file that could not be read: "cannot read /etc/shadow: ...". */
int eval_emit_read_error(Eval *e, const char *path, int r);
/* "user:NAME", made safe. */
const char *subject_user(const char *name, char *buf, size_t size);
/* "; skipped 2 malformed lines in /etc/shadow (first: line 7)" or "". */
const char *malformed_note(const ParseStats *s, const char *path, char *buf, size_t size);

/* Read and parse one file under the root. A negative errno is either a
 * read error (the check reports ERROR with it) or -ENOMEM. */
int load_passwd(const Accounts *a, PasswdFile **ret);
int load_shadow(const Accounts *a, ShadowFile **ret);
int load_group(const Accounts *a, GroupFile **ret);
int load_logindefs(const Accounts *a, LoginDefs **ret);
int load_pam(const Accounts *a, const char *path, PamFile **ret);
int load_conf(const Accounts *a, const char *path, ConfFile **ret);

static inline void passwd_file_freep(PasswdFile **f) {
        passwd_file_free(*f);
}
static inline void shadow_file_freep(ShadowFile **f) {
        shadow_file_free(*f);
}
static inline void group_file_freep(GroupFile **f) {
        group_file_free(*f);
}
static inline void logindefs_freep(LoginDefs **d) {
        logindefs_free(*d);
}
static inline void pamconf_freep(PamFile **f) {
        pamconf_free(*f);
}
static inline void conf_file_freep(ConfFile **f) {
        conf_file_free(*f);
}

/* check-users.c */
int check_empty_passwords(Eval *e, const AccountsParams *p);
int check_uid0(Eval *e, const AccountsParams *p);
int check_admin_groups(Eval *e, const AccountsParams *p);

/* check-passwords.c */
int check_password_quality(Eval *e, const AccountsParams *p);
int check_password_history(Eval *e, const AccountsParams *p);
int check_password_ageing(Eval *e, const AccountsParams *p);

/* The exported plugin, declared for tests that drive it directly. */
extern MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin;
