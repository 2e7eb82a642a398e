/* SPDX-License-Identifier: GPL-2.0-or-later */
/* enforce: true on screenlock.policy, for the dconf desktops: mamori's
 * system-wide keyfile and locks in /etc/dconf/db/local.d/, the "user"
 * profile when there is none, and /etc/dconf/db/local compiled from
 * local.d (what `dconf update` would do, done here because dconf knows no
 * root prefix). Every action is a "screenlock.enforced" event.
 *
 * Facts relied on (dconf's bin/dconf-update.vala): after writing a new
 * database `dconf update` zeroes the first 8 bytes of the file it replaced,
 * so that sessions which have the old one mapped see it invalid and
 * reopen it, then sends WritabilityNotify on the system bus from
 * /ca/desrt/dconf/Writer/NAME (interface ca.desrt.dconf.Writer) with "/". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "screenlock-enforce.h"

#define PROFILE_TEXT "user-db:user\nsystem-db:local\n"

static int text_add(char **buf, size_t *len, size_t *alloc, const char *fmt, ...) SL_PRINTF(4, 5);
static int text_add(char **buf, size_t *len, size_t *alloc, const char *fmt, ...) {
        va_list ap;
        int n;

        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *alloc - *len : 0, fmt, ap);
                va_end(ap);
                if (n < 0)
                        return -EINVAL;
                if (*buf && *len + (size_t) n < *alloc) {
                        *len += (size_t) n;
                        return 0;
                }
                {
                        size_t a = *alloc ? *alloc * 2 : 1024;
                        char *grown;

                        while (a < *len + (size_t) n + 1)
                                a *= 2;
                        grown = realloc(*buf, a);
                        if (!grown)
                                return -ENOMEM;
                        *buf = grown;
                        *alloc = a;
                }
        }
}

/* The value the rule wants for a key, as keyfile text. */
static void want_text(const KeySpec *ks, const ScreenlockParams *p, char *buf, size_t size) {
        uint64_t n;

        switch (ks->role) {
        case ROLE_IDLE_DELAY:
                n = p->max_idle_sec / ks->unit;
                if (n < 1)
                        n = 1;
                break;
        case ROLE_LOCK_DELAY:
                n = p->max_lock_delay_sec / ks->unit;
                break;
        case ROLE_LOCK_AFTER_SAVER:
                n = p->max_lock_delay_sec ? p->max_lock_delay_sec / ks->unit : 1;
                if (n < 1)
                        n = 1;
                break;
        case ROLE_LOCK_ENABLED:
        case ROLE_IDLE_ACTIVATION:
                snprintf(buf, size, "true");
                return;
        case ROLE_DISABLE_LOCK_SCREEN:
                snprintf(buf, size, "false");
                return;
        default:
                snprintf(buf, size, "false");
                return;
        }
        if (ks->kind == GVARIANT_INT32) {
                if (n > INT32_MAX)
                        n = INT32_MAX;
                snprintf(buf, size, "int32 %llu", (unsigned long long) n);
        } else {
                if (n > UINT32_MAX)
                        n = UINT32_MAX;
                snprintf(buf, size, "uint32 %llu", (unsigned long long) n);
        }
}

