/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The credentials plugin through its exported struct, on fake machines
 * built in mkdtemp() roots: /etc/passwd, homes with real stores (Firefox's
 * logins.json written as Firefox writes it, Chromium "Login Data"
 * databases made here with SQLite and Chromium's schema, SSH keys made by
 * ssh-keygen, keyrings laid out by hand), browser policy files and dpkg's
 * status.
 *
 * Expected findings are written out by hand from the fixtures. Ownership
 * checks need root (the test chowns files); they are skipped otherwise. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../plugins/credentials/credentials.h"
#include "fake-host.h"

#define BROWSER_POLICY "credentials.browser-policy"
#define SAVED "credentials.no-saved-passwords"

typedef struct Fx {
        char root[64];
        FakeHost fh;
        FakeRule fr;
} Fx;

/* ---- building the machine ------------------------------------------------------------- */

static void path_of(Fx *f, const char *rel, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s", f->root, rel);
}

static void mk(Fx *f, const char *rel) {
        char p[4096];

        path_of(f, rel, p, sizeof(p));
        for (char *s = p + strlen(f->root) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
}

static void parent_of(Fx *f, const char *rel) {
        char dir[4096], *slash;

        snprintf(dir, sizeof(dir), "%s", rel);
        slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                mk(f, dir);
        }
}

static void put_bytes(Fx *f, const char *rel, const void *data, size_t n) {
        char p[4096];
        int fd;

        parent_of(f, rel);
        path_of(f, rel, p, sizeof(p));
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, n), (ssize_t) n);
        close(fd);
}

static void put(Fx *f, const char *rel, const char *text) {
        put_bytes(f, rel, text, strlen(text));
}

static char *get(Fx *f, const char *rel) {
        char p[4096], *buf;
        FILE *fp;
        long n;

        path_of(f, rel, p, sizeof(p));
        fp = fopen(p, "re");
        if (!fp)
                return NULL;
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        n = ftell(fp);
        rewind(fp);
        buf = calloc(1, (size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, fp), (size_t) n);
        fclose(fp);
        return buf;
}

static void chmod_at(Fx *f, const char *rel, mode_t mode) {
        char p[4096];

        path_of(f, rel, p, sizeof(p));
        assert_int_equal(chmod(p, mode), 0);
}

static void chown_at(Fx *f, const char *rel, uid_t uid) {
        char p[4096];

        path_of(f, rel, p, sizeof(p));
        assert_int_equal(lchown(p, uid, uid), 0);
}

static struct stat stat_at(Fx *f, const char *rel) {
        char p[4096];
        struct stat st;

        path_of(f, rel, p, sizeof(p));
        assert_int_equal(lstat(p, &st), 0);
        return st;
}

static bool exists_at(Fx *f, const char *rel) {
        char p[4096];
        struct stat st;

        path_of(f, rel, p, sizeof(p));
        return lstat(p, &st) == 0;
}

static void link_at(Fx *f, const char *target, const char *rel) {
        char p[4096];

        parent_of(f, rel);
        path_of(f, rel, p, sizeof(p));
        assert_int_equal(symlink(target, p), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static int setup(void **state) {
        Fx *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-credentials-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        assert_int_equal(chmod(f->root, 0755), 0);
        assert_int_equal(fake_host_init(&f->fh, f->root, &mamori_plugin), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;

        fake_host_done(&f->fh);
        nftw(f->root, rm_one, 32, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static bool is_root(void) {
        return geteuid() == 0;
}

/* ---- looking at what the plugin said ------------------------------------------------------ */

static const char *status_name(mamori_status s) {
        switch (s) {
        case MAMORI_PASS:
                return "PASS";
        case MAMORI_FAIL:
                return "FAIL";
        case MAMORI_ERROR:
                return "ERROR";
        case MAMORI_NOT_APPLICABLE:
                return "N/A";
        default:
                return "?";
        }
}

static void dump(const Fx *f) {
        for (size_t i = 0; i < f->fh.n_findings; i++)
                fprintf(stderr, "  %s [%s] %s\n", status_name(f->fh.findings[i].status),
                        f->fh.findings[i].subject ? f->fh.findings[i].subject : "", f->fh.findings[i].evidence);
        for (size_t i = 0; i < f->fh.n_events; i++)
                fprintf(stderr, "  event %s [%s] %s\n", f->fh.events[i].kind, f->fh.events[i].subject,
                        f->fh.events[i].text);
}

/* A finding with this status whose evidence contains needle. */
static void expect(const Fx *f, mamori_status s, const char *needle) {
        for (size_t i = 0; i < f->fh.n_findings; i++)
                if (f->fh.findings[i].status == s && strstr(f->fh.findings[i].evidence, needle))
                        return;
        dump(f);
        fail_msg("no %s finding with \"%s\"", status_name(s), needle);
}

/* A finding whose evidence is exactly text, with this status. */
static void expect_exact(const Fx *f, mamori_status s, const char *text) {
        for (size_t i = 0; i < f->fh.n_findings; i++)
                if (f->fh.findings[i].status == s && strcmp(f->fh.findings[i].evidence, text) == 0)
                        return;
        dump(f);
        fail_msg("no %s finding \"%s\"", status_name(s), text);
}

static void expect_counts(const Fx *f, size_t pass, size_t fail, size_t error, size_t na) {
        if (fake_host_count(&f->fh, MAMORI_PASS) != pass || fake_host_count(&f->fh, MAMORI_FAIL) != fail ||
            fake_host_count(&f->fh, MAMORI_ERROR) != error || fake_host_count(&f->fh, MAMORI_NOT_APPLICABLE) != na) {
                dump(f);
                fail_msg("expected %zu pass, %zu fail, %zu error, %zu n/a", pass, fail, error, na);
        }
}

static size_t count_events(const Fx *f, const char *needle) {
        size_t n = 0;

        for (size_t i = 0; i < f->fh.n_events; i++) {
                assert_string_equal(f->fh.events[i].kind, "credentials.enforced");
                n += strstr(f->fh.events[i].text, needle) != NULL;
        }
        return n;
}

static void evaluate(Fx *f) {
        int r = fake_host_evaluate(&f->fh, &f->fr.rule);

        if (r < 0) {
                dump(f);
                fail_msg("evaluate: %s", strerror(-r));
        }
}

static struct mamori_rule *policy_rule(Fx *f, bool enforce) {
        struct mamori_rule *r = fake_rule(&f->fr, BROWSER_POLICY);

        fake_rule_param(&f->fr, "approved", "firefox-esr", "chromium", "thunderbird", NULL);
        r->enforce = enforce;
        return r;
}

static struct mamori_rule *saved_rule(Fx *f) {
        return fake_rule(&f->fr, SAVED);
}

/* ---- fixtures: packages and policy files -------------------------------------------------- */

static void dpkg_status(Fx *f, const char *const *packages) {
        char buf[8192] = "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u3\n\n";

        /* "name version" pairs */
        for (const char *const *p = packages; *p; p += 2) {
                size_t len = strlen(buf);

                snprintf(buf + len, sizeof(buf) - len, "Package: %s\nStatus: install ok installed\nVersion: %s\n\n",
                         p[0], p[1]);
        }
        put(f, "var/lib/dpkg/status", buf);
}

static void install_firefox_esr(Fx *f) {
        static const char *const pkgs[] = { "firefox-esr", "115.5.0esr-1~deb12u1", NULL };

        mk(f, "etc");
        mk(f, "usr/lib/firefox-esr");
        dpkg_status(f, pkgs);
}

static const char good_firefox[] =
        "{\n  \"policies\": {\n    \"PasswordManagerEnabled\": false,\n    \"OfferToSaveLogins\": false\n  }\n}\n";

static struct json_object *read_json(Fx *f, const char *rel) {
        char *text = get(f, rel);
        struct json_object *o;

        assert_non_null(text);
        o = json_tokener_parse(text);
        free(text);
        assert_non_null(o);
        return o;
}

static struct json_object *member(struct json_object *o, const char *a, const char *b) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, a, &v))
                return NULL;
        if (b && !json_object_object_get_ex(v, b, &v))
                return NULL;
        return v;
}

static void assert_is_false(struct json_object *v) {
        assert_non_null(v);
        assert_true(json_object_is_type(v, json_type_boolean));
        assert_false(json_object_get_boolean(v));
}

/* ---- credentials.browser-policy ------------------------------------------------------------ */

static void test_nothing_installed(void **state) {
        Fx *f = *state;

        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 0, 0, 0, 1);
        expect(f, MAMORI_NOT_APPLICABLE, "no browser or mail client is installed");
        /* Nothing installed, nothing written. */
        assert_false(exists_at(f, "etc/firefox"));
        assert_int_equal(f->fh.n_events, 0);
}

static void test_firefox_missing_policy(void **state) {
        Fx *f = *state;

        install_firefox_esr(f);
        policy_rule(f, false);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Firefox: no enterprise policy (/etc/firefox/policies/policies.json is missing): "
                     "the password manager is not turned off");

        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(f->fh.n_events, 3);
        assert_string_equal(f->fh.events[2].text, "wrote /etc/firefox/policies/policies.json: PasswordManagerEnabled "
                                                  "and OfferToSaveLogins set to false");
        {
                char *text = get(f, "etc/firefox/policies/policies.json");

                assert_string_equal(text, good_firefox);
                free(text);
        }
}

