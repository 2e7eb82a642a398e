/* SPDX-License-Identifier: GPL-2.0-or-later */
/* screenlock.policy: which desktops are installed under the root, and the
 * check of each one. A desktop that is not installed is not checked; with
 * none at all the rule is not applicable (never a pass). */
#include <stdio.h>
#include <string.h>

#include "screenlock.h"
#include "screenlock-desktops.h"
#include "screenlock-enforce.h"

int screenlock_check_policy(SlEval *e, const ScreenlockParams *p) {
        const DconfDesktop *dconf[8];
        size_t n_dconf = 0;
        bool xfce, kde;
        int r;

        for (size_t i = 0; sl_dconf_desktops[i] && n_dconf < SL_ELEMENTSOF(dconf); i++)
                if (sl_any_marker(e->s->root_fd, sl_dconf_desktops[i]->markers, NULL))
                        dconf[n_dconf++] = sl_dconf_desktops[i];
        xfce = sl_xfce_installed(e->s->root_fd);
        kde = sl_kde_installed(e->s->root_fd);

        if (n_dconf == 0 && !xfce && !kde)
                return sl_emit(e, MAMORI_NOT_APPLICABLE, NULL,
                               "no desktop with a screen lock is installed: no GNOME-family desktop (neither "
                               "/usr/share/glib-2.0/schemas/org.gnome.desktop.screensaver.gschema.xml nor "
                               "/usr/bin/gnome-session, no Cinnamon, no MATE), no Xfce (/usr/bin/xfce4-session), "
                               "no KDE Plasma (/usr/bin/plasmashell)");

        if (n_dconf > 0) {
                /* Enforce first, then report what is in force. */
                if (e->rule->enforce) {
                        r = sl_enforce_dconf(e, p, dconf, n_dconf);
                        if (r < 0)
                                return r;
                }
                r = sl_check_dconf(e, p, dconf, n_dconf);
                if (r < 0)
                        return r;
        }
        if (xfce) {
                r = sl_check_xfce(e, p);
                if (r < 0)
                        return r;
        }
        if (kde) {
                r = sl_check_kde(e, p);
                if (r < 0)
                        return r;
        }
        return 0;
}
