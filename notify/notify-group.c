/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "notify-group.h"

static NoticeGroup *group_free(NoticeGroup *gr) {
        if (!gr)
                return NULL;
        for (size_t i = 0; i < gr->n_tally; i++) {
                free(gr->tally[i].subject);
                free(gr->tally[i].kind);
        }
        free(gr->tally);
        free(gr->key);
        free(gr);
        return NULL;
}

static void group_remove(NoticeGroups *g, size_t i) {
        group_free(g->groups[i]);
        memmove(g->groups + i, g->groups + i + 1, (g->n - i - 1) * sizeof *g->groups);
        g->n--;
}

void notice_groups_expire(NoticeGroups *g, uint64_t now_usec) {
        uint64_t window = g->window_usec ? g->window_usec : NOTICE_GROUP_WINDOW_USEC;

        for (size_t i = g->n; i > 0; i--) {
                NoticeGroup *gr = g->groups[i - 1];

                /* One waiting for its id or its update stays: it still
                 * has a notification to fix up. */
                if (gr->in_flight || notice_group_needs_update(gr))
                        continue;
                if (now_usec < gr->last_usec || now_usec - gr->last_usec > window)
                        group_remove(g, i - 1);
        }
}

static unsigned group_occurrences(const NoticeGroup *gr, unsigned untracked) {
        unsigned total = untracked;

        for (size_t i = 0; i < gr->n_tally; i++) {
                bool first = true;
                unsigned most = 0;

                /* Only the first entry of each subject sums up that subject. */
                for (size_t j = 0; j < i && first; j++)
                        first = !streq(gr->tally[j].subject, gr->tally[i].subject);
                if (!first)
                        continue;
                for (size_t j = i; j < gr->n_tally; j++)
                        if (streq(gr->tally[j].subject, gr->tally[i].subject) && gr->tally[j].n > most)
                                most = gr->tally[j].n;
                total += most;
        }
        return total;
}

static int group_new(NoticeGroups *g, NoticeClass class, const char *key, NoticeGroup **ret) {
        NoticeGroup *gr, **l;

        if (g->n >= NOTICE_GROUPS_MAX) {
                /* The oldest idle group makes room; if all are busy, the
                 * event is dropped rather than growing without bound. */
                size_t victim = g->n;
                for (size_t i = 0; i < g->n && victim == g->n; i++)
                        if (!g->groups[i]->in_flight && !notice_group_needs_update(g->groups[i]))
                                victim = i;
                if (victim == g->n)
                        return -ENOBUFS;
                group_remove(g, victim);
        }
        l = realloc(g->groups, (g->n + 1) * sizeof *l);
        if (!l)
                return -ENOMEM;
        g->groups = l;
        gr = calloc(1, sizeof *gr);
        if (!gr)
                return -ENOMEM;
        *gr = (NoticeGroup) {
                .serial = ++g->next_serial,
                .class = class,
                .key = strdup(strempty(key)),
        };
        if (!gr->key) {
                group_free(gr);
                return -ENOMEM;
        }
        g->groups[g->n++] = gr;
        *ret = gr;
        return 0;
}

int notice_groups_add(NoticeGroups *g, NoticeClass class, const char *key, const char *kind,
                      const char *subject, uint64_t now_usec, NoticeGroup **ret) {
        NoticeGroup *gr = NULL;
        NoticeTally *t = NULL;
        unsigned before, untracked;
        bool fresh = false;
        int r;

        notice_groups_expire(g, now_usec);
        for (size_t i = 0; i < g->n && !gr; i++)
                if (g->groups[i]->class == class && streq(g->groups[i]->key, strempty(key)))
                        gr = g->groups[i];
        if (!gr) {
                r = group_new(g, class, key, &gr);
                if (r < 0)
                        return r;
                fresh = true;
        }
        if (!notice_class_counts_subjects(class)) {
                bool same = !fresh && now_usec >= gr->last_usec &&
                            now_usec - gr->last_usec < NOTICE_BURST_USEC;

                gr->last_usec = now_usec;
                *ret = gr;
                if (fresh) {
                        gr->count = 1;
                        return GROUP_SHOW;
                }
                if (same)
                        return GROUP_NOTHING;
                gr->count++;
                return GROUP_UPDATE;
        }
        gr->last_usec = now_usec;

        /* What the count was without tallies (a full tally table counts
         * each further event as a new occurrence). */
        untracked = gr->count - group_occurrences(gr, 0);
        before = gr->count;
        for (size_t i = 0; i < gr->n_tally && !t; i++)
                if (streq(gr->tally[i].subject, strempty(subject)) && streq(gr->tally[i].kind, strempty(kind)))
                        t = &gr->tally[i];
        if (!t && gr->n_tally < NOTICE_TALLY_MAX) {
                NoticeTally *l = realloc(gr->tally, (gr->n_tally + 1) * sizeof *l);
                if (!l)
                        return -ENOMEM;
                gr->tally = l;
                t = &l[gr->n_tally];
                *t = (NoticeTally) { .subject = strdup(strempty(subject)), .kind = strdup(strempty(kind)) };
                if (!t->subject || !t->kind) {
                        free(t->subject);
                        free(t->kind);
                        return -ENOMEM;
                }
                gr->n_tally++;
        }
        if (t)
                t->n++;
        else
                untracked++;
        gr->count = group_occurrences(gr, untracked);

        *ret = gr;
        if (fresh)
                return GROUP_SHOW;
        return gr->count > before ? GROUP_UPDATE : GROUP_NOTHING;
}

NoticeGroup *notice_groups_find_serial(NoticeGroups *g, uint64_t serial) {
        for (size_t i = 0; i < g->n; i++)
                if (g->groups[i]->serial == serial)
                        return g->groups[i];
        return NULL;
}

bool notice_group_needs_update(const NoticeGroup *gr) {
        return !gr->in_flight && gr->count != gr->shown;
}

void notice_group_sent(NoticeGroup *gr) {
        gr->shown = gr->count;
        gr->in_flight = true;
}

void notice_group_answered(NoticeGroup *gr, uint32_t id) {
        gr->in_flight = false;
        if (id)
                gr->id = id;
}

void notice_groups_clear(NoticeGroups *g) {
        for (size_t i = 0; i < g->n; i++)
                group_free(g->groups[i]);
        free(g->groups);
        g->groups = NULL;
        g->n = 0;
}
