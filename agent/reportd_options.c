/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <syslog.h>

#include "reportd_options.h"
#include "util.h"

void reportd_options_init(ReportdOptions *o) {
        *o = (ReportdOptions) {
                .max_connections = 64,
                .max_connections_per_ip = 8,
                /* The largest request a client of ours sends (Prometheus,
                 * curl) is under 1 KiB; the rest of the 16 KiB holds the
                 * answer's headers and libmicrohttpd's bookkeeping. */
                .max_request_size = 16384,
                .header_timeout_sec = 10,
                .idle_timeout_sec = 30,
                .max_report_size = 16 * 1024 * 1024,
                .threads = 2,
                .log_level = LOG_INFO,
        };
}

void reportd_options_done(ReportdOptions *o) {
        free(o->listen_text);
        free(o->cert);
        free(o->key);
        free(o->client_ca);
        free(o->report);
        free(o->port_file);
        free(o->tls_priorities);
        *o = (ReportdOptions) {};
}

int reportd_parse_listen(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        _cleanup_free_ char *host = NULL;
        const char *colon, *port_s;
        uint64_t port;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');

                if (!close || close[1] != ':')
                        return -EINVAL;
                host = strndup(s + 1, (size_t) (close - s - 1));
                port_s = close + 2;
        } else {
                colon = strrchr(s, ':');
                if (!colon || strchr(s, ':') != colon)
                        return -EINVAL;
                host = strndup(s, (size_t) (colon - s));
                port_s = colon + 1;
        }
        if (!host)
                return -ENOMEM;
        if (!*port_s || strspn(port_s, "0123456789") != strlen(port_s) || strlen(port_s) > 5 ||
            parse_uint64(port_s, &port) < 0 || port > 65535)
                return -EINVAL;

        *ret = (struct sockaddr_storage) {};
        if (s[0] != '[') {
                struct sockaddr_in *in = (struct sockaddr_in *) ret;

                if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
                        return -EINVAL;
                in->sin_family = AF_INET;
                in->sin_port = htons((uint16_t) port);
                *ret_len = sizeof *in;
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;

                if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
                        return -EINVAL;
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons((uint16_t) port);
                *ret_len = sizeof *in6;
        }
        return 0;
}

static int parse_unsigned(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v;

        if (parse_uint64(s, &v) < 0 || v < min || v > max) {
                fprintf(stderr, "mamori-reportd: --%s: '%s' is not a number from %" PRIu64 " to %" PRIu64 "\n",
                        name, s, min, max);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int set_string(char **field, const char *v) {
        char *c = strdup(v);

        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

static void usage(void) {
        printf("Usage: mamori-reportd --listen ADDR:PORT --cert FILE --key FILE --client-ca FILE [OPTION...]\n"
               "Serve the mamori report over HTTPS to clients holding a certificate of the given CA.\n\n"
               "  --listen ADDR:PORT            address to listen on (127.0.0.1:9731, [::]:9731; port 0: any)\n"
               "  --cert FILE                   server certificate (PEM, chain allowed)\n"
               "  --key FILE                    server private key (PEM)\n"
               "  --client-ca FILE              CA certificates that sign accepted client certificates\n"
               "  --report FILE                 the agent's JSON report (default %s)\n"
               "  --max-connections N           connections in total (default 64)\n"
               "  --max-connections-per-ip N    connections from one address (default 8)\n"
               "  --max-request-size BYTES      memory per connection for request line and headers (default 16384)\n"
               "  --header-timeout SEC          time allowed from connect to complete headers (default 10)\n"
               "  --idle-timeout SEC            close a connection silent this long (default 30)\n"
               "  --max-report-size BYTES       largest report file served (default 16 MiB)\n"
               "  --threads N                   worker threads (default 2)\n"
               "  --tls-priorities STRING       GnuTLS priority string (default TLS 1.2 and 1.3)\n"
               "  --port-file FILE              write the port listened on to FILE\n"
               "  --log-level LEVEL             err, warning, notice, info (default), debug\n"
               "  --help, --version\n",
               REPORTD_DEFAULT_REPORT);
}

static int parse_level(const char *s, int *ret) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i])) {
                        *ret = (int) i;
                        return 0;
                }
        return -EINVAL;
}

