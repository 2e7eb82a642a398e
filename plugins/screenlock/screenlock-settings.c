/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dconf keys that decide whether an idle session locks, for each
 * desktop that keeps them in GSettings, and what GSettings makes of the
 * value dconf returns for each.
 *
 * GNOME (and Cinnamon and MATE, its descendants) lock an idle session only
 * when the idle delay is non-zero, idle activation and locking are on and
 * the lock screen is not disabled; the lock delay is how long the blanked
 * screen stays unlocked.
 *
 * Fact relied on (GLib's gio/gsettingsbackend.c, g_settings_backend_read()):
 * GSettings drops a value whose type is not the schema's and then uses the
 * schema's default, not a lower database's value. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

/* Defaults are the schemas' own, used by GSettings when no database sets
 * a key. GNOME (gsettings-desktop-schemas):
 *   org.gnome.desktop.session     idle-delay               uint32 300 (s)
 *   org.gnome.desktop.screensaver lock-enabled             true
 *   org.gnome.desktop.screensaver lock-delay               uint32 0 (s)
 *   org.gnome.desktop.screensaver idle-activation-enabled  true
 *   org.gnome.desktop.lockdown    disable-lock-screen      false */
static const KeySpec gnome_keys[] = {
        { "/org/gnome/desktop/session/idle-delay", "idle-delay", GVARIANT_UINT32, ROLE_IDLE_DELAY, 1, 300, false, NULL },
        { "/org/gnome/desktop/screensaver/lock-enabled", "lock-enabled", GVARIANT_BOOLEAN, ROLE_LOCK_ENABLED,
          1, 0, true, NULL },
        { "/org/gnome/desktop/screensaver/lock-delay", "lock-delay", GVARIANT_UINT32, ROLE_LOCK_DELAY, 1, 0, false, NULL },
        { "/org/gnome/desktop/screensaver/idle-activation-enabled", "idle-activation-enabled", GVARIANT_BOOLEAN,
          ROLE_IDLE_ACTIVATION, 1, 0, true, NULL },
        { "/org/gnome/desktop/lockdown/disable-lock-screen", "disable-lock-screen", GVARIANT_BOOLEAN,
          ROLE_DISABLE_LOCK_SCREEN, 1, 0, false, NULL },
};

/* Cinnamon (cinnamon-desktop's schemas):
 *   org.cinnamon.desktop.session     idle-delay               uint32 900 (s)
 *   org.cinnamon.desktop.screensaver lock-enabled             true
 *   org.cinnamon.desktop.screensaver lock-delay               uint32 0 (s)
 *   org.cinnamon.desktop.screensaver idle-activation-enabled  true
 *   org.cinnamon.desktop.lockdown    disable-lock-screen      false */
static const KeySpec cinnamon_keys[] = {
        { "/org/cinnamon/desktop/session/idle-delay", "idle-delay", GVARIANT_UINT32, ROLE_IDLE_DELAY, 1, 900, false, NULL },
        { "/org/cinnamon/desktop/screensaver/lock-enabled", "lock-enabled", GVARIANT_BOOLEAN, ROLE_LOCK_ENABLED,
          1, 0, true, NULL },
        { "/org/cinnamon/desktop/screensaver/lock-delay", "lock-delay", GVARIANT_UINT32, ROLE_LOCK_DELAY, 1, 0,
          false, NULL },
        { "/org/cinnamon/desktop/screensaver/idle-activation-enabled", "idle-activation-enabled",
          GVARIANT_BOOLEAN, ROLE_IDLE_ACTIVATION, 1, 0, true, NULL },
        { "/org/cinnamon/desktop/lockdown/disable-lock-screen", "disable-lock-screen", GVARIANT_BOOLEAN,
          ROLE_DISABLE_LOCK_SCREEN, 1, 0, false, NULL },
};

/* MATE (mate-session-manager, mate-screensaver, mate-desktop), minutes:
 *   org.mate.session     (/org/mate/desktop/session/)  idle-delay  int32 5 (min)
 *   org.mate.screensaver (/org/mate/screensaver/)      lock-enabled true,
 *                        lock-delay int32 0 (min), idle-activation-enabled true
 *   org.mate.lockdown    (/org/mate/desktop/lockdown/) disable-lock-screen false */
static const KeySpec mate_keys[] = {
        { "/org/mate/desktop/session/idle-delay", "idle-delay", GVARIANT_INT32, ROLE_IDLE_DELAY, 60, 5, false, NULL },
        { "/org/mate/screensaver/lock-enabled", "lock-enabled", GVARIANT_BOOLEAN, ROLE_LOCK_ENABLED, 1, 0, true, NULL },
        { "/org/mate/screensaver/lock-delay", "lock-delay", GVARIANT_INT32, ROLE_LOCK_DELAY, 60, 0, false, NULL },
        { "/org/mate/screensaver/idle-activation-enabled", "idle-activation-enabled", GVARIANT_BOOLEAN,
          ROLE_IDLE_ACTIVATION, 1, 0, true, NULL },
        { "/org/mate/desktop/lockdown/disable-lock-screen", "disable-lock-screen", GVARIANT_BOOLEAN,
          ROLE_DISABLE_LOCK_SCREEN, 1, 0, false, NULL },
};

/* light-locker (apps.light-locker): lock-after-screensaver uint32 5 (s),
 * "if 0, locking after the screensaver is disabled". When the screensaver
 * starts is the X server's timeout, which Xfce sets (screenlock-xfce.c). */
static const KeySpec light_locker_keys[] = {
        { "/apps/light-locker/lock-after-screensaver", "lock-after-screensaver", GVARIANT_UINT32,
          ROLE_LOCK_AFTER_SAVER, 1, 5, false, NULL },
};

static const char *const gnome_markers[] = {
        "usr/share/glib-2.0/schemas/org.gnome.desktop.screensaver.gschema.xml",
        "usr/bin/gnome-session",
        NULL,
};
static const char *const cinnamon_markers[] = {
        "usr/bin/cinnamon-session",
        "usr/bin/cinnamon-screensaver",
        "usr/share/glib-2.0/schemas/org.cinnamon.desktop.screensaver.gschema.xml",
        NULL,
};
static const char *const mate_markers[] = {
        "usr/bin/mate-session",
        "usr/bin/mate-screensaver",
        "usr/share/glib-2.0/schemas/org.mate.screensaver.gschema.xml",
        NULL,
};
static const char *const light_locker_markers[] = {
        "usr/bin/light-locker",
        NULL,
};

const DconfDesktop sl_dconf_gnome = { "GNOME", gnome_markers, gnome_keys, SL_ELEMENTSOF(gnome_keys) };
const DconfDesktop sl_dconf_cinnamon = { "Cinnamon", cinnamon_markers, cinnamon_keys, SL_ELEMENTSOF(cinnamon_keys) };
const DconfDesktop sl_dconf_mate = { "MATE", mate_markers, mate_keys, SL_ELEMENTSOF(mate_keys) };
const DconfDesktop sl_dconf_light_locker = { "light-locker", light_locker_markers, light_locker_keys,
                                             SL_ELEMENTSOF(light_locker_keys) };

const DconfDesktop *const sl_dconf_desktops[] = {
        &sl_dconf_gnome,
        &sl_dconf_cinnamon,
        &sl_dconf_mate,
        &sl_dconf_light_locker,
        NULL,
};

bool sl_any_marker(int root_fd, const char *const *markers, const char **ret_found) {
        for (size_t i = 0; markers[i]; i++)
                if (faccessat(root_fd, markers[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                        if (ret_found)
                                *ret_found = markers[i];
                        return true;
                }
        return false;
}

static bool kind_is_number(GVariantKind k) {
        return k == GVARIANT_UINT32 || k == GVARIANT_INT32;
}

static void effective_from(const KeySpec *k, const DconfReadResult *rr, SlEffective *ret) {
        SlEffective e = {
                .read = *rr,
                .n = k->default_n,
                .b = k->default_b,
        };

        if (rr->source >= 0) {
                if (rr->value.kind != k->kind)
                        e.wrong_type = true;
                else if (k->kind == GVARIANT_BOOLEAN)
                        e.b = rr->value.b;
                else if (k->kind == GVARIANT_UINT32)
                        e.n = (int64_t) rr->value.u;
                else
                        e.n = rr->value.i;
        }
        *ret = e;
}

const char *sl_effective_text(const KeySpec *k, const SlEffective *e, char *buf, size_t size) {
        if (k->kind == GVARIANT_BOOLEAN)
                snprintf(buf, size, "%s", e->b ? "true" : "false");
        else if (k->unit == 60)
                snprintf(buf, size, "%lld min", (long long) e->n);
        else
                snprintf(buf, size, "%lld s", (long long) e->n);
        return buf;
}

/* "300 s" or "15 min (900 s)": the stored value and, for minutes, what
 * it is in the rule's unit. */
static const char *amount(const KeySpec *k, int64_t n, char *buf, size_t size) {
        if (k->unit == 60)
                snprintf(buf, size, "%lld min (%lld s)", (long long) n, (long long) n * 60);
        else
                snprintf(buf, size, "%lld s", (long long) n);
        return buf;
}

const char *sl_effective_violation(const KeySpec *k, const SlEffective *e, const ScreenlockParams *p,
                                   char *buf, size_t size) {
        char am[64];
        /* Negative values only come from int32 keys (MATE); the stored
         * number times the unit cannot overflow int64. */
        int64_t sec = e->n * (int64_t) k->unit;

        switch (k->role) {
        case ROLE_IDLE_DELAY:
                if (e->n <= 0) {
                        snprintf(buf, size, "%s is %lld: the session never goes idle, so the screen never locks",
                                 k->name, (long long) e->n);
                        return buf;
                }
                if ((uint64_t) sec > p->max_idle_sec) {
                        snprintf(buf, size, "%s is %s, above max-idle-sec %llu", k->name,
                                 amount(k, e->n, am, sizeof(am)), (unsigned long long) p->max_idle_sec);
                        return buf;
                }
                return NULL;
        case ROLE_LOCK_ENABLED:
                if (e->b)
                        return NULL;
                snprintf(buf, size, "%s is false: %s", k->name,
                         k->why ? k->why : "going idle blanks the screen without locking it");
                return buf;
        case ROLE_LOCK_DELAY:
                if (sec > 0 && (uint64_t) sec > p->max_lock_delay_sec) {
                        snprintf(buf, size, "%s is %s, above max-lock-delay-sec %llu: %s", k->name,
                                 amount(k, e->n, am, sizeof(am)), (unsigned long long) p->max_lock_delay_sec,
                                 k->why ? k->why : "the blanked screen stays unlocked that long");
                        return buf;
                }
                return NULL;
        case ROLE_IDLE_ACTIVATION:
                if (e->b)
                        return NULL;
                snprintf(buf, size, "%s is false: %s", k->name,
                         k->why ? k->why : "the screensaver never starts when idle");
                return buf;
        case ROLE_DISABLE_LOCK_SCREEN:
                if (!e->b)
                        return NULL;
                snprintf(buf, size, "%s is true: the screen cannot be locked at all", k->name);
                return buf;
        case ROLE_LOCK_AFTER_SAVER:
                if (e->n <= 0) {
                        snprintf(buf, size, "%s is 0: the screensaver never locks the session", k->name);
                        return buf;
                }
                /* light-locker cannot lock at 0 (that means never): one
                 * second is the least it can do. */
                if ((uint64_t) sec > (p->max_lock_delay_sec ? p->max_lock_delay_sec : 1)) {
                        snprintf(buf, size,
                                 "%s is %s, above max-lock-delay-sec %llu: the screensaver runs unlocked that long",
                                 k->name, amount(k, e->n, am, sizeof(am)),
                                 (unsigned long long) p->max_lock_delay_sec);
                        return buf;
                }
                return NULL;
        }
        return NULL;
}

static char kind_char(GVariantKind k) {
        switch (k) {
        case GVARIANT_BOOLEAN:
                return 'b';
        case GVARIANT_INT32:
                return 'i';
        default:
                return 'u';
        }
}

/* Where the effective value came from, for evidence. */
const char *sl_effective_origin(const KeySpec *k, const SlEffective *e, const DconfProfile *prof,
                                const SlViews *views, char *buf, size_t size) {
        char label[SL_NAME_SHOW + 32], value[96];
        const DconfSource *src;

        if (e->read.source < 0) {
                snprintf(buf, size, "the schema default: no database sets it");
                return buf;
        }
        src = &prof->sources[e->read.source];
        sl_source_label(src, label, sizeof(label));
        if (e->wrong_type) {
                snprintf(buf, size,
                         "the schema default: %s (%s) holds %s of type '%s', not the schema's '%c', "
                         "which GSettings ignores",
                         label, views->display[e->read.source],
                         gvariant_format(&e->read.value, value, sizeof(value)), e->read.value.type,
                         kind_char(k->kind));
                return buf;
        }
        snprintf(buf, size, "from %s (%s)%s", label, views->display[e->read.source],
                 e->read.lock_source >= 0 ? ", locked" : "");
        return buf;
}

const char *sl_count_word(size_t n, char *buf, size_t size) {
        static const char *const words[] = { "no", "one", "two", "three", "four", "five", "six", "seven", "eight" };

        if (n < SL_ELEMENTSOF(words))
                snprintf(buf, size, "%s", words[n]);
        else
                snprintf(buf, size, "%zu", n);
        return buf;
}

int sl_read_key(const SlViews *views, const KeySpec *ks, SlEffective *ret, int *ret_bad_source,
                const char **ret_reason) {
        DconfReadResult rr;
        int r;

        if (!kind_is_number(ks->kind) && ks->kind != GVARIANT_BOOLEAN)
                return -EINVAL;
        r = dconf_read(views->v, views->n, ks->path, &rr, ret_bad_source, ret_reason);
        if (r < 0)
                return r;
        effective_from(ks, &rr, ret);
        return 0;
}
