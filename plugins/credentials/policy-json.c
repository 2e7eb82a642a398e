/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Managed policy files: Firefox's policies.json ({"policies": {...}}) and
 * the JSON files of the Chromium family's managed/ directories (policies at
 * the top level). The merge is pure (text in, text out) so that it can be
 * fuzzed: whatever the administrator already put in the file survives, and
 * a file that is not valid JSON is refused rather than replaced. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "credentials.h"

/* 詳細編 6.5(7): the browser must not offer to store passwords. Firefox
 * needs both: PasswordManagerEnabled hides the manager, OfferToSaveLogins
 * stops the prompt. */
static const PolicySetting firefox_settings[] = {
        { "PasswordManagerEnabled", false },
        { "OfferToSaveLogins", false },
};

static const PolicySetting chromium_settings[] = {
        { "PasswordManagerEnabled", false },
};

const PolicySettings policy_settings_firefox = {
        .container = "policies",
        .settings = firefox_settings,
        .n_settings = CR_ELEMENTSOF(firefox_settings),
};

const PolicySettings policy_settings_chromium = {
        .container = NULL,
        .settings = chromium_settings,
        .n_settings = CR_ELEMENTSOF(chromium_settings),
};

int policy_json_container(struct json_object *root, const PolicySettings *s, struct json_object **ret,
                          const char **ret_reason) {
        struct json_object *c = NULL;

        if (!json_object_is_type(root, json_type_object)) {
                *ret_reason = "the document is not a JSON object";
                return -EBADMSG;
        }
        if (!s->container) {
                *ret = root;
                return 0;
        }
        if (!json_object_object_get_ex(root, s->container, &c)) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(c, json_type_object)) {
                /* Firefox refuses the whole file then. */
                *ret_reason = "\"policies\" is not a JSON object";
                return -EBADMSG;
        }
        *ret = c;
        return 0;
}

PolicyValueState policy_json_state(struct json_object *container, const PolicySetting *set, char *shown,
                                   size_t shown_size) {
        struct json_object *v = NULL;

        if (shown && shown_size > 0)
                shown[0] = '\0';
        if (!container || !json_object_object_get_ex(container, set->key, &v))
                return POLICY_VALUE_MISSING;
        /* Only the JSON boolean: Firefox also takes 0 and 1, Chromium does
         * not, and a value one browser would ignore is not a policy. */
        if (json_object_is_type(v, json_type_boolean) && (bool) json_object_get_boolean(v) == set->value)
                return POLICY_VALUE_OK;
        if (shown && shown_size > 0)
                cr_text_safe(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                             40, shown, shown_size);
        return POLICY_VALUE_WRONG;
}

static bool only_blanks(const char *in, size_t size) {
        for (size_t i = 0; i < size; i++)
                if (!strchr(" \t\r\n", in[i]) || in[i] == '\0')
                        return false;
        return true;
}

int policy_json_merge_full(const char *in, size_t size, const PolicySettings *settings, char **out,
                           JsonError *err) {
        struct json_object *root = NULL, *container = NULL;
        const char *text, *reason = NULL;
        bool inexact = false, changed = false;
        JsonError dummy;
        char *copy;
        size_t len;
        int r;

        if (!err)
                err = &dummy;
        *err = (JsonError) {};
        if (!settings || !out || (!in && size > 0))
                return -EINVAL;

        if (!in || only_blanks(in, size)) {
                root = json_object_new_object();
                if (!root)
                        return -ENOMEM;
        } else {
                r = json_strict_parse(in, size, &root, &inexact, err);
                if (r < 0)
                        return r;
                if (inexact) {
                        json_object_put(root);
                        *err = (JsonError) { .reason = "holds an integer too large to keep exactly" };
                        return -ERANGE;
                }
        }

        r = policy_json_container(root, settings, &container, &reason);
        if (r < 0) {
                json_object_put(root);
                *err = (JsonError) { .reason = reason };
                return r;
        }
        if (!container) {
                container = json_object_new_object();
                if (!container || json_object_object_add(root, settings->container, container) < 0) {
                        json_object_put(container);
                        json_object_put(root);
                        return -ENOMEM;
                }
                changed = true;
        }

        for (size_t i = 0; i < settings->n_settings; i++) {
                const PolicySetting *set = &settings->settings[i];
                struct json_object *b;

                if (policy_json_state(container, set, NULL, 0) == POLICY_VALUE_OK)
                        continue;
                /* Replaces any value the key had, in place. */
                b = json_object_new_boolean(set->value);
                if (!b || json_object_object_add(container, set->key, b) < 0) {
                        json_object_put(b);
                        json_object_put(root);
                        return -ENOMEM;
                }
                changed = true;
        }

        /* Two-space indent, no escaped slashes: URLs in other policies stay
         * as the administrator wrote them. */
        text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text) {
                json_object_put(root);
                return -ENOMEM;
        }
        len = strlen(text);
        copy = malloc(len + 2);
        if (!copy) {
                json_object_put(root);
                return -ENOMEM;
        }
        memcpy(copy, text, len);
        copy[len] = '\n';
        copy[len + 1] = '\0';
        json_object_put(root);

        *out = copy;
        return changed ? 1 : 0;
}

int policy_json_merge(const char *in, size_t size, const PolicySettings *settings, char **out) {
        return policy_json_merge_full(in, size, settings, out, NULL);
}
