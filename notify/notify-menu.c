/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tray icon's menu, served as com.canonical.dbusmenu (what
 * StatusNotifierItem hosts read): a header with the state, then for each
 * failing rule that names this person its title and what to do. Only what
 * hosts need is here: layout, properties, clicks; no icons, no shortcuts.
 *
 * Item ids: 0 the root, 1 the header, 2 a separator, 3 "nothing to do",
 * and for the failing rule at index i of the findings 100 + 2i (its title;
 * a click shows its notice again) and 101 + 2i (what to do). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"

#define ITEM_ROOT 0
#define ITEM_HEADER 1
#define ITEM_SEPARATOR 2
#define ITEM_NOTHING 3
#define ITEM_RULE_BASE 100

typedef struct MenuItem {
        int32_t id;
        char *label;                    /* NULL for the separator */
        bool enabled;
} MenuItem;

static void items_free(MenuItem *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i].label);
        free(l);
}

/* dbusmenu labels take "_" as the mark of an access key; a literal one is "__". */
static char *label_escape(const char *s) {
        size_t n = strlen(s);
        char *e = malloc(2 * n + 1), *p = e;

        if (!e)
                return NULL;
        for (; *s; s++) {
                if (*s == '_')
                        *p++ = '_';
                *p++ = *s;
        }
        *p = '\0';
        return e;
}

