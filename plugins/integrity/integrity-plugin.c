/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The integrity plugin's glue: the exported struct, one watch group per
 * rule, the baseline in the state database, evaluation and the
 * administrator's actions.
 *
 * An evaluation is a full scan (stat everything, hash what changed) unless
 * the plugin asked for it itself: then the inotify watch has just re-examined
 * the changed paths, and comparing the group's records with the baseline is
 * enough. Without watches (mamorid --once) every evaluation scans. */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "integrity.h"

static const char *const integrity_checks[] = { IG_CHECK, NULL };

static const struct mamori_action integrity_actions[] = {
        { "accept", 1, "[PATH...]",
          "record the watched paths as they are now as the accepted baseline (all, or only PATHs)" },
        { "status", 0, "", "show what differs from the accepted baseline" },
        { NULL, 0, NULL, NULL },
};

void integrity_log(Integrity *ig, int prio, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        if (!ig->api->log)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        ig->api->log(ig->host, prio, "%s", buf);
}

int integrity_event(Integrity *ig, const char *kind, const char *subject, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        if (!ig->api->emit_event)
                return 0;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        return ig->api->emit_event(ig->host, kind, subject, buf);
}

static const char *plural(size_t n) {
        return n == 1 ? "" : "s";
}

static const char *format_date(uint64_t usec, char buf[32]) {
        time_t t = (time_t) (usec / 1000000U);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, 32, "?");
        return buf;
}

/* ---- groups ----------------------------------------------------------------- */

static void errors_free(ScanError *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(e[i].path);
        free(e);
}

static Group *group_free(Group *g) {
        if (!g)
                return NULL;
        free(g->rule_id);
        spec_free(g->spec);
        baseline_free(g->baseline);
        recordset_done(&g->current);
        errors_free(g->errors, g->n_errors);
        free(g);
        return NULL;
}

Group *integrity_group_find(Integrity *ig, const char *rule_id) {
        for (size_t i = 0; i < ig->n_groups; i++)
                if (strcmp(ig->groups[i]->rule_id, rule_id) == 0)
                        return ig->groups[i];
        return NULL;
}

static int group_get(Integrity *ig, const char *rule_id, Group **ret) {
        Group *g = integrity_group_find(ig, rule_id), **n;

        if (g) {
                *ret = g;
                return 0;
        }
        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->rule_id = strdup(rule_id);
        n = realloc(ig->groups, (ig->n_groups + 1) * sizeof *n);
        if (!g->rule_id || !n) {
                if (n)
                        ig->groups = n;
                group_free(g);
                return -ENOMEM;
        }
        ig->groups = n;
        ig->groups[ig->n_groups++] = g;
        *ret = g;
        return 0;
}

/* Takes spec. A different watch set makes the records of the old one
 * useless. */
static void group_set_spec(Group *g, Spec *spec) {
        if (g->spec && !watchset_equal(&g->spec->set, &spec->set)) {
                recordset_done(&g->current);
                g->have_current = false;
                g->quick = false;
        }
        spec_free(g->spec);
        g->spec = spec;
}

static int cmp_str(const void *a, const void *b) {
        return path_compare(*(char *const *) a, *(char *const *) b);
}

void integrity_refresh_dpkg(Integrity *ig) {
        _cleanup_ig_free_ char **prefixes = NULL;
        size_t n = 0, o = 0;

        for (size_t i = 0; i < ig->n_groups; i++)
                if (ig->groups[i]->spec)
                        n += ig->groups[i]->spec->set.n_paths;
        prefixes = calloc(n + 1, sizeof *prefixes);
        if (!prefixes)
                return;
        n = 0;
        for (size_t i = 0; i < ig->n_groups; i++)
                if (ig->groups[i]->spec)
                        for (size_t j = 0; j < ig->groups[i]->spec->set.n_paths; j++)
                                prefixes[n++] = ig->groups[i]->spec->set.paths[j];
        qsort(prefixes, n, sizeof *prefixes, cmp_str);
        for (size_t i = 0; i < n; i++)
                if (o == 0 || strcmp(prefixes[o - 1], prefixes[i]) != 0)
                        prefixes[o++] = prefixes[i];
        /* Without dpkg (or with a status file we cannot read) drift is
         * reported plainly; nothing else depends on it. */
        (void) dpkg_refresh(ig->dpkg, prefixes, o);
}

