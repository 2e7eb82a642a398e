/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "plugin_host.h"
#include "util.h"

/* The smallest struct mamori_plugin a v1 plugin may export. */
#define PLUGIN_V1_SIZE (offsetof(struct mamori_plugin, free) + sizeof(void *))

struct mamori_host {
        PluginHost *host;
        Plugin *plugin;
};

struct Plugin {
        char *name;                     /* file stem: "accounts" */
        char *path;
        void *dl;
        const struct mamori_plugin *desc;
        void *state;
        struct mamori_host handle;
        void *state_buf;                /* lent by the last state_get */
        PluginOutputFn out;             /* set during action() */
        void *out_userdata;
};

/* Whether the plugin's descriptor is big enough to hold field: plugins
 * built against an older ABI 1 header end before the fields added since. */
#define PLUGIN_HAS(d, field) \
        ((d)->size >= offsetof(struct mamori_plugin, field) + sizeof((d)->field) && (d)->field)

typedef struct Refusal {
        char *name;                     /* plugin file stem */
        char *reason;
} Refusal;

struct PluginHost {
        struct mamori_host_api api;
        PluginHostCallbacks cb;
        Plugin **plugins;
        size_t n_plugins;
        Refusal *refusals;
        size_t n_refusals;
};

static void host_log(struct mamori_host *h, int prio, const char *fmt, ...) _printf_(3, 4);
static void host_log(struct mamori_host *h, int prio, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        log_full_errno(prio, 0, "%s: %s", h->plugin ? h->plugin->name : "plugin", msg);
}

static int host_emit_finding(struct mamori_host *h, const struct mamori_rule *r,
                             const struct mamori_finding *f) {
        if (!h || !r || !f)
                return -EINVAL;
        return h->host->cb.emit_finding(h->host->cb.userdata, h->plugin, r, f);
}

static int host_emit_event(struct mamori_host *h, const char *kind, const char *subject,
                           const char *text) {
        if (!h || !kind)
                return -EINVAL;
        return h->host->cb.emit_event(h->host->cb.userdata, h->plugin, kind, subject, text);
}

static int host_request_evaluation(struct mamori_host *h, const char *check) {
        if (!h || !check)
                return -EINVAL;
        return h->host->cb.request_evaluation(h->host->cb.userdata, h->plugin, check);
}

static int host_state_get(struct mamori_host *h, const char *key, const void **ret_data,
                          size_t *ret_size) {
        Plugin *p = h ? h->plugin : NULL;
        void *buf = NULL;
        size_t size = 0;
        int r;

        if (!p || !key || !ret_data || !ret_size)
                return -EINVAL;
        r = h->host->cb.state_get(h->host->cb.userdata, p, key, &buf, &size);
        if (r < 0)
                return r;
        free(p->state_buf);
        p->state_buf = buf;
        *ret_data = buf;
        *ret_size = size;
        return 0;
}

static int host_state_put(struct mamori_host *h, const char *key, const void *data, size_t size) {
        if (!h || !h->plugin || !key || (!data && size > 0))
                return -EINVAL;
        return h->host->cb.state_put(h->host->cb.userdata, h->plugin, key, data, size);
}

static int host_action_output(struct mamori_host *h, const char *line) {
        if (!h || !h->plugin || !line)
                return -EINVAL;
        if (!h->plugin->out)
                return -EBUSY;
        return h->plugin->out(h->plugin->out_userdata, line);
}

static const char *host_setting(struct mamori_host *h, const char *section, const char *key) {
        if (!h || !section || !key || !h->host->cb.setting)
                return NULL;
        return h->host->cb.setting(h->host->cb.userdata, section, key);
}

static const struct mamori_param *host_find_param(const struct mamori_rule *r, const char *key) {
        for (size_t i = 0; r && i < r->n_params; i++)
                if (streq(r->params[i].key, key))
                        return &r->params[i];
        return NULL;
}

int plugin_host_new(sd_event *loop, int root_fd, const char *root,
                    const PluginHostCallbacks *cb, PluginHost **ret) {
        PluginHost *h = calloc(1, sizeof *h);

        if (!h)
                return -ENOMEM;
        h->api = (struct mamori_host_api) {
                .size = sizeof(struct mamori_host_api),
                .loop = loop,
                .root_fd = root_fd,
                .root = root,
                .log = host_log,
                .emit_finding = host_emit_finding,
                .emit_event = host_emit_event,
                .request_evaluation = host_request_evaluation,
                .find_param = host_find_param,
                .state_get = host_state_get,
                .state_put = host_state_put,
                .action_output = host_action_output,
                .setting = host_setting,
        };
        h->cb = *cb;
        *ret = h;
        return 0;
}

static Plugin *plugin_free(Plugin *p) {
        if (!p)
                return NULL;
        if (p->desc && p->state)
                p->desc->free(p->state);
        if (p->dl)
                dlclose(p->dl);
        free(p->state_buf);
        free(p->name);
        free(p->path);
        free(p);
        return NULL;
}

