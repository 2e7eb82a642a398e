/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stored baseline is read back from disk: any bytes either parse or are
 * refused as -EBADMSG/-EPROTONOSUPPORT. The checksum is skipped so that the
 * fuzzer reaches the records; what parses must serialise, parse again with
 * the checksum, and serialise to the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/integrity/integrity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int r) {
        if (r < 0 && r != -EBADMSG && r != -EPROTONOSUPPORT && r != -ENOMEM)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StrPool *pool;
        Baseline *b = NULL, *c = NULL;
        uint8_t *out = NULL, *again = NULL;
        size_t n = 0, n2 = 0;
        int r;

        if (size > 1024 * 1024)
                return 0;
        pool = strpool_new();
        if (!pool)
                return 0;
        r = baseline_parse(data, size, true, pool, &b);
        check(r);
        if (r == 0)
                b = baseline_free(b);
        r = baseline_parse(data, size, false, pool, &b);
        check(r);
        if (r == 0) {
                for (size_t i = 1; i < b->records.n; i++)
                        if (path_compare(b->records.items[i - 1].path, b->records.items[i].path) >= 0)
                                abort();
                if (baseline_serialize(b, &out, &n) < 0)
                        abort();
                if (baseline_parse(out, n, true, pool, &c) != 0)
                        abort();
                if (baseline_serialize(c, &again, &n2) < 0 || n != n2 || memcmp(out, again, n) != 0)
                        abort();
                for (size_t i = 0; i < b->records.n; i++)
                        if (record_diff(&b->records.items[i], &c->records.items[i], _ATTR_ALL) != 0)
                                abort();
        }
        free(out);
        free(again);
        baseline_free(b);
        baseline_free(c);
        strpool_free(pool);
        return 0;
}
