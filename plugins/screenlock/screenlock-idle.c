/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fallback for desktops that ignore the settings: a graphical session
 * that has been idle past the limit and is still not locked is locked
 * through logind, exactly once per idle period. An idle period is known
 * by its start, IdleSinceHintMonotonic: when the session becomes active
 * and idle again, logind gives a new start and the session may be locked
 * again; while the same period lasts, a desktop that ignored the request
 * is not asked again and again (the check reports it instead). */
#include <stdio.h>
#include <string.h>

#include "screenlock-sessions.h"

static SlIdleEntry *tracker_find(SlIdleTracker *t, const char *id) {
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->e[i].id, id) == 0)
                        return &t->e[i];
        return NULL;
}

/* Forgets sessions that are gone, so that the table stays small. */
static void tracker_prune(SlIdleTracker *t, const SlSession *sessions, size_t n) {
        size_t w = 0;

        for (size_t i = 0; i < t->n; i++) {
                bool present = false;

                for (size_t j = 0; j < n && !present; j++)
                        present = strcmp(sessions[j].id, t->e[i].id) == 0;
                if (present)
                        t->e[w++] = t->e[i];
        }
        t->n = w;
}

int sl_idle_tick(Screenlock *s, const SlSession *sessions, size_t n, uint64_t limit_sec, unsigned *ret_requested,
                 uint64_t *ret_next_usec) {
        SlIdleTracker *t = s->idle;
        uint64_t now = sl_now_mono(s), limit = limit_sec * 1000000U, next = UINT64_MAX;
        const SlSessionSource *src;
        unsigned requested = 0;
        int r;

        r = sl_sessions_source(s, &src);
        if (r < 0)
                return r;
        tracker_prune(t, sessions, n);
        for (size_t i = 0; i < n; i++) {
                const SlSession *se = &sessions[i];
                SlIdleEntry *en;
                char subject[96], idle[48], lim[48], name[SL_NAME_SHOW + 4], text[512];
                char id[64], type[24], seat[40];
                uint64_t idle_for;

                if (!sl_session_is_graphical(se) || !se->idle_hint || se->locked_hint || se->idle_since_mono == 0)
                        continue;
                idle_for = now > se->idle_since_mono ? now - se->idle_since_mono : 0;
                if (idle_for < limit) {
                        if (limit - idle_for < next)
                                next = limit - idle_for;
                        continue;
                }
                en = tracker_find(t, se->id);
                if (en && en->since == se->idle_since_mono)
                        continue;       /* asked already in this idle period */

                if (!en) {
                        if (t->n >= SL_IDLE_TRACK_MAX)
                                continue;
                        en = &t->e[t->n++];
                        snprintf(en->id, sizeof(en->id), "%s", se->id);
                }
                en->since = se->idle_since_mono;

                r = src->lock_session(src->userdata, se->id);
                requested++;
                sl_text_safe(se->id, 32, id, sizeof(id));
                sl_text_safe(se->type, 16, type, sizeof(type));
                sl_text_safe(se->seat, 32, seat, sizeof(seat));
                snprintf(subject, sizeof(subject), "session:%s", id);
                sl_format_duration(idle_for / 1000000U, idle, sizeof(idle));
                sl_format_duration(limit_sec, lim, sizeof(lim));
                sl_name_safe(se->user, name, sizeof(name));
                if (r < 0)
                        snprintf(text, sizeof(text),
                                 "could not lock session %s of %s (%s) through logind: %s; idle for %s, past %s",
                                 id, name, type, strerror(-r), idle, lim);
                else
                        snprintf(text, sizeof(text),
                                 "asked logind to lock session %s of %s (%s%s%s): idle for %s without being locked, "
                                 "past %s",
                                 id, name, type, seat[0] ? ", " : "", seat, idle, lim);
                if (s->api->emit_event)
                        (void) s->api->emit_event(s->host, "screenlock.enforced", subject, text);
        }
        if (ret_requested)
                *ret_requested = requested;
        if (ret_next_usec)
                *ret_next_usec = next;
        return 0;
}

bool sl_idle_requested(const Screenlock *s, const SlSession *se) {
        const SlIdleTracker *t = s->idle;

        for (size_t i = 0; t && i < t->n; i++)
                if (strcmp(t->e[i].id, se->id) == 0)
                        return t->e[i].since == se->idle_since_mono;
        return false;
}

int sl_idle_run(Screenlock *s, uint64_t limit_sec, uint64_t *ret_next_usec) {
        const SlSessionSource *src;
        SlSession *sessions = NULL;
        size_t n = 0;
        int r;

        r = sl_sessions_source(s, &src);
        if (r < 0)
                return r;
        r = src->list_sessions(src->userdata, &sessions, &n);
        if (r < 0)
                return r;
        r = sl_idle_tick(s, sessions, n, limit_sec, NULL, ret_next_usec);
        free(sessions);
        return r;
}
