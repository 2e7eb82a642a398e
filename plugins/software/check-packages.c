/* SPDX-License-Identifier: GPL-2.0-or-later */
/* software.approved-packages: the installed packages against the approved
 * set (詳細編 7.1(13)①③). The first evaluation on a new state database
 * records what is installed as approved (a fresh install has nothing else
 * to compare with) and says so in an event; from then on every package
 * installed, removed or changed in version fails the rule, with who and
 * when from dpkg's and apt's logs, until an administrator accepts the new
 * set with `mamorictl software accept`. */
#include <stdio.h>
#include <string.h>

#include "software.h"

#define APPROVED_KEY "approved"

const char *pkg_subject(const Package *p, char *buf, size_t size) {
        if (p->arch[0])
                snprintf(buf, size, "package:%s:%s", p->name, p->arch);
        else
                snprintf(buf, size, "package:%s", p->name);
        return buf;
}

int attribution_load(int root_fd, const PkgDiff *diffs, size_t n, Attribution **ret) {
        static const char *const dpkg_logs[] = { "var/log/dpkg.log.1", "var/log/dpkg.log" };
        static const char *const apt_logs[] = { "var/log/apt/history.log.1", "var/log/apt/history.log" };
        Attribution *items;

        items = calloc(n ? n : 1, sizeof(*items));
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const Package *p = diffs[i].cur ? diffs[i].cur : diffs[i].old;

                items[i].name = p->name;
                items[i].arch = p->arch;
        }
        /* The diff comes out of a merge of two sorted lists: already in
         * order; sorting again costs nothing and keeps that a local fact. */
        qsort(items, n, sizeof(*items), attribution_cmp);

        for (size_t i = 0; n > 0 && i < SW_ELEMENTSOF(dpkg_logs) + SW_ELEMENTSOF(apt_logs); i++) {
                bool dpkg = i < SW_ELEMENTSOF(dpkg_logs);
                const char *path = dpkg ? dpkg_logs[i] : apt_logs[i - SW_ELEMENTSOF(dpkg_logs)];
                _cleanup_sw_free_ char *buf = NULL;
                size_t size;

                /* Missing or unreadable logs only cost the attribution. */
                if (root_read_file(root_fd, path, SW_FILE_MAX, &buf, &size) < 0)
                        continue;
                if (dpkg)
                        pkglog_scan_dpkg(buf, size, items, n);
                else
                        pkglog_scan_history(buf, size, items, n);
        }
        *ret = items;
        return 0;
}

const char *attribution_text(const Attribution *a, char *buf, size_t size) {
        char who[80];

        buf[0] = '\0';
        if (!a)
                return buf;
        /* An apt run that ended before dpkg's latest change to the package
         * did not make that change (dpkg -i did, or apt then dpkg). */
        if (a->apt_when[0] && (!a->dpkg_when[0] || !a->apt_end[0] ||
                               strcmp(a->dpkg_when, a->apt_end) <= 0)) {
                if (a->who[0])
                        snprintf(buf, size, " by %s on %.10s",
                                 text_safe(a->who, 32, who, sizeof(who)), a->apt_when);
                else
                        snprintf(buf, size, " on %.10s", a->apt_when);
        } else if (a->dpkg_when[0])
                snprintf(buf, size, " on %.10s", a->dpkg_when);
        return buf;
}

static const char *state_note(const Package *p, char *buf, size_t size) {
        buf[0] = '\0';
        if (p && p->state != PKG_INSTALLED)
                snprintf(buf, size, "; dpkg left it %s", pkg_state_to_string(p->state));
        else if (p && p->reinstreq)
                snprintf(buf, size, "; dpkg marks it for reinstallation");
        return buf;
}

