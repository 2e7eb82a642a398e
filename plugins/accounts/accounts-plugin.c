/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The accounts plugin's glue: the exported struct, the check table, rule
 * params, and the way findings reach the host. The checks themselves are in
 * check-users.c and check-passwords.c. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "accounts.h"

typedef enum ParamKind {
        PARAM_NAMES,            /* a list of user or group names */
        PARAM_NUMBER,           /* one whole number in [min, max] */
} ParamKind;

typedef struct ParamSpec {
        const char *key;
        ParamKind kind;
        long min, max;
        size_t offset;          /* into AccountsParams */
        bool need_one;          /* NAMES: an empty list makes no sense */
} ParamSpec;

typedef struct CheckDef {
        const char *name;
        int (*run)(Eval *e, const AccountsParams *p);
        const ParamSpec *params;
        size_t n_params;
} CheckDef;

static const ParamSpec uid0_params[] = {
        { "allowed", PARAM_NAMES, 0, 0, offsetof(AccountsParams, allowed), false },
};

static const ParamSpec admin_groups_params[] = {
        { "groups", PARAM_NAMES, 0, 0, offsetof(AccountsParams, groups), true },
        { "allowed", PARAM_NAMES, 0, 0, offsetof(AccountsParams, allowed), false },
};

/* Upper bounds are sanity, not policy: 512 characters is past any password
 * a person types; pam_pwhistory keeps at most 400 old passwords. */
static const ParamSpec quality_params[] = {
        { "min-length", PARAM_NUMBER, 1, 512, offsetof(AccountsParams, min_length), false },
        { "min-classes", PARAM_NUMBER, 0, 4, offsetof(AccountsParams, min_classes), false },
};

static const ParamSpec history_params[] = {
        { "min-remember", PARAM_NUMBER, 1, 400, offsetof(AccountsParams, min_remember), false },
};

static const ParamSpec ageing_params[] = {
        { "max-days", PARAM_NUMBER, 1, 99998, offsetof(AccountsParams, max_days), false },
};

static const CheckDef check_defs[] = {
        { "accounts.empty-passwords", check_empty_passwords, NULL, 0 },
        { "accounts.uid0", check_uid0, uid0_params, ACC_ELEMENTSOF(uid0_params) },
        { "accounts.admin-groups", check_admin_groups, admin_groups_params,
          ACC_ELEMENTSOF(admin_groups_params) },
        { "accounts.password-quality", check_password_quality, quality_params,
          ACC_ELEMENTSOF(quality_params) },
        { "accounts.password-history", check_password_history, history_params,
          ACC_ELEMENTSOF(history_params) },
        { "accounts.password-ageing", check_password_ageing, ageing_params,
          ACC_ELEMENTSOF(ageing_params) },
};

static const char *const accounts_checks[] = {
        "accounts.empty-passwords",
        "accounts.uid0",
        "accounts.admin-groups",
        "accounts.password-quality",
        "accounts.password-history",
        "accounts.password-ageing",
        NULL,
};

static const char *const default_allowed_uid0[] = { "root", NULL };
static const char *const default_allowed_none[] = { NULL };
static const char *const default_admin_groups[] = { "sudo", "admin", "wheel", NULL };

static const CheckDef *check_def_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < ACC_ELEMENTSOF(check_defs); i++)
                if (strcmp(check_defs[i].name, name) == 0)
                        return &check_defs[i];
        return NULL;
}

static void params_defaults(const CheckDef *c, AccountsParams *p) {
        *p = (AccountsParams) {
                .allowed = strcmp(c->name, "accounts.uid0") == 0 ? default_allowed_uid0
                                                                 : default_allowed_none,
                .groups = default_admin_groups,
                .min_length = 12,
                .min_classes = 3,
                .min_remember = 5,
                .max_days = 90,
        };
}

/* A user or group name as shadow's tools accept them, loosely: no colon,
 * comma, blank or control character, and not absurdly long. */
static bool name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 256)
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;

                if (c <= 0x20 || c == 0x7f || c == ':' || c == ',')
                        return false;
        }
        return true;
}

