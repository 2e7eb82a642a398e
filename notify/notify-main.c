/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-notify: desktop notices and a tray icon for the staff member at
 * the desk, fed by the agent's signals. See mamori-notify(1). */
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#ifndef NOTIFY_LOCALEDIR
#define NOTIFY_LOCALEDIR "/usr/share/locale"
#endif

typedef struct Options {
        const char *bus_address;
        const char *user;
        const char *locale_dir;
        bool tray;
} Options;

static Notifier *notifier_free(Notifier *n) {
        if (!n)
                return NULL;
        n->refresh_timer = sd_event_source_disable_unref(n->refresh_timer);
        n->reconnect_timer = sd_event_source_disable_unref(n->reconnect_timer);
        n->flush_timer = sd_event_source_disable_unref(n->flush_timer);
        agent_disconnect(n);
        n->session = sd_bus_flush_close_unref(n->session);
        findings_free(n->findings, n->n_findings);
        for (size_t i = 0; i < n->n_pending_rules; i++)
                free(n->pending_rules[i]);
        free(n->pending_rules);
        notice_groups_clear(&n->groups);
        sd_event_unref(n->event);
        free(n->bus_address);
        free(n->user);
        free(n->sni_name);
        free(n);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Notifier *, notifier_free);

static uint64_t realtime_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static char *user_name(void) {
        struct passwd *pw = getpwuid(getuid());

        if (pw && pw->pw_name)
                return strdup(pw->pw_name);
        /* No passwd entry (a container, a test): the session says who. */
        return getenv("USER") ? strdup(getenv("USER")) : NULL;
}

static int notifier_new(const Options *o, Notifier **ret) {
        _cleanup_(notifier_freep) Notifier *n = NULL;
        int r;

        n = calloc(1, sizeof *n);
        if (!n)
                return log_oom();
        *n = (Notifier) {
                .tray = o->tray,
                .score = -1,
                .start_usec = realtime_usec(),
        };
        n->bus_address = o->bus_address ? strdup(o->bus_address) : NULL;
        n->user = o->user ? strdup(o->user) : user_name();
        if ((o->bus_address && !n->bus_address) || !n->user)
                return log_error_errno(ENOMEM, "Cannot tell who is logged in: %m");
        r = sd_event_default(&n->event);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m");
        *ret = TAKE_PTR(n);
        return 0;
}

static int run(const Options *o) {
        _cleanup_(notifier_freep) Notifier *n = NULL;
        sigset_t mask;
        int r;

        r = notifier_new(o, &n);
        if (r < 0)
                return r;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Cannot block signals: %m");
        /* A NULL handler makes the loop exit cleanly. */
        r = sd_event_add_signal(n->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(n->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot watch signals: %m");

        r = desktop_connect(n);
        if (r < 0)
                return r;
        if (n->tray) {
                r = tray_setup(n);
                if (r < 0) {
                        log_warning("Going on without a tray icon.");
                        n->tray = false;
                }
        }
        /* The system bus may come later than the session (or go and come
         * back): keep trying rather than leave the desk without notices. */
        r = agent_connect(n);
        if (r < 0) {
                r = agent_schedule_reconnect(n);
                if (r < 0)
                        return log_error_errno(r, "Cannot arm the reconnection timer: %m");
        }
        log_info("mamori-notify %s for %s: waiting for the agent's events.", MAMORI_VERSION, n->user);
        r = sd_event_loop(n->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return 0;
}

static void help(void) {
        printf("Usage: mamori-notify [OPTIONS]\n"
               "Show the mamori agent's notices for staff on this desktop, and a tray icon.\n\n"
               "Options:\n"
               "  --bus ADDRESS        the agent's bus (default: the system bus)\n"
               "  --user NAME          whose failing rules are \"yours\" (default: who runs it)\n"
               "  --locale-dir DIR     where the message catalogs are (default: %s)\n"
               "  --no-tray            notifications only, no tray icon\n"
               "  -v, --verbose        log debug messages\n"
               "  -h, --help           this text\n"
               "  --version            the version\n",
               NOTIFY_LOCALEDIR);
}

int main(int argc, char **argv) {
        enum { OPT_BUS = 0x100, OPT_USER, OPT_LOCALE_DIR, OPT_NO_TRAY, OPT_VERSION };
        static const struct option options[] = {
                { "bus", required_argument, NULL, OPT_BUS },
                { "user", required_argument, NULL, OPT_USER },
                { "locale-dir", required_argument, NULL, OPT_LOCALE_DIR },
                { "no-tray", no_argument, NULL, OPT_NO_TRAY },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        Options o = { .tray = true, .locale_dir = getenv("MAMORI_NOTIFY_LOCALEDIR") };
        int opt;

        (void) setlocale(LC_ALL, "");
        while ((opt = getopt_long(argc, argv, "vh", options, NULL)) >= 0)
                switch (opt) {
                case OPT_BUS:
                        o.bus_address = optarg;
                        break;
                case OPT_USER:
                        o.user = optarg;
                        break;
                case OPT_LOCALE_DIR:
                        o.locale_dir = optarg;
                        break;
                case OPT_NO_TRAY:
                        o.tray = false;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case OPT_VERSION:
                        printf("mamori-notify %s\n", MAMORI_VERSION);
                        return EXIT_SUCCESS;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "mamori-notify: unexpected argument \"%s\" (see --help)\n", argv[optind]);
                return 2;
        }
        if (!o.locale_dir || !*o.locale_dir)
                o.locale_dir = NOTIFY_LOCALEDIR;
        (void) bindtextdomain(NOTIFY_DOMAIN, o.locale_dir);
        /* D-Bus strings are UTF-8 whatever the locale's charset. */
        (void) bind_textdomain_codeset(NOTIFY_DOMAIN, "UTF-8");
        (void) textdomain(NOTIFY_DOMAIN);

        return run(&o) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