void integrity_scan_options(Integrity *ig, Group *g, bool rehash, ScanOptions *ret) {
        *ret = (ScanOptions) {
                .root_fd = ig->root_fd,
                .root = ig->root,
                .set = &g->spec->set,
                .prev = g->have_current ? &g->current : g->baseline ? &g->baseline->records : NULL,
                .rehash = rehash,
                .io_rate = g->spec->io_rate,
                .threads = ig->threads,
                .dpkg = dpkg_is_loaded(ig->dpkg) ? ig->dpkg : NULL,
        };
}

int group_merge_errors(Group *g, const char *path, bool tree, ScanResult *res) {
        size_t o = 0;
        ScanError *n;

        for (size_t i = 0; i < g->n_errors; i++) {
                bool drop = !path || (tree ? path_is_under(g->errors[i].path, path)
                                           : strcmp(g->errors[i].path, path) == 0);

                if (drop)
                        free(g->errors[i].path);
                else
                        g->errors[o++] = g->errors[i];
        }
        g->n_errors = o;
        if (res->n_errors == 0)
                return 0;
        n = realloc(g->errors, (g->n_errors + res->n_errors) * sizeof *n);
        if (!n)
                return -ENOMEM;
        memcpy(n + g->n_errors, res->errors, res->n_errors * sizeof *n);
        g->errors = n;
        g->n_errors += res->n_errors;
        free(res->errors);
        res->errors = NULL;
        res->n_errors = 0;
        return 0;
}

static int group_full_scan(Integrity *ig, Group *g, bool rehash) {
        ScanOptions o;
        ScanResult res;
        int r;

        integrity_scan_options(ig, g, rehash, &o);
        r = scan_full(&o, &res);
        if (r < 0)
                return r;
        recordset_done(&g->current);
        g->current = res.records;
        res.records = (RecordSet) {};
        g->have_current = true;
        g->quick = false;
        r = group_merge_errors(g, NULL, true, &res);
        scan_result_done(&res);
        return r;
}

static char *baseline_key(const char *rule_id) {
        char *k = NULL;

        return asprintf(&k, "baseline:%s", rule_id) < 0 ? NULL : k;
}

static int group_load_baseline(Integrity *ig, Group *g) {
        _cleanup_ig_free_ char *key = NULL;
        const void *data = NULL;
        size_t size = 0;
        int r;

        if (g->baseline_loaded)
                return 0;
        key = baseline_key(g->rule_id);
        if (!key)
                return -ENOMEM;
        r = ig->api->state_get(ig->host, key, &data, &size);
        if (r == -ENOENT) {
                g->baseline_loaded = true;
                return 0;
        }
        if (r < 0)
                return r;               /* the store failed: try again next time */
        r = baseline_parse(data, size, true, ig->pool, &g->baseline);
        if (r == -ENOMEM)
                return r;
        g->baseline_loaded = true;
        g->baseline_error = r < 0 ? r : 0;
        return 0;
}

/* A new baseline for g from recs (copied) under set. */
static int baseline_from(const WatchSet *set, const RecordSet *recs, Baseline **ret) {
        Baseline *b = calloc(1, sizeof *b);
        int r;

        if (!b)
                return -ENOMEM;
        b->recorded_usec = clock_usec(CLOCK_REALTIME);
        r = watchset_init(&b->set, (const char *const *) set->paths, set->n_paths,
                          (const char *const *) set->excludes, set->n_excludes, set->recursive);
        if (r < 0) {
                free(b);
                return r;
        }
        if (recs->n > 0) {
                b->records.items = calloc(recs->n, sizeof *b->records.items);
                if (!b->records.items) {
                        baseline_free(b);
                        return -ENOMEM;
                }
                b->records.allocated = recs->n;
        }
        for (size_t i = 0; i < recs->n; i++) {
                r = record_copy(&recs->items[i], &b->records.items[i]);
                if (r < 0) {
                        baseline_free(b);
                        return r;
                }
                b->records.n++;
        }
        *ret = b;
        return 0;
}

