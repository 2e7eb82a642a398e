/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The integrity plugin's benchmark driver, built by tests/bench/integrity.sh
 * against the plugin's objects and the unit tests' fake host (the plugin
 * runs exactly as in mamorid, against the real root "/"):
 *
 *   bench-baseline baseline TREE STATE    first run on TREE: record the
 *                                         baseline, save it to the file STATE
 *   bench-baseline rescan TREE STATE      a full scheduled rescan of TREE
 *                                         against the baseline in STATE
 *   bench-baseline latency DIR N          N writes in DIR, each timed from
 *                                         just before the write to the
 *                                         integrity.drift event; p50/p99
 *
 * Times printed here cover the evaluation alone; the script wraps the whole
 * process in /usr/bin/time -v for CPU time and peak memory. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fake-host.h"
#include "../../../plugins/integrity/integrity.h"

extern const struct mamori_plugin mamori_plugin;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static int die(const char *what) {
        fprintf(stderr, "bench-baseline: %s\n", what);
        return 1;
}

static void tree_stats(FakeHost *fh, size_t *files, size_t *dirs, uint64_t *bytes) {
        Integrity *ig = fh->state;
        const Group *g = ig->groups[0];
        /* Without a watch, a first run hands its records to the baseline. */
        const RecordSet *s = g->have_current ? &g->current : &g->baseline->records;

        *files = *dirs = 0;
        *bytes = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (s->items[i].type == REC_FILE) {
                        (*files)++;
                        *bytes += s->items[i].size;
                } else if (s->items[i].type == REC_DIR)
                        (*dirs)++;
        }
}

static int save_state(const FakeHost *fh, const char *path) {
        FILE *f = fopen(path, "we");

        if (!f || fh->n_kv != 1 || fwrite(fh->kv[0].data, 1, fh->kv[0].size, f) != fh->kv[0].size) {
                if (f)
                        fclose(f);
                return -EIO;
        }
        return fclose(f) == 0 ? 0 : -EIO;
}

