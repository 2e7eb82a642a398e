/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>

#include "util.h"

static void test_parse_duration(void **state) {
        uint64_t u;

        assert_int_equal(parse_duration("90", &u), 0);
        assert_int_equal(u, 90 * USEC_PER_SEC);
        assert_int_equal(parse_duration("10m", &u), 0);
        assert_int_equal(u, 600 * USEC_PER_SEC);
        assert_int_equal(parse_duration("15min", &u), 0);
        assert_int_equal(u, 900 * USEC_PER_SEC);
        assert_int_equal(parse_duration("1h30m", &u), 0);
        assert_int_equal(u, 5400 * USEC_PER_SEC);
        assert_int_equal(parse_duration("1d", &u), 0);
        assert_int_equal(u, 86400 * USEC_PER_SEC);
        assert_int_equal(parse_duration("250ms", &u), 0);
        assert_int_equal(u, 250 * USEC_PER_MSEC);
        assert_int_equal(parse_duration("", &u), -EINVAL);
        assert_int_equal(parse_duration("h", &u), -EINVAL);
        assert_int_equal(parse_duration("10x", &u), -EINVAL);
        assert_int_equal(parse_duration("1h 30", &u), -EINVAL);
        assert_int_equal(parse_duration("-5s", &u), -EINVAL);
        assert_int_equal(parse_duration("99999999999999999999d", &u), -ERANGE);
}

static void test_iso8601(void **state) {
        char b[ISO8601_SIZE];

        format_iso8601(0, b);
        assert_string_equal(b, "1970-01-01T00:00:00Z");
        format_iso8601(1764061200ULL * USEC_PER_SEC + 999999, b);
        assert_string_equal(b, "2025-11-25T09:00:00Z");
}

static void test_sha256(void **state) {
        char h[SHA256_HEX_SIZE];

        /* FIPS 180-2 test vector for "abc" */
        sha256_hex("abc", 3, h);
        assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sanitize(void **state) {
        char *s = text_sanitize("line1\nline2\x1b[31m", 100);
        assert_string_equal(s, "line1?line2?[31m");
        free(s);
        /* cut inside a UTF-8 sequence: the partial character goes */
        s = text_sanitize("端末", 4); /* 3 + 1 bytes */
        assert_string_equal(s, "端");
        free(s);
        s = text_sanitize(NULL, 10);
        assert_string_equal(s, "");
        free(s);
}

static void test_strv(void **state) {
        char **l = NULL, *j;
        size_t n = 0;

        assert_int_equal(strv_consume(&l, &n, strdup("a")), 0);
        assert_int_equal(strv_consume(&l, &n, strdup("b")), 0);
        assert_int_equal(strv_length(l), 2);
        j = strv_join(l, ", ");
        assert_string_equal(j, "a, b");
        free(j);
        strv_free(l);
}

static void test_read_file_at(void **state) {
        char dir[] = "/tmp/mamori-util.XXXXXX", path[64], *buf = NULL;
        size_t size;
        int dfd;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/f", dir);
        f = fopen(path, "we");
        fputs("hello", f);
        fclose(f);
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(read_file_at(dfd, "/f", 100, &buf, &size), 0);
        assert_string_equal(buf, "hello");
        assert_int_equal(size, 5);
        free(buf);
        assert_int_equal(read_file_at(dfd, "f", 3, &buf, &size), -EFBIG);
        assert_int_equal(read_file_at(dfd, "missing", 100, &buf, &size), -ENOENT);
        assert_int_equal(read_file_at(dfd, "/", 100, &buf, &size), -EISDIR);
        close(dfd);
        unlink(path);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_duration),
                cmocka_unit_test(test_iso8601),
                cmocka_unit_test(test_sha256),
                cmocka_unit_test(test_sanitize),
                cmocka_unit_test(test_strv),
                cmocka_unit_test(test_read_file_at),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
