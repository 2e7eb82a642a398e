/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The software plugin driven through its exported struct by the fake host,
 * each test on a fake Debian 12 root built in a mkdtemp() folder. Expected
 * statuses, subjects and evidence are written out by hand from the
 * fixtures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../plugins/software/software.h"
#include "fake-host.h"

extern const struct mamori_plugin mamori_plugin;

typedef struct Fixture {
        char root[64];
        FakeHost fh;
} Fixture;

static void write_file_mode(Fixture *f, const char *rel, const void *data, size_t size, mode_t mode) {
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", f->root, rel);
        for (char *p = path + strlen(f->root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                (void) mkdir(path, 0755);
                *p = '/';
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, size), (ssize_t) size);
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static void write_file(Fixture *f, const char *rel, const char *text) {
        write_file_mode(f, rel, text, strlen(text), 0644);
}

static void make_dir(Fixture *f, const char *rel) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s/x", f->root, rel);
        for (char *p = path + strlen(f->root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                (void) mkdir(path, 0755);
                *p = '/';
        }
}

static void make_symlink(Fixture *f, const char *rel, const char *target) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", f->root, rel);
        (void) unlink(path);
        assert_int_equal(symlink(target, path), 0);
}

static void set_age(Fixture *f, const char *rel, time_t age) {
        char path[512];
        struct timespec ts[2];

        snprintf(path, sizeof(path), "%s/%s", f->root, rel);
        ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
        ts[0].tv_nsec = ts[1].tv_nsec = 0;
        assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-software-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        fake_host_done(&f->fh);
        nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static void host_start(Fixture *f) {
        assert_int_equal(fake_host_init(&f->fh, f->root, &mamori_plugin), 0);
}

static const FakeFinding *find_subject(const FakeHost *fh, const char *subject) {
        for (size_t i = 0; i < fh->n_findings; i++)
                if (fh->findings[i].subject && strcmp(fh->findings[i].subject, subject) == 0)
                        return &fh->findings[i];
        return NULL;
}

static const FakeEvent *find_event(const FakeHost *fh, const char *kind) {
        for (size_t i = 0; i < fh->n_events; i++)
                if (strcmp(fh->events[i].kind, kind) == 0)
                        return &fh->events[i];
        return NULL;
}

/* TEST_VERBOSE=1 shows every finding. */
static void dump(const FakeHost *fh) {
        if (!getenv("TEST_VERBOSE"))
                return;
        for (size_t i = 0; i < fh->n_findings; i++)
                print_message("  finding %d %s: %s\n", fh->findings[i].status,
                              fh->findings[i].subject ? fh->findings[i].subject : "-", fh->findings[i].evidence);
}

#define STANZA(name, arch, version) \
        "Package: " name "\nStatus: install ok installed\nArchitecture: " arch "\nVersion: " version \
        "\nDescription: " name "\n some text\n\n"

/* ---- software.approved-packages ------------------------------------------------- */

static const char status_v1[] =
        STANZA("bash", "amd64", "5.2.15-2+b2")
        STANZA("libc6", "amd64", "2.36-9+deb12u3")
        STANZA("nano", "amd64", "7.2-1")
        STANZA("openssl", "amd64", "3.0.11-1~deb12u1");

static const char status_v2[] =
        STANZA("bash", "amd64", "5.2.15-2+b2")
        STANZA("libc6", "amd64", "2.36-9+deb12u3")
        "Package: nano\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 7.2-1\n\n"
        STANZA("openssl", "amd64", "3.0.13-1~deb12u1")
        STANZA("vim", "amd64", "2:9.0.1378-2");

static void test_approved_first_run_and_changes(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.approved-packages");
        const FakeFinding *x;
        const FakeEvent *ev;

        write_file(f, "var/lib/dpkg/status", status_v1);
        host_start(f);

        /* First run: nothing approved yet, so what is there becomes it. */
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_PASS);
        assert_string_equal(f->fh.findings[0].evidence,
                            "no approved package set yet: recorded the 4 installed packages as approved");
        ev = find_event(&f->fh, "software.baseline");
        assert_non_null(ev);
        assert_string_equal(ev->text, "no approved package set yet: recorded the 4 installed packages as approved");
        assert_int_equal(f->fh.n_kv, 1);
        assert_string_equal(f->fh.kv[0].key, "approved");
        assert_int_equal(f->fh.kv[0].size, strlen("# mamori software approved-set 1\n"
                                                  "bash amd64 5.2.15-2+b2\nlibc6 amd64 2.36-9+deb12u3\n"
                                                  "nano amd64 7.2-1\nopenssl amd64 3.0.11-1~deb12u1\n"));
        assert_memory_equal(f->fh.kv[0].data, "# mamori software approved-set 1\nbash amd64 5.2.15-2+b2\n",
                            strlen("# mamori software approved-set 1\nbash amd64 5.2.15-2+b2\n"));

        /* Second run: the same. */
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 1);
        assert_string_equal(f->fh.findings[0].evidence, "the 4 installed packages match the approved set");
        assert_int_equal(f->fh.n_events, 0);

        /* Installed, upgraded and removed, with the logs saying who. */
        write_file(f, "var/lib/dpkg/status", status_v2);
        write_file(f, "var/log/dpkg.log",
                   "2026-11-20 10:01:02 install vim:amd64 <none> 2:9.0.1378-2\n"
                   "2026-11-21 09:00:00 upgrade openssl:amd64 3.0.11-1~deb12u1 3.0.13-1~deb12u1\n");
        write_file(f, "var/log/dpkg.log.1", "2026-11-02 12:00:00 remove nano:amd64 7.2-1 <none>\n");
        write_file(f, "var/log/apt/history.log",
                   "Start-Date: 2026-11-20  10:00:58\n"
                   "Commandline: apt-get install vim\n"
                   "Requested-By: taro (1001)\n"
                   "Install: vim:amd64 (2:9.0.1378-2)\n"
                   "End-Date: 2026-11-20  10:01:05\n"
                   "\n"
                   "Start-Date: 2026-11-21  08:59:00\n"
                   "Commandline: apt-get upgrade\n"
                   "Upgrade: openssl:amd64 (3.0.11-1~deb12u1, 3.0.13-1~deb12u1)\n"
                   "End-Date: 2026-11-21  09:00:30\n");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 3);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 3);
        x = find_subject(&f->fh, "package:vim:amd64");
        assert_non_null(x);
        assert_string_equal(x->evidence, "installed vim 2:9.0.1378-2 (not in the approved set) by taro on 2026-11-20");
        x = find_subject(&f->fh, "package:openssl:amd64");
        assert_non_null(x);
        assert_string_equal(x->evidence, "changed openssl 3.0.11-1~deb12u1 -> 3.0.13-1~deb12u1 by root on 2026-11-21");
        x = find_subject(&f->fh, "package:nano:amd64");
        assert_non_null(x);
        assert_string_equal(x->evidence, "removed nano 7.2-1 (in the approved set) on 2026-11-02");

        /* list: open to anyone, prints the differences. */
        assert_int_equal(fake_host_action(&f->fh, "list", NULL), 0);
        assert_int_equal(f->fh.n_output, 4);
        assert_string_equal(f->fh.output[0], "package:nano:amd64: removed nano 7.2-1 (in the approved set) on 2026-11-02");
        assert_string_equal(f->fh.output[3], "3 differences from the approved set (4 packages installed, 4 approved)");

        /* accept: the new set is approved; the rule passes again. */
        assert_int_equal(fake_host_action(&f->fh, "accept", NULL), 0);
        assert_int_equal(f->fh.n_output, 4);
        assert_string_equal(f->fh.output[3], "recorded the 4 installed packages as the approved set "
                                             "(1 installed, 1 removed, 1 changed since the previous one)");
        ev = find_event(&f->fh, "software.accepted");
        assert_non_null(ev);
        assert_string_equal(ev->text, f->fh.output[3]);
        assert_true(f->fh.evaluations_requested > 0);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_PASS), 1);
        assert_string_equal(f->fh.findings[0].evidence, "the 4 installed packages match the approved set");

        /* Actions take no arguments. */
        assert_int_equal(fake_host_action(&f->fh, "accept", (const char *const[]) { "vim", NULL }), -EINVAL);
        assert_int_equal(fake_host_action(&f->fh, "frobnicate", NULL), -EOPNOTSUPP);
}

