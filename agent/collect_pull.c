/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "collect_pull.h"
#include "util.h"

typedef struct Transfer {
        CURL *easy;
        PullResult *result;
        const PullOptions *opt;
        size_t alloc;
        bool too_large;
        char errbuf[CURL_ERROR_SIZE];
} Transfer;

void pull_result_done(PullResult *r) {
        if (!r)
                return;
        free(r->body);
        *r = (PullResult) {};
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        PullResult *r = t->result;
        size_t n = size * nmemb;

        /* A terminal that sends more than any report can be is cut off
         * here, before it costs the collector memory. */
        if (n > t->opt->max_size || r->body_size + n > t->opt->max_size) {
                t->too_large = true;
                return 0;
        }
        if (r->body_size + n + 1 > t->alloc) {
                size_t na = t->alloc ? t->alloc : 16384;
                char *nb;

                while (na < r->body_size + n + 1)
                        na *= 2;
                nb = realloc(r->body, na);
                if (!nb)
                        return 0;
                r->body = nb;
                t->alloc = na;
        }
        memcpy(r->body + r->body_size, data, n);
        r->body_size += n;
        r->body[r->body_size] = 0;
        return n;
}

static int transfer_setup(Transfer *t, const Terminal *term) {
        char url[512];
        CURL *e;

        /* IPv6 addresses go in brackets in a URL. */
        snprintf(url, sizeof url, strchr(term->address, ':') ? "https://[%s]:%u/v1/report" : "https://%s:%u/v1/report",
                 term->address, (unsigned) term->port);
        e = curl_easy_init();
        if (!e)
                return -ENOMEM;
        t->easy = e;
        if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
            /* One connection per terminal, closed after its pull: two
             * inventory names that share an address are still pulled as
             * two terminals, and no session outlives the run. */
            curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_CAINFO, t->opt->cacert) != CURLE_OK ||
            /* Only the given CA: not the system's store as well. */
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSLCERT, t->opt->cert) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSLKEY, t->opt->key) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->opt->connect_timeout_ms) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t->opt->timeout_ms) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_USERAGENT, "mamori-collect/" MAMORI_VERSION) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEDATA, t) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PRIVATE, t) != CURLE_OK)
                return -EINVAL;
        return 0;
}

static void transfer_finish(Transfer *t, CURLcode code) {
        PullResult *r = t->result;
        double secs = 0;

        (void) curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &secs);
        r->seconds = secs;
        (void) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->http_code);
        if (t->too_large) {
                r->status = PULL_TOO_LARGE;
                snprintf(r->error, sizeof r->error, "report larger than %zu bytes", t->opt->max_size);
        } else if (code != CURLE_OK) {
                r->status = PULL_UNREACHABLE;
                snprintf(r->error, sizeof r->error, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
        } else if (r->http_code != 200) {
                r->status = PULL_HTTP_ERROR;
                snprintf(r->error, sizeof r->error, "HTTP status %ld", r->http_code);
        } else
                r->status = PULL_OK;
        if (r->status != PULL_OK) {
                free(r->body);
                r->body = NULL;
                r->body_size = 0;
        }
}

static void progress(const PullOptions *o, size_t done, size_t total, size_t failed, bool last) {
        if (!o->progress)
                return;
        fprintf(stderr, "\rmamori-collect: %zu/%zu pulled, %zu failed%s", done, total, failed, last ? "\n" : "");
        fflush(stderr);
}

int pull_all(const Inventory *inv, const PullOptions *o, PullResult *results) {
        _cleanup_free_ Transfer *ts = NULL;
        CURLM *multi;
        size_t next = 0, done = 0, failed = 0;
        int running = 0, r = 0;

        for (size_t i = 0; i < inv->n; i++)
                results[i] = (PullResult) {};
        if (inv->n == 0)
                return 0;
        ts = calloc(inv->n, sizeof *ts);
        if (!ts)
                return -ENOMEM;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -EIO;
        multi = curl_multi_init();
        if (!multi) {
                curl_global_cleanup();
                return -ENOMEM;
        }
        (void) curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) o->parallel);

        progress(o, 0, inv->n, 0, false);
        while (done < inv->n) {
                CURLMsg *m;
                int left, numfds;

                /* Keep at most --parallel transfers in flight. */
                while (next < inv->n && next - done < o->parallel) {
                        Transfer *t = &ts[next];

                        *t = (Transfer) { .result = &results[next], .opt = o };
                        r = transfer_setup(t, &inv->items[next]);
                        if (r < 0 || curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
                                results[next].status = PULL_UNREACHABLE;
                                snprintf(results[next].error, sizeof results[next].error,
                                         "could not set up the transfer");
                                if (t->easy)
                                        curl_easy_cleanup(t->easy);
                                t->easy = NULL;
                                done++;
                                failed++;
                                r = 0;
                        }
                        next++;
                }
                if (curl_multi_perform(multi, &running) != CURLM_OK) {
                        r = -EIO;
                        break;
                }
                while ((m = curl_multi_info_read(multi, &left))) {
                        Transfer *t = NULL;

                        if (m->msg != CURLMSG_DONE)
                                continue;
                        (void) curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &t);
                        transfer_finish(t, m->data.result);
                        curl_multi_remove_handle(multi, t->easy);
                        curl_easy_cleanup(t->easy);
                        t->easy = NULL;
                        done++;
                        failed += t->result->status != PULL_OK;
                        progress(o, done, inv->n, failed, false);
                }
                if (done < inv->n && running > 0 &&
                    curl_multi_poll(multi, NULL, 0, 1000, &numfds) != CURLM_OK) {
                        r = -EIO;
                        break;
                }
        }
        progress(o, done, inv->n, failed, true);
        for (size_t i = 0; i < inv->n; i++)
                if (ts[i].easy) {
                        curl_multi_remove_handle(multi, ts[i].easy);
                        curl_easy_cleanup(ts[i].easy);
                }
        curl_multi_cleanup(multi);
        curl_global_cleanup();
        return r;
}
