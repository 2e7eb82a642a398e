/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The software plugin's glue: the exported struct, the check table, rule
 * params, findings, the dpkg watch and the administrator's actions. The
 * checks themselves are in check-*.c. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <syslog.h>

#include "software.h"

/* A rule that fails on thousands of files says nothing more with the
 * thousandth; the host caps evidence too, this spares the work. */
#define EVAL_MAX_FINDINGS 200

/* dpkg rewrites its status file many times during one apt run: evaluate
 * at most this often while it does, and once after the last write. */
#define DPKG_SETTLE_USEC (2 * UINT64_C(1000000))

#define DAY (UINT64_C(86400))

typedef enum ParamKind {
        PARAM_PATHS,            /* absolute paths */
        PARAM_GLOBS,            /* fnmatch() patterns on absolute paths */
        PARAM_NAMES,            /* user or group names */
        PARAM_NUMBER,           /* one whole number in [min, max] */
        PARAM_DURATION,         /* "2d", "12h" */
} ParamKind;

typedef struct ParamSpec {
        const char *key;
        ParamKind kind;
        uint64_t min, max;
        size_t offset;          /* into SoftwareParams */
} ParamSpec;

typedef struct CheckDef {
        const char *name;
        int (*run)(Eval *e, const SoftwareParams *p);
        const ParamSpec *params;
        size_t n_params;
        uint64_t default_max_age;
} CheckDef;

static const ParamSpec executables_params[] = {
        { "paths", PARAM_PATHS, 1, 0, offsetof(SoftwareParams, paths) },
        { "allowed", PARAM_GLOBS, 0, 0, offsetof(SoftwareParams, allowed) },
        { "max-depth", PARAM_NUMBER, 1, 128, offsetof(SoftwareParams, max_depth) },
        { "max-files", PARAM_NUMBER, 1, 10000000, offsetof(SoftwareParams, max_files) },
};

static const ParamSpec install_params[] = {
        { "admins", PARAM_NAMES, 0, 0, offsetof(SoftwareParams, admins) },
        { "groups", PARAM_NAMES, 1, 0, offsetof(SoftwareParams, groups) },
};

static const ParamSpec antivirus_params[] = {
        { "max-age", PARAM_DURATION, 0, 0, offsetof(SoftwareParams, max_age) },
};

static const ParamSpec updates_params[] = {
        { "max-age", PARAM_DURATION, 0, 0, offsetof(SoftwareParams, max_age) },
        { "max-list-age", PARAM_DURATION, 0, 0, offsetof(SoftwareParams, max_list_age) },
};

static const CheckDef check_defs[] = {
        { "software.approved-packages", check_approved_packages, NULL, 0, 0 },
        { "software.no-user-executables", check_user_executables, executables_params,
          SW_ELEMENTSOF(executables_params), 0 },
        { "software.install-restricted", check_install_restricted, install_params,
          SW_ELEMENTSOF(install_params), 0 },
        /* freshclam checks every hour by default; two days of silence is
         * not a network hiccup. */
        { "software.antivirus", check_antivirus, antivirus_params, SW_ELEMENTSOF(antivirus_params),
          2 * DAY },
        /* Debian's security team publishes when fixes are ready; a week is
         * what "promptly" (詳細編 7.5(1)③) can mean for a terminal. */
        { "software.security-updates", check_security_updates, updates_params,
          SW_ELEMENTSOF(updates_params), 7 * DAY },
};

static const char *const software_checks[] = {
        "software.approved-packages",
        "software.no-user-executables",
        "software.install-restricted",
        "software.antivirus",
        "software.security-updates",
        NULL,
};

static const struct mamori_action software_actions[] = {
        { "accept", 1, "", "record the installed packages as the approved set" },
        { "list", 0, "", "show the differences from the approved package set" },
        { NULL, 0, NULL, NULL },
};

static const CheckDef *check_def_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < SW_ELEMENTSOF(check_defs); i++)
                if (strcmp(check_defs[i].name, name) == 0)
                        return &check_defs[i];
        return NULL;
}

