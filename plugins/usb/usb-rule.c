/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The USBGuard rule language, one line at a time.
 *
 * usbguard parses a rule with a PEG (PEGTL, src/Library/RuleParser/
 * Grammar.hpp). This is a hand-written recursive descent that follows that
 * grammar rule for rule, so that exactly the same lines are accepted:
 *
 *   line       := blank* (comment | rule)? EOF
 *   rule       := target (blank+ device-id)? (blank+ attribute (blank+ attribute)*)?
 *                 comment? blank*
 *   comment    := blank* '#' anything
 *   target     := "allow" | "block" | "reject" | "match" | "device"
 *   attribute  := keyword blank+ (set | value)
 *   set        := (operator blank+)? '{' blank* value (blank+ value)* blank* '}'
 *   operator   := all-of | one-of | none-of | equals-ordered | equals | match-all
 *
 * blank is space or tab only. Words are matched as plain prefixes (PEGTL
 * strings have no word boundary), so "allow#x" is a rule with a comment and
 * "alloww" fails at the second 'w'. Two kinds of failure exist, as in PEGTL:
 * a soft one, after which the parser backs up and tries the next
 * alternative, and a hard one (if_must, or an action that throws) that ends
 * the parse. Actions only have side effects on paths that end in an error
 * anyway, so values are committed once their attribute has parsed.
 *
 * Semantic checks happen where usbguard's actions (RuleParser/Actions.hpp)
 * make them: a repeated attribute fails when its keyword is read (except
 * "label", whose check upstream is keyed on the wrong keyword, so repeated
 * labels append), "*:pppp" is refused (USBDeviceID::checkDeviceID),
 * "cc:*:pp" is refused (USBInterfaceType), a quoted string is unescaped with
 * only \" \\ and \xHH allowed (Utility::unescapeString), and conditions are
 * built by usb_condition_parse().
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "usb.h"

typedef struct Parser {
        const char *s;
        size_t n;
        size_t pos;
        unsigned depth;
        UsbRule *rule;

        /* Hard failure: no alternative may be tried any more. */
        int error;                      /* 0, -EINVAL or -ENOMEM */
        size_t err_pos;
        char err_msg[sizeof_field(UsbRuleError, message)];

        /* The furthest soft failure, to explain a line that does not end
         * where the grammar does. */
        size_t far_pos;
        const char *far_what;
} Parser;

typedef bool (*ValueParser)(Parser *p, void *ret);
typedef void (*ValueDone)(void *v);

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* A byte of the input, described so that the message stays one printable
 * line whatever the input holds. */
static void describe_at(const Parser *p, size_t pos, char *buf, size_t size) {
        unsigned char c;

        if (pos >= p->n) {
                snprintf(buf, size, "end of line");
                return;
        }
        c = (unsigned char) p->s[pos];
        if (c >= 0x20 && c < 0x7f)
                snprintf(buf, size, "'%c'", c);
        else
                snprintf(buf, size, "byte 0x%02x", c);
}

_printf_(3, 4)
static bool fail_hard(Parser *p, size_t pos, const char *fmt, ...) {
        va_list ap;

        if (p->error)
                return false;
        p->error = -EINVAL;
        p->err_pos = pos;
        va_start(ap, fmt);
        vsnprintf(p->err_msg, sizeof p->err_msg, fmt, ap);
        va_end(ap);
        return false;
}

static bool fail_oom(Parser *p) {
        if (!p->error) {
                p->error = -ENOMEM;
                p->err_pos = p->pos;
                snprintf(p->err_msg, sizeof p->err_msg, "out of memory");
        }
        return false;
}

static void expect(Parser *p, const char *what) {
        if (p->pos >= p->far_pos) {
                p->far_pos = p->pos;
                p->far_what = what;
        }
}

static bool at(const Parser *p, char c) {
        return p->pos < p->n && p->s[p->pos] == c;
}

static size_t skip_blanks(Parser *p) {
        size_t start = p->pos;

        while (p->pos < p->n && is_blank(p->s[p->pos]))
                p->pos++;
        return p->pos - start;
}

