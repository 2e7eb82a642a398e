/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stand-in for polkitd on a test's private bus: answers
 * org.freedesktop.PolicyKit1.Authority.CheckAuthorization, authorising a
 * subject when its bus name belongs to one of the given uids (optionally
 * for one action only), and prints every question on stdout.
 *
 * The suite uses this rather than the real polkitd because polkitd reads
 * its actions and rules only from the machine's /usr/share/polkit-1 and
 * /etc/polkit-1 and wants logind: a test would have to install files into
 * the system it runs on.
 *
 * Usage: fake-polkit ADDRESS UID[:ACTION]... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static char **allowed;
static int n_allowed;

static int uid_of(sd_bus *bus, const char *name, uint32_t *ret) {
        sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "GetConnectionUnixUser", NULL, &reply,
                                   "s", name);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", ret);
        sd_bus_message_unref(reply);
        return r;
}

static int is_allowed(uint32_t uid, const char *action) {
        for (int i = 0; i < n_allowed; i++) {
                char *colon = strchr(allowed[i], ':');
                if ((uint32_t) strtoul(allowed[i], NULL, 10) != uid)
                        continue;
                if (!colon || strcmp(colon + 1, action) == 0)
                        return 1;
        }
        return 0;
}

static int check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *kind, *key, *name = NULL, *action, *cancel;
        sd_bus_message *reply = NULL;
        uint32_t flags, uid = (uint32_t) -1;
        int r, ok;

        r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &kind);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0 && strcmp(key, "name") == 0)
                        r = sd_bus_message_read(m, "v", "s", &name);
                else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &action);
        if (r >= 0)
                r = sd_bus_message_skip(m, "a{ss}");
        if (r >= 0)
                r = sd_bus_message_read(m, "us", &flags, &cancel);
        if (r < 0)
                return r;
        if (strcmp(kind, "system-bus-name") != 0 || !name)
                return sd_bus_error_set(error, "org.freedesktop.PolicyKit1.Error.Failed",
                                        "only system-bus-name subjects");
        (void) uid_of(sd_bus_message_get_bus(m), name, &uid);
        ok = is_allowed(uid, action);
        printf("question %s uid=%d interactive=%u -> %s\n", action, (int) uid, flags & 1,
               ok ? "yes" : "no");
        fflush(stdout);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "(bba{ss})", ok, !ok, 0);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", check_authorization,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int main(int argc, char **argv) {
        sd_bus *bus = NULL;
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: fake-polkit ADDRESS UID[:ACTION]...\n");
                return 2;
        }
        allowed = argv + 2;
        n_allowed = argc - 2;
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, argv[1]);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
                                             "org.freedesktop.PolicyKit1.Authority", vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
        if (r < 0) {
                fprintf(stderr, "fake-polkit: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        return 1;
        }
}