static int load_state(FakeHost *fh, const char *path) {
        struct stat st;
        void *data;
        FILE *f = fopen(path, "re");
        int r;

        if (!f || fstat(fileno(f), &st) < 0) {
                if (f)
                        fclose(f);
                return -EIO;
        }
        data = malloc((size_t) st.st_size + 1);
        if (!data || fread(data, 1, (size_t) st.st_size, f) != (size_t) st.st_size) {
                free(data);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        r = fh->api.state_put((struct mamori_host *) (void *) fh, "baseline:bench.tree", data,
                              (size_t) st.st_size);
        free(data);
        return r;
}

static int run_scan(const char *mode, const char *tree, const char *state) {
        FakeHost fh;
        FakeRule fr;
        size_t files, dirs;
        uint64_t bytes, start, took;
        int r;

        if (fake_host_init(&fh, "/", &mamori_plugin) < 0)
                return die("cannot set up the fake host");
        fake_rule(&fr, IG_CHECK);
        fr.rule.id = "bench.tree";
        fake_rule_param(&fr, "paths", tree, NULL);
        if (strcmp(mode, "rescan") == 0 && load_state(&fh, state) < 0)
                return die("cannot read the saved baseline");

        start = now_usec();
        r = fake_host_evaluate(&fh, &fr.rule);
        took = now_usec() - start;
        if (r < 0) {
                fprintf(stderr, "bench-baseline: evaluation failed: %s\n", strerror(-r));
                return 1;
        }
        tree_stats(&fh, &files, &dirs, &bytes);
        printf("%s of %s: %zu files, %zu directories, %.2f GiB in %.3f s (evaluation alone); "
               "findings: %zu pass, %zu fail, %zu error\n",
               mode, tree, files, dirs, (double) bytes / (1024.0 * 1024 * 1024), (double) took / 1e6,
               fake_host_count(&fh, MAMORI_PASS), fake_host_count(&fh, MAMORI_FAIL),
               fake_host_count(&fh, MAMORI_ERROR));
        if (fh.n_findings > 0 && fh.findings[0].evidence)
                printf("  first finding: %s\n", fh.findings[0].evidence);
        if (strcmp(mode, "baseline") == 0) {
                if (save_state(&fh, state) < 0)
                        return die("cannot save the baseline");
                printf("  stored baseline: %.1f MiB\n", (double) fh.kv[0].size / (1024.0 * 1024));
        }
        fake_host_done(&fh);
        return 0;
}

/* ---- latency ------------------------------------------------------------------------ */

typedef struct Writer {
        const char *dir;
        unsigned n;
        sem_t done;                     /* posted by the loop when the event came */
        _Atomic uint64_t t_write;
        atomic_bool stop;
} Writer;

static void *writer_main(void *userdata) {
        Writer *w = userdata;
        char path[4096], content[64];

        for (unsigned i = 0; i < w->n && !atomic_load(&w->stop); i++) {
                int fd, len;

                snprintf(path, sizeof path, "%s/f%02u", w->dir, i % 64);
                len = snprintf(content, sizeof content, "change %u\n", i);
                atomic_store(&w->t_write, now_usec());
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0 || write(fd, content, (size_t) len) != len || close(fd) < 0)
                        abort();
                while (sem_wait(&w->done) < 0 && errno == EINTR)
                        ;
        }
        return NULL;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static int run_latency(const char *dir, unsigned n) {
        const struct mamori_rule *rules[1];
        FakeHost fh;
        FakeRule fr;
        Writer w = { .dir = dir, .n = n };
        pthread_t thread;
        uint64_t *lat = calloc(n, sizeof *lat), sum = 0;
        unsigned got = 0;
        size_t seen = 0;

        if (!lat)
                return die("out of memory");
        /* The files exist before the baseline: each write is a change of content. */
        for (unsigned i = 0; i < 64; i++) {
                char path[4096];
                FILE *f;

                snprintf(path, sizeof path, "%s/f%02u", dir, i);
                f = fopen(path, "we");
                if (!f)
                        return die("cannot write in the latency directory");
                fputs("start\n", f);
                fclose(f);
        }
        if (fake_host_init(&fh, "/", &mamori_plugin) < 0)
                return die("cannot set up the fake host");
        /* Every change timed: no cap on events for this run. */
        ((Integrity *) fh.state)->drift_burst = n + 1;
        fake_rule(&fr, IG_CHECK);
        fr.rule.id = "bench.latency";
        fake_rule_param(&fr, "paths", dir, NULL);
        if (fake_host_evaluate(&fh, &fr.rule) < 0)
                return die("the first evaluation failed");
        rules[0] = &fr.rule;
        if (mamori_plugin.watch(fh.state, rules, 1) < 0)
                return die("watch() failed");
        fake_host_clear(&fh);

        sem_init(&w.done, 0, 0);
        if (pthread_create(&thread, NULL, writer_main, &w) != 0)
                return die("cannot start the writer");
        while (got < n) {
                uint64_t start = now_usec();

                if (sd_event_run(fh.loop, 2000000) < 0)
                        break;
                for (; seen < fh.n_events; seen++)
                        if (strcmp(fh.events[seen].kind, "integrity.drift") == 0 && got < n) {
                                lat[got++] = now_usec() - atomic_load(&w.t_write);
                                sem_post(&w.done);
                        }
                if (now_usec() - start >= 2000000) {
                        fprintf(stderr, "bench-baseline: no event within 2 s after change %u\n", got);
                        break;
                }
                /* The fake host keeps every event: forget them now and then. */
                if (fh.n_events > 4096) {
                        fake_host_clear(&fh);
                        seen = 0;
                }
        }
        atomic_store(&w.stop, true);
        sem_post(&w.done);
        pthread_join(thread, NULL);
        if (got < n)
                return 1;
        qsort(lat, n, sizeof *lat, cmp_u64);
        for (unsigned i = 0; i < n; i++)
                sum += lat[i];
        printf("write -> integrity.drift event over %u changes: p50 %.3f ms, p99 %.3f ms, max %.3f ms, "
               "mean %.3f ms\n", n, (double) lat[n / 2] / 1000, (double) lat[(size_t) n * 99 / 100] / 1000,
               (double) lat[n - 1] / 1000, (double) sum / n / 1000);
        fake_host_done(&fh);
        free(lat);
        return 0;
}

int main(int argc, char **argv) {
        if (argc == 4 && (strcmp(argv[1], "baseline") == 0 || strcmp(argv[1], "rescan") == 0))
                return run_scan(argv[1], argv[2], argv[3]);
        if (argc == 4 && strcmp(argv[1], "latency") == 0)
                return run_latency(argv[2], (unsigned) strtoul(argv[3], NULL, 10));
        fprintf(stderr, "usage: bench-baseline baseline|rescan TREE STATE | latency DIR N\n");
        return 2;
}
