/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The software plugin's pure parsers, fed buffers: deb822 paragraphs, dpkg's
 * status file, ClamAV headers, durations and dates, the approved set's
 * format and the diff, dpkg's and apt's logs, polkit files, evidence text.
 * Expected values are written out by hand from the fixtures (epoch values
 * from `date -u -d ... +%s`). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../plugins/software/software.h"

#define S(lit) lit, sizeof(lit) - 1

static char *slice_str(Slice s) {
        static char buf[8][256];
        static unsigned i;
        char *b = buf[i++ % 8];

        if (!s.p)
                return NULL;
        snprintf(b, 256, "%.*s", (int) s.n, s.p);
        return b;
}

/* ---- stanza reader ------------------------------------------------------- */

static void test_stanza_basic(void **state) {
        static const char *const wanted[] = { "Package", "Version", "Description" };
        const char text[] =
                "\n\n"
                "Package: vim\r\n"
                "version: 2:9.0.1378-2  \r\n"
                "Description: Vi IMproved\r\n"
                " Vim is an almost compatible version\r\n"
                " .\r\n"
                "Homepage: https://www.vim.org/\r\n"
                "   \t \r\n"
                "Package: bash\n"
                "Version:5.2.15-2+b2\n";
        StanzaReader r;
        Stanza st;

        stanza_reader_init(&r, text, strlen(text));
        assert_int_equal(stanza_reader_next(&r, wanted, 3, &st), 1);
        assert_false(st.malformed);
        assert_int_equal(st.line, 3);
        assert_string_equal(slice_str(st.values[0]), "vim");
        /* Field names match whatever their case; trailing blanks go. */
        assert_string_equal(slice_str(st.values[1]), "2:9.0.1378-2");
        /* Continuations extend the field, line breaks and all. */
        assert_string_equal(slice_str(st.values[2]),
                            "Vi IMproved\r\n Vim is an almost compatible version\r\n .");

        assert_int_equal(stanza_reader_next(&r, wanted, 3, &st), 1);
        assert_false(st.malformed);
        assert_int_equal(st.line, 10);
        assert_string_equal(slice_str(st.values[0]), "bash");
        assert_string_equal(slice_str(st.values[1]), "5.2.15-2+b2");
        assert_null(st.values[2].p);

        assert_int_equal(stanza_reader_next(&r, wanted, 3, &st), 0);
        assert_int_equal(stanza_reader_next(&r, wanted, 3, &st), 0);
}

static void test_stanza_malformed(void **state) {
        static const char *const wanted[] = { "Package", "Version" };
        const char text[] =
                " stray continuation\n"
                "Package: a\n"
                "\n"
                "Package: b\n"
                "this line has no colon\n"
                "Version: 1\n"
                "\n"
                "Package: c\n"
                "Package: c2\n"
                "\n"
                "Package: d\n"
                "Vers\0ion: 1\n"
                "\n"
                ": no name\n"
                "\n"
                "Package: e\n"
                "Version: 2";      /* no final newline */
        StanzaReader r;
        Stanza st;

        stanza_reader_init(&r, text, sizeof(text) - 1);
        /* A continuation before any field. */
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 1);
        assert_true(st.malformed);
        assert_string_equal(slice_str(st.values[0]), "a");
        /* A line that is no field: the paragraph is flagged, the next one
         * is still read. */
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 1);
        assert_true(st.malformed);
        assert_string_equal(slice_str(st.values[1]), "1");
        /* A wanted field twice: the first is kept, the paragraph flagged. */
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 1);
        assert_true(st.malformed);
        assert_string_equal(slice_str(st.values[0]), "c");
        /* A NUL byte. */
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 1);
        assert_true(st.malformed);
        assert_null(st.values[1].p);
        /* An empty field name. */
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 1);
        assert_true(st.malformed);
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 1);
        assert_false(st.malformed);
        assert_int_equal(st.line, 16);
        assert_string_equal(slice_str(st.values[1]), "2");
        assert_int_equal(stanza_reader_next(&r, wanted, 2, &st), 0);
}

/* ---- dpkg status ----------------------------------------------------------- */

