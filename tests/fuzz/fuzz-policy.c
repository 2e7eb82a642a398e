/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule files are written by administrators but are still parsed as root, so
 * any byte string must end in a policy or in a positioned error, never in a
 * crash, a leak or an unbounded expansion. No checker: any check name goes. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e;
        char buf[1200];
        int r;

        /* Real rule files are a few KiB; the loader refuses more than 1 MiB. */
        if (size > 64 * 1024)
                return 0;

        p = policy_new();
        if (!p)
                return 0;
        r = policy_parse_buffer(p, "fuzz.yaml", (const char *) data, size, NULL, &e);
        if (r < 0) {
                /* Only the named outcomes, each with a message. */
                if (r != -EINVAL && r != -EBADMSG && r != -ENOMEM)
                        abort();
                if (e.message[0] == '\0' || !streq(e.file, "fuzz.yaml"))
                        abort();
                if (r != -ENOMEM && (e.line == 0 || e.column == 0))
                        abort();
                (void) policy_error_format(&e, buf, sizeof buf);
                if (p->n_rules != 0 || p->id || p->version)
                        abort();
                return 0;
        }

        for (size_t i = 0; i < p->n_rules; i++) {
                const Rule *rule = &p->rules[i];

                if (!rule->id || !rule->title_ja || !rule->title_en || !rule->clause || !rule->check)
                        abort();
                if (!severity_to_string(rule->severity))
                        abort();
                if (rule->abi.id != rule->id || rule->abi.check != rule->check ||
                    rule->abi.params != rule->params || rule->abi.n_params != rule->n_params)
                        abort();
                for (size_t j = 0; j < rule->n_params; j++)
                        if (!rule->params[j].key || !rule->params[j].values)
                                abort();
                if (policy_find_rule(p, rule->id) != rule)
                        abort();
        }
        return 0;
}
