/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "manager.h"
#include "store.h"

/* The agent's D-Bus interface (documented in mamorictl(8)). */
#define BUS_NAME "org.mamori.Agent1"
#define BUS_PATH "/org/mamori/Agent1"
#define BUS_INTERFACE "org.mamori.Agent1"
#define BUS_ERROR_POLICY_REJECTED "org.mamori.Agent1.Error.PolicyRejected"
#define BUS_ERROR_ACTION_FAILED "org.mamori.Agent1.Error.ActionFailed"

/* polkit actions (packaging/polkit/org.mamori.policy). A plugin's
 * privileged action NAME is "org.mamori.<plugin>.<NAME>". */
#define POLKIT_ACTION_RELOAD "org.mamori.reload"

int bus_setup(Manager *m);
void bus_emit_event(Manager *m, const StoreEvent *e);
void bus_emit_score_changed(Manager *m);
void bus_emit_policy_changed(Manager *m);
