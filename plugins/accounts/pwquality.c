/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "name = value" files (pwquality.conf, pwhistory.conf) and the subset of
 * libpwquality's (and pam_cracklib's) settings that decide how short and how
 * plain a password may be. The defaults and limits below are the modules'
 * own, from their manuals: pwquality minlen 8 (never below 6), credits 0,
 * minclass 0; pam_cracklib minlen 9 (never below 5), credits 1. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "accounts.h"

ConfFile *conf_file_free(ConfFile *f) {
        if (!f)
                return NULL;
        free(f->entries);
        free(f->data);
        free(f);
        return NULL;
}

int conf_parse(const char *buf, size_t size, ConfFile **ret) {
        ConfFile *f;
        LineIter it;
        size_t allocated = 0;
        char *line;
        bool has_nul;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->data = text_dup(buf, size);
        if (!f->data) {
                r = -ENOMEM;
                goto fail;
        }

        line_iter_init(&it, f->data, size);
        while ((line = line_iter_next(&it, &has_nul))) {
                char *key, *p, *hash;

                if (has_nul) {
                        parse_stats_add(&f->stats, it.line);
                        continue;
                }
                /* libpwquality cuts a line at the first '#', wherever it is. */
                hash = strchr(line, '#');
                if (hash)
                        *hash = '\0';
                text_trim_end(line);
                key = line;
                while (isspace((unsigned char) *key))
                        key++;
                if (*key == '\0')
                        continue;

                p = key;
                while (*p && *p != '=' && !isspace((unsigned char) *p))
                        p++;
                if (p == key) {
                        parse_stats_add(&f->stats, it.line);    /* "= 5" */
                        continue;
                }
                if (*p) {
                        bool eq = *p == '=';

                        *p++ = '\0';
                        while (isspace((unsigned char) *p))
                                p++;
                        if (!eq && *p == '=') {
                                p++;
                                while (isspace((unsigned char) *p))
                                        p++;
                        }
                }

                if (f->n_entries >= allocated) {
                        size_t m = allocated ? allocated * 2 : 16;
                        ConfEntry *e;

                        if (m > SIZE_MAX / sizeof(*e)) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        e = realloc(f->entries, m * sizeof(*e));
                        if (!e) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        f->entries = e;
                        allocated = m;
                }
                f->entries[f->n_entries++] = (ConfEntry) {
                        .key = key,
                        .value = p,
                        .line = it.line,
                };
        }

        *ret = f;
        return 0;

fail:
        conf_file_free(f);
        return r;
}

const ConfEntry *conf_find(const ConfFile *f, const char *key) {
        if (!f || !key)
                return NULL;
        for (size_t i = f->n_entries; i > 0; i--)
                if (strcmp(f->entries[i - 1].key, key) == 0)
                        return &f->entries[i - 1];
        return NULL;
}

/* ---- pwquality settings ------------------------------------------------------ */

static const char *const pwq_key_names[_PWQ_KEY_MAX] = {
        [PWQ_MINLEN] = "minlen",
        [PWQ_DCREDIT] = "dcredit",
        [PWQ_UCREDIT] = "ucredit",
        [PWQ_LCREDIT] = "lcredit",
        [PWQ_OCREDIT] = "ocredit",
        [PWQ_MINCLASS] = "minclass",
        [PWQ_ENFORCING] = "enforcing",
};

/* Settings libpwquality knows that do not bear on length or classes: they
 * are accepted (a file using them is not broken) and otherwise ignored. */
static const char *const pwq_other_int[] = {
        "difok", "maxrepeat", "maxsequence", "maxclassrepeat", "gecoscheck",
        "dictcheck", "usercheck", "usersubstr", "retry", NULL,
};
static const char *const pwq_other_any[] = {
        "badwords", "dictpath", "enforce_for_root", "local_users_only", NULL,
};

const char *pwq_key_name(PwqKey k) {
        if ((unsigned) k >= _PWQ_KEY_MAX)
                return NULL;
        return pwq_key_names[k];
}

