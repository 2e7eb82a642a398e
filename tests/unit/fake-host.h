/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stand-in for mamorid in plugin unit tests: lends a plugin the host API,
 * records what it reports, and keeps its persistent state in memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mamori-plugin.h"

typedef struct FakeFinding {
        mamori_status status;
        char *subject;
        char *evidence;
} FakeFinding;

typedef struct FakeEvent {
        char *kind;
        char *subject;
        char *text;
} FakeEvent;

typedef struct FakeState {
        char *key;
        void *data;
        size_t size;
} FakeState;

typedef struct FakeRule {
        struct mamori_rule rule;
        struct mamori_param params[16];
        const char *values[16][17];
} FakeRule;

typedef struct FakeHost {
        struct mamori_host_api api;
        sd_event *loop;
        int root_fd;
        char *root;
        const struct mamori_plugin *plugin;
        void *state;

        FakeFinding *findings;
        size_t n_findings;
        FakeEvent *events;
        size_t n_events;
        char **output;
        size_t n_output;
        FakeState *kv;
        size_t n_kv;
        void *lent;
        unsigned evaluations_requested;
        bool in_action;
} FakeHost;

/* Opens root, makes a loop, calls the plugin's init(). Returns init's result. */
int fake_host_init(FakeHost *fh, const char *root, const struct mamori_plugin *p);
void fake_host_done(FakeHost *fh);

/* Forget the findings, then evaluate (validate() first when validate is set). */
int fake_host_evaluate(FakeHost *fh, const struct mamori_rule *r);
int fake_host_action(FakeHost *fh, const char *name, const char *const *args);
void fake_host_clear(FakeHost *fh);      /* findings, events, output */

/* Counts of findings with this status. */
size_t fake_host_count(const FakeHost *fh, mamori_status s);
/* The first finding whose evidence contains needle, or NULL. */
const FakeFinding *fake_host_find(const FakeHost *fh, const char *needle);

/* Rules for tests: fake_rule(&fr, "accounts.uid0"); fake_rule_param(&fr, "allowed", "root", "toor", NULL); */
struct mamori_rule *fake_rule(FakeRule *fr, const char *check);
void fake_rule_param(FakeRule *fr, const char *key, ...);