static void test_approved_apps(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.approved-packages");
        const FakeFinding *x;

        write_file(f, "var/lib/dpkg/status", STANZA("bash", "amd64", "5.2.15-2+b2"));
        make_dir(f, "var/lib/flatpak/app/org.gnome.Maps/x86_64/stable");
        make_symlink(f, "var/lib/flatpak/app/org.gnome.Maps/x86_64/stable/active",
                     "5f1e4a0c2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f");
        make_dir(f, "home/taro/.local/share/flatpak/app/com.example.Tool/x86_64/beta");
        make_symlink(f, "home/taro/.local/share/flatpak/app/com.example.Tool/x86_64/beta/active", "0123456789abcdef");
        make_dir(f, "snap/firefox");
        make_symlink(f, "snap/firefox/current", "4173");
        make_dir(f, "snap/bin");                /* no "current": not a snap */
        host_start(f);

        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_string_equal(f->fh.findings[0].evidence,
                            "no approved package set yet: recorded the 4 installed packages as approved");
        assert_non_null(strstr(f->fh.kv[0].data, "flatpak:org.gnome.Maps x86_64 stable@5f1e4a0c2b9d\n"));
        assert_non_null(strstr(f->fh.kv[0].data, "flatpak:taro/com.example.Tool x86_64 beta@0123456789ab\n"));
        assert_non_null(strstr(f->fh.kv[0].data, "snap:firefox - 4173\n"));

        /* A snap refresh and a new user flatpak. */
        make_symlink(f, "snap/firefox/current", "4200");
        make_dir(f, "home/taro/.local/share/flatpak/app/org.example.Game/x86_64/stable");
        make_symlink(f, "home/taro/.local/share/flatpak/app/org.example.Game/x86_64/stable/active", "feedface0000");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 2);
        x = find_subject(&f->fh, "package:snap:firefox");
        assert_non_null(x);
        assert_string_equal(x->evidence, "changed snap:firefox 4173 -> 4200");
        x = find_subject(&f->fh, "package:flatpak:taro/org.example.Game:x86_64");
        assert_non_null(x);
        assert_string_equal(x->evidence,
                            "installed flatpak:taro/org.example.Game stable@feedface0000 (not in the approved set)");
}

static void test_approved_errors(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.approved-packages");

        host_start(f);
        /* No status file. */
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_ERROR);
        assert_string_equal(f->fh.findings[0].evidence,
                            "cannot read /var/lib/dpkg/status: No such file or directory");
        assert_int_equal(f->fh.n_kv, 0);

        /* A malformed stanza is reported, the rest still checked. */
        write_file(f, "var/lib/dpkg/status",
                   STANZA("bash", "amd64", "5.2.15-2+b2") "Package: x\nStatus: install ok\n\n");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_ERROR), 1);
        assert_non_null(fake_host_find(&f->fh, "skipped 1 malformed entries in /var/lib/dpkg/status (first at line 8)"));
        assert_int_equal(fake_host_count(&f->fh, MAMORI_PASS), 1);

        /* A stored set that is not ours. */
        fake_host_clear(&f->fh);
        f->fh.api.state_put((struct mamori_host *) (void *) &f->fh, "approved", "garbage", 7);
        write_file(f, "var/lib/dpkg/status", STANZA("bash", "amd64", "5.2.15-2+b2"));
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_ERROR);
        assert_non_null(strstr(f->fh.findings[0].evidence, "mamorictl software accept"));

        /* The approved-packages check takes no params. */
        fake_rule_param(&fr, "paths", "/home", NULL);
        assert_int_equal(fake_host_evaluate(&f->fh, r), -EINVAL);
}