void pwq_settings_init(PwqSettings *p, PwqModule module) {
        bool cracklib = module == PWQ_MODULE_CRACKLIB;

        *p = (PwqSettings) {
                .module = module,
        };
        p->s[PWQ_MINLEN].value = cracklib ? 9 : 8;
        p->s[PWQ_DCREDIT].value = cracklib ? 1 : 0;
        p->s[PWQ_UCREDIT].value = cracklib ? 1 : 0;
        p->s[PWQ_LCREDIT].value = cracklib ? 1 : 0;
        p->s[PWQ_OCREDIT].value = cracklib ? 1 : 0;
        p->s[PWQ_MINCLASS].value = 0;
        p->s[PWQ_ENFORCING].value = 1;
}

static int pwq_parse_int(const char *value, int *ret) {
        long v;

        /* libpwquality: strtol() in full, strictly inside int's range. */
        if (parse_long(value, &v) < 0 || v >= INT_MAX || v <= INT_MIN)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int pwq_settings_apply(PwqSettings *p, const char *key, const char *value, const char *source) {
        int v;

        for (PwqKey k = 0; k < _PWQ_KEY_MAX; k++) {
                if (strcasecmp(key, pwq_key_names[k]) != 0)
                        continue;
                /* pam_cracklib has no "enforcing": it always enforces. */
                if (k == PWQ_ENFORCING && p->module == PWQ_MODULE_CRACKLIB)
                        return -ENOENT;
                if (pwq_parse_int(value, &v) < 0)
                        return -EINVAL;

                if (k == PWQ_MINLEN) {
                        int floor = p->module == PWQ_MODULE_CRACKLIB ? 5 : 6;

                        if (v < floor)
                                v = floor;
                } else if (k == PWQ_MINCLASS && v > 4)
                        v = 4;

                p->s[k].value = v;
                p->s[k].set = true;
                snprintf(p->s[k].source, sizeof(p->s[k].source), "%s", source ? source : "");
                return 0;
        }

        for (size_t i = 0; pwq_other_int[i]; i++)
                if (strcasecmp(key, pwq_other_int[i]) == 0)
                        return pwq_parse_int(value, &v);
        for (size_t i = 0; pwq_other_any[i]; i++)
                if (strcasecmp(key, pwq_other_any[i]) == 0)
                        return 0;
        return -ENOENT;
}

int pwq_total_credit(const PwqSettings *p) {
        static const PwqKey credits[] = { PWQ_DCREDIT, PWQ_UCREDIT, PWQ_LCREDIT, PWQ_OCREDIT };
        long total = 0;

        for (size_t i = 0; i < ACC_ELEMENTSOF(credits); i++)
                if (p->s[credits[i]].value > 0)
                        total += p->s[credits[i]].value;
        return total > INT_MAX ? INT_MAX : (int) total;
}

int pwq_min_length(const PwqSettings *p) {
        static const PwqKey credits[] = { PWQ_DCREDIT, PWQ_UCREDIT, PWQ_LCREDIT, PWQ_OCREDIT };
        long minlen = p->s[PWQ_MINLEN].value, credit = pwq_total_credit(p), required = 0;
        long shortest;

        /* Both modules accept a password when
         *     length >= minlen - sum over classes of min(count, credit)
         * for the classes with a positive credit. Each character adds one to
         * the length and at most one credit, so a password of length L earns
         * at most min(L, total credit): the shortest one that passes is
         * max(minlen - credit, ceil(minlen / 2)). A negative credit instead
         * demands that many characters of its class. */
        shortest = minlen - credit;
        if (shortest < (minlen + 1) / 2)
                shortest = (minlen + 1) / 2;

        for (size_t i = 0; i < ACC_ELEMENTSOF(credits); i++)
                if (p->s[credits[i]].value < 0)
                        required += -(long) p->s[credits[i]].value;
        if (shortest < required)
                shortest = required;
        if (shortest < pwq_min_classes(p))
                shortest = pwq_min_classes(p);
        if (shortest < 1)
                shortest = 1;
        return shortest > INT_MAX ? INT_MAX : (int) shortest;
}

int pwq_min_classes(const PwqSettings *p) {
        static const PwqKey credits[] = { PWQ_DCREDIT, PWQ_UCREDIT, PWQ_LCREDIT, PWQ_OCREDIT };
        int classes = p->s[PWQ_MINCLASS].value, negative = 0;

        if (classes < 0)
                classes = 0;
        /* A negative credit requires a character of its class. */
        for (size_t i = 0; i < ACC_ELEMENTSOF(credits); i++)
                if (p->s[credits[i]].value < 0)
                        negative++;
        return negative > classes ? negative : classes;
}