/* A PEGTL string: a plain prefix match. */
static bool eat_word(Parser *p, const char *w) {
        size_t l = strlen(w);

        if (p->n - p->pos < l || memcmp(p->s + p->pos, w, l) != 0)
                return false;
        p->pos += l;
        return true;
}

/* Exactly `digits` hexadecimal digits (PEGTL rep<N, xdigit>). */
static bool parse_hex(Parser *p, unsigned digits, uint32_t *ret) {
        uint32_t v = 0;

        if (p->n - p->pos < digits)
                return false;
        for (unsigned i = 0; i < digits; i++) {
                int x = hex_value(p->s[p->pos + i]);

                if (x < 0)
                        return false;
                v = (v << 4) | (uint32_t) x;
        }
        p->pos += digits;
        *ret = v;
        return true;
}

/* ---- bounded strings -------------------------------------------------------- */

/* After a backslash (at esc): hexbyte "x" HH, decbyte [0-9]{1,3}, one of
 * a b f n r t v \ ' 0 and newline, or the closing character. Anything else
 * is a hard error (if_must). */
static bool parse_escape(Parser *p, char boundary, size_t esc) {
        static const char singles[] = { 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\', '\'', '0', '\n' };
        char c;

        if (p->pos >= p->n)
                return fail_hard(p, esc, "unterminated escape sequence");
        c = p->s[p->pos];
        if (c == 'x') {
                p->pos++;
                if (p->n - p->pos < 2 || hex_value(p->s[p->pos]) < 0 ||
                    hex_value(p->s[p->pos + 1]) < 0)
                        return fail_hard(p, esc, "\\x must be followed by two hexadecimal digits");
                p->pos += 2;
                return true;
        }
        if (is_digit(c)) {
                p->pos++;
                for (unsigned i = 0; i < 2 && p->pos < p->n && is_digit(p->s[p->pos]); i++)
                        p->pos++;
                return true;
        }
        if (memchr(singles, c, sizeof singles) || c == boundary) {
                p->pos++;
                return true;
        }
        return fail_hard(p, esc, "invalid escape sequence");
}

/* open ... close with escapes; CR and LF cannot appear raw. Soft failure
 * only if the opening character is missing. On success the content is
 * [*ret_begin, *ret_end). */
static bool parse_bounded(Parser *p, char open, char close, const char *what, const char *noun,
                          size_t *ret_begin, size_t *ret_end) {
        size_t start = p->pos;

        if (!at(p, open)) {
                expect(p, what);
                return false;
        }
        p->pos++;
        for (;;) {
                char c;

                if (p->pos >= p->n)
                        return fail_hard(p, start, "unterminated %s", noun);
                c = p->s[p->pos];
                if (c == close)
                        break;
                if (c == '\\') {
                        size_t esc = p->pos++;

                        if (!parse_escape(p, close, esc))
                                return false;
                        continue;
                }
                if (c == '\r' || c == '\n')
                        return fail_hard(p, p->pos, "line break inside %s", noun);
                p->pos++;
        }
        *ret_begin = start + 1;
        *ret_end = p->pos;
        p->pos++;
        return true;
}

/* usbguard Utility::unescapeString: \" \\ and \xHH only. */
static int unescape(const char *s, size_t n, UsbText *ret) {
        _cleanup_free_ char *buf = malloc(n + 1);
        size_t k = 0;

        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '\\') {
                        buf[k++] = s[i];
                        continue;
                }
                if (i + 1 >= n)
                        return -EINVAL;
                i++;
                if (s[i] == '"' || s[i] == '\\')
                        buf[k++] = s[i];
                else if (s[i] == 'x' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
                         hex_value(s[i + 2]) >= 0) {
                        buf[k++] = (char) (hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
                        i += 2;
                } else
                        return -EINVAL;
        }
        buf[k] = 0;
        ret->data = TAKE_PTR(buf);
        ret->size = k;
        return 0;
}

static bool parse_string_value(Parser *p, void *ret) {
        size_t start = p->pos, b, e;
        int r;

        if (!parse_bounded(p, '"', '"', "a quoted string", "quoted string", &b, &e))
                return false;
        r = unescape(p->s + b, e - b, ret);
        if (r == -ENOMEM)
                return fail_oom(p);
        if (r < 0)
                return fail_hard(p, start, "unknown escape sequence in string (only \\\", \\\\ and \\xHH)");
        return true;
}

