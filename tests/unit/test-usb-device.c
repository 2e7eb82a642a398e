/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A USB device as the kernel describes it: the sysfs "descriptors" decoder
 * (plugins/usb/usb-descriptor.c) and USBGuard's device hash (usb-hash.c).
 *
 * Where expected values come from (files under
 * $MAMORI_TEST_SRCDIR/../shared/conformance/usbguard/, see its README):
 * - descriptor/0001.out is what `usbguard read-descriptor` prints for
 *   descriptor/0001.bin; print_like_read_descriptor() below writes our
 *   decoding in that format and the two texts must be identical.
 * - The descriptor boundaries of 0001.bin are the running sum of the
 *   "length=" fields of 0001.out.
 * - devices.umockdev is a recorded USB tree. The README gives the hashes
 *   USBGuard computes for the dock hub (1-4) and its child (1-4.2); each
 *   device's E: ID_USB_INTERFACES (udev's list of distinct interface
 *   types) must equal the set of our interface types.
 * - The root hub's hash and the hash of its parent's devpath were computed
 *   by hand: Python hashlib over the fields listed in usb-hash.c, and
 *   `printf %s /devices/pci0000:00/0000:00:14.0 | openssl dgst -sha256
 *   -binary | base64`.
 * - Interface lists for small devices were decoded by hand from the hex in
 *   devices.umockdev (noted at each).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/usb/usb.h"

