/* SPDX-License-Identifier: GPL-2.0-or-later */
/* USB devices as sysfs shows them, read under the root prefix so that tests
 * run on a fake sysfs. An unauthorised device has no configuration and no
 * interface directories, but its binary "descriptors" file is readable:
 * every decision is made from that file and the string attributes. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usb-agent.h"

#define SYS_USB "sys/bus/usb/devices"
#define ATTR_MAX 4096

static int read_all_at(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int fd;

        fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        buf = malloc(max + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        for (;;) {
                ssize_t k = read(fd, buf + size, max - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        k = -errno;
                        close(fd);
                        return (int) k;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size == max) {
                        close(fd);
                        return -EFBIG;
                }
        }
        close(fd);
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int usb_sys_read_attr(int root_fd, const char *name, const char *attr, char **ret) {
        _cleanup_free_ char *path = NULL;
        size_t size;
        int r;

        if (asprintf(&path, SYS_USB "/%s/%s", name, attr) < 0)
                return -ENOMEM;
        r = read_all_at(root_fd, path, ATTR_MAX, ret, &size);
        if (r < 0)
                return r;
        /* usbguard drops the last byte, the newline sysfs adds. */
        if (size > 0 && (*ret)[size - 1] == '\n')
                (*ret)[size - 1] = '\0';
        return 0;
}

