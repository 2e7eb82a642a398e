/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The screenlock plugin: the desktop's idle lock (詳細編 2.2(2)④, 5.4(3),
 * 6.1(5)②). Private to the plugin: the plugin includes only mamori-plugin.h
 * from the agent, so the few helpers it needs live here.
 *
 * screenlock.policy, for GNOME-family desktops (GNOME, Cinnamon, MATE,
 * light-locker), reads what dconf applies: the profile (dconf-profile.c)
 * names the databases in priority order, each a GVDB file (gvdb.c) whose
 * values are serialised GVariants (gvariant.c); dconf-read.c picks the
 * value a key has the way dconf's engine does, locks included. Those four
 * and users.c are pure: buffers in, structs or a negative errno out, no
 * file system. root-io.c reads under the root; screenlock-sources.c loads
 * the profile and its databases, screenlock-settings.c knows each
 * desktop's keys, and screenlock-dconf.c, -stale.c and -users.c turn them
 * into findings. KDE Plasma and Xfce are in screenlock-desktops.h
 * (kconfig.c, xfconf.c and their checks); screenlock-check.c picks the
 * installed desktops. Enforcement (the dconf keyfile, locks, profile and
 * compiled database) is in screenlock-enforce.h; screenlock.sessions, the
 * logind fallback lock and watch() in screenlock-sessions.h;
 * screenlock-plugin.c is the glue.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mamori-plugin.h"

#ifndef _cleanup_
#define _cleanup_(f) __attribute__((cleanup(f)))
#endif
#define SL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SL_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void sl_freep(void *p) {
        free(*(void **) p);
}

static inline void sl_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_sl_free_ _cleanup_(sl_freep)
#define _cleanup_sl_close_ _cleanup_(sl_closep)

/* ---- gvariant.c: serialised GVariant values ------------------------------- */

typedef enum GVariantKind {
        GVARIANT_BOOLEAN,               /* b */
        GVARIANT_BYTE,                  /* y */
        GVARIANT_INT16,                 /* n */
        GVARIANT_UINT16,                /* q */
        GVARIANT_INT32,                 /* i */
        GVARIANT_UINT32,                /* u */
        GVARIANT_INT64,                 /* x */
        GVARIANT_UINT64,                /* t */
        GVARIANT_STRING,                /* s */
        GVARIANT_UNSUPPORTED,           /* a valid type this reader does not decode */
} GVariantKind;

/* Type strings longer than this are shown cut ("a{sa{sv}}..."). */
#define GVARIANT_TYPE_SHOW_MAX 24

typedef struct GVariantValue {
        GVariantKind kind;
        char type[GVARIANT_TYPE_SHOW_MAX + 4];  /* the type string, NUL-terminated, maybe cut */
        bool b;
        int64_t i;                      /* n, i, x */
        uint64_t u;                     /* y, q, u, t */
        const char *str;                /* s: points into the buffer, NUL-terminated there */
        size_t str_len;
} GVariantValue;

/* RFC 3629 UTF-8 without NUL bytes. */
bool sl_utf8_is_valid(const uint8_t *s, size_t n);

/* A whole type string is one valid, definite GVariant type: 0 or -EINVAL. */
int gvariant_type_check(const char *type, size_t len);

/* Decodes one value of the basic type given by type[0..type_len) from
 * data[0..size) in normal form. Multi-byte numbers are big-endian when
 * big_endian. -EBADMSG when the data is not that type's normal form (wrong
 * size, a boolean byte that is not 0 or 1, a string without its NUL or not
 * UTF-8); -EOPNOTSUPP (and kind UNSUPPORTED, type filled) for a valid type
 * other than b, y, n, q, i, u, x, t, s; -EINVAL for an invalid type. */
int gvariant_decode(const char *type, size_t type_len, const uint8_t *data, size_t size,
                    bool big_endian, GVariantValue *ret);

/* Decodes a serialised "v" (variant): the child's data, a 0 byte, the
 * child's type string. Returns as gvariant_decode(), except that a missing
 * separator or an invalid child type is -EBADMSG. */
int gvariant_decode_variant(const uint8_t *data, size_t size, bool big_endian,
                            GVariantValue *ret);

/* "true", "300", "'text'" (made safe) or "<type as>" into buf. */
const char *gvariant_format(const GVariantValue *v, char *buf, size_t size);