static int items_add(MenuItem **l, size_t *n, int32_t id, const char *label, bool enabled) {
        MenuItem *nl = realloc(*l, (*n + 1) * sizeof *nl);

        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[*n] = (MenuItem) { .id = id, .enabled = enabled };
        if (label && !(nl[*n].label = label_escape(label)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

static int menu_items(Notifier *n, MenuItem **ret, size_t *ret_n) {
        _cleanup_free_ char *title = NULL, *text = NULL;
        unsigned mine = agent_count_for_user(n);
        MenuItem *l = NULL;
        size_t k = 0;
        int r;

        r = tray_tooltip(n->agent_up, n->score, mine, &title, &text);
        if (r >= 0)
                r = items_add(&l, &k, ITEM_HEADER, title, false);
        if (r >= 0)
                r = items_add(&l, &k, ITEM_SEPARATOR, NULL, false);
        if (r >= 0 && (mine == 0 || !n->agent_up))
                r = items_add(&l, &k, ITEM_NOTHING, text, false);
        for (size_t i = 0; r >= 0 && n->agent_up && i < n->n_findings; i++) {
                const Finding *f = &n->findings[i];
                _cleanup_free_ char *advice = NULL;

                if (!f->for_user)
                        continue;
                if (asprintf(&advice, "\u2192 %s", rule_advice(f->id)) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = items_add(&l, &k, ITEM_RULE_BASE + 2 * (int32_t) i,
                                      rule_title(f->title_ja, f->title_en), true);
                if (r >= 0)
                        r = items_add(&l, &k, ITEM_RULE_BASE + 2 * (int32_t) i + 1, advice, false);
        }
        if (r < 0) {
                items_free(l, k);
                return r;
        }
        *ret = l;
        *ret_n = k;
        return 0;
}

static bool wanted(char **names, const char *name) {
        if (!names || !names[0])
                return true;
        for (char **p = names; *p; p++)
                if (streq(*p, name))
                        return true;
        return false;
}

static int append_prop(sd_bus_message *m, char **names, const char *name, const char *type,
                       const void *value) {
        int r;

        if (!wanted(names, name))
                return 0;
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0 && type[0] == 's')
                r = sd_bus_message_append(m, "v", "s", (const char *) value);
        else if (r >= 0)
                r = sd_bus_message_append(m, "v", "b", *(const int *) value);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* The a{sv} of one item (the root when item is NULL). */
static int append_props(sd_bus_message *m, const MenuItem *item, char **names) {
        static const int yes = 1;
        int r, enabled;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (!item)
                r = append_prop(m, names, "children-display", "s", "submenu");
        else if (!item->label)
                r = append_prop(m, names, "type", "s", "separator");
        else {
                enabled = item->enabled;
                r = append_prop(m, names, "label", "s", item->label);
                if (r >= 0)
                        r = append_prop(m, names, "enabled", "b", &enabled);
                if (r >= 0)
                        r = append_prop(m, names, "visible", "b", &yes);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* (ia{sv}av): item, or the root with its children down to depth (-1: all). */
static int append_node(sd_bus_message *m, const MenuItem *item, const MenuItem *items, size_t n,
                       int32_t depth, char **names) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "ia{sv}av");
        if (r >= 0)
                r = sd_bus_message_append(m, "i", item ? item->id : ITEM_ROOT);
        if (r >= 0)
                r = append_props(m, item, names);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "v");
        for (size_t i = 0; r >= 0 && !item && depth != 0 && i < n; i++) {
                r = sd_bus_message_open_container(m, 'v', "(ia{sv}av)");
                if (r >= 0)
                        r = append_node(m, &items[i], items, n, depth - 1, names);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static const MenuItem *item_find(const MenuItem *items, size_t n, int32_t id) {
        for (size_t i = 0; i < n; i++)
                if (items[i].id == id)
                        return &items[i];
        return NULL;
}

static int method_get_layout(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        Notifier *n = userdata;
        const MenuItem *item = NULL;
        MenuItem *items = NULL;
        int32_t parent, depth;
        size_t k = 0;
        int r;

        r = sd_bus_message_read(m, "ii", &parent, &depth);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &names);
        if (r < 0)
                return r;
        r = menu_items(n, &items, &k);
        if (r < 0)
                return r;
        if (parent != ITEM_ROOT && !(item = item_find(items, k, parent))) {
                items_free(items, k);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No menu item %d.", parent);
        }
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "u", n->menu_revision);
        if (r >= 0)
                r = append_node(reply, item, items, k, depth, names);
        items_free(items, k);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_group_properties(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        Notifier *n = userdata;
        const int32_t *ids;
        MenuItem *items = NULL;
        size_t size, k = 0;
        int r;

        r = sd_bus_message_read_array(m, 'i', (const void **) &ids, &size);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &names);
        if (r < 0)
                return r;
        r = menu_items(n, &items, &k);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ia{sv})");
        for (size_t i = 0; r >= 0 && i < size / sizeof *ids; i++) {
                const MenuItem *item = item_find(items, k, ids[i]);

                if (!item && ids[i] != ITEM_ROOT)
                        continue; /* gone since the host read the layout */
                r = sd_bus_message_open_container(reply, 'r', "ia{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "i", ids[i]);
                if (r >= 0)
                        r = append_props(reply, item, names);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        items_free(items, k);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_property(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Notifier *n = userdata;
        const MenuItem *item;
        MenuItem *items = NULL;
        const char *name;
        int32_t id;
        size_t k = 0;
        int r;

        r = sd_bus_message_read(m, "is", &id, &name);
        if (r < 0)
                return r;
        r = menu_items(n, &items, &k);
        if (r < 0)
                return r;
        item = item_find(items, k, id);
        if (item && item->label && streq(name, "label"))
                r = sd_bus_reply_method_return(m, "v", "s", item->label);
        else if (item && item->label && streq(name, "enabled"))
                r = sd_bus_reply_method_return(m, "v", "b", (int) item->enabled);
        else if (item && !item->label && streq(name, "type"))
                r = sd_bus_reply_method_return(m, "v", "s", "separator");
        else if (!item && id == ITEM_ROOT && streq(name, "children-display"))
                r = sd_bus_reply_method_return(m, "v", "s", "submenu");
        else
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Menu item %d has no property %s.",
                                      id, name);
        items_free(items, k);
        return r;
}

static void item_event(Notifier *n, int32_t id, const char *event_id) {
        size_t i;

        if (!streq(event_id, "clicked") || id < ITEM_RULE_BASE)
                return;
        i = (size_t) (id - ITEM_RULE_BASE) / 2;
        if (i < n->n_findings && n->findings[i].for_user)
                (void) desktop_show_finding(n, &n->findings[i]);
}

static int method_event(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *event_id;
        uint32_t timestamp;
        int32_t id;
        int r;

        r = sd_bus_message_read(m, "is", &id, &event_id);
        if (r >= 0)
                r = sd_bus_message_skip(m, "v");
        if (r >= 0)
                r = sd_bus_message_read(m, "u", &timestamp);
        if (r < 0)
                return r;
        item_event(userdata, id, event_id);
        return sd_bus_reply_method_return(m, "");
}

static int method_event_group(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *event_id;
        uint32_t timestamp;
        int32_t id;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(isvu)");
        while (r >= 0) {
                r = sd_bus_message_enter_container(m, 'r', "isvu");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(m, "is", &id, &event_id);
                if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_read(m, "u", &timestamp);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        item_event(userdata, id, event_id);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "ai", 0);
}

static int method_about_to_show(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        /* The menu is always current: changes come with LayoutUpdated. */
        return sd_bus_reply_method_return(m, "b", 0);
}

static int method_about_to_show_group(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "aiai", 0, 0);
}

static int menu_property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        if (streq(property, "Version"))
                return sd_bus_message_append(reply, "u", 3);
        if (streq(property, "TextDirection"))
                return sd_bus_message_append(reply, "s", "ltr");
        if (streq(property, "Status"))
                return sd_bus_message_append(reply, "s", "normal");
        if (streq(property, "IconThemePath"))
                return sd_bus_message_append(reply, "as", 0);
        return -ENOENT;
}

static const sd_bus_vtable menu_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "u", menu_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("TextDirection", "s", menu_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Status", "s", menu_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("IconThemePath", "as", menu_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("GetLayout", "iias", "u(ia{sv}av)", method_get_layout, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("GetGroupProperties", "aias", "a(ia{sv})", method_get_group_properties,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("GetProperty", "is", "v", method_get_property, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Event", "isvu", "", method_event, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("EventGroup", "a(isvu)", "ai", method_event_group, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("AboutToShow", "i", "b", method_about_to_show, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("AboutToShowGroup", "ai", "aiai", method_about_to_show_group,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("ItemsPropertiesUpdated", "a(ia{sv})a(ias)", 0),
        SD_BUS_SIGNAL("LayoutUpdated", "ui", 0),
        SD_BUS_SIGNAL("ItemActivationRequested", "iu", 0),
        SD_BUS_VTABLE_END,
};

int menu_setup(Notifier *n) {
        int r;

        n->menu_revision = 1;
        r = sd_bus_add_object_vtable(n->session, NULL, MENU_PATH, MENU_INTERFACE, menu_vtable, n);
        if (r < 0)
                return log_error_errno(r, "Cannot serve the tray menu: %m");
        return 0;
}

void menu_changed(Notifier *n) {
        if (!n->tray || !n->session || !n->sni_name)
                return;
        n->menu_revision++;
        (void) sd_bus_emit_signal(n->session, MENU_PATH, MENU_INTERFACE, "LayoutUpdated", "ui",
                                  n->menu_revision, (int32_t) ITEM_ROOT);
}
