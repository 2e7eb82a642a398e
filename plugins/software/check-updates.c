/* SPDX-License-Identifier: GPL-2.0-or-later */
/* software.security-updates: installed packages with a newer version in a
 * security suite, and how long they have waited (詳細編 7.5(1)③, 7.6(1)①).
 * Reads apt's lists under the root; never touches the network.
 *
 * How long an update has waited cannot be read from the lists alone: their
 * Date (and mtime) is that of the last `apt update`, which on a terminal
 * that updates daily is always fresh. So the first time the plugin sees an
 * update pending it records that instant, taken as the list's date (the
 * update existed at least since then), and counts from it until the
 * update is installed. The lists' own age is checked too: a terminal
 * whose lists are stale does not know what it is missing. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "software.h"

#define LISTS_DIR "var/lib/apt/lists"
#define LISTS_MAX 256
#define PENDING_KEY "security-pending"
#define PENDING_MAGIC "# mamori software security-pending 1"

typedef struct Pending {
        char *candidate;                /* newest version in a security suite */
        char suite[64];
        int64_t since;                  /* first seen (seconds since the epoch) */
} Pending;

static bool has_suffix(const char *s, const char *suffix) {
        size_t l = strlen(s), m = strlen(suffix);

        return l > m && strcmp(s + l - m, suffix) == 0;
}

/* The suite of a list file name: "..._dists_bookworm-security_main_binary-amd64_Packages". */
static bool list_suite(const char *name, char *suite, size_t size, size_t *ret_prefix) {
        const char *d = strstr(name, "_dists_"), *s, *u;

        if (!d)
                return false;
        s = d + strlen("_dists_");
        u = strchr(s, '_');
        if (!u || (size_t) (u - s) >= size)
                return false;
        memcpy(suite, s, (size_t) (u - s));
        suite[u - s] = '\0';
        *ret_prefix = (size_t) (u + 1 - name);
        return has_suffix(suite, "-security");
}

/* The Date: of the suite's InRelease or Release, else -1. A plain line
 * scan: InRelease wraps the fields in an OpenPGP signature. */
static int64_t release_date(int dirfd, const char *name, size_t prefix) {
        static const char *const files[] = { "InRelease", "Release" };

        for (size_t i = 0; i < SW_ELEMENTSOF(files); i++) {
                _cleanup_sw_free_ char *buf = NULL;
                char path[512];
                size_t size;

                if (prefix + strlen(files[i]) >= sizeof(path))
                        return -1;
                memcpy(path, name, prefix);
                strcpy(path + prefix, files[i]);
                if (root_read_file(dirfd, path, SW_FILE_MAX, &buf, &size) < 0)
                        continue;
                for (const char *p = buf; p && p < buf + size; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                        const char *e = strchr(p, '\n');
                        int64_t t;

                        if (strncmp(p, "Date:", 5) != 0)
                                continue;
                        if (parse_rfc2822_date(p + 5, (size_t) ((e ? e : buf + size) - p - 5), &t) == 0)
                                return t;
                        break;
                }
        }
        return -1;
}

enum {
        P_PACKAGE,
        P_VERSION,
        P_ARCHITECTURE,
};

static const char *const packages_fields[] = {
        [P_PACKAGE] = "Package",
        [P_VERSION] = "Version",
        [P_ARCHITECTURE] = "Architecture",
};

static int scan_list(const Inventory *inv, Pending *pend, const char *buf, size_t size,
                     const char *suite, int64_t date) {
        StanzaReader r;
        Stanza st;

        stanza_reader_init(&r, buf, size);
        while (stanza_reader_next(&r, packages_fields, SW_ELEMENTSOF(packages_fields), &st) > 0) {
                Slice name = st.values[P_PACKAGE], ver = st.values[P_VERSION],
                      arch = st.values[P_ARCHITECTURE];
                char n[256], a[65], v[256];
                const Package *pkg;
                Pending *x;

                if (st.malformed || !name.p || !ver.p || !arch.p || name.n >= sizeof(n) ||
                    arch.n >= sizeof(a) || ver.n >= sizeof(v) || !pkg_name_is_valid(name.p, name.n) ||
                    !pkg_arch_is_valid(arch.p, arch.n) || !pkg_version_is_valid(ver.p, ver.n))
                        continue;
                memcpy(n, name.p, name.n);
                n[name.n] = '\0';
                memcpy(a, arch.p, arch.n);
                a[arch.n] = '\0';
                pkg = inventory_find(inv, n, a);
                if (!pkg || pkg->state != PKG_INSTALLED)
                        continue;
                memcpy(v, ver.p, ver.n);
                v[ver.n] = '\0';
                if (deb_version_compare(v, pkg->version) <= 0)
                        continue;
                x = &pend[pkg - inv->packages];
                if (x->candidate && deb_version_compare(v, x->candidate) <= 0)
                        continue;
                free(x->candidate);
                x->candidate = strdup(v);
                if (!x->candidate)
                        return -ENOMEM;
                snprintf(x->suite, sizeof(x->suite), "%s", suite);
                x->since = date;
        }
        return 0;
}

