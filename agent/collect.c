/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-collect: pull every terminal's report, check each event chain
 * against the last pull, keep the history, write the fleet report
 * (mamori-collect(1)). */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "collect_fleet.h"
#include "collect_history.h"
#include "collect_pull.h"
#include "log.h"
#include "util.h"

typedef struct Options {
        const char *inventory, *cert, *key, *cacert, *state;
        const char *html, *csv, *json;
        char **rebaseline;
        size_t n_rebaseline;
        unsigned parallel;
        uint64_t connect_timeout_usec, timeout_usec, max_size;
        bool progress, check_only;
} Options;

static void usage(void) {
        printf("Usage: mamori-collect --inventory FILE --cert FILE --key FILE --cacert FILE --state FILE\n"
               "                      [--html FILE] [--csv FILE] [--json FILE] [OPTION...]\n"
               "Pull the report of every terminal in the inventory and write the fleet report.\n\n"
               "  --inventory FILE        terminals, one per line: name address [port]\n"
               "  --cert FILE, --key FILE the administrator's client certificate and key (PEM)\n"
               "  --cacert FILE           CA that signed the terminals' server certificates\n"
               "  --state FILE            SQLite history of every pull (created if missing)\n"
               "  --html/--csv/--json FILE  fleet report outputs\n"
               "  --parallel N            transfers at once (default 32)\n"
               "  --connect-timeout TIME  per terminal (default 5s)\n"
               "  --timeout TIME          per terminal, whole transfer (default 20s)\n"
               "  --max-report-size BYTES largest report accepted (default 16 MiB)\n"
               "  --rebaseline NAME       accept NAME's event chain as it is now (repeatable)\n"
               "  --progress              show progress on stderr\n"
               "  --check                 only check the inventory\n"
               "  --help, --version\n");
}

static int parse_args(Options *o, int argc, char **argv) {
        enum {
                ARG_INVENTORY = 0x100, ARG_CERT, ARG_KEY, ARG_CACERT, ARG_STATE, ARG_HTML, ARG_CSV, ARG_JSON,
                ARG_PARALLEL, ARG_CONNECT_TIMEOUT, ARG_TIMEOUT, ARG_MAX_SIZE, ARG_REBASELINE, ARG_PROGRESS,
                ARG_CHECK, ARG_HELP, ARG_VERSION,
        };
        static const struct option opts[] = {
                { "inventory", required_argument, NULL, ARG_INVENTORY },
                { "cert", required_argument, NULL, ARG_CERT },
                { "key", required_argument, NULL, ARG_KEY },
                { "cacert", required_argument, NULL, ARG_CACERT },
                { "state", required_argument, NULL, ARG_STATE },
                { "html", required_argument, NULL, ARG_HTML },
                { "csv", required_argument, NULL, ARG_CSV },
                { "json", required_argument, NULL, ARG_JSON },
                { "parallel", required_argument, NULL, ARG_PARALLEL },
                { "connect-timeout", required_argument, NULL, ARG_CONNECT_TIMEOUT },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "max-report-size", required_argument, NULL, ARG_MAX_SIZE },
                { "rebaseline", required_argument, NULL, ARG_REBASELINE },
                { "progress", no_argument, NULL, ARG_PROGRESS },
                { "check", no_argument, NULL, ARG_CHECK },
                { "help", no_argument, NULL, ARG_HELP },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        uint64_t v;
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case ARG_INVENTORY:
                        o->inventory = optarg;
                        break;
                case ARG_CERT:
                        o->cert = optarg;
                        break;
                case ARG_KEY:
                        o->key = optarg;
                        break;
                case ARG_CACERT:
                        o->cacert = optarg;
                        break;
                case ARG_STATE:
                        o->state = optarg;
                        break;
                case ARG_HTML:
                        o->html = optarg;
                        break;
                case ARG_CSV:
                        o->csv = optarg;
                        break;
                case ARG_JSON:
                        o->json = optarg;
                        break;
                case ARG_PARALLEL:
                        if (parse_uint64(optarg, &v) < 0 || v < 1 || v > 1024) {
                                fprintf(stderr, "mamori-collect: --parallel: a number from 1 to 1024\n");
                                return -EINVAL;
                        }
                        o->parallel = (unsigned) v;
                        break;
                case ARG_CONNECT_TIMEOUT:
                case ARG_TIMEOUT:
                        if (parse_duration(optarg, &v) < 0 || v < USEC_PER_MSEC || v > 3600 * USEC_PER_SEC) {
                                fprintf(stderr, "mamori-collect: --%s: a time such as 5s or 2min\n",
                                        c == ARG_TIMEOUT ? "timeout" : "connect-timeout");
                                return -EINVAL;
                        }
                        if (c == ARG_TIMEOUT)
                                o->timeout_usec = v;
                        else
                                o->connect_timeout_usec = v;
                        break;
                case ARG_MAX_SIZE:
                        if (parse_uint64(optarg, &v) < 0 || v < 1024 || v > COLLECT_REPORT_MAX_SIZE) {
                                fprintf(stderr, "mamori-collect: --max-report-size: 1024 to %d bytes\n",
                                        COLLECT_REPORT_MAX_SIZE);
                                return -EINVAL;
                        }
                        o->max_size = v;
                        break;
                case ARG_REBASELINE: {
                        char *s = strdup(optarg);

                        if (!s || strv_consume(&o->rebaseline, &o->n_rebaseline, s) < 0)
                                return -ENOMEM;
                        break;
                }
                case ARG_PROGRESS:
                        o->progress = true;
                        break;
                case ARG_CHECK:
                        o->check_only = true;
                        break;
                case ARG_HELP:
                        usage();
                        return 1;
                case ARG_VERSION:
                        printf("mamori-collect %s\n", MAMORI_VERSION);
                        return 1;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "mamori-collect: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        if (!o->inventory) {
                fprintf(stderr, "mamori-collect: --inventory is required\n");
                return -EINVAL;
        }
        if (!o->check_only && (!o->cert || !o->key || !o->cacert || !o->state)) {
                fprintf(stderr, "mamori-collect: --cert, --key, --cacert and --state are required\n");
                return -EINVAL;
        }
        return 0;
}

