/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Firefox's and Thunderbird's logins.json, counted:
 *
 *   {"nextId": 4, "logins": [{"id": 1, "hostname": "https://...",
 *     "encryptedUsername": "...", "encryptedPassword": "...", ...}, ...],
 *    "potentiallyVulnerablePasswords": [], "version": 3}
 *
 * Only the number of entries leaves this file. The one field looked at is
 * hostname, to leave out the entry Firefox keeps for its own account; the
 * encrypted user names and passwords are never copied anywhere (json-c's
 * tree holds them until it is freed, a moment later). */
#include <json-c/json.h>
#include <string.h>

#include "credentials.h"

int logins_json_count(const char *buf, size_t size, uint64_t *ret, JsonError *err) {
        struct json_object *root = NULL, *logins = NULL;
        JsonError dummy;
        uint64_t n = 0;
        size_t len;
        int r;

        if (!err)
                err = &dummy;
        *err = (JsonError) {};
        if (!ret || (!buf && size > 0))
                return -EINVAL;

        r = json_strict_parse(buf, size, &root, NULL, err);
        if (r < 0)
                return r;

        if (!json_object_is_type(root, json_type_object)) {
                *err = (JsonError) { .reason = "not a JSON object" };
                r = -EBADMSG;
                goto finish;
        }
        if (!json_object_object_get_ex(root, "logins", &logins) ||
            !json_object_is_type(logins, json_type_array)) {
                *err = (JsonError) { .reason = "no \"logins\" array" };
                r = -EBADMSG;
                goto finish;
        }

        len = json_object_array_length(logins);
        for (size_t i = 0; i < len; i++) {
                struct json_object *entry = json_object_array_get_idx(logins, i), *host = NULL;

                if (!json_object_is_type(entry, json_type_object)) {
                        *err = (JsonError) { .reason = "an entry of \"logins\" is not an object" };
                        r = -EBADMSG;
                        goto finish;
                }
                if (json_object_object_get_ex(entry, "hostname", &host) &&
                    json_object_is_type(host, json_type_string) &&
                    strcmp(json_object_get_string(host), FIREFOX_ACCOUNTS_HOSTNAME) == 0)
                        continue;
                n++;
        }
        *ret = n;
        r = 0;

finish:
        json_object_put(root);
        return r;
}