/* When each pending update was first seen, from the stored state. */
static void pending_apply_seen(Software *s, const Inventory *inv, Pending *pend) {
        _cleanup_sw_free_ char *copy = NULL;
        const void *data;
        size_t size;

        if (!s->api->state_get || s->api->state_get(s->host, PENDING_KEY, &data, &size) < 0)
                return;
        copy = malloc(size + 1);
        if (!copy)
                return;
        memcpy(copy, data, size);
        copy[size] = '\0';
        if (strncmp(copy, PENDING_MAGIC "\n", strlen(PENDING_MAGIC) + 1) != 0)
                return;
        for (char *save = NULL, *line = strtok_r(copy + strlen(PENDING_MAGIC) + 1, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                char *f[4], *save2 = NULL;
                const Package *pkg;
                uint64_t t;
                size_t n = 0;

                for (char *t2 = strtok_r(line, " ", &save2); t2 && n < 4; t2 = strtok_r(NULL, " ", &save2))
                        f[n++] = t2;
                if (n != 4 || parse_u64(f[3], &t) < 0 || t > INT64_MAX / 2)
                        continue;
                pkg = inventory_find(inv, f[0], strcmp(f[1], "-") == 0 ? "" : f[1]);
                if (!pkg)
                        continue;
                /* Seen for this very candidate: the clock started then. A
                 * newer candidate since does not restart it. */
                if (pend[pkg - inv->packages].candidate && (int64_t) t < pend[pkg - inv->packages].since)
                        pend[pkg - inv->packages].since = (int64_t) t;
        }
}

static int pending_store(Software *s, const Inventory *inv, const Pending *pend) {
        size_t size = strlen(PENDING_MAGIC) + 2, o;
        _cleanup_sw_free_ char *buf = NULL;
        const void *old;
        size_t old_size;

        for (size_t i = 0; i < inv->n_packages; i++)
                if (pend[i].candidate)
                        size += strlen(inv->packages[i].name) + strlen(inv->packages[i].arch) +
                                strlen(pend[i].candidate) + 32;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        o = (size_t) snprintf(buf, size, "%s\n", PENDING_MAGIC);
        for (size_t i = 0; i < inv->n_packages; i++)
                if (pend[i].candidate)
                        o += (size_t) snprintf(buf + o, size - o, "%s %s %s %lld\n", inv->packages[i].name,
                                               inv->packages[i].arch[0] ? inv->packages[i].arch : "-",
                                               pend[i].candidate, (long long) pend[i].since);
        /* Unchanged most of the time: spare the database a write. */
        if (s->api->state_get && s->api->state_get(s->host, PENDING_KEY, &old, &old_size) >= 0 &&
            old_size == o && memcmp(old, buf, o) == 0)
                return 0;
        return s->api->state_put ? s->api->state_put(s->host, PENDING_KEY, buf, o) : 0;
}

static void pending_free(Pending *pend, size_t n) {
        if (!pend)
                return;
        for (size_t i = 0; i < n; i++)
                free(pend[i].candidate);
        free(pend);
}

static int evaluate_pending(Eval *e, const SoftwareParams *p, const Inventory *inv, Pending *pend,
                            int64_t newest_list, const char *suites) {
        char list_age[48], limit[48], names[256] = "", date[16];
        int64_t now = (int64_t) time(NULL);
        size_t n_young = 0, n_old = 0;
        int r;

        for (size_t i = 0; i < inv->n_packages; i++) {
                const Package *pkg = &inv->packages[i];
                char subject[300], waited[48];
                uint64_t w;

                if (!pend[i].candidate)
                        continue;
                w = now > pend[i].since ? (uint64_t) (now - pend[i].since) : 0;
                if (w <= p->max_age) {
                        size_t l = strlen(names);

                        if (n_young++ < 8)
                                snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "", pkg->name);
                        continue;
                }
                n_old++;
                r = eval_emit(e, MAMORI_FAIL, pkg_subject(pkg, subject, sizeof(subject)),
                              "%s %s -> %s from %s, pending for %s (limit %s)", pkg->name, pkg->version,
                              pend[i].candidate, pend[i].suite, format_duration(w, waited, sizeof(waited)),
                              format_duration(p->max_age, limit, sizeof(limit)));
                if (r < 0)
                        return r;
        }

        if (newest_list >= 0 && now - newest_list > (int64_t) p->max_list_age) {
                n_old++;
                r = eval_emit(e, MAMORI_FAIL, "/" LISTS_DIR,
                              "apt's security lists (%s) are %s old (limit %s): updates published since are not known",
                              suites, format_duration((uint64_t) (now - newest_list), list_age, sizeof(list_age)),
                              format_duration(p->max_list_age, limit, sizeof(limit)));
                if (r < 0)
                        return r;
        }
        if (n_old > 0)
                return 0;
        format_date(newest_list, date, sizeof(date));
        if (n_young == 0)
                return eval_emit(e, MAMORI_PASS, NULL, "no pending security updates (%s lists of %s)", suites,
                                 date);
        return eval_emit(e, MAMORI_PASS, NULL, "%zu security update%s pending for less than %s: %s%s",
                         n_young, n_young == 1 ? "" : "s", format_duration(p->max_age, limit, sizeof(limit)),
                         names, n_young > 8 ? ", ..." : "");
}

