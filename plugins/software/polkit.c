/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PackageKit's polkit actions, and the rules that can change what they
 * require. polkit decides in this order: JavaScript rules (rules.d files
 * of /etc and /usr/share, by file name, /etc winning a shared name; the
 * first rule that returns a result decides), then the action's implicit
 * authorisations in its .policy file. The .pkla files of the old local
 * authority are read by a compatibility rule file where one is installed.
 *
 * This is a reader of what the files say, not a JavaScript engine: a rules
 * file that mentions PackageKit and can return polkit.Result.YES is taken
 * as granting it. False alarms are possible; missed grants should not be. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "software.h"

const char *const packagekit_install_actions[] = {
        "org.freedesktop.packagekit.package-install",
        "org.freedesktop.packagekit.package-install-untrusted",
        "org.freedesktop.packagekit.package-reinstall",
        "org.freedesktop.packagekit.package-downgrade",
        "org.freedesktop.packagekit.package-remove",
        "org.freedesktop.packagekit.system-update",
        "org.freedesktop.packagekit.upgrade-system",
        "org.freedesktop.packagekit.trigger-offline-update",
        "org.freedesktop.packagekit.trigger-offline-upgrade",
        "org.freedesktop.packagekit.system-sources-configure",
        "org.freedesktop.packagekit.system-trust-signing-key",
        "org.freedesktop.packagekit.repair-system",
        NULL,
};

/* Refreshing the package lists and cancelling stay as PackageKit ships
 * them: they install nothing, and GNOME Software refreshes in the
 * background without anyone to type a password. */
static const char mamori_rule[] =
        "// Written by mamori (詳細編 7.1(13)②): only administrators install, remove or\n"
        "// update software through PackageKit. mamori rewrites this file when it\n"
        "// differs; change the rule software.install-restricted instead.\n"
        "polkit.addRule(function(action, subject) {\n"
        "        var restricted = [\n"
        "                \"org.freedesktop.packagekit.package-install\",\n"
        "                \"org.freedesktop.packagekit.package-install-untrusted\",\n"
        "                \"org.freedesktop.packagekit.package-reinstall\",\n"
        "                \"org.freedesktop.packagekit.package-downgrade\",\n"
        "                \"org.freedesktop.packagekit.package-remove\",\n"
        "                \"org.freedesktop.packagekit.system-update\",\n"
        "                \"org.freedesktop.packagekit.upgrade-system\",\n"
        "                \"org.freedesktop.packagekit.trigger-offline-update\",\n"
        "                \"org.freedesktop.packagekit.trigger-offline-upgrade\",\n"
        "                \"org.freedesktop.packagekit.system-sources-configure\",\n"
        "                \"org.freedesktop.packagekit.system-trust-signing-key\",\n"
        "                \"org.freedesktop.packagekit.repair-system\",\n"
        "        ];\n"
        "        if (restricted.indexOf(action.id) >= 0)\n"
        "                return polkit.Result.AUTH_ADMIN;\n"
        "});\n";

const char *polkit_mamori_rule_text(void) {
        return mamori_rule;
}

bool polkit_result_is_restricted(const char *v) {
        return strcmp(v, "auth_admin") == 0 || strcmp(v, "auth_admin_keep") == 0 ||
               strcmp(v, "no") == 0;
}

/* A copy with <!-- ... --> comments blanked: a commented-out action must
 * not count. */
static char *xml_uncomment(const char *buf, size_t size) {
        char *c = malloc(size + 1), *p;

        if (!c)
                return NULL;
        memcpy(c, buf, size);
        c[size] = '\0';
        /* A NUL ends the text: strstr() must not run past what was read. */
        for (p = c; (p = strstr(p, "<!--"));) {
                char *e = strstr(p + 4, "-->");
                char *stop = e ? e + 3 : p + strlen(p);

                memset(p, ' ', (size_t) (stop - p));
                p = stop;
        }
        return c;
}