/* ---- gvdb.c: GVariant database files ---------------------------------------- */

/* A hash table inside a GVDB file: a view into the caller's buffer, which
 * must outlive it. Tables nest (".locks" in dconf's databases). */
typedef struct GvdbTable {
        const uint8_t *data;            /* the whole file */
        size_t size;
        bool big_endian;                /* byte order of the values (per the signature) */

        const uint8_t *bloom;           /* n_bloom_words little-endian uint32 */
        uint32_t n_bloom_words;
        unsigned bloom_shift;
        const uint8_t *buckets;         /* n_buckets little-endian uint32 */
        uint32_t n_buckets;
        const uint8_t *items;           /* n_items records of GVDB_ITEM_SIZE bytes */
        uint32_t n_items;
} GvdbTable;

#define GVDB_HEADER_SIZE 24U
#define GVDB_ITEM_SIZE 24U
/* dconf's databases hold a few thousand keys; a file past this is not one. */
#define GVDB_FILE_MAX (64U * 1024U * 1024U)

/* Checks the header and the root table, every item of it included.
 * -EBADMSG with a static reason in *ret_reason when the file is not a GVDB
 * file or is corrupt or truncated. */
int gvdb_table_open(const void *data, size_t size, GvdbTable *ret, const char **ret_reason);

/* The nested table stored under key (an 'H' item). 1 found, 0 absent,
 * -EBADMSG (with a reason) when it is corrupt. */
int gvdb_table_get_table(const GvdbTable *t, const char *key, GvdbTable *ret,
                         const char **ret_reason);

/* Whether key names a value ('v' item). 1 or 0. */
int gvdb_table_has_value(const GvdbTable *t, const char *key);

/* The value stored under key. 1 found (ret filled), 0 absent, -EBADMSG
 * (with a reason) when the stored variant is corrupt. A valid type this
 * reader does not decode is found (1) with kind GVARIANT_UNSUPPORTED. */
int gvdb_table_get_value(const GvdbTable *t, const char *key, GVariantValue *ret,
                         const char **ret_reason);

/* The serialised variant stored under key (the value, a 0 byte, its
 * type), unchecked. 1 found, 0 absent. */
int gvdb_table_get_raw(const GvdbTable *t, const char *key, const uint8_t **ret_data, size_t *ret_size);
size_t gvdb_table_n_items(const GvdbTable *t);

/* The number of value ('v') items, for summaries. */
size_t gvdb_table_count_values(const GvdbTable *t);

/* ---- dconf-profile.c: /etc/dconf/profile/NAME ------------------------------- */

typedef enum DconfSourceType {
        DCONF_SOURCE_USER,              /* user-db:NAME   ~/.config/dconf/NAME, writable when first */
        DCONF_SOURCE_SERVICE,           /* service-db:NAME kept by the dconf service, writable when first */
        DCONF_SOURCE_SYSTEM,            /* system-db:NAME /etc/dconf/db/NAME */
        DCONF_SOURCE_FILE,              /* file-db:PATH   any GVDB file */
} DconfSourceType;

typedef struct DconfSource {
        DconfSourceType type;
        const char *name;               /* as written after the colon */
        unsigned line;                  /* 1-based; 0 for the built-in default */
} DconfSource;

typedef struct DconfProfile {
        char *data;                     /* the names point into it */
        DconfSource *sources;
        size_t n_sources;
        size_t n_ignored;               /* lines dconf warns about and skips */
        unsigned first_ignored;
} DconfProfile;

/* Parses a profile as dconf does: per line, blanks trimmed, '#' starts a
 * comment, "TYPE:NAME" with a known TYPE and a non-empty NAME is a source,
 * anything else is ignored (and counted). Never fails on content; -ENOMEM. */
int dconf_profile_parse(const char *buf, size_t size, DconfProfile **ret);
/* What dconf uses when no profile file exists: "user-db:user" alone. */
int dconf_profile_new_default(DconfProfile **ret);
DconfProfile *dconf_profile_free(DconfProfile *p);
const char *dconf_source_type_to_string(DconfSourceType t);       /* "system-db" */

static inline void dconf_profile_freep(DconfProfile **p) {
        dconf_profile_free(*p);
}

/* ---- dconf-read.c: the value dconf's engine returns ------------------------ */

