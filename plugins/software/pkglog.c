/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who installed what, and when: dpkg's log says when each package changed,
 * apt's history says which command did it and on whose behalf (sudo's
 * caller, "Requested-By"). Neither is proof (root can edit both), but they
 * turn "package X changed" into something an administrator can ask about.
 *
 *   dpkg.log:     2026-11-20 10:01:02 install vim:amd64 <none> 2:9.0.1378-2
 *   history.log:  Start-Date: 2026-11-20  10:00:58
 *                 Commandline: apt-get install vim
 *                 Requested-By: taro (1001)
 *                 Install: vim:amd64 (2:9.0.1378-2), vim-runtime:amd64 (2:9.0.1378-2, automatic)
 *                 End-Date: 2026-11-20  10:01:05 */
#include <string.h>

#include "software.h"

int attribution_cmp(const void *a, const void *b) {
        const Attribution *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : strcmp(x->arch, y->arch);
}

/* strcmp() of name against the n bytes at s, which hold no NUL. */
static int name_cmp_slice(const char *name, const char *s, size_t n) {
        size_t l = strnlen(name, n + 1);
        int c = memcmp(name, s, l < n ? l : n);

        if (c != 0)
                return c;
        return l < n ? -1 : l > n ? 1 : 0;
}

/* Calls fn for each item that name (n bytes) and arch (m bytes, may be
 * empty) designate. */
static void items_match(Attribution *items, size_t n_items, const char *name, size_t n,
                        const char *arch, size_t m, void (*fn)(Attribution *a, void *u), void *u) {
        size_t lo = 0, hi = n_items;

        if (n == 0 || memchr(name, '\0', n) || (m > 0 && memchr(arch, '\0', m)))
                return;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (name_cmp_slice(items[mid].name, name, n) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < n_items && name_cmp_slice(items[i].name, name, n) == 0; i++) {
                Attribution *a = &items[i];

                if (m == 0 || a->arch[0] == '\0' || name_cmp_slice(a->arch, arch, m) == 0)
                        fn(a, u);
        }
}

/* "YYYY-MM-DD" then blanks then "HH:MM:SS": into out as "YYYY-MM-DD HH:MM:SS". */
static bool take_timestamp(const char *s, const char *end, char out[20], const char **ret_end) {
        static const char shape[] = "dddd-dd-dd dd:dd:dd";
        const char *p = s;
        char t[20];

        for (size_t i = 0; i < 19; i++) {
                if (shape[i] == ' ') {
                        if (p >= end || (*p != ' ' && *p != '\t'))
                                return false;
                        while (p < end && (*p == ' ' || *p == '\t'))
                                p++;
                        t[i] = ' ';
                        continue;
                }
                if (p >= end)
                        return false;
                if (shape[i] == 'd' ? (*p < '0' || *p > '9') : *p != shape[i])
                        return false;
                t[i] = *p++;
        }
        t[19] = '\0';
        memcpy(out, t, 20);
        if (ret_end)
                *ret_end = p;
        return true;
}

static void set_dpkg_when(Attribution *a, void *u) {
        const char *when = u;

        if (strcmp(when, a->dpkg_when) >= 0)
                memcpy(a->dpkg_when, when, 20);
}

void pkglog_scan_dpkg(const char *buf, size_t size, Attribution *items, size_t n) {
        static const char *const actions[] = { "install ", "upgrade ", "remove ", "purge " };
        const char *p = buf, *end = buf + size;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *e = nl ? nl : end, *q, *pkg, *pe, *colon;
                char when[20];

                if (!take_timestamp(p, e, when, &q) || q >= e || *q != ' ')
                        goto next;
                q++;
                for (size_t i = 0; i < SW_ELEMENTSOF(actions); i++) {
                        size_t l = strlen(actions[i]);

                        if ((size_t) (e - q) > l && memcmp(q, actions[i], l) == 0) {
                                pkg = q + l;
                                pe = memchr(pkg, ' ', (size_t) (e - pkg));
                                if (!pe)
                                        pe = e;
                                colon = memchr(pkg, ':', (size_t) (pe - pkg));
                                if (colon)
                                        items_match(items, n, pkg, (size_t) (colon - pkg), colon + 1,
                                                    (size_t) (pe - colon - 1), set_dpkg_when, when);
                                else
                                        items_match(items, n, pkg, (size_t) (pe - pkg), "", 0,
                                                    set_dpkg_when, when);
                                break;
                        }
                }
        next:
                p = nl ? nl + 1 : end;
        }
}

