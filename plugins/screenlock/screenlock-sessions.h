/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Session truth (screenlock.sessions) and the logind fallback lock.
 *
 * The sessions come through a "session source": a struct of function
 * pointers, the real one speaking to logind over sd-bus
 * (session-logind.c), a test's one feeding sessions it controls. The
 * clock is a function pointer too, so that the idle fallback
 * (screenlock-idle.c) runs on a fake clock in tests. */

#include "screenlock.h"

typedef struct SlSession {
        char id[64];                    /* "3", "c1" */
        uint32_t uid;
        char user[64];
        char seat[32];                  /* "" when none */
        char type[16];                  /* "x11", "wayland", "tty", "unspecified" */
        char klass[16];                 /* "user", "greeter", "lock-screen" */
        char service[64];               /* PAM service: "gdm-password", "lightdm-autologin" */
        char desktop[64];
        char scope[128];                /* "session-3.scope" */
        uint32_t leader;                /* pid, 0 unknown */
        bool active;
        bool remote;
        bool idle_hint;
        uint64_t idle_since_mono;       /* usec, CLOCK_MONOTONIC; 0 unknown */
        bool locked_hint;
} SlSession;

typedef struct SlInhibitor {
        char what[128];                 /* "idle:sleep" */
        char who[128];
        char why[256];
        char mode[16];                  /* "block", "delay" */
        uint32_t uid;
        uint32_t pid;
} SlInhibitor;

typedef struct SlSessionSource {
        void *userdata;
        /* A malloc'd array (free() it); negative errno when logind cannot
         * be asked. */
        int (*list_sessions)(void *userdata, SlSession **ret, size_t *ret_n);
        int (*list_inhibitors)(void *userdata, SlInhibitor **ret, size_t *ret_n);
        /* org.freedesktop.login1.Manager.LockSession(id) */
        int (*lock_session)(void *userdata, const char *id);
        void (*free)(void *userdata);
} SlSessionSource;

/* logind on the bus at address, or the system bus (sd_bus_default_system)
 * when address is NULL; connected on first use. */
int sl_logind_source_new(const char *address, SlSessionSource *ret);

/* "x11" or "wayland" for a user's session. */
bool sl_session_is_graphical(const SlSession *s);

/* ---- the fallback: LockSession once per idle period ------------------------ */

#define SL_IDLE_TRACK_MAX 256

typedef struct SlIdleEntry {
        char id[64];
        uint64_t since;                 /* the idle period LockSession was asked for */
} SlIdleEntry;

typedef struct SlIdleTracker {
        SlIdleEntry e[SL_IDLE_TRACK_MAX];
        size_t n;
} SlIdleTracker;

/* For each graphical session idle for at least limit_sec and not locked:
 * asks the source to lock it, unless it was already asked for this idle
 * period (the same IdleSinceHintMonotonic). Each request is a
 * "screenlock.enforced" event. *ret_next_usec (may be NULL): how long until
 * the next session would cross the limit, or UINT64_MAX. */
int sl_idle_tick(Screenlock *s, const SlSession *sessions, size_t n, uint64_t limit_sec, unsigned *ret_requested,
                 uint64_t *ret_next_usec);

/* Whether LockSession was asked for this session's current idle period. */
bool sl_idle_requested(const Screenlock *s, const SlSession *se);

/* Lists sessions through the plugin's source and runs sl_idle_tick(). */
int sl_idle_run(Screenlock *s, uint64_t limit_sec, uint64_t *ret_next_usec);

/* The source the plugin uses (made on first use), and its clock. */
int sl_sessions_source(Screenlock *s, const SlSessionSource **ret);
uint64_t sl_now_mono(const Screenlock *s);

/* ---- session-text.c: pure helpers ----------------------------------------------- */

/* The value of name in a NUL-separated environment block ("A=1\0B=2\0"),
 * or NULL; *ret_len its length. */
const char *sl_environ_get(const char *buf, size_t size, const char *name, size_t *ret_len);
/* An /etc/shadow buffer: 1 when user's password field is empty (no
 * password needed), 0 when it is not, -ENOENT when user has no line. */
int sl_shadow_password_empty(const char *buf, size_t size, const char *user);
/* "25 min 3 s" */
const char *sl_format_duration(uint64_t sec, char *buf, size_t size);

/* ---- screenlock-sessions.c ------------------------------------------------------ */

typedef struct SessionsParams {
        uint64_t max_idle_sec;
} SessionsParams;

int screenlock_check_sessions(SlEval *e, const SessionsParams *p);

/* ---- screenlock-watch.c ----------------------------------------------------------- */

int screenlock_watch(void *state, const struct mamori_rule *const *rules, size_t n_rules);
void sl_watch_drop(Screenlock *s);

/* ---- test hooks (screenlock-plugin.c) ------------------------------------------- */

/* Replaces the session source (the plugin frees the old one) and the
 * clock (NULL: CLOCK_MONOTONIC). */
void screenlock_set_session_source(void *state, const SlSessionSource *src);
void screenlock_set_clock(void *state, uint64_t (*clock)(void *userdata), void *userdata);
