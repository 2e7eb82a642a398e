/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real session source: systemd-logind over sd-bus. sd-login (systemd
 * 252) has no getters for the idle and lock hints, so the session
 * objects' properties are read over the bus.
 *
 * Facts relied on (org.freedesktop.login1(5)):
 *   - Manager.ListSessions() -> a(susso): id, uid, user name, seat, object
 *     path; Manager.ListInhibitors() -> a(ssssuu): what, who, why, mode,
 *     uid, pid; Manager.LockSession(s id).
 *   - Each session object has, in org.freedesktop.login1.Session, Id (s),
 *     User ((uo)), Name (s), Seat ((so)), Type (s), Class (s), Service (s),
 *     Desktop (s), Scope (s), Leader (u), Active (b), Remote (b), IdleHint
 *     (b), IdleSinceHintMonotonic (t), LockedHint (b).
 * Calls are synchronous with a short timeout: the check runs rarely and a
 * logind that does not answer is reported, not waited for. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "screenlock-sessions.h"

#define LOGIN1 "org.freedesktop.login1"
#define LOGIN1_PATH "/org/freedesktop/login1"
#define LOGIN1_MANAGER "org.freedesktop.login1.Manager"
#define LOGIN1_SESSION "org.freedesktop.login1.Session"
#define CALL_TIMEOUT_USEC (5U * 1000000U)
#define MAX_SESSIONS 4096U
#define MAX_INHIBITORS 4096U

typedef struct Logind {
        sd_bus *bus;
        char *address;                  /* NULL: the system bus */
} Logind;

/* The default system bus may be the agent's own connection too: it is
 * only ever unreferenced, never closed, and its settings are left alone
 * (each call carries its own timeout). */
static sd_bus *bus_drop(Logind *l) {
        if (!l->bus)
                return NULL;
        if (l->address)
                return sd_bus_flush_close_unref(l->bus);
        return sd_bus_unref(l->bus);
}

static int logind_bus(Logind *l, sd_bus **ret) {
        int r;

        if (l->bus && sd_bus_is_open(l->bus) > 0) {
                *ret = l->bus;
                return 0;
        }
        l->bus = bus_drop(l);
        if (!l->address)
                r = sd_bus_default_system(&l->bus);
        else {
                r = sd_bus_new(&l->bus);
                if (r >= 0)
                        r = sd_bus_set_address(l->bus, l->address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(l->bus, 1);
                if (r >= 0)
                        r = sd_bus_start(l->bus);
        }
        if (r < 0) {
                l->bus = bus_drop(l);
                return r;
        }
        *ret = l->bus;
        return 0;
}

/* A method call with its own timeout; arg is the one string argument or NULL. */
static int call(sd_bus *bus, const char *path, const char *iface, const char *member, const char *arg,
                sd_bus_message **ret_reply) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, LOGIN1, path, iface, member);
        if (r >= 0 && arg)
                r = sd_bus_message_append(m, "s", arg);
        if (r >= 0)
                r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, ret_reply);
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        return r;
}

static void copy_str(char *dst, size_t size, const char *src) {
        snprintf(dst, size, "%s", src ? src : "");
}

/* One property of the session's GetAll reply; the message sits at the
 * variant. Unknown properties are skipped. */
static int read_property(sd_bus_message *m, const char *name, SlSession *s) {
        static const struct {
                const char *name;
                char kind;              /* 's' into a buffer, 'b', 'u', 't', 'U' (uo), 'S' (so) */
                size_t offset;
                size_t size;
        } props[] = {
                { "Id", 's', offsetof(SlSession, id), sizeof(((SlSession *) 0)->id) },
                { "Name", 's', offsetof(SlSession, user), sizeof(((SlSession *) 0)->user) },
                { "Type", 's', offsetof(SlSession, type), sizeof(((SlSession *) 0)->type) },
                { "Class", 's', offsetof(SlSession, klass), sizeof(((SlSession *) 0)->klass) },
                { "Service", 's', offsetof(SlSession, service), sizeof(((SlSession *) 0)->service) },
                { "Desktop", 's', offsetof(SlSession, desktop), sizeof(((SlSession *) 0)->desktop) },
                { "Scope", 's', offsetof(SlSession, scope), sizeof(((SlSession *) 0)->scope) },
                { "Leader", 'u', offsetof(SlSession, leader), 0 },
                { "Active", 'b', offsetof(SlSession, active), 0 },
                { "Remote", 'b', offsetof(SlSession, remote), 0 },
                { "IdleHint", 'b', offsetof(SlSession, idle_hint), 0 },
                { "IdleSinceHintMonotonic", 't', offsetof(SlSession, idle_since_mono), 0 },
                { "LockedHint", 'b', offsetof(SlSession, locked_hint), 0 },
                { "User", 'U', offsetof(SlSession, uid), 0 },
                { "Seat", 'S', offsetof(SlSession, seat), sizeof(((SlSession *) 0)->seat) },
        };
        char *base = (char *) s;
        int r;

        for (size_t i = 0; i < SL_ELEMENTSOF(props); i++) {
                const char *str = NULL, *path = NULL;
                uint32_t u32;
                uint64_t u64;
                int b;

                if (strcmp(props[i].name, name) != 0)
                        continue;
                switch (props[i].kind) {
                case 's':
                        r = sd_bus_message_read(m, "v", "s", &str);
                        if (r >= 0)
                                copy_str(base + props[i].offset, props[i].size, str);
                        return r;
                case 'b':
                        r = sd_bus_message_read(m, "v", "b", &b);
                        if (r >= 0)
                                *(bool *) (base + props[i].offset) = b;
                        return r;
                case 'u':
                        r = sd_bus_message_read(m, "v", "u", &u32);
                        if (r >= 0)
                                *(uint32_t *) (base + props[i].offset) = u32;
                        return r;
                case 't':
                        r = sd_bus_message_read(m, "v", "t", &u64);
                        if (r >= 0)
                                *(uint64_t *) (base + props[i].offset) = u64;
                        return r;
                case 'U':
                        r = sd_bus_message_read(m, "v", "(uo)", &u32, &path);
                        if (r >= 0)
                                s->uid = u32;
                        return r;
                case 'S':
                        r = sd_bus_message_read(m, "v", "(so)", &str, &path);
                        if (r >= 0)
                                copy_str(s->seat, sizeof(s->seat), str);
                        return r;
                }
        }
        return sd_bus_message_skip(m, "v");
}

