/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "store.h"

/* The journal side of an event: one structured entry per event, with a
 * MESSAGE_ID per event kind so that `journalctl MESSAGE_ID=…` finds every
 * blocked device or failing rule. The MESSAGE_ID of kind K is the first 128
 * bits of SHA-256("mamori-event:" K), in hex: stable, and needs no table
 * that could drift from the code. */
#define MESSAGE_ID_SIZE 33

void event_message_id(const char *kind, char out[static MESSAGE_ID_SIZE]);

/* e is NULL when the event could not be written to the store. */
void event_log_journal(const StoreEvent *e, const char *kind, const char *subject,
                       const char *text);
