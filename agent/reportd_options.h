/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>
#include <sys/socket.h>

/* mamori-reportd's command line (mamori-reportd(8)). It has its own small
 * set of options instead of a section in mamori.conf: the endpoint is a
 * separate unprivileged program, and the agent's configuration file is
 * root's. */

#define REPORTD_DEFAULT_PORT 9731
#define REPORTD_DEFAULT_REPORT "/var/lib/mamori/report.json"

typedef struct ReportdOptions {
        struct sockaddr_storage listen;
        socklen_t listen_len;
        char *listen_text;               /* as given, for messages */
        char *cert;                      /* PEM: server certificate (chain) */
        char *key;                       /* PEM: its private key */
        char *client_ca;                 /* PEM: CA(s) whose client certificates are answered */
        char *report;
        char *port_file;                 /* write the bound port here (with port 0) */
        char *tls_priorities;
        unsigned max_connections;        /* in total */
        unsigned max_connections_per_ip;
        unsigned max_request_size;       /* bytes of memory per connection: request line + headers */
        unsigned header_timeout_sec;     /* from connect (or the last answer) to complete headers */
        unsigned idle_timeout_sec;       /* no byte moved for this long */
        uint64_t max_report_size;
        unsigned threads;
        int log_level;
} ReportdOptions;

/* Defaults, before parsing. */
void reportd_options_init(ReportdOptions *o);
void reportd_options_done(ReportdOptions *o);

/* "127.0.0.1:9731", "[::1]:9731", "0.0.0.0:0" (0: any free port).
 * Numeric addresses only: no name lookup at start. -EINVAL otherwise. */
int reportd_parse_listen(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);

/* Returns 0 to run, 1 after --help/--version (exit 0), -EINVAL for a
 * usage error (message on stderr). */
int reportd_options_parse(ReportdOptions *o, int argc, char **argv);