static const char status_fixture[] =
        "Package: adduser\n"
        "Status: install ok installed\n"
        "Priority: important\n"
        "Architecture: all\n"
        "Version: 3.134\n"
        "Description: add and remove users and groups\n"
        " This package includes the 'adduser' and 'deluser' commands.\n"
        "\n"
        "Package: libc6\n"
        "Status: install ok installed\n"
        "Architecture: amd64\n"
        "Multi-Arch: same\n"
        "Version: 2.36-9+deb12u3\n"
        "\n"
        "Package: libc6\n"
        "Status: install ok installed\n"
        "Architecture: i386\n"
        "Version: 2.36-9+deb12u3\n"
        "\n"
        "Package: oldconf\n"                    /* removed, config files kept: not installed */
        "Status: deinstall ok config-files\n"
        "Architecture: amd64\n"
        "Version: 1.0-1\n"
        "\n"
        "Package: gone\n"
        "Status: purge ok not-installed\n"
        "Architecture: amd64\n"
        "\n"
        "Package: broken\n"                     /* files on disk, dpkg did not finish */
        "Status: install reinstreq half-installed\n"
        "Architecture: amd64\n"
        "Version: 0.5-1\n"
        "\n"
        "Package: held\n"
        "Status: hold ok installed\n"
        "Architecture: amd64\n"
        "Version: 7\n"
        "\n"
        "Package: noversion\n"                  /* installed without a version: malformed */
        "Status: install ok installed\n"
        "Architecture: amd64\n"
        "\n"
        "Status: install ok installed\n"        /* no Package: malformed */
        "Version: 1\n"
        "\n"
        "Package: badstatus\n"                  /* not dpkg's words: malformed */
        "Status: install ok sorta-installed\n"
        "Version: 1\n"
        "\n"
        "Package: twostatus\n"                  /* three words only */
        "Status: install installed\n"
        "Version: 1\n"
        "\n"
        "Package: ancient\r\n"                  /* before multiarch, and CRLF */
        "Status: install ok unpacked\r\n"
        "Version: 1:2.0\r\n"
        "\r\n"
        "Package: bad name\n"
        "Status: install ok installed\n"
        "Architecture: amd64\n"
        "Version: 1\n"
        "\n"
        "Package: adduser\n"                    /* a duplicate of the first */
        "Status: install ok installed\n"
        "Architecture: all\n"
        "Version: 3.135\n";

static void test_status_parse(void **state) {
        _cleanup_inventory_ Inventory *inv = NULL;
        const Package *p;

        assert_int_equal(dpkg_status_parse(status_fixture, strlen(status_fixture), &inv), 0);
        /* adduser, ancient, broken, held, libc6 x2 */
        assert_int_equal(inv->n_packages, 6);
        assert_int_equal(inv->n_not_installed, 2);
        /* noversion, no Package, badstatus, twostatus, bad name, duplicate adduser */
        assert_int_equal(inv->n_malformed, 6);
        assert_int_equal(inv->first_malformed, 39);

        p = &inv->packages[0];
        assert_string_equal(p->name, "adduser");
        assert_string_equal(p->arch, "all");
        assert_string_equal(p->version, "3.134");
        assert_int_equal(p->state, PKG_INSTALLED);

        p = inventory_find(inv, "ancient", "");
        assert_non_null(p);
        assert_string_equal(p->version, "1:2.0");
        assert_int_equal(p->state, PKG_UNPACKED);

        p = inventory_find(inv, "broken", "amd64");
        assert_non_null(p);
        assert_int_equal(p->state, PKG_HALF_INSTALLED);
        assert_true(p->reinstreq);

        p = inventory_find(inv, "held", "amd64");
        assert_non_null(p);
        assert_int_equal(p->state, PKG_INSTALLED);
        assert_false(p->reinstreq);

        assert_non_null(inventory_find(inv, "libc6", "amd64"));
        assert_non_null(inventory_find(inv, "libc6", "i386"));
        assert_null(inventory_find(inv, "libc6", "arm64"));
        assert_null(inventory_find(inv, "oldconf", "amd64"));
        assert_string_equal(inventory_find_name(inv, "libc6")->arch, "amd64");
        assert_null(inventory_find_name(inv, "libc"));
}

static void test_status_empty(void **state) {
        _cleanup_inventory_ Inventory *a = NULL, *b = NULL;

        assert_int_equal(dpkg_status_parse("", 0, &a), 0);
        assert_int_equal(a->n_packages, 0);
        assert_int_equal(a->n_malformed, 0);
        assert_int_equal(dpkg_status_parse(S("\n\n \n\t\n"), &b), 0);
        assert_int_equal(b->n_packages, 0);
}

/* "-" means "no architecture" in the approved set: never a real one. */
static void test_status_arch_dash(void **state) {
        _cleanup_inventory_ Inventory *inv = NULL;

        assert_int_equal(dpkg_status_parse(S("Package: a\nStatus: install ok installed\nArchitecture: -\n"
                                             "Version: 1\n\nPackage: a\nStatus: install ok installed\n"
                                             "Architecture:\nVersion: 1\n"), &inv), 0);
        assert_int_equal(inv->n_packages, 1);
        assert_string_equal(inv->packages[0].arch, "");
        assert_int_equal(inv->n_malformed, 1);
        assert_int_equal(inv->first_malformed, 1);
}