typedef struct DconfSourceView {
        const DconfSource *source;
        const GvdbTable *values;        /* NULL: no database (missing or not read) */
        const GvdbTable *locks;         /* NULL: no ".locks" table */
} DconfSourceView;

typedef struct DconfReadResult {
        int source;                     /* index of the source the value came from, -1: none */
        int lock_source;                /* index of the source whose lock applied, -1: none */
        bool writable;                  /* a user's write would take effect */
        GVariantValue value;            /* when source >= 0 */
} DconfReadResult;

/* Reads key the way dconf_engine_read() does with no pending writes: a lock
 * in any source but the first pins the key to that source and the ones
 * after it (the last source holding a lock wins); otherwise the first
 * source holding the key gives the value. Sources are read only when the
 * first one is writable (user-db or service-db), else from the first on.
 * -EBADMSG (with a reason and *ret_bad_source) when a stored value is
 * corrupt. */
int dconf_read(const DconfSourceView *sources, size_t n_sources, const char *key,
               DconfReadResult *ret, int *ret_bad_source, const char **ret_reason);

/* ---- users.c: /etc/passwd, just enough of it ----------------------------- */

typedef struct SlUser {
        const char *name;
        uint32_t uid;
        const char *home;
} SlUser;

typedef struct SlUserList {
        char *data;
        SlUser *users;
        size_t n_users;
        size_t n_malformed;
} SlUserList;

/* The accounts with a UID of at least min_uid, in file order; lines that do
 * not parse are skipped and counted. -ENOMEM only. */
int sl_users_parse(const char *buf, size_t size, uint32_t min_uid, SlUserList **ret);
SlUserList *sl_user_list_free(SlUserList *l);

static inline void sl_user_list_freep(SlUserList **l) {
        sl_user_list_free(*l);
}

/* ---- users.c: /etc/group, for xfconf's "@group" lock lists ---------------------- */

/* Whether user is listed as a member of group in an /etc/group buffer
 * (xfconfd, like getgrent(), looks at the member list only). */
bool sl_group_has_member(const char *group_buf, size_t size, const char *group, const char *user);

/* ---- root-io.c: reading under api->root_fd ---------------------------------- */

/* path is relative to the root ("etc/dconf/profile/user"). Regular files
 * only (-EBADFD otherwise), at most max bytes (-EFBIG). The buffer is
 * NUL-terminated (not counted in *ret_size). ret_st may be NULL. */
int sl_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size,
                 struct stat *ret_st);
/* Like sl_read_file() for files that do not know their size (/proc):
 * read to the end, at most max bytes (the rest is left unread). */
int sl_read_stream(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size);
/* "Permission denied"; "not a regular file" for -EBADFD, "larger than ..." for -EFBIG. */
const char *sl_error_text(int r);

/* An absolute path from a file (a home directory, a file-db path) made
 * relative to the root: leading slashes dropped. -EINVAL for a relative
 * path, a ".." component or an empty result. */
int sl_path_relative(const char *abs, char *buf, size_t size);

/* Text that is safe to show: control characters become '?', at most max
 * bytes are kept ("..." when cut). out is always NUL-terminated. */
const char *sl_text_safe(const char *s, size_t max, char *out, size_t out_size);

/* "2024-05-01 09:30:12 UTC" */
const char *sl_format_time(const struct timespec *ts, char *buf, size_t size);

/* ---- screenlock-plugin.c and screenlock-check.c: one evaluation ------------- */

struct SlSessionSource;
struct SlIdleTracker;

typedef struct Screenlock {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        int root_fd;

        /* screenlock.sessions and the logind fallback (screenlock-sessions.h) */
        struct SlSessionSource *sessions;       /* NULL until first needed */
        uint64_t (*clock)(void *userdata);      /* NULL: CLOCK_MONOTONIC */
        void *clock_data;
        struct SlIdleTracker *idle;

        /* watch() */
        sd_event_source *idle_timer;
        sd_event_source *inotify_source;
        int inotify_fd;
        uint64_t fallback_limit_sec;            /* 0: no fallback lock */
} Screenlock;

typedef struct ScreenlockParams {
        uint64_t max_idle_sec;          /* 1 .. UINT32_MAX */
        uint64_t max_lock_delay_sec;    /* 0 .. UINT32_MAX */
} ScreenlockParams;

/* One evaluation of one rule: counts findings so that a machine with
 * thousands of homes cannot flood the host. */