static int params_parse(const CheckDef *c, const struct mamori_rule *r, AccountsParams *ret,
                        size_t *reterr_param, char *msg, size_t msg_size) {
        AccountsParams p;
        char shown[96];

        params_defaults(c, &p);

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *rp = &r->params[i];
                const ParamSpec *spec = NULL;
                size_t n_values = 0;

                if (!rp->key || !rp->values) {
                        snprintf(msg, msg_size, "param %zu has no key or no values", i);
                        *reterr_param = i;
                        return -EINVAL;
                }
                for (size_t j = 0; j < c->n_params; j++)
                        if (strcmp(c->params[j].key, rp->key) == 0)
                                spec = &c->params[j];
                if (!spec) {
                        char known[128] = "";

                        for (size_t j = 0; j < c->n_params; j++) {
                                size_t len = strlen(known);

                                snprintf(known + len, sizeof(known) - len, "%s%s",
                                         j > 0 ? ", " : "", c->params[j].key);
                        }
                        snprintf(msg, msg_size, "unknown param \"%s\": %s takes %s",
                                 text_safe(rp->key, 48, shown, sizeof(shown)), c->name,
                                 c->n_params > 0 ? known : "no params");
                        *reterr_param = i;
                        return -EINVAL;
                }
                for (size_t j = 0; j < i; j++)
                        if (strcmp(r->params[j].key, rp->key) == 0) {
                                snprintf(msg, msg_size, "%s: given twice", spec->key);
                                *reterr_param = i;
                                return -EINVAL;
                        }

                while (rp->values[n_values])
                        n_values++;

                if (spec->kind == PARAM_NUMBER) {
                        long v;

                        if (n_values != 1) {
                                snprintf(msg, msg_size, "%s: expected one whole number from %ld to %ld, got %zu values",
                                         spec->key, spec->min, spec->max, n_values);
                                *reterr_param = i;
                                return -EINVAL;
                        }
                        if (parse_long(rp->values[0], &v) < 0 || v < spec->min || v > spec->max) {
                                snprintf(msg, msg_size, "%s: expected a whole number from %ld to %ld, got \"%s\"",
                                         spec->key, spec->min, spec->max,
                                         text_safe(rp->values[0], 48, shown, sizeof(shown)));
                                *reterr_param = i;
                                return -EINVAL;
                        }
                        *(long *) ((char *) &p + spec->offset) = v;
                        continue;
                }

                if (spec->need_one && n_values == 0) {
                        snprintf(msg, msg_size, "%s: expected at least one name", spec->key);
                        *reterr_param = i;
                        return -EINVAL;
                }
                for (size_t j = 0; j < n_values; j++)
                        if (!name_is_valid(rp->values[j])) {
                                snprintf(msg, msg_size,
                                         "%s: \"%s\" is not a valid name (no blanks, ':' or ',')",
                                         spec->key, text_safe(rp->values[j], 48, shown, sizeof(shown)));
                                *reterr_param = i;
                                return -EINVAL;
                        }
                *(const char *const **) ((char *) &p + spec->offset) = rp->values;
        }

        *ret = p;
        return 0;
}

/* ---- findings ------------------------------------------------------------------ */

static int eval_emit_raw(Eval *e, mamori_status status, const char *subject, const char *evidence) {
        const struct mamori_finding f = {
                .status = status,
                .subject = subject,
                .evidence = evidence,
        };

        return e->a->api->emit_finding(e->a->host, e->rule, &f);
}

int eval_emit(Eval *e, mamori_status status, const char *subject, const char *fmt, ...) {
        char raw[EVIDENCE_MAX], evidence[EVIDENCE_MAX], safe_subject[256];
        va_list ap;
        int r;

        /* Past the cap only failures are dropped, and counted: the summary
         * at the end of evaluate() says how many. */
        if (e->n_emitted >= EVAL_MAX_FINDINGS) {
                e->n_suppressed++;
                return 0;
        }

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        text_safe(raw, sizeof(raw) - 4, evidence, sizeof(evidence));
        /* Subjects can carry file names from a .d directory: one line too. */
        if (subject)
                subject = text_safe(subject, sizeof(safe_subject) - 4, safe_subject, sizeof(safe_subject));

        r = eval_emit_raw(e, status, subject, evidence);
        if (r < 0)
                return r;
        e->n_emitted++;
        return 0;
}

int eval_emit_read_error(Eval *e, const char *path, int r) {
        return eval_emit(e, MAMORI_ERROR, path, "cannot read %s: %s", path, root_error_text(r));
}

const char *subject_user(const char *name, char *buf, size_t size) {
        char safe[NAME_SHOW_MAX + 4];

        snprintf(buf, size, "user:%s", text_safe(name, NAME_SHOW_MAX, safe, sizeof(safe)));
        return buf;
}

const char *malformed_note(const ParseStats *s, const char *path, char *buf, size_t size) {
        if (!s || s->n_malformed == 0) {
                if (size > 0)
                        buf[0] = '\0';
                return buf;
        }
        snprintf(buf, size, "; skipped %zu malformed line%s in %s (first: line %u)",
                 s->n_malformed, s->n_malformed == 1 ? "" : "s", path, s->first_malformed);
        return buf;
}

