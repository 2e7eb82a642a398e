/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What may work: the administrator's rules first (USBGuard semantics: the
 * first matching rule decides), then mamori's implicit policy, 詳細編
 * 7.1(14)①③④ and 2.2(3)②: keyboards, mice and hubs work, everything else
 * (storage, phones, network adapters, wireless, the unknown) is blocked.
 * A composite device is decided interface by interface, so a keyboard that
 * also offers a storage interface types but does not mount. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usb-agent.h"

/* A label beginning with this marks a registration made read-only
 * (mamori-usb.rules(5)); the rest of the label is the administrator's text. */
#define READ_ONLY_LABEL "read-only"

static bool class_works_by_default(uint8_t klass) {
        return klass == USB_CLASS_HID || klass == USB_CLASS_HUB;
}

static void add_class(UsbDecision *dec, uint8_t klass) {
        for (size_t i = 0; i < dec->n_allowed_classes; i++)
                if (dec->allowed_classes[i] == klass)
                        return;
        if (dec->n_allowed_classes < sizeof dec->allowed_classes)
                dec->allowed_classes[dec->n_allowed_classes++] = klass;
}

static void implicit(const UsbSysDevice *d, UsbDecision *dec) {
        size_t n = d->desc ? d->desc->n_interfaces : 0, good = 0;
        uint8_t dclass = d->desc && d->desc->device ? d->desc->device->device.bDeviceClass : 0xff;

        for (size_t i = 0; i < n; i++)
                if (class_works_by_default(d->desc->interfaces[i].klass)) {
                        good++;
                        add_class(dec, d->desc->interfaces[i].klass);
                }
        /* Class 0 means "see the interfaces"; a device that names one class
         * for itself must name a harmless one. */
        if (n == 0 || good == 0 || (dclass != 0 && !class_works_by_default(dclass))) {
                dec->verdict = USB_VERDICT_BLOCK;
                dec->n_allowed_classes = 0;
                snprintf(dec->reason, sizeof dec->reason,
                         "not registered, and not a keyboard, mouse or hub");
        } else if (good == n) {
                dec->verdict = USB_VERDICT_ALLOW;
                snprintf(dec->reason, sizeof dec->reason, "keyboards, mice and hubs work by default");
        } else {
                dec->verdict = USB_VERDICT_ALLOW_INTERFACES;
                snprintf(dec->reason, sizeof dec->reason,
                         "composite device: only its keyboard, mouse or hub interfaces may work");
        }
}

/* rule-applied(T) and rule-evaluated(T) compare with this clock; without
 * it every window would count from the same instant and never close. */
static uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000U;
}

int usb_decide(UsbRuleSet *rules, const UsbSysDevice *d, UsbDecision *ret) {
        UsbDecision dec = { .verdict = USB_VERDICT_BLOCK };
        UsbMatchContext ctx = { .now_usec = now_monotonic_usec(), .daytime_sec = -1 };
        UsbRule *rule = NULL;
        UsbDevice view;
        int r;

        if (d->root_hub) {
                dec.verdict = USB_VERDICT_ALLOW;
                snprintf(dec.reason, sizeof dec.reason, "root hub");
                *ret = dec;
                return 0;
        }
        usb_device_view(d, &view);
        if (rules) {
                r = usb_rules_first_match(rules, &view, &ctx, &rule);
                if (r < 0)
                        return r;
        }
        /* "match" and "device" rules select devices for queries; they do
         * not decide. */
        if (rule && rule->target != USB_TARGET_ALLOW && rule->target != USB_TARGET_BLOCK &&
            rule->target != USB_TARGET_REJECT)
                rule = NULL;
        if (!rule) {
                implicit(d, &dec);
                *ret = dec;
                return 0;
        }

        dec.rule = rule;
        dec.verdict = rule->target == USB_TARGET_ALLOW ? USB_VERDICT_ALLOW :
                      rule->target == USB_TARGET_REJECT ? USB_VERDICT_REJECT : USB_VERDICT_BLOCK;
        if (rule->label.n > 0) {
                const UsbText *t = &rule->label.v[0];

                dec.label = strndup(t->data, t->size);
                if (!dec.label)
                        return -ENOMEM;
                dec.read_only = dec.verdict == USB_VERDICT_ALLOW &&
                                strncmp(dec.label, READ_ONLY_LABEL, strlen(READ_ONLY_LABEL)) == 0;
        }
        snprintf(dec.reason, sizeof dec.reason, "%s by the rule on line %u%s",
                 usb_target_to_string(rule->target), rule->line,
                 dec.read_only ? " (read-only)" : "");
        *ret = dec;
        return 0;
}

int usb_decide_quietly(UsbRuleSet *rules, const UsbSysDevice *d, UsbDecision *ret) {
        typedef struct Counters {
                uint64_t n_applied, last_applied_usec, n_evaluated, last_evaluated_usec;
        } Counters;
        size_t n = rules ? rules->n_rules : 0;
        Counters *saved = calloc(n + 1, sizeof *saved);
        int r;

        if (!saved)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const UsbRule *x = rules->rules[i];
                saved[i] = (Counters) { x->n_applied, x->last_applied_usec, x->n_evaluated,
                                        x->last_evaluated_usec };
        }
        r = usb_decide(rules, d, ret);
        for (size_t i = 0; i < n; i++) {
                UsbRule *x = rules->rules[i];
                x->n_applied = saved[i].n_applied;
                x->last_applied_usec = saved[i].last_applied_usec;
                x->n_evaluated = saved[i].n_evaluated;
                x->last_evaluated_usec = saved[i].last_evaluated_usec;
        }
        free(saved);
        return r;
}

void usb_decision_done(UsbDecision *dec) {
        free(dec->label);
        dec->label = NULL;
}