typedef struct SlEval {
        const Screenlock *s;
        const struct mamori_rule *rule;
        unsigned n_emitted;
        unsigned n_suppressed;
        unsigned n_fail;
        unsigned n_error;
        bool quiet;                     /* count only, send nothing (a look-up for another check) */
} SlEval;

#define SL_MAX_FINDINGS 100U
#define SL_EVIDENCE_MAX 1024U

/* A rule's params (defaults filled in); -EINVAL when they do not validate. */
int sl_rule_params(const struct mamori_rule *r, ScreenlockParams *ret);

/* One finding to the host (evidence made safe); past SL_MAX_FINDINGS only
 * counted. FAIL and ERROR are counted either way. */
int sl_emit(SlEval *e, mamori_status status, const char *subject, const char *fmt, ...)
        SL_PRINTF(4, 5);

/* screenlock.policy: every outcome through sl_emit(); a negative errno
 * only for -ENOMEM or a host that refused a finding. */
int screenlock_check_policy(SlEval *e, const ScreenlockParams *p);

/* ---- screenlock-settings.c: the dconf keys of each GNOME-family desktop ---- */

/* What a key means for the lock, whatever the desktop calls it. */
typedef enum SlRole {
        ROLE_IDLE_DELAY,                /* time before the session counts as idle; 0: never */
        ROLE_LOCK_ENABLED,              /* must be true */
        ROLE_LOCK_DELAY,                /* time from blanking to locking */
        ROLE_IDLE_ACTIVATION,           /* must be true: the screensaver starts when idle */
        ROLE_DISABLE_LOCK_SCREEN,       /* must be false */
        ROLE_LOCK_AFTER_SAVER,          /* light-locker: like lock-delay, but 0 means never */
} SlRole;

typedef struct KeySpec {
        const char *path;               /* "/org/gnome/desktop/session/idle-delay" */
        const char *name;               /* "idle-delay" */
        GVariantKind kind;              /* the schema's type: BOOLEAN, UINT32 or INT32 */
        SlRole role;
        unsigned unit;                  /* seconds per stored unit: 1, or 60 for minutes */
        int64_t default_n;              /* the schema's default */
        bool default_b;
        const char *why;                /* what a bad value does, when not the role's usual text */
} KeySpec;

/* A desktop whose lock settings are GSettings keys in dconf. */
typedef struct DconfDesktop {
        const char *name;               /* "GNOME", "Cinnamon", "MATE", "light-locker" */
        const char *const *markers;     /* NULL-terminated; any one present: installed */
        const KeySpec *keys;
        size_t n_keys;
} DconfDesktop;

#define SL_DESKTOP_KEYS_MAX 8

extern const DconfDesktop sl_dconf_gnome;
extern const DconfDesktop sl_dconf_cinnamon;
extern const DconfDesktop sl_dconf_mate;
extern const DconfDesktop sl_dconf_light_locker;
/* All of the above, NULL-terminated, GNOME first. */
extern const DconfDesktop *const sl_dconf_desktops[];

/* Whether any of the NULL-terminated markers exists under the root; the
 * first one found in *ret_found (may be NULL). */
bool sl_any_marker(int root_fd, const char *const *markers, const char **ret_found);

#define SL_PATH_MAX 4096
#define SL_NAME_SHOW 64
#define SL_MAX_SOURCES 64

/* One database file: system-db, file-db, or one user's user-db. */
typedef struct SlDb {
        DconfSourceType type;
        char *name;                     /* system-db/file-db name as the profile wrote it */
        char display[SL_PATH_MAX];      /* "/etc/dconf/db/local", made safe */
        int state;                      /* 1 loaded, 0 missing, < 0 unreadable or corrupt */
        const char *reason;             /* for state < 0: why */
        char *data;
        size_t size;
        struct stat st;
        GvdbTable values;
        GvdbTable locks;
        bool has_locks;
        bool reported;                  /* its problem was already emitted */
} SlDb;

