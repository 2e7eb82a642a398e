/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stand-in for a panel's tray on a test's session bus.
 *
 *   fake-sni-watcher watch ADDRESS
 *      owns org.kde.StatusNotifierWatcher and prints, one line each,
 *      "ready" and "registered SERVICE from SENDER" for every
 *      RegisterStatusNotifierItem call; runs until killed.
 *   fake-sni-watcher dump ADDRESS SERVICE
 *      reads the item SERVICE serves at /StatusNotifierItem, as a tray
 *      would, and prints "KEY=VALUE" lines: Category, Id, Title, Status,
 *      IconName, ToolTip.icon, ToolTip.title, ToolTip.text, Menu, then
 *      the menu's layout (com.canonical.dbusmenu GetLayout of the whole
 *      tree) as "menu ID enabled|disabled|separator LABEL" lines.
 *   fake-sni-watcher click ADDRESS SERVICE ID
 *      sends the menu a "clicked" event for item ID. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static char *registered[64];
static int n_registered;

static int connect_to(const char *address, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);

        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

static int method_register_item(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *service;
        int r = sd_bus_message_read(m, "s", &service);

        if (r < 0)
                return r;
        if (n_registered < 64)
                registered[n_registered++] = strdup(service);
        printf("registered %s from %s\n", service, sd_bus_message_get_sender(m));
        fflush(stdout);
        (void) sd_bus_emit_signal(sd_bus_message_get_bus(m), "/StatusNotifierWatcher",
                                  "org.kde.StatusNotifierWatcher", "StatusNotifierItemRegistered", "s",
                                  service);
        return sd_bus_reply_method_return(m, "");
}

static int method_register_host(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "");
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        int r;

        if (strcmp(property, "IsStatusNotifierHostRegistered") == 0)
                return sd_bus_message_append(reply, "b", 1);
        if (strcmp(property, "ProtocolVersion") == 0)
                return sd_bus_message_append(reply, "i", 0);
        r = sd_bus_message_open_container(reply, 'a', "s");
        for (int i = 0; r >= 0 && i < n_registered; i++)
                r = sd_bus_message_append(reply, "s", registered[i]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static const sd_bus_vtable watcher_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("RegisterStatusNotifierItem", "s", "", method_register_item, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RegisterStatusNotifierHost", "s", "", method_register_host, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("RegisteredStatusNotifierItems", "as", property_get, 0, 0),
        SD_BUS_PROPERTY("IsStatusNotifierHostRegistered", "b", property_get, 0, 0),
        SD_BUS_PROPERTY("ProtocolVersion", "i", property_get, 0, 0),
        SD_BUS_SIGNAL("StatusNotifierItemRegistered", "s", 0),
        SD_BUS_SIGNAL("StatusNotifierItemUnregistered", "s", 0),
        SD_BUS_SIGNAL("StatusNotifierHostRegistered", "", 0),
        SD_BUS_VTABLE_END,
};

static int watch(const char *address) {
        sd_bus *bus = NULL;
        int r = connect_to(address, &bus);

        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/StatusNotifierWatcher",
                                             "org.kde.StatusNotifierWatcher", watcher_vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.kde.StatusNotifierWatcher", 0);
        if (r < 0) {
                fprintf(stderr, "fake-sni-watcher: %s\n", strerror(-r));
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

static int print_string(sd_bus *bus, const char *service, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *value = NULL;
        int r = sd_bus_get_property_string(bus, service, "/StatusNotifierItem", "org.kde.StatusNotifierItem",
                                           property, &error, &value);

        if (r < 0) {
                fprintf(stderr, "fake-sni-watcher: %s: %s\n", property, error.message);
                sd_bus_error_free(&error);
                return r;
        }
        printf("%s=%s\n", property, value);
        free(value);
        return 0;
}

static int print_tooltip(sd_bus *bus, const char *service) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *icon, *title, *text;
        int r = sd_bus_get_property(bus, service, "/StatusNotifierItem", "org.kde.StatusNotifierItem",
                                    "ToolTip", &error, &reply, "(sa(iiay)ss)");

        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'r', "sa(iiay)ss");
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &icon);
        if (r >= 0)
                r = sd_bus_message_skip(reply, "a(iiay)");
        if (r >= 0)
                r = sd_bus_message_read(reply, "ss", &title, &text);
        if (r >= 0)
                printf("ToolTip.icon=%s\nToolTip.title=%s\nToolTip.text=%s\n", icon, title, text);
        else
                fprintf(stderr, "fake-sni-watcher: ToolTip: %s\n", error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return r;
}

/* One (ia{sv}av) node and its children. */
static int print_node(sd_bus_message *m, int depth) {
        const char *label = "", *type = "";
        int32_t id;
        int enabled = 1, r;

        r = sd_bus_message_enter_container(m, 'r', "ia{sv}av");
        if (r >= 0)
                r = sd_bus_message_read(m, "i", &id);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0 && strcmp(key, "label") == 0)
                        r = sd_bus_message_read(m, "v", "s", &label);
                else if (r >= 0 && strcmp(key, "type") == 0)
                        r = sd_bus_message_read(m, "v", "s", &type);
                else if (r >= 0 && strcmp(key, "enabled") == 0)
                        r = sd_bus_message_read(m, "v", "b", &enabled);
                else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0 && depth > 0)
                printf("menu %d %s %s\n", id, strcmp(type, "separator") == 0 ? "separator" :
                       enabled ? "enabled" : "disabled", label);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "v");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'v', "(ia{sv}av)")) > 0) {
                r = print_node(m, depth + 1);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

static int print_menu(sd_bus *bus, const char *service, const char *path) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint32_t revision;
        int r = sd_bus_call_method(bus, service, path, "com.canonical.dbusmenu", "GetLayout", &error, &reply,
                                   "iias", 0, -1, 0);

        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &revision);
        if (r >= 0)
                r = print_node(reply, 0);
        if (r < 0)
                fprintf(stderr, "fake-sni-watcher: GetLayout: %s\n", error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return r;
}

