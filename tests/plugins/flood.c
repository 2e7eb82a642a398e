/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test plugin: emits events as fast as asked, for the crash-durability test.
 * Built twice: as flood.so, and with TEST_PLUGIN_ABI=99 as wrong-abi.so,
 * which the host must refuse. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori-plugin.h"

#ifndef TEST_PLUGIN_ABI
#define TEST_PLUGIN_ABI MAMORI_PLUGIN_ABI
#endif
#ifndef TEST_PLUGIN_NAME
#define TEST_PLUGIN_NAME "flood"
#endif

typedef struct Flood {
        struct mamori_host *host;
        const struct mamori_host_api *api;
        sd_event_source *timer;
        uint64_t interval_usec;
        unsigned long n;
} Flood;

static const char *const checks[] = { TEST_PLUGIN_NAME ".tick", NULL };

static int flood_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret) {
        Flood *f = calloc(1, sizeof *f);

        if (!f)
                return -ENOMEM;
        f->host = h;
        f->api = api;
        *ret = f;
        return 0;
}

static int flood_validate(void *state, const struct mamori_rule *r, size_t *reterr_param,
                          char *msg, size_t size) {
        for (size_t i = 0; i < r->n_params; i++) {
                char *end;

                if (strcmp(r->params[i].key, "interval-ms") != 0 || !r->params[i].values[0]) {
                        *reterr_param = i;
                        snprintf(msg, size, "unknown param \"%s\" (only interval-ms)", r->params[i].key);
                        return -EINVAL;
                }
                strtoul(r->params[i].values[0], &end, 10);
                if (*end || end == r->params[i].values[0]) {
                        *reterr_param = i;
                        snprintf(msg, size, "interval-ms must be a number of milliseconds");
                        return -EINVAL;
                }
        }
        return 0;
}

static int flood_evaluate(void *state, const struct mamori_rule *r) {
        Flood *f = state;
        char ev[64];

        snprintf(ev, sizeof ev, "%lu events emitted", f->n);
        return f->api->emit_finding(f->host, r, &(struct mamori_finding) { MAMORI_PASS, NULL, ev });
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Flood *f = userdata;
        char text[64];

        snprintf(text, sizeof text, "n=%lu", ++f->n);
        (void) f->api->emit_event(f->host, TEST_PLUGIN_NAME ".tick", "tick", text);
        (void) sd_event_source_set_time_relative(s, f->interval_usec);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int flood_watch(void *state, const struct mamori_rule *const *rules, size_t n) {
        Flood *f = state;

        f->timer = sd_event_source_disable_unref(f->timer);
        if (n == 0)
                return 0;
        f->interval_usec = 1000;
        for (size_t i = 0; i < rules[0]->n_params; i++)
                if (strcmp(rules[0]->params[i].key, "interval-ms") == 0)
                        f->interval_usec = strtoull(rules[0]->params[i].values[0], NULL, 10) * 1000;
        return sd_event_add_time_relative(f->api->loop, &f->timer, CLOCK_MONOTONIC, f->interval_usec,
                                          1 /* accuracy 0 would mean sd-event's default, 250 ms */,
                                          on_tick, f);
}

static void *flood_free(void *state) {
        Flood *f = state;

        if (f)
                sd_event_source_disable_unref(f->timer);
        free(f);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = TEST_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = TEST_PLUGIN_NAME,
        .checks = checks,
        .init = flood_init,
        .validate = flood_validate,
        .evaluate = flood_evaluate,
        .watch = flood_watch,
        .free = flood_free,
};