static char *read_fixture(const char *name, size_t *ret_size) {
        const char *src = getenv("MAMORI_TEST_SRCDIR");
        char *path, *buf;
        FILE *f;
        long n;

        if (!src)
                fail_msg("MAMORI_TEST_SRCDIR is not set (the Makefile sets it to the repository root)");
        assert_true(asprintf(&path, "%s/../shared/conformance/usbguard/%s", src, name) > 0);
        f = fopen(path, "re");
        if (!f)
                fail_msg("cannot open %s", path);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        buf = malloc((size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
        buf[n] = 0;
        fclose(f);
        free(path);
        *ret_size = (size_t) n;
        return buf;
}

/* ---- descriptor/0001 --------------------------------------------------------- */

/* The text `usbguard read-descriptor` prints (fields right-aligned in 20
 * columns; iProduct is not printed). */
static char *print_like_read_descriptor(const UsbDescriptors *d) {
        unsigned counts[256] = {};
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        for (size_t i = 0; i < d->n_descriptors; i++) {
                const UsbDescriptor *x = &d->descriptors[i];

                counts[x->type]++;
                switch (x->type) {
                case USB_DT_DEVICE:
                        fprintf(f, "Device Descriptor: type=%02x length=%u\n", x->type, x->length);
                        fprintf(f, "%20s: 0x%04x\n", "bcdUSB", x->device.bcdUSB);
                        fprintf(f, "%20s: 0x%02x\n", "bDeviceClass", x->device.bDeviceClass);
                        fprintf(f, "%20s: 0x%02x\n", "bDeviceSubClass", x->device.bDeviceSubClass);
                        fprintf(f, "%20s: 0x%02x\n", "bDeviceProtocol", x->device.bDeviceProtocol);
                        fprintf(f, "%20s: %u\n", "bMaxPacketSize", x->device.bMaxPacketSize0);
                        fprintf(f, "%20s: 0x%04x\n", "idVendor", x->device.idVendor);
                        fprintf(f, "%20s: 0x%04x\n", "idProduct", x->device.idProduct);
                        fprintf(f, "%20s: 0x%04x\n", "bcdDevice", x->device.bcdDevice);
                        fprintf(f, "%20s: %u\n", "iManufacturer", x->device.iManufacturer);
                        fprintf(f, "%20s: %u\n", "iSerialNumber", x->device.iSerialNumber);
                        fprintf(f, "%20s: %u\n", "bNumConfigurations", x->device.bNumConfigurations);
                        break;
                case USB_DT_CONFIG:
                        fprintf(f, "Configuration Descriptor: type=%02x length=%u\n", x->type, x->length);
                        fprintf(f, "%20s: %u\n", "wTotalLength", x->config.wTotalLength);
                        fprintf(f, "%20s: %u\n", "bNumInterfaces", x->config.bNumInterfaces);
                        fprintf(f, "%20s: %u\n", "bConfigurationValue", x->config.bConfigurationValue);
                        fprintf(f, "%20s: %u\n", "iConfiguration", x->config.iConfiguration);
                        fprintf(f, "%20s: %02x\n", "bmAttributes", x->config.bmAttributes);
                        fprintf(f, "%20s: %u\n", "bMaxPower", x->config.bMaxPower);
                        break;
                case USB_DT_INTERFACE:
                        fprintf(f, "Interface Descriptor: type=%02x length=%u\n", x->type, x->length);
                        fprintf(f, "%20s: %u\n", "bInterfaceNumber", x->interface.bInterfaceNumber);
                        fprintf(f, "%20s: %u\n", "bAlternateSetting", x->interface.bAlternateSetting);
                        fprintf(f, "%20s: %u\n", "bNumEndpoints", x->interface.bNumEndpoints);
                        fprintf(f, "%20s: %u\n", "bInterfaceClass", x->interface.bInterfaceClass);
                        fprintf(f, "%20s: %u\n", "bInterfaceSubClass", x->interface.bInterfaceSubClass);
                        fprintf(f, "%20s: %u\n", "bInterfaceProtocol", x->interface.bInterfaceProtocol);
                        fprintf(f, "%20s: %u\n", "iInterface", x->interface.iInterface);
                        break;
                case USB_DT_ENDPOINT:
                        fprintf(f, "Endpoint Descriptor: type=%02x length=%u\n", x->type, x->length);
                        fprintf(f, "%20s: %u\n", "bEndpointAddress", x->endpoint.bEndpointAddress);
                        fprintf(f, "%20s: 0x%02x\n", "bmAttributes", x->endpoint.bmAttributes);
                        fprintf(f, "%20s: %u\n", "wMaxPacketSize", x->endpoint.wMaxPacketSize);
                        fprintf(f, "%20s: %u\n", "bInterval", x->endpoint.bInterval);
                        break;
                default:
                        fprintf(f, "UNKNOWN Descriptor: type=%02x length=%u\n", x->type, x->length);
                }
                fputc('\n', f);
        }
        fprintf(f, "Bytes parsed: %zu\n", d->size);
        for (unsigned t = 0; t < 256; t++)
                if (counts[t])
                        fprintf(f, "Descriptor type 0x%02x count: %u\n", t, counts[t]);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void test_descriptor_0001(void **state) {
        _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL;
        _cleanup_free_ char *bin = NULL, *out = NULL, *text = NULL;
        size_t bin_size, out_size;

        bin = read_fixture("descriptor/0001.bin", &bin_size);
        out = read_fixture("descriptor/0001.out", &out_size);
        assert_int_equal(bin_size, 195);
        assert_int_equal(usb_descriptors_parse(bin, bin_size, &d), 0);
        text = print_like_read_descriptor(d);
        assert_string_equal(text, out);

        /* A composite device (CDC ACM + CDC data + vendor + NCM with an
         * alternate setting): 6 interface descriptors, as 0001.out lists
         * them, all of which usbguard matches with-interface against. */
        assert_non_null(d->device);
        assert_int_equal(d->device->device.idVendor, 0x1004);
        assert_int_equal(d->n_configurations, 1);
        assert_int_equal(d->n_interfaces, 6);
        {
                static const UsbInterfaceType expected[] = {
                        { 0x02, 0x02, 0x01, USB_IF_MATCH_ALL },
                        { 0x0a, 0x00, 0x00, USB_IF_MATCH_ALL },
                        { 0xff, 0xff, 0xff, USB_IF_MATCH_ALL },
                        { 0x02, 0x06, 0x00, USB_IF_MATCH_ALL },
                        { 0x0a, 0x00, 0x00, USB_IF_MATCH_ALL },
                        { 0x0a, 0x00, 0x00, USB_IF_MATCH_ALL },
                };

                assert_memory_equal(d->interfaces, expected, sizeof expected);
        }
        /* The descriptors before the configuration have none, the rest 0. */
        assert_int_equal(d->descriptors[0].configuration, -1);
        assert_int_equal(d->descriptors[1].configuration, 0);
        assert_int_equal(d->descriptors[d->n_descriptors - 1].configuration, 0);
}

/* Offsets where a descriptor of 0001.bin ends: the running sum of the
 * "length=" fields of 0001.out. */
static size_t boundaries_from_out(const char *out, bool is_end[static 196]) {
        size_t sum = 0, n = 0;

        memset(is_end, 0, 196);
        for (const char *p = out; (p = strstr(p, " length=")); p++) {
                sum += strtoul(p + 8, NULL, 10);
                assert_true(sum <= 195);
                is_end[sum] = true;
                n++;
        }
        assert_int_equal(sum, 195);
        return n;
}

static void test_descriptor_truncated(void **state) {
        _cleanup_free_ char *bin = NULL, *out = NULL;
        size_t bin_size, out_size, n;
        bool is_end[196];

        bin = read_fixture("descriptor/0001.bin", &bin_size);
        out = read_fixture("descriptor/0001.out", &out_size);
        n = boundaries_from_out(out, is_end);
        assert_int_equal(n, 1 + 1 + 6 + 8 + 2 + 7);

        /* Every prefix in a buffer of exactly its size, so that a read past
         * the end trips ASan: valid only if it ends on a boundary and holds
         * at least the 18-byte device descriptor. */
        for (size_t len = 0; len <= bin_size; len++) {
                _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL;
                _cleanup_free_ uint8_t *copy = malloc(len ?: 1);
                int r;

                assert_non_null(copy);
                memcpy(copy, bin, len);
                r = usb_descriptors_parse(copy, len, &d);
                if (is_end[len] && len >= 18) {
                        if (r != 0)
                                fail_msg("prefix of %zu bytes: %d", len, r);
                        assert_int_equal(d->size, len);
                } else if (r != -EBADMSG)
                        fail_msg("prefix of %zu bytes: expected -EBADMSG, got %d", len, r);
        }
}

/* Build a blob from hex; spaces are ignored. */
static size_t unhex(const char *hex, uint8_t *buf, size_t size) {
        size_t n = 0;

        for (const char *p = hex; *p;) {
                unsigned v;

                if (*p == ' ') {
                        p++;
                        continue;
                }
                assert_int_equal(sscanf(p, "%2x", &v), 1);
                assert_true(n < size);
                buf[n++] = (uint8_t) v;
                p += 2;
        }
        return n;
}

#define DEV "12 01 0002 00 00 00 40 3412 7856 0001 01 02 03 01 "
#define CFG "09 02 2000 01 01 00 80 32 "
#define IFC "09 04 00 00 01 08 06 50 00 "
#define EP7 "07 05 81 02 0002 00 "

static int parse_hex_blob(const char *hex, UsbDescriptors **ret) {
        uint8_t buf[256];
        size_t n = unhex(hex, buf, sizeof buf);
        _cleanup_free_ uint8_t *exact = malloc(n ?: 1);

        assert_non_null(exact);
        memcpy(exact, buf, n);
        return usb_descriptors_parse(exact, n, ret);
}

static void test_descriptor_malformed(void **state) {
        static const struct {
                const char *hex;
                int expected;
                const char *why;
        } cases[] = {
                { DEV CFG IFC EP7, 0, "a minimal mass-storage device" },
                { DEV CFG IFC "09 05 81 02 0002 00 00 00", 0, "a 9-byte audio endpoint" },
                { DEV CFG "08 0b 00 02 02 02 01 00" IFC, 0, "an association descriptor" },
                { DEV CFG IFC "05 24 00 10 01" EP7, 0, "a class-specific descriptor" },
                { DEV CFG IFC EP7 CFG IFC, 0, "two configurations" },
                { "02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff", 0,
                  "18 bytes without a device descriptor (usbguard accepts it)" },
                { "", -EBADMSG, "empty" },
                { "02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02", -EBADMSG, "a lone byte" },
                { "02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff", -EBADMSG, "under 18 bytes" },
                { DEV "00 02", -EBADMSG, "bLength 0" },
                { DEV "01 02", -EBADMSG, "bLength 1" },
                { DEV CFG "ff 04 00", -EBADMSG, "bLength past the end" },
                { "11 01 0002 00 00 00 40 3412 7856 0001 01 02 03", -EBADMSG, "a short device descriptor" },
                { "13 01 0002 00 00 00 40 3412 7856 0001 01 02 03 01 00", -EBADMSG, "a long device descriptor" },
                { DEV "0a 02 2000 01 01 00 80 32 00", -EBADMSG, "a long configuration descriptor" },
                { DEV CFG "08 04 00 00 01 08 06 50", -EBADMSG, "a short interface descriptor" },
                { DEV CFG IFC "08 05 81 02 0002 00 00", -EBADMSG, "an 8-byte endpoint" },
                { DEV DEV, -EBADMSG, "two device descriptors" },
                { CFG DEV, -EBADMSG, "a configuration before the device" },
                { DEV IFC, -EBADMSG, "an interface outside a configuration" },
                { DEV CFG EP7, -EBADMSG, "an endpoint before any interface" },
                { DEV CFG IFC CFG EP7, -EBADMSG, "an endpoint in a new configuration without interface" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL;
                int r = parse_hex_blob(cases[i].hex, &d);

                if (r != cases[i].expected)
                        fail_msg("%s: expected %d, got %d", cases[i].why, cases[i].expected, r);
        }
}

static void test_descriptor_fields(void **state) {
        _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL, *two = NULL, *none = NULL;
        static uint8_t big[USB_DESCRIPTORS_SIZE_MAX + 1];
        UsbDescriptors *bad = NULL;

        /* Values as written in DEV/CFG/IFC/EP7 above, little-endian. */
        assert_int_equal(parse_hex_blob(DEV CFG IFC EP7, &d), 0);
        assert_int_equal(d->n_descriptors, 4);
        assert_int_equal(d->device->device.bcdUSB, 0x0200);
        assert_int_equal(d->device->device.idVendor, 0x1234);
        assert_int_equal(d->device->device.idProduct, 0x5678);
        assert_int_equal(d->device->device.bcdDevice, 0x0100);
        assert_int_equal(d->device->device.iProduct, 2);
        assert_int_equal(d->descriptors[1].config.wTotalLength, 0x20);
        assert_int_equal(d->descriptors[1].config.bMaxPower, 0x32);
        assert_int_equal(d->descriptors[2].offset, 18 + 9);
        assert_int_equal(d->descriptors[3].endpoint.bEndpointAddress, 0x81);
        assert_int_equal(d->descriptors[3].endpoint.wMaxPacketSize, 0x200);
        assert_int_equal(d->n_interfaces, 1);
        assert_int_equal(d->interfaces[0].klass, 0x08);
        assert_int_equal(d->interfaces[0].subclass, 0x06);
        assert_int_equal(d->interfaces[0].protocol, 0x50);

        /* Interfaces of every configuration, in order. */
        assert_int_equal(parse_hex_blob(DEV CFG IFC EP7 CFG "09 04 00 00 00 03 01 01 00", &two), 0);
        assert_int_equal(two->n_configurations, 2);
        assert_int_equal(two->n_interfaces, 2);
        assert_int_equal(two->interfaces[1].klass, 0x03);
        assert_int_equal(two->descriptors[5].configuration, 1);

        assert_int_equal(parse_hex_blob("02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff 02 ff", &none), 0);
        assert_null(none->device);
        assert_int_equal(none->n_interfaces, 0);

        assert_int_equal(usb_descriptors_parse(big, sizeof big, &bad), -EFBIG);
        assert_int_equal(usb_descriptors_parse(NULL, 1, &bad), -EINVAL);
        assert_null(bad);
        assert_null(usb_descriptors_free(NULL));
}

/* ---- devices.umockdev ---------------------------------------------------------- */

typedef struct MockAttr {
        char *key, *value;
} MockAttr;

typedef struct MockDevice {
        char *path;                     /* P: */
        MockAttr attrs[256];            /* A: */
        size_t n_attrs;
        char *devtype;                  /* E: DEVTYPE */
        char *usb_interfaces;           /* E: ID_USB_INTERFACES */
        uint8_t *descriptors;           /* H: descriptors, else N: */
        size_t n_descriptors;
        uint8_t *node;                  /* N: */
        size_t n_node;
} MockDevice;

typedef struct Mock {
        MockDevice devices[16];
        size_t n_devices;
} Mock;

static uint8_t *hex_alloc(const char *hex, size_t *ret_size) {
        size_t len = strlen(hex);
        uint8_t *b = malloc(len / 2 + 1);

        assert_non_null(b);
        assert_int_equal(len % 2, 0);
        for (size_t i = 0; i < len / 2; i++) {
                unsigned v;

                assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
                b[i] = (uint8_t) v;
        }
        *ret_size = len / 2;
        return b;
}

/* The umockdev-record text format: "P: path" starts a device, then
 * "N: devnode[=hex]", "E: KEY=value" (uevent), "A: name=value" (sysfs
 * attribute), "H: name=hex" (binary attribute), "L: link", "S: symlink". */
static void mock_load(Mock *m) {
        _cleanup_free_ char *buf = NULL;
        MockDevice *d = NULL;
        size_t size;
        char *save = NULL;

        *m = (Mock) {};
        buf = read_fixture("devices.umockdev", &size);
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq;

                if (strncmp(line, "P: ", 3) == 0) {
                        assert_true(m->n_devices < ELEMENTSOF(m->devices));
                        d = &m->devices[m->n_devices++];
                        d->path = strdup(line + 3);
                        continue;
                }
                if (!d || strlen(line) < 3)
                        continue;
                eq = strchr(line + 3, '=');
                if (strncmp(line, "N: ", 3) == 0 && eq)
                        d->node = hex_alloc(eq + 1, &d->n_node);
                else if (strncmp(line, "H: descriptors=", 15) == 0)
                        d->descriptors = hex_alloc(line + 15, &d->n_descriptors);
                else if (strncmp(line, "E: DEVTYPE=", 11) == 0)
                        d->devtype = strdup(line + 11);
                else if (strncmp(line, "E: ID_USB_INTERFACES=", 21) == 0)
                        d->usb_interfaces = strdup(line + 21);
                else if (strncmp(line, "A: ", 3) == 0 && eq) {
                        assert_true(d->n_attrs < ELEMENTSOF(d->attrs));
                        d->attrs[d->n_attrs++] = (MockAttr) {
                                .key = strndup(line + 3, (size_t) (eq - line - 3)),
                                .value = strdup(eq + 1),
                        };
                }
        }
        assert_int_equal(m->n_devices, 8);
}

static void mock_free(Mock *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                MockDevice *d = &m->devices[i];

                free(d->path);
                for (size_t j = 0; j < d->n_attrs; j++) {
                        free(d->attrs[j].key);
                        free(d->attrs[j].value);
                }
                free(d->devtype);
                free(d->usb_interfaces);
                free(d->descriptors);
                free(d->node);
        }
}

static const char *mock_attr(const MockDevice *d, const char *key) {
        for (size_t i = 0; i < d->n_attrs; i++)
                if (strcmp(d->attrs[i].key, key) == 0)
                        return d->attrs[i].value;
        return NULL;
}

static const MockDevice *mock_find(const Mock *m, const char *suffix) {
        for (size_t i = 0; i < m->n_devices; i++) {
                size_t l = strlen(m->devices[i].path), s = strlen(suffix);

                if (l >= s && strcmp(m->devices[i].path + l - s, suffix) == 0)
                        return &m->devices[i];
        }
        fail_msg("no device %s in devices.umockdev", suffix);
        return NULL;
}

static bool is_usb_device(const MockDevice *d) {
        return d->devtype && strcmp(d->devtype, "usb_device") == 0;
}

static void mock_hash(const MockDevice *d, char ret[static USB_HASH_SIZE]) {
        int r;

        assert_non_null(d->descriptors);
        r = usb_hash_device(mock_attr(d, "product"), mock_attr(d, "idVendor"), mock_attr(d, "idProduct"),
                            mock_attr(d, "serial"), d->descriptors, d->n_descriptors, ret);
        if (r < 0)
                fail_msg("%s: usb_hash_device: %d", d->path, r);
}

/* usbguard: a parent that is a USB device lends its hash; otherwise the
 * parent's devpath is hashed. */
static void mock_parent_hash(const Mock *m, const MockDevice *d, char ret[static USB_HASH_SIZE]) {
        _cleanup_free_ char *parent = strdup(d->path);

        *strrchr(parent, '/') = 0;
        for (size_t i = 0; i < m->n_devices; i++)
                if (strcmp(m->devices[i].path, parent) == 0 && is_usb_device(&m->devices[i])) {
                        mock_hash(&m->devices[i], ret);
                        return;
                }
        assert_int_equal(usb_hash_string(parent, strlen(parent), ret), 0);
}

static void test_umockdev_hashes(void **state) {
        char hash[USB_HASH_SIZE], parent[USB_HASH_SIZE];
        Mock m;

        mock_load(&m);
        /* README: the dock hub and its child. */
        mock_hash(mock_find(&m, "/usb1/1-4"), hash);
        assert_string_equal(hash, "2y2qS3rcuMr1Ye5knWsbD8CGzPtrs+eiRR/haro7+Ng=");
        mock_hash(mock_find(&m, "/1-4/1-4.2"), hash);
        assert_string_equal(hash, "D3deklX12Ir3kJPfUZ5AQNwHeZn1bwtPkQkw6e+8B38=");
        mock_parent_hash(&m, mock_find(&m, "/1-4/1-4.2"), parent);
        assert_string_equal(parent, "2y2qS3rcuMr1Ye5knWsbD8CGzPtrs+eiRR/haro7+Ng=");

        /* Hand-computed: the root hub, bcdDevice zeroed, and the devpath of
         * its parent, the xHCI controller (not a USB device). */
        mock_hash(mock_find(&m, "/0000:00:14.0/usb1"), hash);
        assert_string_equal(hash, "jEP/6WzviqdJ5VSeTUY8PatCNBKeaREvo2OqdplND/o=");
        mock_parent_hash(&m, mock_find(&m, "/0000:00:14.0/usb1"), parent);
        assert_string_equal(parent, "rV9bfLq7c2eA4tYjVjwO4bxhm+y6GgZpl9J60L0fBkY=");

        mock_free(&m);
}

static void interface_string(const UsbInterfaceType *t, char buf[static 7]) {
        snprintf(buf, 7, "%02x%02x%02x", t->klass, t->subclass, t->protocol);
}

static void test_umockdev_interfaces(void **state) {
        Mock m;
        size_t checked = 0;

        mock_load(&m);
        for (size_t i = 0; i < m.n_devices; i++) {
                _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL;
                const MockDevice *md = &m.devices[i];
                const char *udev = md->usb_interfaces;

                if (!is_usb_device(md))
                        continue;
                /* N: and H: carry the same bytes when both are recorded. */
                if (md->node) {
                        assert_int_equal(md->n_node, md->n_descriptors);
                        assert_memory_equal(md->node, md->descriptors, md->n_node);
                }
                assert_int_equal(usb_descriptors_parse(md->descriptors, md->n_descriptors, &d), 0);
                assert_non_null(udev);
                /* Same set both ways: each of ours is in udev's list, and
                 * each of udev's ":ccssp p:" entries is one of ours. */
                for (size_t j = 0; j < d->n_interfaces; j++) {
                        char s[7], needle[9];

                        interface_string(&d->interfaces[j], s);
                        snprintf(needle, sizeof needle, ":%s:", s);
                        if (!strstr(udev, needle))
                                fail_msg("%s: %s not in ID_USB_INTERFACES=%s", md->path, s, udev);
                }
                for (const char *p = udev; p[0] == ':' && p[1]; p += 7) {
                        bool found = false;

                        for (size_t j = 0; j < d->n_interfaces && !found; j++) {
                                char s[7];

                                interface_string(&d->interfaces[j], s);
                                found = strncmp(p + 1, s, 6) == 0;
                        }
                        if (!found)
                                fail_msg("%s: ID_USB_INTERFACES=%s has one we lack", md->path, udev);
                }
                checked++;
        }
        assert_int_equal(checked, 7);

        {
                _cleanup_(usb_descriptors_freep) UsbDescriptors *hub = NULL, *kbd = NULL, *cam = NULL;
                const MockDevice *md;

                /* 1-4.1: "0904000001090001" and "0904000101090002", one
                 * hub interface with two alternate settings. */
                md = mock_find(&m, "/1-4.1");
                assert_int_equal(usb_descriptors_parse(md->descriptors, md->n_descriptors, &hub), 0);
                assert_int_equal(hub->n_interfaces, 2);
                assert_int_equal(hub->interfaces[0].protocol, 0x01);
                assert_int_equal(hub->interfaces[1].protocol, 0x02);
                /* 1-4.1.3: keyboard 03:01:01 then 03:01:00. */
                md = mock_find(&m, "/1-4.1.3");
                assert_int_equal(usb_descriptors_parse(md->descriptors, md->n_descriptors, &kbd), 0);
                assert_int_equal(kbd->n_interfaces, 2);
                assert_int_equal(kbd->interfaces[0].protocol, 0x01);
                assert_int_equal(kbd->interfaces[1].protocol, 0x00);
                /* 1-8: a camera, video control 0e:01:00 then 12 alternate
                 * settings of video streaming 0e:02:00 (counted in the hex). */
                md = mock_find(&m, "/usb1/1-8");
                assert_null(md->node);
                assert_int_equal(usb_descriptors_parse(md->descriptors, md->n_descriptors, &cam), 0);
                assert_int_equal(cam->n_interfaces, 13);
                assert_int_equal(cam->interfaces[0].subclass, 0x01);
                for (size_t j = 1; j < 13; j++)
                        assert_int_equal(cam->interfaces[j].subclass, 0x02);
        }
        mock_free(&m);
}

/* ---- the hash's inputs --------------------------------------------------------- */

static void test_hash_inputs(void **state) {
        char a[USB_HASH_SIZE], b[USB_HASH_SIZE], root[USB_HASH_SIZE], root2[USB_HASH_SIZE];
        uint8_t blob[64], other[64];
        char long_name[USB_DEVICE_STRING_MAX + 2];
        size_t n = unhex(DEV CFG IFC EP7, blob, sizeof blob);

        /* The strings are concatenated without separators: moving a byte
         * from the name to the vendor id keeps the hash. */
        assert_int_equal(usb_hash_device("ab", "1234", "5678", "s", blob, n, a), 0);
        assert_int_equal(usb_hash_device("a", "b1234", "5678", "s", blob, n, b), -EINVAL);
        assert_int_equal(usb_hash_device("a", "b123", "45678", "s", blob, n, b), -EINVAL);
        assert_int_equal(usb_hash_device("a", "b123", "4567", "8s", blob, n, b), 0);
        assert_string_equal(a, b);
        assert_int_equal(strlen(a), 44);
        /* A missing name or serial is "". */
        assert_int_equal(usb_hash_device(NULL, "1234", "5678", NULL, blob, n, a), 0);
        assert_int_equal(usb_hash_device("", "1234", "5678", "", blob, n, b), 0);
        assert_string_equal(a, b);

        /* bcdDevice counts for an ordinary device... */
        memcpy(other, blob, n);
        other[12] ^= 1;
        assert_int_equal(usb_hash_device("", "1234", "5678", "", other, n, b), 0);
        assert_string_not_equal(a, b);
        /* ...but not for a Linux root hub, 1d6b:0001..0003. */
        for (uint8_t product = 1; product <= 3; product++) {
                blob[8] = 0x6b;
                blob[9] = 0x1d;
                blob[10] = product;
                blob[11] = 0;
                memcpy(other, blob, n);
                other[12] = 0x15;
                other[13] = 0x04;
                assert_int_equal(usb_hash_device("", "1d6b", "0002", "", blob, n, root), 0);
                assert_int_equal(usb_hash_device("", "1d6b", "0002", "", other, n, root2), 0);
                assert_string_equal(root, root2);
        }
        blob[10] = 4;
        memcpy(other, blob, n);
        other[12] ^= 1;
        assert_int_equal(usb_hash_device("", "1d6b", "0004", "", blob, n, root), 0);
        assert_int_equal(usb_hash_device("", "1d6b", "0004", "", other, n, root2), 0);
        assert_string_not_equal(root, root2);

        /* usbguard refuses these devices. */
        memset(long_name, 'x', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = 0;
        assert_int_equal(usb_hash_device(long_name, "1234", "5678", "", blob, n, a), -ENAMETOOLONG);
        assert_int_equal(usb_hash_device("", "1234", "5678", long_name, blob, n, a), -ENAMETOOLONG);
        long_name[USB_DEVICE_STRING_MAX] = 0;
        assert_int_equal(usb_hash_device(long_name, "1234", "5678", "", blob, n, a), 0);
        assert_int_equal(usb_hash_device("", "", "5678", "", blob, n, a), -EINVAL);
        assert_int_equal(usb_hash_device("", "1234", NULL, "", blob, n, a), -EINVAL);
        assert_int_equal(usb_hash_device("", "*", "5678", "", blob, n, a), -EINVAL);
        assert_int_equal(usb_hash_device("", "1234", "5678", "", blob, n - 1, a), -EBADMSG);

        /* Hand-computed: base64(SHA-256("")) and of "abc". */
        assert_int_equal(usb_hash_string("", 0, a), 0);
        assert_string_equal(a, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_int_equal(usb_hash_string("abc", 3, a), 0);
        assert_string_equal(a, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_descriptor_0001),
                cmocka_unit_test(test_descriptor_truncated),
                cmocka_unit_test(test_descriptor_malformed),
                cmocka_unit_test(test_descriptor_fields),
                cmocka_unit_test(test_umockdev_hashes),
                cmocka_unit_test(test_umockdev_interfaces),
                cmocka_unit_test(test_hash_inputs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
