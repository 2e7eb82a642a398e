/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USBGuard's device hash, byte for byte, so that "hash" and "parent-hash"
 * values in an existing rules.conf keep matching the same devices.
 *
 * usbguard (DevicePrivate::initializeHash, UEventDevice::parseUSBDescriptor
 * and updateHashLinuxRootHubDeviceDescriptor, Hash::getBase64): one SHA-256
 * over, in order and with no separators,
 *   1. the sysfs "product" string (the device name),
 *   2. the sysfs "idVendor" string, e.g. "1d6b",
 *   3. the sysfs "idProduct" string,
 *   4. the sysfs "serial" string,
 * each being the attribute file's content minus its last byte (the
 * newline), "" when the file is missing; then
 *   5. every descriptor of the "descriptors" blob, bLength raw bytes each,
 *      except that the device descriptor of a Linux root hub (idVendor
 *      0x1d6b, idProduct 0x0001..0x0003) is hashed with bcdDevice (bytes
 *      12 and 13) zeroed, so that a kernel update does not change it;
 * encoded as standard base64 with padding (44 characters).
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "usb.h"

static bool is_linux_root_hub(const UsbDescriptor *x) {
        return x->type == USB_DT_DEVICE && x->device.idVendor == 0x1d6b &&
                x->device.idProduct >= 0x0001 && x->device.idProduct <= 0x0003;
}

static void evp_md_ctx_freep(EVP_MD_CTX **c) {
        EVP_MD_CTX_free(*c);
}

static int finish(EVP_MD_CTX *c, char ret[static USB_HASH_SIZE]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_size = 0;

        if (EVP_DigestFinal_ex(c, md, &md_size) != 1 || md_size != 32)
                return -EIO;
        /* 32 bytes give 44 base64 characters and a NUL. */
        if (EVP_EncodeBlock((unsigned char *) ret, md, (int) md_size) != USB_HASH_SIZE - 1)
                return -EIO;
        return 0;
}

int usb_hash_string(const char *s, size_t size, char ret[static USB_HASH_SIZE]) {
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *c = EVP_MD_CTX_new();

        if (!c)
                return -ENOMEM;
        if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(c, s, size) != 1)
                return -EIO;
        return finish(c, ret);
}

int usb_hash_device(const char *name, const char *id_vendor, const char *id_product,
                    const char *serial, const void *descriptors, size_t size,
                    char ret[static USB_HASH_SIZE]) {
        _cleanup_(usb_descriptors_freep) UsbDescriptors *d = NULL;
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *c = NULL;
        const uint8_t *blob = descriptors;
        size_t vendor_len, product_len;
        int r;

        name = name ?: "";
        serial = serial ?: "";
        id_vendor = id_vendor ?: "";
        id_product = id_product ?: "";

        /* usbguard USBDeviceID::checkDeviceID and initializeHash: both ids
         * present, at most 4 characters, no product without a vendor. */
        vendor_len = strlen(id_vendor);
        product_len = strlen(id_product);
        if (vendor_len == 0 || product_len == 0 || vendor_len > 4 || product_len > 4)
                return -EINVAL;
        if (strcmp(id_vendor, "*") == 0 && strcmp(id_product, "*") != 0)
                return -EINVAL;
        /* usbguard DevicePrivate::setName/setSerial refuse longer strings,
         * and with them the device. */
        if (strlen(name) > USB_DEVICE_STRING_MAX || strlen(serial) > USB_DEVICE_STRING_MAX)
                return -ENAMETOOLONG;

        r = usb_descriptors_parse(descriptors, size, &d);
        if (r < 0)
                return r;

        c = EVP_MD_CTX_new();
        if (!c)
                return -ENOMEM;
        if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(c, name, strlen(name)) != 1 ||
            EVP_DigestUpdate(c, id_vendor, vendor_len) != 1 ||
            EVP_DigestUpdate(c, id_product, product_len) != 1 ||
            EVP_DigestUpdate(c, serial, strlen(serial)) != 1)
                return -EIO;

        for (size_t i = 0; i < d->n_descriptors; i++) {
                const UsbDescriptor *x = &d->descriptors[i];

                if (is_linux_root_hub(x)) {
                        uint8_t copy[18];

                        memcpy(copy, blob + x->offset, sizeof copy);
                        copy[12] = copy[13] = 0;
                        if (EVP_DigestUpdate(c, copy, sizeof copy) != 1)
                                return -EIO;
                } else if (EVP_DigestUpdate(c, blob + x->offset, x->length) != 1)
                        return -EIO;
        }
        return finish(c, ret);
}
