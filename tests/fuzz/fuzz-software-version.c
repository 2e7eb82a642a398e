/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Debian version comparison: the input is split into three versions at
 * newlines; the comparison must be a total order on them (reflexive,
 * antisymmetric, transitive) whatever the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/software/software.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int x) {
        return x < 0 ? -1 : x > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *copy, *v[3] = { NULL, NULL, NULL };
        size_t n = 0;

        if (size > 4096)
                return 0;
        copy = malloc(size + 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        copy[size] = '\0';
        v[n++] = copy;
        for (char *p = copy; *p && n < 3; p++)
                if (*p == '\n') {
                        *p = '\0';
                        v[n++] = p + 1;
                }
        while (n < 3)
                v[n++] = "";

        for (int i = 0; i < 3; i++) {
                if (deb_version_compare(v[i], v[i]) != 0)
                        abort();
                for (int j = 0; j < 3; j++)
                        if (sign(deb_version_compare(v[i], v[j])) != -sign(deb_version_compare(v[j], v[i])))
                                abort();
        }
        for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                        for (int k = 0; k < 3; k++)
                                if (deb_version_compare(v[i], v[j]) <= 0 && deb_version_compare(v[j], v[k]) <= 0 &&
                                    deb_version_compare(v[i], v[k]) > 0)
                                        abort();
        free(copy);
        return 0;
}
