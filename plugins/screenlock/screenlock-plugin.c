/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The screenlock plugin's glue: the exported struct, rule params, and the
 * way findings reach the host. The checks are in screenlock-check.c
 * (screenlock.policy) and screenlock-sessions.c (screenlock.sessions);
 * watch() is in screenlock-watch.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "screenlock.h"
#include "screenlock-sessions.h"

static const char *const screenlock_checks[] = {
        "screenlock.policy",
        "screenlock.sessions",
        NULL,
};

typedef struct ParamSpec {
        const char *key;
        uint64_t min, max;
        size_t offset;                  /* into ScreenlockParams */
} ParamSpec;

/* Both are seconds and GNOME stores them as uint32. idle-delay 0 means
 * "never idle", so a limit of 0 would accept no value at all. */
static const ParamSpec policy_params[] = {
        { "max-idle-sec", 1, UINT32_MAX, offsetof(ScreenlockParams, max_idle_sec) },
        { "max-lock-delay-sec", 0, UINT32_MAX, offsetof(ScreenlockParams, max_lock_delay_sec) },
};

/* screenlock.sessions takes only the idle limit; it shares the struct. */
static const ParamSpec sessions_params[] = {
        { "max-idle-sec", 1, UINT32_MAX, offsetof(ScreenlockParams, max_idle_sec) },
};

static bool is_sessions(const struct mamori_rule *r) {
        return r->check && strcmp(r->check, "screenlock.sessions") == 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *ret = v;
        return 0;
}

static int params_parse(const struct mamori_rule *r, ScreenlockParams *ret, size_t *reterr_param,
                        char *msg, size_t msg_size) {
        ScreenlockParams p = {
                .max_idle_sec = 600,            /* 10 minutes, the shipped rule's value */
                .max_lock_delay_sec = 0,        /* lock as soon as the screen blanks */
        };
        const ParamSpec *specs = is_sessions(r) ? sessions_params : policy_params;
        size_t n_specs = is_sessions(r) ? SL_ELEMENTSOF(sessions_params) : SL_ELEMENTSOF(policy_params);
        char shown[96];

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *rp = &r->params[i];
                const ParamSpec *spec = NULL;
                uint64_t v;

                *reterr_param = i;
                if (!rp->key || !rp->values) {
                        snprintf(msg, msg_size, "param %zu has no key or no values", i);
                        return -EINVAL;
                }
                for (size_t j = 0; j < n_specs; j++)
                        if (strcmp(specs[j].key, rp->key) == 0)
                                spec = &specs[j];
                if (!spec) {
                        snprintf(msg, msg_size, "unknown param \"%s\": %s",
                                 sl_text_safe(rp->key, 48, shown, sizeof(shown)),
                                 is_sessions(r) ? "screenlock.sessions takes max-idle-sec"
                                                : "screenlock.policy takes max-idle-sec, max-lock-delay-sec");
                        return -EINVAL;
                }
                for (size_t j = 0; j < i; j++)
                        if (r->params[j].key && strcmp(r->params[j].key, rp->key) == 0) {
                                snprintf(msg, msg_size, "%s: given twice", spec->key);
                                return -EINVAL;
                        }
                if (!rp->values[0] || rp->values[1]) {
                        snprintf(msg, msg_size, "%s: expected one whole number of seconds", spec->key);
                        return -EINVAL;
                }
                if (parse_u64(rp->values[0], &v) < 0 || v < spec->min || v > spec->max) {
                        snprintf(msg, msg_size, "%s: expected a whole number of seconds from %llu to %llu, got \"%s\"",
                                 spec->key, (unsigned long long) spec->min, (unsigned long long) spec->max,
                                 sl_text_safe(rp->values[0], 48, shown, sizeof(shown)));
                        return -EINVAL;
                }
                *(uint64_t *) ((char *) &p + spec->offset) = v;
        }

        *reterr_param = (size_t) -1;
        *ret = p;
        return 0;
}

int sl_rule_params(const struct mamori_rule *r, ScreenlockParams *ret) {
        size_t bad;
        char msg[8];

        if (r->n_params > 0 && !r->params)
                return -EINVAL;
        return params_parse(r, ret, &bad, msg, sizeof(msg));
}

int sl_emit(SlEval *e, mamori_status status, const char *subject, const char *fmt, ...) {
        char raw[SL_EVIDENCE_MAX], evidence[SL_EVIDENCE_MAX];
        struct mamori_finding f;
        va_list ap;
        int r;

        if (status == MAMORI_FAIL)
                e->n_fail++;
        else if (status == MAMORI_ERROR)
                e->n_error++;

        /* Past the cap findings are counted, not sent: evaluate() says how
         * many were left out. */
        if (e->quiet)
                return 0;
        if (e->n_emitted >= SL_MAX_FINDINGS) {
                e->n_suppressed++;
                return 0;
        }

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        sl_text_safe(raw, sizeof(raw) - 4, evidence, sizeof(evidence));

        f = (struct mamori_finding) {
                .status = status,
                .subject = subject,
                .evidence = evidence,
        };
        r = e->s->api->emit_finding(e->s->host, e->rule, &f);
        if (r < 0)
                return r;
        e->n_emitted++;
        return 0;
}

