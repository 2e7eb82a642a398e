/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logins.json counter: any bytes give a count no larger than the
 * number of objects the text could hold, or -EBADMSG with a reason. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/credentials/credentials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint64_t n = UINT64_MAX, braces = 0;
        JsonError err = {};
        int r;

        if (size > 256 * 1024)
                return 0;
        for (size_t i = 0; i < size; i++)
                braces += data[i] == '{';

        r = logins_json_count((const char *) data, size, &n, &err);
        if (r == 0) {
                /* Each login is an object: one '{' each, plus the file's own. */
                if (braces == 0 || n > braces - 1)
                        abort();
        } else if (r != -EBADMSG || !err.reason)
                abort();
        return 0;
}
