/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the checks of the desktops without dconf share: the staff accounts
 * and whether a system file is safe from them. */
#include <stdio.h>

#include "screenlock-desktops.h"

int sl_staff_load(SlEval *e, SlUserList **ret) {
        _cleanup_sl_free_ char *buf = NULL;
        SlUserList *l = NULL;
        size_t size = 0, w = 0;
        int r;

        *ret = NULL;
        r = sl_read_file(e->s->root_fd, "etc/passwd", 16U * 1024U * 1024U, &buf, &size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sl_emit(e, MAMORI_ERROR, "/etc/passwd", "cannot read /etc/passwd: %s", sl_error_text(r));
        r = sl_users_parse(buf, size, 1000, &l);
        if (r < 0)
                return r;
        /* nobody (65534) runs no desktop session. */
        for (size_t i = 0; i < l->n_users; i++)
                if (l->users[i].uid != 65534)
                        l->users[w++] = l->users[i];
        l->n_users = w;
        *ret = l;
        return 0;
}

const char *sl_system_file_problem(int root_fd, const struct stat *st, char *buf, size_t size) {
        struct stat root_st;

        /* The owner of the root directory stands for root: on a real
         * machine it is root, under a test root the one who built it. */
        if (fstat(root_fd, &root_st) < 0)
                root_st.st_uid = 0;
        if (st->st_uid != root_st.st_uid) {
                snprintf(buf, size, "owned by UID %u, not root", (unsigned) st->st_uid);
                return buf;
        }
        if (st->st_mode & (S_IWGRP | S_IWOTH)) {
                snprintf(buf, size, "writable by %s (mode %04o)",
                         st->st_mode & S_IWOTH ? "everyone" : "its group", (unsigned) (st->st_mode & 07777));
                return buf;
        }
        return NULL;
}