int sl_enforce_texts(const DconfDesktop *const *desktops, size_t n, const ScreenlockParams *p, char **ret_keyfile,
                     char **ret_locks) {
        char *kf = NULL, *lk = NULL;
        size_t kf_len = 0, kf_alloc = 0, lk_len = 0, lk_alloc = 0;
        int r;

        r = text_add(&kf, &kf_len, &kf_alloc,
                     "# Written by mamori (screenlock.policy, enforce: true): the idle screen lock,\n"
                     "# 詳細編 2.2(2)④ 5.4(3) 6.1(5)②. mamorid rewrites this file; change the rule instead.\n");
        if (r >= 0)
                r = text_add(&lk, &lk_len, &lk_alloc,
                             "# Written by mamori (screenlock.policy): staff cannot change these keys.\n");

        for (size_t d = 0; d < n && r >= 0; d++) {
                const DconfDesktop *desk = desktops[d];
                const char *group = NULL;
                size_t group_len = 0;

                for (size_t k = 0; k < desk->n_keys && r >= 0; k++) {
                        const KeySpec *ks = &desk->keys[k];
                        const char *slash = strrchr(ks->path, '/');
                        size_t glen = (size_t) (slash - ks->path - 1);
                        char value[64];

                        /* Keys of one schema are neighbours in the tables. */
                        if (!group || glen != group_len || memcmp(group, ks->path + 1, glen) != 0) {
                                group = ks->path + 1;
                                group_len = glen;
                                r = text_add(&kf, &kf_len, &kf_alloc, "\n[%.*s]\n", (int) glen, group);
                                if (r < 0)
                                        break;
                        }
                        want_text(ks, p, value, sizeof(value));
                        r = text_add(&kf, &kf_len, &kf_alloc, "%s=%s\n", slash + 1, value);
                        if (r >= 0)
                                r = text_add(&lk, &lk_len, &lk_alloc, "%s\n", ks->path);
                }
        }
        if (r < 0) {
                free(kf);
                free(lk);
                return r;
        }
        *ret_keyfile = kf;
        *ret_locks = lk;
        return 0;
}

static int event(SlEval *e, const char *subject, const char *fmt, ...) SL_PRINTF(3, 4);
static int event(SlEval *e, const char *subject, const char *fmt, ...) {
        const struct mamori_host_api *api = e->s->api;
        char text[SL_EVIDENCE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (api->size < offsetof(struct mamori_host_api, emit_event) + sizeof(api->emit_event) || !api->emit_event)
                return 0;
        return api->emit_event(e->s->host, "screenlock.enforced", subject, text);
}

/* Tells dconf-service that the database's locks may have changed, as
 * `dconf update` does; only on the real machine, best effort. */
static void notify_writability(const SlEval *e) {
        sd_bus *bus = NULL;

        if (!e->s->api->root || strcmp(e->s->api->root, "/") != 0)
                return;
        if (sd_bus_open_system(&bus) < 0)
                return;
        (void) sd_bus_emit_signal(bus, "/ca/desrt/dconf/Writer/local", "ca.desrt.dconf.Writer", "WritabilityNotify",
                                  "s", "/");
        (void) sd_bus_flush(bus);
        sd_bus_flush_close_unref(bus);
}

static int write_step(SlEval *e, const char *rel, const char *text, const char *what) {
        char shown[SL_PATH_MAX + 2];
        int r;

        snprintf(shown, sizeof(shown), "/%s", rel);
        r = sl_write_file(e->s->root_fd, rel, text, strlen(text), 0644, false);
        if (r < 0)
                return sl_emit(e, MAMORI_ERROR, shown, "cannot write %s: %s", shown, strerror(-r)) < 0 ? -ENOMEM : 0;
        if (r > 0)
                return event(e, shown, "wrote %s: %s", shown, what) < 0 ? -EIO : 1;
        return 0;
}

static int compile_local(SlEval *e) {
        DconfCompiled c = {};
        GvBuf db = {};
        char reason[512];
        const char **locks = NULL;
        int r;

        r = dconf_compile_dir(e->s->root_fd, "etc/dconf/db/local.d", &c, reason, sizeof(reason));
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = sl_emit(e, MAMORI_ERROR, "/etc/dconf/db/local",
                            "cannot compile /etc/dconf/db/local.d: %s%s; mamori's settings are written but not "
                            "in force until the database compiles",
                            reason[0] ? reason : strerror(-r),
                            r == -EOPNOTSUPP ? " (a value mamori cannot serialise; run dconf update)" : "");
                return r < 0 ? r : 0;
        }
        if (c.n_locks > 0) {
                locks = calloc(c.n_locks, sizeof(*locks));
                if (!locks) {
                        dconf_compiled_done(&c);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < c.n_locks; i++)
                        locks[i] = c.locks[i];
        }
        r = gvdb_write_dconf(c.entries, c.n_entries, c.have_locks ? locks : NULL, c.n_locks, &db);
        free(locks);
        if (r < 0) {
                dconf_compiled_done(&c);
                if (r == -ENOMEM)
                        return r;
                r = sl_emit(e, MAMORI_ERROR, "/etc/dconf/db/local", "cannot compile /etc/dconf/db/local: %s",
                            strerror(-r));
                return r < 0 ? r : 0;
        }

        r = sl_write_file(e->s->root_fd, SL_LOCAL_DB, db.data, db.size, 0644, true);
        if (r < 0)
                r = sl_emit(e, MAMORI_ERROR, "/etc/dconf/db/local", "cannot write /etc/dconf/db/local: %s",
                            strerror(-r));
        else if (r > 0) {
                notify_writability(e);
                r = event(e, "/etc/dconf/db/local",
                          "compiled /etc/dconf/db/local from /etc/dconf/db/local.d: %zu key%s, %zu lock%s", c.n_entries,
                          c.n_entries == 1 ? "" : "s", c.n_locks, c.n_locks == 1 ? "" : "s");
        }
        free(db.data);
        dconf_compiled_done(&c);
        return r < 0 ? r : 0;
}

