/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GNOME Keyring and KWallet files, recognised and counted without touching
 * a secret.
 *
 * gnome-keyring's binary format (docs/file-format.txt of gnome-keyring)
 * keeps, before its encrypted part, the number of items and each item's
 * id, type and hashed attributes: the count is in the clear. Every user of
 * a GNOME desktop has a login.keyring, mostly with nothing in it, so the
 * count is what tells a store from an empty one. Its text format (an
 * unlocked keyring saved without a password) is a key file with one group
 * per item, the secrets in plain text. All numbers are big-endian. */
#include <string.h>

#include "credentials.h"

#define KEYRING_MAGIC "GnomeKeyring\n\r\0\n"
#define KEYRING_MAGIC_LEN 16U
#define KWALLET_MAGIC "KWALLET\n\r\0\r\n"
#define KWALLET_MAGIC_LEN 12U

/* More items than bytes to hold them is corruption; this bounds the walk. */
#define KEYRING_MAX_ATTRIBUTES 4096U

typedef struct Reader {
        const uint8_t *p;
        size_t size, pos;
} Reader;

static bool rd_u32(Reader *r, uint32_t *ret) {
        if (r->size - r->pos < 4)
                return false;
        *ret = (uint32_t) r->p[r->pos] << 24 | (uint32_t) r->p[r->pos + 1] << 16 |
               (uint32_t) r->p[r->pos + 2] << 8 | (uint32_t) r->p[r->pos + 3];
        r->pos += 4;
        return true;
}

static bool rd_skip(Reader *r, size_t n) {
        if (r->size - r->pos < n)
                return false;
        r->pos += n;
        return true;
}

/* A string: uint32 length then bytes; 0xffffffff is NULL. */
static bool rd_string(Reader *r) {
        uint32_t len;

        if (!rd_u32(r, &len))
                return false;
        if (len == UINT32_MAX)
                return true;
        return rd_skip(r, len);
}

static int keyring_binary(const uint8_t *p, size_t size, KeyringInfo *ret, const char **ret_reason) {
        Reader r = { .p = p, .size = size, .pos = KEYRING_MAGIC_LEN };
        uint32_t n_items, n_encrypted;
        uint8_t crypto, hash;

        if (!rd_skip(&r, 2) || r.size - r.pos < 2)
                goto truncated;
        crypto = p[r.pos];
        hash = p[r.pos + 1];
        r.pos += 2;
        /* Version 0.0 with AES and MD5 is the only one gnome-keyring writes. */
        if (p[KEYRING_MAGIC_LEN] != 0 || p[KEYRING_MAGIC_LEN + 1] != 0 || crypto != 0 || hash != 0) {
                *ret_reason = "a GNOME Keyring version this reader does not know";
                return -EBADMSG;
        }

        /* name, ctime, mtime, flags, lock timeout, hash iterations, salt,
         * four reserved words */
        if (!rd_string(&r) || !rd_skip(&r, 8 + 8 + 4 + 4 + 4 + 8 + 16))
                goto truncated;
        if (!rd_u32(&r, &n_items))
                goto truncated;
        /* Each item takes at least 12 bytes here. */
        if (n_items > (r.size - r.pos) / 12)
                goto truncated;
        for (uint32_t i = 0; i < n_items; i++) {
                uint32_t n_attrs;

                if (!rd_skip(&r, 8) || !rd_u32(&r, &n_attrs))
                        goto truncated;
                if (n_attrs > KEYRING_MAX_ATTRIBUTES) {
                        *ret_reason = "an item with an impossible number of attributes";
                        return -EBADMSG;
                }
                for (uint32_t a = 0; a < n_attrs; a++) {
                        uint32_t type;

                        if (!rd_string(&r) || !rd_u32(&r, &type))
                                goto truncated;
                        if (type == 0) {
                                if (!rd_string(&r))     /* a string's hash */
                                        goto truncated;
                        } else if (type == 1) {
                                if (!rd_skip(&r, 4))    /* a number's hash */
                                        goto truncated;
                        } else {
                                *ret_reason = "an attribute of unknown type";
                                return -EBADMSG;
                        }
                }
        }

        /* The encrypted part: its size, a multiple of AES's block, and all
         * of it there. Not read. */
        if (!rd_u32(&r, &n_encrypted))
                goto truncated;
        if (n_encrypted % 16 != 0) {
                *ret_reason = "the encrypted part is not whole AES blocks";
                return -EBADMSG;
        }
        if (r.size - r.pos < n_encrypted)
                goto truncated;

        *ret = (KeyringInfo) { .n_items = n_items };
        return 0;

truncated:
        *ret_reason = "truncated";
        return -EBADMSG;
}

/* The text format: "[keyring]" then one group per item, named by its id. */
static int keyring_text(const char *p, size_t size, KeyringInfo *ret, const char **ret_reason) {
        uint64_t n = 0;
        size_t pos = 0;
        bool seen_keyring = false;

        if (memchr(p, '\0', size)) {
                *ret_reason = "holds binary data";
                return -EBADMSG;
        }
        while (pos < size) {
                const char *nl = memchr(p + pos, '\n', size - pos);
                size_t end = nl ? (size_t) (nl - p) : size, len = end - pos;
                const char *line = p + pos;

                pos = end + 1;
                while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
                        len--;
                if (len < 3 || line[0] != '[' || line[len - 1] != ']')
                        continue;
                if (len == 9 && memcmp(line, "[keyring]", 9) == 0) {
                        seen_keyring = true;
                        continue;
                }
                {
                        bool digits = true;

                        for (size_t i = 1; i + 1 < len; i++)
                                if (line[i] < '0' || line[i] > '9')
                                        digits = false;
                        if (digits)
                                n++;
                }
        }
        if (!seen_keyring) {
                *ret_reason = "not a GNOME Keyring file";
                return -EBADMSG;
        }
        *ret = (KeyringInfo) { .n_items = n, .plaintext = true };
        return 0;
}

int keyring_inspect(const void *buf, size_t size, KeyringInfo *ret, const char **ret_reason) {
        const char *p = buf;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (size >= KEYRING_MAGIC_LEN && memcmp(p, KEYRING_MAGIC, KEYRING_MAGIC_LEN) == 0)
                return keyring_binary(buf, size, ret, ret_reason);
        if (size > 0 && (p[0] == '[' || p[0] == '#' || p[0] == '\n'))
                return keyring_text(p, size, ret, ret_reason);
        if (size < KEYRING_MAGIC_LEN && size > 0 && memcmp(p, KEYRING_MAGIC, size) == 0) {
                *ret_reason = "truncated";
                return -EBADMSG;
        }
        *ret_reason = size == 0 ? "empty" : "not a GNOME Keyring file";
        return -EBADMSG;
}

int kwallet_check(const void *buf, size_t size, const char **ret_reason) {
        if (!buf && size > 0)
                return -EINVAL;
        if (size < KWALLET_MAGIC_LEN + 4) {
                *ret_reason = size > 0 && memcmp(buf, KWALLET_MAGIC, size < KWALLET_MAGIC_LEN ? size : KWALLET_MAGIC_LEN) == 0
                                      ? "truncated"
                                      : "not a KWallet file";
                return -EBADMSG;
        }
        if (memcmp(buf, KWALLET_MAGIC, KWALLET_MAGIC_LEN) != 0) {
                *ret_reason = "not a KWallet file";
                return -EBADMSG;
        }
        return 0;
}
