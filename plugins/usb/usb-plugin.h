/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "usb-agent.h"

#define USB_DEFAULT_RULE_FILE "/etc/mamori/usb.rules"
#define USB_DEFAULT_UDEV_RULE "/usr/lib/udev/rules.d/70-mamori-usb.rules"

struct udev;
struct udev_monitor;

/* What was decided for a device, by its sysfs name: block devices that
 * appear later under it are made read-only when its registration says so. */
typedef struct UsbKnown {
        char *name;
        char hash[USB_HASH_SIZE];
        UsbVerdict verdict;
        bool read_only;
        bool registered;                /* allowed by a rule, not by the implicit policy */
} UsbKnown;

typedef struct UsbPlugin {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        bool enforce;                   /* usb.enforcing has enforce: true */
        char *rule_file;                /* absolute, under the root prefix */
        char *udev_rule;
        UsbRuleSet *rules;              /* NULL: none, or unusable (rules_error says why) */
        char *rules_error;
        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *monitor_source;
        UsbKnown *known;
        size_t n_known;
} UsbPlugin;

/* usb-enforce.c */
void usb_lock_root_hubs(UsbPlugin *u);
int usb_decide_all(UsbPlugin *u);
int usb_decide_one(UsbPlugin *u, const char *name);
int usb_block_added(UsbPlugin *u, const char *sysname, const char *devpath);
void usb_device_removed(UsbPlugin *u, const char *name);
void usb_known_clear(UsbPlugin *u);
const UsbKnown *usb_known_find(UsbPlugin *u, const char *name);

/* usb-monitor.c */
int usb_monitor_start(UsbPlugin *u);
void usb_monitor_stop(UsbPlugin *u);

/* usb-checks.c */
int usb_check_enforcing(UsbPlugin *u, const struct mamori_rule *r);
int usb_check_no_unregistered_storage(UsbPlugin *u, const struct mamori_rule *r);

/* usb-register.c */
int usb_rules_reload(UsbPlugin *u);
int usb_action_list(UsbPlugin *u);
int usb_action_register(UsbPlugin *u, const char *const *args);
int usb_action_unregister(UsbPlugin *u, const char *const *args);
int usb_action_check_rules(UsbPlugin *u, const char *const *args);

/* Output for actions, printf-style. */
int usb_out(UsbPlugin *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