static bool name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= 0x20 || *p == 0x7f || *p == ':' || *p == ',')
                        return false;
        return true;
}

static bool path_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 255 || s[0] != '/' || strstr(s, "/../") || strstr(s, "//") ||
            (n >= 3 && strcmp(s + n - 3, "/..") == 0))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static bool glob_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 255 || (s[0] != '/' && s[0] != '*'))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static int params_parse(const CheckDef *c, const struct mamori_rule *r, SoftwareParams *ret,
                        size_t *reterr_param, char *msg, size_t msg_size) {
        SoftwareParams p = {
                .max_depth = 64,
                .max_files = 500000,
                .max_age = c->default_max_age,
                .max_list_age = 7 * DAY,
        };
        char shown[96];

        for (size_t i = 0; i < r->n_params; i++) {
                const struct mamori_param *rp = &r->params[i];
                const ParamSpec *spec = NULL;
                size_t n_values = 0;

                *reterr_param = i;
                if (!rp->key || !rp->values) {
                        snprintf(msg, msg_size, "param %zu has no key or no values", i);
                        return -EINVAL;
                }
                for (size_t j = 0; j < c->n_params; j++)
                        if (strcmp(c->params[j].key, rp->key) == 0)
                                spec = &c->params[j];
                if (!spec) {
                        char known[128] = "";

                        for (size_t j = 0; j < c->n_params; j++) {
                                size_t len = strlen(known);

                                snprintf(known + len, sizeof(known) - len, "%s%s", j > 0 ? ", " : "",
                                         c->params[j].key);
                        }
                        snprintf(msg, msg_size, "unknown param \"%s\": %s takes %s",
                                 text_safe(rp->key, 48, shown, sizeof(shown)), c->name,
                                 c->n_params > 0 ? known : "no params");
                        return -EINVAL;
                }
                for (size_t j = 0; j < i; j++)
                        if (strcmp(r->params[j].key, rp->key) == 0) {
                                snprintf(msg, msg_size, "%s: given twice", spec->key);
                                return -EINVAL;
                        }
                while (rp->values[n_values])
                        n_values++;

                switch (spec->kind) {
                case PARAM_NUMBER: {
                        uint64_t v;

                        if (n_values != 1 || parse_u64(rp->values[0], &v) < 0 || v < spec->min ||
                            v > spec->max) {
                                snprintf(msg, msg_size, "%s: expected one whole number from %llu to %llu",
                                         spec->key, (unsigned long long) spec->min,
                                         (unsigned long long) spec->max);
                                return -EINVAL;
                        }
                        *(long *) (void *) ((char *) &p + spec->offset) = (long) v;
                        break;
                }
                case PARAM_DURATION: {
                        uint64_t v;

                        if (n_values != 1 || parse_duration(rp->values[0], &v) < 0) {
                                snprintf(msg, msg_size,
                                         "%s: expected one duration like \"90m\", \"12h\", \"2d\" or \"1w\" "
                                         "(more than zero, at most ten years)", spec->key);
                                return -EINVAL;
                        }
                        *(uint64_t *) (void *) ((char *) &p + spec->offset) = v;
                        break;
                }
                case PARAM_PATHS:
                case PARAM_GLOBS:
                case PARAM_NAMES:
                        if (n_values < spec->min) {
                                snprintf(msg, msg_size, "%s: expected at least one value", spec->key);
                                return -EINVAL;
                        }
                        for (size_t j = 0; j < n_values; j++) {
                                const char *v = rp->values[j];
                                bool ok = spec->kind == PARAM_PATHS ? path_is_valid(v) :
                                          spec->kind == PARAM_GLOBS ? glob_is_valid(v) : name_is_valid(v);

                                if (!ok) {
                                        snprintf(msg, msg_size, "%s: \"%s\" is not %s", spec->key,
                                                 text_safe(v, 48, shown, sizeof(shown)),
                                                 spec->kind == PARAM_PATHS ?
                                                         "an absolute path without \"..\"" :
                                                 spec->kind == PARAM_GLOBS ?
                                                         "a glob pattern on absolute paths (starting with '/' or '*')" :
                                                         "a valid name (no blanks, ':' or ',')");
                                        return -EINVAL;
                                }
                        }
                        *(const char *const **) (void *) ((char *) &p + spec->offset) = rp->values;
                        break;
                }
        }
        *reterr_param = (size_t) -1;
        *ret = p;
        return 0;
}

