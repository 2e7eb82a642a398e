/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mamori-usb-early: authorises the USB keyboards (and the hubs they hang
 * off) that the kernel left unauthorised because of
 * usbcore.authorized_default=0, so that a password can be typed at an early
 * prompt (LUKS) before mamorid runs. Every other device stays unauthorised
 * for mamorid to decide.
 *
 * Run from the initramfs (initramfs-tools: the init-top script once, and a
 * udev rule for each device that appears later) and by the package's prerm,
 * so that a terminal whose agent is being removed keeps its keyboards.
 *
 * The decision is made from the device's binary "descriptors" file, which
 * sysfs offers for an unauthorised device too (it has no interface
 * directories yet): every interface of every configuration must be HID
 * (class 03) or a hub (class 09). A composite keyboard that also offers
 * storage is not authorised.
 *
 * Only libc: the initramfs hook copies it with its libraries, and it builds
 * with -static as it is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

#define USB_DT_DEVICE           0x01
#define USB_DT_CONFIG           0x02
#define USB_DT_INTERFACE        0x04
#define USB_DT_DEVICE_SIZE      18
#define USB_DT_INTERFACE_SIZE   9
#define USB_CLASS_HID           0x03
#define USB_CLASS_HUB           0x09

/* The kernel caps what it keeps of one device's descriptors far below
 * this; a larger file is not a device's. */
#define DESCRIPTORS_MAX         (64 * 1024)
/* After a hub is authorised, the time its ports take to show their devices. */
#define HUB_SETTLE_USEC         (1000 * 1000)

typedef enum Verdict {
        VERDICT_ALLOW,          /* only HID and hub interfaces */
        VERDICT_DENY,           /* some other interface class */
        VERDICT_MALFORMED,      /* cannot tell: fail closed */
} Verdict;

static const char *arg_root = "";
static bool arg_kmsg = true;
static bool arg_dry_run;
static bool arg_settle;

/* Logs to the kernel's ring buffer, so that the journal of the booted
 * system shows what the initramfs did, and to stderr. */
_printf_(2, 3)
static void log_line(int prio, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        fprintf(stderr, "mamori-usb-early: %s\n", msg);
        if (arg_kmsg) {
                /* One write() is one record of the ring buffer. */
                _cleanup_close_ int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
                char rec[600];
                int n = snprintf(rec, sizeof(rec), "<%d>mamori-usb-early: %s\n", prio, msg);
                if (fd >= 0 && n > 0)
                        (void) !write(fd, rec, MIN((size_t) n, sizeof(rec) - 1));
        }
}

/* Walks the device descriptor and every configuration that follows it as
 * one sequence of descriptors. *ret_class is the first interface class
 * that is neither HID nor a hub (for the log); *ret_hub tells that the
 * device has a hub interface, whose own devices will follow. */
static Verdict descriptors_verdict(const uint8_t *d, size_t size, unsigned *ret_class, bool *ret_hub) {
        unsigned n_configs = 0, n_interfaces = 0;
        size_t i;

        *ret_class = 0;
        *ret_hub = false;
        if (size < USB_DT_DEVICE_SIZE || d[0] != USB_DT_DEVICE_SIZE || d[1] != USB_DT_DEVICE)
                return VERDICT_MALFORMED;

        for (i = USB_DT_DEVICE_SIZE; i < size; i += d[i]) {
                if (size - i < 2 || d[i] < 2 || d[i] > size - i)
                        return VERDICT_MALFORMED;
                if (d[i + 1] == USB_DT_CONFIG)
                        n_configs++;
                else if (d[i + 1] == USB_DT_INTERFACE) {
                        if (d[i] < USB_DT_INTERFACE_SIZE)
                                return VERDICT_MALFORMED;
                        n_interfaces++;
                        if (d[i + 5] == USB_CLASS_HUB)
                                *ret_hub = true;
                        if (d[i + 5] != USB_CLASS_HID && d[i + 5] != USB_CLASS_HUB) {
                                *ret_class = d[i + 5];
                                return VERDICT_DENY;
                        }
                }
        }

        /* A configuration the kernel could not read might hold anything. */
        if (n_interfaces == 0 || n_configs == 0 || n_configs != d[17])
                return VERDICT_MALFORMED;
        return VERDICT_ALLOW;
}

