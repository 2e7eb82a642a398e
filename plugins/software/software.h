/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The software plugin: installed packages against the approved set, new
 * executables in places staff can write, who may install software, the
 * antivirus engine and its signatures, pending security updates
 * (詳細編 7.1(13)①②③, 7.4(1), 7.4(4)⑤, 7.5(1)③).
 *
 * Private to the plugin: it includes only mamori-plugin.h from the agent, so
 * the few helpers it needs live here. The parsers (stanza.c, dpkg-status.c,
 * debversion.c, cvd.c, pkglog.c, approved.c, users.c, polkit.c) are pure: a
 * buffer in, a struct or a negative errno out, so that they can be fuzzed
 * and tested without a root. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "mamori-plugin.h"

#ifndef _cleanup_
#define _cleanup_(f) __attribute__((cleanup(f)))
#endif
#define SW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SW_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void sw_freep(void *p) {
        free(*(void **) p);
}

static inline void sw_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_sw_free_ _cleanup_(sw_freep)
#define _cleanup_sw_close_ _cleanup_(sw_closep)

/* Files read whole. dpkg's status is ~3 MiB on a full desktop and apt's
 * security Packages list ~2 MiB; 64 MiB is past anything real. */
#define SW_FILE_MAX (64U * 1024U * 1024U)

/* ---- text.c: slices, numbers, dates and evidence text ------------------- */

typedef struct Slice {
        const char *p;                  /* NULL: absent */
        size_t n;
} Slice;

bool slice_eq(Slice s, const char *lit);
bool slice_eq_ci(Slice s, const char *lit);     /* ASCII case-insensitive */

/* Text that is safe to show on one line and over D-Bus: control characters
 * and bytes that are not valid UTF-8 become '?', and at most max bytes are
 * kept ("..." when cut). Never fails: out is always NUL-terminated. */
const char *text_safe(const char *s, size_t max, char *out, size_t out_size);

/* A whole decimal number, nothing else. */
int parse_u64(const char *s, uint64_t *ret);
int parse_u64_n(const char *s, size_t n, uint64_t *ret);

/* "90s", "15m", "12h", "2d", "1w", "1d12h"; a bare number is seconds.
 * At most ten years; zero is refused. */
int parse_duration(const char *s, uint64_t *ret_sec);
/* "3 days", "5 hours", "40 minutes", "12 seconds": rounded down to the
 * largest unit that fits. */
const char *format_duration(uint64_t sec, char *buf, size_t size);
/* "2026-11-20", UTC. */
const char *format_date(int64_t t, char *buf, size_t size);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
/* "Jan".."Dec" (case-insensitive, first three letters) -> 1..12, else 0. */
unsigned month_from_name(const char *s, size_t n);
/* RFC 2822 dates as apt's Release files write them:
 * "Sat, 25 Nov 2023 10:35:12 UTC" (also "+0000", "GMT", "Z"). */
int parse_rfc2822_date(const char *s, size_t n, int64_t *ret);

/* ---- root.c: files under the host's root prefix -------------------------- */

/* Reads path (relative to root_fd; leading '/' ignored) whole, NUL-terminated
 * after size. Regular files only (-EBADFD otherwise), at most max bytes
 * (-EFBIG). */
int root_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size);
const char *root_error_text(int r);

/* ---- stanza.c: deb822 paragraphs (dpkg status, apt Packages) ------------- */

#define STANZA_FIELDS_MAX 12

typedef struct StanzaReader {
        const char *p, *end;
        unsigned line;                  /* lines consumed so far */
} StanzaReader;

typedef struct Stanza {
        unsigned line;                  /* 1-based line of its first field */
        bool malformed;                 /* a line that is no field, a stray continuation,
                                         * a NUL byte, a wanted field given twice */
        Slice values[STANZA_FIELDS_MAX];        /* by index into wanted; .p NULL if absent */
} Stanza;

void stanza_reader_init(StanzaReader *r, const char *buf, size_t size);
/* The next paragraph: 1 and *ret filled, 0 at the end. Values are slices of
 * the buffer, trimmed; a wanted field with continuation lines spans them
 * (line breaks included). Field names match ASCII case-insensitively.
 * Never allocates. */
int stanza_reader_next(StanzaReader *r, const char *const *wanted, size_t n_wanted,
                       Stanza *ret);

/* ---- dpkg-status.c: the package inventory -------------------------------- */

typedef enum PkgState {
        PKG_NOT_INSTALLED,
        PKG_CONFIG_FILES,
        PKG_HALF_INSTALLED,
        PKG_UNPACKED,
        PKG_HALF_CONFIGURED,
        PKG_TRIGGERS_AWAITED,
        PKG_TRIGGERS_PENDING,
        PKG_INSTALLED,
        _PKG_STATE_MAX,
        _PKG_STATE_INVALID = -EINVAL,
} PkgState;

const char *pkg_state_to_string(PkgState s);
PkgState pkg_state_from_slice(Slice s);