/* One evaluation of screenlock.policy. */
typedef struct SlCtx {
        SlEval *e;
        const ScreenlockParams *p;
        int root_fd;

        DconfProfile *profile;          /* the system's "user" profile */
        char profile_path[SL_PATH_MAX]; /* "" when dconf falls back to its default */

        SlDb **dbs;                     /* system and file databases, loaded once */
        size_t n_dbs;

        bool broken;                    /* a database could not be read: no verdict on values */
        unsigned n_users_checked;

        /* The installed dconf desktops this evaluation checks, and the
         * problems found for each: a desktop passes only with none, and
         * with none in the shared part (profile, databases, keyfiles). */
        const DconfDesktop *desktops[8];
        size_t n_desktops;
        unsigned desk_bad[8];
        unsigned shared_bad;
} SlCtx;

/* A profile's sources with their databases, as dconf_read() takes them. */
typedef struct SlViews {
        DconfSourceView v[SL_MAX_SOURCES];
        const char *display[SL_MAX_SOURCES];    /* file shown in evidence, "" when none */
        size_t n;
        bool truncated;
} SlViews;

typedef struct SlEffective {
        DconfReadResult read;
        bool wrong_type;                /* a database held it with another type: default used */
        int64_t n;                      /* numbers: what GSettings hands the desktop */
        bool b;
} SlEffective;

int sl_read_key(const SlViews *views, const KeySpec *ks, SlEffective *ret, int *ret_bad_source,
                const char **ret_reason);
/* "900 s", "15 min" or "true" */
const char *sl_effective_text(const KeySpec *k, const SlEffective *e, char *buf, size_t size);
/* What breaks the rule's limits, or NULL. */
const char *sl_effective_violation(const KeySpec *k, const SlEffective *e, const ScreenlockParams *p,
                                   char *buf, size_t size);
/* "from system-db:local (/etc/dconf/db/local), locked", or why the
 * schema default applies. */
const char *sl_effective_origin(const KeySpec *k, const SlEffective *e, const DconfProfile *prof,
                                const SlViews *views, char *buf, size_t size);
/* "one", "two", ... "eight", else the digits. */
const char *sl_count_word(size_t n, char *buf, size_t size);

/* One finding about desktop d of the context (counted against it). */
int sl_emit_desk(SlCtx *c, size_t d, mamori_status status, const char *subject, const char *fmt, ...)
        SL_PRINTF(5, 6);

/* ---- screenlock-sources.c: the profile and its databases -------------------- */

SlDb *sl_db_free(SlDb *db);
/* Loads rel (relative to the root) into db; the outcome is in db->state.
 * Fails only with -ENOMEM. */
int sl_db_load(int root_fd, const char *rel, SlDb *db);
/* The database a system-db or file-db source names, loaded on first use;
 * *ret NULL for other sources. */
int sl_ctx_db(SlCtx *c, const DconfSource *src, SlDb **ret);
const char *sl_source_label(const DconfSource *s, char *buf, size_t size);   /* "system-db:local" */
const char *sl_name_safe(const char *s, char *buf, size_t size);
const char *sl_first_system_db(const DconfProfile *p);
/* Views of prof's sources; user-db sources take user_dbs[i] (NULL: the
 * machine's view, no user values). *ret_broken when a database is
 * unreadable (*ret_bad_db names it). */
int sl_views_build(SlCtx *c, const DconfProfile *prof, SlDb *const *user_dbs, SlViews *ret,
                   bool *ret_broken, SlDb **ret_bad_db);
/* Finds and parses the "user" profile; reports a missing or unusable one. */
int sl_profile_load(SlCtx *c);
/* Reports the profile's databases that are missing, unreadable or corrupt. */
int sl_check_profile_databases(SlCtx *c);

/* ---- screenlock-stale.c, screenlock-users.c ----------------------------------- */

/* screenlock.policy for the installed dconf desktops (screenlock-dconf.c). */
int sl_check_dconf(SlEval *e, const ScreenlockParams *p, const DconfDesktop *const *desktops, size_t n);

/* The machine's view of one key (the profile and its system databases,
 * no user database), found quietly for another check. -EIO when the
 * profile or a database cannot be read. */
int sl_dconf_machine_key(Screenlock *s, const KeySpec *ks, SlEffective *ret);

/* Keyfiles under /etc/dconf/db/NAME.d/ newer than /etc/dconf/db/NAME. */
int sl_check_stale(SlCtx *c);
/* Each account from UID 1000 up with a dconf database or profile of its
 * own: what it changes that breaks the limits. */
int sl_check_users(SlCtx *c);

/* The exported plugin, declared for tests that drive it directly. */
extern MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin;