static int read_all(int dirfd, const char *name, uint8_t *buf, size_t max, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (n < max) {
                ssize_t k = read(fd, buf + n, max - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        if (n == max)
                return -EFBIG;
        *ret_size = n;
        return 0;
}

static int read_attr(int dirfd, const char *name, char *buf, size_t max) {
        size_t n;
        int r;

        r = read_all(dirfd, name, (uint8_t *) buf, max - 1, &n);
        if (r < 0)
                return r;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        return 0;
}

static int write_attr(int dirfd, const char *name, const char *value) {
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);

        fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (write(fd, value, len) != (ssize_t) len)
                return -errno;
        return 0;
}

/* Root hubs (usbN) and interfaces (N-P:C.I) are not devices to decide on. */
static bool is_device_name(const char *name) {
        return name[0] >= '0' && name[0] <= '9' && !strchr(name, ':');
}

/* Returns 2 when a hub was authorised, 1 another device, 0 when it was
 * left as it was, a negative errno when it could not be read or written. */
static int device_process(int dirfd, const char *name) {
        static uint8_t desc[DESCRIPTORS_MAX];
        char authorized[8], vid[8] = "?", pid[8] = "?";
        unsigned cls;
        bool hub;
        Verdict v;
        size_t n;
        int r;

        r = read_attr(dirfd, "authorized", authorized, sizeof(authorized));
        if (r < 0) {
                log_line(3, "%s: cannot read authorized: %s", name, strerror(-r));
                return r;
        }
        if (strcmp(authorized, "0") != 0)
                return 0;

        (void) read_attr(dirfd, "idVendor", vid, sizeof(vid));
        (void) read_attr(dirfd, "idProduct", pid, sizeof(pid));

        r = read_all(dirfd, "descriptors", desc, sizeof(desc), &n);
        if (r < 0) {
                log_line(3, "%s %s:%s: cannot read descriptors, left unauthorised: %s",
                         name, vid, pid, strerror(-r));
                return r;
        }

        v = descriptors_verdict(desc, n, &cls, &hub);
        if (v == VERDICT_DENY) {
                log_line(5, "%s %s:%s: interface class %02x, left unauthorised for mamorid",
                         name, vid, pid, cls);
                return 0;
        }
        if (v == VERDICT_MALFORMED) {
                log_line(4, "%s %s:%s: descriptors not understood, left unauthorised", name, vid, pid);
                return 0;
        }
        if (arg_dry_run) {
                log_line(5, "%s %s:%s: keyboard or hub, would be authorised", name, vid, pid);
                return 0;
        }
        r = write_attr(dirfd, "authorized", "1");
        if (r < 0) {
                log_line(3, "%s %s:%s: cannot authorise: %s", name, vid, pid, strerror(-r));
                return r;
        }
        log_line(5, "%s %s:%s: %s, authorised", name, vid, pid, hub ? "hub" : "keyboard");
        return hub ? 2 : 1;
}

/* DEVICE is a sysfs path (udev's %S%p) or a name under /sys/bus/usb/devices. */
static int process_one(const char *device) {
        char path[4096];
        _cleanup_close_ int fd = -EBADF;
        const char *name;
        int n;

        name = strrchr(device, '/');
        name = name ? name + 1 : device;
        if (!is_device_name(name))
                return 0;
        if (strchr(device, '/'))
                n = snprintf(path, sizeof(path), "%s%s", arg_root, device);
        else
                n = snprintf(path, sizeof(path), "%s/sys/bus/usb/devices/%s", arg_root, device);
        if (n < 0 || (size_t) n >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                log_line(3, "%s: %s", path, strerror(errno));
                return -errno;
        }
        return device_process(fd, name);
}

/* Every device; with --settle again, after a pause, while the last pass
 * authorised a hub: the devices behind it appear once the hub driver has
 * seen its ports (debounce and enumeration: some 300 ms under QEMU).
 * Without it, a keyboard behind an internal rate-matching hub would stay
 * locked out where no udev rule runs the helper for each new device (the
 * package's prerm). The USB tiers (at most 5 hubs deep) bound the passes. */
static int process_all(void) {
        char path[4096];
        int ret = 0, n;

        n = snprintf(path, sizeof(path), "%s/sys/bus/usb/devices", arg_root);
        if (n < 0 || (size_t) n >= sizeof(path))
                return -ENAMETOOLONG;
        for (unsigned pass = 0; pass < 6; pass++) {
                _cleanup_close_ int dfd = -EBADF;
                DIR *dir;
                struct dirent *de;
                bool again = false;

                dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        return errno == ENOENT ? 0 : -errno;    /* no USB at all */
                dir = fdopendir(dfd);
                if (!dir)
                        return -errno;
                dfd = -EBADF;                                   /* owned by dir now */
                while ((de = readdir(dir))) {
                        _cleanup_close_ int fd = -EBADF;
                        int r;

                        if (!is_device_name(de->d_name))
                                continue;
                        fd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0)
                                continue;       /* unplugged meanwhile */
                        r = device_process(fd, de->d_name);
                        if (r < 0)
                                ret = r;
                        else if (r == 2)
                                again = true;
                }
                closedir(dir);
                if (!again || !arg_settle)
                        break;
                (void) usleep(HUB_SETTLE_USEC);
        }
        return ret;
}

static void help(void) {
        printf("Usage: mamori-usb-early [OPTION...] [DEVICE...]\n"
               "Authorise the unauthorised USB devices whose interfaces are all HID or hubs.\n"
               "DEVICE is a sysfs path or a name such as 1-2; none: every USB device.\n\n"
               "  --root DIR   read and write sysfs under DIR (tests)\n"
               "  --dry-run    decide and log, change nothing\n"
               "  --no-kmsg    log to stderr only\n"
               "  --settle     after authorising a hub, wait for its devices and go on\n"
               "  --help       this text\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_DRY_RUN, ARG_NO_KMSG, ARG_SETTLE };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "no-kmsg", no_argument, NULL, ARG_NO_KMSG },
                { "settle", no_argument, NULL, ARG_SETTLE },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_ROOT:
                        arg_root = optarg;
                        arg_kmsg = false;
                        break;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_NO_KMSG:
                        arg_kmsg = false;
                        break;
                case ARG_SETTLE:
                        arg_settle = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }

        if (optind == argc)
                r = process_all();
        for (int i = optind; i < argc; i++) {
                int k = process_one(argv[i]);
                if (k < 0)
                        r = k;
        }
        return r < 0 ? 1 : 0;
}
