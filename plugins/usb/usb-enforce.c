/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Carrying out decisions: the only writes the usb plugin makes to sysfs,
 * and the events that record them. Root hubs get authorized_default=0 (new
 * devices arrive unauthorised) and nothing here ever writes 1 to it: an
 * agent that stops or crashes leaves the terminal closed. */
#include <blkid.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "usb-plugin.h"

/* 詳細編 2.2(3)②, 2.2(4)①: what staff read when a medium is blocked. */
#define NOTICE_UNREGISTERED_MEDIUM \
        "この記録媒体は登録されていないため使用できません。使用する必要がある場合は情報システム管理者に連絡してください。" \
        " / This storage medium is not registered and has been blocked. If you need to use it, " \
        "please contact the system administrator."

static UsbKnown *known_get(UsbPlugin *u, const char *name, bool create) {
        UsbKnown *n;

        for (size_t i = 0; i < u->n_known; i++)
                if (strcmp(u->known[i].name, name) == 0)
                        return &u->known[i];
        if (!create)
                return NULL;
        n = realloc(u->known, sizeof *n * (u->n_known + 1));
        if (!n)
                return NULL;
        u->known = n;
        n[u->n_known] = (UsbKnown) { .name = strdup(name) };
        if (!n[u->n_known].name)
                return NULL;
        return &n[u->n_known++];
}

const UsbKnown *usb_known_find(UsbPlugin *u, const char *name) {
        return known_get(u, name, false);
}

void usb_device_removed(UsbPlugin *u, const char *name) {
        for (size_t i = 0; i < u->n_known; i++)
                if (strcmp(u->known[i].name, name) == 0) {
                        free(u->known[i].name);
                        u->known[i] = u->known[--u->n_known];
                        return;
                }
}

void usb_known_clear(UsbPlugin *u) {
        for (size_t i = 0; i < u->n_known; i++)
                free(u->known[i].name);
        free(u->known);
        u->known = NULL;
        u->n_known = 0;
}

void usb_lock_root_hubs(UsbPlugin *u) {
        _cleanup_strv_free_ char **names = NULL;

        if (!u->enforce || usb_sys_list(u->api->root_fd, &names) < 0)
                return;
        for (char **n = names; *n; n++) {
                int r;

                if (strncmp(*n, "usb", 3) != 0)
                        continue;
                r = usb_sys_write(u->api->root_fd, *n, "authorized_default", "0");
                if (r < 0)
                        u->api->log(u->host, LOG_ERR, "cannot set %s/authorized_default=0: %s", *n,
                                    strerror(-r));
        }
}

/* "usb2" for "2-1.4": a device's root hub. */
static void root_hub_of(const char *name, char *buf, size_t size) {
        snprintf(buf, size, "usb%.*s", (int) strcspn(name, "-"), name);
}

static bool class_allowed(const UsbDecision *dec, uint8_t klass) {
        for (size_t i = 0; i < dec->n_allowed_classes; i++)
                if (dec->allowed_classes[i] == klass)
                        return true;
        return false;
}

/* Each interface of an authorised device as the decision has it: an
 * allowed one authorised and its driver probed, any other deauthorised,
 * which unbinds its driver (a device the kernel authorised before the
 * agent ran has every interface authorised). dec NULL: all are allowed.
 * An interface already as wanted is left alone. */
static int set_interfaces(UsbPlugin *u, const UsbSysDevice *d, const UsbDecision *dec) {
        int root_fd = u->api->root_fd, r = 0;
        size_t l = strlen(d->name);
        char path[512];
        struct dirent *de;
        DIR *dir;
        int fd;

        snprintf(path, sizeof path, "sys/bus/usb/devices/%s", d->name);
        fd = openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *klass = NULL, *auth = NULL;
                const char *iface = de->d_name;
                bool allowed;
                int k;

                /* interfaces are "<device>:<config>.<number>" */
                if (strncmp(iface, d->name, l) != 0 || iface[l] != ':')
                        continue;
                /* An interface whose class cannot be read is not allowed. */
                allowed = !dec || (usb_sys_read_attr(root_fd, iface, "bInterfaceClass", &klass) >= 0 &&
                                   class_allowed(dec, (uint8_t) strtoul(klass, NULL, 16)));
                if (usb_sys_read_attr(root_fd, iface, "authorized", &auth) >= 0 &&
                    strcmp(auth, allowed ? "1" : "0") == 0)
                        continue;
                k = usb_sys_write(root_fd, iface, "authorized", allowed ? "1" : "0");
                if (k < 0) {
                        if (!allowed)
                                r = k; /* it may still work: report it */
                        continue;
                }
                if (allowed) {
                        int pfd = openat(root_fd, "sys/bus/usb/drivers_probe",
                                         O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (pfd >= 0) {
                                (void) !write(pfd, iface, strlen(iface));
                                close(pfd);
                        }
                }
        }
        closedir(dir);
        return r;
}