static void text_done(void *v) {
        UsbText *t = v;

        free(t->data);
        t->data = NULL;
}

/* ---- values ----------------------------------------------------------------- */

static bool parse_id_part(Parser *p, int32_t *ret) {
        uint32_t v;

        if (at(p, '*')) {
                p->pos++;
                *ret = -1;
                return true;
        }
        if (parse_hex(p, 4, &v)) {
                *ret = (int32_t) v;
                return true;
        }
        expect(p, "4 hexadecimal digits or '*'");
        return false;
}

static bool parse_device_id_value(Parser *p, void *ret) {
        UsbIdPattern *id = ret;
        size_t start = p->pos;
        int32_t vendor, product;

        if (!parse_id_part(p, &vendor))
                goto soft;
        if (!at(p, ':')) {
                expect(p, "':'");
                goto soft;
        }
        p->pos++;
        if (!parse_id_part(p, &product))
                goto soft;
        /* usbguard USBDeviceID::checkDeviceID: a wildcard vendor needs a
         * wildcard product. */
        if (vendor < 0 && product >= 0)
                return fail_hard(p, start, "invalid device id: \"*:pppp\" is not allowed, use \"*:*\"");
        *id = (UsbIdPattern) { .vendor = vendor, .product = product };
        return true;
soft:
        p->pos = start;
        return false;
}

static bool parse_hex2_or_star(Parser *p, uint32_t *ret, bool *ret_star) {
        if (at(p, '*')) {
                p->pos++;
                *ret = 0;
                *ret_star = true;
                return true;
        }
        *ret_star = false;
        if (parse_hex(p, 2, ret))
                return true;
        expect(p, "2 hexadecimal digits or '*'");
        return false;
}

static bool parse_interface_value(Parser *p, void *ret) {
        UsbInterfaceType *t = ret;
        size_t start = p->pos;
        uint32_t c, s, pr;
        bool s_star, pr_star;

        if (!parse_hex(p, 2, &c)) {
                expect(p, "an interface type cc:ss:pp");
                goto soft;
        }
        if (!at(p, ':')) {
                expect(p, "':'");
                goto soft;
        }
        p->pos++;
        if (!parse_hex2_or_star(p, &s, &s_star))
                goto soft;
        if (!at(p, ':')) {
                expect(p, "':'");
                goto soft;
        }
        p->pos++;
        if (!parse_hex2_or_star(p, &pr, &pr_star))
                goto soft;
        /* usbguard USBInterfaceType(type_string): a specific protocol
         * under a wildcard subclass is refused. */
        if (s_star && !pr_star)
                return fail_hard(p, start, "invalid interface type: \"cc:*:pp\" is not allowed, use \"cc:*:*\"");
        *t = (UsbInterfaceType) {
                .klass = (uint8_t) c,
                .subclass = (uint8_t) s,
                .protocol = (uint8_t) pr,
                .mask = (uint8_t) (USB_IF_MATCH_CLASS | (s_star ? 0 : USB_IF_MATCH_SUBCLASS) |
                                   (pr_star ? 0 : USB_IF_MATCH_PROTOCOL)),
        };
        return true;
soft:
        p->pos = start;
        return false;
}

static bool parse_condition(Parser *p, void *ret) {
        size_t start = p->pos;
        char msg[sizeof_field(UsbRuleError, message)] = "";
        int r;

        if (at(p, '!'))
                p->pos++;
        if (p->pos >= p->n || !(is_alpha(p->s[p->pos]) || p->s[p->pos] == '-')) {
                expect(p, "a condition");
                p->pos = start;
                return false;
        }
        p->pos++;
        while (p->pos < p->n && (is_alpha(p->s[p->pos]) || is_digit(p->s[p->pos]) || p->s[p->pos] == '-'))
                p->pos++;
        if (at(p, '(')) {
                size_t b, e;

                if (!parse_bounded(p, '(', ')', "'('", "condition argument", &b, &e))
                        return false;
        }
        r = usb_condition_parse(ret, p->s + start, p->pos - start, p->depth, msg, sizeof msg);
        if (r == -ENOMEM)
                return fail_oom(p);
        if (r < 0)
                return fail_hard(p, start, "%s", msg);
        return true;
}