static int check_profile_names_local(SlEval *e) {
        _cleanup_sl_free_ char *buf = NULL;
        DconfProfile *prof = NULL;
        bool local = false;
        size_t size = 0;
        int r;

        r = sl_read_file(e->s->root_fd, SL_USER_PROFILE, 1024U * 1024U, &buf, &size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;       /* reported by the check */
        r = dconf_profile_parse(buf, size, &prof);
        if (r < 0)
                return r;
        for (size_t i = 0; i < prof->n_sources; i++)
                if (prof->sources[i].type == DCONF_SOURCE_SYSTEM && strcmp(prof->sources[i].name, "local") == 0)
                        local = true;
        dconf_profile_free(prof);
        if (local)
                return 0;
        return sl_emit(e, MAMORI_ERROR, "/" SL_USER_PROFILE,
                       "/" SL_USER_PROFILE " does not read system-db:local, so the settings and locks mamori "
                       "writes there do not apply; add the line system-db:local after user-db:user");
}

int sl_enforce_dconf(SlEval *e, const ScreenlockParams *p, const DconfDesktop *const *desktops, size_t n) {
        _cleanup_sl_free_ char *keyfile = NULL, *locks = NULL;
        char summary[256];
        struct stat st;
        int r;

        if (n == 0)
                return 0;
        r = sl_enforce_texts(desktops, n, p, &keyfile, &locks);
        if (r < 0)
                return r;

        r = sl_mkdir_parents(e->s->root_fd, "etc/dconf/db/local.d/locks");
        if (r >= 0)
                r = sl_mkdir_parents(e->s->root_fd, "etc/dconf/profile");
        if (r < 0)
                return sl_emit(e, MAMORI_ERROR, "/etc/dconf", "cannot make the dconf directories: %s", strerror(-r));

        snprintf(summary, sizeof(summary), "idle lock after at most %llu s, locked at most %llu s after blanking",
                 (unsigned long long) p->max_idle_sec, (unsigned long long) p->max_lock_delay_sec);
        r = write_step(e, SL_MAMORI_KEYFILE, keyfile, summary);
        if (r < 0)
                return r;
        r = write_step(e, SL_MAMORI_LOCKS, locks, "staff cannot change the screen lock settings");
        if (r < 0)
                return r;

        /* Debian ships no "user" profile, and without one dconf reads no
         * system database at all. An existing profile is the
         * administrator's and is left alone; one that does not read
         * system-db:local is reported, because then nothing written here
         * applies. */
        if (fstatat(e->s->root_fd, SL_USER_PROFILE, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
                r = write_step(e, SL_USER_PROFILE, PROFILE_TEXT,
                               "the \"user\" profile (user-db:user, system-db:local), so that dconf reads the "
                               "system settings and locks");
                if (r < 0)
                        return r;
        } else {
                r = check_profile_names_local(e);
                if (r < 0)
                        return r;
        }

        return compile_local(e);
}
