/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The desktops whose lock settings are not in dconf: KDE Plasma
 * (kscreenlockerrc, a KConfig INI file with kiosk markers) and Xfce
 * (xfconf's per-channel XML files). kconfig.c and xfconf.c are pure
 * parsers (buffer in, struct or negative errno out); the INI parser also
 * reads the display managers' files for screenlock.sessions. */

#include "screenlock.h"

/* ---- kconfig.c: KConfig INI files ---------------------------------------------- */

/* One line of a file: a group header (key NULL) or an entry. */
typedef struct KcEntry {
        const char *group;              /* "Daemon"; nested groups joined by '\x1d'; "" before any */
        const char *key;                /* "Autolock"; NULL for a group header */
        const char *locale;             /* "de_DE" from Key[de_DE], or NULL */
        const char *value;              /* escapes resolved, blanks trimmed */
        bool immutable;                 /* Key[$i]= */
        bool group_immutable;           /* [Group][$i] (on the header and each entry of it) */
        bool expand;                    /* [$e]: shell expansion wanted */
        unsigned line;
} KcEntry;

typedef struct KcFile {
        char *data;                     /* every string points into it */
        KcEntry *entries;
        size_t n_entries;
        bool file_immutable;            /* "[$i]" before the first group: the whole file */
        size_t n_invalid;               /* lines KConfig skips with a warning */
        unsigned first_invalid;
} KcFile;

/* Parses as KConfig does: blanks trimmed, '#' lines and blank lines
 * skipped, "[a][b]" groups with "[$i]" markers, "key[locale][$i]=value".
 * Never fails on content (bad lines are counted); -ENOMEM, -EINVAL. */
int kc_parse(const char *buf, size_t size, KcFile **ret);
KcFile *kc_free(KcFile *f);
/* The last entry of group for key without a locale, or NULL. */
const KcEntry *kc_lookup(const KcFile *f, const char *group, const char *key);
/* Whether any header of group carries [$i]. */
bool kc_group_immutable(const KcFile *f, const char *group);
/* KConfig's booleans: true/on/yes/1 and false/off/no/0, any case. -EINVAL otherwise. */
int kc_parse_bool(const char *v, bool *ret);
/* A whole decimal number, optional sign, blanks around allowed. -EINVAL, -ERANGE. */
int kc_parse_int(const char *v, int64_t *ret);

static inline void kc_freep(KcFile **f) {
        kc_free(*f);
}

/* ---- xfconf.c: xfconf per-channel XML ------------------------------------------- */

typedef struct XfProperty {
        const char *path;               /* "/lock/enabled": parents' names joined by '/' */
        const char *type;               /* "bool", "int", "empty", ... as written */
        const char *value;              /* entities resolved; NULL when absent */
        const char *locked;             /* the attributes, NULL when absent */
        const char *unlocked;
        unsigned line;
} XfProperty;

typedef struct XfChannel {
        char *data;                     /* attribute strings point into it */
        char *paths;                    /* property paths point into it */
        const char *name;
        const char *version;
        const char *locked;
        const char *unlocked;
        XfProperty *props;              /* document order */
        size_t n_props;
} XfChannel;

#define XFCONF_MAX_DEPTH 64
#define XFCONF_MAX_PATH 4096            /* xfconfd's MAX_PROP_PATH */

/* A well-formed XML document (UTF-8; declaration, comments, processing
 * instructions and a DOCTYPE without an internal subset allowed) whose
 * root is <channel name= version=> with nested <property> and <value>
 * elements, attributes as xfconfd accepts them. -EBADMSG with a static
 * reason and the line for anything else (xfconfd refuses such a file);
 * -ENOMEM. */
int xfconf_parse(const char *buf, size_t size, XfChannel **ret, unsigned *ret_line, const char **ret_reason);
XfChannel *xfconf_free(XfChannel *c);
/* The last property with that path, or NULL. */
const XfProperty *xfconf_find(const XfChannel *c, const char *path);

static inline void xfconf_freep(XfChannel **c) {
        xfconf_free(*c);
}

/* ---- screenlock-xfce.c, screenlock-kde.c: the checks -------------------------- */

bool sl_xfce_installed(int root_fd);
bool sl_kde_installed(int root_fd);
int sl_check_xfce(SlEval *e, const ScreenlockParams *p);
int sl_check_kde(SlEval *e, const ScreenlockParams *p);

/* Staff accounts (UID 1000 and up, not nobody) from /etc/passwd under the
 * root; an ERROR finding (and *ret NULL) when it cannot be read. */
int sl_staff_load(SlEval *e, SlUserList **ret);

/* A system file that staff must not be able to change: owned by root and
 * not writable by group or others. NULL when fine, else why. */
const char *sl_system_file_problem(int root_fd, const struct stat *st, char *buf, size_t size);