static void condition_done(void *v) {
        usb_condition_done(v);
}

/* ---- attributes ------------------------------------------------------------- */

static const char *const set_op_names[_USB_SET_MAX] = {
        [USB_SET_EQUALS] = "equals",
        [USB_SET_ALL_OF] = "all-of",
        [USB_SET_ONE_OF] = "one-of",
        [USB_SET_NONE_OF] = "none-of",
        [USB_SET_EQUALS_ORDERED] = "equals-ordered",
        [USB_SET_MATCH_ALL] = "match-all",
};

const char *usb_set_op_to_string(UsbSetOp op) {
        return op >= 0 && op < _USB_SET_MAX ? set_op_names[op] : NULL;
}

/* In the grammar's order: equals-ordered before its prefix equals. */
static bool parse_set_op(Parser *p, UsbSetOp *ret) {
        static const UsbSetOp order[] = {
                USB_SET_ALL_OF, USB_SET_ONE_OF, USB_SET_NONE_OF,
                USB_SET_EQUALS_ORDERED, USB_SET_EQUALS, USB_SET_MATCH_ALL,
        };

        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (eat_word(p, set_op_names[order[i]])) {
                        *ret = order[i];
                        return true;
                }
        return false;
}

typedef struct ValueList {
        void *v;
        size_t n, allocated;
        size_t elem_size;
        ValueDone done;
} ValueList;

static void value_list_clear(ValueList *l) {
        if (l->done)
                for (size_t i = 0; i < l->n; i++)
                        l->done((char *) l->v + i * l->elem_size);
        free(l->v);
        l->v = NULL;
        l->n = l->allocated = 0;
}

/* Make room for one more value; returns its slot, zeroed. */
static void *value_list_slot(ValueList *l) {
        if (l->n == l->allocated) {
                size_t k = l->allocated ? l->allocated * 2 : 4;
                void *v;

                if (k > SIZE_MAX / l->elem_size / 2)
                        return NULL;
                v = realloc(l->v, k * l->elem_size);
                if (!v)
                        return NULL;
                l->v = v;
                l->allocated = k;
        }
        return memset((char *) l->v + l->n * l->elem_size, 0, l->elem_size);
}

static bool parse_one_into(Parser *p, ValueList *l, ValueParser parse) {
        void *slot = value_list_slot(l);

        if (!slot)
                return fail_oom(p);
        if (!parse(p, slot))
                return false;
        l->n++;
        return true;
}

/* set | value. On success l holds the values; *ret_explicit tells whether
 * an operator was written. */
static bool parse_values(Parser *p, ValueParser parse, ValueList *l, UsbSetOp *ret_op, bool *ret_explicit) {
        size_t start = p->pos, save;
        UsbSetOp op = USB_SET_EQUALS;
        bool explicit_op = false;

        if (parse_set_op(p, &op)) {
                if (skip_blanks(p) > 0)
                        explicit_op = true;
                else {
                        p->pos = start;
                        op = USB_SET_EQUALS;
                }
        }
        if (at(p, '{')) {
                p->pos++;
                skip_blanks(p);
                if (!parse_one_into(p, l, parse))
                        goto set_failed;
                for (;;) {
                        save = p->pos;
                        if (skip_blanks(p) == 0)
                                break;
                        if (!parse_one_into(p, l, parse)) {
                                if (p->error)
                                        goto set_failed;
                                p->pos = save;
                                break;
                        }
                }
                skip_blanks(p);
                if (!at(p, '}')) {
                        expect(p, "'}' or a blank and another value");
                        goto set_failed;
                }
                p->pos++;
                *ret_op = op;
                *ret_explicit = explicit_op;
                return true;
        } else
                expect(p, "'{'");
set_failed:
        value_list_clear(l);
        if (p->error)
                return false;
        /* Not a set: a single value. */
        p->pos = start;
        if (!parse_one_into(p, l, parse)) {
                value_list_clear(l);
                return false;
        }
        *ret_op = USB_SET_EQUALS;
        *ret_explicit = false;
        return true;
}

