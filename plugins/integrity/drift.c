/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What differs between a group's accepted baseline and the state now, and
 * what each difference means, package-aware:
 *
 *   - a file dpkg owns whose content now matches the MD5 its package shipped,
 *     when that package's version differs from the one the baseline
 *     recorded, was changed by the upgrade: reported as PASS ("changed by
 *     package X upgrade to version Y"), so that patching does not flood the
 *     administrator. Only what unpacking a file changes (content, size,
 *     mtime, inode) is explained so; a mode, owner, label or link change on
 *     top still fails.
 *   - a file that matches its package but whose package did not change was
 *     put back to the shipped version by someone: drift.
 *   - a file that differs from the baseline and from its package's MD5 is
 *     tampering (or an administrator's edit nobody accepted): drift, and
 *     the evidence says which.
 *   - a removed file whose package was upgraded or removed since: explained.
 *   - everything else: drift. */
#include <stdio.h>
#include <string.h>

#include "integrity.h"

/* Bounds on what one evaluation reports one by one; the host caps again. */
#define REPORT_FAIL_MAX 1000
#define REPORT_EXPLAINED_MAX 50
#define REPORT_ERROR_MAX 100

#define UNPACK_CHANGES (ATTR_CONTENT | ATTR_SIZE | ATTR_MTIME | ATTR_INODE)

typedef enum Verdict {
        V_DRIFT,
        V_EXPLAINED,
} Verdict;

void drift_kinds(uint32_t changed, char *buf, size_t size) {
        static const struct {
                uint32_t bit;
                const char *name;
        } kinds[] = {
                { CHANGE_ADDED, "added" }, { CHANGE_REMOVED, "removed" }, { CHANGE_TYPE, "type" },
                { ATTR_CONTENT, "content" }, { ATTR_MODE, "mode" }, { ATTR_OWNER, "owner" },
                { ATTR_SIZE, "size" }, { ATTR_MTIME, "mtime" }, { ATTR_INODE, "inode" },
                { ATTR_LINK, "link" }, { ATTR_XATTRS, "xattrs" },
        };
        size_t o = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        for (size_t i = 0; i < IG_ELEMENTSOF(kinds); i++) {
                int n;

                if (!(changed & kinds[i].bit))
                        continue;
                n = snprintf(buf + o, size - o, "%s%s", o ? ", " : "", kinds[i].name);
                if (n < 0 || (size_t) n >= size - o)
                        break;
                o += (size_t) n;
        }
}

/* The MD5 of the file at path now; -errno. */
static int md5_now(Integrity *ig, const char *path, uint8_t md5[16]) {
        _cleanup_ig_close_ int fd = -EBADF;
        uint8_t sha[32];

        if (!ig->hasher) {
                ig->hasher = hasher_new();
                if (!ig->hasher)
                        return -ENOMEM;
        }
        fd = open_for_hash(ig->root_fd, path);
        if (fd < 0)
                return fd;
        return hasher_file(ig->hasher, fd, 0, sha, md5, NULL);
}

/* The version of pkg the baseline saw, from any of its records. */
static const char *baseline_version(const StrMap *versions, const char *pkg) {
        return versions ? strmap_get(versions, pkg) : NULL;
}

static Verdict classify(Integrity *ig, const StrMap *versions, const Record *b, const Record *a,
                        uint32_t changed, char *note, size_t size) {
        const char *pkg = NULL, *version = NULL, *was;
        uint8_t want[16], have[16];
        int r;

        note[0] = '\0';
        if (!dpkg_is_loaded(ig->dpkg))
                return V_DRIFT;

        if (changed & CHANGE_REMOVED) {
                if (!b->pkg)
                        return V_DRIFT;
                version = dpkg_version(ig->dpkg, b->pkg);
                if (!version) {
                        snprintf(note, size, "removed with package %s", b->pkg);
                        return V_EXPLAINED;
                }
                if (b->pkg_version && strcmp(version, b->pkg_version) != 0) {
                        snprintf(note, size, "removed by package %s upgrade to version %s", b->pkg,
                                 version);
                        return V_EXPLAINED;
                }
                return V_DRIFT;
        }

        /* Packages explain new content; a chmod or a type change is never
         * an upgrade's doing. */
        if (!(changed & (ATTR_CONTENT | CHANGE_ADDED)))
                return V_DRIFT;
        if (!a || a->type != REC_FILE || dpkg_owner(ig->dpkg, a->path, &pkg, &version) < 0)
                return V_DRIFT;
        if (!version)
                return V_DRIFT;         /* owned by a package no longer installed */
        r = dpkg_md5(ig->dpkg, pkg, a->path, want);
        if (r < 0)
                return V_DRIFT;         /* the package recorded no checksum for it */
        r = md5_now(ig, a->path, have);
        if (r < 0)
                return V_DRIFT;

        if (memcmp(want, have, sizeof want) != 0) {
                /* A conffile is the administrator's to edit: a change nobody
                 * accepted yet, not by itself tampering. */
                if (dpkg_is_conffile(ig->dpkg, a->path))
                        snprintf(note, size, "configuration file of package %s %s, edited since the "
                                 "accepted baseline and not yet accepted", pkg, version);
                else
                        snprintf(note, size, "differs from package %s %s too: tampering", pkg, version);
                return V_DRIFT;
        }

        was = b && b->pkg && strcmp(b->pkg, pkg) == 0 ? b->pkg_version
                                                      : baseline_version(versions, pkg);
        if (was && strcmp(was, version) == 0) {
                snprintf(note, size, "matches package %s %s as shipped, but %s was not upgraded "
                         "since the baseline", pkg, version, pkg);
                return V_DRIFT;
        }
        if (!was && b) {
                snprintf(note, size, "matches package %s %s as shipped; the baseline does not say "
                         "which version it had", pkg, version);
                return V_DRIFT;
        }
        if (changed & ~(uint32_t) (UNPACK_CHANGES | CHANGE_ADDED)) {
                snprintf(note, size, "content from package %s upgrade to version %s, the rest not",
                         pkg, version);
                return V_DRIFT;
        }
        if (!b)
                snprintf(note, size, was ? "added by package %s upgrade to version %s"
                                         : "added by package %s, installed at version %s",
                         pkg, version);
        else
                snprintf(note, size, "changed by package %s upgrade to version %s", pkg, version);
        return V_EXPLAINED;
}

static StrMap *baseline_versions(const Baseline *b) {
        StrMap *m = strmap_new();

        if (!m)
                return NULL;
        for (size_t i = 0; i < b->records.n; i++) {
                const Record *r = &b->records.items[i];

                if (r->pkg && r->pkg_version && !strmap_get(m, r->pkg) &&
                    strmap_put(m, r->pkg, strlen(r->pkg), (void *) r->pkg_version) < 0)
                        return strmap_free(m);
        }
        return m;
}

int drift_report(Integrity *ig, Group *g, const DriftSink *sink, DriftStats *ret) {
        const RecordSet *bs = &g->baseline->records, *cs = &g->current;
        DriftStats st = { .n_paths = cs->n };
        StrMap *versions = NULL;
        size_t i = 0, j = 0, suppressed = 0, suppressed_explained = 0;
        int r = 0;

        if (dpkg_is_loaded(ig->dpkg)) {
                versions = baseline_versions(g->baseline);
                if (!versions)
                        return -ENOMEM;
        }
        while (i < bs->n || j < cs->n) {
                const Record *b = NULL, *a = NULL;
                char what[512], note[256], evidence[800];
                uint32_t changed;
                Verdict v;
                int c;

                if (i >= bs->n)
                        c = 1;
                else if (j >= cs->n)
                        c = -1;
                else
                        c = path_compare(bs->items[i].path, cs->items[j].path);
                if (c <= 0)
                        b = &bs->items[i++];
                if (c >= 0)
                        a = &cs->items[j++];

                changed = record_diff(b, a, g->spec->attrs);
                if (changed == 0)
                        continue;
                v = classify(ig, versions, b, a, changed, note, sizeof note);
                record_describe(b, a, changed, what, sizeof what);
                if (v == V_EXPLAINED) {
                        st.n_explained++;
                        if (st.n_explained > REPORT_EXPLAINED_MAX) {
                                suppressed_explained++;
                                continue;
                        }
                        snprintf(evidence, sizeof evidence, "%s: %s", what, note);
                        r = sink->item(sink->userdata, MAMORI_PASS, (a ? a : b)->path, evidence);
                } else {
                        st.n_drift++;
                        if (st.n_drift > REPORT_FAIL_MAX) {
                                suppressed++;
                                continue;
                        }
                        snprintf(evidence, sizeof evidence, "%s%s%s", what, note[0] ? ", " : "", note);
                        r = sink->item(sink->userdata, MAMORI_FAIL, (a ? a : b)->path, evidence);
                }
                if (r < 0)
                        goto finish;
        }
        if (suppressed > 0) {
                char evidence[128];

                snprintf(evidence, sizeof evidence, "%zu more paths differ from the baseline", suppressed);
                r = sink->item(sink->userdata, MAMORI_FAIL, NULL, evidence);
                if (r < 0)
                        goto finish;
        }
        if (suppressed_explained > 0) {
                char evidence[128];

                snprintf(evidence, sizeof evidence, "%zu more paths changed by package upgrades",
                         suppressed_explained);
                r = sink->item(sink->userdata, MAMORI_PASS, NULL, evidence);
                if (r < 0)
                        goto finish;
        }
        for (size_t k = 0; k < g->n_errors; k++) {
                char evidence[160];

                st.n_errors++;
                if (k >= REPORT_ERROR_MAX)
                        continue;
                snprintf(evidence, sizeof evidence, "cannot examine: %s", strerror(g->errors[k].error));
                r = sink->item(sink->userdata, MAMORI_ERROR, g->errors[k].path, evidence);
                if (r < 0)
                        goto finish;
        }
        if (g->n_errors > REPORT_ERROR_MAX) {
                char evidence[128];

                snprintf(evidence, sizeof evidence, "%zu more paths could not be examined",
                         g->n_errors - REPORT_ERROR_MAX);
                r = sink->item(sink->userdata, MAMORI_ERROR, NULL, evidence);
        }
finish:
        strmap_free(versions);
        if (ret)
                *ret = st;
        return r;
}
