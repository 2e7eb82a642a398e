/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GVariant text values (what dconf keyfiles hold) and the GVDB writer
 * behind `enforce: true`: any text either fails with a reason (-EINVAL or
 * -EOPNOTSUPP, or -ENOMEM), or yields a valid type and data that, written
 * into a one-key database with a lock, read back byte for byte through the
 * GVDB reader, and decode (for the basic types) as the type says. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/screenlock/screenlock-enforce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *why = NULL, *locks[] = { "/fuzz/key" };
        GvdbEntry e = {};
        GvdbTable t, lt;
        GvBuf db = {};
        const uint8_t *raw;
        size_t raw_size, tl;
        GVariantValue v;
        int r;

        if (size > 16 * 1024)
                return 0;
        r = gvariant_parse_text((const char *) data, size, &e.type, &e.value, &why);
        if (r < 0) {
                if (r == -ENOMEM)
                        return 0;
                if ((r != -EINVAL && r != -EOPNOTSUPP) || !why || e.type)
                        abort();
                return 0;
        }
        tl = strlen(e.type);
        if (gvariant_type_check(e.type, tl) < 0)
                abort();

        e.key = (char *) "/fuzz/key";
        r = gvdb_write_dconf(&e, 1, locks, 1, &db);
        if (r == -ENOMEM || r == -E2BIG)
                goto out;
        if (r < 0)
                abort();
        if (gvdb_table_open(db.data, db.size, &t, NULL) < 0)
                abort();
        if (gvdb_table_get_raw(&t, "/fuzz/key", &raw, &raw_size) != 1)
                abort();
        if (raw_size != e.value.size + 1 + tl || (e.value.size && memcmp(raw, e.value.data, e.value.size) != 0) ||
            raw[e.value.size] != 0 || memcmp(raw + e.value.size + 1, e.type, tl) != 0)
                abort();
        if (gvdb_table_get_table(&t, ".locks", &lt, NULL) != 1 || !gvdb_table_has_value(&lt, "/fuzz/key"))
                abort();
        r = gvdb_table_get_value(&t, "/fuzz/key", &v, NULL);
        if (r != 1)
                abort();
        if (tl == 1 && strchr("bynqiuxts", e.type[0]) && v.kind == GVARIANT_UNSUPPORTED)
                abort();
out:
        free(db.data);
        free(e.type);
        free(e.value.data);
        return 0;
}
