/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mamori plugin ABI: the only header a plugin includes.
 *
 * A plugin is a shared object that exports one symbol, `mamori_plugin`, a
 * const struct mamori_plugin whose first field is MAMORI_PLUGIN_ABI. The host
 * lends it the sd-event loop, the root prefix, a logger and emitters.
 * Strings cross the boundary borrowed: the host copies what it keeps, and
 * nothing is freed across the DSO boundary.
 *
 * ABI discipline: structs only grow at the end (each carries its size),
 * enums are fixed at 32 bits, booleans are int. Bump MAMORI_PLUGIN_ABI on
 * any incompatible change.
 */
#ifndef MAMORI_PLUGIN_H
#define MAMORI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAMORI_PLUGIN_ABI 1
#define MAMORI_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef enum mamori_status {
        MAMORI_PASS = 0,
        MAMORI_FAIL = 1,
        MAMORI_ERROR = 2,
        MAMORI_NOT_APPLICABLE = 3,
        _MAMORI_STATUS_FORCE_32 = 0x7fffffff
} mamori_status;

struct mamori_param {                   /* scalars have one value; lists several */
        const char *key;
        const char *const *values;      /* NULL-terminated, never NULL itself */
};

struct mamori_rule {                    /* one loaded rule, as the host parsed it */
        const char *id;                 /* "accounts.no-empty-passwords" */
        const char *check;              /* "accounts.empty-passwords" */
        const struct mamori_param *params;
        size_t n_params;
        int enforce;
};

struct mamori_finding {
        mamori_status status;
        const char *subject;            /* "user:taro", "/etc/sudoers"; may be NULL */
        const char *evidence;           /* short, never a secret; for ERROR: the reason */
};

struct mamori_host;                     /* opaque, owned by mamorid */

struct mamori_host_api {                /* what the host lends a plugin; append-only */
        uint32_t size;                  /* sizeof(struct mamori_host_api) of the host */
        sd_event *loop;                 /* the agent's loop: add udev, inotify, timer sources */
        int root_fd;                    /* O_PATH|O_DIRECTORY fd of --root; use openat() */
        const char *root;               /* the same prefix as a string ("/" or "/tmp/x") */

        void (*log)(struct mamori_host *h, int prio, const char *fmt, ...)
                __attribute__((format(printf, 3, 4)));

        /* During evaluate(): record one finding for the rule. A rule may get
         * several (one per subject). Outside evaluate() returns -EBUSY. */
        int (*emit_finding)(struct mamori_host *h, const struct mamori_rule *r,
                            const struct mamori_finding *f);

        /* An event for the tamper-evident log, the journal and the staff
         * notifier. kind is "<plugin>.<what>" and maps to a MESSAGE_ID. */
        int (*emit_event)(struct mamori_host *h, const char *kind, const char *subject,
                          const char *text);

        /* Ask the host to re-evaluate, soon, every rule using this check (a
         * watch saw something change). Safe from any event source callback. */
        int (*request_evaluation)(struct mamori_host *h, const char *check);

        /* The first parameter called key, or NULL. */
        const struct mamori_param *(*find_param)(const struct mamori_rule *r, const char *key);

        /* The plugin's own persistent state in the agent's database (approved
         * sets, baselines): survives restarts, replaced whole on each put.
         * state_get lends *ret_data until the plugin's next state_get or the
         * end of the current callback; -ENOENT when nothing was stored. */
        int (*state_get)(struct mamori_host *h, const char *key, const void **ret_data,
                         size_t *ret_size);
        int (*state_put)(struct mamori_host *h, const char *key, const void *data, size_t size);

        /* During action(): one line of output for the administrator. */
        int (*action_output)(struct mamori_host *h, const char *line);

        /* A setting of the agent's own configuration meant for plugins
         * (mamori.conf(5): [USB] RuleFile=), or NULL when unset. */
        const char *(*setting)(struct mamori_host *h, const char *section, const char *key);
};

/* Something the administrator can ask a plugin to do through mamorictl
 * ("mamorictl usb register DEVICE"). */
struct mamori_action {
        const char *name;               /* "list", "register", "accept"; NULL ends a list */
        int privileged;                 /* changes state: needs the administrator's authorisation */
        const char *usage;              /* arguments, for help texts: "DEVICE [--read-only]" */
        const char *summary;            /* one line */
};

struct mamori_plugin {
        uint32_t abi;                   /* FIRST: read before trusting anything else */
        uint32_t size;                  /* sizeof(struct mamori_plugin) at build time */
        const char *name;               /* "accounts", "usb", ... */
        const char *const *checks;      /* NULL-terminated: "accounts.empty-passwords", ... */

        /* Called once after loading. */
        int (*init)(struct mamori_host *h, const struct mamori_host_api *api, void **ret_state);

        /* At policy load: check the rule's params. On error return a negative
         * errno, the index of the offending param in *reterr_param (or
         * (size_t)-1 for the rule as a whole) and a message. */
        int (*validate)(void *state, const struct mamori_rule *r, size_t *reterr_param,
                        char *reterr_msg, size_t msg_size);

        /* Evaluate one rule now; report every outcome through emit_finding.
         * A negative return makes the rule ERROR with that errno. */
        int (*evaluate)(void *state, const struct mamori_rule *r);

        /* Optional (NULL if none): (re)arm sd-event sources for the rules of
         * this plugin in the policy now in force; called after the first load
         * and after each reload that succeeded. The rule pointers stay valid
         * until the next call to watch() or free(). */
        int (*watch)(void *state, const struct mamori_rule *const *rules, size_t n_rules);

        /* Unref every source the plugin added; accepts NULL; returns NULL. */
        void *(*free)(void *state);

        /* Optional (NULL if none). The actions the plugin offers, and the
         * call that runs one: output goes through api->action_output; a
         * negative errno is the failure, with the reason as the last output
         * line. The host checks authorisation before calling. */
        const struct mamori_action *actions;
        int (*action)(void *state, const char *name, const char *const *args);
};

/* The only exported symbol of a plugin:
 *   MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = { ... }; */
#define MAMORI_PLUGIN_SYMBOL "mamori_plugin"

#ifdef __cplusplus
}
#endif
#endif
