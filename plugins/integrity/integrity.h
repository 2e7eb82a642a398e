/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The integrity plugin: configuration drift of watched files and directories
 * against an accepted baseline (詳細編 7.5(1)④⑤, 7.1(13)①②③④), in real time
 * through inotify and on the rule's schedule through a full scan.
 *
 * Private to the plugin: the plugin includes only mamori-plugin.h from the
 * agent, so the helpers it needs live here. The pure parts (glob.c,
 * baseline.c, dpkg-status.c, the diff in record.c) take buffers and return
 * structs or a negative errno, never touch the file system, and are fuzzed
 * or unit-tested directly. */

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
#define IG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define IG_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void ig_freep(void *p) {
        free(*(void **) p);
}

static inline void ig_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_ig_free_ _cleanup_(ig_freep)
#define _cleanup_ig_close_ _cleanup_(ig_closep)

#define IG_CHECK "integrity.no-drift"
#define USEC_PER_SEC_IG UINT64_C(1000000)
#define IG_PATH_MAX 4096

/* ---- util.c: text, paths, string pool ---------------------------------- */

/* s with control bytes (and DEL) written as \xNN, cut at max input bytes
 * with a trailing "…": evidence and events stay one line whatever a file
 * name holds. Returns buf. */
const char *text_safe(const char *s, size_t max, char *buf, size_t size);

void hex_encode(const uint8_t *data, size_t n, char *out);      /* out: 2n+1 */
int hex_decode(const char *s, size_t len, uint8_t *out);        /* len even; -EINVAL */

/* The order of records: byte order, except that '/' sorts before every other
 * byte. So a directory's subtree ("/etc/a/...") follows the directory at
 * once, before "/etc/a-b", and a subtree is one contiguous range. */
int path_compare(const char *a, const char *b);

/* path is dir, or lies below it. "/" is above everything. */
bool path_is_under(const char *path, const char *dir);

/* An absolute path in the one form records use: "/" first, no "//", no
 * trailing "/", no "." or ".." components, no control bytes, at most
 * IG_PATH_MAX - 1 bytes. -EINVAL otherwise. */
int path_normalize(const char *in, char **ret);
bool path_is_normal(const char *p, size_t len);

/* "/etc/passwd" -> "etc/passwd", "/" -> ".": for openat(root_fd, ...). */
const char *path_rel(const char *abs);

/* dir + "/" + name, with dir "/" giving "/name". NULL on overflow or ENOMEM. */
char *path_join(const char *dir, const char *name);

uint64_t clock_usec(int clock);

/* A whole regular file at path under dirfd (not following a final symlink),
 * NUL-terminated; -EFBIG past max bytes. */
int read_file_under(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size);

/* Interned strings (package names and versions): one copy each, alive until
 * the pool is freed, so records can share them by pointer. */
typedef struct StrPool StrPool;
StrPool *strpool_new(void);
StrPool *strpool_free(StrPool *p);
const char *strpool_intern(StrPool *p, const char *s, size_t len);    /* NULL: ENOMEM */

/* A map of owned string keys to pointers (open addressing). */
typedef struct StrMap StrMap;
StrMap *strmap_new(void);
StrMap *strmap_free(StrMap *m);
int strmap_put(StrMap *m, const char *key, size_t len, void *value);  /* replaces */
void *strmap_get(const StrMap *m, const char *key);         /* NULL: none */
void strmap_remove(StrMap *m, const char *key);
size_t strmap_size(const StrMap *m);

/* ---- glob.c: exclusion patterns ------------------------------------------ */

/* Shell-like patterns over paths:
 *   *       any run of bytes but '/'
 *   ?       one byte but '/'
 *   [...]   one byte of the set but '/': ranges a-z, negation [!...] or [^...],
 *           a ']' first in the set is literal
 *   **      any run of bytes including '/'; when it is a whole component (between
 *           two slashes, or first and followed by one) it also stands for no
 *           directory at all, so /etc/(**)/x matches /etc/x as well as /etc/a/b/x
 *           (parentheses only to keep this comment open)
 *   \c      c itself
 * Bytes, not characters: '?' matches one byte of a UTF-8 sequence. Matching
 * is a set-of-states walk, linear in pattern × path, so no pattern can make
 * it take exponential time. */