typedef struct Package {
        const char *name;               /* "vim", "flatpak:org.gnome.Maps", "snap:firefox" */
        const char *arch;               /* "amd64", "all"; "" when none */
        const char *version;
        PkgState state;                 /* PKG_HALF_INSTALLED .. PKG_INSTALLED */
        bool reinstreq;                 /* dpkg's "reinstreq" flag */
        unsigned line;                  /* where it was read, 0: not from a file */
} Package;

typedef struct Inventory {
        char *data;                     /* the parsed copy the strings point into */
        char **owned;                   /* strings added one by one */
        size_t n_owned, n_owned_allocated;
        Package *packages;              /* sorted by name, then arch, after inventory_sort() */
        size_t n_packages, n_allocated;
        size_t n_not_installed;         /* stanzas of packages with no files on disk */
        size_t n_malformed;             /* stanzas or lines skipped */
        unsigned first_malformed;       /* 1-based line of the first, 0: none */
} Inventory;

Inventory *inventory_new(void);
Inventory *inventory_free(Inventory *inv);
static inline void inventory_freep(Inventory **p) {
        inventory_free(*p);
}
#define _cleanup_inventory_ _cleanup_(inventory_freep)

/* Adds a package; copy: the strings are duplicated (else borrowed from
 * inv->data or static storage). */
int inventory_add(Inventory *inv, const char *name, const char *arch, const char *version,
                  PkgState state, bool copy);
/* Sorts by name, arch; a later duplicate of name:arch is dropped and
 * counted as malformed. */
void inventory_sort(Inventory *inv);
const Package *inventory_find(const Inventory *inv, const char *name, const char *arch);
/* The first package of that name (any architecture), or NULL. */
const Package *inventory_find_name(const Inventory *inv, const char *name);

/* Characters of the three fields, so they fit the approved set's format. */
bool pkg_name_is_valid(const char *s, size_t n);
bool pkg_arch_is_valid(const char *s, size_t n);
bool pkg_version_is_valid(const char *s, size_t n);

/* /var/lib/dpkg/status: packages whose files are on disk (half-installed
 * up to installed). Not-installed and config-files stanzas are counted,
 * malformed ones skipped and counted. -ENOMEM only. */
int dpkg_status_parse(const char *buf, size_t size, Inventory **ret);

/* ---- debversion.c: Debian Policy §5.6.12 --------------------------------- */

/* <0, 0, >0 as dpkg --compare-versions lt/eq/gt. Total on any strings:
 * what dpkg would refuse still compares consistently. */
int deb_version_compare(const char *a, const char *b);

/* ---- cvd.c: ClamAV signature database headers ---------------------------- */

#define CVD_HEADER_SIZE 512

typedef struct CvdHeader {
        uint64_t version;               /* "daily" version, e.g. 27100 */
        uint64_t signatures;
        uint64_t flevel;                /* functionality level required */
        int64_t build_time;             /* seconds since the epoch; -1 unknown */
        char builder[33];
} CvdHeader;

/* The first bytes of a .cvd or .cld file:
 * "ClamAV-VDB:16 Apr 2020 07-58 -0400:25784:2267600:63:<md5>:<dsig>:raynman:1587038339",
 * padded with spaces to 512 bytes. -EINVAL: not a CVD header; -EBADMSG:
 * a field that does not parse. */
int cvd_header_parse(const void *buf, size_t size, CvdHeader *ret);

/* ---- pkglog.c: who installed what, and when ------------------------------ */

typedef struct Attribution {
        const char *name, *arch;        /* what to look for; arch "" matches any */
        char dpkg_when[20];             /* latest dpkg.log entry, "2026-11-20 10:01:02" */
        char apt_when[20];              /* Start-Date of the latest apt run that did it */
        char apt_end[20];               /* its End-Date */
        char who[64];                   /* Requested-By, "root" for a plain root run, "" unknown */
} Attribution;

/* Items sorted by name, then arch (attribution_cmp). Each scan keeps the
 * latest entry per item. Times stay in the logs' local time, as text: they
 * are only compared with each other and shown. */
void pkglog_scan_dpkg(const char *buf, size_t size, Attribution *items, size_t n);
void pkglog_scan_history(const char *buf, size_t size, Attribution *items, size_t n);
int attribution_cmp(const void *a, const void *b);

/* ---- approved.c: the approved set, stored with state_put ------------------ */

#define APPROVED_MAGIC "# mamori software approved-set 1"

/* One "NAME ARCH VERSION" line per package ('-' for no arch), sorted, after
 * the magic line. */
int approved_format(const Inventory *inv, char **ret, size_t *ret_size);
int approved_parse(const char *buf, size_t size, Inventory **ret);

typedef enum DiffKind {
        DIFF_INSTALLED,
        DIFF_REMOVED,
        DIFF_CHANGED,
        DIFF_UNFINISHED,                /* same version, but dpkg did not finish */
} DiffKind;

typedef struct PkgDiff {
        DiffKind kind;
        const Package *old, *cur;       /* old NULL for installed, cur NULL for removed */
} PkgDiff;

