/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The host-facing half of the USB plugin: devices read from sysfs under
 * the root prefix, the decision for each, and its enforcement through the
 * kernel's USB authorisation. usb.h is the pure half (rules, descriptors,
 * hash, matching). */

#include <stdbool.h>
#include <stdint.h>

#include "mamori-plugin.h"
#include "usb.h"

/* Interface classes (usb.org class codes) the policy names. */
#define USB_CLASS_AUDIO        0x01
#define USB_CLASS_COMM         0x02
#define USB_CLASS_HID          0x03
#define USB_CLASS_STILL_IMAGE  0x06
#define USB_CLASS_MASS_STORAGE 0x08
#define USB_CLASS_HUB          0x09
#define USB_CLASS_CDC_DATA     0x0a
#define USB_CLASS_WIRELESS     0xe0
#define USB_CLASS_MISC         0xef

/* One USB device as sysfs shows it (sys/bus/usb/devices/NAME). */
typedef struct UsbSysDevice {
        char *name;                     /* "1-2", "usb1" */
        char *devpath;                  /* "/devices/pci0000:00/0000:00:04.0/usb1/1-2" */
        char *id_vendor, *id_product;   /* "46f4" */
        char *serial, *product, *manufacturer;
        char *connect_type;             /* port/connect_type: "hotplug", "hardwired", ... */
        void *descriptors;
        size_t descriptors_size;
        UsbDescriptors *desc;
        char hash[USB_HASH_SIZE];
        char parent_hash[USB_HASH_SIZE];
        int authorized;                 /* 0, 1, or -1 when unreadable */
        bool root_hub;
} UsbSysDevice;

int usb_sys_read(int root_fd, const char *name, UsbSysDevice **ret);
UsbSysDevice *usb_sys_device_free(UsbSysDevice *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(UsbSysDevice *, usb_sys_device_free);

/* Names of the USB devices present (not interfaces), sorted so that a
 * parent comes before its children. NULL-terminated. */
int usb_sys_list(int root_fd, char ***ret);

/* Write value to sys/bus/usb/devices/NAME/ATTR (or an interface's). */
int usb_sys_write(int root_fd, const char *name, const char *attr, const char *value);
/* Read a small attribute, trailing newline removed. -ENOENT if absent. */
int usb_sys_read_attr(int root_fd, const char *name, const char *attr, char **ret);

bool usb_device_has_class(const UsbSysDevice *d, uint8_t klass);
/* "03:01:01 08:06:50" */
int usb_device_interfaces_string(const UsbSysDevice *d, char **ret);
/* "usb:46f4:0001:SERIAL" */
int usb_device_subject(const UsbSysDevice *d, char **ret);
/* The view rules match against (points into d). */
void usb_device_view(const UsbSysDevice *d, UsbDevice *ret);

/* --- the decision ------------------------------------------------------- */

typedef enum UsbVerdict {
        USB_VERDICT_ALLOW,              /* the whole device */
        USB_VERDICT_ALLOW_INTERFACES,   /* the device, but only the interfaces listed */
        USB_VERDICT_BLOCK,
        USB_VERDICT_REJECT,             /* remove the device */
} UsbVerdict;

typedef struct UsbDecision {
        UsbVerdict verdict;
        const UsbRule *rule;            /* the rule that matched, or NULL: the implicit policy */
        bool read_only;                 /* a registered medium to be made read-only */
        char *label;                    /* the rule's label, if any */
        uint8_t allowed_classes[32];    /* ALLOW_INTERFACES: the classes allowed */
        size_t n_allowed_classes;
        char reason[160];               /* why, in words */
} UsbDecision;

/* First matching rule wins (USBGuard); when none matches, keyboards, mice
 * and hubs are allowed and everything else blocked, interface by interface
 * for composite devices. */
int usb_decide(UsbRuleSet *rules, const UsbSysDevice *d, UsbDecision *ret);
/* The same, without counting it as an evaluation or application of the
 * rules (rule-evaluated, rule-applied): for what only shows or scores a
 * decision (list, checks), so that looking does not change what the next
 * device gets. */
int usb_decide_quietly(UsbRuleSet *rules, const UsbSysDevice *d, UsbDecision *ret);
void usb_decision_done(UsbDecision *dec);

/* Whether d carries storage, networking or wireless (what "unregistered
 * storage or network-class device" means in usb.no-unregistered-storage). */
bool usb_device_is_storage_or_network(const UsbSysDevice *d);
