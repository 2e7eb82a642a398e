/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tray icon: a StatusNotifierItem (the freedesktop/KDE protocol that
 * GNOME's AppIndicator extension, KDE, Xfce and most panels host). Its icon
 * and tooltip tell the terminal's state; its menu (notify-menu.c) lists
 * what this person has to fix. */
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Notifier *n = userdata;
        unsigned mine = agent_count_for_user(n);

        if (streq(property, "Category"))
                return sd_bus_message_append(reply, "s", "SystemServices");
        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "s", "mamori");
        if (streq(property, "Title"))
                return sd_bus_message_append(reply, "s", _("mamori security check"));
        if (streq(property, "Status"))
                return sd_bus_message_append(reply, "s", tray_status(n->agent_up, mine));
        if (streq(property, "WindowId"))
                return sd_bus_message_append(reply, "i", 0);
        if (streq(property, "IconName"))
                return sd_bus_message_append(reply, "s", tray_icon_name(n->agent_up, n->score, mine));
        if (streq(property, "AttentionIconName"))
                return sd_bus_message_append(reply, "s", "dialog-warning");
        if (streq(property, "OverlayIconName") || streq(property, "AttentionMovieName") ||
            streq(property, "IconThemePath"))
                return sd_bus_message_append(reply, "s", "");
        if (streq(property, "IconPixmap") || streq(property, "OverlayIconPixmap") ||
            streq(property, "AttentionIconPixmap"))
                return sd_bus_message_append(reply, "a(iiay)", 0);
        if (streq(property, "ItemIsMenu"))
                return sd_bus_message_append(reply, "b", 1);
        if (streq(property, "Menu"))
                return sd_bus_message_append(reply, "o", MENU_PATH);
        if (streq(property, "ToolTip")) {
                _cleanup_free_ char *title = NULL, *text = NULL;
                int r = tray_tooltip(n->agent_up, n->score, mine, &title, &text);

                if (r < 0)
                        return r;
                return sd_bus_message_append(reply, "(sa(iiay)ss)",
                                             tray_icon_name(n->agent_up, n->score, mine), 0, title, text);
        }
        return -ENOENT;
}

static int method_noop(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "");
}

/* A click on the icon itself (where the host does not open the menu):
 * the notices of what is to fix, or the state when nothing is. */
static int method_activate(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Notifier *n = userdata;
        bool any = false;

        for (size_t i = 0; i < n->n_findings; i++)
                if (n->findings[i].for_user) {
                        (void) desktop_show_finding(n, &n->findings[i]);
                        any = true;
                }
        if (!any) {
                _cleanup_free_ char *title = NULL, *text = NULL;

                if (tray_tooltip(n->agent_up, n->score, 0, &title, &text) >= 0)
                        (void) desktop_show_text(n, title, text,
                                                 tray_icon_name(n->agent_up, n->score, 0));
        }
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable sni_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Category", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Title", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Status", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("WindowId", "i", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("IconThemePath", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("IconName", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("IconPixmap", "a(iiay)", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("OverlayIconName", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("OverlayIconPixmap", "a(iiay)", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AttentionIconName", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AttentionIconPixmap", "a(iiay)", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AttentionMovieName", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ToolTip", "(sa(iiay)ss)", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ItemIsMenu", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Menu", "o", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("ContextMenu", "ii", "", method_noop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Activate", "ii", "", method_activate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SecondaryActivate", "ii", "", method_noop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Scroll", "is", "", method_noop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("NewTitle", "", 0),
        SD_BUS_SIGNAL("NewIcon", "", 0),
        SD_BUS_SIGNAL("NewAttentionIcon", "", 0),
        SD_BUS_SIGNAL("NewOverlayIcon", "", 0),
        SD_BUS_SIGNAL("NewToolTip", "", 0),
        SD_BUS_SIGNAL("NewStatus", "s", 0),
        SD_BUS_VTABLE_END,
};

static int on_register_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        if (sd_bus_message_is_method_error(m, NULL))
                log_debug("No tray took the icon (%s); waiting for one.",
                          sd_bus_message_get_error(m)->message);
        else
                log_debug("The tray took the icon.");
        return 0;
}

static void tray_register(Notifier *n) {
        int r;

        /* Fails harmlessly when no watcher runs: it is asked again when one
         * appears. */
        r = sd_bus_call_method_async(n->session, NULL, SNI_WATCHER_NAME, SNI_WATCHER_PATH,
                                     SNI_WATCHER_NAME, "RegisterStatusNotifierItem", on_register_reply,
                                     n, "s", n->sni_name);
        if (r < 0)
                log_debug_errno(r, "Cannot register the tray icon, ignoring: %m");
}

static int on_watcher_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 &&
            streq(name, SNI_WATCHER_NAME) && *new_owner)
                tray_register(userdata); /* a new panel, or the old one restarted */
        return 0;
}

int tray_setup(Notifier *n) {
        int r;

        /* The item's own name, as the protocol asks: org.kde.StatusNotifierItem-PID-ID. */
        if (asprintf(&n->sni_name, "org.kde.StatusNotifierItem-%d-1", (int) getpid()) < 0)
                return log_oom();
        r = sd_bus_request_name(n->session, n->sni_name, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot take the bus name %s: %m", n->sni_name);
        r = sd_bus_add_object_vtable(n->session, NULL, SNI_PATH, SNI_INTERFACE, sni_vtable, n);
        if (r < 0)
                return log_error_errno(r, "Cannot serve the tray icon: %m");
        r = menu_setup(n);
        if (r < 0)
                return r;
        r = sd_bus_add_match(n->session, NULL,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                             "arg0='" SNI_WATCHER_NAME "'",
                             on_watcher_owner_changed, n);
        if (r < 0)
                return log_error_errno(r, "Cannot watch for the tray: %m");
        tray_register(n);
        return 0;
}

void tray_changed(Notifier *n) {
        if (!n->tray || !n->session || !n->sni_name)
                return;
        (void) sd_bus_emit_signal(n->session, SNI_PATH, SNI_INTERFACE, "NewIcon", "");
        (void) sd_bus_emit_signal(n->session, SNI_PATH, SNI_INTERFACE, "NewToolTip", "");
        (void) sd_bus_emit_signal(n->session, SNI_PATH, SNI_INTERFACE, "NewStatus", "s",
                                  tray_status(n->agent_up, agent_count_for_user(n)));
        /* Newer hosts read PropertiesChanged instead. */
        (void) sd_bus_emit_properties_changed(n->session, SNI_PATH, SNI_INTERFACE, "Status",
                                              "IconName", "ToolTip", NULL);
}
