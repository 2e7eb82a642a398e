/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The package inventory, and dpkg's status file parsed into it.
 *
 * /var/lib/dpkg/status is ~3 MiB on a full desktop and is re-read on every
 * change, so it is parsed in one pass over one copy of the file: the strings
 * are NUL-terminated in place and the only other allocation is the package
 * array, grown by doubling. */
#include <string.h>

#include "software.h"

static const char *const pkg_state_table[_PKG_STATE_MAX] = {
        [PKG_NOT_INSTALLED] = "not-installed",
        [PKG_CONFIG_FILES] = "config-files",
        [PKG_HALF_INSTALLED] = "half-installed",
        [PKG_UNPACKED] = "unpacked",
        [PKG_HALF_CONFIGURED] = "half-configured",
        [PKG_TRIGGERS_AWAITED] = "triggers-awaited",
        [PKG_TRIGGERS_PENDING] = "triggers-pending",
        [PKG_INSTALLED] = "installed",
};

const char *pkg_state_to_string(PkgState s) {
        if (s < 0 || s >= _PKG_STATE_MAX)
                return "unknown";
        return pkg_state_table[s];
}

PkgState pkg_state_from_slice(Slice s) {
        for (int i = 0; i < _PKG_STATE_MAX; i++)
                if (slice_eq(s, pkg_state_table[i]))
                        return (PkgState) i;
        return _PKG_STATE_INVALID;
}

Inventory *inventory_new(void) {
        return calloc(1, sizeof(Inventory));
}

Inventory *inventory_free(Inventory *inv) {
        if (!inv)
                return NULL;
        for (size_t i = 0; i < inv->n_owned; i++)
                free(inv->owned[i]);
        free(inv->owned);
        free(inv->packages);
        free(inv->data);
        free(inv);
        return NULL;
}

static char *inventory_own(Inventory *inv, const char *s) {
        char *c;

        if (inv->n_owned == inv->n_owned_allocated) {
                size_t m = inv->n_owned_allocated ? inv->n_owned_allocated * 2 : 16;
                char **n = realloc(inv->owned, m * sizeof(*n));

                if (!n)
                        return NULL;
                inv->owned = n;
                inv->n_owned_allocated = m;
        }
        c = strdup(s);
        if (!c)
                return NULL;
        inv->owned[inv->n_owned++] = c;
        return c;
}

