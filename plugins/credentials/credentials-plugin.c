/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The credentials plugin's glue: the exported struct, the rules' params,
 * and the way findings and events reach the host. The checks are in
 * check-policy.c, check-approved.c and check-saved.c. */
#include <stdio.h>
#include <string.h>

#include "credentials.h"

#define CHECK_BROWSER_POLICY "credentials.browser-policy"
#define CHECK_SAVED "credentials.no-saved-passwords"

static const char *const credentials_checks[] = {
        CHECK_BROWSER_POLICY,
        CHECK_SAVED,
        NULL,
};

static const char *const store_kind_table[_STORE_MAX] = {
        [STORE_FIREFOX] = "firefox",
        [STORE_THUNDERBIRD] = "thunderbird",
        [STORE_CHROMIUM] = "chromium",
        [STORE_GNOME_KEYRING] = "gnome-keyring",
        [STORE_KWALLET] = "kwallet",
        [STORE_NETRC] = "netrc",
        [STORE_GIT_CREDENTIALS] = "git-credentials",
        [STORE_REMMINA] = "remmina",
        [STORE_PGPASS] = "pgpass",
        [STORE_DOCKER] = "docker",
        [STORE_NETWORKMANAGER] = "networkmanager",
        [STORE_SSH_KEYS] = "ssh-keys",
};

const char *store_kind_to_string(StoreKind k) {
        if (k < 0 || k >= _STORE_MAX)
                return NULL;
        return store_kind_table[k];
}

int store_kind_from_string(const char *s) {
        for (int i = 0; s && i < _STORE_MAX; i++)
                if (strcmp(store_kind_table[i], s) == 0)
                        return i;
        return -EINVAL;
}

/* ---- params ------------------------------------------------------------------------ */

static int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t) v;
        return 0;
}

/* A login name as useradd takes it (Debian's NAME_REGEX, loosely). */
static bool user_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 32 || s[0] == '-')
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || *s == '-' || *s == '.' || (*s == '$' && s[1] == '\0')))
                        return false;
        return true;
}

static bool seen_before(const struct mamori_rule *r, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (r->params[j].key && strcmp(r->params[j].key, r->params[i].key) == 0)
                        return true;
        return false;
}

static int policy_params_parse(const struct mamori_rule *r, BrowserPolicyParams *ret, size_t *reterr_param,
                               char *msg, size_t msg_size) {
        BrowserPolicyParams p = {};
        char shown[96];
        bool have_approved = false;

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *rp = &r->params[i];

                *reterr_param = i;
                if (!rp->key || !rp->values) {
                        snprintf(msg, msg_size, "param %zu has no key or no values", i);
                        return -EINVAL;
                }
                if (strcmp(rp->key, "approved") != 0) {
                        snprintf(msg, msg_size, "unknown param \"%s\": %s takes approved",
                                 cr_text_safe(rp->key, 48, shown, sizeof(shown)), CHECK_BROWSER_POLICY);
                        return -EINVAL;
                }
                if (seen_before(r, i)) {
                        snprintf(msg, msg_size, "approved: given twice");
                        return -EINVAL;
                }
                for (const char *const *v = rp->values; *v; v++)
                        if (approved_entry_valid(*v) < 0) {
                                snprintf(msg, msg_size,
                                         "approved: expected package names or flatpak app IDs, each optionally "
                                         "with =VERSION-GLOB (firefox-esr, firefox-esr=115.*), got \"%s\"",
                                         cr_text_safe(*v, 48, shown, sizeof(shown)));
                                return -EINVAL;
                        }
                p.approved = rp->values;
                have_approved = true;
        }
        if (!have_approved) {
                *reterr_param = (size_t) -1;
                snprintf(msg, msg_size,
                         "approved: required, the browsers and mail clients the administrator approved "
                         "(e.g. [firefox-esr, chromium, thunderbird])");
                return -EINVAL;
        }
        *reterr_param = (size_t) -1;
        *ret = p;
        return 0;
}

