/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The usb plugin: decides, for every USB device present or arriving,
 * whether it may work, and enforces that through the kernel's USB
 * authorisation (詳細編 2.2(3)②, 2.2(4)①②, 7.1(14)①③④). */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usb-plugin.h"

static const char *const checks[] = { "usb.enforcing", "usb.no-unregistered-storage", NULL };

static const struct mamori_action actions[] = {
        { "list", 0, "", "the USB devices present, with the decision for each" },
        { "register", 1, "DEVICE [--read-only] [--label TEXT]",
          "allow a storage medium (DEVICE: its port such as 2-1, or its hash) and record it in the rule file" },
        { "unregister", 1, "DEVICE", "remove a medium's registration and block it" },
        { "check-rules", 1, "[FILE]", "validate a USBGuard-language rule file" },
        { "rescan", 1, "", "decide every present device again" },
        { NULL, 0, NULL, NULL },
};

static int usb_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret) {
        UsbPlugin *u;

        if (!api || api->size < sizeof(struct mamori_host_api))
                return -EPROTO;
        u = calloc(1, sizeof *u);
        if (!u)
                return -ENOMEM;
        u->host = h;
        u->api = api;
        *ret = u;
        return 0;
}

static int usb_validate(void *state, const struct mamori_rule *r, size_t *reterr_param, char *msg,
                        size_t size) {
        bool enforcing = strcmp(r->check, "usb.enforcing") == 0;

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *p = &r->params[i];

                *reterr_param = i;
                if (!enforcing) {
                        snprintf(msg, size, "%s takes no params (got \"%s\")", r->check, p->key);
                        return -EINVAL;
                }
                if (strcmp(p->key, "rule-file") == 0 || strcmp(p->key, "udev-rule") == 0) {
                        if (!p->values[0] || p->values[1] || p->values[0][0] != '/') {
                                snprintf(msg, size, "%s must be one absolute path", p->key);
                                return -EINVAL;
                        }
                        continue;
                }
                snprintf(msg, size, "unknown param \"%s\" (usb.enforcing takes rule-file and udev-rule)",
                         p->key);
                return -EINVAL;
        }
        return 0;
}

static void *usb_free(void *state) {
        UsbPlugin *u = state;

        if (!u)
                return NULL;
        usb_monitor_stop(u);
        usb_rule_set_free(u->rules);
        free(u->rules_error);
        usb_known_clear(u);
        free(u->rule_file);
        free(u->udev_rule);
        free(u);
        return NULL;
}

static const char *param_or(UsbPlugin *u, const struct mamori_rule *r, const char *key,
                            const char *def) {
        const struct mamori_param *p = r ? u->api->find_param(r, key) : NULL;
        return p && p->values[0] ? p->values[0] : def;
}

/* The files the usb.enforcing rule names (NULL: the defaults), and the
 * rules read from the rule file. Both paths are set, or neither. */
static int usb_configure(UsbPlugin *u, const struct mamori_rule *enforcing) {
        /* The rule's param wins over mamori.conf's [USB] RuleFile=. */
        const char *configured = u->api->size >= offsetof(struct mamori_host_api, setting) +
                                                 sizeof(u->api->setting) && u->api->setting ?
                                 u->api->setting(u->host, "USB", "RuleFile") : NULL;
        char *rule_file = strdup(param_or(u, enforcing, "rule-file",
                                          configured ? configured : USB_DEFAULT_RULE_FILE)),
             *udev_rule = strdup(param_or(u, enforcing, "udev-rule", USB_DEFAULT_UDEV_RULE));

        if (!rule_file || !udev_rule) {
                free(rule_file);
                free(udev_rule);
                return -ENOMEM;
        }
        free(u->rule_file);
        free(u->udev_rule);
        u->rule_file = rule_file;
        u->udev_rule = udev_rule;
        (void) usb_rules_reload(u);
        return 0;
}

static int usb_watch(void *state, const struct mamori_rule *const *rules, size_t n) {
        UsbPlugin *u = state;
        const struct mamori_rule *enforcing = NULL;
        int r;

        for (size_t i = 0; i < n; i++)
                if (strcmp(rules[i]->check, "usb.enforcing") == 0)
                        enforcing = rules[i];
        r = usb_configure(u, enforcing);
        if (r < 0)
                return r;
        u->enforce = enforcing && enforcing->enforce;

        if (!u->enforce) {
                usb_monitor_stop(u);
                return 0;
        }
        /* The monitor opens before the present devices are read, so that a
         * device arriving meanwhile waits in its socket and is decided
         * after them, in order. */
        r = usb_monitor_start(u);
        if (r < 0)
                u->api->log(u->host, LOG_WARNING, "cannot watch kernel uevents (%s); deciding only "
                            "at start and on rescan", strerror(-r));
        usb_lock_root_hubs(u);
        return usb_decide_all(u);
}

static int usb_evaluate(void *state, const struct mamori_rule *r) {
        UsbPlugin *u = state;

        /* Evaluated without watch() (mamorid --once): read the settings
         * now, and enforce nothing. */
        if (!u->rule_file) {
                int k = usb_configure(u, strcmp(r->check, "usb.enforcing") == 0 ? r : NULL);
                if (k < 0)
                        return k;
        }
        if (strcmp(r->check, "usb.enforcing") == 0)
                return usb_check_enforcing(u, r);
        return usb_check_no_unregistered_storage(u, r);
}

static int usb_action(void *state, const char *name, const char *const *args) {
        UsbPlugin *u = state;
        int r;

        /* Before any watch(): the default files. check-rules reads only
         * the file it is given. */
        if (!u->rule_file && strcmp(name, "check-rules") != 0) {
                r = usb_configure(u, NULL);
                if (r < 0)
                        return r;
        }
        if (strcmp(name, "list") == 0)
                return usb_action_list(u);
        if (strcmp(name, "register") == 0)
                return usb_action_register(u, args);
        if (strcmp(name, "unregister") == 0)
                return usb_action_unregister(u, args);
        if (strcmp(name, "check-rules") == 0)
                return usb_action_check_rules(u, args);
        if (strcmp(name, "rescan") == 0) {
                usb_lock_root_hubs(u);
                return usb_decide_all(u);
        }
        return -EOPNOTSUPP;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "usb",
        .checks = checks,
        .init = usb_init,
        .validate = usb_validate,
        .evaluate = usb_evaluate,
        .watch = usb_watch,
        .free = usb_free,
        .actions = actions,
        .action = usb_action,
};
