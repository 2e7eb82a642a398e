/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rule conditions ("if ..."): building one from its text with the checks
 * usbguard's constructors make, so that the same rules load.
 *
 * usbguard (src/Library/public/usbguard/RuleCondition.cpp,
 * RuleConditionBase::getImplementation): the text is "[!]identifier" or
 * "[!]identifier(parameter)"; the parameter is everything between the first
 * '(' and the final ')', must be at least one byte, and is passed on raw,
 * without unescaping. Unknown identifiers are errors.
 *
 * Where usbguard's implementation and its manual (usbguard-rules.conf(5))
 * disagree on a value, the manual wins here and the difference is noted;
 * what is accepted and refused always follows the implementation, which
 * uses glibc's strptime() and std::stod() (strtod()).
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usb.h"

static const char *const condition_names[_USB_CONDITION_MAX] = {
        [USB_CONDITION_TRUE] = "true",
        [USB_CONDITION_FALSE] = "false",
        [USB_CONDITION_RANDOM] = "random",
        [USB_CONDITION_LOCALTIME] = "localtime",
        [USB_CONDITION_ALLOWED_MATCHES] = "allowed-matches",
        [USB_CONDITION_RULE_APPLIED] = "rule-applied",
        [USB_CONDITION_RULE_EVALUATED] = "rule-evaluated",
};

const char *usb_condition_type_to_string(UsbConditionType t) {
        return t >= 0 && t < _USB_CONDITION_MAX ? condition_names[t] : NULL;
}

void usb_condition_done(UsbCondition *c) {
        if (!c)
                return;
        free(c->parameter);
        c->parameter = NULL;
        c->query = usb_rule_free(c->query);
}

/* "HH:MM" (glibc strptime %H:%M: 0-23, 0-59, one or two digits, leading
 * blanks, trailing text ignored) decides acceptance, as in usbguard
 * LocaltimeCondition::stringToDaytime. usbguard then reads a ":SS" with
 * %s (seconds since the epoch, converted to local time), which garbles the
 * hour and minute; the manual says HH:MM[:SS], which is what we compute. */
static int parse_daytime(const char *s, uint32_t *ret) {
        struct tm tm = {}, with_seconds = {};

        if (!strptime(s, "%H:%M", &tm))
                return -EINVAL;
        if (strptime(s, "%H:%M:%S", &with_seconds))
                tm = with_seconds;
        *ret = (uint32_t) (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
        return 0;
}

static int parse_localtime(UsbCondition *c, const char *param, size_t size, char *errbuf, size_t errsize) {
        _cleanup_free_ char *begin = NULL;
        const char *dash = memchr(param, '-', size);

        /* usbguard splits at the first '-'; an empty end means "begin". */
        begin = strndup(param, dash ? (size_t) (dash - param) : size);
        if (!begin)
                return -ENOMEM;
        if (parse_daytime(begin, &c->begin_sec) < 0) {
                snprintf(errbuf, errsize, "localtime: invalid time or range format (HH:MM[:SS][-HH:MM[:SS]])");
                return -EINVAL;
        }
        c->end_sec = c->begin_sec;
        if (dash && dash + 1 < param + size && parse_daytime(dash + 1, &c->end_sec) < 0) {
                snprintf(errbuf, errsize, "localtime: invalid time or range format (HH:MM[:SS][-HH:MM[:SS]])");
                return -EINVAL;
        }
        if (c->begin_sec > c->end_sec) {
                snprintf(errbuf, errsize, "localtime: invalid time range (begin > end)");
                return -EINVAL;
        }
        return 0;
}

/* rule-applied/rule-evaluated (usbguard RuleAppliedCondition::
 * stringToSeconds): accepted if strptime takes "%H:%M:%s", "%H:%M" or
 * "%s". The manual reads them as HH:MM:SS, HH:MM or SS; usbguard again
 * converts %s through localtime(). */
static int parse_window(const char *param, uint64_t *ret_usec) {
        struct tm tm = {};
        uint64_t secs = 0;

        if (!strptime(param, "%H:%M:%s", &tm) && !strptime(param, "%H:%M", &tm) &&
            !strptime(param, "%s", &tm))
                return -EINVAL;

        tm = (struct tm) {};
        if (strptime(param, "%H:%M:%S", &tm) || strptime(param, "%H:%M", &tm))
                secs = (uint64_t) tm.tm_hour * 3600 + (uint64_t) tm.tm_min * 60 + (uint64_t) tm.tm_sec;
        else
                /* %s took a run of digits; saturate rather than wrap. */
                for (const char *d = param; *d >= '0' && *d <= '9'; d++)
                        secs = secs > UINT64_MAX / USEC_PER_SEC / 10 ?
                                UINT64_MAX / USEC_PER_SEC : secs * 10 + (uint64_t) (*d - '0');
        *ret_usec = secs * USEC_PER_SEC;
        return 0;
}

/* usbguard RandomStateCondition: std::stod(), which fails when strtod()
 * converts nothing or reports ERANGE. A p outside [0, 1] is accepted
 * (std::bernoulli_distribution does not check it); u < p then makes it
 * always true or always false. Read in the C locale, as the daemon does,
 * whatever locale the agent runs in: "0.5" must not stop at the '.'. */
static int parse_probability(const char *param, double *ret) {
        locale_t c_locale;
        char *end;
        double v;
        int saved;

        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t) 0);
        if (c_locale == (locale_t) 0)
                return -ENOMEM;
        errno = 0;
        v = strtod_l(param, &end, c_locale);
        saved = errno;
        freelocale(c_locale);
        if (end == param || saved == ERANGE)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_query(UsbCondition *c, const char *param, size_t size, unsigned depth,
                       char *errbuf, size_t errsize) {
        static const char prefix[] = "allow ";
        _cleanup_free_ char *spec = NULL;
        UsbRuleError e = {};
        int r;

        if (depth + 1 > USB_RULE_DEPTH_MAX) {
                snprintf(errbuf, errsize, "allowed-matches: nested too deeply");
                return -EINVAL;
        }
        /* usbguard AllowedMatchesCondition: parseRuleFromString("allow " +
         * parameter), conditions included (they are not evaluated). */
        spec = malloc(sizeof prefix - 1 + size + 1);
        if (!spec)
                return -ENOMEM;
        memcpy(spec, prefix, sizeof prefix - 1);
        if (size > 0)
                memcpy(spec + sizeof prefix - 1, param, size);
        spec[sizeof prefix - 1 + size] = 0;
        r = usb_rule_parse_nested(spec, sizeof prefix - 1 + size, depth + 1, &c->query, &e);
        if (r == -EINVAL)
                snprintf(errbuf, errsize, "allowed-matches: column %u of the query: %s",
                         e.column > sizeof prefix - 1 ? e.column - (unsigned) (sizeof prefix - 1) : 1,
                         e.message);
        return r;
}