/* Authorise the device with its interfaces arriving unauthorised, then
 * only the allowed interfaces, whose drivers bind when probed. */
static int allow_interfaces(UsbPlugin *u, const UsbSysDevice *d, const UsbDecision *dec) {
        int root_fd = u->api->root_fd;
        char hub[32];
        int r;

        root_hub_of(d->name, hub, sizeof hub);
        r = usb_sys_write(root_fd, hub, "interface_authorized_default", "0");
        if (r < 0)
                return r; /* without it the storage interface would bind at once: stay blocked */
        r = usb_sys_write(root_fd, d->name, "authorized", "1");
        (void) usb_sys_write(root_fd, hub, "interface_authorized_default", "1");
        if (r < 0)
                return r;
        return set_interfaces(u, d, dec);
}

static const char *verdict_word(UsbVerdict v) {
        switch (v) {
        case USB_VERDICT_ALLOW:
                return "allowed";
        case USB_VERDICT_ALLOW_INTERFACES:
                return "partly allowed";
        case USB_VERDICT_REJECT:
                return "rejected";
        default:
                return "blocked";
        }
}

static int enforce(UsbPlugin *u, const UsbSysDevice *d, const UsbDecision *dec) {
        int root_fd = u->api->root_fd;

        if (!u->enforce)
                return 0;
        switch (dec->verdict) {
        case USB_VERDICT_ALLOW:
                /* Authorised already, perhaps interface by interface (a
                 * composite device registered after it was plugged in). */
                if (d->authorized == 1)
                        return set_interfaces(u, d, NULL);
                return usb_sys_write(root_fd, d->name, "authorized", "1");
        case USB_VERDICT_ALLOW_INTERFACES:
                return allow_interfaces(u, d, dec);
        case USB_VERDICT_REJECT:
                return usb_sys_write(root_fd, d->name, "remove", "1");
        default:
                return d->authorized == 0 ? 0 : usb_sys_write(root_fd, d->name, "authorized", "0");
        }
}

int usb_decide_one(UsbPlugin *u, const char *name) {
        _cleanup_(usb_sys_device_freep) UsbSysDevice *d = NULL;
        _cleanup_free_ char *subject = NULL, *ifaces = NULL, *text = NULL, *kind = NULL;
        UsbDecision dec = {};
        UsbKnown *k;
        int r, w;

        r = usb_sys_read(u->api->root_fd, name, &d);
        if (r < 0) {
                /* A device that cannot be read cannot be judged, so it may
                 * not work: one arriving is unauthorised already, one the
                 * kernel authorised before the agent ran is deauthorised. */
                u->api->log(u->host, LOG_WARNING, "cannot read USB device %s: %s", name, strerror(-r));
                if (u->enforce && strncmp(name, "usb", 3) != 0 &&
                    usb_sys_write(u->api->root_fd, name, "authorized", "0") >= 0 &&
                    asprintf(&text, "port %s: cannot read the device (%s): blocked", name, strerror(-r)) >= 0)
                        (void) u->api->emit_event(u->host, "usb.blocked", name, text);
                return r;
        }
        if (d->root_hub)
                return 0;
        r = usb_decide(u->rules, d, &dec);
        if (r < 0)
                return r;
        w = enforce(u, d, &dec);

        k = known_get(u, d->name, true);
        if (k) {
                memcpy(k->hash, d->hash, sizeof k->hash);
                k->verdict = dec.verdict;
                k->read_only = dec.read_only;
                k->registered = dec.rule && dec.verdict == USB_VERDICT_ALLOW;
        }

        if (usb_device_subject(d, &subject) < 0 || usb_device_interfaces_string(d, &ifaces) < 0 ||
            asprintf(&kind, "usb.%s", dec.verdict == USB_VERDICT_ALLOW ? "allowed" :
                                       dec.verdict == USB_VERDICT_ALLOW_INTERFACES ? "partly-allowed" :
                                       dec.verdict == USB_VERDICT_REJECT ? "rejected" : "blocked") < 0 ||
            asprintf(&text, "port %s, %s %s (%s), interfaces %s, hash %s: %s%s, %s%s%s%s", d->name,
                     d->id_vendor, d->id_product, d->product ? d->product : "no name", ifaces, d->hash,
                     verdict_word(dec.verdict), u->enforce ? "" : " (not enforced)", dec.reason,
                     dec.rule ? " of " : "", dec.rule ? u->rule_file : "",
                     w < 0 ? ", but the kernel refused the change" : "") < 0) {
                usb_decision_done(&dec);
                return -ENOMEM;
        }
        (void) u->api->emit_event(u->host, kind, subject, text);
        if (w < 0)
                u->api->log(u->host, LOG_ERR, "cannot enforce the decision for USB device %s: %s",
                            d->name, strerror(-w));
        if (dec.verdict == USB_VERDICT_BLOCK &&
            (usb_device_has_class(d, USB_CLASS_MASS_STORAGE) ||
             usb_device_has_class(d, USB_CLASS_STILL_IMAGE)))
                (void) u->api->emit_event(u->host, "usb.notice", subject, NOTICE_UNREGISTERED_MEDIUM);
        usb_decision_done(&dec);
        (void) u->api->request_evaluation(u->host, "usb.no-unregistered-storage");
        return w < 0 ? w : 0;
}