/* The watch: dpkg renames status-new over status; the plugin asks for an
 * evaluation and says so in an event, once the writes settle. */
static void test_approved_watch(void **state) {
        Fixture *f = *state;
        FakeRule fr, other;
        const struct mamori_rule *rules[2];
        char from[512], to[512];
        uint64_t start;

        write_file(f, "var/lib/dpkg/status", status_v1);
        host_start(f);
        rules[0] = fake_rule(&other, "software.antivirus");
        rules[1] = fake_rule(&fr, "software.approved-packages");

        /* No rule of the check: no watch. */
        assert_int_equal(mamori_plugin.watch(f->fh.state, rules, 1), 0);
        assert_int_equal(mamori_plugin.watch(f->fh.state, rules, 2), 0);
        /* Called again after a reload: the old sources go first. */
        assert_int_equal(mamori_plugin.watch(f->fh.state, rules, 2), 0);

        write_file(f, "var/lib/dpkg/unrelated", "x");
        write_file(f, "var/lib/dpkg/status-new", status_v2);
        snprintf(from, sizeof(from), "%s/var/lib/dpkg/status-new", f->root);
        snprintf(to, sizeof(to), "%s/var/lib/dpkg/status", f->root);
        assert_int_equal(rename(from, to), 0);

        sd_event_now(f->fh.loop, CLOCK_MONOTONIC, &start);
        while (f->fh.evaluations_requested == 0) {
                uint64_t now;

                assert_true(sd_event_run(f->fh.loop, 500000) >= 0);
                sd_event_now(f->fh.loop, CLOCK_MONOTONIC, &now);
                assert_true(now - start < 5 * UINT64_C(1000000));
        }
        assert_int_equal(f->fh.evaluations_requested, 1);
        assert_non_null(find_event(&f->fh, "software.changed"));
        assert_string_equal(find_event(&f->fh, "software.changed")->subject, "/var/lib/dpkg/status");
}

/* ---- software.no-user-executables ------------------------------------------------- */

/* The first bytes of ELF files: class 64, little endian, e_type at 16. */
static void elf(unsigned char *h, unsigned type, bool appimage) {
        memset(h, 0, 64);
        memcpy(h, "\x7f" "ELF", 4);
        h[4] = 2;
        h[5] = 1;
        h[6] = 1;
        if (appimage) {
                h[8] = 'A';
                h[9] = 'I';
                h[10] = 2;
        }
        h[16] = (unsigned char) type;
}

static void executables_fixture(Fixture *f) {
        unsigned char h[64];
        char passwd[128];

        /* Whoever runs the test owns the files: call that account taro. */
        snprintf(passwd, sizeof(passwd), "taro:x:%u:%u:Taro:/home/taro:/bin/bash\n", (unsigned) getuid(),
                 (unsigned) getgid());
        write_file(f, "etc/passwd", passwd);

        elf(h, 2, false);
        write_file_mode(f, "home/taro/a.out", h, 64, 0755);
        elf(h, 3, false);
        write_file_mode(f, "home/taro/Downloads/libx.so", h, 40, 0644);
        elf(h, 4, false);
        write_file_mode(f, "home/taro/core", h, 64, 0600);             /* a core dump */
        elf(h, 1, false);
        write_file_mode(f, "home/taro/build/main.o", h, 64, 0644);     /* an object file */
        write_file_mode(f, "home/taro/Foo.AppImage", "not yet downloaded", 18, 0644);
        write_file_mode(f, "home/taro/notes.txt", "#!/bin/sh\n", 10, 0644);
        write_file_mode(f, "home/taro/empty", "", 0, 0755);
        write_file_mode(f, "home/taro/allowed/tool", h, 64, 0755);
        elf(h, 2, false);
        write_file_mode(f, "home/taro/allowed/tool", h, 64, 0755);
        write_file_mode(f, "tmp/run.sh", "#!/bin/sh\necho hi\n", 18, 0755);
        write_file_mode(f, "tmp/\nodd\x01name", "#! /usr/bin/python3 -u\n", 23, 0700);
        elf(h, 2, true);
        write_file_mode(f, "var/tmp/Game.AppImage", h, 64, 0644);
        /* Symlinks are not followed, to files or directories. */
        make_symlink(f, "home/taro/link-to-run", "../../tmp/run.sh");
        make_symlink(f, "home/taro/linkdir", "/usr/bin");
}

