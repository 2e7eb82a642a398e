/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-reportd's request handling (http_handle), the report JSON
 * helpers and the --listen parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http_json.h"
#include "http_request.h"
#include "reportd_options.h"
#include "util.h"

static const HttpReport rep = {
        .json = "{\"schema\":1}",
        .json_size = 12,
        .metrics = "mamori_score 1\n",
        .metrics_size = 15,
};

static HttpResponse ask(const char *method, const char *path, size_t n_args, bool body, const HttpReport *r) {
        return http_handle(&(HttpRequest) {
                .method = method,
                .path = path,
                .version = "HTTP/1.1",
                .n_query_args = n_args,
                .has_body = body,
        }, r);
}

static void test_routes(void **state) {
        HttpResponse a;

        a = ask("GET", "/v1/report", 0, false, &rep);
        assert_int_equal(a.status, 200);
        assert_string_equal(a.content_type, "application/json");
        assert_ptr_equal(a.body, rep.json);
        assert_int_equal(a.body_size, 12);

        a = ask("GET", "/metrics", 0, false, &rep);
        assert_int_equal(a.status, 200);
        assert_string_equal(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
        assert_ptr_equal(a.body, rep.metrics);
        assert_int_equal(a.body_size, 15);
}

static void test_refusals(void **state) {
        static const struct {
                const char *method, *path;
                size_t n_args;
                bool body;
                unsigned status;
        } cases[] = {
                { "GET", "/", 0, false, 404 },
                { "GET", "/v1/report/", 0, false, 404 },
                { "GET", "/v1/Report", 0, false, 404 },
                { "GET", "/metrics/../v1/report", 0, false, 404 },
                { "GET", "/v1/report", 1, false, 404 },
                { "GET", "", 0, false, 404 },
                { "POST", "/etc/passwd", 0, true, 404 },
                { "POST", "/v1/report", 0, false, 405 },
                { "HEAD", "/metrics", 0, false, 405 },
                { "PUT", "/metrics", 0, true, 405 },
                { "DELETE", "/v1/report", 0, false, 405 },
                { "get", "/metrics", 0, false, 405 },
                { "GET", "/metrics", 0, true, 413 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                HttpResponse a = ask(cases[i].method, cases[i].path, cases[i].n_args, cases[i].body, &rep);

                assert_int_equal(a.status, cases[i].status);
                assert_string_equal(a.content_type, "text/plain; charset=utf-8");
                /* A fixed text: nothing from the request comes back. */
                if (strlen(cases[i].path) > 1)
                        assert_null(strstr(a.body, cases[i].path + 1));
                assert_int_equal(a.body_size, strlen(a.body));
                if (cases[i].status == 405)
                        assert_string_equal(a.allow, "GET");
                else
                        assert_null(a.allow);
        }
}

static void test_versions_and_report_state(void **state) {
        HttpResponse a;

        a = http_handle(&(HttpRequest) { .method = "GET", .path = "/metrics", .version = "HTTP/2.0" }, &rep);
        assert_int_equal(a.status, 505);
        a = http_handle(&(HttpRequest) { .method = "GET", .path = "/metrics", .version = "HTTP/1.0" }, &rep);
        assert_int_equal(a.status, 200);
        a = http_handle(&(HttpRequest) { .method = NULL, .path = NULL, .version = NULL }, NULL);
        assert_int_equal(a.status, 505);

        /* No report file yet: 503 on both; a file that is not a report:
         * served as it is on /v1/report, 503 on /metrics. */
        a = ask("GET", "/v1/report", 0, false, NULL);
        assert_int_equal(a.status, 503);
        a = ask("GET", "/metrics", 0, false, &(HttpReport) {});
        assert_int_equal(a.status, 503);
        a = ask("GET", "/v1/report", 0, false, &(HttpReport) { .json = "garbage", .json_size = 7 });
        assert_int_equal(a.status, 200);
        a = ask("GET", "/metrics", 0, false, &(HttpReport) { .json = "garbage", .json_size = 7 });
        assert_int_equal(a.status, 503);
        assert_string_equal(a.body, "report not valid\n");
}

static void test_parse_time(void **state) {
        int64_t t = 0;

        assert_int_equal(http_json_parse_time("1970-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, 0);
        /* 2024-02-29: 19782 days after the epoch. */
        assert_int_equal(http_json_parse_time("2024-02-29T12:00:01Z", &t), 0);
        assert_int_equal(t, 19782 * 86400 + 12 * 3600 + 1);
        assert_int_equal(http_json_parse_time("2023-02-29T12:00:01Z", &t), -EINVAL);
        assert_int_equal(http_json_parse_time("2026-13-01T00:00:00Z", &t), -EINVAL);
        assert_int_equal(http_json_parse_time("2026-11-25T09:00:00", &t), -EINVAL);
        assert_int_equal(http_json_parse_time("2026-11-25 09:00:00Z", &t), -EINVAL);
        assert_int_equal(http_json_parse_time("2026-11-25T24:00:00Z", &t), -EINVAL);
        assert_int_equal(http_json_parse_time("+026-11-25T09:00:00Z", &t), -EINVAL);
        assert_int_equal(http_json_parse_time(NULL, &t), -EINVAL);
}

static void test_json_parse(void **state) {
        json_object *o = NULL;
        int64_t v;

        assert_int_equal(http_json_parse("{\"a\":1}\n", 8, &o), 0);
        assert_true(http_json_get_int(o, "a", 0, 10, &v));
        assert_int_equal(v, 1);
        assert_false(http_json_get_int(o, "a", 2, 10, &v));
        assert_null(http_json_get_string(o, "a"));
        assert_null(http_json_get(o, "b", json_type_int));
        json_object_put(o);
        assert_int_equal(http_json_parse("{\"a\":1}{}", 9, &o), -EBADMSG);
        assert_int_equal(http_json_parse("{\"a\":1", 6, &o), -EBADMSG);
        assert_int_equal(http_json_parse("{\"a\":\"\xc3\"}", 8, &o), -EBADMSG);
        assert_int_equal(http_json_parse("\"s\"", 3, &o), -EBADMSG);
}

static void test_listen(void **state) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        struct sockaddr_in *in = (struct sockaddr_in *) &ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

        assert_int_equal(reportd_parse_listen("127.0.0.1:9731", &ss, &len), 0);
        assert_int_equal(in->sin_family, AF_INET);
        assert_int_equal(ntohs(in->sin_port), 9731);
        assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
        assert_int_equal(len, sizeof(struct sockaddr_in));

        assert_int_equal(reportd_parse_listen("[::1]:0", &ss, &len), 0);
        assert_int_equal(in6->sin6_family, AF_INET6);
        assert_int_equal(ntohs(in6->sin6_port), 0);
        assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));

        static const char *const bad[] = {
                "", "9731", "localhost:9731", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                "127.0.0.1:+1", "::1:9731", "[::1]9731", "[::1", "[127.0.0.1]:1", "1.2.3.4:0x10", "1.2.3:1",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(reportd_parse_listen(bad[i], &ss, &len), -EINVAL);
}

static void test_options(void **state) {
        ReportdOptions o;
        char *ok[] = { (char *) "x", (char *) "--listen", (char *) "127.0.0.1:1", (char *) "--cert",
                       (char *) "c", (char *) "--key", (char *) "k", (char *) "--client-ca", (char *) "ca",
                       (char *) "--max-connections-per-ip", (char *) "3", NULL };
        char *missing[] = { (char *) "x", (char *) "--listen", (char *) "127.0.0.1:1", NULL };
        char *small[] = { (char *) "x", (char *) "--listen", (char *) "127.0.0.1:1", (char *) "--cert",
                          (char *) "c", (char *) "--key", (char *) "k", (char *) "--client-ca", (char *) "ca",
                          (char *) "--max-request-size", (char *) "100", NULL };

        reportd_options_init(&o);
        assert_int_equal(reportd_options_parse(&o, 11, ok), 0);
        assert_int_equal(o.max_connections_per_ip, 3);
        assert_int_equal(o.max_connections, 64);
        assert_string_equal(o.report, "/var/lib/mamori/report.json");
        reportd_options_done(&o);

        reportd_options_init(&o);
        assert_int_equal(reportd_options_parse(&o, 3, missing), -EINVAL);
        reportd_options_done(&o);

        reportd_options_init(&o);
        assert_int_equal(reportd_options_parse(&o, 11, small), -EINVAL);
        reportd_options_done(&o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_routes),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_versions_and_report_state),
                cmocka_unit_test(test_parse_time),
                cmocka_unit_test(test_json_parse),
                cmocka_unit_test(test_listen),
                cmocka_unit_test(test_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
