/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two checks that go into the score: the terminal is closed to new USB
 * devices (usb.enforcing), and no unregistered storage or network device
 * works right now (usb.no-unregistered-storage). */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usb-plugin.h"

static int emit(UsbPlugin *u, const struct mamori_rule *r, mamori_status s, const char *subject,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int emit(UsbPlugin *u, const struct mamori_rule *r, mamori_status s, const char *subject,
                const char *fmt, ...) {
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        return u->api->emit_finding(u->host, r, &(struct mamori_finding) { s, subject, text });
}

static bool file_exists(UsbPlugin *u, const char *path) {
        while (*path == '/')
                path++;
        return faccessat(u->api->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int usb_check_enforcing(UsbPlugin *u, const struct mamori_rule *r) {
        _cleanup_strv_free_ char **names = NULL;
        unsigned hubs = 0, open_hubs = 0;
        int k;

        k = usb_sys_list(u->api->root_fd, &names);
        if (k == -ENOENT)
                return emit(u, r, MAMORI_NOT_APPLICABLE, NULL, "this terminal has no USB controller");
        if (k < 0)
                return emit(u, r, MAMORI_ERROR, NULL, "cannot list USB devices: %s", strerror(-k));
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *v = NULL;

                if (strncmp(*n, "usb", 3) != 0)
                        continue;
                hubs++;
                k = usb_sys_read_attr(u->api->root_fd, *n, "authorized_default", &v);
                if (k < 0) {
                        emit(u, r, MAMORI_ERROR, *n, "cannot read %s/authorized_default: %s", *n, strerror(-k));
                        open_hubs++;
                } else if (strcmp(v, "0") != 0) {
                        emit(u, r, MAMORI_FAIL, *n,
                             "root hub %s authorises new devices by itself (authorized_default=%s): "
                             "a device plugged in now works before any decision", *n, v);
                        open_hubs++;
                }
        }
        if (hubs == 0)
                return emit(u, r, MAMORI_NOT_APPLICABLE, NULL, "this terminal has no USB controller");
        if (!file_exists(u, u->udev_rule))
                emit(u, r, MAMORI_FAIL, u->udev_rule,
                     "%s is missing: while the agent is down, a new USB controller would let devices work",
                     u->udev_rule);
        else if (open_hubs == 0)
                emit(u, r, MAMORI_PASS, NULL, "%u root hub%s closed to new devices; %s installed; %s",
                     hubs, hubs == 1 ? "" : "s", u->udev_rule,
                     u->enforce ? "the agent decides each device" : "decisions are not enforced by this rule");
        if (u->rules_error)
                emit(u, r, MAMORI_FAIL, u->rule_file,
                     "%s cannot be used (%s): registered media stay blocked until it is fixed",
                     u->rule_file, u->rules_error);
        return 0;
}

static bool bad_class(uint8_t c, uint8_t sub) {
        return c == USB_CLASS_MASS_STORAGE || c == USB_CLASS_STILL_IMAGE || c == USB_CLASS_COMM ||
               c == USB_CLASS_CDC_DATA || c == USB_CLASS_WIRELESS || (c == USB_CLASS_MISC && sub == 0x04);
}

/* Whether any storage or network interface of d is authorised now. An
 * authorised device whose interfaces cannot be seen counts as working. */
static bool bad_interface_works(UsbPlugin *u, const UsbSysDevice *d) {
        char path[512];
        struct dirent *de;
        bool seen = false, works = false;
        DIR *dir;
        int fd;

        snprintf(path, sizeof path, "sys/bus/usb/devices/%s", d->name);
        fd = openat(u->api->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || !(dir = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return true;
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *klass = NULL, *sub = NULL, *auth = NULL;
                size_t l = strlen(d->name);

                if (strncmp(de->d_name, d->name, l) != 0 || de->d_name[l] != ':')
                        continue;
                seen = true;
                if (usb_sys_read_attr(u->api->root_fd, de->d_name, "bInterfaceClass", &klass) < 0 ||
                    usb_sys_read_attr(u->api->root_fd, de->d_name, "bInterfaceSubClass", &sub) < 0)
                        continue;
                if (!bad_class((uint8_t) strtoul(klass, NULL, 16), (uint8_t) strtoul(sub, NULL, 16)))
                        continue;
                if (usb_sys_read_attr(u->api->root_fd, de->d_name, "authorized", &auth) < 0 ||
                    strcmp(auth, "0") != 0)
                        works = true;
        }
        closedir(dir);
        return works || !seen;
}

int usb_check_no_unregistered_storage(UsbPlugin *u, const struct mamori_rule *r) {
        _cleanup_strv_free_ char **names = NULL;
        unsigned devices = 0, registered = 0, failed = 0;
        int k;

        k = usb_sys_list(u->api->root_fd, &names);
        if (k == -ENOENT)
                return emit(u, r, MAMORI_NOT_APPLICABLE, NULL, "this terminal has no USB controller");
        if (k < 0)
                return emit(u, r, MAMORI_ERROR, NULL, "cannot list USB devices: %s", strerror(-k));
        for (char **n = names; *n; n++) {
                _cleanup_(usb_sys_device_freep) UsbSysDevice *d = NULL;
                _cleanup_free_ char *subject = NULL, *ifaces = NULL;
                UsbDecision dec = {};

                if (strncmp(*n, "usb", 3) == 0)
                        continue;
                k = usb_sys_read(u->api->root_fd, *n, &d);
                if (k < 0) {
                        emit(u, r, MAMORI_ERROR, *n, "cannot read USB device %s: %s", *n, strerror(-k));
                        continue;
                }
                devices++;
                if (d->authorized != 1 || !usb_device_is_storage_or_network(d))
                        continue;
                k = usb_decide_quietly(u->rules, d, &dec);
                if (k >= 0 && dec.rule && dec.verdict == USB_VERDICT_ALLOW) {
                        registered++;
                        usb_decision_done(&dec);
                        continue;
                }
                usb_decision_done(&dec);
                if (!bad_interface_works(u, d))
                        continue;
                failed++;
                (void) usb_device_subject(d, &subject);
                (void) usb_device_interfaces_string(d, &ifaces);
                emit(u, r, MAMORI_FAIL, subject,
                     "usb %s %s:%s serial %s (%s, interfaces %s): storage or network device authorised, not registered",
                     d->name, d->id_vendor, d->id_product, d->serial && *d->serial ? d->serial : "none",
                     d->product ? d->product : "no name", ifaces ? ifaces : "?");
        }
        if (failed == 0)
                emit(u, r, MAMORI_PASS, NULL, "%u USB device%s present; %u registered medi%s working, "
                     "no unregistered storage or network device works", devices, devices == 1 ? "" : "s",
                     registered, registered == 1 ? "um" : "a");
        return 0;
}
