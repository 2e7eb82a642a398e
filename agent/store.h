/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori-plugin.h"
#include "util.h"

/* The agent's state: one SQLite database (WAL, synchronous=FULL) at
 * <state dir>/mamori.db holding the latest finding per rule and the
 * append-only, hash-chained event log (詳細編 8.1(5)).
 *
 * Event hash: SHA-256, lower-case hex, over the previous event's hash (64
 * '0' for the first event) followed by each of seq, time_usec (decimal),
 * kind, subject and text encoded as "<byte length>:<bytes>,". An event is
 * acknowledged once store_append_event() returned 0: it is committed and
 * synced, and survives SIGKILL or power loss at any later instant. */

typedef struct Store Store;

typedef struct StoreEvent {
        uint64_t seq;                            /* 1, 2, 3, ... */
        uint64_t time_usec;                      /* CLOCK_REALTIME */
        char *kind;                              /* "rule.fail", "usb.blocked", ... */
        char *subject;
        char *text;
        char prev_hash[SHA256_HEX_SIZE];
        char hash[SHA256_HEX_SIZE];
} StoreEvent;

typedef struct StoreFinding {
        char *rule_id;
        mamori_status status;
        char **evidence;                         /* NULL-terminated */
        uint64_t since_usec;                     /* when the status last changed */
        uint64_t evaluated_usec;                 /* when it was last evaluated */
} StoreFinding;

/* Opens (creating dir's database and schema when missing). */
int store_open(const char *dir, Store **ret);
Store *store_close(Store *s);
const char *store_last_error(Store *s);

/* Appends and commits one event; fills *ret (optional) with seq and hashes;
 * the strings in *ret are copies the caller frees with store_event_clear(). */
int store_append_event(Store *s, uint64_t time_usec, const char *kind, const char *subject,
                       const char *text, StoreEvent *ret);
void store_event_clear(StoreEvent *e);
void store_events_free(StoreEvent *e, size_t n);

/* Events with seq > since_seq, oldest first, at most limit (0: no limit). */
int store_list_events(Store *s, uint64_t since_seq, size_t limit, StoreEvent **ret, size_t *ret_n);

/* The newest event's seq and hash (0 and 64 '0' when the log is empty). */
int store_chain_head(Store *s, uint64_t *ret_seq, char ret_hash[static SHA256_HEX_SIZE]);

/* Walks the whole chain. Returns 0 when intact, 1 when broken: then
 * *ret_seq is the first seq that does not verify (a gap, an edited row, a
 * wrong link, or a head that disagrees with the last row) and *ret_reason
 * says what is wrong. Negative errno if the database cannot be read. */
int store_verify_events(Store *s, uint64_t *ret_seq, char **ret_reason);

/* Records a rule's latest finding. When the status differs from the stored
 * one (or none was stored) since_usec becomes now_usec. Returns in
 * *ret_previous the status stored before, or -1 when there was none. */
int store_put_finding(Store *s, const char *rule_id, mamori_status status,
                      char *const *evidence, uint64_t now_usec, int *ret_previous,
                      uint64_t *ret_since_usec);
/* -ENOENT when the rule has no stored finding. */
int store_get_finding(Store *s, const char *rule_id, StoreFinding *ret);
void store_finding_clear(StoreFinding *f);
/* Forget findings of rules not in keep (NULL-terminated ids). */
int store_prune_findings(Store *s, char *const *keep);

/* A plugin's own persistent value under (plugin, key), replaced whole on
 * each put. get returns a malloc'ed copy with a NUL after it, or -ENOENT. */
int store_state_put(Store *s, const char *plugin, const char *key, const void *data, size_t size,
                    uint64_t now_usec);
int store_state_get(Store *s, const char *plugin, const char *key, void **ret, size_t *ret_size);

static inline void store_closep(Store **s) {
        store_close(*s);
}