/* Stores b as g's baseline; on success g owns it. */
static int group_save_baseline(Integrity *ig, Group *g, Baseline *b) {
        _cleanup_ig_free_ char *key = baseline_key(g->rule_id);
        _cleanup_ig_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        if (!key)
                return -ENOMEM;
        r = baseline_serialize(b, &data, &size);
        if (r < 0)
                return r;
        r = ig->api->state_put(ig->host, key, data, size);
        if (r < 0)
                return r;
        baseline_free(g->baseline);
        g->baseline = b;
        g->baseline_loaded = true;
        g->baseline_error = 0;
        return 0;
}

/* The rule's watch list changed since the baseline was recorded: paths
 * newly covered join the baseline as they are now, paths no longer covered
 * leave it. Without this every file of a newly watched directory would be
 * reported as added. */
static int group_adopt_watchset(Integrity *ig, Group *g) {
        const WatchSet *old = &g->baseline->set, *now = &g->spec->set;
        RecordSet merged = {};
        Baseline *b = NULL;
        size_t added = 0, dropped = 0;
        int r;

        for (size_t i = 0; i < g->baseline->records.n; i++) {
                Record *rec = &g->baseline->records.items[i], c;

                if (!watchset_covers(now, rec->path)) {
                        dropped++;
                        continue;
                }
                r = record_copy(rec, &c);
                if (r < 0 || (r = recordset_push(&merged, &c)) < 0)
                        goto fail;
        }
        for (size_t i = 0; i < g->current.n; i++) {
                Record c;

                if (watchset_covers(old, g->current.items[i].path))
                        continue;
                r = record_copy(&g->current.items[i], &c);
                if (r < 0 || (r = recordset_push(&merged, &c)) < 0)
                        goto fail;
                added++;
        }
        recordset_sort(&merged);
        r = baseline_from(now, &(RecordSet) {}, &b);
        if (r < 0)
                goto fail;
        b->records = merged;
        merged = (RecordSet) {};
        b->recorded_usec = g->baseline->recorded_usec;
        r = group_save_baseline(ig, g, b);
        if (r < 0) {
                baseline_free(b);
                return r;
        }
        (void) integrity_event(ig, "integrity.baseline", g->rule_id,
                               "watch list of %s changed: %zu paths now watched joined the baseline "
                               "as they are, %zu no longer watched left it",
                               g->rule_id, added, dropped);
        return 0;
fail:
        recordset_done(&merged);
        return r;
}

int integrity_request(Integrity *ig) {
        /* Records are only as fresh as the watch that keeps them: without
         * one, or with directories it could not watch, evaluations scan. */
        bool fresh = watcher_complete(ig->watcher);

        for (size_t i = 0; i < ig->n_groups; i++)
                if (ig->groups[i]->have_current && fresh)
                        ig->groups[i]->quick = true;
        if (!ig->api->request_evaluation)
                return 0;
        return ig->api->request_evaluation(ig->host, IG_CHECK);
}

/* ---- evaluation ---------------------------------------------------------------- */

typedef struct FindingSink {
        Integrity *ig;
        const struct mamori_rule *rule;
} FindingSink;

static int finding_item(void *userdata, mamori_status status, const char *subject,
                        const char *evidence) {
        FindingSink *s = userdata;
        char safe[512];

        return s->ig->api->emit_finding(s->ig->host, s->rule, &(struct mamori_finding) {
                .status = status,
                .subject = subject ? text_safe(subject, 300, safe, sizeof safe) : NULL,
                .evidence = evidence,
        });
}

static int emit(Integrity *ig, const struct mamori_rule *r, mamori_status status,
                const char *subject, const char *fmt, ...) IG_PRINTF(5, 6);
static int emit(Integrity *ig, const struct mamori_rule *r, mamori_status status,
                const char *subject, const char *fmt, ...) {
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        return finding_item(&(FindingSink) { ig, r }, status, subject, buf);
}