static void test_executables(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.no-user-executables");
        const FakeFinding *x;
        char expected[256];
        unsigned uid = (unsigned) getuid();

        executables_fixture(f);
        fake_rule_param(&fr, "allowed", "/home/*/allowed/*", NULL);
        host_start(f);

        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 6);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 6);

        x = find_subject(&f->fh, "/home/taro/a.out");
        assert_non_null(x);
        snprintf(expected, sizeof(expected), "/home/taro/a.out, owner taro (%u), size 64 bytes, ELF executable", uid);
        assert_string_equal(x->evidence, expected);

        x = find_subject(&f->fh, "/home/taro/Downloads/libx.so");
        assert_non_null(x);
        snprintf(expected, sizeof(expected),
                 "/home/taro/Downloads/libx.so, owner taro (%u), size 40 bytes, ELF shared object (not marked executable)",
                 uid);
        assert_string_equal(x->evidence, expected);

        x = find_subject(&f->fh, "/home/taro/Foo.AppImage");
        assert_non_null(x);
        snprintf(expected, sizeof(expected),
                 "/home/taro/Foo.AppImage, owner taro (%u), size 18 bytes, AppImage (by its name) (not marked executable)",
                 uid);
        assert_string_equal(x->evidence, expected);

        x = find_subject(&f->fh, "/tmp/run.sh");
        assert_non_null(x);
        snprintf(expected, sizeof(expected), "/tmp/run.sh, owner taro (%u), size 18 bytes, script (#!/bin/sh)", uid);
        assert_string_equal(x->evidence, expected);

        /* Control characters in a name never reach the evidence. */
        x = find_subject(&f->fh, "/tmp/?odd?name");
        assert_non_null(x);
        snprintf(expected, sizeof(expected),
                 "/tmp/?odd?name, owner taro (%u), size 23 bytes, script (#!/usr/bin/python3)", uid);
        assert_string_equal(x->evidence, expected);

        x = find_subject(&f->fh, "/var/tmp/Game.AppImage");
        assert_non_null(x);
        snprintf(expected, sizeof(expected),
                 "/var/tmp/Game.AppImage, owner taro (%u), size 64 bytes, AppImage (not marked executable)", uid);
        assert_string_equal(x->evidence, expected);

        /* Not flagged: core dump, object file, text, empty file, allowed
         * tree, symlinks. */
        assert_null(find_subject(&f->fh, "/home/taro/core"));
        assert_null(find_subject(&f->fh, "/home/taro/build/main.o"));
        assert_null(find_subject(&f->fh, "/home/taro/allowed/tool"));
        assert_null(find_subject(&f->fh, "/home/taro/link-to-run"));
        assert_null(fake_host_find(&f->fh, "/home/taro/linkdir"));
}

static void test_executables_pass_and_limits(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r;
        unsigned char h[64];

        write_file(f, "home/taro/notes.txt", "hello\n");
        write_file(f, "tmp/a/b/c/d/deep.txt", "hello\n");
        host_start(f);

        r = fake_rule(&fr, "software.no-user-executables");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_PASS);
        /* taro, notes.txt, a, b, c, d, deep.txt; var/tmp and dev/shm
         * are absent from this root. */
        assert_string_equal(f->fh.findings[0].evidence,
                            "no executables in /home, /tmp (7 files and directories checked); "
                            "absent: /var/tmp, /dev/shm");

        r = fake_rule(&fr, "software.no-user-executables");
        fake_rule_param(&fr, "paths", "/tmp", NULL);
        fake_rule_param(&fr, "max-depth", "2", NULL);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_ERROR), 1);
        assert_non_null(fake_host_find(&f->fh, "1 entries under /tmp are deeper than 2 levels (max-depth) and were not checked"));

        r = fake_rule(&fr, "software.no-user-executables");
        fake_rule_param(&fr, "paths", "/tmp", NULL);
        fake_rule_param(&fr, "max-files", "2", NULL);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_non_null(fake_host_find(&f->fh, "scan of /tmp stopped after 2 files and directories (max-files)"));

        /* A start path that is a symlink is not followed. */
        make_symlink(f, "srv", "/usr/bin");
        elf(h, 2, false);
        write_file_mode(f, "opt/x/tool", h, 64, 0755);
        r = fake_rule(&fr, "software.no-user-executables");
        fake_rule_param(&fr, "paths", "/srv", "/opt", NULL);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_non_null(fake_host_find(&f->fh, "cannot scan /srv: not a directory (a symlink is not followed)"));
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 1);
        /* Owner unknown without /etc/passwd. */
        assert_non_null(fake_host_find(&f->fh, "/opt/x/tool, owner unknown ("));
}

/* Past 200 failures only a count. */
static void test_executables_cap(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.no-user-executables");

        for (unsigned i = 0; i < 205; i++) {
                char name[64];

                snprintf(name, sizeof(name), "tmp/s%03u.sh", i);
                write_file_mode(f, name, "#!/bin/sh\n", 10, 0755);
        }
        fake_rule_param(&fr, "paths", "/tmp", NULL);
        host_start(f);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 201);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 201);
        assert_string_equal(f->fh.findings[200].evidence, "5 more findings like the above were not listed");
}

static void test_validate(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r;
        char msg[256];
        size_t param;

        host_start(f);
#define REFUSED(check, key, ...)                                                                   \
        do {                                                                                       \
                r = fake_rule(&fr, check);                                                         \
                fake_rule_param(&fr, key, __VA_ARGS__, NULL);                                      \
                msg[0] = '\0';                                                                     \
                assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL); \
                assert_int_equal(param, 0);                                                        \
                assert_non_null(strstr(msg, key));                                                 \
        } while (0)
        REFUSED("software.no-user-executables", "paths", "home");
        REFUSED("software.no-user-executables", "paths", "/home/../etc");
        REFUSED("software.no-user-executables", "allowed", "relative/*");
        REFUSED("software.no-user-executables", "max-depth", "0");
        REFUSED("software.no-user-executables", "max-depth", "129");
        REFUSED("software.no-user-executables", "max-files", "lots");
        REFUSED("software.no-user-executables", "colour", "blue");
        REFUSED("software.antivirus", "max-age", "2 days");
        REFUSED("software.antivirus", "max-age", "0d");
        REFUSED("software.security-updates", "max-list-age", "1y");
        REFUSED("software.install-restricted", "admins", "bad name");
        REFUSED("software.install-restricted", "groups", "a:b");

        r = fake_rule(&fr, "software.no-user-executables");
        fake_rule_param(&fr, "paths", "/home", "/srv/share", NULL);
        fake_rule_param(&fr, "allowed", "/home/*/.steam/*", "*.sh", NULL);
        fake_rule_param(&fr, "max-depth", "8", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), 0);

        r = fake_rule(&fr, "software.no-user-executables");
        fake_rule_param(&fr, "max-depth", "8", NULL);
        fake_rule_param(&fr, "max-depth", "9", NULL);
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(param, 1);
        assert_string_equal(msg, "max-depth: given twice");

        r = fake_rule(&fr, "software.nonsense");
        assert_int_equal(mamori_plugin.validate(f->fh.state, r, &param, msg, sizeof(msg)), -ENOENT);
}

