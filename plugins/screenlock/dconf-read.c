/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The value dconf's engine gives a key, from the databases a profile names.
 *
 * Facts relied on (dconf's engine/dconf-engine.c, dconf_engine_read() and
 * dconf_engine_is_writable_internal(), and dconf-engine-source.c):
 *   - Every source's locks are the ".locks" table inside its database.
 *     Locks in the first source are ignored.
 *   - Sources are scanned from the last to the second for a lock on the
 *     key; the first hit (so the lowest-priority source holding a lock)
 *     sets the lock level, and the value then comes from the first source
 *     at or after that level that holds the key: a user's database never
 *     counts for a locked key.
 *   - With no lock and a writable first source (user-db or service-db) the
 *     first source is read, then the others in order. With a first source
 *     that is not writable, the sources are read in order from the first.
 *   - A key is writable only when the first source is writable and no
 *     later source locks it.
 * A database that is missing reads as empty: dconf keeps the source and
 * finds nothing in it. */
#include "screenlock.h"

static bool source_is_writable(const DconfSource *s) {
        return s && (s->type == DCONF_SOURCE_USER || s->type == DCONF_SOURCE_SERVICE);
}

int dconf_read(const DconfSourceView *sources, size_t n_sources, const char *key,
               DconfReadResult *ret, int *ret_bad_source, const char **ret_reason) {
        DconfReadResult res = {
                .source = -1,
                .lock_source = -1,
        };
        size_t lock_level = 0, start;
        bool first_writable;

        if (!ret || !key || (!sources && n_sources > 0) || n_sources > INT32_MAX)
                return -EINVAL;

        first_writable = n_sources > 0 && source_is_writable(sources[0].source);

        for (size_t i = n_sources; i-- > 1;)
                if (sources[i].locks && gvdb_table_has_value(sources[i].locks, key)) {
                        lock_level = i;
                        res.lock_source = (int) i;
                        break;
                }

        res.writable = first_writable && lock_level == 0;
        /* Unlocked with a writable first source: that source first, then
         * the rest; otherwise from the lock level (0 when unlocked). */
        start = lock_level;

        for (size_t i = start; i < n_sources; i++) {
                int r;

                if (!sources[i].values)
                        continue;
                r = gvdb_table_get_value(sources[i].values, key, &res.value, ret_reason);
                if (r < 0) {
                        if (ret_bad_source)
                                *ret_bad_source = (int) i;
                        return r;
                }
                if (r > 0) {
                        res.source = (int) i;
                        break;
                }
        }

        *ret = res;
        return 0;
}