static int report_errors(Integrity *ig, const struct mamori_rule *rule, Group *g) {
        for (size_t i = 0; i < g->n_errors && i < 100; i++) {
                int r = emit(ig, rule, MAMORI_ERROR, g->errors[i].path, "cannot examine: %s",
                             strerror(g->errors[i].error));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int integrity_evaluate(void *state, const struct mamori_rule *rule) {
        Integrity *ig = state;
        Spec *spec = NULL;
        Group *g;
        DriftStats st;
        char msg[256], date[32];
        size_t bad;
        bool quick;
        int r;

        if (!ig || !rule)
                return -EINVAL;
        r = spec_parse(rule, &spec, &bad, msg, sizeof msg);
        if (r < 0)
                return r;
        r = group_get(ig, rule->id, &g);
        if (r < 0) {
                spec_free(spec);
                return r;
        }
        group_set_spec(g, spec);

        r = group_load_baseline(ig, g);
        if (r < 0)
                return r;
        if (g->baseline_error < 0)
                return emit(ig, rule, MAMORI_ERROR, NULL,
                            "the stored baseline of %s cannot be read (%s): "
                            "\"mamorictl integrity accept\" records a new one",
                            rule->id, strerror(-g->baseline_error));

        integrity_refresh_dpkg(ig);
        quick = g->quick && g->have_current;
        if (!quick) {
                r = group_full_scan(ig, g, g->spec->deep);
                if (r < 0)
                        return r;
        }
        g->quick = false;

        if (!g->baseline) {
                Baseline *b;
                size_t n = g->current.n;

                /* The scan becomes the baseline; the group keeps a copy of
                 * its own only for a watch to update (a tree as big as /usr
                 * would otherwise be held twice for nothing). */
                r = baseline_from(&g->spec->set, &(RecordSet) {}, &b);
                if (r < 0)
                        return r;
                b->records = g->current;
                g->current = (RecordSet) {};
                g->have_current = false;
                r = group_save_baseline(ig, g, b);
                if (r < 0) {
                        g->current = b->records;
                        g->have_current = true;
                        b->records = (RecordSet) {};
                        baseline_free(b);
                        return r;
                }
                if (ig->watcher) {
                        Baseline *copy;

                        r = baseline_from(&g->spec->set, &b->records, &copy);
                        if (r < 0)
                                return r;
                        g->current = copy->records;
                        copy->records = (RecordSet) {};
                        baseline_free(copy);
                        g->have_current = true;
                }
                (void) integrity_event(ig, "integrity.baseline", rule->id,
                                       "no baseline yet for %s: recorded %zu path%s", rule->id, n,
                                       plural(n));
                r = emit(ig, rule, MAMORI_PASS, NULL,
                         "no baseline yet: recorded %zu path%s as the accepted baseline", n, plural(n));
                return r < 0 ? r : report_errors(ig, rule, g);
        }
        if (!watchset_equal(&g->baseline->set, &g->spec->set)) {
                r = group_adopt_watchset(ig, g);
                if (r < 0)
                        return r;
        }

        r = drift_report(ig, g, &(DriftSink) { finding_item, &(FindingSink) { ig, rule } }, &st);
        if (r < 0)
                return r;
        if (st.n_drift == 0) {
                char explained[96] = "";

                if (st.n_explained > 0)
                        snprintf(explained, sizeof explained, ", %zu change%s explained by package upgrades",
                                 st.n_explained, plural(st.n_explained));
                r = emit(ig, rule, MAMORI_PASS, NULL, "no drift in %zu path%s since the baseline of %s%s",
                         st.n_paths, plural(st.n_paths), format_date(g->baseline->recorded_usec, date),
                         explained);
        }
        return r;
}

static int integrity_validate(void *state, const struct mamori_rule *r, size_t *reterr_param,
                              char *reterr_msg, size_t msg_size) {
        Spec *spec = NULL;
        size_t dummy_param;
        char dummy_msg[1];
        int k;

        if (!reterr_param)
                reterr_param = &dummy_param;
        if (!reterr_msg || msg_size == 0) {
                reterr_msg = dummy_msg;
                msg_size = sizeof dummy_msg;
        }
        *reterr_param = (size_t) -1;
        reterr_msg[0] = '\0';
        if (!r)
                return -EINVAL;
        k = spec_parse(r, &spec, reterr_param, reterr_msg, msg_size);
        spec_free(spec);
        return k;
}

/* ---- watching ------------------------------------------------------------------- */

static int integrity_watch(void *state, const struct mamori_rule *const *rules, size_t n_rules) {
        Integrity *ig = state;
        size_t o = 0;

        if (!ig)
                return -EINVAL;
        for (size_t i = 0; i < ig->n_groups; i++)
                ig->groups[i]->in_policy = false;
        for (size_t i = 0; i < n_rules; i++) {
                Spec *spec = NULL;
                Group *g;
                char msg[256];
                size_t bad;
                int r;

                if (!rules[i] || spec_parse(rules[i], &spec, &bad, msg, sizeof msg) < 0)
                        continue;
                r = group_get(ig, rules[i]->id, &g);
                if (r < 0) {
                        spec_free(spec);
                        return r;
                }
                group_set_spec(g, spec);
                g->in_policy = true;
                /* Before the first scan, a change is told against the baseline. */
                (void) group_load_baseline(ig, g);
        }
        /* Rules that left the policy take their records with them. */
        for (size_t i = 0; i < ig->n_groups; i++) {
                if (ig->groups[i]->in_policy)
                        ig->groups[o++] = ig->groups[i];
                else
                        group_free(ig->groups[i]);
        }
        ig->n_groups = o;
        return watcher_start(ig);
}

/* ---- actions -------------------------------------------------------------------- */

static int output(Integrity *ig, const char *fmt, ...) IG_PRINTF(2, 3);
static int output(Integrity *ig, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        return ig->api->action_output ? ig->api->action_output(ig->host, buf) : 0;
}

/* Whether path concerns g: covered, or above one of its entries. */
static bool group_concerns(const Group *g, const char *path) {
        if (watchset_covers(&g->spec->set, path))
                return true;
        for (size_t i = 0; i < g->spec->set.n_paths; i++)
                if (path_is_under(g->spec->set.paths[i], path))
                        return true;
        return false;
}

static bool under_any(const char *path, char *const *paths, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (path_is_under(path, paths[i]))
                        return true;
        return false;
}

/* The new baseline for g when accepting paths (all when n is 0). */
static int accepted_baseline(Group *g, char *const *paths, size_t n, Baseline **ret) {
        RecordSet merged = {};
        Baseline *b;
        int r;

        if (n == 0 || !g->baseline)
                return baseline_from(&g->spec->set, &g->current, ret);
        for (size_t i = 0; i < g->baseline->records.n; i++) {
                Record c;

                if (under_any(g->baseline->records.items[i].path, paths, n))
                        continue;
                r = record_copy(&g->baseline->records.items[i], &c);
                if (r < 0 || (r = recordset_push(&merged, &c)) < 0)
                        goto fail;
        }
        for (size_t i = 0; i < g->current.n; i++) {
                Record c;

                if (!under_any(g->current.items[i].path, paths, n))
                        continue;
                r = record_copy(&g->current.items[i], &c);
                if (r < 0 || (r = recordset_push(&merged, &c)) < 0)
                        goto fail;
        }
        recordset_sort(&merged);
        r = baseline_from(&g->spec->set, &(RecordSet) {}, &b);
        if (r < 0)
                goto fail;
        b->records = merged;
        *ret = b;
        return 0;
fail:
        recordset_done(&merged);
        return r;
}

/* "/etc/sudoers (content, mode); /etc/x (added) and 3 more" */
static size_t describe_accepted(const Baseline *old, const Baseline *new, uint32_t attrs,
                                char *buf, size_t size) {
        const RecordSet *a = old ? &old->records : &(RecordSet) {}, *b = &new->records;
        size_t i = 0, j = 0, n = 0, shown = 0, o = 0;

        buf[0] = '\0';
        while (i < a->n || j < b->n) {
                const Record *x = NULL, *y = NULL;
                int c = i >= a->n ? 1 : j >= b->n ? -1 : path_compare(a->items[i].path, b->items[j].path);
                uint32_t changed;
                char kinds[128], safe[200];
                int k;

                if (c <= 0)
                        x = &a->items[i++];
                if (c >= 0)
                        y = &b->items[j++];
                changed = record_diff(x, y, attrs);
                if (!changed)
                        continue;
                n++;
                if (o + 64 >= size)
                        continue;
                drift_kinds(changed, kinds, sizeof kinds);
                k = snprintf(buf + o, size - o, "%s%s (%s)", shown ? "; " : "",
                             text_safe((x ? x : y)->path, 120, safe, sizeof safe), kinds);
                if (k < 0 || (size_t) k >= size - o) {
                        buf[o] = '\0';
                        continue;
                }
                o += (size_t) k;
                shown++;
        }
        if (n > shown)
                snprintf(buf + o, size - o, "%s%zu more", shown ? " and " : "", n - shown);
        return n;
}

static int action_accept(Integrity *ig, const char *const *args) {
        _cleanup_ig_free_ char **paths = NULL;
        size_t n = 0, n_groups = 0;
        int r = 0;

        while (args[n])
                n++;
        paths = calloc(n + 1, sizeof *paths);
        if (!paths)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char safe[200];
                bool any = false;

                r = path_normalize(args[i], &paths[i]);
                if (r < 0) {
                        (void) output(ig, "%s: not an absolute path", text_safe(args[i], 120, safe, sizeof safe));
                        goto finish;
                }
                for (size_t k = 0; k < ig->n_groups; k++)
                        any = any || group_concerns(ig->groups[k], paths[i]);
                if (!any) {
                        (void) output(ig, "%s: not watched by any integrity rule",
                                      text_safe(paths[i], 120, safe, sizeof safe));
                        r = -ENOENT;
                        goto finish;
                }
        }
        if (ig->n_groups == 0) {
                (void) output(ig, "no integrity rules in force");
                r = -ENOENT;
                goto finish;
        }

        integrity_refresh_dpkg(ig);
        for (size_t k = 0; k < ig->n_groups; k++) {
                Group *g = ig->groups[k];
                Baseline *b = NULL, *old;
                char what[700];
                size_t changed;
                bool concerned = n == 0;

                for (size_t i = 0; i < n; i++)
                        concerned = concerned || group_concerns(g, paths[i]);
                if (!concerned)
                        continue;
                n_groups++;
                r = group_load_baseline(ig, g);
                if (r < 0)
                        goto finish;
                if (g->baseline_error < 0 && n > 0) {
                        (void) output(ig, "%s: the stored baseline cannot be read; accept without paths "
                                      "to record a new one", g->rule_id);
                        r = -EBADMSG;
                        goto finish;
                }
                r = group_full_scan(ig, g, false);
                if (r < 0)
                        goto finish;
                r = accepted_baseline(g, paths, n, &b);
                if (r < 0)
                        goto finish;
                old = g->baseline;
                changed = describe_accepted(old, b, g->spec->attrs, what, sizeof what);
                g->baseline = NULL;
                r = group_save_baseline(ig, g, b);
                if (r < 0) {
                        g->baseline = old;
                        baseline_free(b);
                        (void) output(ig, "%s: could not store the baseline: %s", g->rule_id, strerror(-r));
                        goto finish;
                }
                if (!old)
                        (void) output(ig, "%s: recorded a new baseline of %zu path%s", g->rule_id,
                                      b->records.n, plural(b->records.n));
                else
                        (void) output(ig, "%s: accepted %zu changed path%s; the baseline now holds %zu path%s",
                                      g->rule_id, changed, plural(changed), b->records.n,
                                      plural(b->records.n));
                if (old && changed > 0)
                        (void) integrity_event(ig, "integrity.accepted", g->rule_id, "accepted for %s: %s",
                                               g->rule_id, what);
                else if (!old)
                        (void) integrity_event(ig, "integrity.accepted", g->rule_id,
                                               "recorded a new baseline for %s: %zu path%s",
                                               g->rule_id, b->records.n, plural(b->records.n));
                baseline_free(old);
        }
        (void) integrity_request(ig);
finish:
        for (size_t i = 0; i < n; i++)
                free(paths[i]);
        return r;
}

typedef struct OutputSink {
        Integrity *ig;
        const char *rule_id;
} OutputSink;

static int output_item(void *userdata, mamori_status status, const char *subject,
                       const char *evidence) {
        OutputSink *s = userdata;
        char safe[400];

        return output(s->ig, "%s: %s%s%s%s", s->rule_id,
                      status == MAMORI_PASS ? "[explained] " : status == MAMORI_ERROR ? "[error] " : "",
                      subject ? text_safe(subject, 300, safe, sizeof safe) : "", subject ? ": " : "",
                      evidence);
}

static int action_status(Integrity *ig) {
        char buf[256], date[32];
        int r;

        if (ig->n_groups == 0)
                return output(ig, "no integrity rules in force");
        if (watcher_degraded(ig->watcher, buf, sizeof buf))
                (void) output(ig, "%s", buf);
        integrity_refresh_dpkg(ig);
        for (size_t k = 0; k < ig->n_groups; k++) {
                Group *g = ig->groups[k];
                DriftStats st;

                r = group_load_baseline(ig, g);
                if (r < 0)
                        return r;
                if (g->baseline_error < 0) {
                        (void) output(ig, "%s: the stored baseline cannot be read (%s)", g->rule_id,
                                      strerror(-g->baseline_error));
                        continue;
                }
                if (!g->baseline) {
                        (void) output(ig, "%s: no baseline yet (the next evaluation records one)", g->rule_id);
                        continue;
                }
                /* The watch keeps current fresh; without one, look now. */
                if (!g->have_current || !watcher_complete(ig->watcher)) {
                        r = group_full_scan(ig, g, false);
                        if (r < 0)
                                return r;
                }
                r = drift_report(ig, g, &(DriftSink) { output_item, &(OutputSink) { ig, g->rule_id } },
                                 &st);
                if (r < 0)
                        return r;
                format_date(g->baseline->recorded_usec, date);
                if (st.n_drift == 0)
                        (void) output(ig, "%s: no drift in %zu path%s (baseline of %s)", g->rule_id,
                                      st.n_paths, plural(st.n_paths), date);
                else
                        (void) output(ig, "%s: %zu path%s differ%s from the baseline of %s", g->rule_id,
                                      st.n_drift, plural(st.n_drift), st.n_drift == 1 ? "s" : "", date);
        }
        return 0;
}

static int integrity_action(void *state, const char *name, const char *const *args) {
        Integrity *ig = state;

        if (!ig || !name || !args)
                return -EINVAL;
        if (strcmp(name, "accept") == 0)
                return action_accept(ig, args);
        if (strcmp(name, "status") == 0) {
                if (args[0]) {
                        (void) output(ig, "status takes no arguments");
                        return -EINVAL;
                }
                return action_status(ig);
        }
        return -EOPNOTSUPP;
}

/* ---- the plugin ----------------------------------------------------------------- */

static void *integrity_free(void *state) {
        Integrity *ig = state;

        if (!ig)
                return NULL;
        watcher_free(ig->watcher);
        for (size_t i = 0; i < ig->n_groups; i++)
                group_free(ig->groups[i]);
        free(ig->groups);
        dpkg_free(ig->dpkg);
        hasher_free(ig->hasher);
        strpool_free(ig->pool);
        free(ig);
        return NULL;
}

static int integrity_init(struct mamori_host *h, const struct mamori_host_api *api, void **ret_state) {
        Integrity *ig;

        if (!api || !ret_state)
                return -EINVAL;
        /* Read size first: we need everything up to state_put. */
        if (api->size < offsetof(struct mamori_host_api, state_put) + sizeof(api->state_put))
                return -EPROTO;
        if (!api->emit_finding || !api->state_get || !api->state_put || api->root_fd < 0 || !api->root)
                return -EINVAL;
        ig = calloc(1, sizeof *ig);
        if (!ig)
                return -ENOMEM;
        ig->host = h;
        ig->api = api;
        ig->root_fd = api->root_fd;
        ig->root = api->root;
        ig->pool = strpool_new();
        ig->dpkg = ig->pool ? dpkg_new(api->root_fd, ig->pool) : NULL;
        if (!ig->dpkg) {
                integrity_free(ig);
                return -ENOMEM;
        }
        *ret_state = ig;
        return 0;
}

MAMORI_PLUGIN_EXPORT const struct mamori_plugin mamori_plugin = {
        .abi = MAMORI_PLUGIN_ABI,
        .size = sizeof(struct mamori_plugin),
        .name = "integrity",
        .checks = integrity_checks,
        .init = integrity_init,
        .validate = integrity_validate,
        .evaluate = integrity_evaluate,
        .watch = integrity_watch,
        .free = integrity_free,
        .actions = integrity_actions,
        .action = integrity_action,
};