#define GLOB_PATTERN_MAX 1024
typedef struct Glob Glob;
int glob_compile(const char *pattern, Glob **ret);      /* -EINVAL syntax, -E2BIG too long */
Glob *glob_free(Glob *g);
bool glob_match(const Glob *g, const char *s);
bool glob_has_slash(const Glob *g);     /* matches whole paths, not base names */
/* compile + match + free: 1 match, 0 no match, negative errno: bad pattern */
int glob_match_pattern(const char *pattern, const char *s);

/* ---- params.c: what a rule watches --------------------------------------- */

typedef enum Attr {
        ATTR_CONTENT = 1U << 0,
        ATTR_MODE = 1U << 1,
        ATTR_OWNER = 1U << 2,
        ATTR_SIZE = 1U << 3,
        ATTR_MTIME = 1U << 4,
        ATTR_INODE = 1U << 5,
        ATTR_LINK = 1U << 6,
        ATTR_XATTRS = 1U << 7,
        _ATTR_ALL = (1U << 8) - 1,
        /* Not attributes a rule can pick: kinds of change. */
        CHANGE_TYPE = 1U << 8,
        CHANGE_ADDED = 1U << 9,
        CHANGE_REMOVED = 1U << 10,
} Attr;

/* Default: everything but mtime and inode. Both change whenever a file is
 * rewritten with the same bytes (editors and configuration tools that write
 * a copy and rename it over, "dpkg --reinstall", "touch"): for an
 * administrator that is noise, not drift. What decides security (content,
 * permissions, owner, link target, security labels) is all compared. */
#define ATTR_DEFAULT (_ATTR_ALL & ~(ATTR_MTIME | ATTR_INODE))

const char *attr_name(Attr a);
int attr_from_name(const char *s);      /* the Attr bit, or -EINVAL */

/* The part of a rule that says which paths are covered; kept with a
 * baseline too, so that a changed watch list is not mistaken for drift. */
typedef struct WatchSet {
        char **paths;                   /* normalised, sorted by path_compare, unique */
        size_t n_paths;
        char **excludes;                /* as written */
        Glob **globs;
        size_t n_excludes;
        bool recursive;
} WatchSet;

#define WATCH_PATHS_MAX 256
#define WATCH_EXCLUDES_MAX 256

typedef struct Spec {
        WatchSet set;
        uint32_t attrs;
        uint64_t io_rate;               /* bytes per second for full scans, 0: no cap */
        bool deep;
} Spec;

int spec_parse(const struct mamori_rule *r, Spec **ret, size_t *reterr_param, char *msg,
               size_t msg_size);
Spec *spec_free(Spec *s);

/* Fills set from paths and exclude patterns (copied). -EINVAL on a bad path
 * or pattern. */
int watchset_init(WatchSet *set, const char *const *paths, size_t n_paths,
                  const char *const *excludes, size_t n_excludes, bool recursive);
void watchset_done(WatchSet *set);
bool watchset_equal(const WatchSet *a, const WatchSet *b);

/* Whether path is one the set records: at or below an entry (one level only
 * when not recursive) and no component below the entry excluded. */
bool watchset_covers(const WatchSet *set, const char *path);
/* Whether a file named name at path (name is path's last component) is
 * excluded by a pattern. */
bool watchset_excluded(const WatchSet *set, const char *path, const char *name);
/* Whether the directory at path (covered) has its entries covered too. */
bool watchset_descends(const WatchSet *set, const char *path);

/* ---- record.c: what is known about one path -------------------------------- */

typedef enum RecType {
        REC_FILE = 'f',
        REC_DIR = 'd',
        REC_LINK = 'l',
        REC_CHR = 'c',
        REC_BLK = 'b',
        REC_FIFO = 'p',
        REC_SOCK = 's',
} RecType;

/* The extended attributes that carry security labels and rights. */
typedef enum XattrId {
        XATTR_SELINUX,
        XATTR_CAPABILITY,
        XATTR_IMA,
        XATTR_ACL_ACCESS,
        _XATTR_MAX,
} XattrId;

