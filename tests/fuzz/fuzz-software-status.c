/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dpkg's status file (and the deb822 reader under it): any bytes parse into
 * an inventory whose entries keep the parser's promises, and that survives
 * the approved set's format unchanged; the same bytes read as dpkg.log and
 * apt's history.log never crash the attribution. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/software/software.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Inventory *inv = NULL, *back = NULL;
        Attribution *items;
        char *text = NULL;
        size_t text_size;
        int r;

        if (size > 256 * 1024)
                return 0;
        r = dpkg_status_parse((const char *) data, size, &inv);
        if (r < 0) {
                if (r != -ENOMEM)
                        abort();
                return 0;
        }
        for (size_t i = 0; i < inv->n_packages; i++) {
                const Package *p = &inv->packages[i];

                if (!pkg_name_is_valid(p->name, strlen(p->name)) ||
                    !pkg_version_is_valid(p->version, strlen(p->version)) ||
                    (p->arch[0] && !pkg_arch_is_valid(p->arch, strlen(p->arch))) ||
                    p->state < PKG_HALF_INSTALLED || p->state >= _PKG_STATE_MAX)
                        abort();
                /* Sorted, each name:arch once. */
                if (i > 0) {
                        const Package *q = &inv->packages[i - 1];
                        int c = strcmp(q->name, p->name);

                        if (c > 0 || (c == 0 && strcmp(q->arch, p->arch) >= 0))
                                abort();
                }
                if (inventory_find(inv, p->name, p->arch) != p)
                        abort();
        }
        if (inv->n_malformed > 0 && inv->first_malformed == 0)
                abort();

        /* What the approved set stores reads back the same. */
        if (approved_format(inv, &text, &text_size) == 0) {
                if (approved_parse(text, text_size, &back) != 0 || back->n_packages != inv->n_packages ||
                    back->n_malformed != 0)
                        abort();
                for (size_t i = 0; i < inv->n_packages; i++)
                        if (strcmp(back->packages[i].name, inv->packages[i].name) != 0 ||
                            strcmp(back->packages[i].arch, inv->packages[i].arch) != 0 ||
                            strcmp(back->packages[i].version, inv->packages[i].version) != 0)
                                abort();
        }

        items = calloc(inv->n_packages + 1, sizeof(*items));
        if (items) {
                for (size_t i = 0; i < inv->n_packages; i++) {
                        items[i].name = inv->packages[i].name;
                        items[i].arch = inv->packages[i].arch;
                }
                pkglog_scan_dpkg((const char *) data, size, items, inv->n_packages);
                pkglog_scan_history((const char *) data, size, items, inv->n_packages);
                for (size_t i = 0; i < inv->n_packages; i++) {
                        char buf[160];

                        if (items[i].dpkg_when[19] || items[i].apt_when[19] ||
                            strnlen(items[i].who, sizeof(items[i].who)) >= sizeof(items[i].who))
                                abort();
                        attribution_text(&items[i], buf, sizeof(buf));
                }
                free(items);
        }

        free(text);
        inventory_free(back);
        inventory_free(inv);
        return 0;
}
