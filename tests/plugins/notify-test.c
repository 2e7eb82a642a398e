/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test plugin for mamori-notify's desktop test: a rule whose finding and
 * evidence the test sets, and events of the plugin's own kinds on demand.
 * Built as notify-test.so, and by mk/notify.mk as credentials.so (with
 * NOTIFY_TEST_PLUGIN="credentials"), since a plugin may only send events
 * named after itself and the notifier listens for credentials.* ones.
 *
 *   check NAME.fixed   params: { status: pass|fail, evidence: [LINE, ...] }
 *   action set-status pass|fail   (administrator) overrides params' status
 *                                 and has the rule evaluated again
 *   action emit WHAT SUBJECT TEXT (administrator) sends event NAME.WHAT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori-plugin.h"

#ifndef NOTIFY_TEST_PLUGIN
#define NOTIFY_TEST_PLUGIN "notify-test"
#endif

typedef struct NotifyTest {
        struct mamori_host *host;
        const struct mamori_host_api *api;
} NotifyTest;

static const char *const checks[] = { NOTIFY_TEST_PLUGIN ".fixed", NULL };

static int nt_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret) {
        NotifyTest *t = calloc(1, sizeof *t);

        if (!t)
                return -ENOMEM;
        t->host = h;
        t->api = api;
        *ret = t;
        return 0;
}

static int nt_validate(void *state, const struct mamori_rule *r, size_t *reterr_param, char *msg,
                       size_t size) {
        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *p = &r->params[i];

                if (strcmp(p->key, "evidence") == 0)
                        continue;
                if (strcmp(p->key, "status") != 0 || !p->values[0] ||
                    (strcmp(p->values[0], "pass") != 0 && strcmp(p->values[0], "fail") != 0)) {
                        *reterr_param = i;
                        snprintf(msg, size, "takes status (pass or fail) and evidence");
                        return -EINVAL;
                }
        }
        return 0;
}

static int nt_evaluate(void *state, const struct mamori_rule *r) {
        NotifyTest *t = state;
        const struct mamori_param *st = t->api->find_param(r, "status"),
                                  *ev = t->api->find_param(r, "evidence");
        const char *status = st && st->values[0] ? st->values[0] : "pass";
        const void *data;
        size_t size;
        char buf[16];

        if (t->api->state_get(t->host, "status", &data, &size) >= 0 && size < sizeof buf) {
                memcpy(buf, data, size);
                buf[size] = '\0';
                status = buf;
        }
        for (size_t i = 0; ev && ev->values[i]; i++) {
                int k = t->api->emit_finding(t->host, r, &(struct mamori_finding) {
                        strcmp(status, "fail") == 0 ? MAMORI_FAIL : MAMORI_PASS, NULL, ev->values[i] });
                if (k < 0)
                        return k;
        }
        if (!ev || !ev->values[0])
                return t->api->emit_finding(t->host, r, &(struct mamori_finding) {
                        strcmp(status, "fail") == 0 ? MAMORI_FAIL : MAMORI_PASS, NULL, status });
        return 0;
}

static const struct mamori_action actions[] = {
        { "set-status", 1, "pass|fail", "make the test rule pass or fail" },
        { "emit", 1, "WHAT SUBJECT TEXT", "send the event " NOTIFY_TEST_PLUGIN ".WHAT" },
        { NULL, 0, NULL, NULL },
};

static int nt_action(void *state, const char *name, const char *const *args) {
        NotifyTest *t = state;
        char kind[64];
        int r;

        if (strcmp(name, "set-status") == 0) {
                if (!args[0] || args[1] || (strcmp(args[0], "pass") != 0 && strcmp(args[0], "fail") != 0)) {
                        t->api->action_output(t->host, "usage: set-status pass|fail");
                        return -EINVAL;
                }
                r = t->api->state_put(t->host, "status", args[0], strlen(args[0]));
                if (r >= 0)
                        r = t->api->request_evaluation(t->host, NOTIFY_TEST_PLUGIN ".fixed");
                return r;
        }
        if (!args[0] || !args[1] || !args[2] || args[3]) {
                t->api->action_output(t->host, "usage: emit WHAT SUBJECT TEXT");
                return -EINVAL;
        }
        snprintf(kind, sizeof kind, "%s.%s", NOTIFY_TEST_PLUGIN, args[0]);
        return t->api->emit_event(t->host, kind, args[1], args[2]);
}

static void *nt_free(void *state) {
        free(state);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = NOTIFY_TEST_PLUGIN,
        .checks = checks,
        .init = nt_init,
        .validate = nt_validate,
        .evaluate = nt_evaluate,
        .free = nt_free,
        .actions = actions,
        .action = nt_action,
};
