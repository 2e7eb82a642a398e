/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The approved package set as stored with state_put: a magic line, then one
 * "NAME ARCH VERSION" line per package ('-' for no architecture), sorted.
 * Text on purpose: an administrator can read it out of the state database,
 * and ~2,500 packages take ~80 KiB. */
#include <stdio.h>
#include <string.h>

#include "software.h"

int approved_format(const Inventory *inv, char **ret, size_t *ret_size) {
        size_t size = strlen(APPROVED_MAGIC) + 2, o;
        char *buf;

        for (size_t i = 0; i < inv->n_packages; i++) {
                const Package *p = &inv->packages[i];

                size += strlen(p->name) + strlen(p->arch) + strlen(p->version) + 4;
        }
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        o = (size_t) snprintf(buf, size, "%s\n", APPROVED_MAGIC);
        for (size_t i = 0; i < inv->n_packages; i++) {
                const Package *p = &inv->packages[i];

                o += (size_t) snprintf(buf + o, size - o, "%s %s %s\n", p->name,
                                       p->arch[0] ? p->arch : "-", p->version);
        }
        *ret = buf;
        *ret_size = o;
        return 0;
}

int approved_parse(const char *buf, size_t size, Inventory **ret) {
        _cleanup_inventory_ Inventory *inv = NULL;
        char *p, *end;
        unsigned line = 0;
        size_t ml = strlen(APPROVED_MAGIC);

        if (size < ml || memcmp(buf, APPROVED_MAGIC, ml) != 0 || (size > ml && buf[ml] != '\n'))
                return -EBADMSG;

        inv = inventory_new();
        if (!inv)
                return -ENOMEM;
        inv->data = malloc(size + 1);
        if (!inv->data)
                return -ENOMEM;
        memcpy(inv->data, buf, size);
        inv->data[size] = '\0';

        end = inv->data + size;
        for (p = inv->data; p < end;) {
                char *nl = memchr(p, '\n', (size_t) (end - p)), *e = nl ? nl : end;
                char *f[3];
                size_t n = 0;

                line++;
                *e = '\0';
                if (line > 1 && e > p) {
                        bool has_nul = strlen(p) != (size_t) (e - p);
                        char *save = NULL, *t;

                        if (!has_nul)
                                for (t = strtok_r(p, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                                        if (n == 3) {
                                                n++;
                                                break;
                                        }
                                        f[n++] = t;
                                }
                        if (n != 3 || !pkg_name_is_valid(f[0], strlen(f[0])) ||
                            !(strcmp(f[1], "-") == 0 || pkg_arch_is_valid(f[1], strlen(f[1]))) ||
                            !pkg_version_is_valid(f[2], strlen(f[2]))) {
                                if (inv->n_malformed++ == 0)
                                        inv->first_malformed = line;
                        } else {
                                if (inventory_add(inv, f[0], strcmp(f[1], "-") == 0 ? "" : f[1], f[2],
                                                  PKG_INSTALLED, false) < 0)
                                        return -ENOMEM;
                                inv->packages[inv->n_packages - 1].line = line;
                        }
                }
                p = nl ? nl + 1 : end;
        }

        inventory_sort(inv);
        *ret = inv;
        inv = NULL;
        return 0;
}

int inventory_diff(const Inventory *approved, const Inventory *current, PkgDiff **ret,
                   size_t *ret_n) {
        size_t i = 0, j = 0, n = 0, allocated = 0;
        PkgDiff *d = NULL;

        while (i < approved->n_packages || j < current->n_packages) {
                const Package *a = i < approved->n_packages ? &approved->packages[i] : NULL;
                const Package *c = j < current->n_packages ? &current->packages[j] : NULL;
                PkgDiff x;
                int k;

                if (!a)
                        k = 1;
                else if (!c)
                        k = -1;
                else {
                        k = strcmp(a->name, c->name);
                        if (k == 0)
                                k = strcmp(a->arch, c->arch);
                }

                if (k < 0) {
                        x = (PkgDiff) { DIFF_REMOVED, a, NULL };
                        i++;
                } else if (k > 0) {
                        x = (PkgDiff) { DIFF_INSTALLED, NULL, c };
                        j++;
                } else {
                        i++;
                        j++;
                        if (strcmp(a->version, c->version) != 0)
                                x = (PkgDiff) { DIFF_CHANGED, a, c };
                        else if (c->state != PKG_INSTALLED || c->reinstreq)
                                x = (PkgDiff) { DIFF_UNFINISHED, a, c };
                        else
                                continue;
                }

                if (n == allocated) {
                        size_t m = allocated ? allocated * 2 : 16;
                        PkgDiff *nd = realloc(d, m * sizeof(*nd));

                        if (!nd) {
                                free(d);
                                return -ENOMEM;
                        }
                        d = nd;
                        allocated = m;
                }
                d[n++] = x;
        }
        *ret = d;
        *ret_n = n;
        return 0;
}
