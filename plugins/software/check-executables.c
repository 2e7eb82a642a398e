/* SPDX-License-Identifier: GPL-2.0-or-later */
/* software.no-user-executables: program files in places staff can write
 * (詳細編 7.4(1), 6.6(2)①, 7.1(13)①): ELF binaries, scripts with a "#!"
 * line and an execute bit, AppImages.
 *
 * The walk stays on the filesystem of each start path (a mounted share or a
 * FUSE mount is someone else's business and can be slow or hostile),
 * follows no symlink, reads only the first 64 bytes of each regular file,
 * and is bounded in depth and in entries; whatever it had to leave out is
 * reported, never passed over. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "software.h"

#define HEADER_BYTES 64

typedef struct Scan {
        Eval *e;
        const SoftwareParams *p;
        const UserDb *users;
        const char *start;
        dev_t dev;
        bool opened;
        char path[PATH_MAX];

        size_t n_entries, n_found;
        size_t n_deep, n_unreadable, n_other_fs;
        bool truncated;
        char first_unreadable[160];
} Scan;

static bool path_allowed(const Scan *sc) {
        /* fnmatch() without FNM_PATHNAME: '*' also matches '/', so that
         * one pattern ending in a star exempts a whole tree. */
        for (const char *const *g = sc->p->allowed; g && *g; g++)
                if (fnmatch(*g, sc->path, 0) == 0)
                        return true;
        return false;
}

/* What kind of program the first bytes make the file, or NULL. */
static const char *classify(const unsigned char *h, size_t n, mode_t mode, const char *name,
                            char *buf, size_t size) {
        size_t len = strlen(name);
        bool by_name = len > 9 && strcasecmp(name + len - 9, ".AppImage") == 0;

        if (n >= 4 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
                unsigned type;

                /* AppImage's magic sits in ELF's padding: "AI" and the
                 * format type (1: ISO 9660, 2: squashfs). */
                if (n >= 11 && h[8] == 'A' && h[9] == 'I' && (h[10] == 1 || h[10] == 2))
                        return "AppImage";
                if (by_name)
                        return "AppImage";
                if (n < 18)
                        return "ELF file";
                type = h[5] == 2 ? (unsigned) (h[16] << 8 | h[17]) : (unsigned) (h[17] << 8 | h[16]);
                switch (type) {
                case 1: /* ET_REL: an object file, nothing runs it */
                case 4: /* ET_CORE: a core dump */
                        return NULL;
                case 2:
                        return "ELF executable";
                case 3:
                        /* PIE executables and shared libraries share the type. */
                        return mode & 0111 ? "ELF executable" : "ELF shared object";
                default:
                        return "ELF file";
                }
        }
        if (n >= 2 && h[0] == '#' && h[1] == '!' && (mode & 0111)) {
                size_t i = 2, l = 0;
                char interp[48];

                while (i < n && (h[i] == ' ' || h[i] == '\t'))
                        i++;
                while (i < n && l < sizeof(interp) - 1 && h[i] > ' ' && h[i] < 0x7f)
                        interp[l++] = (char) h[i++];
                interp[l] = '\0';
                snprintf(buf, size, "script (#!%s)", interp);
                return buf;
        }
        if (by_name)
                return "AppImage (by its name)";
        return NULL;
}

static int examine(Scan *sc, int dirfd, const char *name, const struct stat *st) {
        unsigned char h[HEADER_BYTES];
        char kind_buf[80], owner[80], path[PATH_MAX + 8];
        const UserEntry *u;
        const char *kind;
        ssize_t n = 0;
        struct stat st2;
        int fd;

        if (st->st_size > 0) {
                /* O_NOATIME keeps the scan from touching what it looks at;
                 * it needs ownership or CAP_FOWNER, so fall back without. */
                fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOATIME);
                if (fd < 0 && errno == EPERM)
                        fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        return 0;       /* gone, or a FIFO swapped in: not a program */
                /* The file that was opened is the one that was stat'ed. */
                if (fstat(fd, &st2) < 0 || !S_ISREG(st2.st_mode) || st2.st_ino != st->st_ino ||
                    st2.st_dev != st->st_dev) {
                        close(fd);
                        return 0;
                }
                n = pread(fd, h, sizeof(h), 0);
                close(fd);
                if (n < 0)
                        n = 0;
        }

        kind = classify(h, (size_t) n, st->st_mode, name, kind_buf, sizeof(kind_buf));
        if (!kind)
                return 0;

        sc->n_found++;
        u = sc->users ? userdb_user_by_uid(sc->users, st->st_uid) : NULL;
        text_safe(sc->path, 300, path, sizeof(path));
        return eval_emit(sc->e, MAMORI_FAIL, path, "%s, owner %s (%u), size %llu bytes, %s%s", path,
                         u ? text_safe(u->name, 32, owner, sizeof(owner)) : "unknown",
                         (unsigned) st->st_uid, (unsigned long long) st->st_size, kind,
                         (st->st_mode & 0111) || strncmp(kind, "script", 6) == 0 ? "" :
                                                                                   " (not marked executable)");
}