/* Values past this are kept as their SHA-256: real labels and ACLs are far
 * smaller (an ACL entry is 8 bytes), and the record must stay bounded. */
#define XATTR_VALUE_MAX 1024

typedef struct Xattrs {
        uint8_t present;                /* bit per XattrId */
        uint8_t hashed;                 /* value is the SHA-256 of the real one */
        uint16_t len[_XATTR_MAX];
        uint8_t *value[_XATTR_MAX];
} Xattrs;

const char *xattr_name(XattrId id);

#define REC_HAS_HASH 0x01U
/* The file changed within the clock tick of the scan that recorded it: its
 * mtime cannot prove that it did not change again, so hash it next time. */
#define REC_RACY 0x02U
#define REC_HAS_LINK 0x04U
#define REC_HAS_PKG 0x08U
#define REC_HAS_XATTRS 0x10U
#define _REC_FLAGS_ALL 0x1FU

typedef struct Record {
        char *path;
        char *link;                     /* symlink target */
        Xattrs *xattrs;                 /* NULL: none of ours set */
        const char *pkg;                /* interned: the dpkg package owning it, or NULL */
        const char *pkg_version;        /* interned: its version when recorded */
        uint64_t size;
        uint64_t ino;
        int64_t mtime_sec, ctime_sec;
        uint32_t mtime_nsec, ctime_nsec;
        uint32_t mode;                  /* permission bits, 07777 */
        uint32_t uid, gid;
        uint8_t type;                   /* RecType */
        uint8_t flags;                  /* REC_* */
        uint8_t sha256[32];
} Record;

void record_done(Record *r);
int record_copy(const Record *from, Record *to);

typedef struct RecordSet {
        Record *items;                  /* sorted by path_compare, unique */
        size_t n, allocated;
} RecordSet;

void recordset_done(RecordSet *s);
int recordset_push(RecordSet *s, Record *r);            /* takes *r; no order check */
void recordset_sort(RecordSet *s);                      /* and drops duplicates */
Record *recordset_find(const RecordSet *s, const char *path);
/* First index whose path is not before path. */
size_t recordset_lower_bound(const RecordSet *s, const char *path);
/* [*ret_lo, *ret_hi): path itself, and its subtree when tree. */
void recordset_range(const RecordSet *s, const char *path, bool tree, size_t *ret_lo, size_t *ret_hi);
/* Replaces [lo, hi) of s with all of with (sorted, and fitting there). Takes
 * with's records. */
int recordset_splice(RecordSet *s, size_t lo, size_t hi, RecordSet *with);

/* Which of attrs (plus CHANGE_*) differ from a to b; either may be NULL
 * (absent). Directories' size and mtime follow their entries, which are
 * reported themselves, and a symlink's size is its target's length, so
 * those are not compared. */
uint32_t record_diff(const Record *a, const Record *b, uint32_t attrs);

/* "content changed (sha256 ab12cd34… -> 9f8e7d6c…), mode 0440 -> 0644" */
void record_describe(const Record *a, const Record *b, uint32_t changed, char *buf, size_t size);
/* "added (file, 12 bytes, mode 0644, owner 0:0, sha256 ab12cd34…)" etc. */
void record_summary(const Record *r, char *buf, size_t size);
const char *rec_type_name(uint8_t type);

/* ---- dpkg-status.c, dpkg.c: who installed a file --------------------------- */

typedef struct DpkgConffile {
        char *path;                     /* "/etc/sudoers" */
        uint8_t md5[16];
        size_t package;                 /* index into DpkgStatus.packages */
} DpkgConffile;

typedef struct DpkgPackage {
        char *name;
        char *arch;                     /* may be NULL */
        char *version;                  /* may be NULL */
        char *status;                   /* "install ok installed"; may be NULL */
        bool installed;                 /* status says the files are on disk */
} DpkgPackage;

typedef struct DpkgStatus {
        DpkgPackage *packages;
        size_t n_packages;
        DpkgConffile *conffiles;
        size_t n_conffiles;
        size_t n_malformed;             /* stanzas or lines skipped */
} DpkgStatus;

