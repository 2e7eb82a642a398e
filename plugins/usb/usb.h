/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The host-independent half of the USB plugin: the USBGuard rule language
 * (rules.conf(5)), the sysfs "descriptors" decoder, USBGuard's device hash
 * and rule matching. Nothing here opens a file, reads a clock the caller did
 * not ask for, or logs: buffers go in, structs or a negative errno come out,
 * so every function can be fuzzed and unit-tested without a USB bus.
 *
 * Facts about USBGuard that this follows are cited as "usbguard:" with the
 * upstream file they come from (github.com/USBGuard/usbguard, 1.1.4-3-g1477faa).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#define sizeof_field(type, field) sizeof(((type *) NULL)->field)

/* ---- common values ------------------------------------------------------ */

/* usbguard: USBInterfaceType masks (src/Library/public/usbguard/USB.hpp). */
#define USB_IF_MATCH_CLASS    0x01U
#define USB_IF_MATCH_SUBCLASS 0x02U
#define USB_IF_MATCH_PROTOCOL 0x04U
#define USB_IF_MATCH_ALL      0x07U

/* An interface type: a device's interface (mask ALL) or a rule pattern
 * "cc:ss:pp", "cc:ss:*" or "cc:*:*". */
typedef struct UsbInterfaceType {
        uint8_t klass;
        uint8_t subclass;
        uint8_t protocol;
        uint8_t mask;
} UsbInterfaceType;

/* ---- usb-rule.c: the rule language -------------------------------------- */

/* usbguard: the grammar accepts five targets (RuleParser/Grammar.hpp). */
typedef enum UsbTarget {
        USB_TARGET_ALLOW,
        USB_TARGET_BLOCK,
        USB_TARGET_REJECT,
        USB_TARGET_MATCH,
        USB_TARGET_DEVICE,
        USB_TARGET_EMPTY,       /* a blank or comment-only line: not a rule */
        _USB_TARGET_MAX,
} UsbTarget;

typedef enum UsbSetOp {
        USB_SET_EQUALS,         /* the default when no operator is written */
        USB_SET_ALL_OF,
        USB_SET_ONE_OF,
        USB_SET_NONE_OF,
        USB_SET_EQUALS_ORDERED,
        USB_SET_MATCH_ALL,
        _USB_SET_MAX,
} UsbSetOp;

/* A quoted string after unescaping. \x00 is a legal escape, so the text may
 * hold NUL bytes: size is authoritative, data is also NUL-terminated. */
typedef struct UsbText {
        char *data;
        size_t size;
} UsbText;

/* "vvvv:pppp", "vvvv:*" or "*:*"; -1 stands for '*'. */
typedef struct UsbIdPattern {
        int32_t vendor;
        int32_t product;
} UsbIdPattern;

/* An attribute holds n values and an operator; n == 0 means the rule did
 * not name the attribute, which matches any device (usbguard: "Nothing
 * applies to anything", Rule.hpp Attribute::appliesTo). */
typedef struct UsbTextSet {
        UsbSetOp op;
        size_t n;
        UsbText *v;
} UsbTextSet;

typedef struct UsbIdSet {
        UsbSetOp op;
        size_t n;
        UsbIdPattern *v;
} UsbIdSet;

typedef struct UsbInterfaceSet {
        UsbSetOp op;
        size_t n;
        UsbInterfaceType *v;
} UsbInterfaceSet;

typedef enum UsbConditionType {
        USB_CONDITION_TRUE,
        USB_CONDITION_FALSE,
        USB_CONDITION_RANDOM,
        USB_CONDITION_LOCALTIME,
        USB_CONDITION_ALLOWED_MATCHES,
        USB_CONDITION_RULE_APPLIED,
        USB_CONDITION_RULE_EVALUATED,
        _USB_CONDITION_MAX,
} UsbConditionType;

struct UsbRule;

