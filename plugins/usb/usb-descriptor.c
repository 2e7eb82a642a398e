/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sysfs "descriptors" attribute of a USB device: the 18-byte device
 * descriptor followed by the raw configuration descriptors (each with its
 * interface, endpoint and class-specific descriptors), all little-endian.
 * A device controls every byte of it, so nothing is trusted: each
 * descriptor's bLength is checked against what is left before it is read.
 *
 * The checks are usbguard's, so that a device usbguard would refuse (and
 * reject) is refused here too: USBDescriptorParser::parse and
 * USBDescriptorParserHooks::parseUSBDescriptor (USB.cpp) for sizes,
 * DevicePrivate::load*Descriptor (DevicePrivate.cpp) for order, and
 * UEventDevice's "less data than the size of a USB device descriptor".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "usb.h"

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

UsbDescriptors *usb_descriptors_free(UsbDescriptors *d) {
        if (!d)
                return NULL;
        free(d->descriptors);
        free(d->interfaces);
        free(d);
        return NULL;
}

static int grow(void **v, size_t *allocated, size_t n, size_t elem_size) {
        size_t k;
        void *p;

        if (n < *allocated)
                return 0;
        k = *allocated ? *allocated * 2 : 16;
        if (k > SIZE_MAX / elem_size)
                return -ENOMEM;
        p = realloc(*v, k * elem_size);
        if (!p)
                return -ENOMEM;
        *v = p;
        *allocated = k;
        return 0;
}

int usb_descriptors_parse(const void *data, size_t size, UsbDescriptors **ret) {
        _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL;
        const uint8_t *b = data;
        size_t pos = 0, allocated = 0, allocated_if = 0;
        bool have_device = false, have_config = false, have_interface = false;
        size_t device_index = 0;
        int r;

        if (!data && size > 0)
                return -EINVAL;
        if (size > USB_DESCRIPTORS_SIZE_MAX)
                return -EFBIG;
        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;

        while (pos < size) {
                const uint8_t *p = b + pos;
                UsbDescriptor *x;
                uint8_t length, type;

                /* A lone byte cannot be a header. */
                if (size - pos < 2)
                        return -EBADMSG;
                length = p[0];
                type = p[1];
                if (length < 2 || length > size - pos)
                        return -EBADMSG;

                r = grow((void **) &d->descriptors, &allocated, d->n_descriptors, sizeof(UsbDescriptor));
                if (r < 0)
                        return r;
                x = &d->descriptors[d->n_descriptors];
                *x = (UsbDescriptor) {
                        .type = type,
                        .length = length,
                        .offset = pos,
                        .configuration = (int) d->n_configurations - 1,
                };

                switch (type) {
                case USB_DT_DEVICE:
                        if (length != 18 || have_device)
                                return -EBADMSG;
                        x->device.bcdUSB = le16(p + 2);
                        x->device.bDeviceClass = p[4];
                        x->device.bDeviceSubClass = p[5];
                        x->device.bDeviceProtocol = p[6];
                        x->device.bMaxPacketSize0 = p[7];
                        x->device.idVendor = le16(p + 8);
                        x->device.idProduct = le16(p + 10);
                        x->device.bcdDevice = le16(p + 12);
                        x->device.iManufacturer = p[14];
                        x->device.iProduct = p[15];
                        x->device.iSerialNumber = p[16];
                        x->device.bNumConfigurations = p[17];
                        have_device = true;
                        device_index = d->n_descriptors;
                        break;
                case USB_DT_CONFIG:
                        if (length != 9 || !have_device)
                                return -EBADMSG;
                        x->config.wTotalLength = le16(p + 2);
                        x->config.bNumInterfaces = p[4];
                        x->config.bConfigurationValue = p[5];
                        x->config.iConfiguration = p[6];
                        x->config.bmAttributes = p[7];
                        x->config.bMaxPower = p[8];
                        x->configuration = (int) d->n_configurations;
                        d->n_configurations++;
                        have_config = true;
                        /* A new configuration starts without interfaces. */
                        have_interface = false;
                        break;
                case USB_DT_INTERFACE:
                        if (length != 9 || !have_config)
                                return -EBADMSG;
                        x->interface.bInterfaceNumber = p[2];
                        x->interface.bAlternateSetting = p[3];
                        x->interface.bNumEndpoints = p[4];
                        x->interface.bInterfaceClass = p[5];
                        x->interface.bInterfaceSubClass = p[6];
                        x->interface.bInterfaceProtocol = p[7];
                        x->interface.iInterface = p[8];
                        r = grow((void **) &d->interfaces, &allocated_if, d->n_interfaces,
                                 sizeof(UsbInterfaceType));
                        if (r < 0)
                                return r;
                        d->interfaces[d->n_interfaces++] = (UsbInterfaceType) {
                                .klass = p[5],
                                .subclass = p[6],
                                .protocol = p[7],
                                .mask = USB_IF_MATCH_ALL,
                        };
                        have_interface = true;
                        break;
                case USB_DT_ENDPOINT:
                        /* 7 bytes, or 9 in the USB Audio 1.0 form. */
                        if ((length != 7 && length != 9) || !have_interface)
                                return -EBADMSG;
                        x->endpoint.bEndpointAddress = p[2];
                        x->endpoint.bmAttributes = p[3];
                        x->endpoint.wMaxPacketSize = le16(p + 4);
                        x->endpoint.bInterval = p[6];
                        if (length == 9) {
                                x->endpoint.bRefresh = p[7];
                                x->endpoint.bSynchAddress = p[8];
                        }
                        break;
                default:
                        /* Strings, associations and class-specific
                         * descriptors: kept, not interpreted. */
                        break;
                }
                d->n_descriptors++;
                pos += length;
        }

        /* usbguard refuses a device whose blob is shorter than a device
         * descriptor, which also covers an empty file. */
        if (size < 18)
                return -EBADMSG;

        d->size = size;
        d->device = have_device ? &d->descriptors[device_index] : NULL;
        *ret = TAKE_PTR(d);
        return 0;
}