/* /var/lib/dpkg/status (deb822 stanzas): Package, Architecture, Version,
 * Status, Conffiles; other fields are skipped. Malformed stanzas (no
 * Package, a field twice, a line that is neither a field nor a
 * continuation, values past DPKG_VALUE_MAX) are skipped and counted, as are
 * Conffiles lines that do not read "/path md5"; only ENOMEM and EFBIG (past
 * DPKG_STATUS_MAX) fail. */
#define DPKG_VALUE_MAX 256
#define DPKG_STATUS_MAX (64U * 1024U * 1024U)
int dpkg_status_parse(const char *buf, size_t size, DpkgStatus **ret);
DpkgStatus *dpkg_status_free(DpkgStatus *s);
/* key: "name" or "name:arch" as dpkg's info/NAME.list files are named. */
const DpkgPackage *dpkg_status_find(const DpkgStatus *s, const char *key);

typedef struct Dpkg Dpkg;
Dpkg *dpkg_new(int root_fd, StrPool *pool);
Dpkg *dpkg_free(Dpkg *d);
/* (Re)load the database when it changed on disk or prefixes differ: only
 * files under one of prefixes are indexed. -ENOENT: no dpkg under the root. */
int dpkg_refresh(Dpkg *d, char *const *prefixes, size_t n_prefixes);
/* The package owning path and its version now (interned), or -ENOENT. */
int dpkg_owner(Dpkg *d, const char *path, const char **ret_pkg, const char **ret_version);
/* The MD5 the package recorded for path (md5sums, or Conffiles). -ENOENT. */
int dpkg_md5(Dpkg *d, const char *pkg, const char *path, uint8_t ret[16]);
/* The version of the package of that key installed now, or NULL. */
const char *dpkg_version(Dpkg *d, const char *pkg);
bool dpkg_is_loaded(const Dpkg *d);
/* Whether path is a package's conffile: the administrator's to edit. */
bool dpkg_is_conffile(Dpkg *d, const char *path);
/* Whether dpkg (or apt through it) holds its lock now: files may be half
 * unpacked and the checksums not yet the new ones. */
bool dpkg_is_busy(Dpkg *d);

/* ---- hash.c: file content ----------------------------------------------------- */

typedef struct Hasher Hasher;
Hasher *hasher_new(void);
Hasher *hasher_free(Hasher *h);
/* SHA-256 (and MD5 too when md5 is not NULL) of an open file, read in large
 * blocks; io_rate (bytes/s, 0: none) sleeps between reads to stay under the
 * cap. start_usec/done_bytes carry the rate across files. */
typedef struct RateLimit {
        uint64_t rate;                  /* bytes per second, 0: none */
        uint64_t start_usec;
        uint64_t done;
} RateLimit;
int hasher_file(Hasher *h, int fd, uint64_t size_hint, uint8_t sha256[32], uint8_t *md5,
                RateLimit *rl);
/* Opens path under root_fd without following a final symlink or changing
 * its atime. */
int open_for_hash(int root_fd, const char *path);

/* ---- scan.c: walk and hash ---------------------------------------------------- */

typedef struct ScanError {
        char *path;
        int error;                      /* positive errno */
} ScanError;

typedef struct ScanResult {
        RecordSet records;
        ScanError *errors;
        size_t n_errors;
        size_t n_hashed;
        uint64_t bytes_hashed;
} ScanResult;

void scan_result_done(ScanResult *r);

typedef struct ScanOptions {
        int root_fd;
        const char *root;               /* for lgetxattr */
        const WatchSet *set;
        const RecordSet *prev;          /* trusted hashes of unchanged files; may be NULL */
        bool rehash;                    /* hash every file (deep, or a watch saw it change) */
        uint64_t io_rate;               /* bytes/s, 0: none; also means one hashing thread */
        unsigned threads;               /* 0: pick from the CPU count */
        Dpkg *dpkg;                     /* NULL: no package owners recorded */
} ScanOptions;

/* Every path the set covers. */
int scan_full(const ScanOptions *o, ScanResult *ret);
/* path alone (tree false), or path and what the set covers below it; when
 * path itself is not covered (an ancestor of entries), those entries. */
int scan_path(const ScanOptions *o, const char *path, bool tree, ScanResult *ret);

