/* SPDX-License-Identifier: GPL-2.0-or-later */
/* software.antivirus: an antivirus engine on the terminal, with current
 * signatures (詳細編 7.4(4)④⑤⑥). ClamAV is the engine Debian ships: the
 * scanner (clamav, clamav-daemon) and freshclam, which keeps the signature
 * databases current.
 *
 * Freshness is the age of daily.cvd/.cld, which freshclam replaces or
 * patches several times a day. main and bytecode are published rarely
 * (months apart) and freshclam leaves an up-to-date file alone, so their
 * age says nothing about the updater: they must be present and readable,
 * and their versions are reported. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "software.h"

#define DEFAULT_DB_DIR "var/lib/clamav"

static bool installed(const Inventory *inv, const char *name) {
        for (const Package *p = inventory_find_name(inv, name);
             p && p < inv->packages + inv->n_packages && strcmp(p->name, name) == 0; p++)
                if (p->state == PKG_INSTALLED)
                        return true;
        return false;
}

static bool file_exists(int root_fd, const char *path) {
        struct stat st;

        return fstatat(root_fd, path, &st, 0) >= 0 && S_ISREG(st.st_mode);
}

/* DatabaseDirectory from freshclam.conf, relative to the root. */
static void db_dir(int root_fd, char *out, size_t size) {
        _cleanup_sw_free_ char *buf = NULL;
        size_t n;

        snprintf(out, size, "%s", DEFAULT_DB_DIR);
        if (root_read_file(root_fd, "etc/clamav/freshclam.conf", 1U << 20, &buf, &n) < 0)
                return;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                char *v;

                while (*line == ' ' || *line == '\t')
                        line++;
                if (strncmp(line, "DatabaseDirectory", 17) != 0 || (line[17] != ' ' && line[17] != '\t'))
                        continue;
                v = line + 17;
                while (*v == ' ' || *v == '\t')
                        v++;
                for (char *t = v + strlen(v); t > v && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r');)
                        *--t = '\0';
                /* Absolute and without "..": it must stay under the root. */
                if (v[0] == '/' && v[1] && !strstr(v, "..") && strlen(v) < size)
                        snprintf(out, size, "%s", v + 1);
        }
}

typedef struct Db {
        const char *name;               /* "daily" */
        char file[32];                  /* "daily.cld" */
        struct stat st;
        CvdHeader h;
        int header_r;
} Db;

/* The newer of NAME.cld and NAME.cvd: freshclam keeps one of them. */
static bool db_find(int dirfd, Db *db) {
        static const char *const exts[] = { "cld", "cvd" };
        bool found = false;

        for (size_t i = 0; i < SW_ELEMENTSOF(exts); i++) {
                char file[32];
                struct stat st;

                snprintf(file, sizeof(file), "%s.%s", db->name, exts[i]);
                if (fstatat(dirfd, file, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (!found || st.st_mtime > db->st.st_mtime) {
                        db->st = st;
                        snprintf(db->file, sizeof(db->file), "%s", file);
                        found = true;
                }
        }
        if (found) {
                unsigned char head[CVD_HEADER_SIZE];
                ssize_t n = -1;
                int fd = openat(dirfd, db->file, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

                if (fd >= 0) {
                        n = pread(fd, head, sizeof(head), 0);
                        close(fd);
                }
                db->header_r = n < 0 ? -EIO : cvd_header_parse(head, (size_t) n, &db->h);
        }
        return found;
}

static const char *db_describe(const Db *db, char *buf, size_t size) {
        char date[16];

        if (db->header_r < 0)
                snprintf(buf, size, "%s", db->file);
        else if (db->h.build_time >= 0)
                snprintf(buf, size, "%s version %llu built %s", db->file,
                         (unsigned long long) db->h.version, format_date(db->h.build_time, date, sizeof(date)));
        else
                snprintf(buf, size, "%s version %llu", db->file, (unsigned long long) db->h.version);
        return buf;
}

int check_antivirus(Eval *e, const SoftwareParams *p) {
        _cleanup_inventory_ Inventory *inv = NULL;
        _cleanup_sw_close_ int dirfd = -EBADF;
        Db dbs[] = { { .name = "main" }, { .name = "daily" }, { .name = "bytecode" } };
        int root_fd = e->s->root_fd, r;
        char dir[256], summary[EVIDENCE_MAX] = "";
        unsigned n_fail = 0;
        time_t now = time(NULL);

        /* Without dpkg's database the files alone tell. */
        if (inventory_load(root_fd, false, &inv) < 0)
                inv = NULL;

        if (!installed(inv, "clamav") && !installed(inv, "clamav-daemon") &&
            !file_exists(root_fd, "usr/sbin/clamd") && !file_exists(root_fd, "usr/bin/clamscan"))
                return eval_emit(e, MAMORI_FAIL, "package:clamav",
                                 "no antivirus engine: ClamAV (clamav or clamav-daemon) is not installed");

        if (!installed(inv, "clamav-freshclam") && !file_exists(root_fd, "usr/bin/freshclam")) {
                n_fail++;
                r = eval_emit(e, MAMORI_FAIL, "package:clamav-freshclam",
                              "clamav-freshclam is not installed: the signatures are never updated");
                if (r < 0)
                        return r;
        }

        db_dir(root_fd, dir, sizeof(dir));
        dirfd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        for (size_t i = 0; i < SW_ELEMENTSOF(dbs); i++) {
                Db *db = &dbs[i];
                char subject[300], desc[160], age[48], limit[48];
                uint64_t a;

                snprintf(subject, sizeof(subject), "/%s/%s", dir, db->name);
                if (dirfd < 0 || !db_find(dirfd, db)) {
                        n_fail++;
                        r = eval_emit(e, MAMORI_FAIL, subject, "no %s.cvd or %s.cld in /%s: %s", db->name,
                                      db->name, dir,
                                      dirfd < 0 ? "the directory is missing" : "freshclam has not downloaded it");
                        if (r < 0)
                                return r;
                        continue;
                }
                snprintf(subject, sizeof(subject), "/%s/%s", dir, db->file);
                if (db->header_r < 0) {
                        n_fail++;
                        r = eval_emit(e, MAMORI_FAIL, subject,
                                      "/%s/%s is not a ClamAV signature database (its header does not parse)",
                                      dir, db->file);
                        if (r < 0)
                                return r;
                        continue;
                }
                a = now > db->st.st_mtime ? (uint64_t) (now - db->st.st_mtime) : 0;
                format_duration(a, age, sizeof(age));
                if (strcmp(db->name, "daily") == 0 && a > p->max_age) {
                        n_fail++;
                        r = eval_emit(e, MAMORI_FAIL, subject, "%s is %s old (limit %s)",
                                      db_describe(db, desc, sizeof(desc)), age,
                                      format_duration(p->max_age, limit, sizeof(limit)));
                        if (r < 0)
                                return r;
                        continue;
                }
                {
                        size_t l = strlen(summary);

                        snprintf(summary + l, sizeof(summary) - l, "%s%s (%s old)", l ? ", " : "",
                                 db_describe(db, desc, sizeof(desc)), age);
                }
        }
        if (n_fail > 0)
                return 0;
        return eval_emit(e, MAMORI_PASS, "package:clamav", "ClamAV and freshclam installed; signatures: %s",
                         summary);
}