/* ---- findings and output ------------------------------------------------------ */

int eval_emit(Eval *e, mamori_status status, const char *subject, const char *fmt, ...) {
        char raw[EVIDENCE_MAX], evidence[EVIDENCE_MAX];
        struct mamori_finding f;
        va_list ap;
        int r;

        if (status == MAMORI_FAIL && e->n_failed >= EVAL_MAX_FINDINGS) {
                e->n_suppressed++;
                return 0;
        }
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        text_safe(raw, sizeof(raw) - 4, evidence, sizeof(evidence));

        f = (struct mamori_finding) {
                .status = status,
                .subject = subject,
                .evidence = evidence,
        };
        r = e->s->api->emit_finding(e->s->host, e->rule, &f);
        if (r < 0)
                return r;
        if (status == MAMORI_FAIL)
                e->n_failed++;
        return 0;
}

int action_printf(Software *s, const char *fmt, ...) {
        char raw[1024], line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        if (!s->api->action_output)
                return -EOPNOTSUPP;
        return s->api->action_output(s->host, text_safe(raw, sizeof(line) - 4, line, sizeof(line)));
}

/* ---- watch: dpkg's status file ------------------------------------------------ */

static void watch_drop(Software *s) {
        s->inotify_source = sd_event_source_disable_unref(s->inotify_source);
        s->debounce_source = sd_event_source_disable_unref(s->debounce_source);
        if (s->inotify_fd >= 0)
                close(s->inotify_fd);
        s->inotify_fd = -EBADF;
}

static int on_settled(sd_event_source *src, uint64_t usec, void *userdata) {
        Software *s = userdata;

        if (s->api->request_evaluation)
                (void) s->api->request_evaluation(s->host, "software.approved-packages");
        if (s->api->emit_event)
                (void) s->api->emit_event(s->host, "software.changed", "/var/lib/dpkg/status",
                                          "the package database changed: checking it against the approved set");
        return 0;
}

static int on_dpkg_dir(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Software *s = userdata;
        bool changed = false;
        int enabled = SD_EVENT_OFF, r;

        for (;;) {
                char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) (void *) p;

                        /* An overflow may have eaten the event that mattered. */
                        if ((ev->mask & IN_Q_OVERFLOW) ||
                            (ev->len > 0 && strcmp(ev->name, "status") == 0))
                                changed = true;
                        p += sizeof(*ev) + ev->len;
                }
        }
        if (!changed)
                return 0;

        if (s->debounce_source && sd_event_source_get_enabled(s->debounce_source, &enabled) >= 0 &&
            enabled != SD_EVENT_OFF)
                return 0;       /* already due */
        if (s->debounce_source) {
                r = sd_event_source_set_time_relative(s->debounce_source, DPKG_SETTLE_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->debounce_source, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time_relative(s->api->loop, &s->debounce_source, CLOCK_MONOTONIC,
                                               DPKG_SETTLE_USEC, 0, on_settled, s);
                if (r >= 0)
                        (void) sd_event_source_set_description(s->debounce_source, "software-dpkg-settle");
        }
        if (r < 0 && s->api->log)
                s->api->log(s->host, LOG_WARNING, "cannot arm the dpkg settle timer, ignoring: %s",
                            strerror(-r));
        return 0;
}

