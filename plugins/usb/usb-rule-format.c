/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A rule back to text, the way usbguard prints one (RulePrivate::toString,
 * Rule::Attribute::toRuleString, Utility::escapeString): the target, then
 * id, serial, name, hash, parent-hash, via-port, with-interface, if,
 * with-connect-type, label; a set is written "op { a b }" with the default
 * operator left out, a single value without braces; strings are quoted with
 * '"' and '\' escaped and any byte outside printable ASCII as \xhh. The
 * output parses back to the same rule. Differences from usbguard's text:
 * device ids are printed in lower case (usbguard keeps the case written),
 * and rule-evaluated is printed as such (usbguard prints "rule-applied").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "usb.h"

static void put_text(FILE *f, const UsbText *t) {
        fputc('"', f);
        for (size_t i = 0; i < t->size; i++) {
                unsigned char c = (unsigned char) t->data[i];

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c >= 0x20 && c < 0x7f)
                        fputc(c, f);
                else
                        fprintf(f, "\\x%02x", c);
        }
        fputc('"', f);
}

static void put_id(FILE *f, const UsbIdPattern *id) {
        if (id->vendor < 0)
                fputs("*", f);
        else
                fprintf(f, "%04x", (unsigned) id->vendor);
        if (id->product < 0)
                fputs(":*", f);
        else
                fprintf(f, ":%04x", (unsigned) id->product);
}

static void put_interface(FILE *f, const UsbInterfaceType *t) {
        fprintf(f, "%02x:", t->klass);
        if (!(t->mask & USB_IF_MATCH_SUBCLASS))
                fputs("*:*", f);
        else if (!(t->mask & USB_IF_MATCH_PROTOCOL))
                fprintf(f, "%02x:*", t->subclass);
        else
                fprintf(f, "%02x:%02x", t->subclass, t->protocol);
}

static void put_condition(FILE *f, const UsbCondition *c) {
        if (c->negated)
                fputc('!', f);
        fputs(usb_condition_type_to_string(c->type), f);
        if (c->parameter && c->parameter_size > 0) {
                /* usbguard writes the raw parameter back as it was read. */
                fputc('(', f);
                fwrite(c->parameter, 1, c->parameter_size, f);
                fputc(')', f);
        }
}

typedef void (*PutValue)(FILE *f, const void *v);

static void put_attribute(FILE *f, const char *name, UsbSetOp op, const void *v, size_t n, size_t elem_size,
                          PutValue put) {
        bool set_form = n > 1 || op != USB_SET_EQUALS;

        if (n == 0)
                return;
        fprintf(f, " %s ", name);
        if (set_form) {
                if (op != USB_SET_EQUALS)
                        fprintf(f, "%s ", usb_set_op_to_string(op));
                fputs("{ ", f);
        }
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        fputc(' ', f);
                put(f, (const char *) v + i * elem_size);
        }
        if (set_form)
                fputs(" }", f);
}

static void put_text_v(FILE *f, const void *v) {
        put_text(f, v);
}

static void put_id_v(FILE *f, const void *v) {
        put_id(f, v);
}

static void put_interface_v(FILE *f, const void *v) {
        put_interface(f, v);
}

static void put_condition_v(FILE *f, const void *v) {
        put_condition(f, v);
}

static void put_text_set(FILE *f, const char *name, const UsbTextSet *s) {
        put_attribute(f, name, s->op, s->v, s->n, sizeof(UsbText), put_text_v);
}

int usb_rule_format(const UsbRule *r, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(usb_target_to_string(r->target) ?: "", f);
        put_attribute(f, "id", r->id.op, r->id.v, r->id.n, sizeof(UsbIdPattern), put_id_v);
        put_text_set(f, "serial", &r->serial);
        put_text_set(f, "name", &r->name);
        put_text_set(f, "hash", &r->hash);
        put_text_set(f, "parent-hash", &r->parent_hash);
        put_text_set(f, "via-port", &r->via_port);
        put_attribute(f, "with-interface", r->interfaces.op, r->interfaces.v, r->interfaces.n,
                      sizeof(UsbInterfaceType), put_interface_v);
        put_attribute(f, "if", r->conditions.op, r->conditions.v, r->conditions.n,
                      sizeof(UsbCondition), put_condition_v);
        put_text_set(f, "with-connect-type", &r->connect_type);
        put_text_set(f, "label", &r->label);
        if (ferror(f) || fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