PluginHost *plugin_host_free(PluginHost *h) {
        if (!h)
                return NULL;
        /* Reverse order: a later plugin may have been built on an earlier one's state. */
        for (size_t i = h->n_plugins; i > 0; i--)
                plugin_free(h->plugins[i - 1]);
        free(h->plugins);
        for (size_t i = 0; i < h->n_refusals; i++) {
                free(h->refusals[i].name);
                free(h->refusals[i].reason);
        }
        free(h->refusals);
        free(h);
        return NULL;
}

static int refuse(PluginHost *h, const char *name, const char *path, const char *fmt, ...)
        _printf_(4, 5);

static int refuse(PluginHost *h, const char *name, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *reason = NULL, *n = NULL;
        Refusal *nr;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (k < 0)
                return log_oom();
        log_error("Refusing plugin %s: %s", path, reason);

        n = strdup(name);
        nr = realloc(h->refusals, sizeof *nr * (h->n_refusals + 1));
        if (!n || !nr)
                return log_oom();
        h->refusals = nr;
        h->refusals[h->n_refusals++] = (Refusal) { TAKE_PTR(n), TAKE_PTR(reason) };
        return 0;
}

static Plugin *find_claimant(PluginHost *h, const char *check) {
        for (size_t i = 0; i < h->n_plugins; i++)
                for (const char *const *c = h->plugins[i]->desc->checks; *c; c++)
                        if (streq(*c, check))
                                return h->plugins[i];
        return NULL;
}

/* Everything about the descriptor that can be checked before calling into it. */
static int check_descriptor(PluginHost *h, const char *name, const char *path,
                            const struct mamori_plugin *d) {
        size_t prefix = strlen(name);

        if (d->abi != MAMORI_PLUGIN_ABI)
                return refuse(h, name, path, "built for plugin ABI %u, this agent speaks ABI %u; "
                              "rebuild the plugin against this mamori", d->abi, MAMORI_PLUGIN_ABI), -EPROTO;
        if (d->size < PLUGIN_V1_SIZE)
                return refuse(h, name, path, "descriptor too small (%u bytes, ABI %u needs %zu)",
                              d->size, MAMORI_PLUGIN_ABI, PLUGIN_V1_SIZE), -EPROTO;
        if (!d->name || !streq(d->name, name))
                return refuse(h, name, path, "calls itself \"%s\" but its file is %s.so",
                              strempty(d->name), name), -EINVAL;
        if (!d->checks || !d->checks[0] || !d->init || !d->evaluate || !d->free)
                return refuse(h, name, path, "descriptor lacks checks, init, evaluate or free"), -EINVAL;
        /* Checks carry their plugin's name, and names are file stems, so two
         * plugins in one directory can never claim the same check; only a
         * plugin listing one check twice can, and that is a broken plugin. */
        for (const char *const *c = d->checks; *c; c++) {
                if (strncmp(*c, name, prefix) != 0 || (*c)[prefix] != '.' || !(*c)[prefix + 1])
                        return refuse(h, name, path, "check \"%s\" is not named \"%s.<what>\"",
                                      *c, name), -EINVAL;
                for (const char *const *o = d->checks; o < c; o++)
                        if (streq(*o, *c))
                                return refuse(h, name, path, "check \"%s\" is listed twice", *c),
                                       -EEXIST;
        }
        return 0;
}