int check_security_updates(Eval *e, const SoftwareParams *p) {
        _cleanup_inventory_ Inventory *inv = NULL;
        Software *s = e->s;
        char suites[160] = "", compressed[80] = "";
        size_t n_lists = 0;
        int64_t newest = -1;
        Pending *pend = NULL;
        struct dirent *de;
        int dirfd, r;
        DIR *d;

        r = inventory_load(s->root_fd, false, &inv);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit(e, MAMORI_ERROR, "/var/lib/dpkg/status", "cannot read /var/lib/dpkg/status: %s",
                                 root_error_text(r));

        dirfd = openat(s->root_fd, LISTS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return eval_emit(e, MAMORI_ERROR, "/" LISTS_DIR,
                                 "cannot read /" LISTS_DIR ": %s (apt has never been updated?)", strerror(errno));
        d = fdopendir(dirfd);
        if (!d) {
                r = -errno;
                close(dirfd);
                return r;
        }

        pend = calloc(inv->n_packages ? inv->n_packages : 1, sizeof(*pend));
        if (!pend) {
                closedir(d);
                return -ENOMEM;
        }

        while ((de = readdir(d)) && n_lists < LISTS_MAX) {
                _cleanup_sw_free_ char *buf = NULL;
                char suite[64];
                size_t prefix, size;
                int64_t date;
                struct stat st;

                if (!list_suite(de->d_name, suite, sizeof(suite), &prefix))
                        continue;
                if (!has_suffix(de->d_name, "_Packages")) {
                        const char *ext = strstr(de->d_name, "_Packages.");

                        if (ext && !compressed[0])
                                snprintf(compressed, sizeof(compressed), "%s", ext + strlen("_Packages"));
                        continue;
                }
                if (fstatat(dirfd, de->d_name, &st, 0) < 0 ||
                    root_read_file(dirfd, de->d_name, SW_FILE_MAX, &buf, &size) < 0)
                        continue;
                n_lists++;
                date = release_date(dirfd, de->d_name, prefix);
                if (date < 0)
                        date = (int64_t) st.st_mtime;
                if (date > newest)
                        newest = date;
                if (!strstr(suites, suite)) {
                        size_t l = strlen(suites);

                        snprintf(suites + l, sizeof(suites) - l, "%s%s", l ? ", " : "", suite);
                }
                r = scan_list(inv, pend, buf, size, suite, date);
                if (r < 0)
                        goto finish;
        }

        if (n_lists == 0) {
                if (compressed[0])
                        r = eval_emit(e, MAMORI_ERROR, "/" LISTS_DIR,
                                      "apt keeps its security lists compressed (%s): mamori reads plain lists only "
                                      "(set Acquire::GzipIndexes \"false\" and run apt update)", compressed);
                else
                        r = eval_emit(e, MAMORI_ERROR, "/" LISTS_DIR,
                                      "no security package list in /" LISTS_DIR ": apt has never been updated "
                                      "from a security suite (is it in sources.list?)");
                goto finish;
        }

        pending_apply_seen(s, inv, pend);
        r = pending_store(s, inv, pend);
        if (r < 0)
                (void) eval_emit(e, MAMORI_ERROR, NULL, "cannot record when the pending updates were first seen: %s",
                                 strerror(-r));
        r = evaluate_pending(e, p, inv, pend, newest, suites);
finish:
        pending_free(pend, inv->n_packages);
        closedir(d);
        return r;
}