int usb_sys_write(int root_fd, const char *name, const char *attr, const char *value) {
        _cleanup_free_ char *path = NULL;
        size_t len = strlen(value);
        ssize_t k;
        int fd;

        if (asprintf(&path, SYS_USB "/%s/%s", name, attr) < 0)
                return -ENOMEM;
        fd = openat(root_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        k = write(fd, value, len);
        if (k < 0)
                k = -errno;
        close(fd);
        if (k < 0)
                return (int) k;
        return (size_t) k == len ? 0 : -EIO;
}

/* "/devices/..." from the sys/bus/usb/devices/NAME link. */
static int devpath_of(int root_fd, const char *name, char **ret) {
        _cleanup_free_ char *link = NULL;
        char buf[4096];
        const char *p;
        ssize_t k;

        if (asprintf(&link, SYS_USB "/%s", name) < 0)
                return -ENOMEM;
        k = readlinkat(root_fd, link, buf, sizeof buf - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        p = strstr(buf, "devices/");
        if (!p)
                return -EBADMSG;
        if (asprintf(ret, "/%s", p) < 0)
                return -ENOMEM;
        return 0;
}

/* Reads a string attribute of the device directory at sys<devpath>. */
static char *attr_at(int root_fd, const char *devpath, const char *attr) {
        _cleanup_free_ char *path = NULL;
        char *v = NULL;
        size_t size;

        if (asprintf(&path, "sys%s/%s", devpath, attr) < 0)
                return NULL;
        if (read_all_at(root_fd, path, ATTR_MAX, &v, &size) < 0)
                return NULL;
        if (size > 0 && v[size - 1] == '\n')
                v[size - 1] = '\0';
        return v;
}

static int hash_at(int root_fd, const char *devpath, char ret[static USB_HASH_SIZE]) {
        _cleanup_free_ char *vendor = attr_at(root_fd, devpath, "idVendor"),
                            *product_id = attr_at(root_fd, devpath, "idProduct"),
                            *name = attr_at(root_fd, devpath, "product"),
                            *serial = attr_at(root_fd, devpath, "serial"),
                            *path = NULL, *blob = NULL;
        size_t size = 0;
        int r;

        if (!vendor || !product_id)
                return -ENODEV;
        if (asprintf(&path, "sys%s/descriptors", devpath) < 0)
                return -ENOMEM;
        r = read_all_at(root_fd, path, USB_DESCRIPTORS_SIZE_MAX, &blob, &size);
        if (r < 0)
                return r;
        return usb_hash_device(name, vendor, product_id, serial, blob, size, ret);
}

UsbSysDevice *usb_sys_device_free(UsbSysDevice *d) {
        if (!d)
                return NULL;
        free(d->name);
        free(d->devpath);
        free(d->id_vendor);
        free(d->id_product);
        free(d->serial);
        free(d->product);
        free(d->manufacturer);
        free(d->connect_type);
        free(d->descriptors);
        usb_descriptors_free(d->desc);
        free(d);
        return NULL;
}

int usb_sys_read(int root_fd, const char *name, UsbSysDevice **ret) {
        _cleanup_(usb_sys_device_freep) UsbSysDevice *d = NULL;
        _cleanup_free_ char *path = NULL, *auth = NULL, *parent = NULL;
        char *slash;
        int r;

        if (!name || !*name || strchr(name, '/') || strchr(name, ':') || name[0] == '.')
                return -EINVAL;
        d = calloc(1, sizeof *d);
        if (!d || !(d->name = strdup(name)))
                return -ENOMEM;
        r = devpath_of(root_fd, name, &d->devpath);
        if (r < 0)
                return r;
        r = usb_sys_read_attr(root_fd, name, "idVendor", &d->id_vendor);
        if (r >= 0)
                r = usb_sys_read_attr(root_fd, name, "idProduct", &d->id_product);
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        (void) usb_sys_read_attr(root_fd, name, "serial", &d->serial);
        (void) usb_sys_read_attr(root_fd, name, "product", &d->product);
        (void) usb_sys_read_attr(root_fd, name, "manufacturer", &d->manufacturer);
        (void) usb_sys_read_attr(root_fd, name, "port/connect_type", &d->connect_type);
        if (usb_sys_read_attr(root_fd, name, "authorized", &auth) >= 0)
                d->authorized = auth[0] == '1';
        else
                d->authorized = -1;
        d->root_hub = strncmp(name, "usb", 3) == 0;

        if (asprintf(&path, SYS_USB "/%s/descriptors", name) < 0)
                return -ENOMEM;
        r = read_all_at(root_fd, path, USB_DESCRIPTORS_SIZE_MAX, (char **) &d->descriptors,
                        &d->descriptors_size);
        if (r < 0)
                return r;
        r = usb_descriptors_parse(d->descriptors, d->descriptors_size, &d->desc);
        if (r < 0)
                return r;
        r = usb_hash_device(d->product, d->id_vendor, d->id_product, d->serial, d->descriptors,
                            d->descriptors_size, d->hash);
        if (r < 0)
                return r;

        /* usbguard: a device under a root hub (or a root hub under its PCI
         * controller) takes the parent's hash, or, when the parent is not a
         * USB device, the hash of the parent's devpath. */
        parent = strdup(d->devpath);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (slash && slash != parent)
                *slash = '\0';
        r = hash_at(root_fd, parent, d->parent_hash);
        if (r == -ENODEV)
                r = usb_hash_string(parent, strlen(parent), d->parent_hash);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(d);
        return 0;
}

typedef struct Entry {
        char *name;
        size_t depth;
} Entry;

static int entry_cmp(const void *a, const void *b) {
        const Entry *x = a, *y = b;

        if (x->depth != y->depth)
                return x->depth < y->depth ? -1 : 1;
        return strcmp(x->name, y->name);
}

int usb_sys_list(int root_fd, char ***ret) {
        Entry *e = NULL;
        size_t n = 0;
        char **l;
        struct dirent *de;
        DIR *dir;
        int fd;

        fd = openat(root_fd, SYS_USB, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *devpath = NULL;
                Entry *ne;

                if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
                        continue; /* interfaces are "1-2:1.0" */
                if (devpath_of(root_fd, de->d_name, &devpath) < 0)
                        continue;
                ne = realloc(e, sizeof *e * (n + 1));
                if (!ne)
                        goto oom;
                e = ne;
                e[n].name = strdup(de->d_name);
                if (!e[n].name)
                        goto oom;
                /* Parents have shorter device paths than their children. */
                e[n++].depth = strlen(devpath);
        }
        closedir(dir);
        dir = NULL;
        if (n > 0)
                qsort(e, n, sizeof *e, entry_cmp);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                goto oom;
        for (size_t i = 0; i < n; i++)
                l[i] = e[i].name;
        free(e);
        *ret = l;
        return 0;
oom:
        if (dir)
                closedir(dir);
        for (size_t i = 0; i < n; i++)
                free(e[i].name);
        free(e);
        return -ENOMEM;
}

bool usb_device_has_class(const UsbSysDevice *d, uint8_t klass) {
        if (d->desc && d->desc->device && d->desc->device->device.bDeviceClass == klass)
                return true;
        for (size_t i = 0; d->desc && i < d->desc->n_interfaces; i++)
                if (d->desc->interfaces[i].klass == klass)
                        return true;
        return false;
}

bool usb_device_is_storage_or_network(const UsbSysDevice *d) {
        static const uint8_t classes[] = { USB_CLASS_MASS_STORAGE, USB_CLASS_STILL_IMAGE,
                                           USB_CLASS_COMM, USB_CLASS_CDC_DATA, USB_CLASS_WIRELESS };

        for (size_t i = 0; i < sizeof classes; i++)
                if (usb_device_has_class(d, classes[i]))
                        return true;
        /* RNDIS network adapters announce themselves as miscellaneous
         * (ef/04/01) or wireless (e0/01/03) interfaces. */
        for (size_t i = 0; d->desc && i < d->desc->n_interfaces; i++) {
                const UsbInterfaceType *t = &d->desc->interfaces[i];
                if (t->klass == USB_CLASS_MISC && t->subclass == 0x04)
                        return true;
        }
        return false;
}

int usb_device_interfaces_string(const UsbSysDevice *d, char **ret) {
        size_t n = d->desc ? d->desc->n_interfaces : 0;
        char *s = malloc(n * 9 + 1), *p = s;

        if (!s)
                return -ENOMEM;
        *p = '\0';
        for (size_t i = 0; i < n; i++) {
                const UsbInterfaceType *t = &d->desc->interfaces[i];
                p += sprintf(p, "%s%02x:%02x:%02x", i ? " " : "", t->klass, t->subclass, t->protocol);
        }
        *ret = s;
        return 0;
}

int usb_device_subject(const UsbSysDevice *d, char **ret) {
        return asprintf(ret, "usb:%s:%s:%s", d->id_vendor, d->id_product,
                        d->serial && *d->serial ? d->serial : "-") < 0 ? -ENOMEM : 0;
}

void usb_device_view(const UsbSysDevice *d, UsbDevice *ret) {
        *ret = (UsbDevice) {
                .vendor_id = (uint16_t) strtoul(d->id_vendor, NULL, 16),
                .product_id = (uint16_t) strtoul(d->id_product, NULL, 16),
                .name = d->product,
                .serial = d->serial,
                .port = d->name,
                .connect_type = d->connect_type,
                .hash = d->hash,
                .parent_hash = d->parent_hash,
                .interfaces = d->desc ? d->desc->interfaces : NULL,
                .n_interfaces = d->desc ? d->desc->n_interfaces : 0,
        };
}