static int read_path(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int root = -EBADF;

        if (path[0] != '/')
                return read_file_at(AT_FDCWD, path, max, ret, ret_size);
        root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        return read_file_at(root, path, max, ret, ret_size);
}

static int write_output(const char *path, const Fleet *f, int (*writer)(const Fleet *, FILE *)) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *mem;
        int r;

        if (!path)
                return 0;
        mem = open_memstream(&buf, &size);
        if (!mem)
                return log_oom();
        r = writer(f, mem);
        if (fclose(mem) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return log_error_errno(r, "Failed to build %s: %m", path);
        r = write_file_atomic(path, buf, size, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

static bool listed(char **l, const char *s) {
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

/* One terminal's pull into the fleet model and the history. */
static int record(History *h, const Options *o, const Terminal *term, PullResult *pull, int64_t now,
                  FleetTerminal *ft) {
        char detail[256] = "";
        const char *why = NULL;
        bool found = false;
        uint64_t seq = 0;
        char head[SHA256_HEX_SIZE] = "";
        int r;

        *ft = (FleetTerminal) { .terminal = term, .pulled_at = now, .chain = CHAIN_NONE };
        switch (pull->status) {
        case PULL_OK:
                r = collect_report_parse(pull->body, pull->body_size, &ft->report, &why);
                if (r == -ENOMEM)
                        return log_oom();
                ft->state = r < 0 ? FLEET_INVALID : FLEET_OK;
                if (r < 0) {
                        ft->error = strdup(why);
                        if (!ft->error)
                                return log_oom();
                }
                break;
        case PULL_HTTP_ERROR:
                ft->state = FLEET_HTTP_ERROR;
                break;
        case PULL_TOO_LARGE:
                ft->state = FLEET_INVALID;
                break;
        default:
                ft->state = FLEET_UNREACHABLE;
        }
        if (!ft->error && ft->state != FLEET_OK) {
                ft->error = text_sanitize(pull->error, sizeof pull->error);
                if (!ft->error)
                        return log_oom();
        }

        if (ft->state == FLEET_OK) {
                r = history_baseline(h, term->name, &found, &seq, head);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the history of %s: %m", term->name);
                ft->chain = chain_check(found ? &(ChainPoint) { seq, head } : NULL,
                                        &(ChainPoint) { ft->report.seq, ft->report.head }, detail, sizeof detail);
                if (ft->chain == CHAIN_BROKEN && listed(o->rebaseline, term->name)) {
                        ft->chain = CHAIN_REBASELINED;
                        strncat(detail, " (accepted with --rebaseline)", sizeof detail - strlen(detail) - 1);
                }
                if (ft->chain == CHAIN_BROKEN)
                        log_warning("%s: event chain broken: %s", term->name, detail);
        }
        if (*detail) {
                ft->chain_detail = strdup(detail);
                if (!ft->chain_detail)
                        return log_oom();
        }

        r = history_add(h, &(PullRecord) {
                .terminal = term->name,
                .address = term->address,
                .port = term->port,
                .pulled_at = now,
                .status = fleet_state_to_string(ft->state),
                .error = ft->error,
                .score = ft->state == FLEET_OK ? ft->report.score : -1,
                .have_events = ft->state == FLEET_OK,
                .seq = ft->report.seq,
                .head = ft->report.head,
                .chain = ft->chain,
                .chain_detail = ft->chain_detail,
                .report = pull->body,
                .report_size = pull->body_size,
        });
        if (r < 0)
                return log_error_errno(r, "Failed to record the pull of %s: %m", term->name);
        return 0;
}

static int run(int argc, char **argv) {
        Options o = {
                .parallel = 32,
                .connect_timeout_usec = 5 * USEC_PER_SEC,
                .timeout_usec = 20 * USEC_PER_SEC,
                .max_size = COLLECT_REPORT_MAX_SIZE,
        };
        _cleanup_free_ char *text = NULL;
        _cleanup_(history_closep) History *h = NULL;
        _cleanup_(inventory_done) Inventory inv = {};
        _cleanup_(fleet_done) Fleet fleet = {};
        _cleanup_free_ PullResult *pulls = NULL;
        InventoryError err = {};
        size_t size = 0;
        int64_t now;
        int r;

        r = parse_args(&o, argc, argv);
        if (r != 0) {
                strv_free(o.rebaseline);
                return r > 0 ? 0 : 2;
        }

        r = read_path(o.inventory, INVENTORY_MAX_SIZE, &text, &size);
        if (r < 0) {
                log_error_errno(r, "Failed to read inventory %s: %m", o.inventory);
                r = 3;
                goto finish;
        }
        r = inventory_parse(o.inventory, text, size, &inv, &err);
        if (r == -EINVAL) {
                fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.message);
                r = 3;
                goto finish;
        }
        if (r < 0) {
                log_oom();
                r = 1;
                goto finish;
        }
        if (o.check_only) {
                printf("%s: %zu terminals\n", o.inventory, inv.n);
                r = 0;
                goto finish;
        }

        r = history_open(o.state, &h);
        if (r < 0) {
                log_error_errno(r, "Failed to open history %s: %m", o.state);
                r = 1;
                goto finish;
        }
        pulls = calloc(inv.n ? inv.n : 1, sizeof *pulls);
        fleet.terminals = calloc(inv.n ? inv.n : 1, sizeof *fleet.terminals);
        if (!pulls || !fleet.terminals) {
                log_oom();
                r = 1;
                goto finish;
        }
        r = pull_all(&inv, &(PullOptions) {
                .cert = o.cert,
                .key = o.key,
                .cacert = o.cacert,
                .connect_timeout_ms = (long) (o.connect_timeout_usec / USEC_PER_MSEC),
                .timeout_ms = (long) (o.timeout_usec / USEC_PER_MSEC),
                .parallel = o.parallel,
                .max_size = o.max_size,
                .progress = o.progress,
        }, pulls);
        if (r < 0) {
                log_error_errno(r, "Failed to pull the reports: %m");
                r = 1;
                goto free_pulls;
        }

        now = (int64_t) time(NULL);
        fleet.generated_at = now;
        r = history_begin(h);
        if (r < 0) {
                log_error_errno(r, "Failed to write history %s: %m", o.state);
                r = 1;
                goto free_pulls;
        }
        for (size_t i = 0; i < inv.n; i++) {
                r = record(h, &o, &inv.items[i], &pulls[i], now, &fleet.terminals[i]);
                fleet.n = i + 1;
                if (r < 0) {
                        r = 1;
                        goto free_pulls;
                }
        }
        r = history_commit(h);
        if (r < 0) {
                log_error_errno(r, "Failed to write history %s: %m", o.state);
                r = 1;
                goto free_pulls;
        }
        for (size_t i = 0; i < inv.n; i++) {
                FleetTerminal *t = &fleet.terminals[i];

                r = history_trend(h, t->terminal->name, FLEET_TREND_MAX, t->trend, &t->n_trend);
                if (r < 0) {
                        log_error_errno(r, "Failed to read history %s: %m", o.state);
                        r = 1;
                        goto free_pulls;
                }
        }
        r = fleet_finish(&fleet);
        if (r < 0) {
                log_oom();
                r = 1;
                goto free_pulls;
        }
        if (write_output(o.html, &fleet, fleet_write_html) < 0 || write_output(o.csv, &fleet, fleet_write_csv) < 0 ||
            write_output(o.json, &fleet, fleet_write_json) < 0) {
                r = 1;
                goto free_pulls;
        }
        printf("mamori-collect: %zu terminals: %zu ok, %zu unreachable, %zu http-error, %zu invalid, "
               "%zu chain broken; mean score ",
               fleet.n, fleet.n_state[FLEET_OK], fleet.n_state[FLEET_UNREACHABLE], fleet.n_state[FLEET_HTTP_ERROR],
               fleet.n_state[FLEET_INVALID], fleet.n_chain_broken);
        if (fleet.mean_score >= 0)
                printf("%d\n", fleet.mean_score);
        else
                printf("none\n");
        r = 0;
free_pulls:
        for (size_t i = 0; i < inv.n; i++)
                pull_result_done(&pulls[i]);
finish:
        strv_free(o.rebaseline);
        return r;
}

int main(int argc, char **argv) {
        log_set_target(LOG_TARGET_STDERR);
        return run(argc, argv);
}
