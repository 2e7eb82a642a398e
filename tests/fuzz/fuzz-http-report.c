/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What mamori-collect reads from the network (a terminal's report body)
 * and from the administrator (the inventory): any bytes parse or fail
 * with a named error, and what parses keeps its bounds. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "collect_inventory.h"
#include "collect_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CollectReport rep = {};
        Inventory inv = {};
        InventoryError err = {};
        const char *why = NULL;
        int r;

        if (size > 65536)
                return 0;

        r = collect_report_parse((const char *) data, size, &rep, &why);
        assert(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r == 0) {
                assert(rep.terminal && rep.agent_version);
                assert(rep.score >= -1 && rep.score <= 100);
                assert(rep.n_failing == rep.fail);
                assert(strlen(rep.head) == 0 || strlen(rep.head) == 64);
                for (size_t i = 0; i < rep.n_failing; i++)
                        assert(rep.failing[i].severity < _COLLECT_SEVERITY_MAX);
                collect_report_done(&rep);
        } else if (r == -EBADMSG)
                assert(why && *why);

        r = inventory_parse("fuzz", (const char *) data, size, &inv, &err);
        assert(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r == 0) {
                for (size_t i = 0; i < inv.n; i++)
                        assert(inv.items[i].port >= 1 && inv.items[i].name && inv.items[i].address);
                inventory_done(&inv);
        } else if (r == -EINVAL)
                assert(err.message[0]);
        return 0;
}
