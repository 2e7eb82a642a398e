/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ClamAV database headers: any bytes parse or fail with -EINVAL (not a
 * header) or -EBADMSG (a field that does not parse). The date and duration
 * readers get the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/software/software.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CvdHeader h;
        int64_t t;
        uint64_t d;
        char *s;
        int r;

        if (size > 4096)
                return 0;
        r = cvd_header_parse(data, size, &h);
        if (r < 0 && r != -EINVAL && r != -EBADMSG)
                abort();
        if (r == 0 && (strnlen(h.builder, sizeof(h.builder)) >= sizeof(h.builder) || h.build_time < -1))
                abort();

        r = parse_rfc2822_date((const char *) data, size, &t);
        if (r < 0 && r != -EINVAL)
                abort();

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        r = parse_duration(s, &d);
        if (r < 0 && r != -EINVAL && r != -ERANGE)
                abort();
        if (r == 0 && (d == 0 || d > UINT64_C(3650) * 86400))
                abort();
        free(s);
        return 0;
}
