/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scanning: walk what a watch set covers, stat every entry relative to its
 * directory's fd (no path lookups), then hash the regular files whose stat
 * says they may have changed since the previous record (size, mtime, ctime
 * or inode), or all of them when asked to.
 *
 * Hashing runs on worker threads, one per CPU (at most four), each at nice
 * 10 and in the lowest best-effort I/O class. On Linux both the nice value
 * and the I/O priority belong to the thread, not the process (setpriority(2)
 * and ioprio_set(2) given the thread's own ID), so the agent's event loop
 * keeps its priority while the scan yields to whatever the staff member is
 * doing. With io-rate set, one worker reads and sleeps between reads to keep
 * under the cap. The caller (evaluate) waits for the workers: the host runs
 * evaluations synchronously. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>

#include <openssl/evp.h>

#include "integrity.h"

/* Internal: set while a record waits for its hash. */
#define REC_NEEDS_HASH 0x80U

/* Deeper than any real tree; bounds the fds and stack a planted tree costs. */
#define WALK_DEPTH_MAX 128

#define HASH_THREADS_MAX 4
/* Fewer bytes than this are hashed on the calling thread: starting threads
 * would cost more than it saves (an inotify re-examination is one file). */
#define THREADS_MIN_BYTES (8U * 1024U * 1024U)

#define SCAN_NICE 10
/* ioprio_set(2): class best-effort (2), level 7 (the lowest). Not "idle":
 * an idle-class reader can wait without bound behind a busy disk, and the
 * agent's loop waits for the scan. */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_BE 2
#define SCAN_IOPRIO ((IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7)

typedef struct Walk {
        const ScanOptions *o;
        ScanResult *res;
        int64_t racy_after;             /* seconds: stamps from here on are racy */
        char xpath[IG_PATH_MAX * 2];    /* root + path, for lgetxattr */
        size_t root_len;
} Walk;

void scan_result_done(ScanResult *r) {
        if (!r)
                return;
        recordset_done(&r->records);
        for (size_t i = 0; i < r->n_errors; i++)
                free(r->errors[i].path);
        free(r->errors);
        *r = (ScanResult) {};
}

static int scan_error(ScanResult *res, const char *path, int error) {
        ScanError *n = realloc(res->errors, (res->n_errors + 1) * sizeof *n);

        if (!n)
                return -ENOMEM;
        res->errors = n;
        n[res->n_errors] = (ScanError) { .path = strdup(path), .error = error };
        if (!n[res->n_errors].path)
                return -ENOMEM;
        res->n_errors++;
        return 0;
}

static uint8_t type_of(mode_t m) {
        if (S_ISREG(m))
                return REC_FILE;
        if (S_ISDIR(m))
                return REC_DIR;
        if (S_ISLNK(m))
                return REC_LINK;
        if (S_ISCHR(m))
                return REC_CHR;
        if (S_ISBLK(m))
                return REC_BLK;
        if (S_ISFIFO(m))
                return REC_FIFO;
        return REC_SOCK;
}

static void record_set_stat(Record *r, const struct stat *st) {
        r->type = type_of(st->st_mode);
        r->mode = (uint32_t) (st->st_mode & 07777);
        r->uid = (uint32_t) st->st_uid;
        r->gid = (uint32_t) st->st_gid;
        r->size = (uint64_t) st->st_size;
        r->ino = (uint64_t) st->st_ino;
        r->mtime_sec = (int64_t) st->st_mtim.tv_sec;
        r->mtime_nsec = (uint32_t) st->st_mtim.tv_nsec;
        r->ctime_sec = (int64_t) st->st_ctim.tv_sec;
        r->ctime_nsec = (uint32_t) st->st_ctim.tv_nsec;
}

/* ---- extended attributes ---------------------------------------------------------- */

static int xattr_id(const char *name) {
        for (unsigned i = 0; i < _XATTR_MAX; i++)
                if (strcmp(name, xattr_name((XattrId) i)) == 0)
                        return (int) i;
        return -1;
}

static int xattr_read_one(const char *path, const char *name, Xattrs *x, XattrId id) {
        uint8_t small[XATTR_VALUE_MAX];
        ssize_t n;

        n = lgetxattr(path, name, small, sizeof small);
        if (n >= 0) {
                x->value[id] = malloc((size_t) n + 1);
                if (!x->value[id])
                        return -ENOMEM;
                memcpy(x->value[id], small, (size_t) n);
                x->len[id] = (uint16_t) n;
                x->present |= (uint8_t) (1U << id);
                return 0;
        }
        if (errno == ENODATA)
                return 0;               /* gone since the listing */
        if (errno != ERANGE)
                return -errno;

        /* Past XATTR_VALUE_MAX: keep its SHA-256. Linux caps values at 64 KiB. */
        n = lgetxattr(path, name, NULL, 0);
        if (n < 0)
                return errno == ENODATA ? 0 : -errno;
        {
                _cleanup_ig_free_ uint8_t *big = malloc((size_t) n + 1);
                unsigned int len = 32;

                if (!big)
                        return -ENOMEM;
                n = lgetxattr(path, name, big, (size_t) n);
                if (n < 0)
                        return errno == ENODATA || errno == ERANGE ? 0 : -errno;
                x->value[id] = malloc(32);
                if (!x->value[id])
                        return -ENOMEM;
                if (EVP_Digest(big, (size_t) n, x->value[id], &len, EVP_sha256(), NULL) != 1)
                        return -EIO;
                x->len[id] = 32;
                x->present |= (uint8_t) (1U << id);
                x->hashed |= (uint8_t) (1U << id);
        }
        return 0;
}

/* One llistxattr() per path; most paths have none of ours, and then that is
 * all it costs. */
static int xattrs_read(const char *path, Xattrs **ret) {
        char small[1024];
        _cleanup_ig_free_ char *big = NULL;
        const char *list = small;
        ssize_t n;
        Xattrs *x = NULL;
        int r = 0;

        *ret = NULL;
        n = llistxattr(path, small, sizeof small);
        if (n < 0 && errno == ERANGE) {
                n = llistxattr(path, NULL, 0);
                if (n > 0) {
                        big = malloc((size_t) n);
                        if (!big)
                                return -ENOMEM;
                        n = llistxattr(path, big, (size_t) n);
                        list = big;
                }
        }
        if (n < 0)
                return errno == ENOTSUP || errno == ENOENT ? 0 : -errno;

        for (ssize_t i = 0; i < n;) {
                const char *name = list + i;
                size_t len = strnlen(name, (size_t) (n - i));
                int id = xattr_id(name);

                i += (ssize_t) len + 1;
                if (id < 0)
                        continue;
                if (!x) {
                        x = calloc(1, sizeof *x);
                        if (!x)
                                return -ENOMEM;
                }
                r = xattr_read_one(path, name, x, (XattrId) id);
                if (r < 0)
                        break;
        }
        if (x && (r < 0 || x->present == 0)) {
                for (size_t i = 0; i < _XATTR_MAX; i++)
                        free(x->value[i]);
                free(x);
                x = NULL;
        }
        *ret = x;
        return r;
}

/* ---- walking ---------------------------------------------------------------------- */

/* Records path (named name in dfd). *ret_st gets its stat; returns 0 when it
 * does not exist, 1 when recorded. */
static int examine(Walk *w, int dfd, const char *name, const char *path, struct stat *ret_st) {
        const ScanOptions *o = w->o;
        Record rec = {};
        const Record *prev;
        size_t plen = strlen(path);
        int r;

        if (fstatat(dfd, name, ret_st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                r = scan_error(w->res, path, errno);
                return r < 0 ? r : 0;
        }
        rec.path = strdup(path);
        if (!rec.path)
                return -ENOMEM;
        record_set_stat(&rec, ret_st);

        if (rec.type == REC_LINK) {
                char target[IG_PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);

                if (n >= 0) {
                        target[n] = '\0';
                        rec.link = strdup(target);
                        if (!rec.link) {
                                record_done(&rec);
                                return -ENOMEM;
                        }
                        rec.flags |= REC_HAS_LINK;
                } else if (errno != ENOENT) {
                        r = scan_error(w->res, path, errno);
                        if (r < 0) {
                                record_done(&rec);
                                return r;
                        }
                }
        }

        if (w->root_len + plen < sizeof w->xpath) {
                memcpy(w->xpath + w->root_len, path, plen + 1);
                r = xattrs_read(w->xpath, &rec.xattrs);
                if (r == -ENOMEM) {
                        record_done(&rec);
                        return r;
                }
                if (r < 0 && (r = scan_error(w->res, path, -r)) < 0) {
                        record_done(&rec);
                        return r;
                }
                if (rec.xattrs)
                        rec.flags |= REC_HAS_XATTRS;
        }

        if (rec.type == REC_FILE) {
                prev = o->prev ? recordset_find(o->prev, path) : NULL;
                if (!o->rehash && prev && prev->type == REC_FILE && (prev->flags & REC_HAS_HASH) &&
                    !(prev->flags & REC_RACY) && prev->size == rec.size && prev->ino == rec.ino &&
                    prev->mtime_sec == rec.mtime_sec && prev->mtime_nsec == rec.mtime_nsec &&
                    prev->ctime_sec == rec.ctime_sec && prev->ctime_nsec == rec.ctime_nsec) {
                        memcpy(rec.sha256, prev->sha256, sizeof rec.sha256);
                        rec.flags |= REC_HAS_HASH;
                } else
                        rec.flags |= REC_NEEDS_HASH;
                if (rec.mtime_sec >= w->racy_after || rec.ctime_sec >= w->racy_after)
                        rec.flags |= REC_RACY;
                if (o->dpkg && dpkg_owner(o->dpkg, path, &rec.pkg, &rec.pkg_version) >= 0)
                        rec.flags |= REC_HAS_PKG;
        }

        r = recordset_push(&w->res->records, &rec);
        if (r < 0) {
                record_done(&rec);
                return r;
        }
        return 1;
}

/* The entries of the directory dfd (at path, covered), recursing into those
 * below when the set is recursive. */
static int walk_dir(Walk *w, int dfd, const char *path, dev_t dev, unsigned depth) {
        const WatchSet *set = w->o->set;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (depth >= WALK_DEPTH_MAX) {
                close(dfd);
                return scan_error(w->res, path, ELOOP);
        }
        d = fdopendir(dfd);
        if (!d) {
                r = -errno;
                close(dfd);
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                _cleanup_ig_free_ char *child = NULL;
                struct stat st;
                int cfd;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                child = path_join(path, de->d_name);
                if (!child) {
                        if (errno == ENOMEM)
                                goto oom;
                        r = scan_error(w->res, path, ENAMETOOLONG);
                        if (r < 0)
                                break;
                        continue;
                }
                if (watchset_excluded(set, child, de->d_name))
                        continue;
                r = examine(w, dirfd(d), de->d_name, child, &st);
                if (r < 0)
                        break;
                /* Stay on the file system of the directory (find -xdev): a
                 * mount below a watched tree is another tree. */
                if (r == 0 || !S_ISDIR(st.st_mode) || !set->recursive || st.st_dev != dev)
                        continue;
                cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        r = scan_error(w->res, child, errno);
                        if (r < 0)
                                break;
                        continue;
                }
                r = walk_dir(w, cfd, child, dev, depth + 1);
                if (r < 0)
                        break;
        }
        if (r >= 0 && errno != 0 && !de)
                r = scan_error(w->res, path, errno);
        closedir(d);
        return r < 0 ? r : 0;
oom:
        closedir(d);
        return -ENOMEM;
}

static int walk_path(Walk *w, const char *path, bool tree) {
        struct stat st;
        int r, fd;

        r = examine(w, w->o->root_fd, path_rel(path), path, &st);
        if (r <= 0 || !tree || !S_ISDIR(st.st_mode) || !watchset_descends(w->o->set, path))
                return r;
        fd = openat(w->o->root_fd, path_rel(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return scan_error(w->res, path, errno);
        }
        return walk_dir(w, fd, path, st.st_dev, 0);
}

/* ---- hashing ---------------------------------------------------------------------- */

typedef struct HashPool {
        const ScanOptions *o;
        Record *items;
        size_t *jobs;
        size_t n_jobs;
        int *errors;                    /* per job: 0 or a positive errno */
        atomic_size_t next;
        RateLimit rate;
        bool niced;
} HashPool;

static int hash_record(const ScanOptions *o, Hasher *h, Record *rec, RateLimit *rl) {
        _cleanup_ig_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = open_for_hash(o->root_fd, rec->path);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ESTALE;         /* replaced by something else since the walk */
        /* What was hashed is this inode as it was before reading: a change
         * during the read moves its ctime, and the next scan hashes again. */
        record_set_stat(rec, &st);
        r = hasher_file(h, fd, (uint64_t) st.st_size, rec->sha256, NULL, rl);
        if (r < 0)
                return r;
        rec->flags |= REC_HAS_HASH;
        return 0;
}

static void hash_jobs(HashPool *p, Hasher *h) {
        for (;;) {
                size_t i = atomic_fetch_add(&p->next, 1);

                if (i >= p->n_jobs)
                        break;
                p->errors[i] = -hash_record(p->o, h, &p->items[p->jobs[i]], &p->rate);
        }
}

static void *hash_worker(void *userdata) {
        HashPool *p = userdata;
        Hasher *h;

        /* This thread only: see the comment at the top. Failing to lower our
         * own priority is not a reason to skip the scan. */
        if (p->niced) {
                (void) setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid), SCAN_NICE);
                (void) syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, SCAN_IOPRIO);
        }
        h = hasher_new();
        if (!h)
                return NULL;
        hash_jobs(p, h);
        hasher_free(h);
        return NULL;
}