static int saved_params_parse(const struct mamori_rule *r, SavedParams *ret, size_t *reterr_param, char *msg,
                              size_t msg_size) {
        SavedParams p = {
                .min_uid = CR_UID_MIN,
                .users = NULL,
                .stores = (1U << _STORE_MAX) - 1,
        };
        char shown[96];

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *rp = &r->params[i];

                *reterr_param = i;
                if (!rp->key || !rp->values) {
                        snprintf(msg, msg_size, "param %zu has no key or no values", i);
                        return -EINVAL;
                }
                if (seen_before(r, i)) {
                        snprintf(msg, msg_size, "%s: given twice", cr_text_safe(rp->key, 48, shown, sizeof(shown)));
                        return -EINVAL;
                }
                if (strcmp(rp->key, "min-uid") == 0) {
                        if (!rp->values[0] || rp->values[1] || parse_u32(rp->values[0], &p.min_uid) < 0 ||
                            p.min_uid > CR_UID_MAX) {
                                snprintf(msg, msg_size, "min-uid: expected one whole number from 0 to %u, got \"%s\"",
                                         CR_UID_MAX,
                                         cr_text_safe(rp->values[0] ? rp->values[0] : "", 48, shown, sizeof(shown)));
                                return -EINVAL;
                        }
                } else if (strcmp(rp->key, "users") == 0) {
                        for (const char *const *v = rp->values; *v; v++)
                                if (!user_name_valid(*v)) {
                                        snprintf(msg, msg_size, "users: expected account names, got \"%s\"",
                                                 cr_text_safe(*v, 48, shown, sizeof(shown)));
                                        return -EINVAL;
                                }
                        p.users = rp->values;
                } else if (strcmp(rp->key, "stores") == 0) {
                        p.stores = 0;
                        for (const char *const *v = rp->values; *v; v++) {
                                int k = store_kind_from_string(*v);

                                if (k < 0) {
                                        snprintf(msg, msg_size,
                                                 "stores: unknown store \"%s\"; expected some of firefox, thunderbird, "
                                                 "chromium, gnome-keyring, kwallet, netrc, git-credentials, remmina, "
                                                 "pgpass, docker, networkmanager, ssh-keys",
                                                 cr_text_safe(*v, 48, shown, sizeof(shown)));
                                        return -EINVAL;
                                }
                                p.stores |= 1U << k;
                        }
                        if (p.stores == 0) {
                                snprintf(msg, msg_size, "stores: empty; leave the param out to look at every store");
                                return -EINVAL;
                        }
                } else {
                        snprintf(msg, msg_size, "unknown param \"%s\": %s takes min-uid, users, stores",
                                 cr_text_safe(rp->key, 48, shown, sizeof(shown)), CHECK_SAVED);
                        return -EINVAL;
                }
        }
        *reterr_param = (size_t) -1;
        *ret = p;
        return 0;
}

/* ---- findings and events ---------------------------------------------------------- */

int cr_emit(CrEval *e, mamori_status status, const char *subject, const char *fmt, ...) {
        char raw[CR_EVIDENCE_MAX], evidence[CR_EVIDENCE_MAX];
        struct mamori_finding f;
        va_list ap;
        int r;

        if (status == MAMORI_FAIL)
                e->n_fail++;
        else if (status == MAMORI_ERROR)
                e->n_error++;
        else if (status == MAMORI_PASS)
                e->n_pass++;

        /* Past the cap findings are counted, not sent: evaluate() says how
         * many were left out. */
        if (e->n_emitted >= CR_MAX_FINDINGS) {
                e->n_suppressed++;
                return 0;
        }

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        cr_text_safe(raw, sizeof(raw) - 4, evidence, sizeof(evidence));

        f = (struct mamori_finding) {
                .status = status,
                .subject = subject,
                .evidence = evidence,
        };
        r = e->c->api->emit_finding(e->c->host, e->rule, &f);
        if (r < 0)
                return r;
        e->n_emitted++;
        return 0;
}

void cr_event(const Credentials *c, const char *kind, const char *subject, const char *fmt, ...) {
        char raw[CR_EVIDENCE_MAX], text[CR_EVIDENCE_MAX];
        va_list ap;

        if (!c->api->emit_event)
                return;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        (void) c->api->emit_event(c->host, kind, subject, cr_text_safe(raw, sizeof(raw) - 4, text, sizeof(text)));
}