static void test_firefox_good(void **state) {
        Fx *f = *state;

        install_firefox_esr(f);
        put(f, "etc/firefox/policies/policies.json", good_firefox);
        policy_rule(f, false);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        expect_exact(f, MAMORI_PASS,
                     "password manager off by managed policy staff cannot change: Firefox; "
                     "1 browser or mail client found, approved");
}

static void test_firefox_wrong_values(void **state) {
        Fx *f = *state;

        install_firefox_esr(f);
        put(f, "etc/firefox/policies/policies.json",
            "{\"policies\": {\"PasswordManagerEnabled\": true, \"DisableTelemetry\": true}}");
        policy_rule(f, false);
        evaluate(f);
        expect_counts(f, 0, 2, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Firefox: policies.PasswordManagerEnabled is true in /etc/firefox/policies/policies.json "
                     "(must be false)");
        expect_exact(f, MAMORI_FAIL,
                     "Firefox: policies.OfferToSaveLogins is not set in /etc/firefox/policies/policies.json "
                     "(must be false)");
}

static void test_firefox_effective_file(void **state) {
        Fx *f = *state;
        static const char wrong[] = "{\"policies\": {\"PasswordManagerEnabled\": true, \"OfferToSaveLogins\": true}}";

        install_firefox_esr(f);
        policy_rule(f, false);

        /* No /etc file: the distribution copy is in force. */
        put(f, "usr/lib/firefox-esr/distribution/policies.json", good_firefox);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);

        put(f, "usr/lib/firefox-esr/distribution/policies.json", wrong);
        evaluate(f);
        expect_counts(f, 0, 2, 0, 0);
        expect(f, MAMORI_FAIL, "policies.PasswordManagerEnabled is true in /usr/lib/firefox-esr/distribution/policies.json");

        /* An /etc file hides it: not merged. */
        put(f, "etc/firefox/policies/policies.json", good_firefox);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);

        /* Even a broken one: Firefox then applies no policy at all. */
        put(f, "usr/lib/firefox-esr/distribution/policies.json", good_firefox);
        put(f, "etc/firefox/policies/policies.json", "{\"policies\": {\"PasswordManagerEnabled\": false,}}\n");
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect(f, MAMORI_FAIL,
               "Firefox: /etc/firefox/policies/policies.json is not valid JSON (line 1, column 47: expected a quoted "
               "name");
}

static void test_firefox_enforce_merge(void **state) {
        Fx *f = *state;
        static const char before[] =
                "{\n"
                "  \"policies\": {\n"
                "    \"DisableTelemetry\": true,\n"
                "    \"Homepage\": {\"URL\": \"https://www.lib.example.jp/\", \"Locked\": true},\n"
                "    \"PasswordManagerEnabled\": true\n"
                "  }\n"
                "}\n";
        struct json_object *o;
        struct stat st;

        install_firefox_esr(f);
        put(f, "etc/firefox/policies/policies.json", before);
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(f->fh.n_events, 1);
        assert_int_equal(count_events(f, "wrote /etc/firefox/policies/policies.json: PasswordManagerEnabled and "
                                         "OfferToSaveLogins set to false, other policies kept"),
                         1);
        assert_string_equal(f->fh.events[0].subject, "/etc/firefox/policies/policies.json");

        o = read_json(f, "etc/firefox/policies/policies.json");
        assert_is_false(member(member(o, "policies", NULL), "PasswordManagerEnabled", NULL));
        assert_is_false(member(member(o, "policies", NULL), "OfferToSaveLogins", NULL));
        assert_true(json_object_get_boolean(member(o, "policies", "DisableTelemetry")));
        assert_string_equal(json_object_get_string(member(member(o, "policies", "Homepage"), "URL", NULL)),
                            "https://www.lib.example.jp/");
        assert_true(json_object_get_boolean(member(member(o, "policies", "Homepage"), "Locked", NULL)));
        json_object_put(o);

        st = stat_at(f, "etc/firefox/policies/policies.json");
        assert_int_equal(st.st_mode & 07777, 0644);
        if (is_root())
                assert_int_equal(st.st_uid, 0);
        /* No temporary file left behind. */
        {
                char p[4096];
                char **names = NULL;
                size_t n = 0;
                int dfd;

                path_of(f, "etc/firefox/policies", p, sizeof(p));
                dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                assert_true(dfd >= 0);
                assert_int_equal(cr_list_dir(dfd, 100, false, &names, &n, NULL), 0);
                close(dfd);
                assert_int_equal(n, 1);
                cr_strv_free(names, n);
        }

        /* Enforced: a second run changes nothing. */
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(f->fh.n_events, 0);
}

