/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-reportd: the report endpoint (mamori-reportd(8)). A separate
 * process from mamorid: it only reads the report file the agent writes
 * atomically, runs as its own user without capabilities, and answers
 * only clients whose certificate the configured CA signed. What it
 * answers is decided by http_handle() (http_request.c); this file is the
 * libmicrohttpd and GnuTLS glue, the report cache and the limits. */
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "http_request.h"
#include "log.h"
#include "metrics.h"
#include "reportd_options.h"
#include "util.h"

/* PEM files larger than this are not certificates we want. */
#define PEM_MAX (1024 * 1024)

/* The report as last read, kept until the file changes (the agent
 * replaces it by rename, so a new inode, size or time means new content). */
typedef struct ReportCache {
        pthread_mutex_t lock;
        const char *path;
        uint64_t max_size;
        bool have_stat;
        struct stat st;
        char *json;
        size_t json_size;
        char *metrics;
        size_t metrics_size;
        int last_error;          /* logged once, not for every request */
} ReportCache;

/* One accepted TCP connection, to enforce the header timeout that
 * libmicrohttpd lacks: its own timeout restarts on every byte, so a
 * client sending one byte every few seconds (slowloris) would hold a
 * connection for ever. */
typedef struct Conn {
        struct Conn *prev, *next;
        int fd;
        uint64_t since_usec;     /* connect, or the end of the last answer */
        bool in_request;         /* headers complete, answer under way */
        bool reaped;
        bool verified;           /* peer certificate checked once for the connection */
} Conn;

typedef struct Reportd {
        ReportdOptions opt;
        ReportCache cache;
        pthread_mutex_t conns_lock;
        Conn *conns;
        unsigned n_conns;
} Reportd;

static uint64_t now_mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int read_whole(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int root = -EBADF;

        /* read_file_at() takes paths relative to a directory. */
        if (path[0] != '/')
                return read_file_at(AT_FDCWD, path, max, ret, ret_size);
        root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        return read_file_at(root, path, max, ret, ret_size);
}

static void cache_drop(ReportCache *c) {
        free(c->json);
        free(c->metrics);
        c->json = c->metrics = NULL;
        c->json_size = c->metrics_size = 0;
        c->have_stat = false;
}

/* With c->lock held: bring the cache up to date with the file. */
static void cache_refresh(ReportCache *c) {
        _cleanup_free_ char *json = NULL, *metrics = NULL;
        size_t json_size = 0, metrics_size = 0;
        struct stat st;
        int r;

        if (stat(c->path, &st) < 0) {
                r = -errno;
                if (r != c->last_error)
                        log_warning_errno(r, "Report %s cannot be read, answering 503: %m", c->path);
                c->last_error = r;
                cache_drop(c);
                return;
        }
        if (c->have_stat && st.st_dev == c->st.st_dev && st.st_ino == c->st.st_ino &&
            st.st_size == c->st.st_size && st.st_mtim.tv_sec == c->st.st_mtim.tv_sec &&
            st.st_mtim.tv_nsec == c->st.st_mtim.tv_nsec)
                return;

        cache_drop(c);
        r = read_whole(c->path, c->max_size, &json, &json_size);
        if (r < 0) {
                if (r != c->last_error)
                        log_warning_errno(r, "Failed to read report %s, answering 503: %m", c->path);
                c->last_error = r;
                return;
        }
        c->last_error = 0;
        r = metrics_from_report(json, json_size, &metrics, &metrics_size);
        if (r == -ENOMEM) {
                log_oom();
                return;
        }
        if (r < 0)
                log_warning("Report %s is not a valid report; /metrics answers 503.", c->path);
        c->json = TAKE_PTR(json);
        c->json_size = json_size;
        c->metrics = TAKE_PTR(metrics);
        c->metrics_size = metrics_size;
        c->st = st;
        c->have_stat = true;
        log_debug("Read report %s (%zu bytes).", c->path, c->json_size);
}