/* ---- software.install-restricted --------------------------------------------------- */

static const char pk_policy_open[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<policyconfig>\n"
        "  <action id=\"org.freedesktop.packagekit.package-install\">\n"
        "    <defaults><allow_any>auth_admin</allow_any><allow_inactive>auth_admin</allow_inactive>"
        "<allow_active>yes</allow_active></defaults>\n  </action>\n"
        "  <action id=\"org.freedesktop.packagekit.package-install-untrusted\">\n"
        "    <defaults><allow_any>auth_admin</allow_any><allow_inactive>auth_admin</allow_inactive>"
        "<allow_active>auth_admin</allow_active></defaults>\n  </action>\n"
        "  <action id=\"org.freedesktop.packagekit.system-update\">\n"
        "    <defaults><allow_any>auth_self</allow_any><allow_active>auth_admin_keep</allow_active></defaults>\n"
        "  </action>\n"
        "  <action id=\"org.freedesktop.packagekit.system-sources-refresh\">\n"
        "    <defaults><allow_active>yes</allow_active></defaults>\n  </action>\n"
        "</policyconfig>\n";

static const char pk_policy_closed[] =
        "<policyconfig>\n"
        "  <action id=\"org.freedesktop.packagekit.package-install\">\n"
        "    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive>"
        "<allow_active>auth_admin_keep</allow_active></defaults>\n  </action>\n"
        "  <action id=\"org.freedesktop.packagekit.system-sources-refresh\">\n"
        "    <defaults><allow_active>yes</allow_active></defaults>\n  </action>\n"
        "</policyconfig>\n";

static const char grant_rule[] =
        "polkit.addRule(function(action, subject) {\n"
        "    if (action.id.indexOf(\"org.freedesktop.packagekit.\") == 0 && subject.isInGroup(\"staff\"))\n"
        "        return polkit.Result.YES;\n"
        "});\n";

static void users_fixture(Fixture *f) {
        write_file(f, "etc/passwd",
                   "root:x:0:0:root:/root:/bin/bash\n"
                   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                   "taro:x:1001:1001:Taro:/home/taro:/bin/bash\n"
                   "hanako:x:1002:1002:Hanako:/home/hanako:/bin/bash\n"
                   "admin1:x:1003:1003:Admin:/home/admin1:/bin/bash\n"
                   "wheely:x:1004:10:Wheel:/home/wheely:/bin/bash\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        write_file(f, "etc/group",
                   "root:x:0:\n"
                   "wheel:x:10:\n"
                   "sudo:x:27:taro,admin1,daemon\n"
                   "users:x:100:taro,hanako\n"
                   "nogroup:x:65534:nobody\n");
}

static void test_install_no_packagekit(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.install-restricted");
        const FakeFinding *x;

        users_fixture(f);
        fake_rule_param(&fr, "admins", "admin1", NULL);
        host_start(f);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 3);
        x = find_subject(&f->fh, "polkit:org.freedesktop.packagekit");
        assert_non_null(x);
        assert_int_equal(x->status, MAMORI_NOT_APPLICABLE);
        assert_string_equal(x->evidence, "PackageKit is not installed: no graphical software installer to restrict");
        x = find_subject(&f->fh, "user:taro");
        assert_non_null(x);
        assert_int_equal(x->status, MAMORI_FAIL);
        assert_string_equal(x->evidence, "taro (1001) is in group sudo: the account can install software as administrator");
        /* A primary group counts too. */
        x = find_subject(&f->fh, "user:wheely");
        assert_non_null(x);
        assert_string_equal(x->evidence,
                            "wheely (1004) is in group wheel (primary group): the account can install software as administrator");
        assert_null(find_subject(&f->fh, "user:admin1"));
        assert_null(find_subject(&f->fh, "user:daemon"));
}