static void test_firefox_enforce_broken(void **state) {
        Fx *f = *state;
        static const char broken[] = "{\n  \"policies\": {\n    \"DisableTelemetry\": true,\n  }\n}\n";
        char *after;

        install_firefox_esr(f);
        put(f, "etc/firefox/policies/policies.json", broken);
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Firefox: /etc/firefox/policies/policies.json is not valid JSON (line 4, column 3: expected a "
                     "quoted name (a comma before '}'?)): Firefox applies no policy from it; not overwritten, fix it "
                     "by hand");
        assert_int_equal(f->fh.n_events, 0);
        after = get(f, "etc/firefox/policies/policies.json");
        assert_string_equal(after, broken);
        free(after);

        /* "policies" of the wrong type is refused the same way. */
        put(f, "etc/firefox/policies/policies.json", "{\"policies\": [\"PasswordManagerEnabled\"]}");
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect(f, MAMORI_FAIL, "\"policies\" is not a JSON object: Firefox applies no policy from it; not overwritten");
        after = get(f, "etc/firefox/policies/policies.json");
        assert_string_equal(after, "{\"policies\": [\"PasswordManagerEnabled\"]}");
        free(after);
}

static void test_firefox_enforce_from_distribution(void **state) {
        Fx *f = *state;
        struct json_object *o;

        install_firefox_esr(f);
        put(f, "usr/lib/firefox-esr/distribution/policies.json",
            "{\"policies\": {\"DisableAppUpdate\": true, \"PasswordManagerEnabled\": true}}");
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(count_events(f, "created /etc/firefox (root, 0755)"), 1);
        assert_int_equal(count_events(f, "created /etc/firefox/policies (root, 0755)"), 1);
        assert_int_equal(count_events(f, "wrote /etc/firefox/policies/policies.json: PasswordManagerEnabled and "
                                         "OfferToSaveLogins set to false, other policies taken over from "
                                         "/usr/lib/firefox-esr/distribution/policies.json"),
                         1);
        assert_int_equal(f->fh.n_events, 3);

        o = read_json(f, "etc/firefox/policies/policies.json");
        assert_true(json_object_get_boolean(member(o, "policies", "DisableAppUpdate")));
        assert_is_false(member(o, "policies", "PasswordManagerEnabled"));
        assert_is_false(member(o, "policies", "OfferToSaveLogins"));
        json_object_put(o);
        assert_int_equal(stat_at(f, "etc/firefox").st_mode & 07777, 0755);
        assert_int_equal(stat_at(f, "etc/firefox/policies").st_mode & 07777, 0755);
}

static void test_firefox_permissions(void **state) {
        Fx *f = *state;

        if (!is_root())
                skip();
        install_firefox_esr(f);
        put(f, "etc/firefox/policies/policies.json", good_firefox);
        policy_rule(f, false);

        chmod_at(f, "etc/firefox/policies/policies.json", 0666);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL, "Firefox: /etc/firefox/policies/policies.json is writable by everyone (mode 0666)");

        chmod_at(f, "etc/firefox/policies/policies.json", 0664);
        evaluate(f);
        expect(f, MAMORI_FAIL, "/etc/firefox/policies/policies.json is writable by its group, GID 0 (mode 0664)");

        chmod_at(f, "etc/firefox/policies/policies.json", 0600);
        evaluate(f);
        expect(f, MAMORI_FAIL, "not readable by staff accounts (mode 0600): the browser cannot read it");

        chmod_at(f, "etc/firefox/policies/policies.json", 0644);
        chown_at(f, "etc/firefox/policies/policies.json", 1000);
        chmod_at(f, "etc/firefox/policies", 0777);
        evaluate(f);
        expect_counts(f, 0, 2, 0, 0);
        expect_exact(f, MAMORI_FAIL, "Firefox: /etc/firefox/policies/policies.json is owned by UID 1000, not root");
        expect_exact(f, MAMORI_FAIL,
                     "Firefox: directory /etc/firefox/policies is writable by everyone (mode 0777): staff can change "
                     "the policy");

        /* Enforcing fixes both, and says so. */
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(count_events(f, "made /etc/firefox/policies/policies.json root's and not writable by staff "
                                         "(0644)"),
                         1);
        assert_int_equal(f->fh.n_events, 2);
        assert_int_equal(count_events(f, "made /etc/firefox/policies root's and not writable by staff (0755)"), 1);
        assert_int_equal(stat_at(f, "etc/firefox/policies/policies.json").st_uid, 0);
        assert_int_equal(stat_at(f, "etc/firefox/policies").st_mode & 07777, 0755);
}

static void test_firefox_symlink(void **state) {
        Fx *f = *state;

        install_firefox_esr(f);
        put(f, "srv/policies.json", good_firefox);
        mk(f, "etc/firefox/policies");
        link_at(f, "../../../srv/policies.json", "etc/firefox/policies/policies.json");
        policy_rule(f, false);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect(f, MAMORI_FAIL, "Firefox: /etc/firefox/policies/policies.json is a symbolic link");
}

static void install_chromium(Fx *f) {
        static const char *const pkgs[] = { "chromium", "119.0.6045.199-1~deb12u1", NULL };

        mk(f, "usr/lib/chromium");
        dpkg_status(f, pkgs);
}

static void test_chromium_enforce_new(void **state) {
        Fx *f = *state;
        struct json_object *o;

        install_chromium(f);
        policy_rule(f, false);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Chromium: no managed policy directory /etc/chromium/policies/managed: the password manager is "
                     "not turned off");

        mk(f, "etc/chromium/policies/managed");
        evaluate(f);
        expect_exact(f, MAMORI_FAIL,
                     "Chromium: PasswordManagerEnabled is not set in any file of /etc/chromium/policies/managed (must "
                     "be false): the password manager is on");

        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(count_events(f, "wrote /etc/chromium/policies/managed/mamori.json"), 1);
        o = read_json(f, "etc/chromium/policies/managed/mamori.json");
        assert_is_false(member(o, "PasswordManagerEnabled", NULL));
        json_object_put(o);
}

static void test_chromium_conflict(void **state) {
        Fx *f = *state;
        struct json_object *o;
        char *b;

        install_chromium(f);
        put(f, "etc/chromium/policies/managed/a.json",
            "{\"PasswordManagerEnabled\": true, \"HomepageLocation\": \"https://www.lib.example.jp/\"}");
        put(f, "etc/chromium/policies/managed/b.json", "{\"PasswordManagerEnabled\": false}");
        policy_rule(f, false);
        evaluate(f);
        /* b.json sorts last and wins, but the two disagree. */
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Chromium: PasswordManagerEnabled is set differently in /etc/chromium/policies/managed/a.json "
                     "and /etc/chromium/policies/managed/b.json (the later name wins)");

        /* Only a.json: it decides. */
        {
                char p[4096];

                path_of(f, "etc/chromium/policies/managed/b.json", p, sizeof(p));
                assert_int_equal(unlink(p), 0);
        }
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Chromium: PasswordManagerEnabled is true in /etc/chromium/policies/managed/a.json (must be "
                     "false)");

        put(f, "etc/chromium/policies/managed/b.json", "{\"PasswordManagerEnabled\": false}");
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(count_events(f, "wrote /etc/chromium/policies/managed/a.json: PasswordManagerEnabled set "
                                         "to false, other policies kept"),
                         1);
        o = read_json(f, "etc/chromium/policies/managed/a.json");
        assert_is_false(member(o, "PasswordManagerEnabled", NULL));
        assert_string_equal(json_object_get_string(member(o, "HomepageLocation", NULL)), "https://www.lib.example.jp/");
        json_object_put(o);
        b = get(f, "etc/chromium/policies/managed/b.json");
        assert_string_equal(b, "{\"PasswordManagerEnabled\": false}");
        free(b);
        assert_false(exists_at(f, "etc/chromium/policies/managed/mamori.json"));
}