static int session_properties(sd_bus *bus, const char *path, SlSession *s) {
        sd_bus_message *reply = NULL;
        int r;

        r = call(bus, path, "org.freedesktop.DBus.Properties", "GetAll", LOGIN1_SESSION, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0) {
                const char *name;

                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(reply, "s", &name);
                if (r >= 0)
                        r = read_property(reply, name, s);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 0;
}

static int logind_list_sessions(void *userdata, SlSession **ret, size_t *ret_n) {
        Logind *l = userdata;
        sd_bus_message *reply = NULL;
        SlSession *list = NULL;
        size_t n = 0;
        sd_bus *bus;
        int r;

        r = logind_bus(l, &bus);
        if (r < 0)
                return r;
        r = call(bus, LOGIN1_PATH, LOGIN1_MANAGER, "ListSessions", NULL, &reply);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(reply, 'a', "(susso)");
        while (r >= 0) {
                const char *id, *user, *seat, *path;
                uint32_t uid;
                SlSession *grown;

                r = sd_bus_message_read(reply, "(susso)", &id, &uid, &user, &seat, &path);
                if (r <= 0)
                        break;
                if (n >= MAX_SESSIONS)
                        continue;
                grown = realloc(list, (n + 1) * sizeof(*list));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                list = grown;
                list[n] = (SlSession) { .uid = uid };
                copy_str(list[n].id, sizeof(list[n].id), id);
                copy_str(list[n].user, sizeof(list[n].user), user);
                copy_str(list[n].seat, sizeof(list[n].seat), seat);
                /* A session that ends between the two calls is dropped. */
                if (session_properties(bus, path, &list[n]) < 0)
                        continue;
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        sd_bus_message_unref(reply);
        if (r < 0) {
                free(list);
                return r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

static int logind_list_inhibitors(void *userdata, SlInhibitor **ret, size_t *ret_n) {
        Logind *l = userdata;
        sd_bus_message *reply = NULL;
        SlInhibitor *list = NULL;
        size_t n = 0;
        sd_bus *bus;
        int r;

        r = logind_bus(l, &bus);
        if (r < 0)
                return r;
        r = call(bus, LOGIN1_PATH, LOGIN1_MANAGER, "ListInhibitors", NULL, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssuu)");
        while (r >= 0) {
                const char *what, *who, *why, *mode;
                uint32_t uid, pid;
                SlInhibitor *grown;

                r = sd_bus_message_read(reply, "(ssssuu)", &what, &who, &why, &mode, &uid, &pid);
                if (r <= 0)
                        break;
                if (n >= MAX_INHIBITORS)
                        continue;
                grown = realloc(list, (n + 1) * sizeof(*list));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                list = grown;
                list[n] = (SlInhibitor) { .uid = uid, .pid = pid };
                copy_str(list[n].what, sizeof(list[n].what), what);
                copy_str(list[n].who, sizeof(list[n].who), who);
                copy_str(list[n].why, sizeof(list[n].why), why);
                copy_str(list[n].mode, sizeof(list[n].mode), mode);
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        sd_bus_message_unref(reply);
        if (r < 0) {
                free(list);
                return r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

static int logind_lock_session(void *userdata, const char *id) {
        Logind *l = userdata;
        sd_bus_message *reply = NULL;
        sd_bus *bus;
        int r;

        r = logind_bus(l, &bus);
        if (r < 0)
                return r;
        r = call(bus, LOGIN1_PATH, LOGIN1_MANAGER, "LockSession", id, &reply);
        sd_bus_message_unref(reply);
        return r < 0 ? r : 0;
}

static void logind_free(void *userdata) {
        Logind *l = userdata;

        if (!l)
                return;
        l->bus = bus_drop(l);
        free(l->address);
        free(l);
}

int sl_logind_source_new(const char *address, SlSessionSource *ret) {
        Logind *l = calloc(1, sizeof(*l));

        if (!l)
                return -ENOMEM;
        if (address) {
                l->address = strdup(address);
                if (!l->address) {
                        free(l);
                        return -ENOMEM;
                }
        }
        *ret = (SlSessionSource) {
                .userdata = l,
                .list_sessions = logind_list_sessions,
                .list_inhibitors = logind_list_inhibitors,
                .lock_session = logind_lock_session,
                .free = logind_free,
        };
        return 0;
}

bool sl_session_is_graphical(const SlSession *s) {
        return (strcmp(s->type, "x11") == 0 || strcmp(s->type, "wayland") == 0) &&
               (s->klass[0] == '\0' || strcmp(s->klass, "user") == 0);
}