/* ---- baseline.c: the accepted state, stored ------------------------------------ */

typedef struct Baseline {
        uint64_t recorded_usec;         /* CLOCK_REALTIME */
        WatchSet set;                   /* the watch list it was recorded for */
        RecordSet records;
} Baseline;

#define BASELINE_VERSION 1
Baseline *baseline_free(Baseline *b);
int baseline_serialize(const Baseline *b, uint8_t **ret, size_t *ret_size);
/* Reads back what baseline_serialize() wrote: every length, count, order and
 * value is checked (the blob comes from disk). -EBADMSG when malformed or the
 * checksum differs (not checked when verify_checksum is false: the fuzzer
 * needs to reach past it), -EPROTONOSUPPORT for another format version. */
int baseline_parse(const void *buf, size_t size, bool verify_checksum, StrPool *pool,
                   Baseline **ret);

/* ---- integrity-plugin.c: the plugin's state --------------------------------------- */

typedef struct Watcher Watcher;

/* One rule's watch group. */
typedef struct Group {
        char *rule_id;
        Spec *spec;
        Baseline *baseline;             /* NULL: none stored, or unreadable */
        bool baseline_loaded;           /* state_get was done */
        int baseline_error;             /* negative errno: what is stored cannot be read */
        RecordSet current;              /* the last full scan, kept fresh by the watch */
        bool have_current;
        ScanError *errors;              /* paths the last scans could not read */
        size_t n_errors;
        bool quick;                     /* the watch refreshed current and asked for this */
        bool in_policy;                 /* named by the last watch() */
} Group;

typedef struct Integrity {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        int root_fd;
        const char *root;
        StrPool *pool;
        Dpkg *dpkg;
        Hasher *hasher;                 /* main thread: MD5 for package checks */
        Group **groups;
        size_t n_groups;
        Watcher *watcher;
        unsigned threads;               /* hashing threads, 0: one per CPU (tests set it) */
        unsigned drift_burst;           /* drift events per window, 0: the default (benchmarks) */
        uint64_t degraded_rescan_usec;  /* rescans while watches are missing, 0: the default (tests) */
} Integrity;

Group *integrity_group_find(Integrity *ig, const char *rule_id);
void integrity_scan_options(Integrity *ig, Group *g, bool rehash, ScanOptions *ret);
/* Loads or refreshes dpkg's index over the paths of every group; a root
 * without dpkg leaves package-aware drift out. */
void integrity_refresh_dpkg(Integrity *ig);
int integrity_request(Integrity *ig);   /* mark groups quick, ask the host to evaluate */
void integrity_log(Integrity *ig, int prio, const char *fmt, ...) IG_PRINTF(3, 4);
int integrity_event(Integrity *ig, const char *kind, const char *subject, const char *fmt, ...)
        IG_PRINTF(4, 5);
/* Replaces g's errors under path (tree) or at path with those of res. */
int group_merge_errors(Group *g, const char *path, bool tree, ScanResult *res);

/* ---- drift.c: baseline against now ------------------------------------------------ */

typedef struct DriftSink {
        int (*item)(void *userdata, mamori_status status, const char *subject, const char *evidence);
        void *userdata;
} DriftSink;

typedef struct DriftStats {
        size_t n_paths;                 /* recorded now */
        size_t n_drift;                 /* failing */
        size_t n_explained;             /* explained by package upgrades */
        size_t n_errors;
} DriftStats;

/* Every difference between g's baseline and g->current, package-aware, and
 * every path that could not be read, through sink. */
int drift_report(Integrity *ig, Group *g, const DriftSink *sink, DriftStats *ret);
/* "content, mode" for a set of Attr/CHANGE_ bits. */
void drift_kinds(uint32_t changed, char *buf, size_t size);

/* ---- watch.c: inotify ------------------------------------------------------------- */

/* Re-arms the watches for the groups in policy; drops the old ones. */
int watcher_start(Integrity *ig);
Watcher *watcher_free(Watcher *w);
/* Every watched directory has its inotify watch. */
bool watcher_complete(const Watcher *w);
/* Summary of the watch's health for `status`, or NULL when all is well. */
const char *watcher_degraded(const Watcher *w, char *buf, size_t size);