const char *pkg_diff_text(const PkgDiff *d, const Attribution *a, char *buf, size_t size) {
        char by[128], note[64];

        attribution_text(a, by, sizeof(by));
        switch (d->kind) {
        case DIFF_INSTALLED:
                snprintf(buf, size, "installed %s %s (not in the approved set)%s%s", d->cur->name,
                         d->cur->version, by, state_note(d->cur, note, sizeof(note)));
                break;
        case DIFF_REMOVED:
                snprintf(buf, size, "removed %s %s (in the approved set)%s", d->old->name,
                         d->old->version, by);
                break;
        case DIFF_CHANGED:
                snprintf(buf, size, "changed %s %s -> %s%s%s%s", d->cur->name, d->old->version,
                         d->cur->version,
                         deb_version_compare(d->cur->version, d->old->version) < 0 ? " (downgrade)" : "",
                         by, state_note(d->cur, note, sizeof(note)));
                break;
        case DIFF_UNFINISHED:
                snprintf(buf, size, "unfinished %s %s%s", d->cur->name, d->cur->version,
                         state_note(d->cur, note, sizeof(note)));
                break;
        }
        return buf;
}

static int store_approved(Software *s, const Inventory *inv) {
        _cleanup_sw_free_ char *data = NULL;
        size_t size;
        int r;

        r = approved_format(inv, &data, &size);
        if (r < 0)
                return r;
        return s->api->state_put(s->host, APPROVED_KEY, data, size);
}

/* The approved set, or -ENOENT when none was recorded yet. */
static int load_approved(Software *s, Inventory **ret) {
        const void *data;
        size_t size;
        int r;

        if (!s->api->state_get)
                return -EOPNOTSUPP;
        r = s->api->state_get(s->host, APPROVED_KEY, &data, &size);
        if (r < 0)
                return r;
        return approved_parse(data, size, ret);
}

int check_approved_packages(Eval *e, const SoftwareParams *p) {
        _cleanup_inventory_ Inventory *cur = NULL, *approved = NULL;
        _cleanup_sw_free_ Attribution *attr = NULL;
        _cleanup_sw_free_ PkgDiff *diffs = NULL;
        Software *s = e->s;
        size_t n_diffs = 0;
        int r;

        r = inventory_load(s->root_fd, true, &cur);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return eval_emit(e, MAMORI_ERROR, "/var/lib/dpkg/status",
                                 "cannot read /var/lib/dpkg/status: %s", root_error_text(r));
        if (cur->n_malformed > 0)
                (void) eval_emit(e, MAMORI_ERROR, "/var/lib/dpkg/status",
                                 "skipped %zu malformed entries in /var/lib/dpkg/status (first at line %u): "
                                 "the packages in them are not checked",
                                 cur->n_malformed, cur->first_malformed);

        r = load_approved(s, &approved);
        if (r == -ENOENT) {
                char text[160];

                r = store_approved(s, cur);
                if (r < 0)
                        return eval_emit(e, MAMORI_ERROR, NULL, "cannot record the approved package set: %s",
                                         strerror(-r));
                snprintf(text, sizeof(text),
                         "no approved package set yet: recorded the %zu installed packages as approved",
                         cur->n_packages);
                if (s->api->emit_event)
                        (void) s->api->emit_event(s->host, "software.baseline", NULL, text);
                return eval_emit(e, MAMORI_PASS, NULL, "%s", text);
        }
        if (r == -EBADMSG)
                return eval_emit(e, MAMORI_ERROR, NULL,
                                 "the stored approved package set is unreadable: an administrator "
                                 "must record it again with `mamorictl software accept`");
        if (r < 0)
                return eval_emit(e, MAMORI_ERROR, NULL, "cannot read the approved package set: %s",
                                 strerror(-r));

        r = inventory_diff(approved, cur, &diffs, &n_diffs);
        if (r < 0)
                return r;
        if (n_diffs == 0)
                return eval_emit(e, MAMORI_PASS, NULL, "the %zu installed packages match the approved set",
                                 cur->n_packages);

        r = attribution_load(s->root_fd, diffs, n_diffs, &attr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_diffs; i++) {
                const Package *pkg = diffs[i].cur ? diffs[i].cur : diffs[i].old;
                char subject[300], text[EVIDENCE_MAX];
                Attribution key = { .name = pkg->name, .arch = pkg->arch };
                const Attribution *a = bsearch(&key, attr, n_diffs, sizeof(*attr), attribution_cmp);

                r = eval_emit(e, MAMORI_FAIL, pkg_subject(pkg, subject, sizeof(subject)), "%s",
                              pkg_diff_text(&diffs[i], a, text, sizeof(text)));
                if (r < 0)
                        return r;
        }
        return 0;
}

