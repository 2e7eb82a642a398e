/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test plugin: reports whatever its rule's params say, so that score and
 * aggregation tests know the exact outcome of every rule.
 *   params: { status: [pass, fail, ...] }   one finding per listed status
 *           { status: [] }                  no finding at all (must be error)
 *           { errno: 5 }                    evaluate() returns -5 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori-plugin.h"

typedef struct Fixed {
        struct mamori_host *host;
        const struct mamori_host_api *api;
} Fixed;

static const char *const checks[] = { "fixed.status", NULL };
static const char *const names[] = { "pass", "fail", "error", "not-applicable" };

static int fixed_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret) {
        Fixed *f = calloc(1, sizeof *f);

        if (!f)
                return -ENOMEM;
        f->host = h;
        f->api = api;
        *ret = f;
        return 0;
}

static int status_of(const char *s) {
        for (int i = 0; i < 4; i++)
                if (strcmp(s, names[i]) == 0)
                        return i;
        return -1;
}

static int fixed_validate(void *state, const struct mamori_rule *r, size_t *reterr_param,
                          char *msg, size_t size) {
        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *p = &r->params[i];

                if (strcmp(p->key, "errno") == 0)
                        continue;
                if (strcmp(p->key, "status") != 0) {
                        *reterr_param = i;
                        snprintf(msg, size, "unknown param \"%s\" (use status or errno)", p->key);
                        return -EINVAL;
                }
                for (size_t j = 0; p->values[j]; j++)
                        if (status_of(p->values[j]) < 0) {
                                *reterr_param = i;
                                snprintf(msg, size, "status \"%s\" is not pass, fail, error or "
                                         "not-applicable", p->values[j]);
                                return -EINVAL;
                        }
        }
        return 0;
}

static int fixed_evaluate(void *state, const struct mamori_rule *r) {
        Fixed *f = state;
        const struct mamori_param *p = f->api->find_param(r, "errno");

        if (p && p->values[0])
                return -atoi(p->values[0]);
        p = f->api->find_param(r, "status");
        for (size_t j = 0; p && p->values[j]; j++) {
                char ev[64];
                int r2;

                snprintf(ev, sizeof ev, "fixed finding %zu: %s", j, p->values[j]);
                r2 = f->api->emit_finding(f->host, r, &(struct mamori_finding) {
                        (mamori_status) status_of(p->values[j]), NULL, ev });
                if (r2 < 0)
                        return r2;
        }
        return 0;
}

/* Actions, for the host's action and state plumbing:
 *   echo ARG...      (anyone)      prints each argument
 *   remember VALUE   (admin)       keeps VALUE in the agent's database
 *   recall           (anyone)      prints what was remembered
 *   fail             (anyone)      fails with a reason */
static const struct mamori_action actions[] = {
        { "echo", 0, "ARG...", "print the arguments" },
        { "remember", 1, "VALUE", "keep VALUE across restarts" },
        { "recall", 0, "", "print the remembered value" },
        { "fail", 0, "", "fail with a reason" },
        { NULL, 0, NULL, NULL },
};

static int fixed_action(void *state, const char *name, const char *const *args) {
        Fixed *f = state;
        const void *data;
        size_t size;
        int r;

        if (strcmp(name, "echo") == 0) {
                for (size_t i = 0; args[i]; i++)
                        f->api->action_output(f->host, args[i]);
                return 0;
        }
        if (strcmp(name, "remember") == 0) {
                if (!args[0] || args[1]) {
                        f->api->action_output(f->host, "remember takes exactly one VALUE");
                        return -EINVAL;
                }
                return f->api->state_put(f->host, "value", args[0], strlen(args[0]));
        }
        if (strcmp(name, "recall") == 0) {
                r = f->api->state_get(f->host, "value", &data, &size);
                if (r < 0) {
                        f->api->action_output(f->host, "nothing remembered yet");
                        return r;
                }
                return f->api->action_output(f->host, data);
        }
        f->api->action_output(f->host, "asked to fail");
        return -EIO;
}

static void *fixed_free(void *state) {
        free(state);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "fixed",
        .checks = checks,
        .init = fixed_init,
        .validate = fixed_validate,
        .evaluate = fixed_evaluate,
        .free = fixed_free,
        .actions = actions,
        .action = fixed_action,
};