typedef struct AptRun {
        char start[20], end[20];
        char who[64];
} AptRun;

static void set_apt_run(Attribution *a, void *u) {
        const AptRun *run = u;

        if (strcmp(run->start, a->apt_when) < 0)
                return;
        memcpy(a->apt_when, run->start, 20);
        memcpy(a->apt_end, run->end, 20);
        memcpy(a->who, run->who, sizeof(a->who));
}

/* "vim:amd64 (2:9.0.1378-2), vim-runtime:amd64 (2:9.0.1378-2, automatic)" */
static void scan_package_list(Slice v, Attribution *items, size_t n, AptRun *run) {
        const char *p = v.p, *end = v.p + v.n;

        while (p < end) {
                const char *name, *ne, *colon, *close;

                while (p < end && (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t'))
                        p++;
                name = p;
                while (p < end && *p != ' ' && *p != '(' && *p != ',')
                        p++;
                ne = p;
                if (ne > name) {
                        colon = memchr(name, ':', (size_t) (ne - name));
                        if (colon)
                                items_match(items, n, name, (size_t) (colon - name), colon + 1,
                                            (size_t) (ne - colon - 1), set_apt_run, run);
                        else
                                items_match(items, n, name, (size_t) (ne - name), "", 0,
                                            set_apt_run, run);
                }
                while (p < end && *p == ' ')
                        p++;
                if (p < end && *p == '(') {
                        close = memchr(p, ')', (size_t) (end - p));
                        p = close ? close + 1 : end;
                } else if (p == ne && p < end && *p != ',')
                        p++;            /* no progress otherwise on odd bytes */
        }
}

enum {
        H_START,
        H_END,
        H_COMMANDLINE,
        H_REQUESTED_BY,
        H_INSTALL,
        H_UPGRADE,
        H_DOWNGRADE,
        H_REINSTALL,
        H_REMOVE,
        H_PURGE,
};

static const char *const history_fields[] = {
        [H_START] = "Start-Date",
        [H_END] = "End-Date",
        [H_COMMANDLINE] = "Commandline",
        [H_REQUESTED_BY] = "Requested-By",
        [H_INSTALL] = "Install",
        [H_UPGRADE] = "Upgrade",
        [H_DOWNGRADE] = "Downgrade",
        [H_REINSTALL] = "Reinstall",
        [H_REMOVE] = "Remove",
        [H_PURGE] = "Purge",
};

void pkglog_scan_history(const char *buf, size_t size, Attribution *items, size_t n) {
        StanzaReader r;
        Stanza st;

        /* apt's runs are paragraphs; a run cut short by a crash lacks its
         * End-Date but still says what it started. */
        stanza_reader_init(&r, buf, size);
        while (stanza_reader_next(&r, history_fields, SW_ELEMENTSOF(history_fields), &st) > 0) {
                Slice start = st.values[H_START], endd = st.values[H_END],
                      by = st.values[H_REQUESTED_BY];
                AptRun run = {};

                if (!start.p || !take_timestamp(start.p, start.p + start.n, run.start, NULL))
                        continue;
                if (endd.p)
                        (void) take_timestamp(endd.p, endd.p + endd.n, run.end, NULL);
                if (by.p) {
                        /* "taro (1001)": the name, as shown by apt. */
                        size_t l = 0;

                        while (l < by.n && l < sizeof(run.who) - 1 && by.p[l] != ' ' && by.p[l] != '\n')
                                run.who[l] = by.p[l], l++;
                        run.who[l] = '\0';
                } else if (st.values[H_COMMANDLINE].p)
                        /* apt records the sudo caller whenever there is one. */
                        strcpy(run.who, "root");

                for (int f = H_INSTALL; f <= H_PURGE; f++)
                        if (st.values[f].p)
                                scan_package_list(st.values[f], items, n, &run);
        }
}