/* Both sorted. */
int inventory_diff(const Inventory *approved, const Inventory *current, PkgDiff **ret,
                   size_t *ret_n);

/* ---- users.c: /etc/passwd and /etc/group, the little this plugin needs --- */

typedef struct UserEntry {
        const char *name;
        uint32_t uid, gid;
} UserEntry;

typedef struct GroupEntry {
        const char *name;
        uint32_t gid;
        const char *members;            /* "taro,hanako" */
} GroupEntry;

typedef struct UserDb {
        char *passwd_data, *group_data;
        UserEntry *users;
        size_t n_users;
        GroupEntry *groups;
        size_t n_groups;
} UserDb;

int userdb_parse_passwd(UserDb *db, const char *buf, size_t size);
int userdb_parse_group(UserDb *db, const char *buf, size_t size);
void userdb_done(UserDb *db);
const UserEntry *userdb_user_by_uid(const UserDb *db, uint32_t uid);
const UserEntry *userdb_user_by_name(const UserDb *db, const char *name);
bool group_has_member(const GroupEntry *g, const char *name);

/* ---- polkit.c: PackageKit's actions and the rules around them ------------ */

typedef struct PolkitAction {
        char id[128];
        char allow_any[32], allow_inactive[32], allow_active[32];       /* "" when absent */
} PolkitAction;

/* The <action> elements of a .policy file (comments skipped). -EBADMSG when
 * none parses. */
int polkit_policy_parse(const char *buf, size_t size, PolkitAction **ret, size_t *ret_n);
/* Whether an implicit authorisation asks for an administrator (or refuses). */
bool polkit_result_is_restricted(const char *v);
/* A JavaScript rules file that mentions PackageKit and can return
 * polkit.Result.YES, unless its only subject tests are membership of
 * admin_groups: conservative, comments ignored. */
bool polkit_js_grants_packagekit(const char *buf, size_t size, const char *const *admin_groups);
/* A .pkla file with a section whose Action matches one of actions, whose
 * ResultAny/ResultInactive/ResultActive is yes, and whose Identity is not
 * only admin_groups. */
bool polkit_pkla_grants(const char *buf, size_t size, const char *const *actions,
                        const char *const *admin_groups);

/* The PackageKit actions that install, remove or change software. */
extern const char *const packagekit_install_actions[];
#define MAMORI_POLKIT_RULE_FILE "49-mamori-packagekit.rules"
/* The rule file mamori writes with enforce: true. */
const char *polkit_mamori_rule_text(void);

/* ---- software-plugin.c: the glue every check shares ---------------------- */

typedef struct Software {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        int root_fd;
        const char *root;

        /* watch(): inotify on var/lib/dpkg, debounced */
        int inotify_fd;
        sd_event_source *inotify_source;
        sd_event_source *debounce_source;
} Software;

typedef struct SoftwareParams {
        const char *const *paths;
        const char *const *allowed;
        const char *const *admins;
        const char *const *groups;
        long max_depth, max_files;
        uint64_t max_age;               /* seconds */
        uint64_t max_list_age;          /* seconds */
} SoftwareParams;

typedef struct Eval {
        Software *s;
        const struct mamori_rule *rule;
        unsigned n_failed;              /* FAIL findings emitted */
        unsigned n_suppressed;          /* FAIL findings past the cap, not emitted */
} Eval;

#define EVIDENCE_MAX 512

int eval_emit(Eval *e, mamori_status status, const char *subject, const char *fmt, ...)
        SW_PRINTF(4, 5);

/* Reads var/lib/dpkg/status, flatpak and snap apps under the root. */
int inventory_load(int root_fd, bool with_apps, Inventory **ret);
/* Adds flatpak and snap apps found under the root (missing dirs: none). */
int inventory_add_apps(Inventory *inv, int root_fd);

/* Who and when for each diff entry, from var/log/dpkg.log and apt's
 * history.log (rotated .1 files too). items: one per diff, same order. */
int attribution_load(int root_fd, const PkgDiff *diffs, size_t n, Attribution **ret);
/* " by taro on 2026-11-20", or "" */
const char *attribution_text(const Attribution *a, char *buf, size_t size);
/* One line per diff entry, as evidence and as `list` output. */
const char *pkg_diff_text(const PkgDiff *d, const Attribution *a, char *buf, size_t size);
const char *pkg_subject(const Package *p, char *buf, size_t size);

/* The checks. */
int check_approved_packages(Eval *e, const SoftwareParams *p);
int check_user_executables(Eval *e, const SoftwareParams *p);
int check_install_restricted(Eval *e, const SoftwareParams *p);
int check_antivirus(Eval *e, const SoftwareParams *p);
int check_security_updates(Eval *e, const SoftwareParams *p);

/* Actions of check-packages.c. */
int packages_accept(Software *s);
int packages_list(Software *s);
int action_printf(Software *s, const char *fmt, ...) SW_PRINTF(2, 3);