static void test_chromium_broken(void **state) {
        Fx *f = *state;
        static const char broken[] = "{\"PasswordManagerEnabled\": true, // on\n}";
        char *after;

        install_chromium(f);
        put(f, "etc/chromium/policies/managed/00-site.json", broken);
        put(f, "etc/chromium/policies/managed/10-pw.json", "{\"PasswordManagerEnabled\": false}");
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Chromium: /etc/chromium/policies/managed/00-site.json is not valid JSON (line 1, column 34: "
                     "expected a quoted name (a comma before '}'?)): Chromium ignores it; not overwritten, fix it by "
                     "hand");
        after = get(f, "etc/chromium/policies/managed/00-site.json");
        assert_string_equal(after, broken);
        free(after);
        assert_int_equal(f->fh.n_events, 0);
}

/* Chromium reads hidden files of managed/ too. */
static void test_chromium_hidden_file(void **state) {
        Fx *f = *state;

        install_chromium(f);
        put(f, "etc/chromium/policies/managed/.override", "{\"PasswordManagerEnabled\": true}");
        put(f, "etc/chromium/policies/managed/pw.json", "{\"PasswordManagerEnabled\": false}");
        policy_rule(f, false);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "Chromium: PasswordManagerEnabled is set differently in /etc/chromium/policies/managed/.override "
                     "and /etc/chromium/policies/managed/pw.json (the later name wins)");

        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        assert_int_equal(f->fh.n_events, 1);
        assert_string_equal(f->fh.events[0].subject, "/etc/chromium/policies/managed/.override");
}

static void test_chrome_not_installed(void **state) {
        Fx *f = *state;

        /* Policy files of a browser that is not there: nothing to say. */
        put(f, "etc/opt/chrome/policies/managed/x.json", "{\"PasswordManagerEnabled\": true}");
        policy_rule(f, true);
        evaluate(f);
        expect_counts(f, 0, 0, 0, 1);
        assert_int_equal(f->fh.n_events, 0);
}

static void test_approved_software(void **state) {
        Fx *f = *state;
        static const char *const pkgs[] = {
                "firefox-esr", "115.5.0esr-1~deb12u1",
                "google-chrome-stable", "120.0.6099.109-1",
                "thunderbird", "1:115.5.0-1~deb12u1",
                NULL,
        };

        dpkg_status(f, pkgs);
        mk(f, "usr/lib/firefox-esr");
        mk(f, "opt/google/chrome");                     /* packaged: no second finding */
        mk(f, "opt/vivaldi");                           /* unpacked by hand */
        mk(f, "var/lib/flatpak/app/com.google.Chrome/current");
        mk(f, "var/lib/flatpak/app/org.gnome.Calculator");      /* not a browser */
        mk(f, "snap/chromium");
        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\ntaro:x:1000:1000::/home/taro:/bin/bash\n");
        mk(f, "home/taro/.local/share/flatpak/app/org.mozilla.firefox");
        put(f, "etc/firefox/policies/policies.json", good_firefox);
        put(f, "etc/opt/chrome/policies/managed/p.json", "{\"PasswordManagerEnabled\": false}");

        fake_rule(&f->fr, BROWSER_POLICY);
        fake_rule_param(&f->fr, "approved", "firefox-esr=115.*", "thunderbird", NULL);
        evaluate(f);
        expect_counts(f, 0, 5, 0, 0);
        expect_exact(f, MAMORI_FAIL, "google-chrome-stable 120.0.6099.109-1 (package): a browser not on the approved list");
        expect_exact(f, MAMORI_FAIL,
                     "vivaldi-stable (files in /opt/vivaldi, not from a package): a browser not on the approved list");
        expect_exact(f, MAMORI_FAIL, "com.google.Chrome (flatpak, system-wide): a browser not on the approved list");
        expect_exact(f, MAMORI_FAIL,
                     "user taro: org.mozilla.firefox (flatpak, installed by the user): a browser not on the approved "
                     "list");
        expect_exact(f, MAMORI_FAIL, "chromium (snap): a browser not on the approved list");

        /* Another version approved than the one installed. */
        fake_rule(&f->fr, BROWSER_POLICY);
        fake_rule_param(&f->fr, "approved", "firefox-esr=128.*", "thunderbird", "google-chrome-stable",
                        "vivaldi-stable", "com.google.Chrome", "org.mozilla.firefox", "chromium", NULL);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL,
                     "firefox-esr 115.5.0esr-1~deb12u1 (package): version not approved (approved: firefox-esr=128.*)");

        /* All approved. */
        fake_rule(&f->fr, BROWSER_POLICY);
        fake_rule_param(&f->fr, "approved", "firefox-esr", "thunderbird", "google-chrome-stable", "vivaldi-stable",
                        "com.google.Chrome", "org.mozilla.firefox", "chromium", NULL);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        expect_exact(f, MAMORI_PASS,
                     "password manager off by managed policy staff cannot change: Firefox, Google Chrome; "
                     "7 browsers and mail clients found, all approved");
}

static void test_validate(void **state) {
        Fx *f = *state;
        char msg[512];
        size_t param;
        struct mamori_rule *r;

        r = fake_rule(&f->fr, BROWSER_POLICY);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        assert_non_null(strstr(msg, "approved: required"));

        fake_rule_param(&f->fr, "approved", "firefox-esr", "fire fox", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(param, 0);
        assert_non_null(strstr(msg, "got \"fire fox\""));

        r = fake_rule(&f->fr, BROWSER_POLICY);
        fake_rule_param(&f->fr, "approved", "firefox-esr", NULL);
        fake_rule_param(&f->fr, "allowed", "x", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(param, 1);
        assert_non_null(strstr(msg, "unknown param \"allowed\""));

        r = fake_rule(&f->fr, BROWSER_POLICY);
        fake_rule_param(&f->fr, "approved", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), 0);

        r = fake_rule(&f->fr, SAVED);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), 0);
        r->enforce = 1;
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        assert_non_null(strstr(msg, "cannot enforce"));

        r = fake_rule(&f->fr, SAVED);
        fake_rule_param(&f->fr, "stores", "firefox", "browser-history", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        assert_non_null(strstr(msg, "unknown store \"browser-history\""));

        r = fake_rule(&f->fr, SAVED);
        fake_rule_param(&f->fr, "min-uid", "60000", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        r = fake_rule(&f->fr, SAVED);
        fake_rule_param(&f->fr, "users", "taro", "bad:name", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);

        r = fake_rule(&f->fr, "credentials.other");
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -ENOENT);
}

/* ---- credentials.no-saved-passwords: the stores --------------------------------------------- */