static void test_install_policy_and_rules(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.install-restricted");
        const FakeFinding *x;

        write_file(f, "etc/passwd", "taro:x:1001:1001::/home/taro:/bin/bash\n");
        write_file(f, "etc/group", "sudo:x:27:\n");
        write_file(f, "usr/share/polkit-1/actions/org.freedesktop.packagekit.policy", pk_policy_open);
        write_file(f, "etc/polkit-1/rules.d/10-staff-install.rules", grant_rule);
        write_file(f, "usr/share/polkit-1/rules.d/50-default.rules",
                   "polkit.addAdminRule(function(action, subject) { return [\"unix-group:sudo\"]; });\n");
        host_start(f);

        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 3);
        x = find_subject(&f->fh, "/etc/polkit-1/rules.d/10-staff-install.rules");
        assert_non_null(x);
        assert_string_equal(x->evidence, "/etc/polkit-1/rules.d/10-staff-install.rules can grant PackageKit "
                                         "actions without authentication (returns polkit.Result.YES)");
        assert_non_null(fake_host_find(&f->fh, "org.freedesktop.packagekit.package-install: allow_active is yes in "
                                               "PackageKit's policy (must be auth_admin, auth_admin_keep or no)"));
        assert_non_null(fake_host_find(&f->fh, "org.freedesktop.packagekit.system-update: allow_any is auth_self"));
        /* Refreshing the lists is not installing. */
        assert_null(fake_host_find(&f->fh, "system-sources-refresh"));
        x = fake_host_find(&f->fh, "none of the 1 staff accounts is in an administrators' group");
        assert_non_null(x);
        assert_int_equal(x->status, MAMORI_PASS);

        /* A closed policy and no granting rule: pass. */
        write_file(f, "usr/share/polkit-1/actions/org.freedesktop.packagekit.policy", pk_policy_closed);
        write_file(f, "etc/polkit-1/rules.d/10-staff-install.rules", "// emptied\n");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 0);
        assert_non_null(fake_host_find(&f->fh, "PackageKit's 1 install actions require an administrator"));

        /* An old-style .pkla grant. */
        write_file(f, "etc/polkit-1/localauthority/50-local.d/staff.pkla",
                   "[Staff install]\nIdentity=unix-group:staff\nAction=org.freedesktop.packagekit.*\nResultActive=yes\n");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 1);
        assert_non_null(fake_host_find(&f->fh, "/etc/polkit-1/localauthority/50-local.d/staff.pkla grants PackageKit"));
}

static void test_install_enforce(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.install-restricted");
        char path[512], *text;
        struct stat st;
        FILE *fp;
        long n;

        write_file(f, "etc/passwd", "taro:x:1001:1001::/home/taro:/bin/bash\n");
        write_file(f, "etc/group", "sudo:x:27:\n");
        write_file(f, "usr/share/polkit-1/actions/org.freedesktop.packagekit.policy", pk_policy_open);
        write_file(f, "etc/polkit-1/rules.d/10-staff-install.rules", grant_rule);
        write_file(f, "etc/polkit-1/rules.d/90-late.rules", grant_rule);
        write_file(f, "etc/polkit-1/localauthority/50-local.d/staff.pkla",
                   "[Staff install]\nAction=org.freedesktop.packagekit.*\nResultActive=yes\n");
        r->enforce = 1;
        host_start(f);

        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_non_null(find_event(&f->fh, "software.enforced"));
        assert_string_equal(find_event(&f->fh, "software.enforced")->text,
                            "wrote /etc/polkit-1/rules.d/49-mamori-packagekit.rules: PackageKit's install actions "
                            "now require an administrator");

        snprintf(path, sizeof(path), "%s/etc/polkit-1/rules.d/49-mamori-packagekit.rules", f->root);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        if (geteuid() == 0)
                assert_int_equal(st.st_uid, 0);
        fp = fopen(path, "re");
        assert_non_null(fp);
        text = calloc(1, 8192);
        n = (long) fread(text, 1, 8191, fp);
        fclose(fp);
        assert_true(n > 0);
        assert_non_null(strstr(text, "polkit.addRule(function(action, subject) {"));
        assert_non_null(strstr(text, "\"org.freedesktop.packagekit.package-install\","));
        assert_non_null(strstr(text, "\"org.freedesktop.packagekit.system-update\","));
        assert_non_null(strstr(text, "return polkit.Result.AUTH_ADMIN;"));
        assert_null(strstr(text, "system-sources-refresh"));
        free(text);

        /* With mamori's rule in place the policy defaults, the .pkla and a
         * later rule file no longer matter; an earlier granting rule does. */
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 1);
        assert_non_null(fake_host_find(&f->fh, "/etc/polkit-1/rules.d/10-staff-install.rules can grant PackageKit "
                                               "actions without authentication (returns polkit.Result.YES) before "
                                               "mamori's rule"));

        /* Unchanged file: not written again. */
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_null(find_event(&f->fh, "software.enforced"));

        /* Without the early rule: pass, naming mamori's rule. */
        snprintf(path, sizeof(path), "%s/etc/polkit-1/rules.d/10-staff-install.rules", f->root);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 0);
        assert_non_null(fake_host_find(&f->fh, "(mamori's polkit rule /etc/polkit-1/rules.d/49-mamori-packagekit.rules is in place)"));

        /* Tampered with: rewritten. */
        write_file(f, "etc/polkit-1/rules.d/49-mamori-packagekit.rules", grant_rule);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_non_null(find_event(&f->fh, "software.enforced"));
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 0);

        /* Not enforcing: the tampered file is only reported. */
        write_file(f, "etc/polkit-1/rules.d/49-mamori-packagekit.rules", grant_rule);
        r->enforce = 0;
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_null(find_event(&f->fh, "software.enforced"));
        assert_true(fake_host_count(&f->fh, MAMORI_FAIL) >= 1);
}

/* ---- software.antivirus --------------------------------------------------------------- */

static void write_cvd(Fixture *f, const char *rel, const char *header) {
        char h[600];

        memset(h, ' ', sizeof(h));
        memcpy(h, header, strlen(header));
        write_file_mode(f, rel, h, sizeof(h), 0644);
}