static int software_watch(void *state, const struct mamori_rule *const *rules, size_t n_rules) {
        Software *s = state;
        char path[4096];
        bool wanted = false;
        int r;

        if (!s)
                return -EINVAL;
        watch_drop(s);
        for (size_t i = 0; i < n_rules; i++)
                if (rules[i] && rules[i]->check && strcmp(rules[i]->check, "software.approved-packages") == 0)
                        wanted = true;
        if (!wanted || !s->api->loop || !s->root)
                return 0;

        snprintf(path, sizeof(path), "%s%svar/lib/dpkg", s->root,
                 s->root[0] && s->root[strlen(s->root) - 1] == '/' ? "" : "/");
        s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s->inotify_fd < 0)
                return -errno;
        /* dpkg writes status-new and renames it over status. */
        if (inotify_add_watch(s->inotify_fd, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
                r = -errno;
                if (s->api->log)
                        s->api->log(s->host, LOG_INFO, "not watching %s (%s): the package set is checked "
                                    "on the rule's interval only", path, strerror(-r));
                watch_drop(s);
                return 0;
        }
        r = sd_event_add_io(s->api->loop, &s->inotify_source, s->inotify_fd, EPOLLIN, on_dpkg_dir, s);
        if (r < 0) {
                watch_drop(s);
                return r;
        }
        (void) sd_event_source_set_description(s->inotify_source, "software-dpkg-status");
        return 0;
}

/* ---- the plugin ---------------------------------------------------------------- */

typedef struct SoftwareState {
        Software s;
        struct mamori_host_api api;     /* the host's, zero past what it has */
} SoftwareState;

static int software_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret_state) {
        SoftwareState *st;

        if (!api || !ret_state)
                return -EINVAL;
        if (api->size < offsetof(struct mamori_host_api, emit_finding) + sizeof(api->emit_finding))
                return -EPROTO;
        if (!api->emit_finding || api->root_fd < 0)
                return -EINVAL;

        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        /* Fields past what the host was built with stay NULL. */
        memcpy(&st->api, api, api->size < sizeof(st->api) ? api->size : sizeof(st->api));
        st->s = (Software) {
                .host = h,
                .api = &st->api,
                .root_fd = api->root_fd,
                .root = api->root,
                .inotify_fd = -EBADF,
        };
        *ret_state = st;
        return 0;
}

static int software_validate(void *state, const struct mamori_rule *r, size_t *reterr_param,
                             char *reterr_msg, size_t msg_size) {
        const CheckDef *c;
        SoftwareParams p;
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

static int software_evaluate(void *state, const struct mamori_rule *r) {
        SoftwareState *st = state;
        const CheckDef *c;
        SoftwareParams p;
        size_t bad_param;
        char msg[256];
        Eval e;
        int k;

        if (!st || !r)
                return -EINVAL;
        c = check_def_find(r->check);
        if (!c)
                return -ENOENT;
        if (r->n_params > 0 && !r->params)
                return -EINVAL;
        if (params_parse(c, r, &p, &bad_param, msg, sizeof(msg)) < 0)
                return -EINVAL;

        e = (Eval) {
                .s = &st->s,
                .rule = r,
        };
        k = c->run(&e, &p);
        if (k < 0)
                return k;
        if (e.n_suppressed > 0) {
                struct mamori_finding f = { .status = MAMORI_FAIL };
                char evidence[128];

                snprintf(evidence, sizeof(evidence), "%u more findings like the above were not listed",
                         e.n_suppressed);
                f.evidence = evidence;
                k = st->api.emit_finding(st->s.host, r, &f);
        }
        return k < 0 ? k : 0;
}

static int software_action(void *state, const char *name, const char *const *args) {
        SoftwareState *st = state;

        if (!st || !name)
                return -EINVAL;
        if (args && args[0]) {
                action_printf(&st->s, "%s takes no arguments", name);
                return -EINVAL;
        }
        if (strcmp(name, "accept") == 0)
                return packages_accept(&st->s);
        if (strcmp(name, "list") == 0)
                return packages_list(&st->s);
        action_printf(&st->s, "unknown action");
        return -EOPNOTSUPP;
}

static void *software_free(void *state) {
        SoftwareState *st = state;

        if (!st)
                return NULL;
        watch_drop(&st->s);
        free(st);
        return NULL;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "software",
        .checks = software_checks,
        .init = software_init,
        .validate = software_validate,
        .evaluate = software_evaluate,
        .watch = software_watch,
        .free = software_free,
        .actions = software_actions,
        .action = software_action,
};