typedef struct UsbCondition {
        UsbConditionType type;
        bool negated;
        /* The raw text between the parentheses, NULL when there were none.
         * usbguard hands it to the condition without unescaping it
         * (RuleCondition.cpp), and so do we. true/false drop it, as usbguard
         * does (FixedStateCondition). */
        char *parameter;
        size_t parameter_size;
        double probability;             /* random: p(true), 0.5 by default */
        uint32_t begin_sec, end_sec;    /* localtime: seconds after midnight */
        uint64_t window_usec;           /* rule-applied/-evaluated: 0 = ever */
        struct UsbRule *query;          /* allowed-matches: "allow " + parameter */
} UsbCondition;

typedef struct UsbConditionSet {
        UsbSetOp op;
        size_t n;
        UsbCondition *v;
} UsbConditionSet;

typedef struct UsbRule {
        UsbTarget target;
        unsigned line;                  /* 1-based source line, 0 for a single string */
        UsbIdSet id;
        UsbTextSet serial;
        UsbTextSet name;
        UsbTextSet hash;
        UsbTextSet parent_hash;
        UsbTextSet via_port;
        UsbTextSet connect_type;        /* with-connect-type */
        UsbTextSet label;               /* never used for matching */
        UsbInterfaceSet interfaces;     /* with-interface */
        UsbConditionSet conditions;     /* if */

        /* State for rule-applied / rule-evaluated, in the caller's monotonic
         * microseconds (UsbMatchContext.now_usec). */
        uint64_t n_applied, last_applied_usec;
        uint64_t n_evaluated, last_evaluated_usec;
} UsbRule;

typedef struct UsbRuleSet {
        UsbRule **rules;                /* in file order; no EMPTY entries */
        size_t n_rules;
} UsbRuleSet;

typedef struct UsbRuleError {
        unsigned line;                  /* 1-based; 0 when a single string was parsed */
        unsigned column;                /* 1-based byte column */
        char message[192];              /* one line, printable ASCII only */
} UsbRuleError;

/* A rules file is bounded so that a runaway file cannot eat the agent's
 * memory; real ones are a few KiB. */
#define USB_RULES_SIZE_MAX (16U * 1024U * 1024U)

/* Parse one line. A blank or comment-only line gives a rule whose target is
 * USB_TARGET_EMPTY. Returns 0, -EINVAL (syntax; reterr filled), -ENOMEM. */