typedef enum AttrKind {
        ATTR_ID,
        ATTR_NAME,
        ATTR_HASH,
        ATTR_PARENT_HASH,
        ATTR_SERIAL,
        ATTR_VIA_PORT,
        ATTR_WITH_INTERFACE,
        ATTR_WITH_CONNECT_TYPE,
        ATTR_IF,
        ATTR_LABEL,
        _ATTR_MAX,
} AttrKind;

/* In the grammar's order (rule_attributes). */
static const char *const attr_keywords[_ATTR_MAX] = {
        [ATTR_ID] = "id",
        [ATTR_NAME] = "name",
        [ATTR_HASH] = "hash",
        [ATTR_PARENT_HASH] = "parent-hash",
        [ATTR_SERIAL] = "serial",
        [ATTR_VIA_PORT] = "via-port",
        [ATTR_WITH_INTERFACE] = "with-interface",
        [ATTR_WITH_CONNECT_TYPE] = "with-connect-type",
        [ATTR_IF] = "if",
        [ATTR_LABEL] = "label",
};

static UsbTextSet *text_attr(UsbRule *r, AttrKind k) {
        switch (k) {
        case ATTR_NAME:
                return &r->name;
        case ATTR_HASH:
                return &r->hash;
        case ATTR_PARENT_HASH:
                return &r->parent_hash;
        case ATTR_SERIAL:
                return &r->serial;
        case ATTR_VIA_PORT:
                return &r->via_port;
        case ATTR_WITH_CONNECT_TYPE:
                return &r->connect_type;
        case ATTR_LABEL:
                return &r->label;
        default:
                return NULL;
        }
}

static size_t attr_count(UsbRule *r, AttrKind k) {
        switch (k) {
        case ATTR_ID:
                return r->id.n;
        case ATTR_WITH_INTERFACE:
                return r->interfaces.n;
        case ATTR_IF:
                return r->conditions.n;
        default:
                return text_attr(r, k)->n;
        }
}

/* Store parsed values. Only "label" can already hold values (see the top
 * of the file); usbguard then appends and takes a newly written operator. */
static bool attr_commit(Parser *p, AttrKind k, ValueList *l, UsbSetOp op, bool explicit_op) {
        UsbTextSet *t;

        switch (k) {
        case ATTR_ID:
                p->rule->id = (UsbIdSet) { .op = op, .n = l->n, .v = l->v };
                break;
        case ATTR_WITH_INTERFACE:
                p->rule->interfaces = (UsbInterfaceSet) { .op = op, .n = l->n, .v = l->v };
                break;
        case ATTR_IF:
                p->rule->conditions = (UsbConditionSet) { .op = op, .n = l->n, .v = l->v };
                break;
        default:
                t = text_attr(p->rule, k);
                if (t->n > 0) {
                        UsbText *v;

                        if (l->n > SIZE_MAX / sizeof(UsbText) - t->n)
                                return fail_oom(p);
                        v = realloc(t->v, (t->n + l->n) * sizeof(UsbText));
                        if (!v)
                                return fail_oom(p);
                        memcpy(v + t->n, l->v, l->n * sizeof(UsbText));
                        t->v = v;
                        t->n += l->n;
                        if (explicit_op)
                                t->op = op;
                        free(l->v);
                } else
                        *t = (UsbTextSet) { .op = op, .n = l->n, .v = l->v };
        }
        *l = (ValueList) {};
        return true;
}