static Conn *conn_of(struct MHD_Connection *connection) {
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        Reportd *d = cls;
        Conn *c;

        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *fd_info =
                        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
                const union MHD_ConnectionInfo *tls =
                        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);

                /* The client must present a certificate, and GnuTLS checks it
                 * against --client-ca (signature, validity dates, key usage)
                 * during the handshake: a client without one, with one of
                 * another CA or an expired one never gets past the handshake.
                 * libmicrohttpd only asks for a certificate by itself. */
                if (tls && tls->tls_session) {
                        gnutls_certificate_server_set_request(tls->tls_session, GNUTLS_CERT_REQUIRE);
                        gnutls_session_set_verify_cert(tls->tls_session, NULL, 0);
                }
                c = calloc(1, sizeof *c);
                if (!c)
                        return;         /* not tracked: only the idle timeout applies */
                c->fd = fd_info ? fd_info->connect_fd : -1;
                c->since_usec = now_mono_usec();
                pthread_mutex_lock(&d->conns_lock);
                c->next = d->conns;
                if (d->conns)
                        d->conns->prev = c;
                d->conns = c;
                d->n_conns++;
                pthread_mutex_unlock(&d->conns_lock);
                *socket_context = c;
                return;
        }

        /* MHD_CONNECTION_NOTIFY_CLOSED: called before libmicrohttpd closes
         * the socket, so the reaper never shuts down a reused fd. */
        c = *socket_context;
        if (!c)
                return;
        pthread_mutex_lock(&d->conns_lock);
        if (c->prev)
                c->prev->next = c->next;
        else
                d->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        d->n_conns--;
        pthread_mutex_unlock(&d->conns_lock);
        free(c);
        *socket_context = NULL;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode code) {
        Reportd *d = cls;
        Conn *c = conn_of(connection);

        /* A kept-alive connection gets a new header deadline for its
         * next request. */
        if (c) {
                pthread_mutex_lock(&d->conns_lock);
                c->in_request = false;
                c->since_usec = now_mono_usec();
                pthread_mutex_unlock(&d->conns_lock);
        }
        *req_cls = NULL;
}

/* Close every connection that has spent longer than --header-timeout
 * without completing a request's headers (the TLS handshake included).
 * shutdown() makes libmicrohttpd see the end of the stream and close the
 * connection itself, in its own thread. */
static void reap_slow(Reportd *d) {
        uint64_t now = now_mono_usec(), limit = d->opt.header_timeout_sec * USEC_PER_SEC;
        unsigned reaped = 0;

        pthread_mutex_lock(&d->conns_lock);
        for (Conn *c = d->conns; c; c = c->next)
                if (!c->in_request && !c->reaped && c->fd >= 0 && now - c->since_usec > limit) {
                        (void) shutdown(c->fd, SHUT_RDWR);
                        c->reaped = true;
                        reaped++;
                }
        pthread_mutex_unlock(&d->conns_lock);
        if (reaped > 0)
                log_info("Closed %u connection(s) that did not send a request within %us.", reaped,
                         d->opt.header_timeout_sec);
}

/* The TLS handshake already refused clients without a certificate of
 * --client-ca; this checks the result again, once per connection (the
 * peer cannot change within it: TLS 1.3 has no renegotiation, and a GnuTLS
 * server renegotiates TLS 1.2 only when the application asks, which
 * libmicrohttpd never does), so that no change in how libmicrohttpd sets up its
 * sessions can let an unverified client through. A chain verification
 * costs more than the rest of an answer: it is not repeated for every
 * request of a kept-alive connection. */
static bool peer_verified(struct MHD_Connection *connection) {
        const union MHD_ConnectionInfo *tls =
                MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        unsigned status = 0, n = 0;

        if (!tls || !tls->tls_session)
                return false;
        if (!gnutls_certificate_get_peers(tls->tls_session, &n) || n == 0)
                return false;
        if (gnutls_certificate_verify_peers2(tls->tls_session, &status) < 0)
                return false;
        return status == 0;
}

