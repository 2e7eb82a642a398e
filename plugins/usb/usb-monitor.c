/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel uevents for USB devices and block devices, straight from the
 * kernel's netlink group (libudev's "kernel" source): decisions do not wait
 * for udevd and work where it does not run. libudev drops multicast
 * messages on that group that do not come from the kernel (sender pid 0). */
#include <libudev.h>
#include <stdlib.h>
#include <string.h>

#include "usb-plugin.h"

static int on_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        UsbPlugin *u = userdata;
        struct udev_device *dev;

        /* Drain what is queued: uevents are decided in the order they came. */
        while ((dev = udev_monitor_receive_device(u->monitor))) {
                const char *action = udev_device_get_action(dev), *sub = udev_device_get_subsystem(dev),
                           *type = udev_device_get_devtype(dev), *name = udev_device_get_sysname(dev),
                           *devpath = udev_device_get_devpath(dev);

                if (action && sub && name && devpath) {
                        if (strcmp(sub, "usb") == 0 && type && strcmp(type, "usb_device") == 0) {
                                if (strcmp(action, "add") == 0)
                                        (void) usb_decide_one(u, name);
                                else if (strcmp(action, "remove") == 0) {
                                        usb_device_removed(u, name);
                                        (void) u->api->request_evaluation(u->host,
                                                                          "usb.no-unregistered-storage");
                                }
                        } else if (strcmp(sub, "block") == 0 && strcmp(action, "add") == 0)
                                (void) usb_block_added(u, name, devpath);
                }
                udev_device_unref(dev);
        }
        return 0;
}

int usb_monitor_start(UsbPlugin *u) {
        int r;

        if (u->monitor)
                return 0;
        /* uevents describe the real machine: under a test's root prefix
         * there is nothing to watch. */
        if (strcmp(u->api->root, "/") != 0)
                return 0;
        u->udev = udev_new();
        if (!u->udev)
                return -ENOMEM;
        u->monitor = udev_monitor_new_from_netlink(u->udev, "kernel");
        if (!u->monitor) {
                usb_monitor_stop(u);
                return -EIO;
        }
        (void) udev_monitor_set_receive_buffer_size(u->monitor, 4 * 1024 * 1024);
        r = udev_monitor_filter_add_match_subsystem_devtype(u->monitor, "usb", "usb_device");
        if (r >= 0)
                r = udev_monitor_filter_add_match_subsystem_devtype(u->monitor, "block", NULL);
        if (r >= 0)
                r = udev_monitor_enable_receiving(u->monitor);
        if (r >= 0)
                r = sd_event_add_io(u->api->loop, &u->monitor_source, udev_monitor_get_fd(u->monitor),
                                    EPOLLIN, on_uevent, u);
        if (r < 0) {
                usb_monitor_stop(u);
                return r;
        }
        (void) sd_event_source_set_description(u->monitor_source, "usb-uevents");
        /* Before the periodic evaluations: a device waits as little as can be. */
        (void) sd_event_source_set_priority(u->monitor_source, SD_EVENT_PRIORITY_IMPORTANT);
        return 0;
}

void usb_monitor_stop(UsbPlugin *u) {
        u->monitor_source = sd_event_source_disable_unref(u->monitor_source);
        u->monitor = udev_monitor_unref(u->monitor);
        u->udev = udev_unref(u->udev);
}