static bool parse_attribute(Parser *p) {
        for (AttrKind k = 0; k < _ATTR_MAX; k++) {
                size_t start = p->pos;
                ValueList l = { .elem_size = sizeof(UsbText), .done = text_done };
                ValueParser parse = parse_string_value;
                UsbSetOp op;
                bool explicit_op;

                if (!eat_word(p, attr_keywords[k]))
                        continue;
                /* usbguard checks for a repeat as soon as the keyword
                 * matches (the str_* actions). */
                if (k != ATTR_LABEL && attr_count(p->rule, k) > 0) {
                        if (k == ATTR_IF)
                                return fail_hard(p, start, "conditions already defined");
                        return fail_hard(p, start, "%s attribute already defined", attr_keywords[k]);
                }
                if (skip_blanks(p) == 0) {
                        expect(p, "a blank after the attribute name");
                        p->pos = start;
                        continue;
                }
                switch (k) {
                case ATTR_ID:
                        l = (ValueList) { .elem_size = sizeof(UsbIdPattern) };
                        parse = parse_device_id_value;
                        break;
                case ATTR_WITH_INTERFACE:
                        l = (ValueList) { .elem_size = sizeof(UsbInterfaceType) };
                        parse = parse_interface_value;
                        break;
                case ATTR_IF:
                        l = (ValueList) { .elem_size = sizeof(UsbCondition), .done = condition_done };
                        parse = parse_condition;
                        break;
                default:
                        break;
                }
                if (!parse_values(p, parse, &l, &op, &explicit_op)) {
                        if (p->error)
                                return false;
                        p->pos = start;
                        continue;
                }
                if (!attr_commit(p, k, &l, op, explicit_op)) {
                        value_list_clear(&l);
                        return false;
                }
                return true;
        }
        expect(p, "an attribute (id, name, hash, parent-hash, serial, via-port, with-interface, "
               "with-connect-type, if, label)");
        return false;
}

/* ---- rules -------------------------------------------------------------------- */

static const char *const target_names[_USB_TARGET_MAX] = {
        [USB_TARGET_ALLOW] = "allow",
        [USB_TARGET_BLOCK] = "block",
        [USB_TARGET_REJECT] = "reject",
        [USB_TARGET_MATCH] = "match",
        [USB_TARGET_DEVICE] = "device",
        [USB_TARGET_EMPTY] = "",
};

const char *usb_target_to_string(UsbTarget t) {
        return t >= 0 && t < _USB_TARGET_MAX ? target_names[t] : NULL;
}

static bool parse_target(Parser *p, UsbTarget *ret) {
        for (UsbTarget t = 0; t < USB_TARGET_EMPTY; t++)
                if (eat_word(p, target_names[t])) {
                        *ret = t;
                        return true;
                }
        expect(p, "a target (allow, block, reject, match, device) or a comment");
        return false;
}

static bool parse_comment(Parser *p) {
        size_t save = p->pos;

        skip_blanks(p);
        if (!at(p, '#')) {
                p->pos = save;
                return false;
        }
        p->pos = p->n;
        return true;
}

static bool parse_rule_body(Parser *p) {
        UsbIdPattern id;
        size_t save;

        /* (blank+ device-id)? */
        save = p->pos;
        if (skip_blanks(p) > 0 && parse_device_id_value(p, &id)) {
                UsbIdPattern *v = malloc(sizeof *v);

                if (!v)
                        return fail_oom(p);
                *v = id;
                p->rule->id = (UsbIdSet) { .op = USB_SET_EQUALS, .n = 1, .v = v };
        } else {
                if (p->error)
                        return false;
                p->pos = save;
        }

        /* (blank+ attribute (blank+ attribute)*)? */
        save = p->pos;
        if (skip_blanks(p) > 0 && parse_attribute(p)) {
                for (;;) {
                        save = p->pos;
                        if (skip_blanks(p) == 0)
                                break;
                        if (!parse_attribute(p)) {
                                if (p->error)
                                        return false;
                                p->pos = save;
                                break;
                        }
                }
        } else {
                if (p->error)
                        return false;
                p->pos = save;
        }

        (void) parse_comment(p);
        skip_blanks(p);
        return true;
}

int usb_rule_parse_nested(const char *line, size_t size, unsigned depth, UsbRule **ret,
                          UsbRuleError *reterr) {
        _cleanup_(usb_rule_freep) UsbRule *rule = NULL;
        Parser p = {
                .s = line,
                .n = size,
                .depth = depth,
        };
        UsbTarget target;

        if (!line && size > 0)
                return -EINVAL;
        rule = calloc(1, sizeof *rule);
        if (!rule)
                return -ENOMEM;
        rule->target = USB_TARGET_EMPTY;
        p.rule = rule;

        skip_blanks(&p);
        if (!parse_comment(&p) && parse_target(&p, &target)) {
                rule->target = target;
                (void) parse_rule_body(&p);
        }

        if (!p.error && p.pos < p.n) {
                char found[32];

                if (p.far_what && p.far_pos >= p.pos) {
                        describe_at(&p, p.far_pos, found, sizeof found);
                        fail_hard(&p, p.far_pos, "expected %s, found %s", p.far_what, found);
                } else {
                        describe_at(&p, p.pos, found, sizeof found);
                        fail_hard(&p, p.pos, "unexpected %s", found);
                }
        }
        if (p.error) {
                if (reterr) {
                        *reterr = (UsbRuleError) {
                                .column = (unsigned) MIN(p.err_pos + 1, (size_t) UINT_MAX),
                        };
                        memcpy(reterr->message, p.err_msg, sizeof reterr->message);
                }
                return p.error;
        }
        *ret = TAKE_PTR(rule);
        return 0;
}