/* Reads path under the root and hands it to parse. */
#define DEFINE_LOADER(func, path_expr, parser)                                  \
        int func {                                                              \
                _cleanup_acc_free_ char *buf = NULL;                            \
                size_t size = 0;                                                \
                int r;                                                          \
                                                                                \
                *ret = NULL;                                                    \
                r = root_read_file(a->root_fd, path_expr, ACC_FILE_MAX, &buf, &size); \
                if (r < 0)                                                      \
                        return r;                                               \
                return parser(buf, size, ret);                                  \
        }

DEFINE_LOADER(load_passwd(const Accounts *a, PasswdFile **ret), "etc/passwd", passwd_parse)
DEFINE_LOADER(load_shadow(const Accounts *a, ShadowFile **ret), "etc/shadow", shadow_parse)
DEFINE_LOADER(load_group(const Accounts *a, GroupFile **ret), "etc/group", group_parse)
DEFINE_LOADER(load_logindefs(const Accounts *a, LoginDefs **ret), "etc/login.defs",
              logindefs_parse)
DEFINE_LOADER(load_pam(const Accounts *a, const char *path, PamFile **ret), path, pamconf_parse)
DEFINE_LOADER(load_conf(const Accounts *a, const char *path, ConfFile **ret), path, conf_parse)

/* ---- the plugin --------------------------------------------------------------- */

static int accounts_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret_state) {
        Accounts *a;

        if (!api || !ret_state)
                return -EINVAL;
        /* Read size first: fields past what the host was built with are
         * not there. We need everything up to emit_finding. */
        if (api->size < offsetof(struct mamori_host_api, emit_finding) + sizeof(api->emit_finding))
                return -EPROTO;
        if (!api->emit_finding || api->root_fd < 0)
                return -EINVAL;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        *a = (Accounts) {
                .host = h,
                .api = api,
                .root_fd = api->root_fd,
        };
        *ret_state = a;
        return 0;
}

static int accounts_validate(void *state, const struct mamori_rule *r, size_t *reterr_param,
                             char *reterr_msg, size_t msg_size) {
        const CheckDef *c;
        AccountsParams p;
        size_t dummy_param;
        char dummy_msg[1];

        if (!reterr_param)
                reterr_param = &dummy_param;
        if (!reterr_msg || msg_size == 0) {
                reterr_msg = dummy_msg;
                msg_size = sizeof(dummy_msg);
        }
        *reterr_param = (size_t) -1;
        reterr_msg[0] = '\0';

        if (!r)
                return -EINVAL;
        c = check_def_find(r->check);
        if (!c) {
                char shown[96];

                snprintf(reterr_msg, msg_size, "unknown check \"%s\"",
                         text_safe(r->check, 64, shown, sizeof(shown)));
                return -ENOENT;
        }
        if (r->n_params > 0 && !r->params) {
                snprintf(reterr_msg, msg_size, "params missing");
                return -EINVAL;
        }
        return params_parse(c, r, &p, reterr_param, reterr_msg, msg_size);
}

static int accounts_evaluate(void *state, const struct mamori_rule *r) {
        Accounts *a = state;
        const CheckDef *c;
        AccountsParams p;
        size_t bad_param;
        char msg[256];
        Eval e;
        int k;

        if (!a || !r)
                return -EINVAL;
        c = check_def_find(r->check);
        if (!c)
                return -ENOENT;
        if (r->n_params > 0 && !r->params)
                return -EINVAL;
        if (params_parse(c, r, &p, &bad_param, msg, sizeof(msg)) < 0)
                return -EINVAL;

        e = (Eval) {
                .a = a,
                .rule = r,
        };
        k = c->run(&e, &p);
        if (k < 0)
                return k;

        if (e.n_suppressed > 0) {
                char evidence[128];

                snprintf(evidence, sizeof(evidence), "%u more findings like the above were not listed",
                         e.n_suppressed);
                k = eval_emit_raw(&e, MAMORI_FAIL, NULL, evidence);
                if (k < 0)
                        return k;
        }
        return 0;
}

static void *accounts_free(void *state) {
        free(state);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "accounts",
        .checks = accounts_checks,
        .init = accounts_init,
        .validate = accounts_validate,
        .evaluate = accounts_evaluate,
        .watch = NULL,
        .free = accounts_free,
        .actions = NULL,        /* report only: nothing to ask of it */
        .action = NULL,
};