int inventory_add(Inventory *inv, const char *name, const char *arch, const char *version,
                  PkgState state, bool copy) {
        if (inv->n_packages == inv->n_allocated) {
                size_t m = inv->n_allocated ? inv->n_allocated * 2 : 256;
                Package *n = realloc(inv->packages, m * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                inv->packages = n;
                inv->n_allocated = m;
        }
        if (copy) {
                name = inventory_own(inv, name);
                arch = name ? inventory_own(inv, arch) : NULL;
                version = arch ? inventory_own(inv, version) : NULL;
                if (!version)
                        return -ENOMEM;
        }
        inv->packages[inv->n_packages++] = (Package) {
                .name = name,
                .arch = arch,
                .version = version,
                .state = state,
        };
        return 0;
}

static int package_cmp(const void *a, const void *b) {
        const Package *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : strcmp(x->arch, y->arch);
}

/* Duplicates in the order they were read, so that the first one stays. */
static int package_cmp_line(const void *a, const void *b) {
        const Package *x = a, *y = b;
        int c = package_cmp(a, b);

        return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static void note_malformed(Inventory *inv, unsigned line) {
        if (inv->n_malformed++ == 0 || (line > 0 && line < inv->first_malformed))
                inv->first_malformed = line;
}

void inventory_sort(Inventory *inv) {
        size_t o = 0;

        if (inv->n_packages == 0)
                return;
        qsort(inv->packages, inv->n_packages, sizeof(Package), package_cmp_line);
        for (size_t i = 0; i < inv->n_packages; i++) {
                if (o > 0 && package_cmp(&inv->packages[o - 1], &inv->packages[i]) == 0) {
                        note_malformed(inv, inv->packages[i].line);
                        continue;
                }
                inv->packages[o++] = inv->packages[i];
        }
        inv->n_packages = o;
}

const Package *inventory_find(const Inventory *inv, const char *name, const char *arch) {
        const Package key = { .name = name, .arch = arch };

        if (!inv || inv->n_packages == 0)
                return NULL;
        return bsearch(&key, inv->packages, inv->n_packages, sizeof(Package), package_cmp);
}

const Package *inventory_find_name(const Inventory *inv, const char *name) {
        size_t lo = 0, hi;

        if (!inv)
                return NULL;
        /* The first index whose name is not below name. */
        hi = inv->n_packages;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(inv->packages[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < inv->n_packages && strcmp(inv->packages[lo].name, name) == 0)
                return &inv->packages[lo];
        return NULL;
}

static bool is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Debian Policy §5.6.1 names are [a-z0-9][a-z0-9+.-]+; old packages and
 * flatpak application IDs add capitals and '_', and the app prefixes add
 * ':' and '/'. Nothing blank: the approved set's format splits on blanks. */
bool pkg_name_is_valid(const char *s, size_t n) {
        if (n == 0 || n > 255 || !is_alnum(s[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && !strchr("+.-_:/", s[i]))
                        return false;
        return true;
}

/* "-" stands for no architecture in the approved set: a real one starts
 * with a letter or digit ("amd64", "all", "kfreebsd-i386"). */
bool pkg_arch_is_valid(const char *s, size_t n) {
        if (n == 0 || n > 64 || !is_alnum(s[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_')
                        return false;
        return true;
}

/* Policy §5.6.12: alphanumerics and . + - ~ (and : for the epoch); flatpak
 * and snap versions add '@' and '/'. */
bool pkg_version_is_valid(const char *s, size_t n) {
        if (n == 0 || n > 255)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && !strchr(".+-~:@/_", s[i]))
                        return false;
        return true;
}

enum {
        F_PACKAGE,
        F_STATUS,
        F_ARCHITECTURE,
        F_VERSION,
};

static const char *const status_fields[] = {
        [F_PACKAGE] = "Package",
        [F_STATUS] = "Status",
        [F_ARCHITECTURE] = "Architecture",
        [F_VERSION] = "Version",
};

/* "want flag status", each word from dpkg's closed list. */
static int parse_status_field(Slice v, PkgState *ret_state, bool *ret_reinstreq) {
        static const char *const wants[] = { "unknown", "install", "hold", "deinstall", "purge" };
        const char *sp1, *sp2, *end = v.p + v.n;
        Slice want, flag, status;
        bool ok = false;
        PkgState st;

        sp1 = memchr(v.p, ' ', v.n);
        if (!sp1)
                return -EBADMSG;
        sp2 = memchr(sp1 + 1, ' ', (size_t) (end - sp1 - 1));
        if (!sp2)
                return -EBADMSG;
        want = (Slice) { v.p, (size_t) (sp1 - v.p) };
        flag = (Slice) { sp1 + 1, (size_t) (sp2 - sp1 - 1) };
        status = (Slice) { sp2 + 1, (size_t) (end - sp2 - 1) };

        for (size_t i = 0; i < SW_ELEMENTSOF(wants); i++)
                ok = ok || slice_eq(want, wants[i]);
        if (!ok)
                return -EBADMSG;
        if (!slice_eq(flag, "ok") && !slice_eq(flag, "reinstreq"))
                return -EBADMSG;
        st = pkg_state_from_slice(status);
        if (st < 0)
                return -EBADMSG;
        *ret_state = st;
        *ret_reinstreq = slice_eq(flag, "reinstreq");
        return 0;
}

int dpkg_status_parse(const char *buf, size_t size, Inventory **ret) {
        _cleanup_inventory_ Inventory *inv = NULL;
        StanzaReader r;
        Stanza st;

        inv = inventory_new();
        if (!inv)
                return -ENOMEM;
        inv->data = malloc(size + 1);
        if (!inv->data)
                return -ENOMEM;
        if (size > 0)
                memcpy(inv->data, buf, size);
        inv->data[size] = '\0';

        stanza_reader_init(&r, inv->data, size);
        while (stanza_reader_next(&r, status_fields, SW_ELEMENTSOF(status_fields), &st) > 0) {
                Slice name = st.values[F_PACKAGE], arch = st.values[F_ARCHITECTURE],
                      version = st.values[F_VERSION], status = st.values[F_STATUS];
                bool reinstreq = false;
                PkgState state;
                char *w;

                if (st.malformed || !name.p || !status.p ||
                    !pkg_name_is_valid(name.p, name.n) ||
                    parse_status_field(status, &state, &reinstreq) < 0) {
                        note_malformed(inv, st.line);
                        continue;
                }
                if (state < PKG_HALF_INSTALLED) {
                        inv->n_not_installed++;
                        continue;
                }
                /* Files on disk: dpkg always knows the version then, and the
                 * architecture since multiarch (dpkg 1.16.2); an old stanza
                 * without one is kept with none. */
                if (!version.p || !pkg_version_is_valid(version.p, version.n) ||
                    (arch.p && arch.n > 0 && !pkg_arch_is_valid(arch.p, arch.n))) {
                        note_malformed(inv, st.line);
                        continue;
                }

                /* Each slice is followed by a byte of this stanza's own line
                 * ends or blanks, all already read: safe to terminate. */
                w = (char *) name.p;
                w[name.n] = '\0';
                w = (char *) version.p;
                w[version.n] = '\0';
                if (arch.p) {
                        w = (char *) arch.p;
                        w[arch.n] = '\0';
                }
                if (inventory_add(inv, name.p, arch.p ? arch.p : "", version.p, state, false) < 0)
                        return -ENOMEM;
                inv->packages[inv->n_packages - 1].reinstreq = reinstreq;
                inv->packages[inv->n_packages - 1].line = st.line;
        }

        inventory_sort(inv);
        *ret = inv;
        inv = NULL;
        return 0;
}