/* What the fixtures hold and no finding or event may contain. */
static const char *const secrets[] = {
        /* Firefox and Thunderbird: sites and encrypted fields */
        "opac.example.jp", "mail.example.jp", "ils.example.jp",
        "MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECJ1xU8iAFCjtBAhoYbK7Z9iJXw==",
        "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECG6Bh4E0a5oYBBBk6dVNdKoPrw0YaAe4tnI6",
        "MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcEC",
        /* Chromium */
        "catalog.example.jp", "chromium-user", "chromium-pass-blob",
        /* netrc, git, pgpass, docker, remmina, NetworkManager */
        "ftp.example.jp", "netrc-login", "s3cret-netrc", "ghp_tokenvalue123", "git.example.jp", "db.example.jp",
        "pg-Secret-9", "ils-staff", "dGFybzpkb2NrZXItcHc=", "registry.example.jp", "rdp.example.jp",
        "Remmina-Pw-77", "Wifi-Pass-123", "Staff-WiFi", "staff-wifi",
        /* keyring */
        "saltsalt", "xdg:schema",
};

static void expect_no_secret(const Fx *f, const char *const *extra) {
        for (size_t i = 0; i < f->fh.n_findings; i++) {
                const char *texts[] = { f->fh.findings[i].subject, f->fh.findings[i].evidence };

                for (size_t t = 0; t < 2; t++) {
                        if (!texts[t])
                                continue;
                        for (size_t s = 0; s < CR_ELEMENTSOF(secrets); s++)
                                if (strstr(texts[t], secrets[s])) {
                                        dump(f);
                                        fail_msg("\"%s\" leaked into a finding", secrets[s]);
                                }
                        for (const char *const *x = extra; x && *x; x++)
                                if (strstr(texts[t], *x)) {
                                        dump(f);
                                        fail_msg("\"%s\" leaked into a finding", *x);
                                }
                }
        }
        for (size_t i = 0; i < f->fh.n_events; i++)
                for (size_t s = 0; s < CR_ELEMENTSOF(secrets); s++)
                        if (strstr(f->fh.events[i].text, secrets[s]) || strstr(f->fh.events[i].subject, secrets[s]))
                                fail_msg("\"%s\" leaked into an event", secrets[s]);
}

static const char logins_json[] =
        "{\"nextId\":5,\"logins\":["
        "{\"id\":1,\"hostname\":\"https://opac.example.jp\",\"httpRealm\":null,"
        "\"formSubmitURL\":\"https://opac.example.jp\",\"usernameField\":\"user\",\"passwordField\":\"pass\","
        "\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECJ1xU8iAFCjtBAhoYbK7Z9iJXw==\","
        "\"encryptedPassword\":\"MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECG6Bh4E0a5oYBBBk6dVNdKoPrw0YaAe4tnI6\","
        "\"guid\":\"{6b4d6f63-1b11-4e8e-9d7b-2f5a4f6f0a01}\",\"encType\":1,\"timeCreated\":1700000000000,"
        "\"timeLastUsed\":1700000000000,\"timePasswordChanged\":1700000000000,\"timesUsed\":3},"
        "{\"id\":2,\"hostname\":\"https://mail.example.jp\",\"httpRealm\":null,\"formSubmitURL\":\"\","
        "\"usernameField\":\"\",\"passwordField\":\"\",\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECKx\","
        "\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECPp\",\"guid\":\"{b2}\",\"encType\":1,"
        "\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1},"
        "{\"id\":3,\"hostname\":\"chrome://FirefoxAccounts\",\"httpRealm\":\"Firefox Accounts credentials\","
        "\"formSubmitURL\":null,\"usernameField\":\"\",\"passwordField\":\"\","
        "\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAc\",\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAd\","
        "\"guid\":\"{fx}\",\"encType\":1,\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1},"
        "{\"id\":4,\"hostname\":\"https://ils.example.jp\",\"httpRealm\":\"staff\",\"formSubmitURL\":null,"
        "\"usernameField\":\"\",\"passwordField\":\"\",\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAe\","
        "\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAf\",\"guid\":\"{b4}\",\"encType\":1,"
        "\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1}"
        "],\"potentiallyVulnerablePasswords\":[],\"dismissedBreachAlertsByLoginGUID\":{},\"version\":3}";

/* n logins of sites, as Firefox writes them. */
static void put_logins(Fx *f, const char *rel, unsigned n) {
        char buf[8192] = "{\"nextId\":100,\"logins\":[";

        for (unsigned i = 0; i < n; i++) {
                size_t len = strlen(buf);

                snprintf(buf + len, sizeof(buf) - len,
                         "%s{\"id\":%u,\"hostname\":\"https://opac.example.jp\",\"httpRealm\":null,"
                         "\"formSubmitURL\":\"https://opac.example.jp\",\"usernameField\":\"u\",\"passwordField\":\"p\","
                         "\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAg%u\","
                         "\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAh%u\",\"guid\":\"{g%u}\","
                         "\"encType\":1,\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1}",
                         i ? "," : "", i + 1, i, i, i);
        }
        strcat(buf, "],\"potentiallyVulnerablePasswords\":[],\"dismissedBreachAlertsByLoginGUID\":{},\"version\":3}");
        put(f, rel, buf);
}

/* Chromium's schema for "Login Data" (components/password_manager,
 * login_database.cc), with saved rows and rows the user said never to
 * save for (blacklisted_by_user = 1). */
