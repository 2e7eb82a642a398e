/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs "descriptors" blobs, which a USB device controls byte for byte:
 * either a decoding that accounts for every byte, or -EBADMSG. The hash
 * agrees with the decoder on which blobs are acceptable. ASan catches any
 * read past the end. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/usb/usb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const UsbDescriptors *d, size_t size) {
        size_t pos = 0, n_interfaces = 0, n_configurations = 0;

        if (d->size != size || size < 18)
                abort();
        for (size_t i = 0; i < d->n_descriptors; i++) {
                const UsbDescriptor *x = &d->descriptors[i];

                if (x->offset != pos || x->length < 2 || x->length > size - pos)
                        abort();
                if (x->configuration < -1 || x->configuration >= (int) d->n_configurations)
                        abort();
                switch (x->type) {
                case USB_DT_DEVICE:
                        if (x->length != 18 || d->device != x)
                                abort();
                        break;
                case USB_DT_CONFIG:
                        if (x->length != 9 || x->configuration != (int) n_configurations++)
                                abort();
                        break;
                case USB_DT_INTERFACE:
                        if (x->length != 9 || x->configuration < 0)
                                abort();
                        if (n_interfaces >= d->n_interfaces ||
                            d->interfaces[n_interfaces].klass != x->interface.bInterfaceClass ||
                            d->interfaces[n_interfaces].mask != USB_IF_MATCH_ALL)
                                abort();
                        n_interfaces++;
                        break;
                case USB_DT_ENDPOINT:
                        if (x->length != 7 && x->length != 9)
                                abort();
                        break;
                }
                pos += x->length;
        }
        if (pos != size || n_interfaces != d->n_interfaces || n_configurations != d->n_configurations)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        UsbDescriptors *d = NULL;
        char hash[USB_HASH_SIZE];
        int r, h;

        /* Real blobs are under 64 KiB per configuration. */
        if (size > 70 * 1024)
                return 0;

        r = usb_descriptors_parse(data, size, &d);
        if (r < 0) {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort();
        } else {
                check(d, size);
                usb_descriptors_free(d);
        }

        h = usb_hash_device("name", "1d6b", "0002", "serial", data, size, hash);
        if (h == -ENOMEM || h == -EIO || r == -ENOMEM)
                return 0;
        if ((h == 0) != (r == 0) || (h < 0 && h != r))
                abort();
        if (h == 0 && strlen(hash) != USB_HASH_SIZE - 1)
                abort();
        return 0;
}
