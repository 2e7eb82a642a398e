/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The five GNOME settings that decide whether an idle session locks, and
 * what GSettings makes of the value dconf returns for each.
 *
 * GNOME locks an idle session only when idle-delay is non-zero,
 * idle-activation-enabled and lock-enabled are true and disable-lock-screen
 * is false; lock-delay is how long the blanked screen stays unlocked.
 *
 * Fact relied on (GLib's gio/gsettingsbackend.c, g_settings_backend_read()):
 * GSettings drops a value whose type is not the schema's and then uses the
 * schema's default, not a lower database's value. */
#include <stdio.h>
#include <string.h>

#include "screenlock.h"

/* Defaults are the GNOME schemas' own (gsettings-desktop-schemas), used by
 * GSettings when no database sets a key:
 *   org.gnome.desktop.session     idle-delay               uint32 300
 *   org.gnome.desktop.screensaver lock-enabled             true
 *   org.gnome.desktop.screensaver lock-delay               uint32 0
 *   org.gnome.desktop.screensaver idle-activation-enabled  true
 *   org.gnome.desktop.lockdown    disable-lock-screen      false */
const KeySpec sl_key_specs[_KEY_MAX] = {
        [KEY_IDLE_DELAY] = { "/org/gnome/desktop/session/idle-delay", "idle-delay",
                             GVARIANT_UINT32, 300, false },
        [KEY_LOCK_ENABLED] = { "/org/gnome/desktop/screensaver/lock-enabled", "lock-enabled",
                               GVARIANT_BOOLEAN, 0, true },
        [KEY_LOCK_DELAY] = { "/org/gnome/desktop/screensaver/lock-delay", "lock-delay",
                             GVARIANT_UINT32, 0, false },
        [KEY_IDLE_ACTIVATION] = { "/org/gnome/desktop/screensaver/idle-activation-enabled",
                                  "idle-activation-enabled", GVARIANT_BOOLEAN, 0, true },
        [KEY_DISABLE_LOCK_SCREEN] = { "/org/gnome/desktop/lockdown/disable-lock-screen",
                                      "disable-lock-screen", GVARIANT_BOOLEAN, 0, false },
};

static void effective_from(const KeySpec *k, const DconfReadResult *rr, SlEffective *ret) {
        SlEffective e = {
                .read = *rr,
                .u = k->default_u,
                .b = k->default_b,
        };

        if (rr->source >= 0) {
                if (rr->value.kind != k->kind)
                        e.wrong_type = true;
                else if (k->kind == GVARIANT_BOOLEAN)
                        e.b = rr->value.b;
                else
                        e.u = rr->value.u;
        }
        *ret = e;
}

/* "900 s" or "true" */
const char *sl_effective_text(const KeySpec *k, const SlEffective *e, char *buf, size_t size) {
        if (k->kind == GVARIANT_BOOLEAN)
                snprintf(buf, size, "%s", e->b ? "true" : "false");
        else
                snprintf(buf, size, "%llu s", (unsigned long long) e->u);
        return buf;
}

/* What breaks the limits, or NULL. */
const char *sl_effective_violation(SlKey key, const SlEffective *e, const ScreenlockParams *p,
                                   char *buf, size_t size) {
        switch (key) {
        case KEY_IDLE_DELAY:
                if (e->u == 0)
                        return "idle-delay is 0: the session never goes idle, so the screen never locks";
                if (e->u > p->max_idle_sec) {
                        snprintf(buf, size, "idle-delay is %llu s, above max-idle-sec %llu",
                                 (unsigned long long) e->u, (unsigned long long) p->max_idle_sec);
                        return buf;
                }
                return NULL;
        case KEY_LOCK_ENABLED:
                return e->b ? NULL : "lock-enabled is false: going idle blanks the screen without locking it";
        case KEY_LOCK_DELAY:
                if (e->u > p->max_lock_delay_sec) {
                        snprintf(buf, size,
                                 "lock-delay is %llu s, above max-lock-delay-sec %llu: the blanked screen "
                                 "stays unlocked that long",
                                 (unsigned long long) e->u, (unsigned long long) p->max_lock_delay_sec);
                        return buf;
                }
                return NULL;
        case KEY_IDLE_ACTIVATION:
                return e->b ? NULL : "idle-activation-enabled is false: the screensaver never starts when idle";
        case KEY_DISABLE_LOCK_SCREEN:
                return e->b ? "disable-lock-screen is true: the screen cannot be locked at all" : NULL;
        default:
                return NULL;
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
                         "the schema default: %s (%s) holds %s of type '%s', not the schema's '%s', "
                         "which GSettings ignores",
                         label, views->display[e->read.source],
                         gvariant_format(&e->read.value, value, sizeof(value)), e->read.value.type,
                         k->kind == GVARIANT_BOOLEAN ? "b" : "u");
                return buf;
        }
        snprintf(buf, size, "from %s (%s)%s", label, views->display[e->read.source],
                 e->read.lock_source >= 0 ? ", locked" : "");
        return buf;
}

int sl_read_key(const SlViews *views, SlKey key, SlEffective *ret, int *ret_bad_source,
                const char **ret_reason) {
        DconfReadResult rr;
        int r;

        r = dconf_read(views->v, views->n, sl_key_specs[key].path, &rr, ret_bad_source, ret_reason);
        if (r < 0)
                return r;
        effective_from(&sl_key_specs[key], &rr, ret);
        return 0;
}

