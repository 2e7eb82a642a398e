/* SPDX-License-Identifier: GPL-2.0-or-later */
/* USBGuard rules files: any bytes either parse into rules that keep the
 * parser's promises, or fail with -EINVAL and a one-line message at a
 * position inside the input. A parsed rule's canonical text must parse
 * again into the same text, and every rule must evaluate without a
 * clock or a random source the fuzzer does not control. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/usb/usb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const UsbInterfaceType interfaces[] = {
        { 0x08, 0x06, 0x50, USB_IF_MATCH_ALL },
        { 0x03, 0x01, 0x01, USB_IF_MATCH_ALL },
};

static const UsbDevice device = {
        .vendor_id = 0x0781,
        .product_id = 0x5581,
        .name = "a",
        .serial = "",
        .port = "1-2",
        .hash = "h",
        .parent_hash = "p",
        .interfaces = interfaces,
        .n_interfaces = 2,
};

static double half(void *userdata) {
        return 0.5;
}

static int allowed_matches(void *userdata, const UsbRule *query) {
        if (!query)
                abort();
        return usb_rule_applies(query, &device);
}

static void check_error(const UsbRuleError *e, size_t size) {
        if (!e->message[0])
                abort();
        for (const char *m = e->message; *m; m++)
                if ((unsigned char) *m < 0x20 || (unsigned char) *m >= 0x7f)
                        abort();
        if (e->column < 1 || e->column > size + 1)
                abort();
}

static void check_rule(UsbRule *r) {
        const UsbMatchContext ctx = {
                .now_usec = 1,
                .daytime_sec = 43200,
                .random = half,
                .allowed_matches = allowed_matches,
        };
        UsbRule *again = NULL;
        char *text = NULL, *text_again = NULL;
        UsbRuleError e = {};
        int k;

        if (r->target == USB_TARGET_EMPTY)
                abort();
        /* Condition parameters are printed raw, as usbguard does; one
         * holding a NUL byte cannot survive a C string. */
        for (size_t i = 0; i < r->conditions.n; i++)
                if (r->conditions.v[i].parameter &&
                    memchr(r->conditions.v[i].parameter, 0, r->conditions.v[i].parameter_size))
                        goto evaluate;
        if (usb_rule_format(r, &text) < 0)
                return;
        k = usb_rule_parse_string(text, &again, &e);
        if (k == -ENOMEM)
                goto out;
        if (k < 0 || usb_rule_format(again, &text_again) < 0)
                abort();
        if (strcmp(text, text_again) != 0)
                abort();
evaluate:
        k = usb_rule_evaluate(r, &device, &ctx);
        if (k < 0 || k > 1)
                abort();
out:
        usb_rule_free(again);
        free(text);
        free(text_again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        UsbRuleSet *s = NULL;
        UsbRule *line = NULL;
        UsbRuleError e = {};
        int r;

        /* Rule files are a few KiB; longer inputs find nothing new. */
        if (size > 64 * 1024)
                return 0;

        r = usb_rules_parse_buffer((const char *) data, size, &s, &e);
        if (r < 0) {
                if (r == -ENOMEM)
                        return 0;
                if (r != -EINVAL || s || e.line < 1)
                        abort();
                check_error(&e, size);
        } else {
                for (size_t i = 0; i < s->n_rules; i++) {
                        if (s->rules[i]->line < 1 || (i > 0 && s->rules[i]->line <= s->rules[i - 1]->line))
                                abort();
                        check_rule(s->rules[i]);
                }
                usb_rule_set_free(s);
        }

        /* The whole input as one line: newlines are errors, except in a
         * comment. */
        r = usb_rule_parse_line((const char *) data, size, &line, &e);
        if (r < 0) {
                if (r != -EINVAL && r != -ENOMEM)
                        abort();
                if (r == -EINVAL)
                        check_error(&e, size);
        } else {
                if (line->target != USB_TARGET_EMPTY)
                        check_rule(line);
                usb_rule_free(line);
        }
        return 0;
}