static bool request_has_body(struct MHD_Connection *connection) {
        const char *cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);

        if (MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
                return true;
        return cl && strspn(cl, "0") != strlen(cl);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls) {
        static int headers_seen, answered;
        Reportd *d = cls;
        Conn *c = conn_of(connection);
        struct MHD_Response *mr;
        HttpRequest req;
        HttpResponse resp;
        enum MHD_Result ret;
        bool has_body;
        int n_args;

        /* Body bytes after the answer (413) was queued: dropped unread. */
        if (*req_cls == &answered) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        has_body = request_has_body(connection);
        if (!*req_cls) {
                *req_cls = &headers_seen;
                if (c) {
                        pthread_mutex_lock(&d->conns_lock);
                        c->in_request = true;
                        pthread_mutex_unlock(&d->conns_lock);
                }
                if (!(c && c->verified)) {
                        if (!peer_verified(connection)) {
                                log_notice("Refused a request from a client without a verified certificate.");
                                return MHD_NO;
                        }
                        if (c)
                                c->verified = true;
                }
                /* Answered on the next call, once libmicrohttpd has the whole
                 * request: an answer queued now would close the connection
                 * (no keep-alive). A request with a body is answered at once
                 * (413), and that connection is closed on purpose. */
                if (!has_body)
                        return MHD_YES;
        } else if (*upload_data_size > 0) {
                *upload_data_size = 0;
                return MHD_YES;
        }
        *req_cls = &answered;

        n_args = MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, NULL, NULL);
        req = (HttpRequest) {
                .method = method,
                .path = url,
                .version = version,
                .n_query_args = n_args > 0 ? (size_t) n_args : 0,
                .has_body = has_body,
        };

        pthread_mutex_lock(&d->cache.lock);
        cache_refresh(&d->cache);
        resp = http_handle(&req, &(HttpReport) {
                .json = d->cache.json,
                .json_size = d->cache.json_size,
                .metrics = d->cache.metrics,
                .metrics_size = d->cache.metrics_size,
        });
        /* Copied while the cache cannot change under it. */
        mr = MHD_create_response_from_buffer(resp.body_size, (void *) resp.body, MHD_RESPMEM_MUST_COPY);
        pthread_mutex_unlock(&d->cache.lock);
        if (!mr)
                return MHD_NO;

        if (MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type) != MHD_YES ||
            MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
            MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff") != MHD_YES ||
            (resp.allow && MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, resp.allow) != MHD_YES)) {
                MHD_destroy_response(mr);
                return MHD_NO;
        }
        /* A body sent with the request is not read: close afterwards
         * instead of parsing what follows as the next request. */
        if (resp.status == 413)
                (void) MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
        ret = MHD_queue_response(connection, resp.status, mr);
        MHD_destroy_response(mr);
        log_debug("%s %s: %u", method, resp.status == 404 ? "(unknown path)" : url, resp.status);
        return ret;
}

_printf_(2, 0) static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[512];
        size_t n;

        /* Refused handshakes land here (a client without a certificate,
         * with one of another CA, an expired one): worth a line, not more. */
        vsnprintf(buf, sizeof buf, fmt, ap);
        n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = 0;
        log_info("libmicrohttpd: %s", buf);
}

static int write_port_file(const char *path, uint16_t port) {
        char buf[16];
        int n = snprintf(buf, sizeof buf, "%u\n", (unsigned) port);

        return write_file_atomic(path, buf, (size_t) n, 0644);
}