static int screenlock_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret_state) {
        Screenlock *s;

        if (!api || !ret_state)
                return -EINVAL;
        /* Fields past what the host was built with are not there; we need
         * everything up to emit_finding. */
        if (api->size < offsetof(struct mamori_host_api, emit_finding) + sizeof(api->emit_finding))
                return -EPROTO;
        if (!api->emit_finding || api->root_fd < 0)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (Screenlock) {
                .host = h,
                .api = api,
                .root_fd = api->root_fd,
                .inotify_fd = -1,
        };
        /* No bus yet: logind is asked on first use, so that loading the
         * plugin never blocks and tests can put their own source in. */
        s->idle = calloc(1, sizeof(SlIdleTracker));
        if (!s->idle) {
                free(s);
                return -ENOMEM;
        }
        *ret_state = s;
        return 0;
}

static void source_free(Screenlock *s) {
        if (!s->sessions)
                return;
        if (s->sessions->free)
                s->sessions->free(s->sessions->userdata);
        free(s->sessions);
        s->sessions = NULL;
}

void screenlock_set_session_source(void *state, const SlSessionSource *src) {
        Screenlock *s = state;

        source_free(s);
        if (!src)
                return;
        s->sessions = malloc(sizeof(*s->sessions));
        if (s->sessions)
                *s->sessions = *src;
}

void screenlock_set_clock(void *state, uint64_t (*clock)(void *userdata), void *userdata) {
        Screenlock *s = state;

        s->clock = clock;
        s->clock_data = userdata;
}

uint64_t sl_now_mono(const Screenlock *s) {
        struct timespec ts;

        if (s->clock)
                return s->clock(s->clock_data);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

int sl_sessions_source(Screenlock *s, const SlSessionSource **ret) {
        if (!s->sessions) {
                SlSessionSource src;
                int r = sl_logind_source_new(NULL, &src);

                if (r < 0)
                        return r;
                s->sessions = malloc(sizeof(*s->sessions));
                if (!s->sessions) {
                        src.free(src.userdata);
                        return -ENOMEM;
                }
                *s->sessions = src;
        }
        *ret = s->sessions;
        return 0;
}

static int screenlock_validate(void *state, const struct mamori_rule *r, size_t *reterr_param,
                               char *reterr_msg, size_t msg_size) {
        ScreenlockParams p;
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
        if (!r->check || (strcmp(r->check, "screenlock.policy") != 0 && !is_sessions(r))) {
                char shown[96];

                snprintf(reterr_msg, msg_size, "unknown check \"%s\"",
                         sl_text_safe(r->check, 64, shown, sizeof(shown)));
                return -ENOENT;
        }
        if (r->n_params > 0 && !r->params) {
                snprintf(reterr_msg, msg_size, "params missing");
                return -EINVAL;
        }
        return params_parse(r, &p, reterr_param, reterr_msg, msg_size);
}

static int screenlock_evaluate(void *state, const struct mamori_rule *r) {
        Screenlock *s = state;
        ScreenlockParams p;
        size_t bad_param;
        char msg[256];
        SlEval e;
        int k;

        if (!s || !r)
                return -EINVAL;
        if (!r->check || (strcmp(r->check, "screenlock.policy") != 0 && !is_sessions(r)))
                return -ENOENT;
        if ((r->n_params > 0 && !r->params) || params_parse(r, &p, &bad_param, msg, sizeof(msg)) < 0)
                return -EINVAL;

        e = (SlEval) {
                .s = s,
                .rule = r,
        };
        if (is_sessions(r))
                k = screenlock_check_sessions(&e, &(SessionsParams) { .max_idle_sec = p.max_idle_sec });
        else
                k = screenlock_check_policy(&e, &p);
        if (k < 0)
                return k;

        if (e.n_suppressed > 0) {
                const struct mamori_finding f = {
                        .status = MAMORI_FAIL,
                        .subject = NULL,
                        .evidence = msg,
                };

                snprintf(msg, sizeof(msg), "%u more findings like the above were not listed", e.n_suppressed);
                k = s->api->emit_finding(s->host, r, &f);
                if (k < 0)
                        return k;
        }
        return 0;
}

static void *screenlock_free(void *state) {
        Screenlock *s = state;

        if (!s)
                return NULL;
        sl_watch_drop(s);
        source_free(s);
        free(s->idle);
        free(s);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "screenlock",
        .checks = screenlock_checks,
        .init = screenlock_init,
        .validate = screenlock_validate,
        .evaluate = screenlock_evaluate,
        .watch = screenlock_watch,
        .free = screenlock_free,
        .actions = NULL,
        .action = NULL,
};
