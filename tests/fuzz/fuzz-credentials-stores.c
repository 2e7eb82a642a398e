/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The other parsers of files found in homes and in /etc: ~/.netrc,
 * ~/.git-credentials, ~/.pgpass, Remmina and NetworkManager key files,
 * Docker's config.json, GNOME Keyring and KWallet headers, SSH private key
 * heads, dpkg's status and /etc/passwd. Each either counts (within what
 * the bytes could hold) or refuses with -EBADMSG and a reason. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/credentials/credentials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*Counter)(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);

static void count(Counter f, const char *buf, size_t size, uint64_t max) {
        const char *reason = NULL;
        uint64_t n = UINT64_MAX;
        int r = f(buf, size, &n, &reason);

        if (r == 0) {
                if (n > max)
                        abort();
        } else if (r != -EBADMSG || !reason)
                abort();
}

static void flag(int (*f)(const char *, size_t, const char **), const char *buf, size_t size) {
        const char *reason = NULL;
        int r = f(buf, size, &reason);

        if (r != 0 && r != 1 && !(r == -EBADMSG && reason))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = { "firefox-esr", "chromium", "thunderbird", NULL };
        const char *buf = (const char *) data;
        const char *reason = NULL;
        KeyringInfo info;
        SshKeyState st;
        CrUserList *users = NULL;
        DpkgHit *hits = NULL;
        size_t n_hits = 0;
        int r;

        if (size > 64 * 1024)
                return 0;

        /* Every count is at most one per byte. */
        count(netrc_count_passwords, buf, size, size / 8);
        count(git_credentials_count, buf, size, size / 4 + 1);
        count(pgpass_count, buf, size, size / 5 + 1);
        count(docker_config_count, buf, size, size / 8);
        flag(remmina_has_password, buf, size);
        flag(nmconnection_has_secret, buf, size);

        r = keyring_inspect(data, size, &info, &reason);
        if (r == 0) {
                if (info.n_items > size)
                        abort();
        } else if (r != -EBADMSG || !reason)
                abort();
        reason = NULL;
        r = kwallet_check(data, size, &reason);
        if (r != 0 && !(r == -EBADMSG && reason))
                abort();
        reason = NULL;
        r = ssh_key_inspect(buf, size, &st, &reason);
        if (r == 0) {
                if (st != SSH_KEY_PLAIN && st != SSH_KEY_ENCRYPTED)
                        abort();
        } else if (r != -EBADMSG || !reason)
                abort();

        r = dpkg_find_installed(buf, size, names, &hits, &n_hits);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                if (n_hits > 3)
                        abort();
                for (size_t i = 0; i < n_hits; i++)
                        if (strnlen(hits[i].version, sizeof(hits[i].version)) == sizeof(hits[i].version))
                                abort();
                free(hits);
        }

        r = cr_users_parse(buf, size, 1000, NULL, &users);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 0) {
                for (size_t i = 0; i < users->n_users; i++)
                        if (!users->users[i].name[0] || users->users[i].uid < 1000 ||
                            users->users[i].uid > CR_UID_MAX || strchr(users->users[i].home, ':'))
                                abort();
                cr_user_list_free(users);
        }
        return 0;
}