int cr_load_users(int root_fd, uint32_t min_uid, const char *const *extra, CrUserList **ret) {
        char *buf = NULL;
        size_t size = 0;
        int r;

        r = cr_read_at(root_fd, "etc/passwd", 16U << 20, &buf, &size, NULL);
        if (r < 0)
                return r;
        r = cr_users_parse(buf, size, min_uid, extra, ret);
        free(buf);
        return r;
}

/* ---- the plugin ------------------------------------------------------------------ */

static int credentials_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret_state) {
        Credentials *c;

        if (!api || !ret_state)
                return -EINVAL;
        /* Fields past what the host was built with are not there; we need
         * everything up to emit_event. */
        if (api->size < offsetof(struct mamori_host_api, emit_event) + sizeof(api->emit_event))
                return -EPROTO;
        if (!api->emit_finding || api->root_fd < 0)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (Credentials) {
                .host = h,
                .api = api,
                .root_fd = api->root_fd,
        };
        *ret_state = c;
        return 0;
}

static int credentials_validate(void *state, const struct mamori_rule *r, size_t *reterr_param, char *reterr_msg,
                                size_t msg_size) {
        size_t dummy_param;
        char dummy_msg[1], shown[96];

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
        if (r->n_params > 0 && !r->params) {
                snprintf(reterr_msg, msg_size, "params missing");
                return -EINVAL;
        }
        if (r->check && strcmp(r->check, CHECK_BROWSER_POLICY) == 0) {
                BrowserPolicyParams p;

                return policy_params_parse(r, &p, reterr_param, reterr_msg, msg_size);
        }
        if (r->check && strcmp(r->check, CHECK_SAVED) == 0) {
                SavedParams p;

                if (r->enforce) {
                        /* Saved passwords are the user's to remove: mamori
                         * only counts them. */
                        snprintf(reterr_msg, msg_size,
                                 "%s cannot enforce: saved passwords are counted, never read or removed; "
                                 "set enforce: false", CHECK_SAVED);
                        return -EINVAL;
                }
                return saved_params_parse(r, &p, reterr_param, reterr_msg, msg_size);
        }
        snprintf(reterr_msg, msg_size, "unknown check \"%s\"", cr_text_safe(r->check, 64, shown, sizeof(shown)));
        return -ENOENT;
}

static int credentials_evaluate(void *state, const struct mamori_rule *r) {
        Credentials *c = state;
        size_t bad_param;
        char msg[512];
        CrEval e;
        int k;

        if (!c || !r || !r->check)
                return -EINVAL;
        if (r->n_params > 0 && !r->params)
                return -EINVAL;

        e = (CrEval) {
                .c = c,
                .rule = r,
        };
        if (strcmp(r->check, CHECK_BROWSER_POLICY) == 0) {
                BrowserPolicyParams p;

                if (policy_params_parse(r, &p, &bad_param, msg, sizeof(msg)) < 0)
                        return -EINVAL;
                k = check_browser_policy(&e, &p);
        } else if (strcmp(r->check, CHECK_SAVED) == 0) {
                SavedParams p;

                if (saved_params_parse(r, &p, &bad_param, msg, sizeof(msg)) < 0)
                        return -EINVAL;
                k = check_saved_passwords(&e, &p);
        } else
                return -ENOENT;
        if (k < 0)
                return k;

        if (e.n_suppressed > 0) {
                const struct mamori_finding f = {
                        .status = e.n_fail > 0 ? MAMORI_FAIL : MAMORI_ERROR,
                        .subject = NULL,
                        .evidence = msg,
                };

                snprintf(msg, sizeof(msg), "%u more findings like the above were not listed", e.n_suppressed);
                k = c->api->emit_finding(c->host, r, &f);
                if (k < 0)
                        return k;
        }
        return 0;
}

static void *credentials_free(void *state) {
        free(state);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "credentials",
        .checks = credentials_checks,
        .init = credentials_init,
        .validate = credentials_validate,
        .evaluate = credentials_evaluate,
        .watch = NULL,
        .free = credentials_free,
        .actions = NULL,
        .action = NULL,
};