static int run(int argc, char **argv) {
        _cleanup_free_ char *cert = NULL, *key = NULL, *ca = NULL;
        Reportd d = {};
        struct MHD_Daemon *daemon;
        const union MHD_DaemonInfo *info;
        unsigned flags;
        uint16_t port = 0;
        sigset_t sigs;
        size_t size;
        int r;

        reportd_options_init(&d.opt);
        r = reportd_options_parse(&d.opt, argc, argv);
        if (r != 0) {
                reportd_options_done(&d.opt);
                return r > 0 ? 0 : 2;
        }
        log_set_max_level(d.opt.log_level);

        if ((r = read_whole(d.opt.cert, PEM_MAX, &cert, &size)) < 0 ||
            (r = read_whole(d.opt.key, PEM_MAX, &key, &size)) < 0 ||
            (r = read_whole(d.opt.client_ca, PEM_MAX, &ca, &size)) < 0) {
                log_error_errno(r, "Failed to read the certificate, key or client CA: %m");
                reportd_options_done(&d.opt);
                return 1;
        }

        pthread_mutex_init(&d.cache.lock, NULL);
        pthread_mutex_init(&d.conns_lock, NULL);
        d.cache.path = d.opt.report;
        d.cache.max_size = d.opt.max_report_size;

        /* SIGTERM and SIGINT end the loop below; SIGPIPE from a vanished
         * client must not kill the process. Blocked before the worker
         * threads start, so only sigtimedwait() sees them. */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        signal(SIGPIPE, SIG_IGN);

        flags = MHD_USE_TLS | MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
        if (d.opt.listen.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        daemon = MHD_start_daemon(
                flags, 0, NULL, NULL, on_request, &d,
                /* First, so that errors of the options below reach it too. */
                MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &d.opt.listen,
                MHD_OPTION_HTTPS_MEM_CERT, cert,
                MHD_OPTION_HTTPS_MEM_KEY, key,
                MHD_OPTION_HTTPS_MEM_TRUST, ca,
                MHD_OPTION_HTTPS_PRIORITIES, d.opt.tls_priorities,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned) d.opt.max_connections,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) d.opt.max_connections_per_ip,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) d.opt.idle_timeout_sec,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) d.opt.max_request_size,
                /* 1 would draw a warning: no pool is the same thing. */
                MHD_OPTION_THREAD_POOL_SIZE, (unsigned) (d.opt.threads > 1 ? d.opt.threads : 0),
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, &d,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, &d,
                /* Requests that bend the syntax are refused, not guessed at. */
                MHD_OPTION_STRICT_FOR_CLIENT, (int) 1,
                MHD_OPTION_END);
        /* The key stays in libmicrohttpd's memory only. */
        explicit_bzero(key, strlen(key));
        if (!daemon) {
                log_error("Failed to start the HTTPS endpoint on %s (address in use, or a bad "
                          "certificate, key or CA).", d.opt.listen_text);
                r = 1;
                goto finish;
        }
        info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (info)
                port = info->port;
        if (d.opt.port_file && (r = write_port_file(d.opt.port_file, port)) < 0) {
                log_error_errno(r, "Failed to write %s: %m", d.opt.port_file);
                r = 1;
                goto stop;
        }
        log_info("Serving %s on port %u to clients of %s.", d.opt.report, (unsigned) port, d.opt.client_ca);
        (void) sd_notifyf(false, "READY=1\nSTATUS=Serving %s on port %u", d.opt.report, (unsigned) port);

        for (;;) {
                struct timespec tick = { .tv_sec = 0, .tv_nsec = 250 * 1000 * 1000 };
                int sig = sigtimedwait(&sigs, NULL, &tick);

                if (sig == SIGTERM || sig == SIGINT)
                        break;
                /* SIGHUP: nothing to reload; the report is re-read when it changes. */
                reap_slow(&d);
        }
        (void) sd_notify(false, "STOPPING=1");
        r = 0;
stop:
        MHD_stop_daemon(daemon);
finish:
        pthread_mutex_lock(&d.cache.lock);
        cache_drop(&d.cache);
        pthread_mutex_unlock(&d.cache.lock);
        reportd_options_done(&d.opt);
        return r;
}

int main(int argc, char **argv) {
        log_set_target(LOG_TARGET_STDERR);
        return run(argc, argv);
}