int usb_rule_parse_line(const char *line, size_t size, UsbRule **ret, UsbRuleError *reterr);
int usb_rule_parse_string(const char *s, UsbRule **ret, UsbRuleError *reterr);
UsbRule *usb_rule_free(UsbRule *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(UsbRule *, usb_rule_free);

/* Parse a whole rules.conf: lines end at '\n' only (usbguard uses
 * std::getline), the first bad line fails the whole file (usbguard refuses
 * to start), blank and comment lines are skipped. Returns 0, -EINVAL
 * (reterr has line and column), -EFBIG, -ENOMEM. */
int usb_rules_parse_buffer(const char *buf, size_t size, UsbRuleSet **ret, UsbRuleError *reterr);
UsbRuleSet *usb_rule_set_free(UsbRuleSet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(UsbRuleSet *, usb_rule_set_free);

const char *usb_target_to_string(UsbTarget t);
const char *usb_set_op_to_string(UsbSetOp op);
const char *usb_condition_type_to_string(UsbConditionType t);

/* Internal to usb-rule.c and usb-condition.c: allowed-matches parses its
 * parameter as a rule, one level deeper. */
#define USB_RULE_DEPTH_MAX 4U
int usb_rule_parse_nested(const char *line, size_t size, unsigned depth, UsbRule **ret,
                          UsbRuleError *reterr);

/* ---- usb-rule-format.c: canonical text -------------------------------- */

/* The rule as usbguard prints it (RulePrivate::toString): attributes in a
 * fixed order, single spaces, default operator omitted, strings re-escaped,
 * condition parameters raw. The text parses back to the same rule, except
 * that a condition parameter holding a NUL byte ends the C string there.
 * Returns 0 or -ENOMEM. */
int usb_rule_format(const UsbRule *r, char **ret);

/* ---- usb-condition.c ---------------------------------------------------- */

/* Build a condition from its text, "[!]identifier[(parameter)]", with the
 * checks usbguard's condition constructors make. depth is the rule nesting
 * level (allowed-matches). Returns 0 or -EINVAL with a message in errbuf,
 * or -ENOMEM. */
int usb_condition_parse(UsbCondition *c, const char *text, size_t size, unsigned depth,
                        char *errbuf, size_t errsize);
void usb_condition_done(UsbCondition *c);

/* ---- usb-descriptor.c: sysfs "descriptors" ------------------------------ */

#define USB_DT_DEVICE    0x01U
#define USB_DT_CONFIG    0x02U
#define USB_DT_STRING    0x03U
#define USB_DT_INTERFACE 0x04U
#define USB_DT_ENDPOINT  0x05U

/* The kernel keeps at most 8 configurations (USB_MAXCONFIG) of at most
 * 65535 bytes each after the 18-byte device descriptor: 1 MiB is ample. */
#define USB_DESCRIPTORS_SIZE_MAX (1024U * 1024U)

typedef struct UsbDescriptor {
        uint8_t type;
        uint8_t length;
        size_t offset;                  /* in the blob */
        int configuration;              /* index of the enclosing configuration, -1 before any */
        union {
                struct {
                        uint16_t bcdUSB;
                        uint8_t bDeviceClass, bDeviceSubClass, bDeviceProtocol;
                        uint8_t bMaxPacketSize0;
                        uint16_t idVendor, idProduct, bcdDevice;
                        uint8_t iManufacturer, iProduct, iSerialNumber;
                        uint8_t bNumConfigurations;
                } device;
                struct {
                        uint16_t wTotalLength;
                        uint8_t bNumInterfaces, bConfigurationValue, iConfiguration;
                        uint8_t bmAttributes, bMaxPower;
                } config;
                struct {
                        uint8_t bInterfaceNumber, bAlternateSetting, bNumEndpoints;
                        uint8_t bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol;
                        uint8_t iInterface;
                } interface;
                struct {
                        uint8_t bEndpointAddress, bmAttributes;
                        uint16_t wMaxPacketSize;
                        uint8_t bInterval;
                        uint8_t bRefresh, bSynchAddress;        /* 9-byte audio form only */
                } endpoint;
        };
} UsbDescriptor;

typedef struct UsbDescriptors {
        size_t size;                    /* bytes decoded: the whole blob */
        UsbDescriptor *descriptors;     /* every descriptor, unknown types too */
        size_t n_descriptors;
        const UsbDescriptor *device;    /* NULL if the blob has none */
        size_t n_configurations;
        /* Every interface descriptor of every configuration, alternate
         * settings included, in blob order: the list usbguard matches
         * with-interface against (DevicePrivate::loadInterfaceDescriptor). */
        UsbInterfaceType *interfaces;
        size_t n_interfaces;
} UsbDescriptors;

/* Decode with usbguard's checks (USB.cpp USBDescriptorParser::parse,
 * DevicePrivate::load*Descriptor): bLength >= 2 and within the blob; device
 * 18 bytes, configuration and interface 9, endpoint 7 or 9; one device
 * descriptor, before any configuration; interfaces inside a configuration;
 * endpoints after an interface; at least 18 bytes in all. Returns 0,
 * -EBADMSG (malformed or truncated), -EFBIG, -ENOMEM. Never reads past
 * data + size. */
int usb_descriptors_parse(const void *data, size_t size, UsbDescriptors **ret);
UsbDescriptors *usb_descriptors_free(UsbDescriptors *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(UsbDescriptors *, usb_descriptors_free);

/* ---- usb-hash.c: USBGuard's device hash ---------------------------------- */

#define USB_HASH_SIZE 45                /* base64 of a SHA-256: 44 characters + NUL */
#define USB_DEVICE_STRING_MAX 253       /* usbguard: USB_GENERIC_STRING_MAX_LENGTH */

/* The "hash" attribute of a device (usbguard DevicePrivate::initializeHash,
 * UEventDevice::parseUSBDescriptor): base64(SHA-256(name || idVendor ||
 * idProduct || serial || each descriptor)), the four strings being the
 * sysfs attribute values without their trailing newline ("" when absent),
 * and a Linux root hub's device descriptor (1d6b:0001..0003) hashed with
 * bcdDevice zeroed. Returns 0, -EINVAL (empty or over-long id, "*"),
 * -ENAMETOOLONG (name or serial over 253 bytes, which usbguard refuses),
 * errors of usb_descriptors_parse(), or -EIO if libcrypto fails. */
int usb_hash_device(const char *name, const char *id_vendor, const char *id_product,
                    const char *serial, const void *descriptors, size_t size,
                    char ret[static USB_HASH_SIZE]);

/* base64(SHA-256(s)). A device whose parent is not a USB device (a root
 * hub) gets this of the parent's sysfs devpath as its parent-hash, e.g.
 * "/devices/pci0000:00/0000:00:14.0" (usbguard UEventDevice constructor);
 * any other device's parent-hash is its parent's hash. */
int usb_hash_string(const char *s, size_t size, char ret[static USB_HASH_SIZE]);

/* ---- usb-match.c ----------------------------------------------------------- */

/* A device as rules see it. NULL strings read as "" (usbguard reads the
 * optional sysfs attributes as empty strings). */
typedef struct UsbDevice {
        uint16_t vendor_id, product_id;
        const char *name;               /* sysfs "product" */
        const char *serial;             /* sysfs "serial" */
        const char *port;               /* via-port: the sysfs name, "1-4.2", "usb1" */
        const char *connect_type;       /* sysfs "port/connect_type" */
        const char *hash;
        const char *parent_hash;
        const UsbInterfaceType *interfaces;     /* UsbDescriptors.interfaces */
        size_t n_interfaces;
} UsbDevice;

typedef struct UsbMatchContext {
        /* Monotonic time for rule-applied/rule-evaluated windows. */
        uint64_t now_usec;
        /* Seconds since midnight that localtime() compares with; negative
         * means "compute from the wall clock in the local time zone". */
        int32_t daytime_sec;
        /* Uniform in [0, 1) for random(); NULL: arc4random(). */
        double (*random)(void *userdata);
        /* allowed-matches(query): > 0 if a currently allowed device matches
         * the query's attributes (see usb_rule_applies()), 0 if none, < 0 on
         * error. NULL: false, as usbguard does without its device manager. */
        int (*allowed_matches)(void *userdata, const UsbRule *query);
        void *userdata;
} UsbMatchContext;

/* Whether the rule's attributes apply to the device, conditions aside
 * (usbguard RulePrivate::appliesTo). */
bool usb_rule_applies(const UsbRule *r, const UsbDevice *d);

/* Attributes, then, if they apply, every condition (usbguard
 * RulePrivate::appliesToWithConditions). Counts the rule as evaluated.
 * Returns 1 (matches), 0, or a negative errno from a callback. ctx may be
 * NULL (monotonic now 0, wall-clock local time, arc4random, no devices). */
int usb_rule_evaluate(UsbRule *r, const UsbDevice *d, const UsbMatchContext *ctx);

/* The first rule that matches, whatever its target (usbguard
 * RuleSetPrivate::getFirstMatchingRule); it is counted as applied. Returns 1
 * and the rule, 0 and NULL when none matches or s is NULL (the caller
 * applies its implicit target), or a negative errno. */
int usb_rules_first_match(UsbRuleSet *s, const UsbDevice *d, const UsbMatchContext *ctx,
                          UsbRule **ret);

/* Evaluate one condition for rule r (negation included). */
int usb_condition_evaluate(const UsbCondition *c, const UsbRule *r, const UsbMatchContext *ctx);