/* Takes dirfd. */
static int scan_dir(Scan *sc, int dirfd, unsigned depth) {
        size_t len = strlen(sc->path);
        struct dirent *de;
        int r = 0;
        DIR *d;

        d = fdopendir(dirfd);
        if (!d) {
                close(dirfd);
                return 0;
        }
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                struct stat st;

                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        continue;
                if (sc->n_entries >= (size_t) sc->p->max_files) {
                        sc->truncated = true;
                        break;
                }
                sc->n_entries++;
                if (len + 1 + strlen(name) >= sizeof(sc->path)) {
                        sc->n_deep++;
                        continue;
                }
                snprintf(sc->path + len, sizeof(sc->path) - len, "%s%s",
                         len > 0 && sc->path[len - 1] == '/' ? "" : "/", name);
                if (path_allowed(sc) || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        goto next;

                if (S_ISDIR(st.st_mode)) {
                        int fd;

                        if (st.st_dev != sc->dev) {
                                sc->n_other_fs++;
                                goto next;
                        }
                        if (depth + 1 > (unsigned) sc->p->max_depth) {
                                sc->n_deep++;
                                goto next;
                        }
                        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0) {
                                if (errno != ENOENT && sc->n_unreadable++ == 0)
                                        snprintf(sc->first_unreadable, sizeof(sc->first_unreadable),
                                                 "%.100s: %s", sc->path, strerror(errno));
                                goto next;
                        }
                        r = scan_dir(sc, fd, depth + 1);
                        if (r < 0)
                                break;
                } else if (S_ISREG(st.st_mode)) {
                        r = examine(sc, dirfd, name, &st);
                        if (r < 0)
                                break;
                }
        next:
                sc->path[len] = '\0';
        }
        sc->path[len] = '\0';
        closedir(d);
        return r;
}

static int scan_start(Scan *sc, const char *start, char *absent, size_t absent_size) {
        char shown[200];
        struct stat st;
        int fd, r;

        sc->start = start;
        snprintf(sc->path, sizeof(sc->path), "%s", start);
        /* "/" as a start is the root prefix itself. */
        fd = openat(sc->e->s->root_fd, start[1] ? start + 1 : ".",
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                if (r == -ENOENT) {
                        size_t l = strlen(absent);

                        snprintf(absent + l, absent_size - l, "%s%s", l ? ", " : "", start);
                        return 0;
                }
                return eval_emit(sc->e, MAMORI_ERROR, text_safe(start, 100, shown, sizeof(shown)),
                                 "cannot scan %s: %s", shown,
                                 r == -ELOOP || r == -ENOTDIR ? "not a directory (a symlink is not followed)"
                                                             : strerror(-r));
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        sc->dev = st.st_dev;
        sc->opened = true;
        if (path_allowed(sc)) {
                close(fd);
                return 0;
        }
        return scan_dir(sc, fd, 0);
}

static const char *const default_paths[] = { "/home", "/tmp", "/var/tmp", "/dev/shm", NULL };

int check_user_executables(Eval *e, const SoftwareParams *p) {
        _cleanup_sw_free_ char *passwd = NULL;
        const char *const *paths = p->paths ? p->paths : default_paths;
        size_t size, n_entries = 0, n_found = 0, n_other_fs = 0;
        char absent[256] = "", scanned[256] = "";
        UserDb users = {};
        int r = 0;

        /* Without passwd the owners show as numbers only. */
        if (root_read_file(e->s->root_fd, "etc/passwd", SW_FILE_MAX, &passwd, &size) >= 0)
                (void) userdb_parse_passwd(&users, passwd, size);

        for (const char *const *start = paths; *start; start++) {
                Scan *sc;
                char shown[120];

                sc = calloc(1, sizeof(*sc));
                if (!sc) {
                        r = -ENOMEM;
                        break;
                }
                sc->e = e;
                sc->p = p;
                sc->users = &users;
                r = scan_start(sc, *start, absent, sizeof(absent));
                if (r >= 0) {
                        text_safe(*start, 100, shown, sizeof(shown));
                        if (sc->truncated)
                                r = eval_emit(e, MAMORI_ERROR, shown,
                                              "scan of %s stopped after %ld files and directories (max-files): "
                                              "the rest was not checked", shown, p->max_files);
                        if (r >= 0 && sc->n_deep > 0)
                                r = eval_emit(e, MAMORI_ERROR, shown,
                                              "%zu entries under %s are deeper than %ld levels (max-depth) "
                                              "and were not checked", sc->n_deep, shown, p->max_depth);
                        if (r >= 0 && sc->n_unreadable > 0)
                                r = eval_emit(e, MAMORI_ERROR, shown,
                                              "%zu directories under %s could not be read (first: %s)",
                                              sc->n_unreadable, shown, sc->first_unreadable);
                        if (sc->opened) {
                                size_t l = strlen(scanned);

                                snprintf(scanned + l, sizeof(scanned) - l, "%s%s", l ? ", " : "", shown);
                        }
                }
                n_entries += sc->n_entries;
                n_found += sc->n_found;
                n_other_fs += sc->n_other_fs;
                free(sc);
                if (r < 0)
                        break;
        }
        userdb_done(&users);
        if (r < 0)
                return r;

        if (n_found == 0) {
                char more[200] = "";

                if (n_other_fs > 0)
                        snprintf(more, sizeof(more), "; %zu mount point%s of other filesystems not entered",
                                 n_other_fs, n_other_fs == 1 ? "" : "s");
                if (absent[0]) {
                        size_t l = strlen(more);

                        snprintf(more + l, sizeof(more) - l, "; absent: %s", absent);
                }
                return eval_emit(e, MAMORI_PASS, NULL, "no executables in %s (%zu files and directories checked)%s",
                                 scanned[0] ? scanned : "the scanned paths", n_entries, more);
        }
        return 0;
}
