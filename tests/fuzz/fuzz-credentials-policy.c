/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The managed policy merge: any bytes either merge into a document that is
 * strict JSON, holds the settings, and merges again to itself unchanged,
 * or are refused with -EBADMSG or -ERANGE and a reason, writing nothing.
 * The strict JSON check and json-c's reading must agree on what is JSON. */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/credentials/credentials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void merge_one(const char *in, size_t size, const PolicySettings *settings) {
        struct json_object *root = NULL, *container = NULL;
        char *out = NULL, *again = NULL;
        const char *reason = NULL;
        JsonError err = {};
        int r;

        r = policy_json_merge_full(in, size, settings, &out, &err);
        if (r == -EBADMSG || r == -ERANGE) {
                if (out || !err.reason)
                        abort();
                return;
        }
        if (r != 0 && r != 1)
                abort();

        /* What would be written is strict JSON with the settings in force. */
        if (json_strict_parse(out, strlen(out), &root, NULL, &err) != 0)
                abort();
        if (policy_json_container(root, settings, &container, &reason) != 0 || !container)
                abort();
        for (size_t i = 0; i < settings->n_settings; i++)
                if (policy_json_state(container, &settings->settings[i], NULL, 0) != POLICY_VALUE_OK)
                        abort();
        json_object_put(root);

        /* Merging what was written changes nothing. */
        if (policy_json_merge(out, strlen(out), settings, &again) != 0 || strcmp(out, again) != 0)
                abort();
        free(again);
        free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *in = (const char *) data;
        struct json_object *root = NULL;
        bool inexact = false;
        JsonError err = {};
        int r;

        if (size > 64 * 1024)
                return 0;

        r = json_strict_check(in, size, &inexact, &err);
        if (r == 0) {
                if (json_strict_parse(in, size, &root, NULL, &err) != 0)
                        abort();
                json_object_put(root);
        } else if (r != -EBADMSG || !err.reason || (err.line > 0 && err.column == 0))
                abort();

        merge_one(in, size, &policy_settings_firefox);
        merge_one(in, size, &policy_settings_chromium);
        return 0;
}