/* The text of <tag>...</tag> within [s, e), trimmed, into out. */
static void element_text(const char *s, const char *e, const char *tag, char *out, size_t size) {
        char open[40];
        const char *p, *v, *ve;
        size_t n;

        out[0] = '\0';
        snprintf(open, sizeof(open), "<%s>", tag);
        for (p = s; p < e; p++) {
                p = memchr(p, '<', (size_t) (e - p));
                if (!p)
                        return;
                if ((size_t) (e - p) >= strlen(open) && memcmp(p, open, strlen(open)) == 0)
                        break;
        }
        if (p >= e)
                return;
        v = p + strlen(open);
        ve = memchr(v, '<', (size_t) (e - v));
        if (!ve)
                return;
        while (v < ve && isspace((unsigned char) *v))
                v++;
        while (ve > v && isspace((unsigned char) ve[-1]))
                ve--;
        n = (size_t) (ve - v) < size - 1 ? (size_t) (ve - v) : size - 1;
        memcpy(out, v, n);
        out[n] = '\0';
}

int polkit_policy_parse(const char *buf, size_t size, PolkitAction **ret, size_t *ret_n) {
        _cleanup_sw_free_ char *text = NULL;
        PolkitAction *list = NULL;
        size_t n = 0;

        text = xml_uncomment(buf, size);
        if (!text)
                return -ENOMEM;

        for (const char *p = text; (p = strstr(p, "<action"));) {
                const char *tag_end, *id, *id_end, *body_end;
                PolkitAction a = {};
                PolkitAction *nl;
                char q;

                p += strlen("<action");
                if (!isspace((unsigned char) *p))
                        continue;
                tag_end = strchr(p, '>');
                if (!tag_end)
                        break;
                /* id="..." or id='...' inside the start tag. */
                for (id = p; id < tag_end; id++)
                        if ((id == p || isspace((unsigned char) id[-1])) && strncmp(id, "id", 2) == 0) {
                                const char *eq = id + 2;

                                while (eq < tag_end && isspace((unsigned char) *eq))
                                        eq++;
                                if (eq < tag_end && *eq == '=') {
                                        eq++;
                                        while (eq < tag_end && isspace((unsigned char) *eq))
                                                eq++;
                                        id = eq;
                                        break;
                                }
                        }
                if (id >= tag_end || (*id != '"' && *id != '\''))
                        continue;
                q = *id++;
                id_end = memchr(id, q, (size_t) (tag_end - id));
                if (!id_end || id_end == id || (size_t) (id_end - id) >= sizeof(a.id))
                        continue;
                memcpy(a.id, id, (size_t) (id_end - id));
                a.id[id_end - id] = '\0';

                body_end = strstr(tag_end, "</action>");
                if (!body_end)
                        body_end = tag_end + strlen(tag_end);
                element_text(tag_end, body_end, "allow_any", a.allow_any, sizeof(a.allow_any));
                element_text(tag_end, body_end, "allow_inactive", a.allow_inactive,
                             sizeof(a.allow_inactive));
                element_text(tag_end, body_end, "allow_active", a.allow_active,
                             sizeof(a.allow_active));

                nl = realloc(list, (n + 1) * sizeof(*nl));
                if (!nl) {
                        free(list);
                        return -ENOMEM;
                }
                list = nl;
                list[n++] = a;
                p = body_end;
        }
        if (n == 0) {
                free(list);
                return -EBADMSG;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

/* A copy with // and block comments blanked (strings are left alone: a
 * "//" inside a string blanks the rest of its line, which can only hide
 * text, and the check looks for text that grants). */
static char *js_uncomment(const char *buf, size_t size) {
        char *c = malloc(size + 1);

        if (!c)
                return NULL;
        memcpy(c, buf, size);
        c[size] = '\0';
        for (size_t i = 0; i < size; i++) {
                if (c[i] == '\0')
                        c[i] = ' ';
        }
        for (size_t i = 0; i + 1 < size; i++) {
                if (c[i] == '/' && c[i + 1] == '/') {
                        while (i < size && c[i] != '\n')
                                c[i++] = ' ';
                } else if (c[i] == '/' && c[i + 1] == '*') {
                        c[i] = c[i + 1] = ' ';
                        for (i += 2; i < size && !(c[i] == '*' && i + 1 < size && c[i + 1] == '/'); i++)
                                if (c[i] != '\n')
                                        c[i] = ' ';
                        if (i < size)
                                c[i] = ' ';
                        if (i + 1 < size)
                                c[i + 1] = ' ';
                        i++;
                }
        }
        return c;
}

static bool in_list(const char *s, size_t n, const char *const *list) {
        for (const char *const *l = list; l && *l; l++)
                if (strlen(*l) == n && strncmp(*l, s, n) == 0)
                        return true;
        return false;
}

/* Whether every subject test in the rule is membership of an administrators'
 * group: then what it grants goes to administrators only (Debian's
 * PackageKit ships such a rule for the sudo group). */
static bool js_only_admin_groups(const char *text, const char *const *admin_groups) {
        unsigned n = 0;

        if (strstr(text, "subject.user") || strstr(text, "subject.system_unit") || strstr(text, "unix-user:"))
                return false;
        for (const char *p = text; (p = strstr(p, "isInGroup("));) {
                const char *q, *e;

                p += strlen("isInGroup(");
                while (*p == ' ')
                        p++;
                if (*p != '"' && *p != '\'')
                        return false;   /* a variable: cannot tell */
                q = p + 1;
                e = strchr(q, *p);
                if (!e || !in_list(q, (size_t) (e - q), admin_groups))
                        return false;
                n++;
                p = e;
        }
        return n > 0;
}

bool polkit_js_grants_packagekit(const char *buf, size_t size, const char *const *admin_groups) {
        _cleanup_sw_free_ char *text = js_uncomment(buf, size);

        /* Out of memory: say it grants, so the check fails rather than
         * passes on what it could not read. */
        if (!text)
                return true;
        if (!strcasestr(text, "packagekit") || !strstr(text, "polkit.Result.YES"))
                return false;
        return !js_only_admin_groups(text, admin_groups);
}

bool polkit_pkla_grants(const char *buf, size_t size, const char *const *actions,
                        const char *const *admin_groups) {
        _cleanup_sw_free_ char *text = NULL;
        bool matches = false, yes = false, admins_only = false;
        char *p, *end;

        text = malloc(size + 1);
        if (!text)
                return true;
        memcpy(text, buf, size);
        text[size] = '\0';
        end = text + strlen(text);

        /* One section at a time: [name], then Key=Value lines. */
        for (p = text; p <= end; ) {
                char *nl = strchr(p, '\n'), *e = nl ? nl : end, *eq;

                *e = '\0';
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p == '[') {
                        if (matches && yes && !admins_only)
                                return true;
                        matches = yes = admins_only = false;
                }
                eq = strchr(p, '=');
                if (*p != '#' && *p != '[' && eq) {
                        char *k = p, *v = eq + 1, *ke = eq;

                        while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
                                ke--;
                        *ke = '\0';
                        while (*v == ' ' || *v == '\t')
                                v++;
                        for (char *t = v + strlen(v); t > v && isspace((unsigned char) t[-1]);)
                                *--t = '\0';

                        if (strcmp(k, "Action") == 0) {
                                char *save = NULL;

                                for (char *a = strtok_r(v, ";", &save); a; a = strtok_r(NULL, ";", &save))
                                        for (const char *const *x = actions; *x; x++)
                                                if (fnmatch(a, *x, 0) == 0)
                                                        matches = true;
                        } else if (strcmp(k, "Identity") == 0) {
                                char *save = NULL;

                                /* Every identity an administrators' group. */
                                admins_only = true;
                                for (char *a = strtok_r(v, ";", &save); a; a = strtok_r(NULL, ";", &save))
                                        if (strncmp(a, "unix-group:", 11) != 0 ||
                                            !in_list(a + 11, strlen(a + 11), admin_groups))
                                                admins_only = false;
                        } else if ((strcmp(k, "ResultAny") == 0 || strcmp(k, "ResultInactive") == 0 ||
                                    strcmp(k, "ResultActive") == 0) && strcmp(v, "yes") == 0)
                                yes = true;
                }
                if (e == end)
                        break;
                p = e + 1;
        }
        return matches && yes && !admins_only;
}