static void test_antivirus(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.antivirus");
        const FakeFinding *x;

        write_file(f, "var/lib/dpkg/status", STANZA("bash", "amd64", "5.2.15-2+b2"));
        host_start(f);

        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_FAIL);
        assert_string_equal(f->fh.findings[0].evidence,
                            "no antivirus engine: ClamAV (clamav or clamav-daemon) is not installed");

        write_file(f, "var/lib/dpkg/status",
                   STANZA("bash", "amd64", "5.2.15-2+b2") STANZA("clamav", "amd64", "1.0.3+dfsg-1~deb12u1")
                   STANZA("clamav-freshclam", "amd64", "1.0.3+dfsg-1~deb12u1"));
        write_cvd(f, "var/lib/clamav/main.cvd",
                  "ClamAV-VDB:16 Sep 2021 08-32 -0400:62:6647427:90:X:X:sigmgr:1631795520");
        write_cvd(f, "var/lib/clamav/daily.cld", "ClamAV-VDB:20 Nov 2026 07-00 +0000:27100:2000000:90:X:X:raynman:1795158000");
        write_cvd(f, "var/lib/clamav/bytecode.cvd", "ClamAV-VDB:22 Feb 2024 08-00 -0500:335:86:90:X:X:raynman:1708606800");
        /* main and bytecode are old, as they are on every healthy system. */
        set_age(f, "var/lib/clamav/main.cvd", 400 * 86400);
        set_age(f, "var/lib/clamav/bytecode.cvd", 90 * 86400);
        set_age(f, "var/lib/clamav/daily.cld", 3 * 3600 + 60);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_PASS);
        assert_string_equal(f->fh.findings[0].evidence,
                            "ClamAV and freshclam installed; signatures: main.cvd version 62 built 2021-09-16 "
                            "(400 days old), daily.cld version 27100 built 2026-11-20 (3 hours old), "
                            "bytecode.cvd version 335 built 2024-02-22 (90 days old)");

        /* Stale daily; an older daily.cvd beside the .cld does not count. */
        set_age(f, "var/lib/clamav/daily.cld", 5 * 86400 + 100);
        write_cvd(f, "var/lib/clamav/daily.cvd", "ClamAV-VDB:01 Nov 2026 07-00 +0000:27000:1:90:X:X:r:1793516400");
        set_age(f, "var/lib/clamav/daily.cvd", 20 * 86400);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 1);
        x = find_subject(&f->fh, "/var/lib/clamav/daily.cld");
        assert_non_null(x);
        assert_int_equal(x->status, MAMORI_FAIL);
        assert_string_equal(x->evidence, "daily.cld version 27100 built 2026-11-20 is 5 days old (limit 2 days)");

        /* A longer limit in the rule. */
        fake_rule_param(&fr, "max-age", "1w", NULL);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_PASS), 1);

        /* Missing bytecode, broken main, no freshclam. */
        r = fake_rule(&fr, "software.antivirus");
        set_age(f, "var/lib/clamav/daily.cld", 60);
        write_file(f, "var/lib/clamav/main.cvd", "this is not a database");
        {
                char p[512];

                snprintf(p, sizeof(p), "%s/var/lib/clamav/bytecode.cvd", f->root);
                assert_int_equal(unlink(p), 0);
        }
        write_file(f, "var/lib/dpkg/status",
                   STANZA("clamav-daemon", "amd64", "1.0.3+dfsg-1~deb12u1"));
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 3);
        assert_non_null(fake_host_find(&f->fh, "clamav-freshclam is not installed: the signatures are never updated"));
        assert_non_null(fake_host_find(&f->fh, "/var/lib/clamav/main.cvd is not a ClamAV signature database"));
        assert_non_null(fake_host_find(&f->fh, "no bytecode.cvd or bytecode.cld in /var/lib/clamav: freshclam has not downloaded it"));
}

static void test_antivirus_files_only(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.antivirus");

        /* No dpkg database: the programs tell; a DatabaseDirectory elsewhere. */
        write_file_mode(f, "usr/bin/clamscan", "x", 1, 0755);
        write_file_mode(f, "usr/bin/freshclam", "x", 1, 0755);
        write_file(f, "etc/clamav/freshclam.conf", "# comment\nDatabaseDirectory /srv/clamav\nUpdateLogFile /x\n");
        write_cvd(f, "srv/clamav/main.cld", "ClamAV-VDB:16 Sep 2021 08-32 -0400:62:1:90:X:X:s:1631795520");
        write_cvd(f, "srv/clamav/daily.cvd", "ClamAV-VDB:20 Nov 2026 07-00 +0000:27100:1:90:X:X:r:1795158000");
        write_cvd(f, "srv/clamav/bytecode.cld", "ClamAV-VDB:22 Feb 2024 08-00 -0500:335:1:90:X:X:r:1708606800");
        host_start(f);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_PASS), 1);
        assert_non_null(fake_host_find(&f->fh, "daily.cvd version 27100 built 2026-11-20"));

        /* The database directory missing. */
        write_file(f, "etc/clamav/freshclam.conf", "DatabaseDirectory /nowhere\n");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 3);
        assert_non_null(fake_host_find(&f->fh, "no daily.cvd or daily.cld in /nowhere: the directory is missing"));
}

/* ---- software.security-updates -------------------------------------------------------- */

#define SEC_PREFIX "var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_"

static void write_inrelease(Fixture *f, time_t age) {
        char date[64], text[512];
        time_t t = time(NULL) - age;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S UTC", &tm);
        snprintf(text, sizeof(text),
                 "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
                 "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\n"
                 "Date: %s\nValid-Until: %s\nAcquire-By-Hash: yes\n"
                 " 1234abcd 1000 main/binary-amd64/Packages\n"
                 "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n", date, date);
        write_file(f, SEC_PREFIX "InRelease", text);
}

static const char security_packages[] =
        "Package: openssl\nSource: openssl\nVersion: 3.0.13-1~deb12u1\nArchitecture: amd64\n"
        "Description: Secure Sockets Layer toolkit\n\n"
        "Package: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n\n"
        "Package: libc6\nVersion: 2.36-9+deb12u3\nArchitecture: amd64\n\n"        /* what is installed */
        "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: i386\n\n"         /* not installed for i386 */
        "Package: bash\nVersion: 5.2.15-2+b1\nArchitecture: amd64\n\n"            /* older than installed */
        "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n\n"
        "Package: broken\nVersion: 1\n";                                            /* no Architecture */

