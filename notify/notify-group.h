/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Grouping repeated events into one notification, so that a stick plugged
 * in five times, or a hub with three sticks, makes one bubble that counts
 * ("3 USB storage media blocked") instead of a stack of them. Pure: the
 * caller passes the time and carries out what notice_groups_add() says. */

#include <stdint.h>

#include "notify-text.h"

/* Events of one group closer than this to the group's previous event join
 * it; a staff member who plugs a stick in again after a quiet minute sees
 * a fresh notification. */
#define NOTICE_GROUP_WINDOW_USEC (60 * USEC_PER_SEC)
/* How long an update of a shown notification waits for more events, so a
 * burst replaces the bubble once rather than once per event. */
#define NOTICE_UPDATE_DELAY_USEC (2 * USEC_PER_SEC)
/* Events of a class that does not count subjects (a restoration writes
 * several files at once) closer than this are one occurrence. */
#define NOTICE_BURST_USEC (2 * USEC_PER_SEC)
/* Bounds on what a flood can make the notifier hold. */
#define NOTICE_GROUPS_MAX 32
#define NOTICE_TALLY_MAX 64

/* How often one subject was seen through one event kind. */
typedef struct NoticeTally {
        char *subject;
        char *kind;
        unsigned n;
} NoticeTally;

typedef struct NoticeGroup {
        uint64_t serial;                /* names the group across asynchronous calls */
        NoticeClass class;
        char *key;                      /* notice_group_key() */
        uint64_t last_usec;             /* the newest event's arrival */
        unsigned count;                 /* occurrences: see notice_groups_add() */
        unsigned shown;                 /* the count the desktop shows or was sent; 0: none */
        uint32_t id;                    /* the server's notification id; 0 until it answered */
        bool in_flight;                 /* a Notify call is waiting for its answer */
        NoticeTally *tally;
        size_t n_tally;
} NoticeGroup;

typedef struct NoticeGroups {
        NoticeGroup **groups;
        size_t n;
        uint64_t next_serial;
        uint64_t window_usec;           /* NOTICE_GROUP_WINDOW_USEC unless a test says otherwise */
} NoticeGroups;

typedef enum GroupAction {
        GROUP_NOTHING,                  /* the same occurrence again (another kind of event for it) */
        GROUP_SHOW,                     /* a new group: notify now */
        GROUP_UPDATE,                   /* the count grew: replace the notification soon */
} GroupAction;

/* Counts one event. For a class that counts subjects, an occurrence is
 * one subject seen once: the usb plugin sends usb.blocked and usb.notice
 * for the same medium, which is one medium blocked, so a group's count is,
 * summed over its subjects, the largest number of times one kind of event
 * was seen for that subject. For the others, an occurrence is a burst:
 * events less than NOTICE_BURST_USEC apart are one. Returns a GroupAction (>= 0) and the group in *ret, or -ENOMEM. */
int notice_groups_add(NoticeGroups *g, NoticeClass class, const char *key, const char *kind,
                      const char *subject, uint64_t now_usec, NoticeGroup **ret);

/* Drops the groups whose last event is older than the window. */
void notice_groups_expire(NoticeGroups *g, uint64_t now_usec);

NoticeGroup *notice_groups_find_serial(NoticeGroups *g, uint64_t serial);

/* Whether the group has a count the desktop has not been sent yet (and no
 * call is waiting): the caller then sends it and calls notice_group_sent(). */
bool notice_group_needs_update(const NoticeGroup *gr);
void notice_group_sent(NoticeGroup *gr);
void notice_group_answered(NoticeGroup *gr, uint32_t id);

void notice_groups_clear(NoticeGroups *g);
