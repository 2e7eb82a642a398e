/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <json-c/json.h>

#include "config.h"
#include "plugin_host.h"
#include "policy.h"
#include "store.h"

/* One Manager owns everything: the loop, the bus, the plugins, the policy,
 * the store and the latest result of every rule. */

typedef struct Settings {
        const char *root;                        /* every system path lives under it */
        char **rules_dirs;                       /* NULL-terminated */
        const char *state_dir;
        const char *plugin_dir;
        const char *report_file;                 /* NULL or "": none */
        const char *terminal;                    /* NULL: host name under root */
        const char *bus_address;                 /* NULL: system bus */
        uint64_t default_interval_usec;
        const char *usb_rule_file;               /* [USB] RuleFile=, lent to the usb plugin */
        bool once;                               /* evaluate, write the report, exit */
        bool use_bus;
} Settings;

typedef struct RuleResult {
        const Rule *rule;                        /* into Manager.policy */
        Plugin *plugin;                          /* NULL: no usable plugin */
        char *plugin_label;                      /* the check's prefix: "accounts" */
        char *unavailable;                       /* why plugin is NULL */
        mamori_status status;
        char **evidence;                         /* NULL-terminated */
        uint64_t since_usec;
        uint64_t evaluated_usec;
        bool evaluated;
        bool pending;                            /* a plugin asked for re-evaluation */
        sd_event_source *timer;
        struct Manager *manager;
} RuleResult;

typedef struct Collect Collect;                  /* findings of the rule being evaluated */

typedef struct Manager {
        Settings settings;
        char *terminal;
        int root_fd;

        sd_event *event;
        sd_event_source *pending_source;
        sd_event_source *report_source;
        sd_bus *bus;
        sd_bus_slot *bus_slot;

        PluginHost *host;
        Policy *policy;
        RuleResult *results;
        size_t n_results;
        Store *store;

        RuleResult *evaluating;
        Collect *collect;

        uint64_t last_evaluation_usec;
        int score;                               /* -1: none */
        bool ready_sent;
} Manager;

int manager_new(const Settings *s, Manager **ret);
Manager *manager_free(Manager *m);

/* Load (or, with a running policy, reload) the rule files. On a bad file
 * the policy in force stays, *ret_error says why (caller frees). */
int manager_load_policy(Manager *m, char **ret_error);

/* Reload as SIGHUP does: a rejected policy leaves the last good one in
 * force and is logged as an event; *ret_error says why. */
int manager_reload(Manager *m, char **ret_error);

int manager_evaluate_all(Manager *m);
int manager_write_report(Manager *m);
int manager_build_report(Manager *m, json_object **ret);
int manager_build_report_json(Manager *m, char **ret);

/* Log an event to the store (hash chain), the journal and the bus. */
int manager_emit_event(Manager *m, const char *kind, const char *subject, const char *text);

int manager_run(Manager *m);

static inline void manager_freep(Manager **m) {
        manager_free(*m);
}