static const char updates_status[] =
        STANZA("bash", "amd64", "5.2.15-2+b2")
        STANZA("libc6", "amd64", "2.36-9+deb12u3")
        STANZA("openssl", "amd64", "3.0.11-1~deb12u1")
        STANZA("tzdata", "all", "2024a-0+deb12u1");

static void test_updates_errors(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.security-updates");

        write_file(f, "var/lib/dpkg/status", updates_status);
        host_start(f);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_ERROR);
        assert_string_equal(f->fh.findings[0].evidence,
                            "cannot read /var/lib/apt/lists: No such file or directory (apt has never been updated?)");

        write_file(f, "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
                   security_packages);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.findings[0].status, MAMORI_ERROR);
        assert_string_equal(f->fh.findings[0].evidence,
                            "no security package list in /var/lib/apt/lists: apt has never been updated from a "
                            "security suite (is it in sources.list?)");

        write_file(f, SEC_PREFIX "main_binary-amd64_Packages.lz4", "\x04\x22\x4d\x18");
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        assert_int_equal(f->fh.findings[0].status, MAMORI_ERROR);
        assert_string_equal(f->fh.findings[0].evidence,
                            "apt keeps its security lists compressed (.lz4): mamori reads plain lists only "
                            "(set Acquire::GzipIndexes \"false\" and run apt update)");
}

static void test_updates(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.security-updates");
        const FakeFinding *x;

        write_file(f, "var/lib/dpkg/status", updates_status);
        write_file(f, SEC_PREFIX "main_binary-amd64_Packages", security_packages);
        write_file(f, SEC_PREFIX "main_binary-i386_Packages", "Package: openssl\nVersion: 9\nArchitecture: i386\n");
        write_inrelease(f, 86400 + 600);
        host_start(f);

        /* Published a day ago: pending, but not yet late. */
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_PASS);
        assert_string_equal(f->fh.findings[0].evidence, "1 security update pending for less than 7 days: openssl");

        /* A newer clock: the first sighting is kept, so a fresh list does
         * not reset the wait. Rewrite the recorded sighting to 9 days ago. */
        {
                char seen[256];

                snprintf(seen, sizeof(seen), "# mamori software security-pending 1\nopenssl amd64 3.0.13-1~deb12u1 %lld\n",
                         (long long) time(NULL) - 9 * 86400 - 60);
                f->fh.api.state_put((struct mamori_host *) (void *) &f->fh, "security-pending", seen, strlen(seen));
        }
        write_inrelease(f, 60);
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 1);
        x = find_subject(&f->fh, "package:openssl:amd64");
        assert_non_null(x);
        assert_int_equal(x->status, MAMORI_FAIL);
        assert_string_equal(x->evidence, "openssl 3.0.11-1~deb12u1 -> 3.0.13-1~deb12u1 from bookworm-security, "
                                         "pending for 9 days (limit 7 days)");

        /* Installed: nothing pending, and the sighting is forgotten. */
        write_file(f, "var/lib/dpkg/status",
                   STANZA("bash", "amd64", "5.2.15-2+b2") STANZA("openssl", "amd64", "3.0.13-1~deb12u1"));
        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(f->fh.n_findings, 1);
        assert_int_equal(f->fh.findings[0].status, MAMORI_PASS);
        assert_non_null(strstr(f->fh.findings[0].evidence, "no pending security updates (bookworm-security lists of "));
        for (size_t i = 0; i < f->fh.n_kv; i++)
                if (strcmp(f->fh.kv[i].key, "security-pending") == 0)
                        assert_int_equal(f->fh.kv[i].size, strlen("# mamori software security-pending 1\n"));
}

static void test_updates_old_lists(void **state) {
        Fixture *f = *state;
        FakeRule fr;
        struct mamori_rule *r = fake_rule(&fr, "software.security-updates");
        const FakeFinding *x;

        write_file(f, "var/lib/dpkg/status", updates_status);
        write_file(f, SEC_PREFIX "main_binary-amd64_Packages", security_packages);
        /* No Release file: the list's mtime is its date. */
        set_age(f, SEC_PREFIX "main_binary-amd64_Packages", 30 * 86400 + 60);
        fake_rule_param(&fr, "max-age", "2w", NULL);
        fake_rule_param(&fr, "max-list-age", "3d", NULL);
        host_start(f);

        assert_int_equal(fake_host_evaluate(&f->fh, r), 0);
        dump(&f->fh);
        assert_int_equal(fake_host_count(&f->fh, MAMORI_FAIL), 2);
        x = find_subject(&f->fh, "package:openssl:amd64");
        assert_non_null(x);
        assert_string_equal(x->evidence, "openssl 3.0.11-1~deb12u1 -> 3.0.13-1~deb12u1 from bookworm-security, "
                                         "pending for 30 days (limit 14 days)");
        x = find_subject(&f->fh, "/var/lib/apt/lists");
        assert_non_null(x);
        assert_string_equal(x->evidence, "apt's security lists (bookworm-security) are 30 days old (limit 3 days): "
                                         "updates published since are not known");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_approved_first_run_and_changes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_approved_apps, setup, teardown),
                cmocka_unit_test_setup_teardown(test_approved_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_approved_watch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_executables, setup, teardown),
                cmocka_unit_test_setup_teardown(test_executables_pass_and_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_executables_cap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_install_no_packagekit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_install_policy_and_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_install_enforce, setup, teardown),
                cmocka_unit_test_setup_teardown(test_antivirus, setup, teardown),
                cmocka_unit_test_setup_teardown(test_antivirus_files_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_updates_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_updates, setup, teardown),
                cmocka_unit_test_setup_teardown(test_updates_old_lists, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