int usb_decide_all(UsbPlugin *u) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = usb_sys_list(u->api->root_fd, &names);
        if (r < 0)
                return r;
        for (char **n = names; *n; n++)
                (void) usb_decide_one(u, *n);
        return 0;
}

/* The USB device a block device hangs under: the last path component of
 * devpath that names a USB device ("2-1", "1-4.2") before its interface. */
static int usb_device_of_block(const char *devpath, char *buf, size_t size) {
        const char *p = strstr(devpath, "/usb");
        const char *best = NULL, *end = NULL;

        while (p && *p) {
                const char *c = p + 1, *e = strchr(c, '/');
                size_t l = e ? (size_t) (e - c) : strlen(c);

                if (l > 0 && c[0] >= '0' && c[0] <= '9' && memchr(c, '-', l) && !memchr(c, ':', l)) {
                        best = c;
                        end = c + l;
                }
                p = e;
        }
        if (!best || (size_t) (end - best) >= size)
                return -ENOENT;
        memcpy(buf, best, (size_t) (end - best));
        buf[end - best] = '\0';
        return 0;
}

static void probe_filesystem(UsbPlugin *u, const char *dev, const UsbKnown *k) {
        char path[512], text[512];
        const char *uuid = NULL, *type = NULL, *label = NULL;
        blkid_probe pr;

        snprintf(path, sizeof path, "%s/dev/%s", strcmp(u->api->root, "/") ? u->api->root : "", dev);
        pr = blkid_new_probe_from_filename(path);
        if (!pr)
                return;
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
        if (blkid_do_safeprobe(pr) == 0) {
                (void) blkid_probe_lookup_value(pr, "UUID", &uuid, NULL);
                (void) blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
                (void) blkid_probe_lookup_value(pr, "LABEL", &label, NULL);
                if (type) {
                        snprintf(text, sizeof text, "%s on USB device %s: filesystem %s, UUID %s, label %s%s",
                                 dev, k->name, type, uuid ? uuid : "none", label ? label : "none",
                                 k->read_only ? ", read-only" : "");
                        (void) u->api->emit_event(u->host, "usb.medium", k->name, text);
                }
        }
        blkid_free_probe(pr);
}

int usb_block_added(UsbPlugin *u, const char *sysname, const char *devpath) {
        char usbdev[64], path[512];
        const UsbKnown *k;
        int fd, one = 1, r = 0;

        if (usb_device_of_block(devpath, usbdev, sizeof usbdev) < 0)
                return 0; /* not on USB */
        k = usb_known_find(u, usbdev);
        if (!k)
                return 0;
        if (k->read_only && u->enforce) {
                /* Before anything can mount it (詳細編 2.2(4)②): the kernel
                 * uevent comes before udev and udisks see the disk. */
                snprintf(path, sizeof path, "dev/%s", sysname);
                fd = openat(u->api->root_fd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        r = -errno;
                else {
                        if (ioctl(fd, BLKROSET, &one) < 0)
                                r = -errno;
                        close(fd);
                }
                if (r < 0)
                        u->api->log(u->host, LOG_ERR, "cannot make %s read-only: %s", sysname, strerror(-r));
        }
        probe_filesystem(u, sysname, k);
        return r;
}