static int plugin_load_one(PluginHost *h, int dfd, const char *dir, const char *file) {
        _cleanup_free_ char *path = NULL, *name = NULL;
        Plugin *p, **np;
        const struct mamori_plugin *d;
        struct stat st;
        void *dl;
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return log_oom();
        name = strndup(file, strlen(file) - 3);
        if (!name)
                return log_oom();

        /* Code we run as root must not be replaceable by anyone but root. */
        if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return refuse(h, name, path, "cannot stat: %s", strerror(errno));
        if (!S_ISREG(st.st_mode))
                return refuse(h, name, path, "not a regular file");
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return refuse(h, name, path, "writable by others than its owner, or not owned by root");

        dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!dl)
                return refuse(h, name, path, "cannot load: %s", dlerror());
        d = dlsym(dl, MAMORI_PLUGIN_SYMBOL);
        if (!d) {
                dlclose(dl);
                return refuse(h, name, path, "no \"%s\" symbol: not a mamori plugin",
                              MAMORI_PLUGIN_SYMBOL);
        }
        if (check_descriptor(h, name, path, d) < 0) {
                dlclose(dl);
                return 0;
        }

        p = calloc(1, sizeof *p);
        np = realloc(h->plugins, sizeof *np * (h->n_plugins + 1));
        if (np)
                h->plugins = np;
        if (!p || !np) {
                free(p);
                dlclose(dl);
                return log_oom();
        }
        *p = (Plugin) {
                .name = TAKE_PTR(name),
                .path = TAKE_PTR(path),
                .dl = dl,
                .desc = d,
                .handle = { .host = h, .plugin = p },
        };
        r = d->init(&p->handle, &h->api, &p->state);
        if (r < 0) {
                _cleanup_free_ char *n = strdup(p->name), *pp = strdup(p->path);

                p->state = NULL; /* init failed: nothing to free through the plugin */
                plugin_free(p);
                if (!n || !pp)
                        return log_oom();
                return refuse(h, n, pp, "init failed: %s", strerror(-r));
        }
        h->plugins[h->n_plugins++] = p;
        log_debug("Loaded plugin %s from %s.", p->name, p->path);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int plugin_host_load_dir(PluginHost *h, const char *dir) {
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_close_ int dfd = -EBADF;
        struct dirent *de;
        struct stat st;
        size_t n = 0;
        DIR *d;
        int r;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Cannot open plugin directory %s: %m", dir);
        if (fstat(dfd, &st) < 0)
                return log_error_errno(errno, "Cannot stat plugin directory %s: %m", dir);
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return log_error_errno(EPERM, "Plugin directory %s is writable by others than "
                                       "its owner or not owned by root; refusing to load code from it.",
                                       dir);

        d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return log_error_errno(errno, "Cannot read plugin directory %s: %m", dir);
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);

                if (de->d_name[0] == '.' || l <= 3 || !streq(de->d_name + l - 3, ".so"))
                        continue;
                r = strv_consume(&files, &n, strdup(de->d_name));
                if (r < 0) {
                        closedir(d);
                        return log_oom();
                }
        }
        closedir(d);
        if (n > 0)
                qsort(files, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++) {
                r = plugin_load_one(h, dfd, dir, files[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *refusal_for_check(PluginHost *h, const char *check) {
        for (size_t i = 0; i < h->n_refusals; i++) {
                size_t l = strlen(h->refusals[i].name);
                if (strncmp(check, h->refusals[i].name, l) == 0 && check[l] == '.')
                        return h->refusals[i].reason;
        }
        return NULL;
}

Plugin *plugin_host_find_check(PluginHost *h, const char *check, const char **ret_reason) {
        Plugin *p = find_claimant(h, check);

        if (ret_reason)
                *ret_reason = p ? NULL : refusal_for_check(h, check);
        return p;
}

int plugin_host_validate(void *host, const struct mamori_rule *r, size_t *reterr_param,
                         char *msg, size_t msg_size) {
        PluginHost *h = host;
        const char *reason;
        Plugin *p = plugin_host_find_check(h, r->check, &reason);

        if (!p)
                return reason ? 0 : -ENOENT;
        if (!p->desc->validate) {
                if (r->n_params == 0)
                        return 0;
                *reterr_param = 0;
                snprintf(msg, msg_size, "check \"%s\" takes no params", r->check);
                return -EINVAL;
        }
        return p->desc->validate(p->state, r, reterr_param, msg, msg_size);
}

int plugin_evaluate(Plugin *p, const struct mamori_rule *r) {
        return p->desc->evaluate(p->state, r);
}

int plugin_watch(Plugin *p, const struct mamori_rule *const *rules, size_t n) {
        if (!p->desc->watch)
                return 0;
        return p->desc->watch(p->state, rules, n);
}

int plugin_host_find_action(PluginHost *h, const char *name, const char *action, Plugin **ret_plugin,
                            const struct mamori_action **ret_action) {
        for (size_t i = 0; i < h->n_plugins; i++) {
                Plugin *p = h->plugins[i];
                const struct mamori_action *a = plugin_actions(p);

                if (!streq(p->name, name))
                        continue;
                for (; a && a->name; a++)
                        if (streq(a->name, action)) {
                                *ret_plugin = p;
                                *ret_action = a;
                                return 0;
                        }
                return -EOPNOTSUPP;
        }
        return -ENOENT;
}

int plugin_run_action(Plugin *p, const char *action, const char *const *args, PluginOutputFn out,
                      void *userdata) {
        int r;

        if (!PLUGIN_HAS(p->desc, action))
                return -EOPNOTSUPP;
        p->out = out;
        p->out_userdata = userdata;
        r = p->desc->action(p->state, action, args);
        p->out = NULL;
        p->out_userdata = NULL;
        return r;
}

const struct mamori_action *plugin_actions(const Plugin *p) {
        return PLUGIN_HAS(p->desc, actions) && PLUGIN_HAS(p->desc, action) ? p->desc->actions : NULL;
}

const char *plugin_name(const Plugin *p) {
        return p->name;
}

size_t plugin_host_count(const PluginHost *h) {
        return h->n_plugins;
}

Plugin *plugin_host_get(const PluginHost *h, size_t i) {
        return i < h->n_plugins ? h->plugins[i] : NULL;
}

size_t plugin_host_refused_count(const PluginHost *h) {
        return h->n_refusals;
}
