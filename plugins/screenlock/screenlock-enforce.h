/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Enforcement for the dconf desktops: mamori's keyfile and locks under
 * /etc/dconf/db/local.d/, the "user" profile, and the database compiled
 * the way `dconf compile` does it, by code of our own because `dconf
 * update` knows no root prefix. gvariant-text.c, dconf-keyfile.c and
 * gvdb-write.c are pure; dconf-compile.c reads a keyfile directory under
 * the root; screenlock-enforce.c writes. */

#include "screenlock.h"

/* A growing byte buffer. */
typedef struct GvBuf {
        uint8_t *data;
        size_t size;
        size_t alloc;
} GvBuf;

int gv_buf_put(GvBuf *b, const void *data, size_t n);
/* Zero bytes until (size - base) is a multiple of align. */
int gv_buf_pad(GvBuf *b, size_t align, size_t base);

/* ---- gvariant-text.c: GVariant text format ----------------------------------- */

/* Parses one value in GVariant's text format, inferring its type as
 * g_variant_parse(NULL, ...) does, and serialises it in normal form,
 * little-endian. *ret_type is malloc'd; ret_data is filled (free data).
 * -EINVAL (with a reason) for text GLib would refuse; -EOPNOTSUPP for
 * forms this writer does not handle (maybe values, bytestrings, inf/nan,
 * leading-zero numbers); -ENOMEM. */
int gvariant_parse_text(const char *text, size_t len, char **ret_type, GvBuf *ret_data, const char **ret_reason);

/* ---- dconf-keyfile.c: one keyfile of a dconf database directory ---------------- */

typedef struct DconfKeyfileEntry {
        const char *group;              /* "org/gnome/desktop/session" */
        const char *key;                /* "idle-delay" */
        const char *value;              /* the raw text after '=' */
        unsigned line;
} DconfKeyfileEntry;

typedef struct DconfKeyfile {
        char *data;
        DconfKeyfileEntry *entries;     /* file order; a later duplicate replaces an earlier one */
        size_t n_entries;
} DconfKeyfile;

/* Parses as GKeyFile does for `dconf update`, with dconf's own checks on
 * group and key names. -EBADMSG with a reason and line for a file dconf
 * refuses to compile; -ENOMEM. */
int dconf_keyfile_parse(const char *buf, size_t size, DconfKeyfile **ret, unsigned *ret_line,
                        const char **ret_reason);
DconfKeyfile *dconf_keyfile_free(DconfKeyfile *k);

static inline void dconf_keyfile_freep(DconfKeyfile **k) {
        dconf_keyfile_free(*k);
}

/* ---- gvdb-write.c: GVDB files ----------------------------------------------------- */

typedef struct GvdbEntry {
        char *key;                      /* "/org/gnome/desktop/session/idle-delay" */
        char *type;                     /* the value's type string */
        GvBuf value;                    /* the value, serialised */
} GvdbEntry;

/* A dconf database: keys with values (each starting with '/', not ending
 * with '/') and lock keys. Directory items ("/", "/org/", ...) are made
 * as dconf makes them; locks go into a nested ".locks" table. Writes a
 * little-endian GVDB file into *ret (free ret->data). -EINVAL for a bad
 * key, -E2BIG past GVDB's 32-bit offsets. */
int gvdb_write_dconf(const GvdbEntry *entries, size_t n_entries, const char *const *locks, size_t n_locks,
                     GvBuf *ret);

/* ---- dconf-compile.c: a keyfile directory into a database -------------------------- */

typedef struct DconfCompiled {
        GvdbEntry *entries;
        size_t n_entries;
        char **locks;
        size_t n_locks;
        bool have_locks;                /* a locks/ directory exists (even if empty) */
        char **sources;                 /* per entry: the keyfile that set it (its name) */
        char *pool;                     /* the names the sources point into */
} DconfCompiled;

/* Reads dir (relative to the root: "etc/dconf/db/local.d") as `dconf
 * compile` does: every regular, non-hidden file a keyfile, names sorted
 * with the later name winning a key; every regular file of dir/locks a
 * list of lock keys (lines starting with '/'). On a file dconf refuses,
 * -EBADMSG with "FILE line N: reason" in reason_buf; -EOPNOTSUPP for a
 * value this writer cannot serialise; -ENOENT when dir is missing. */
int dconf_compile_dir(int root_fd, const char *dir, DconfCompiled *ret, char *reason_buf, size_t reason_size);
void dconf_compiled_done(DconfCompiled *c);

/* ---- root-write.c: writing under the root ------------------------------------------ */

/* Directories of rel (relative to the root) made as needed, mode 0755. */
int sl_mkdir_parents(int root_fd, const char *rel);
/* Replaces rel with data atomically (a hidden temporary file in the same
 * directory, fsync, rename). 1 when written, 0 when rel already held
 * exactly data with that mode (nothing done). When invalidate_old, the
 * file it replaces has its first 8 bytes zeroed after the rename, as
 * `dconf update` does so that programs which mapped it reopen it. */
int sl_write_file(int root_fd, const char *rel, const void *data, size_t size, mode_t mode, bool invalidate_old);

/* ---- screenlock-enforce.c ---------------------------------------------------------- */

/* "zz-": dconf compiles keyfiles in name order and the last one wins. */
#define SL_MAMORI_KEYFILE "etc/dconf/db/local.d/zz-mamori-screenlock"
#define SL_MAMORI_LOCKS "etc/dconf/db/local.d/locks/zz-mamori-screenlock"
#define SL_USER_PROFILE "etc/dconf/profile/user"
#define SL_LOCAL_DB "etc/dconf/db/local"

/* mamori's keyfile text for the desktops given (the settings the rule's
 * limits want) and the matching locks, both malloc'd. */
int sl_enforce_texts(const DconfDesktop *const *desktops, size_t n, const ScreenlockParams *p, char **ret_keyfile,
                     char **ret_locks);

/* Writes what differs and compiles the local database; every action is
 * a "screenlock.enforced" event; a failure is an ERROR finding. */
int sl_enforce_dconf(SlEval *e, const ScreenlockParams *p, const DconfDesktop *const *desktops, size_t n);