int packages_accept(Software *s) {
        _cleanup_inventory_ Inventory *cur = NULL, *approved = NULL;
        _cleanup_sw_free_ PkgDiff *diffs = NULL;
        size_t n_diffs = 0, counts[4] = {};
        char text[256];
        int r;

        r = inventory_load(s->root_fd, true, &cur);
        if (r < 0) {
                action_printf(s, "cannot read /var/lib/dpkg/status: %s", root_error_text(r));
                return r;
        }
        r = load_approved(s, &approved);
        if (r >= 0) {
                r = inventory_diff(approved, cur, &diffs, &n_diffs);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n_diffs; i++) {
                        char line[EVIDENCE_MAX];

                        counts[diffs[i].kind]++;
                        action_printf(s, "accepted: %s", pkg_diff_text(&diffs[i], NULL, line, sizeof(line)));
                }
        }

        r = store_approved(s, cur);
        if (r < 0) {
                action_printf(s, "cannot record the approved package set: %s", strerror(-r));
                return r;
        }
        if (approved)
                snprintf(text, sizeof(text),
                         "recorded the %zu installed packages as the approved set "
                         "(%zu installed, %zu removed, %zu changed since the previous one)",
                         cur->n_packages, counts[DIFF_INSTALLED], counts[DIFF_REMOVED],
                         counts[DIFF_CHANGED]);
        else
                snprintf(text, sizeof(text), "recorded the %zu installed packages as the approved set",
                         cur->n_packages);
        action_printf(s, "%s", text);
        if (s->api->emit_event)
                (void) s->api->emit_event(s->host, "software.accepted", NULL, text);
        /* The rule's finding is stale now. */
        if (s->api->request_evaluation)
                (void) s->api->request_evaluation(s->host, "software.approved-packages");
        return 0;
}

int packages_list(Software *s) {
        _cleanup_inventory_ Inventory *cur = NULL, *approved = NULL;
        _cleanup_sw_free_ Attribution *attr = NULL;
        _cleanup_sw_free_ PkgDiff *diffs = NULL;
        size_t n_diffs = 0;
        int r;

        r = inventory_load(s->root_fd, true, &cur);
        if (r < 0) {
                action_printf(s, "cannot read /var/lib/dpkg/status: %s", root_error_text(r));
                return r;
        }
        r = load_approved(s, &approved);
        if (r == -ENOENT) {
                action_printf(s, "no approved package set yet: %zu packages installed", cur->n_packages);
                return 0;
        }
        if (r < 0) {
                action_printf(s, "cannot read the approved package set: %s", strerror(-r));
                return r;
        }
        r = inventory_diff(approved, cur, &diffs, &n_diffs);
        if (r < 0)
                return r;
        r = attribution_load(s->root_fd, diffs, n_diffs, &attr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_diffs; i++) {
                const Package *pkg = diffs[i].cur ? diffs[i].cur : diffs[i].old;
                char subject[300], line[EVIDENCE_MAX], safe[EVIDENCE_MAX];
                Attribution key = { .name = pkg->name, .arch = pkg->arch };
                const Attribution *a = bsearch(&key, attr, n_diffs, sizeof(*attr), attribution_cmp);

                pkg_diff_text(&diffs[i], a, line, sizeof(line));
                action_printf(s, "%s: %s", pkg_subject(pkg, subject, sizeof(subject)),
                              text_safe(line, sizeof(safe) - 8, safe, sizeof(safe)));
        }
        action_printf(s, "%zu difference%s from the approved set (%zu packages installed, %zu approved)",
                      n_diffs, n_diffs == 1 ? "" : "s", cur->n_packages, approved->n_packages);
        return 0;
}