static void make_login_db(Fx *f, const char *rel, unsigned saved, unsigned never) {
        static const char schema[] =
                "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);"
                "INSERT INTO meta VALUES('version', '40'), ('last_compatible_version', '40');"
                "CREATE TABLE logins (origin_url VARCHAR NOT NULL, action_url VARCHAR, username_element VARCHAR, "
                "username_value VARCHAR, password_element VARCHAR, password_value BLOB, submit_element VARCHAR, "
                "signon_realm VARCHAR NOT NULL, date_created INTEGER NOT NULL, blacklisted_by_user INTEGER NOT NULL, "
                "scheme INTEGER NOT NULL, password_type INTEGER, times_used INTEGER, form_data BLOB, display_name "
                "VARCHAR, icon_url VARCHAR, federation_url VARCHAR, skip_zero_click INTEGER, "
                "generation_upload_status INTEGER, possible_username_pairs BLOB, id INTEGER PRIMARY KEY "
                "AUTOINCREMENT, date_last_used INTEGER NOT NULL DEFAULT 0, moving_blocked_for BLOB, "
                "date_password_modified INTEGER NOT NULL DEFAULT 0, sender_email VARCHAR, sender_name VARCHAR, "
                "date_received INTEGER, sharing_notification_displayed INTEGER NOT NULL DEFAULT 0, "
                "keychain_identifier BLOB, UNIQUE (origin_url, username_element, username_value, password_element, "
                "signon_realm));"
                "CREATE INDEX logins_signon ON logins (signon_realm);";
        char p[4096], sql[1024];
        sqlite3 *db = NULL;
        char *err = NULL;

        parent_of(f, rel);
        path_of(f, rel, p, sizeof(p));
        assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
        if (sqlite3_exec(db, schema, NULL, NULL, &err) != SQLITE_OK)
                fail_msg("schema: %s", err);
        for (unsigned i = 0; i < saved + never; i++) {
                bool is_never = i >= saved;

                snprintf(sql, sizeof(sql),
                         "INSERT INTO logins (origin_url, action_url, username_element, username_value, "
                         "password_element, password_value, submit_element, signon_realm, date_created, "
                         "blacklisted_by_user, scheme, times_used) VALUES ('https://catalog.example.jp/login%u', "
                         "'https://catalog.example.jp/auth', 'user', '%s', 'pass', %s, '', "
                         "'https://catalog.example.jp/', 13340000000000000, %d, 0, 1)",
                         i, is_never ? "" : "chromium-user", is_never ? "X''" : "CAST('v10chromium-pass-blob' AS BLOB)",
                         is_never ? 1 : 0);
                if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
                        fail_msg("insert: %s", err);
        }
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

typedef struct Bytes {
        uint8_t b[4096];
        size_t n;
} Bytes;

static void b_put(Bytes *b, const void *p, size_t n) {
        assert_true(b->n + n <= sizeof(b->b));
        memcpy(b->b + b->n, p, n);
        b->n += n;
}

static void b_u32(Bytes *b, uint32_t v) {
        uint8_t x[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };

        b_put(b, x, 4);
}

static void b_str(Bytes *b, const char *s) {
        b_u32(b, (uint32_t) strlen(s));
        b_put(b, s, strlen(s));
}

/* gnome-keyring's binary format (docs/file-format.txt) with n items. */
static void make_keyring(Bytes *b, uint32_t n) {
        static const uint8_t zero[16];

        b->n = 0;
        b_put(b, "GnomeKeyring\n\r\0\n", 16);
        b_put(b, "\0\0\0\0", 4);
        b_str(b, "login");
        b_put(b, zero, 16);
        b_u32(b, 0);
        b_u32(b, 0);
        b_u32(b, 1000);
        b_put(b, "saltsalt", 8);
        b_put(b, zero, 16);
        b_u32(b, n);
        for (uint32_t i = 0; i < n; i++) {
                b_u32(b, i + 1);
                b_u32(b, 0);
                b_u32(b, 1);
                b_str(b, "xdg:schema");
                b_u32(b, 0);
                b_u32(b, 16);
                b_put(b, zero, 16);
        }
        b_u32(b, 48);
        b_put(b, zero, 16);
        b_put(b, zero, 16);
        b_put(b, zero, 16);
}

static bool have_ssh_keygen(void) {
        return access("/usr/bin/ssh-keygen", X_OK) == 0;
}

static void keygen(Fx *f, const char *rel, const char *passphrase) {
        char p[4096];
        pid_t pid;
        int status;

        parent_of(f, rel);
        path_of(f, rel, p, sizeof(p));
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                if (null >= 0)
                        dup2(null, STDOUT_FILENO);
                execl("/usr/bin/ssh-keygen", "ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "",
                      "-f", p, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The second line of a key file: key material, which must not leak. */
static char *key_material(Fx *f, const char *rel) {
        char *text = get(f, rel), *line, *end;
        char *m;

        assert_non_null(text);
        line = strchr(text, '\n') + 1;
        end = strchr(line, '\n');
        m = strndup(line, (size_t) (end - line));
        free(text);
        return m;
}

static void put_passwd(Fx *f) {
        put(f, "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
            "svc:x:999:999::/var/lib/svc:/bin/sh\n"
            "taro:x:1000:1000:Taro:/home/taro:/bin/bash\n"
            "hanako:x:1001:1001:Hanako:/home/hanako:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        mk(f, "home/taro");
        mk(f, "home/hanako");
        mk(f, "root");
        mk(f, "var/lib/svc");
}

/* Every store of taro's, with a known number of entries. */
static void build_taro(Fx *f) {
        Bytes b;

        put_logins(f, "home/taro/.mozilla/firefox/abc123.default-release/logins.json", 0);
        put(f, "home/taro/.mozilla/firefox/abc123.default-release/logins.json", logins_json);
        put(f, "home/taro/.mozilla/firefox/profiles.ini", "[Profile0]\nName=default-release\nPath=abc123.default-release\n");
        mk(f, "home/taro/.mozilla/firefox/Crash Reports");
        mk(f, "home/taro/.mozilla/firefox/empty.default");
        put_logins(f, "home/taro/.config/mozilla/firefox/xdg456.default/logins.json", 1);
        put_logins(f, "home/taro/.thunderbird/tb789.default/logins.json", 2);
        put_logins(f, "home/taro/.thunderbird/none.default/logins.json", 0);

        make_login_db(f, "home/taro/.config/chromium/Default/Login Data", 2, 1);
        make_login_db(f, "home/taro/.config/chromium/Default/Login Data For Account", 1, 0);
        make_login_db(f, "home/taro/.config/chromium/Profile 2/Login Data", 0, 3);
        make_login_db(f, "home/taro/.config/google-chrome/Profile 1/Login Data", 1, 0);

        make_keyring(&b, 2);
        put_bytes(f, "home/taro/.local/share/keyrings/login.keyring", b.b, b.n);
        make_keyring(&b, 0);
        put_bytes(f, "home/taro/.local/share/keyrings/Default_keyring.keyring", b.b, b.n);
        put(f, "home/taro/.local/share/keyrings/default", "Default_keyring");
        {
                static const char kwl[] = "KWALLET\n\r\0\r\n\0\1\2\2(encrypted entries)";

                put_bytes(f, "home/taro/.local/share/kwalletd/kdewallet.kwl", kwl, sizeof(kwl) - 1);
        }
        put(f, "home/taro/.local/share/kwalletd/kdewallet.salt", "salt");

        put(f, "home/taro/.netrc",
            "machine ftp.example.jp login netrc-login password s3cret-netrc\n"
            "machine mail.example.jp\n  login netrc-login\n  password s3cret-netrc\n");
        put(f, "home/taro/.git-credentials", "https://netrc-login:ghp_tokenvalue123@git.example.jp\n");
        put(f, "home/taro/.local/share/remmina/group_rdp_ils_rdp.example.jp.remmina",
            "[remmina]\nname=ILS\nprotocol=RDP\nserver=rdp.example.jp\nusername=ils-staff\npassword=Remmina-Pw-77\n");
        put(f, "home/taro/.local/share/remmina/group_ssh_x.remmina",
            "[remmina]\nname=X\nprotocol=SSH\nserver=x\nusername=\npassword=\n");
        put(f, "home/taro/.pgpass",
            "# ILS\ndb.example.jp:5432:ils:ils-staff:pg-Secret-9\ndb.example.jp:5432:stats:ils-staff:pg-Secret-9\n");
        put(f, "home/taro/.docker/config.json",
            "{\n\t\"auths\": {\n\t\t\"registry.example.jp\": {\n\t\t\t\"auth\": \"dGFybzpkb2NrZXItcHc=\"\n\t\t}\n\t}\n}");
        if (have_ssh_keygen()) {
                keygen(f, "home/taro/.ssh/id_ed25519", "");
                keygen(f, "home/taro/.ssh/id_work", "correct horse battery");
        }
        put(f, "home/taro/.ssh/known_hosts", "git.example.jp ssh-ed25519 AAAA\n");
        put(f, "home/taro/.ssh/config", "Host git\n  HostName git.example.jp\n");

        put(f, "etc/NetworkManager/system-connections/staff-wifi.nmconnection",
            "[connection]\nid=Staff-WiFi\ntype=wifi\n\n[wifi]\nssid=Staff-WiFi\n\n"
            "[wifi-security]\nkey-mgmt=wpa-psk\npsk=Wifi-Pass-123\n");
        put(f, "etc/NetworkManager/system-connections/agent.nmconnection",
            "[connection]\nid=Agent\ntype=wifi\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk-flags=1\n");
        put(f, "etc/NetworkManager/system-connections/wired.nmconnection",
            "[connection]\nid=Wired\ntype=ethernet\n\n[ipv4]\nmethod=auto\n");
        chmod_at(f, "etc/NetworkManager/system-connections/staff-wifi.nmconnection", 0600);
}

static void test_saved_all_stores(void **state) {
        Fx *f = *state;
        char *material = NULL;
        const char *extra[2] = {};
        size_t n_fail = 14;

        put_passwd(f);
        build_taro(f);
        saved_rule(f);
        evaluate(f);

        expect_exact(f, MAMORI_FAIL, "user taro: Firefox profile abc123.default-release: 3 saved logins");
        expect_exact(f, MAMORI_FAIL, "user taro: Firefox profile xdg456.default: 1 saved login");
        expect_exact(f, MAMORI_FAIL, "user taro: Thunderbird profile tb789.default: 2 saved logins");
        expect_exact(f, MAMORI_FAIL, "user taro: Chromium profile Default: 2 saved passwords");
        expect_exact(f, MAMORI_FAIL, "user taro: Chromium profile Default, account storage: 1 saved password");
        expect_exact(f, MAMORI_FAIL, "user taro: Google Chrome profile Profile 1: 1 saved password");
        expect_exact(f, MAMORI_FAIL, "user taro: GNOME Keyring login: 2 saved secrets");
        expect_exact(f, MAMORI_FAIL, "user taro: KWallet: 1 wallet file");
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.netrc: 2 passwords");
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.git-credentials: 1 saved credential");
        expect_exact(f, MAMORI_FAIL, "user taro: Remmina: 1 connection profile with a saved password");
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.pgpass: 2 saved passwords");
        expect_exact(f, MAMORI_FAIL, "user taro: Docker ~/.docker/config.json: 1 saved registry login");
        expect_exact(f, MAMORI_FAIL, "NetworkManager: 1 connection file with a saved plain-text secret");
        if (have_ssh_keygen()) {
                expect_exact(f, MAMORI_FAIL, "user taro: SSH key id_ed25519: no passphrase");
                n_fail++;
                material = key_material(f, "home/taro/.ssh/id_ed25519");
                extra[0] = material;
        }
        expect_counts(f, 0, n_fail, 0, 0);
        for (size_t i = 0; i < f->fh.n_findings; i++)
                if (strncmp(f->fh.findings[i].evidence, "user taro:", 10) == 0)
                        assert_string_equal(f->fh.findings[i].subject, "user:taro");
        expect_no_secret(f, extra);
        free(material);
}

static void test_saved_pass(void **state) {
        Fx *f = *state;

        put_passwd(f);
        put_logins(f, "home/taro/.mozilla/firefox/a.default/logins.json", 0);
        make_login_db(f, "home/taro/.config/chromium/Default/Login Data", 0, 2);
        saved_rule(f);
        evaluate(f);
        expect_counts(f, 1, 0, 0, 0);
        expect_exact(f, MAMORI_PASS, "no saved passwords: 2 homes and 2 store files looked at");
}

static void test_saved_no_users(void **state) {
        Fx *f = *state;

        put(f, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        saved_rule(f);
        evaluate(f);
        expect_counts(f, 0, 0, 0, 1);

        /* No passwd at all: cannot tell. */
        {
                char p[4096];

                path_of(f, "etc/passwd", p, sizeof(p));
                assert_int_equal(unlink(p), 0);
        }
        evaluate(f);
        expect_counts(f, 0, 0, 1, 0);
        expect(f, MAMORI_ERROR, "cannot read /etc/passwd");
}

/* A running Chromium holds Login Data in exclusive locking mode; the
 * immutable open still counts what is in the file. The lock is taken in
 * another process, as the browser would. */
static void test_saved_locked_login_data(void **state) {
        Fx *f = *state;
        int ready[2], hold[2];
        char p[4096], c;
        pid_t pid;
        int status;

        put_passwd(f);
        make_login_db(f, "home/taro/.config/chromium/Default/Login Data", 2, 0);
        path_of(f, "home/taro/.config/chromium/Default/Login Data", p, sizeof(p));
        assert_int_equal(pipe(ready), 0);
        assert_int_equal(pipe(hold), 0);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                sqlite3 *db = NULL;

                close(ready[0]);
                close(hold[1]);
                if (sqlite3_open(p, &db) != SQLITE_OK ||
                    sqlite3_exec(db,
                                 "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                                 "INSERT INTO logins (origin_url, signon_realm, date_created, blacklisted_by_user, "
                                 "scheme, username_value) VALUES ('https://catalog.example.jp/x', "
                                 "'https://catalog.example.jp/', 1, 0, 0, 'uncommitted');",
                                 NULL, NULL, NULL) != SQLITE_OK)
                        _exit(1);
                if (write(ready[1], "r", 1) != 1)
                        _exit(1);
                /* Hold the lock until the parent is done. */
                (void) read(hold[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(hold[0]);
        assert_int_equal(read(ready[0], &c, 1), 1);

        /* An ordinary reader is locked out. */
        {
                sqlite3 *db = NULL;
                sqlite3_stmt *st = NULL;
                int k;

                assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
                k = sqlite3_prepare_v2(db, "SELECT count(*) FROM logins", -1, &st, NULL);
                if (k == SQLITE_OK)
                        k = sqlite3_step(st);
                assert_int_equal(k, SQLITE_BUSY);
                sqlite3_finalize(st);
                sqlite3_close(db);
        }

        saved_rule(f);
        evaluate(f);
        close(hold[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(ready[0]);

        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL, "user taro: Chromium profile Default: 2 saved passwords");
}

static void test_saved_corrupt(void **state) {
        Fx *f = *state;
        char p[4096];
        struct stat st;
        Bytes b;
        size_t n_error = 10;

        put_passwd(f);
        /* Every store of hanako's is damaged. */
        put(f, "home/hanako/.mozilla/firefox/cut.default/logins.json", "{\"nextId\":3,\"logins\":[{\"id\":1,\"hostn");
        put(f, "home/hanako/.mozilla/firefox/bad.default/logins.json", "{\"nextId\":3}");
        put(f, "home/hanako/.config/chromium/Default/Login Data", "this is not SQLite, it is a text file of sorts\n");
        make_login_db(f, "home/hanako/.config/chromium/Default/Login Data For Account", 40, 0);
        /* Truncated to its first page: the schema says more pages exist. */
        path_of(f, "home/hanako/.config/chromium/Default/Login Data For Account", p, sizeof(p));
        assert_int_equal(stat(p, &st), 0);
        assert_true(st.st_size > 4096);
        assert_int_equal(truncate(p, 4096), 0);
        make_keyring(&b, 3);
        put_bytes(f, "home/hanako/.local/share/keyrings/login.keyring", b.b, b.n - 20);
        put_bytes(f, "home/hanako/.local/share/kwalletd/kdewallet.kwl", "KWALL", 5);
        put(f, "home/hanako/.docker/config.json", "{\"auths\": {\"registry.example.jp\": {\"auth\": \"dGFybzpkb2NrZXItcHc=\"");
        put(f, "home/hanako/.netrc", "machine ftp.example.jp login netrc-login password");
        put(f, "home/hanako/.local/share/remmina/rdp.example.jp.remmina", "password=Remmina-Pw-77\n");
        put(f, "etc/NetworkManager/system-connections/Staff-WiFi.nmconnection", "[wifi-security]\npsk=Wifi-Pass-123\n");
        if (have_ssh_keygen()) {
                char *text;

                keygen(f, "home/hanako/.ssh/id_ed25519", "");
                text = get(f, "home/hanako/.ssh/id_ed25519");
                put_bytes(f, "home/hanako/.ssh/id_ed25519", text, 50);
                free(text);
                n_error++;
        }

        saved_rule(f);
        evaluate(f);
        expect(f, MAMORI_ERROR, "user hanako: Firefox profile cut.default: logins.json is corrupt or truncated (line 1, "
                                "column 31: string not closed)");
        expect(f, MAMORI_ERROR, "user hanako: Firefox profile bad.default: logins.json is corrupt or truncated (no "
                                "\"logins\" array)");
        expect(f, MAMORI_ERROR, "user hanako: Chromium profile Default: Login Data is corrupt or truncated (not a Login "
                                "Data database: file is not a database)");
        expect(f, MAMORI_ERROR, "user hanako: Chromium profile Default: Login Data For Account is corrupt or truncated");
        expect(f, MAMORI_ERROR, "user hanako: GNOME Keyring file login.keyring: cannot tell what it holds (truncated)");
        expect(f, MAMORI_ERROR, "user hanako: KWallet file kdewallet.kwl: truncated");
        expect(f, MAMORI_ERROR, "user hanako: Docker ~/.docker/config.json: cannot count what it holds (unexpected end "
                                "(truncated?))");
        expect(f, MAMORI_ERROR, "user hanako: ~/.netrc: cannot count what it holds (ends after a keyword without its "
                                "value (truncated?))");
        expect(f, MAMORI_ERROR, "user hanako: Remmina: 1 connection profile could not be read (a line is neither a "
                                "group, a key=value nor a comment)");
        expect(f, MAMORI_ERROR, "NetworkManager: 1 connection file could not be read (not a NetworkManager "
                                "connection: no [connection] group)");
        if (have_ssh_keygen())
                expect(f, MAMORI_ERROR, "user hanako: SSH key id_ed25519: cannot tell whether it has a passphrase "
                                        "(truncated OpenSSH private key)");
        /* Nothing passes on what could not be read. */
        expect_counts(f, 0, 0, n_error, 0);
        expect_no_secret(f, NULL);
}

/* Links in a home are followed only to the account's own files. */
static void test_saved_symlinks(void **state) {
        Fx *f = *state;

        if (!is_root())
                skip();
        put_passwd(f);
        chown_at(f, "home/taro", 1000);
        put(f, "etc/shadow-like", "machine a password b\nmachine c password d\n");
        chmod_at(f, "etc/shadow-like", 0600);
        link_at(f, "../../etc/shadow-like", "home/taro/.netrc");
        put(f, "home/taro/dotfiles/pgpass", "db.example.jp:5432:ils:ils-staff:pg-Secret-9\n");
        chown_at(f, "home/taro/dotfiles/pgpass", 1000);
        link_at(f, "dotfiles/pgpass", "home/taro/.pgpass");
        mk(f, "home/hanako/.mozilla");
        put_logins(f, "home/hanako/.mozilla/firefox/h.default/logins.json", 1);
        /* taro's link to hanako's profiles is not taro's. */
        mk(f, "home/taro/.mozilla");
        link_at(f, "../../hanako/.mozilla/firefox", "home/taro/.mozilla/firefox");

        saved_rule(f);
        evaluate(f);
        expect_exact(f, MAMORI_ERROR,
                     "user taro: ~/.netrc cannot be read: a symbolic link to something that is not the account's");
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.pgpass: 1 saved password");
        expect_exact(f, MAMORI_ERROR,
                     "user taro: Firefox profiles (~/.mozilla/firefox) cannot be read: a symbolic link to something "
                     "that is not the account's");
        expect_exact(f, MAMORI_FAIL, "user hanako: Firefox profile h.default: 1 saved login");
        expect_counts(f, 0, 2, 2, 0);
}

static void test_saved_params(void **state) {
        Fx *f = *state;
        struct mamori_rule *r;

        put_passwd(f);
        build_taro(f);
        put(f, "var/lib/svc/.netrc", "machine h login l password p\n");

        /* Only some stores. */
        r = saved_rule(f);
        fake_rule_param(&f->fr, "stores", "netrc", "pgpass", NULL);
        (void) r;
        evaluate(f);
        expect_counts(f, 0, 2, 0, 0);
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.netrc: 2 passwords");
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.pgpass: 2 saved passwords");

        /* An account below UID 1000, named. */
        saved_rule(f);
        fake_rule_param(&f->fr, "stores", "netrc", NULL);
        fake_rule_param(&f->fr, "users", "svc", NULL);
        evaluate(f);
        expect_counts(f, 0, 2, 0, 0);
        expect_exact(f, MAMORI_FAIL, "user svc: ~/.netrc: 1 password");

        /* min-uid lowered instead. */
        saved_rule(f);
        fake_rule_param(&f->fr, "stores", "netrc", NULL);
        fake_rule_param(&f->fr, "min-uid", "999", NULL);
        evaluate(f);
        expect_counts(f, 0, 2, 0, 0);
}

static void test_saved_shared_home(void **state) {
        Fx *f = *state;

        put(f, "etc/passwd",
            "taro:x:1000:1000::/home/taro:/bin/bash\n"
            "taro2:x:1002:1002::/home/taro/:/bin/bash\n");
        put(f, "home/taro/.netrc", "machine h login l password p\n");
        saved_rule(f);
        evaluate(f);
        expect_counts(f, 0, 1, 0, 0);
        expect_exact(f, MAMORI_FAIL, "user taro: ~/.netrc: 1 password");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_nothing_installed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_missing_policy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_good, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_wrong_values, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_effective_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_enforce_merge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_enforce_broken, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_enforce_from_distribution, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_permissions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firefox_symlink, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chromium_enforce_new, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chromium_conflict, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chromium_broken, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chromium_hidden_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chrome_not_installed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_approved_software, setup, teardown),
                cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_all_stores, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_pass, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_no_users, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_locked_login_data, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_corrupt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_symlinks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_params, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saved_shared_home, setup, teardown),
        };

        umask(022);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