static unsigned pick_threads(const ScanOptions *o, uint64_t bytes) {
        long cpus;

        if (o->io_rate)
                return 1;
        if (o->threads)
                return o->threads > HASH_THREADS_MAX ? HASH_THREADS_MAX : o->threads;
        if (bytes < THREADS_MIN_BYTES)
                return 0;
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (cpus < 1)
                cpus = 1;
        return cpus > HASH_THREADS_MAX ? HASH_THREADS_MAX : (unsigned) cpus;
}

static int hash_pending(Walk *w) {
        RecordSet *s = &w->res->records;
        HashPool p = { .o = w->o, .items = s->items, .rate = { .rate = w->o->io_rate } };
        pthread_t threads[HASH_THREADS_MAX];
        unsigned n_threads, started = 0;
        uint64_t bytes = 0;
        size_t o = 0;
        int r = 0;

        for (size_t i = 0; i < s->n; i++)
                if (s->items[i].flags & REC_NEEDS_HASH) {
                        p.n_jobs++;
                        bytes += s->items[i].size;
                }
        if (p.n_jobs == 0)
                return 0;
        p.jobs = malloc(p.n_jobs * sizeof *p.jobs);
        p.errors = calloc(p.n_jobs, sizeof *p.errors);
        if (!p.jobs || !p.errors) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0, j = 0; i < s->n; i++)
                if (s->items[i].flags & REC_NEEDS_HASH)
                        p.jobs[j++] = i;
        atomic_init(&p.next, 0);

        n_threads = pick_threads(w->o, bytes);
        p.niced = true;
        for (; started < n_threads; started++)
                if (pthread_create(&threads[started], NULL, hash_worker, &p) != 0)
                        break;
        for (unsigned i = 0; i < started; i++)
                (void) pthread_join(threads[i], NULL);
        if (atomic_load(&p.next) < p.n_jobs) {
                /* No threads (a small job, or none could start or get
                 * memory for its hasher): here. */
                Hasher *h = hasher_new();

                if (!h) {
                        r = -ENOMEM;
                        goto finish;
                }
                hash_jobs(&p, h);
                hasher_free(h);
        }

        /* Files gone since the walk are not there: drop them. Others that
         * could not be read stay, without a hash, and are reported. */
        for (size_t i = 0, j = 0; i < s->n; i++) {
                Record *rec = &s->items[i];

                if (j < p.n_jobs && p.jobs[j] == i) {
                        int e = p.errors[j++];

                        rec->flags &= (uint8_t) ~REC_NEEDS_HASH;
                        if (e == ENOENT || e == ENOTDIR) {
                                record_done(rec);
                                continue;
                        }
                        if (e != 0) {
                                r = scan_error(w->res, rec->path, e);
                                if (r < 0)
                                        goto finish;
                        } else {
                                w->res->n_hashed++;
                                w->res->bytes_hashed += rec->size;
                        }
                }
                s->items[o++] = *rec;
        }
        s->n = o;