static int dump(const char *address, const char *service) {
        static const char *const strings[] = { "Category", "Id", "Title", "Status", "IconName", NULL };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        char *menu = NULL;
        int r = connect_to(address, &bus);

        for (int i = 0; r >= 0 && strings[i]; i++)
                r = print_string(bus, service, strings[i]);
        if (r >= 0)
                r = print_tooltip(bus, service);
        if (r >= 0) {
                sd_bus_message *reply = NULL;
                const char *path;

                r = sd_bus_get_property(bus, service, "/StatusNotifierItem", "org.kde.StatusNotifierItem",
                                        "Menu", &error, &reply, "o");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        menu = strdup(path);
                sd_bus_message_unref(reply);
        }
        if (r >= 0 && menu) {
                printf("Menu=%s\n", menu);
                r = print_menu(bus, service, menu);
        }
        if (r < 0)
                fprintf(stderr, "fake-sni-watcher: dump failed: %s\n", strerror(-r));
        free(menu);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? 1 : 0;
}

static int click(const char *address, const char *service, const char *id) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        int r = connect_to(address, &bus);

        if (r >= 0)
                r = sd_bus_call_method(bus, service, "/MenuBar", "com.canonical.dbusmenu", "Event", &error,
                                       NULL, "isvu", (int32_t) atoi(id), "clicked", "i", 0, 0);
        if (r < 0)
                fprintf(stderr, "fake-sni-watcher: click: %s\n", error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
        if (argc == 3 && strcmp(argv[1], "watch") == 0)
                return watch(argv[2]);
        if (argc == 4 && strcmp(argv[1], "dump") == 0)
                return dump(argv[2], argv[3]);
        if (argc == 5 && strcmp(argv[1], "click") == 0)
                return click(argv[2], argv[3], argv[4]);
        fprintf(stderr, "usage: fake-sni-watcher watch ADDRESS | dump ADDRESS SERVICE | "
                        "click ADDRESS SERVICE ID\n");
        return 2;
}