int reportd_options_parse(ReportdOptions *o, int argc, char **argv) {
        enum {
                ARG_LISTEN = 0x100, ARG_CERT, ARG_KEY, ARG_CLIENT_CA, ARG_REPORT, ARG_MAX_CONN,
                ARG_MAX_CONN_IP, ARG_MAX_REQ, ARG_HEADER_TIMEOUT, ARG_IDLE_TIMEOUT, ARG_MAX_REPORT,
                ARG_THREADS, ARG_PRIO, ARG_PORT_FILE, ARG_LOG_LEVEL, ARG_HELP, ARG_VERSION,
        };
        static const struct option opts[] = {
                { "listen", required_argument, NULL, ARG_LISTEN },
                { "cert", required_argument, NULL, ARG_CERT },
                { "key", required_argument, NULL, ARG_KEY },
                { "client-ca", required_argument, NULL, ARG_CLIENT_CA },
                { "report", required_argument, NULL, ARG_REPORT },
                { "max-connections", required_argument, NULL, ARG_MAX_CONN },
                { "max-connections-per-ip", required_argument, NULL, ARG_MAX_CONN_IP },
                { "max-request-size", required_argument, NULL, ARG_MAX_REQ },
                { "header-timeout", required_argument, NULL, ARG_HEADER_TIMEOUT },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                { "max-report-size", required_argument, NULL, ARG_MAX_REPORT },
                { "threads", required_argument, NULL, ARG_THREADS },
                { "tls-priorities", required_argument, NULL, ARG_PRIO },
                { "port-file", required_argument, NULL, ARG_PORT_FILE },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "help", no_argument, NULL, ARG_HELP },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        uint64_t v = 0;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case ARG_LISTEN:
                        if (reportd_parse_listen(optarg, &o->listen, &o->listen_len) < 0) {
                                fprintf(stderr, "mamori-reportd: --listen: '%s' is not ADDR:PORT "
                                        "with a numeric address (127.0.0.1:9731, [::]:9731)\n", optarg);
                                return -EINVAL;
                        }
                        r = set_string(&o->listen_text, optarg);
                        break;
                case ARG_CERT:
                        r = set_string(&o->cert, optarg);
                        break;
                case ARG_KEY:
                        r = set_string(&o->key, optarg);
                        break;
                case ARG_CLIENT_CA:
                        r = set_string(&o->client_ca, optarg);
                        break;
                case ARG_REPORT:
                        r = set_string(&o->report, optarg);
                        break;
                case ARG_PORT_FILE:
                        r = set_string(&o->port_file, optarg);
                        break;
                case ARG_PRIO:
                        r = set_string(&o->tls_priorities, optarg);
                        break;
                case ARG_MAX_CONN:
                        r = parse_unsigned("max-connections", optarg, 1, 65536, &v);
                        o->max_connections = (unsigned) v;
                        break;
                case ARG_MAX_CONN_IP:
                        /* 0: no limit per address */
                        r = parse_unsigned("max-connections-per-ip", optarg, 0, 65536, &v);
                        o->max_connections_per_ip = (unsigned) v;
                        break;
                case ARG_MAX_REQ:
                        /* Below 4 KiB libmicrohttpd cannot hold an answer's headers. */
                        r = parse_unsigned("max-request-size", optarg, 4096, 1024 * 1024, &v);
                        o->max_request_size = (unsigned) v;
                        break;
                case ARG_HEADER_TIMEOUT:
                        r = parse_unsigned("header-timeout", optarg, 1, 3600, &v);
                        o->header_timeout_sec = (unsigned) v;
                        break;
                case ARG_IDLE_TIMEOUT:
                        r = parse_unsigned("idle-timeout", optarg, 1, 3600, &v);
                        o->idle_timeout_sec = (unsigned) v;
                        break;
                case ARG_MAX_REPORT:
                        r = parse_unsigned("max-report-size", optarg, 1024, UINT64_C(1) << 30, &v);
                        o->max_report_size = v;
                        break;
                case ARG_THREADS:
                        r = parse_unsigned("threads", optarg, 1, 64, &v);
                        o->threads = (unsigned) v;
                        break;
                case ARG_LOG_LEVEL:
                        if (parse_level(optarg, &o->log_level) < 0) {
                                fprintf(stderr, "mamori-reportd: --log-level: unknown level '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_HELP:
                        usage();
                        return 1;
                case ARG_VERSION:
                        printf("mamori-reportd %s\n", MAMORI_VERSION);
                        return 1;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                fprintf(stderr, "mamori-reportd: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        if (!o->listen_text || !o->cert || !o->key || !o->client_ca) {
                fprintf(stderr, "mamori-reportd: --listen, --cert, --key and --client-ca are required "
                        "(the endpoint answers only clients with a certificate of the CA)\n");
                return -EINVAL;
        }
        if (!o->report && set_string(&o->report, REPORTD_DEFAULT_REPORT) < 0)
                return -ENOMEM;
        if (!o->tls_priorities &&
            set_string(&o->tls_priorities, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2") < 0)
                return -ENOMEM;
        return 0;
}