finish:
        free(p.jobs);
        free(p.errors);
        return r;
}

static int walk_init(Walk *w, const ScanOptions *o, ScanResult *res) {
        size_t n = strlen(o->root ? o->root : "/");

        *w = (Walk) { .o = o, .res = res };
        /* A stamp in the second before the scan started, or later, may hide
         * a change made in the same clock tick after we looked. */
        w->racy_after = (int64_t) (clock_usec(CLOCK_REALTIME) / 1000000U) - 1;
        while (n > 0 && o->root[n - 1] == '/')
                n--;
        if (n >= IG_PATH_MAX)
                return -ENAMETOOLONG;
        memcpy(w->xpath, o->root, n);
        w->root_len = n;
        return 0;
}

static int scan_finish(Walk *w, int r) {
        if (r >= 0) {
                recordset_sort(&w->res->records);
                r = hash_pending(w);
        }
        if (r < 0)
                scan_result_done(w->res);
        return r;
}

int scan_full(const ScanOptions *o, ScanResult *ret) {
        Walk w;
        int r;

        *ret = (ScanResult) {};
        r = walk_init(&w, o, ret);
        for (size_t i = 0; r >= 0 && i < o->set->n_paths; i++)
                r = walk_path(&w, o->set->paths[i], true);
        return scan_finish(&w, r);
}

int scan_path(const ScanOptions *o, const char *path, bool tree, ScanResult *ret) {
        Walk w;
        int r;

        *ret = (ScanResult) {};
        r = walk_init(&w, o, ret);
        if (r >= 0) {
                if (watchset_covers(o->set, path))
                        r = walk_path(&w, path, tree);
                else if (tree)
                        for (size_t i = 0; r >= 0 && i < o->set->n_paths; i++)
                                if (path_is_under(o->set->paths[i], path))
                                        r = walk_path(&w, o->set->paths[i], true);
        }
        return scan_finish(&w, r);
}
