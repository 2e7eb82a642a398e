/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* Asking polkit whether the sender of a method call may do action_id,
 * without blocking the agent: the question goes out asynchronously (polkit
 * may be waiting for the administrator to type a password), and the method
 * is carried out, or refused, when the answer comes. No polkit, no answer,
 * or any error means no. root is authorised without asking (as systemd's
 * own services do). */

typedef int (*PolkitContinuation)(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* Returns 1 when the method will be answered later (return 1 from the
 * method handler), 0 after cont() ran at once (root), or a negative errno
 * with error set. userdata must outlive the question (the Manager does). */
int bus_polkit_check_async(sd_bus_message *msg, const char *action_id, PolkitContinuation cont,
                           void *userdata, sd_bus_error *error);
