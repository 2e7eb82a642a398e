/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-host.h"

/* Every callback gets the FakeHost as its struct mamori_host. */
#define FH(h) ((FakeHost *) (void *) (h))

static void fake_log(struct mamori_host *h, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void fake_log(struct mamori_host *h, int prio, const char *fmt, ...) {
        va_list ap;

        if (!getenv("FAKE_HOST_VERBOSE"))
                return;
        va_start(ap, fmt);
        fprintf(stderr, "plugin log <%d>: ", prio);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static int fake_emit_finding(struct mamori_host *h, const struct mamori_rule *r,
                             const struct mamori_finding *f) {
        FakeHost *fh = FH(h);
        FakeFinding *n = realloc(fh->findings, sizeof *n * (fh->n_findings + 1));

        assert(n);
        fh->findings = n;
        n[fh->n_findings++] = (FakeFinding) {
                .status = f->status,
                .subject = f->subject ? strdup(f->subject) : NULL,
                .evidence = strdup(f->evidence ? f->evidence : ""),
        };
        return 0;
}

static int fake_emit_event(struct mamori_host *h, const char *kind, const char *subject,
                           const char *text) {
        FakeHost *fh = FH(h);
        FakeEvent *n = realloc(fh->events, sizeof *n * (fh->n_events + 1));

        assert(n);
        fh->events = n;
        n[fh->n_events++] = (FakeEvent) { strdup(kind), strdup(subject ? subject : ""),
                                          strdup(text ? text : "") };
        return 0;
}

static int fake_request_evaluation(struct mamori_host *h, const char *check) {
        FH(h)->evaluations_requested++;
        return 0;
}

static const struct mamori_param *fake_find_param(const struct mamori_rule *r, const char *key) {
        for (size_t i = 0; i < r->n_params; i++)
                if (strcmp(r->params[i].key, key) == 0)
                        return &r->params[i];
        return NULL;
}

static int fake_state_get(struct mamori_host *h, const char *key, const void **ret, size_t *ret_size) {
        FakeHost *fh = FH(h);

        for (size_t i = 0; i < fh->n_kv; i++)
                if (strcmp(fh->kv[i].key, key) == 0) {
                        free(fh->lent);
                        fh->lent = malloc(fh->kv[i].size + 1);
                        assert(fh->lent);
                        memcpy(fh->lent, fh->kv[i].data, fh->kv[i].size);
                        ((char *) fh->lent)[fh->kv[i].size] = '\0';
                        *ret = fh->lent;
                        *ret_size = fh->kv[i].size;
                        return 0;
                }
        return -ENOENT;
}

static int fake_state_put(struct mamori_host *h, const char *key, const void *data, size_t size) {
        FakeHost *fh = FH(h);
        FakeState *n;
        size_t i;

        for (i = 0; i < fh->n_kv; i++)
                if (strcmp(fh->kv[i].key, key) == 0)
                        break;
        if (i == fh->n_kv) {
                n = realloc(fh->kv, sizeof *n * (fh->n_kv + 1));
                assert(n);
                fh->kv = n;
                fh->kv[fh->n_kv++] = (FakeState) { .key = strdup(key) };
        }
        free(fh->kv[i].data);
        fh->kv[i].data = malloc(size + 1);
        assert(fh->kv[i].data);
        if (size)
                memcpy(fh->kv[i].data, data, size);
        fh->kv[i].size = size;
        return 0;
}

static int fake_action_output(struct mamori_host *h, const char *line) {
        FakeHost *fh = FH(h);
        char **n;

        if (!fh->in_action)
                return -EBUSY;
        n = realloc(fh->output, sizeof *n * (fh->n_output + 2));
        assert(n);
        fh->output = n;
        n[fh->n_output++] = strdup(line);
        n[fh->n_output] = NULL;
        return 0;
}

int fake_host_init(FakeHost *fh, const char *root, const struct mamori_plugin *p) {
        *fh = (FakeHost) { .root_fd = -1, .plugin = p };
        fh->root = strdup(root);
        fh->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fh->root_fd < 0 || sd_event_new(&fh->loop) < 0)
                return -errno;
        fh->api = (struct mamori_host_api) {
                .size = sizeof(struct mamori_host_api),
                .loop = fh->loop,
                .root_fd = fh->root_fd,
                .root = fh->root,
                .log = fake_log,
                .emit_finding = fake_emit_finding,
                .emit_event = fake_emit_event,
                .request_evaluation = fake_request_evaluation,
                .find_param = fake_find_param,
                .state_get = fake_state_get,
                .state_put = fake_state_put,
                .action_output = fake_action_output,
                .setting = NULL,
        };
        return p->init((struct mamori_host *) (void *) fh, &fh->api, &fh->state);
}

void fake_host_clear(FakeHost *fh) {
        for (size_t i = 0; i < fh->n_findings; i++) {
                free(fh->findings[i].subject);
                free(fh->findings[i].evidence);
        }
        free(fh->findings);
        fh->findings = NULL;
        fh->n_findings = 0;
        for (size_t i = 0; i < fh->n_events; i++) {
                free(fh->events[i].kind);
                free(fh->events[i].subject);
                free(fh->events[i].text);
        }
        free(fh->events);
        fh->events = NULL;
        fh->n_events = 0;
        for (size_t i = 0; i < fh->n_output; i++)
                free(fh->output[i]);
        free(fh->output);
        fh->output = NULL;
        fh->n_output = 0;
}

void fake_host_done(FakeHost *fh) {
        if (fh->plugin && fh->state)
                fh->plugin->free(fh->state);
        fake_host_clear(fh);
        for (size_t i = 0; i < fh->n_kv; i++) {
                free(fh->kv[i].key);
                free(fh->kv[i].data);
        }
        free(fh->kv);
        free(fh->lent);
        sd_event_unref(fh->loop);
        if (fh->root_fd >= 0)
                close(fh->root_fd);
        free(fh->root);
        *fh = (FakeHost) { .root_fd = -1 };
}

int fake_host_evaluate(FakeHost *fh, const struct mamori_rule *r) {
        fake_host_clear(fh);
        if (fh->plugin->validate) {
                char msg[256] = "";
                size_t param = (size_t) -1;
                int k = fh->plugin->validate(fh->state, r, &param, msg, sizeof msg);
                if (k < 0)
                        return k;
        }
        return fh->plugin->evaluate(fh->state, r);
}

int fake_host_action(FakeHost *fh, const char *name, const char *const *args) {
        static const char *const none[] = { NULL };
        int r;

        fake_host_clear(fh);
        fh->in_action = true;
        r = fh->plugin->action(fh->state, name, args ? args : none);
        fh->in_action = false;
        return r;
}

size_t fake_host_count(const FakeHost *fh, mamori_status s) {
        size_t n = 0;

        for (size_t i = 0; i < fh->n_findings; i++)
                n += fh->findings[i].status == s;
        return n;
}

const FakeFinding *fake_host_find(const FakeHost *fh, const char *needle) {
        for (size_t i = 0; i < fh->n_findings; i++)
                if (strstr(fh->findings[i].evidence, needle))
                        return &fh->findings[i];
        return NULL;
}

struct mamori_rule *fake_rule(FakeRule *fr, const char *check) {
        memset(fr, 0, sizeof *fr);
        fr->rule.id = "test.rule";
        fr->rule.check = check;
        fr->rule.params = fr->params;
        return &fr->rule;
}

void fake_rule_param(FakeRule *fr, const char *key, ...) {
        size_t i = fr->rule.n_params++, j = 0;
        const char *v;
        va_list ap;

        assert(i < 16);
        va_start(ap, key);
        while ((v = va_arg(ap, const char *)) && j < 16)
                fr->values[i][j++] = v;
        va_end(ap);
        fr->values[i][j] = NULL;
        fr->params[i] = (struct mamori_param) { key, fr->values[i] };
}