/* A desktop's status file is ~3 MiB: one pass, well under a second even
 * under the sanitizers. */
static void test_status_large(void **state) {
        _cleanup_inventory_ Inventory *inv = NULL;
        size_t size = 0, cap = 4U << 20;
        char *buf = malloc(cap);
        struct timespec t0, t1;
        double ms;

        assert_non_null(buf);
        for (unsigned i = 0; size + 2048 < cap && i < 4000; i++) {
                size += (size_t) snprintf(buf + size, cap - size,
                                          "Package: pkg%u\nStatus: install ok installed\nPriority: optional\n"
                                          "Section: libs\nInstalled-Size: %u\nMaintainer: Debian <d@example.org>\n"
                                          "Architecture: amd64\nVersion: %u.%u-1+deb12u1\n"
                                          "Depends: libc6 (>= 2.34), libfoo%u (= 1.0)\nDescription: package %u\n",
                                          i, i * 7, i / 10, i % 10, i, i);
                for (unsigned l = 0; l < 8; l++)
                        size += (size_t) snprintf(buf + size, cap - size,
                                                  " A long description line number %u of the package that "
                                                  "goes on for a while like real ones do.\n", l);
                buf[size++] = '\n';
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(dpkg_status_parse(buf, size, &inv), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
        print_message("parsed %zu bytes, %zu packages in %.1f ms\n", size, inv->n_packages, ms);
        assert_int_equal(inv->n_packages, 4000);
        assert_int_equal(inv->n_malformed, 0);
        assert_string_equal(inventory_find(inv, "pkg1234", "amd64")->version, "123.4-1+deb12u1");
        assert_true(ms < 1000);
        free(buf);
}

/* ---- ClamAV headers ---------------------------------------------------------- */

static void pad512(char *out, const char *text) {
        memset(out, ' ', 512);
        memcpy(out, text, strlen(text));
}

static void test_cvd_header(void **state) {
        char h[512];
        CvdHeader c;

        pad512(h, "ClamAV-VDB:16 Apr 2020 07-58 -0400:25784:2267600:63:92baacd59fd26e6bcf03077add78d209:"
                  "4Jp9JtGJY6nUk8JHDQQpQeBwlfXqskvhXL:raynman:1587038339");
        assert_int_equal(cvd_header_parse(h, sizeof(h), &c), 0);
        assert_int_equal(c.version, 25784);
        assert_int_equal(c.signatures, 2267600);
        assert_int_equal(c.flevel, 63);
        assert_int_equal(c.build_time, 1587038339);
        assert_string_equal(c.builder, "raynman");

        /* Without the seconds field the text date is read (07:58 -0400). */
        pad512(h, "ClamAV-VDB:16 Apr 2020 07-58 -0400:62:6647427:90:X:X");
        assert_int_equal(cvd_header_parse(h, sizeof(h), &c), 0);
        assert_int_equal(c.version, 62);
        assert_int_equal(c.build_time, 1587038280);

        /* A build time written with a colon shifts the fields by one. */
        pad512(h, "ClamAV-VDB:16 Apr 2020 07:58 -0400:27000:100:90:X:X:builder:1587038280");
        assert_int_equal(cvd_header_parse(h, sizeof(h), &c), 0);
        assert_int_equal(c.version, 27000);
        assert_int_equal(c.signatures, 100);
        assert_int_equal(c.build_time, 1587038280);

        /* Shorter than 512 bytes (a .cld cut short) still parses. */
        assert_int_equal(cvd_header_parse(S("ClamAV-VDB:x:5:6:7"), &c), 0);
        assert_int_equal(c.version, 5);
        assert_int_equal(c.build_time, -1);

        assert_int_equal(cvd_header_parse(S("ClamAV-VDX:16 Apr 2020:1:2:3"), &c), -EINVAL);
        assert_int_equal(cvd_header_parse(S("Clam"), &c), -EINVAL);
        assert_int_equal(cvd_header_parse(S("ClamAV-VDB:"), &c), -EBADMSG);
        assert_int_equal(cvd_header_parse(S("ClamAV-VDB:date:v1:2:3"), &c), -EBADMSG);
        assert_int_equal(cvd_header_parse(S("ClamAV-VDB:date:1:two:3"), &c), -EBADMSG);
        assert_int_equal(cvd_header_parse(S("ClamAV-VDB:date:1:2"), &c), -EBADMSG);
        assert_int_equal(cvd_header_parse(NULL, 0, &c), -EINVAL);
}

/* ---- durations, dates, text ------------------------------------------------- */

static void test_duration(void **state) {
        uint64_t v;
        char buf[64];

        assert_int_equal(parse_duration("2d", &v), 0);
        assert_int_equal(v, 172800);
        assert_int_equal(parse_duration("90", &v), 0);
        assert_int_equal(v, 90);
        assert_int_equal(parse_duration("1d12h", &v), 0);
        assert_int_equal(v, 129600);
        assert_int_equal(parse_duration("1w", &v), 0);
        assert_int_equal(v, 604800);
        assert_int_equal(parse_duration("15m30s", &v), 0);
        assert_int_equal(v, 930);
        assert_int_equal(parse_duration("0d", &v), -EINVAL);
        assert_int_equal(parse_duration("", &v), -EINVAL);
        assert_int_equal(parse_duration("d", &v), -EINVAL);
        assert_int_equal(parse_duration("2x", &v), -EINVAL);
        assert_int_equal(parse_duration("1d5", &v), -EINVAL);
        assert_int_equal(parse_duration("-1d", &v), -EINVAL);
        assert_int_equal(parse_duration("3651d", &v), -ERANGE);
        assert_int_equal(parse_duration("99999999999999999999d", &v), -EINVAL);

        assert_string_equal(format_duration(0, buf, sizeof(buf)), "0 seconds");
        assert_string_equal(format_duration(59, buf, sizeof(buf)), "59 seconds");
        assert_string_equal(format_duration(60, buf, sizeof(buf)), "1 minute");
        assert_string_equal(format_duration(7199, buf, sizeof(buf)), "1 hour");
        assert_string_equal(format_duration(3 * 86400 + 5, buf, sizeof(buf)), "3 days");
}

static void test_dates(void **state) {
        int64_t t;
        char buf[16];

        assert_int_equal(days_from_civil(1970, 1, 1), 0);
        assert_int_equal(days_from_civil(2000, 2, 29) * 86400, 951782400);
        assert_int_equal(days_from_civil(2026, 11, 20) * 86400, 1795132800);

        assert_int_equal(parse_rfc2822_date(S("Sat, 25 Nov 2023 10:35:12 UTC"), &t), 0);
        assert_int_equal(t, 1700908512);
        assert_int_equal(parse_rfc2822_date(S(" 25 Nov 2023 10:35:12 +0000\r\n"), &t), 0);
        assert_int_equal(t, 1700908512);
        assert_int_equal(parse_rfc2822_date(S("Wed, 25 Nov 2026 09:00:00 +0900"), &t), 0);
        assert_int_equal(t, 1795564800);
        assert_int_equal(parse_rfc2822_date(S("25 nov 2023 10:35:12 GMT"), &t), 0);
        assert_int_equal(t, 1700908512);
        assert_int_equal(parse_rfc2822_date(S("25 Nov 2023 10:35:12 CET"), &t), -EINVAL);
        assert_int_equal(parse_rfc2822_date(S("25 Foo 2023 10:35:12 UTC"), &t), -EINVAL);
        assert_int_equal(parse_rfc2822_date(S("32 Nov 2023 10:35:12 UTC"), &t), -EINVAL);
        assert_int_equal(parse_rfc2822_date(S("25 Nov 2023 25:35:12 UTC"), &t), -EINVAL);
        assert_int_equal(parse_rfc2822_date(S("25 Nov 2023"), &t), -EINVAL);
        assert_int_equal(parse_rfc2822_date(S("25 Nov 2023 10:35:12 UTC trailing"), &t), -EINVAL);

        assert_string_equal(format_date(1795132800, buf, sizeof(buf)), "2026-11-20");
}

static void test_text_safe(void **state) {
        char out[32];

        assert_string_equal(text_safe("a\nb\tc\x7f", 20, out, sizeof(out)), "a?b?c?");
        /* Valid UTF-8 stays, invalid bytes and overlong forms go. */
        assert_string_equal(text_safe("図書館", 20, out, sizeof(out)), "図書館");
        assert_string_equal(text_safe("a\xff\xc0\xafz", 20, out, sizeof(out)), "a???z");
        assert_string_equal(text_safe("\xed\xa0\x80", 20, out, sizeof(out)), "???");
        assert_string_equal(text_safe("abcdefghij", 5, out, sizeof(out)), "abcde...");
        /* A character is never cut in half. */
        assert_string_equal(text_safe("ab図", 4, out, sizeof(out)), "ab...");
        assert_string_equal(text_safe(NULL, 5, out, sizeof(out)), "");
        /* max past the buffer is clamped to it. */
        assert_string_equal(text_safe("abcdefghijklmnop", 1000, out, 8), "abcd...");
}

/* ---- the approved set --------------------------------------------------------- */

static void test_approved_roundtrip(void **state) {
        _cleanup_inventory_ Inventory *inv = inventory_new(), *back = NULL;
        _cleanup_sw_free_ char *text = NULL;
        size_t size;

        assert_non_null(inv);
        assert_int_equal(inventory_add(inv, "vim", "amd64", "2:9.0.1378-2", PKG_INSTALLED, true), 0);
        assert_int_equal(inventory_add(inv, "snap:firefox", "", "4173", PKG_INSTALLED, true), 0);
        assert_int_equal(inventory_add(inv, "flatpak:org.gnome.Maps", "x86_64", "stable@0123456789ab",
                                       PKG_INSTALLED, true), 0);
        assert_int_equal(inventory_add(inv, "adduser", "all", "3.134", PKG_INSTALLED, true), 0);
        inventory_sort(inv);
        assert_int_equal(approved_format(inv, &text, &size), 0);
        assert_string_equal(text,
                            "# mamori software approved-set 1\n"
                            "adduser all 3.134\n"
                            "flatpak:org.gnome.Maps x86_64 stable@0123456789ab\n"
                            "snap:firefox - 4173\n"
                            "vim amd64 2:9.0.1378-2\n");
        assert_int_equal(size, strlen(text));

        assert_int_equal(approved_parse(text, size, &back), 0);
        assert_int_equal(back->n_packages, 4);
        assert_int_equal(back->n_malformed, 0);
        assert_string_equal(inventory_find(back, "snap:firefox", "")->version, "4173");
        assert_string_equal(inventory_find(back, "vim", "amd64")->version, "2:9.0.1378-2");
}

static void test_approved_malformed(void **state) {
        _cleanup_inventory_ Inventory *inv = NULL;
        const char text[] =
                "# mamori software approved-set 1\n"
                "good amd64 1.0\n"
                "two fields\n"
                "four fields here x\n"
                "bad! amd64 1\n"
                "n\0ul amd64 1\n"
                "\n"
                "other all 2\n"
                "good amd64 1.1\n";    /* duplicate */
        Inventory *x = NULL;

        assert_int_equal(approved_parse(text, sizeof(text) - 1, &inv), 0);
        assert_int_equal(inv->n_packages, 2);
        assert_int_equal(inv->n_malformed, 5);
        assert_int_equal(inv->first_malformed, 3);
        assert_int_equal(approved_parse(S("# something else\nvim amd64 1\n"), &x), -EBADMSG);
        assert_int_equal(approved_parse(S("# mamori software approved-set 12\n"), &x), -EBADMSG);
        assert_int_equal(approved_parse(S(""), &x), -EBADMSG);
        assert_null(x);
}

static void test_diff(void **state) {
        _cleanup_inventory_ Inventory *a = inventory_new(), *c = inventory_new();
        _cleanup_sw_free_ PkgDiff *d = NULL;
        size_t n;

        inventory_add(a, "bash", "amd64", "5.2.15-2+b2", PKG_INSTALLED, true);
        inventory_add(a, "libc6", "amd64", "2.36-9", PKG_INSTALLED, true);
        inventory_add(a, "libc6", "i386", "2.36-9", PKG_INSTALLED, true);
        inventory_add(a, "openssl", "amd64", "3.0.11-1", PKG_INSTALLED, true);
        inventory_add(a, "zz", "all", "1", PKG_INSTALLED, true);
        inventory_sort(a);

        inventory_add(c, "bash", "amd64", "5.2.15-2+b2", PKG_HALF_CONFIGURED, true);
        inventory_add(c, "libc6", "amd64", "2.36-9", PKG_INSTALLED, true);
        inventory_add(c, "openssl", "amd64", "3.0.13-1", PKG_INSTALLED, true);
        inventory_add(c, "vim", "amd64", "2:9.0.1378-2", PKG_INSTALLED, true);
        inventory_sort(c);

        assert_int_equal(inventory_diff(a, c, &d, &n), 0);
        assert_int_equal(n, 5);
        assert_int_equal(d[0].kind, DIFF_UNFINISHED);
        assert_string_equal(d[0].cur->name, "bash");
        assert_int_equal(d[1].kind, DIFF_REMOVED);
        assert_string_equal(d[1].old->arch, "i386");
        assert_int_equal(d[2].kind, DIFF_CHANGED);
        assert_string_equal(d[2].old->version, "3.0.11-1");
        assert_string_equal(d[2].cur->version, "3.0.13-1");
        assert_int_equal(d[3].kind, DIFF_INSTALLED);
        assert_string_equal(d[3].cur->name, "vim");
        assert_int_equal(d[4].kind, DIFF_REMOVED);
        assert_string_equal(d[4].old->name, "zz");
}

/* ---- dpkg.log and apt's history.log ---------------------------------------- */

static const char dpkg_log[] =
        "2026-11-18 08:00:00 startup archives unpack\n"
        "2026-11-18 08:00:01 install vim:amd64 <none> 2:9.0.1378-1\n"
        "2026-11-20 10:01:02 install vim:amd64 <none> 2:9.0.1378-2\n"
        "2026-11-20 10:01:03 status installed vim:amd64 2:9.0.1378-2\n"
        "2026-11-21 09:00:00 upgrade openssl:amd64 3.0.11-1 3.0.13-1\n"
        "2026-11-22 12:00:00 remove nano:amd64 7.2-1 <none>\n"
        "2026-11-23 12:00:00 install localtool:amd64 <none> 1.0\n"
        "garbage line\n"
        "2026-11-23 12:00:0 install short:amd64 <none> 1\n"
        "2026-11-24 13:00:00 install vim:i386 <none> 2:9.0.1378-2";

static const char history_log[] =
        "\n"
        "Start-Date: 2026-11-20  10:00:58\n"
        "Commandline: apt-get install vim\n"
        "Requested-By: taro (1001)\n"
        "Install: vim:amd64 (2:9.0.1378-2), vim-runtime:amd64 (2:9.0.1378-2, automatic)\n"
        "End-Date: 2026-11-20  10:01:05\n"
        "\n"
        "Start-Date: 2026-11-21  08:59:50\n"
        "Commandline: apt-get upgrade\n"
        "Upgrade: openssl:amd64 (3.0.11-1, 3.0.13-1), libssl3:amd64 (3.0.11-1, 3.0.13-1)\n"
        "End-Date: 2026-11-21  09:00:10\n"
        "\n"
        "Start-Date: 2026-11-22  11:59:00\n"
        "Remove: nano (7.2-1)\n"
        "End-Date: 2026-11-22  12:00:05\n"
        "\n"
        "Start-Date: 2026-11-01  10:00:00\n"
        "Commandline: apt install localtool\n"
        "Requested-By: hanako (1002)\n"
        "Install: localtool:amd64 (0.9)\n"
        "End-Date: 2026-11-01  10:00:05\n";

static void test_pkglog(void **state) {
        Attribution a[] = {
                { .name = "localtool", .arch = "amd64" },
                { .name = "nano", .arch = "amd64" },
                { .name = "openssl", .arch = "amd64" },
                { .name = "unknown", .arch = "amd64" },
                { .name = "vim", .arch = "amd64" },
        };
        char buf[128];

        pkglog_scan_dpkg(dpkg_log, strlen(dpkg_log), a, 5);
        pkglog_scan_history(history_log, strlen(history_log), a, 5);

        assert_string_equal(a[4].dpkg_when, "2026-11-20 10:01:02");
        assert_string_equal(a[4].apt_when, "2026-11-20 10:00:58");
        assert_string_equal(a[4].who, "taro");
        assert_string_equal(attribution_text(&a[4], buf, sizeof(buf)), " by taro on 2026-11-20");

        /* Run as root (no Requested-By) */
        assert_string_equal(attribution_text(&a[2], buf, sizeof(buf)), " by root on 2026-11-21");
        /* No Commandline (unattended-upgrades), and no arch in the entry. */
        assert_string_equal(a[1].who, "");
        assert_string_equal(attribution_text(&a[1], buf, sizeof(buf)), " on 2026-11-22");
        /* apt installed 0.9 on the 1st; dpkg -i put 1.0 there on the 23rd. */
        assert_string_equal(a[0].who, "hanako");
        assert_string_equal(attribution_text(&a[0], buf, sizeof(buf)), " on 2026-11-23");
        assert_string_equal(attribution_text(&a[3], buf, sizeof(buf)), "");
        assert_string_equal(attribution_text(NULL, buf, sizeof(buf)), "");
}

static void test_pkg_diff_text(void **state) {
        Package old = { .name = "openssl", .arch = "amd64", .version = "3.0.13-1", .state = PKG_INSTALLED };
        Package cur = { .name = "openssl", .arch = "amd64", .version = "3.0.11-1", .state = PKG_UNPACKED };
        Package vim = { .name = "vim", .arch = "amd64", .version = "2:9.0.1378-2", .state = PKG_INSTALLED };
        Attribution a = { .name = "vim", .arch = "amd64", .apt_when = "2026-11-20 10:00:58",
                          .apt_end = "2026-11-20 10:01:05", .who = "taro" };
        char buf[256];

        assert_string_equal(pkg_diff_text(&(PkgDiff) { DIFF_INSTALLED, NULL, &vim }, &a, buf, sizeof(buf)),
                            "installed vim 2:9.0.1378-2 (not in the approved set) by taro on 2026-11-20");
        assert_string_equal(pkg_diff_text(&(PkgDiff) { DIFF_REMOVED, &vim, NULL }, NULL, buf, sizeof(buf)),
                            "removed vim 2:9.0.1378-2 (in the approved set)");
        assert_string_equal(pkg_diff_text(&(PkgDiff) { DIFF_CHANGED, &old, &cur }, NULL, buf, sizeof(buf)),
                            "changed openssl 3.0.13-1 -> 3.0.11-1 (downgrade); dpkg left it unpacked");
        assert_string_equal(pkg_subject(&vim, buf, sizeof(buf)), "package:vim:amd64");
}

/* ---- polkit --------------------------------------------------------------------- */

static const char policy_fixture[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<policyconfig>\n"
        "  <!-- <action id=\"org.freedesktop.packagekit.commented\"><defaults>"
        "<allow_active>yes</allow_active></defaults></action> -->\n"
        "  <action id=\"org.freedesktop.packagekit.package-install\">\n"
        "    <_description>Install signed package</_description>\n"
        "    <defaults>\n"
        "      <allow_any>auth_admin</allow_any>\n"
        "      <allow_inactive>auth_admin</allow_inactive>\n"
        "      <allow_active> yes </allow_active>\n"
        "    </defaults>\n"
        "  </action>\n"
        "  <action id='org.freedesktop.packagekit.system-sources-refresh'>\n"
        "    <defaults><allow_active>yes</allow_active></defaults>\n"
        "  </action>\n"
        "  <actionx id=\"not.an.action\"></actionx>\n"
        "  <action  id=\"org.freedesktop.packagekit.package-remove\">\n"
        "    <defaults><allow_any>no</allow_any><allow_active>auth_admin_keep</allow_active></defaults>\n"
        "  </action>\n"
        "</policyconfig>\n";

static void test_polkit_policy(void **state) {
        _cleanup_sw_free_ PolkitAction *a = NULL;
        PolkitAction *none = NULL;
        size_t n;

        assert_int_equal(polkit_policy_parse(policy_fixture, strlen(policy_fixture), &a, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(a[0].id, "org.freedesktop.packagekit.package-install");
        assert_string_equal(a[0].allow_any, "auth_admin");
        assert_string_equal(a[0].allow_active, "yes");
        assert_string_equal(a[1].id, "org.freedesktop.packagekit.system-sources-refresh");
        assert_string_equal(a[1].allow_any, "");
        assert_string_equal(a[2].id, "org.freedesktop.packagekit.package-remove");
        assert_string_equal(a[2].allow_inactive, "");
        assert_string_equal(a[2].allow_active, "auth_admin_keep");

        assert_int_equal(polkit_policy_parse(S("<policyconfig></policyconfig>"), &none, &n), -EBADMSG);
        assert_int_equal(polkit_policy_parse(S("<action id=\"x\""), &none, &n), -EBADMSG);

        assert_true(polkit_result_is_restricted("auth_admin"));
        assert_true(polkit_result_is_restricted("auth_admin_keep"));
        assert_true(polkit_result_is_restricted("no"));
        assert_false(polkit_result_is_restricted("yes"));
        assert_false(polkit_result_is_restricted("auth_self"));
        assert_false(polkit_result_is_restricted("auth_self_keep"));
}

static const char *const admins[] = { "sudo", "admin", "wheel", NULL };

static void test_polkit_js(void **state) {
        assert_true(polkit_js_grants_packagekit(S(
                "polkit.addRule(function(action, subject) {\n"
                "  if (action.id.indexOf(\"org.freedesktop.packagekit.\") == 0 && subject.isInGroup(\"staff\"))\n"
                "    return polkit.Result.YES;\n"
                "});\n"), admins));
        assert_false(polkit_js_grants_packagekit(S(
                "polkit.addRule(function(action, subject) {\n"
                "  if (action.id.indexOf(\"org.freedesktop.packagekit.\") == 0)\n"
                "    return polkit.Result.AUTH_ADMIN; // not polkit.Result.YES\n"
                "  /* return polkit.Result.YES; */\n"
                "});\n"), admins));
        /* YES for something else entirely. */
        assert_false(polkit_js_grants_packagekit(S(
                "polkit.addRule(function(a, s) { if (a.id == \"org.freedesktop.udisks2.filesystem-mount\") "
                "return polkit.Result.YES; });\n"), admins));
        assert_false(polkit_js_grants_packagekit(polkit_mamori_rule_text(), strlen(polkit_mamori_rule_text()),
                                                 admins));
        /* Debian's PackageKit rule: the sudo group only, so administrators. */
        assert_false(polkit_js_grants_packagekit(S(
                "polkit.addRule(function(action, subject) {\n"
                "    if ((action.id == \"org.freedesktop.packagekit.upgrade-system\" ||\n"
                "         action.id == \"org.freedesktop.packagekit.trigger-offline-update\") &&\n"
                "        subject.active == true && subject.local == true &&\n"
                "        subject.isInGroup(\"sudo\")) {\n"
                "            return polkit.Result.YES;\n"
                "    }\n"
                "});\n"), admins));
        /* The same for a group that is not the administrators'. */
        assert_true(polkit_js_grants_packagekit(S(
                "polkit.addRule(function(action, subject) {\n"
                "    if (action.id == \"org.freedesktop.packagekit.package-install\" &&\n"
                "        (subject.isInGroup(\"sudo\") || subject.isInGroup(\"users\")))\n"
                "            return polkit.Result.YES;\n"
                "});\n"), admins));
        assert_true(polkit_js_grants_packagekit(S(
                "polkit.addRule(function(action, subject) {\n"
                "    var g = \"sudo\";\n"
                "    if (action.id == \"org.freedesktop.packagekit.package-install\" && subject.isInGroup(g))\n"
                "            return polkit.Result.YES;\n"
                "});\n"), admins));
}

static void test_polkit_pkla(void **state) {
        assert_true(polkit_pkla_grants(S(
                "[Allow staff to install]\n"
                "Identity=unix-group:staff\n"
                "Action=org.freedesktop.packagekit.*\n"
                "ResultActive=yes\n"), packagekit_install_actions, admins));
        assert_true(polkit_pkla_grants(S(
                "[other]\nIdentity=unix-user:*\nAction=org.gnome.foo\nResultActive=yes\n"
                "[pk]\nAction=foo;org.freedesktop.packagekit.package-install\nResultAny = yes"),
                packagekit_install_actions, admins));
        assert_false(polkit_pkla_grants(S(
                "[pk]\nAction=org.freedesktop.packagekit.*\nResultActive=auth_admin\n"
                "[other]\nAction=org.gnome.foo\nResultActive=yes\n"), packagekit_install_actions, admins));
        assert_false(polkit_pkla_grants(S(
                "[pk]\n#Action=org.freedesktop.packagekit.*\nResultActive=yes\n"), packagekit_install_actions, admins));
        /* Debian's vendor .pkla: the sudo group only. */
        assert_false(polkit_pkla_grants(S(
                "[Allow admins to upgrade the system]\nIdentity=unix-group:sudo\n"
                "Action=org.freedesktop.packagekit.upgrade-system;org.freedesktop.packagekit.trigger-offline-update\n"
                "ResultAny=no\nResultInactive=no\nResultActive=yes\n"), packagekit_install_actions, admins));
        assert_true(polkit_pkla_grants(S(
                "[x]\nIdentity=unix-group:sudo;unix-user:taro\nAction=org.freedesktop.packagekit.*\nResultActive=yes\n"),
                packagekit_install_actions, admins));
}

/* ---- passwd and group ------------------------------------------------------------ */

static void test_users(void **state) {
        UserDb db = {};

        assert_int_equal(userdb_parse_passwd(&db, S(
                "root:x:0:0:root:/root:/bin/bash\n"
                "broken line\n"
                "taro:x:1001:1001:Taro:/home/taro:/bin/bash\r\n"
                "baduid:x:99999999999:1:x:/:/bin/sh\n"
                "hanako:x:1002:100::/home/hanako:/bin/bash")), 0);
        assert_int_equal(userdb_parse_group(&db, S(
                "sudo:x:27:taro , hanako\n"
                "staff:x:50:\n"
                "#comment:x:1:\n")), 0);
        assert_int_equal(db.n_users, 3);
        assert_string_equal(userdb_user_by_uid(&db, 1001)->name, "taro");
        assert_null(userdb_user_by_uid(&db, 1003));
        assert_int_equal(userdb_user_by_name(&db, "hanako")->gid, 100);
        assert_int_equal(db.n_groups, 2);
        assert_true(group_has_member(&db.groups[0], "taro"));
        assert_true(group_has_member(&db.groups[0], "hanako"));
        assert_false(group_has_member(&db.groups[0], "tar"));
        assert_false(group_has_member(&db.groups[1], "taro"));
        userdb_done(&db);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stanza_basic),
                cmocka_unit_test(test_stanza_malformed),
                cmocka_unit_test(test_status_parse),
                cmocka_unit_test(test_status_empty),
                cmocka_unit_test(test_status_arch_dash),
                cmocka_unit_test(test_status_large),
                cmocka_unit_test(test_cvd_header),
                cmocka_unit_test(test_duration),
                cmocka_unit_test(test_dates),
                cmocka_unit_test(test_text_safe),
                cmocka_unit_test(test_approved_roundtrip),
                cmocka_unit_test(test_approved_malformed),
                cmocka_unit_test(test_diff),
                cmocka_unit_test(test_pkglog),
                cmocka_unit_test(test_pkg_diff_text),
                cmocka_unit_test(test_polkit_policy),
                cmocka_unit_test(test_polkit_js),
                cmocka_unit_test(test_polkit_pkla),
                cmocka_unit_test(test_users),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