int usb_condition_parse(UsbCondition *c, const char *text, size_t size, unsigned depth,
                        char *errbuf, size_t errsize) {
        _cleanup_free_ char *param = NULL;
        const char *open, *id;
        size_t id_size, param_size = 0;
        bool has_param;
        int r = 0;

        *c = (UsbCondition) { .probability = 0.5 };
        if (size == 0) {
                snprintf(errbuf, errsize, "empty condition");
                return -EINVAL;
        }
        c->negated = text[0] == '!';
        id = text + c->negated;
        open = memchr(text, '(', size);
        has_param = open != NULL;
        if (has_param) {
                /* "()" is refused: two parentheses and at least one byte. */
                if (size - (size_t) (open - text) < 3 || text[size - 1] != ')') {
                        snprintf(errbuf, errsize, "invalid condition parameter: it must not be empty");
                        return -EINVAL;
                }
                id_size = (size_t) (open - id);
                param_size = size - (size_t) (open - text) - 2;
                param = malloc(param_size + 1);
                if (!param)
                        return -ENOMEM;
                memcpy(param, open + 1, param_size);
                param[param_size] = 0;
        } else
                id_size = size - (size_t) c->negated;

        c->type = _USB_CONDITION_MAX;
        for (UsbConditionType t = 0; t < _USB_CONDITION_MAX; t++)
                if (strlen(condition_names[t]) == id_size && memcmp(condition_names[t], id, id_size) == 0)
                        c->type = t;

        /* The C functions below see the parameter as usbguard's c_str()
         * does: up to its first NUL. */
        switch (c->type) {
        case USB_CONDITION_TRUE:
        case USB_CONDITION_FALSE:
                /* FixedStateCondition ignores and drops a parameter. */
                return 0;
        case USB_CONDITION_RANDOM:
                if (has_param) {
                        r = parse_probability(param, &c->probability);
                        if (r == -EINVAL)
                                snprintf(errbuf, errsize, "random: invalid probability");
                }
                break;
        case USB_CONDITION_LOCALTIME:
                r = parse_localtime(c, param ?: "", param_size, errbuf, errsize);
                break;
        case USB_CONDITION_RULE_APPLIED:
        case USB_CONDITION_RULE_EVALUATED:
                if (has_param && parse_window(param, &c->window_usec) < 0) {
                        snprintf(errbuf, errsize, "%s: invalid time (HH:MM:SS, HH:MM or SS)",
                                 condition_names[c->type]);
                        r = -EINVAL;
                }
                break;
        case USB_CONDITION_ALLOWED_MATCHES:
                r = parse_query(c, param, param_size, depth, errbuf, errsize);
                break;
        default:
                snprintf(errbuf, errsize, "unknown rule condition");
                return -EINVAL;
        }
        if (r < 0) {
                usb_condition_done(c);
                return r;
        }
        if (has_param) {
                c->parameter = TAKE_PTR(param);
                c->parameter_size = param_size;
        }
        return 0;
}
