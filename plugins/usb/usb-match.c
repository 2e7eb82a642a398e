/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Does a rule match a device? usbguard's answer (RulePrivate::appliesTo,
 * appliesToWithConditions, meetsConditions; Rule::Attribute::appliesTo and
 * setSolve*; RuleSetPrivate::getFirstMatchingRule):
 *
 * - Every attribute the rule names must apply; an attribute it does not
 *   name applies to anything; "label" is never looked at. The device side
 *   of each attribute has exactly one value (possibly ""), except
 *   with-interface, which is the device's whole interface list.
 * - With S the rule's values and D the device's, and s ~ d "s covers d":
 *     all-of          every s covers some d
 *     one-of          some s covers some d
 *     none-of         no s covers any d
 *     equals          |S| = |D| and every s covers some d (not a bijection:
 *                     { a a } equals { a b } — usbguard's definition)
 *     equals-ordered  |S| = |D| and S[i] covers D[i] for every i
 *     match-all       every d is covered by some s
 *   A string covers an equal string; "vvvv:pppp" covers that id, "vvvv:*"
 *   any product of the vendor, "*:*" anything; an interface pattern covers
 *   interfaces equal on the fields its mask names.
 * - Only if the attributes apply are the conditions evaluated (all of them,
 *   no short cut): one-of needs one true, none-of none, every other
 *   operator all of them; no conditions is true.
 * - Rules are tried in order and the first match wins, whatever its target.
 *
 * Where this deliberately differs from usbguard 1.1.x (each a fail-open or
 * surprising case there, listed for the manual):
 * - usbguard compares vendor and product ids as the strings written, so
 *   "0781:55A1" never matches the kernel's "55a1"; here they are numbers.
 * - usbguard's match-all on string attributes is unimplemented and always
 *   true (Predicates::isSupersetOf logs "Not implemented"), and on ids it
 *   ignores wildcards; here match-all uses the same "covers" as the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usb.h"

typedef bool (*Covers)(const void *s, const void *d);

/* Rule::Attribute::appliesTo over arrays of any element type. */
static bool set_applies(UsbSetOp op, const void *sv, size_t ns, size_t ss,
                        const void *dv, size_t nd, size_t ds, Covers covers) {
        size_t i, j;

#define S(i) ((const char *) sv + (i) * ss)
#define D(j) ((const char *) dv + (j) * ds)
        if (ns == 0)
                return true;
        switch (op) {
        case USB_SET_ONE_OF:
        case USB_SET_NONE_OF:
                for (i = 0; i < ns; i++)
                        for (j = 0; j < nd; j++)
                                if (covers(S(i), D(j)))
                                        return op == USB_SET_ONE_OF;
                return op == USB_SET_NONE_OF;
        case USB_SET_EQUALS:
        case USB_SET_ALL_OF:
                if (op == USB_SET_EQUALS && ns != nd)
                        return false;
                for (i = 0; i < ns; i++) {
                        for (j = 0; j < nd; j++)
                                if (covers(S(i), D(j)))
                                        break;
                        if (j == nd)
                                return false;
                }
                return true;
        case USB_SET_EQUALS_ORDERED:
                if (ns != nd)
                        return false;
                for (i = 0; i < ns; i++)
                        if (!covers(S(i), D(i)))
                                return false;
                return true;
        case USB_SET_MATCH_ALL:
                for (j = 0; j < nd; j++) {
                        for (i = 0; i < ns; i++)
                                if (covers(S(i), D(j)))
                                        break;
                        if (i == ns)
                                return false;
                }
                return true;
        default:
                return false;
        }
#undef S
#undef D
}

static bool text_covers(const void *s, const void *d) {
        const UsbText *t = s;
        const char *v = *(const char *const *) d;
        size_t l = strlen(v);

        return t->size == l && memcmp(t->data, v, l) == 0;
}

static bool text_applies(const UsbTextSet *s, const char *value) {
        const char *v = value ?: "";

        return set_applies(s->op, s->v, s->n, sizeof(UsbText), &v, 1, sizeof(const char *), text_covers);
}

typedef struct DeviceId {
        uint16_t vendor, product;
} DeviceId;

static bool id_covers(const void *s, const void *d) {
        const UsbIdPattern *p = s;
        const DeviceId *id = d;

        /* usbguard USBDeviceID::isSubsetOf */
        if (p->vendor < 0)
                return true;
        if ((uint32_t) p->vendor != id->vendor)
                return false;
        return p->product < 0 || (uint32_t) p->product == id->product;
}

static bool interface_covers(const void *s, const void *d) {
        const UsbInterfaceType *p = s, *t = d;

        /* usbguard USBInterfaceType::appliesTo */
        return (!(p->mask & USB_IF_MATCH_CLASS) || p->klass == t->klass) &&
                (!(p->mask & USB_IF_MATCH_SUBCLASS) || p->subclass == t->subclass) &&
                (!(p->mask & USB_IF_MATCH_PROTOCOL) || p->protocol == t->protocol);
}

bool usb_rule_applies(const UsbRule *r, const UsbDevice *d) {
        DeviceId id = { .vendor = d->vendor_id, .product = d->product_id };

        return set_applies(r->id.op, r->id.v, r->id.n, sizeof(UsbIdPattern), &id, 1, sizeof id, id_covers) &&
                text_applies(&r->serial, d->serial) &&
                text_applies(&r->connect_type, d->connect_type) &&
                text_applies(&r->name, d->name) &&
                text_applies(&r->hash, d->hash) &&
                text_applies(&r->parent_hash, d->parent_hash) &&
                text_applies(&r->via_port, d->port) &&
                set_applies(r->interfaces.op, r->interfaces.v, r->interfaces.n, sizeof(UsbInterfaceType),
                            d->interfaces, d->n_interfaces, sizeof(UsbInterfaceType), interface_covers);
}

static int32_t wall_clock_daytime(void) {
        time_t now = time(NULL);
        struct tm tm;

        if (!localtime_r(&now, &tm))
                return 0;
        return tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static bool within(uint64_t count, uint64_t last, uint64_t window, uint64_t now) {
        if (count == 0)
                return false;
        if (window == 0)
                return true;
        return now < last || now - last <= window;
}

int usb_condition_evaluate(const UsbCondition *c, const UsbRule *r, const UsbMatchContext *ctx) {
        int32_t daytime;
        int k;
        bool v;

        switch (c->type) {
        case USB_CONDITION_TRUE:
                v = true;
                break;
        case USB_CONDITION_FALSE:
                v = false;
                break;
        case USB_CONDITION_RANDOM: {
                double u = ctx->random ? ctx->random(ctx->userdata) : (double) arc4random() / 4294967296.0;

                v = u < c->probability;
                break;
        }
        case USB_CONDITION_LOCALTIME:
                /* The manual's local time of day; usbguard 1.1.x actually
                 * compares with time(NULL) % 86400, i.e. UTC. */
                daytime = ctx->daytime_sec >= 0 ? ctx->daytime_sec : wall_clock_daytime();
                v = (uint32_t) daytime >= c->begin_sec && (uint32_t) daytime <= c->end_sec;
                break;
        case USB_CONDITION_ALLOWED_MATCHES:
                k = ctx->allowed_matches ? ctx->allowed_matches(ctx->userdata, c->query) : 0;
                if (k < 0)
                        return k;
                v = k > 0;
                break;
        case USB_CONDITION_RULE_APPLIED:
                v = within(r->n_applied, r->last_applied_usec, c->window_usec, ctx->now_usec);
                break;
        case USB_CONDITION_RULE_EVALUATED:
                v = within(r->n_evaluated, r->last_evaluated_usec, c->window_usec, ctx->now_usec);
                break;
        default:
                return -EINVAL;
        }
        return v != c->negated;
}

static const UsbMatchContext default_context = { .daytime_sec = -1 };

int usb_rule_evaluate(UsbRule *r, const UsbDevice *d, const UsbMatchContext *ctx) {
        int result = 0;

        if (!ctx)
                ctx = &default_context;
        if (usb_rule_applies(r, d)) {
                size_t n_true = 0;

                for (size_t i = 0; i < r->conditions.n; i++) {
                        int k = usb_condition_evaluate(&r->conditions.v[i], r, ctx);

                        if (k < 0)
                                return k;
                        n_true += (size_t) k;
                }
                switch (r->conditions.op) {
                case USB_SET_ONE_OF:
                        result = n_true > 0;
                        break;
                case USB_SET_NONE_OF:
                        result = n_true == 0;
                        break;
                default:
                        result = n_true == r->conditions.n;
                }
        }
        /* Counted after the conditions ran, so that rule-evaluated means
         * "evaluated before this time". */
        r->n_evaluated++;
        r->last_evaluated_usec = ctx->now_usec;
        return result;
}

int usb_rules_first_match(UsbRuleSet *s, const UsbDevice *d, const UsbMatchContext *ctx, UsbRule **ret) {
        if (!ctx)
                ctx = &default_context;
        for (size_t i = 0; s && i < s->n_rules; i++) {
                UsbRule *r = s->rules[i];
                int k = usb_rule_evaluate(r, d, ctx);

                if (k < 0)
                        return k;
                if (k > 0) {
                        r->n_applied++;
                        r->last_applied_usec = ctx->now_usec;
                        *ret = r;
                        return 1;
                }
        }
        *ret = NULL;
        return 0;
}
