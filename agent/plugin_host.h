/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mamori-plugin.h"

/* Loads plugins from one directory and answers "which plugin runs this
 * check". A plugin that cannot be used (wrong ABI, missing symbol, a check
 * another plugin claims, a failing init) is refused with one log line; its
 * reason is kept so that every rule naming one of its checks reports
 * `error` with that reason instead of silently passing.
 *
 * Check names are "<plugin>.<what>" and a plugin's file is "<plugin>.so":
 * that is how a rule is tied to a refused plugin whose check list could
 * not be trusted. */

typedef struct Plugin Plugin;
typedef struct PluginHost PluginHost;

/* What the host calls back into its owner (the manager) for. */
typedef struct PluginHostCallbacks {
        int (*emit_finding)(void *userdata, Plugin *p, const struct mamori_rule *r,
                            const struct mamori_finding *f);
        int (*emit_event)(void *userdata, Plugin *p, const char *kind, const char *subject,
                          const char *text);
        int (*request_evaluation)(void *userdata, Plugin *p, const char *check);
        /* *ret is malloc'ed; the host keeps it for the plugin until its next get. */
        int (*state_get)(void *userdata, Plugin *p, const char *key, void **ret, size_t *ret_size);
        int (*state_put)(void *userdata, Plugin *p, const char *key, const void *data, size_t size);
        const char *(*setting)(void *userdata, const char *section, const char *key);
        void *userdata;
} PluginHostCallbacks;

typedef int (*PluginOutputFn)(void *userdata, const char *line);

int plugin_host_new(sd_event *loop, int root_fd, const char *root,
                    const PluginHostCallbacks *cb, PluginHost **ret);
PluginHost *plugin_host_free(PluginHost *h);

/* Load every *.so in dir (sorted). Refusals are logged and remembered, not
 * returned: only an unusable directory is an error. */
int plugin_host_load_dir(PluginHost *h, const char *dir);

/* The plugin that runs check, or NULL. When NULL and ret_reason is given,
 * *ret_reason says why (a refused plugin's reason, or NULL: nobody claims it). */
Plugin *plugin_host_find_check(PluginHost *h, const char *check, const char **ret_reason);

/* For the policy loader: -ENOENT when nobody claims the check and no
 * refused plugin explains it; 0 when a refused plugin owns it (the rule
 * loads and reports error); else the plugin's validate(). */
int plugin_host_validate(void *host, const struct mamori_rule *r, size_t *reterr_param,
                         char *msg, size_t msg_size);

int plugin_evaluate(Plugin *p, const struct mamori_rule *r);

/* The plugin called name and its action called action: -ENOENT (no such
 * plugin) or -EOPNOTSUPP (no such action). */
int plugin_host_find_action(PluginHost *h, const char *name, const char *action, Plugin **ret_plugin,
                            const struct mamori_action **ret_action);
/* Runs it; every output line goes to out. */
int plugin_run_action(Plugin *p, const char *action, const char *const *args, PluginOutputFn out,
                      void *userdata);
/* The plugin's actions, NULL-terminated by name, or NULL. */
const struct mamori_action *plugin_actions(const Plugin *p);
int plugin_watch(Plugin *p, const struct mamori_rule *const *rules, size_t n);
const char *plugin_name(const Plugin *p);

size_t plugin_host_count(const PluginHost *h);
Plugin *plugin_host_get(const PluginHost *h, size_t i);
size_t plugin_host_refused_count(const PluginHost *h);

static inline void plugin_host_freep(PluginHost **h) {
        plugin_host_free(*h);
}