int usb_rule_parse_line(const char *line, size_t size, UsbRule **ret, UsbRuleError *reterr) {
        return usb_rule_parse_nested(line, size, 0, ret, reterr);
}

int usb_rule_parse_string(const char *s, UsbRule **ret, UsbRuleError *reterr) {
        return usb_rule_parse_line(s, s ? strlen(s) : 0, ret, reterr);
}

static void text_set_done(UsbTextSet *t) {
        for (size_t i = 0; i < t->n; i++)
                free(t->v[i].data);
        free(t->v);
        *t = (UsbTextSet) {};
}

UsbRule *usb_rule_free(UsbRule *r) {
        if (!r)
                return NULL;
        free(r->id.v);
        text_set_done(&r->serial);
        text_set_done(&r->name);
        text_set_done(&r->hash);
        text_set_done(&r->parent_hash);
        text_set_done(&r->via_port);
        text_set_done(&r->connect_type);
        text_set_done(&r->label);
        free(r->interfaces.v);
        for (size_t i = 0; i < r->conditions.n; i++)
                usb_condition_done(&r->conditions.v[i]);
        free(r->conditions.v);
        free(r);
        return NULL;
}

/* ---- files ------------------------------------------------------------------- */

UsbRuleSet *usb_rule_set_free(UsbRuleSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_rules; i++)
                usb_rule_free(s->rules[i]);
        free(s->rules);
        free(s);
        return NULL;
}

static int rule_set_append(UsbRuleSet *s, size_t *allocated, UsbRule *r) {
        if (s->n_rules == *allocated) {
                size_t k = *allocated ? *allocated * 2 : 16;
                UsbRule **v;

                if (k > SIZE_MAX / sizeof(UsbRule *))
                        return -ENOMEM;
                v = realloc(s->rules, k * sizeof(UsbRule *));
                if (!v)
                        return -ENOMEM;
                s->rules = v;
                *allocated = k;
        }
        s->rules[s->n_rules++] = r;
        return 0;
}

int usb_rules_parse_buffer(const char *buf, size_t size, UsbRuleSet **ret, UsbRuleError *reterr) {
        _cleanup_(usb_rule_set_freep) UsbRuleSet *s = NULL;
        const char *p = buf, *end = buf + size, *nl;
        size_t allocated = 0;
        unsigned line = 0;
        int r;

        if (!buf && size > 0)
                return -EINVAL;
        if (size > USB_RULES_SIZE_MAX) {
                if (reterr) {
                        *reterr = (UsbRuleError) {};
                        snprintf(reterr->message, sizeof reterr->message,
                                 "rules file larger than %u bytes", USB_RULES_SIZE_MAX);
                }
                return -EFBIG;
        }
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;

        /* std::getline semantics: lines end at '\n' only, and a final
         * newline is followed by one more, empty, line. */
        do {
                UsbRule *rule = NULL;
                size_t len;

                line++;
                nl = p < end ? memchr(p, '\n', (size_t) (end - p)) : NULL;
                len = (size_t) ((nl ? nl : end) - p);
                r = usb_rule_parse_line(p, len, &rule, reterr);
                if (r < 0) {
                        if (reterr)
                                reterr->line = line;
                        return r;
                }
                rule->line = line;
                if (rule->target == USB_TARGET_EMPTY)
                        usb_rule_free(rule);
                else if (rule_set_append(s, &allocated, rule) < 0) {
                        usb_rule_free(rule);
                        return -ENOMEM;
                }
                p = nl ? nl + 1 : end;
        } while (nl);

        *ret = TAKE_PTR(s);
        return 0;
}
