/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Is a private key file protected by a passphrase? Told from its first
 * bytes only:
 *
 *  - OpenSSH's own format: base64 of "openssh-key-v1\0", then the cipher
 *    name as a length-prefixed string; "none" means no passphrase
 *    (PROTOCOL.key of OpenSSH). Only as much base64 is decoded as it takes
 *    to read that name, so no key material is ever decoded.
 *  - PEM: "ENCRYPTED" in the label (PKCS#8) or a "Proc-Type: 4,ENCRYPTED"
 *    header (the legacy RSA/DSA/EC forms).
 *  - PuTTY's .ppk: an "Encryption:" line. */
#include <string.h>

#include "credentials.h"

#define OPENSSH_MAGIC "openssh-key-v1"      /* and its NUL: 15 bytes */
#define OPENSSH_MAGIC_LEN 15U
/* OpenSSH's cipher names are short ("aes256-ctr", "chacha20-poly1305@openssh.com"). */
#define CIPHER_NAME_MAX 64U

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Decodes base64 from text[*pos..end) into out until want bytes are there
 * (line breaks skipped). Returns the bytes decoded; stops early at '=', a
 * '-' (the END line) or anything not base64. */
static size_t b64_decode_head(const char *text, size_t end, size_t pos, uint8_t *out, size_t want) {
        uint32_t acc = 0;
        unsigned bits = 0;
        size_t n = 0;

        for (; pos < end && n < want; pos++) {
                char c = text[pos];
                int v;

                if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
                        continue;
                v = b64_value(c);
                if (v < 0)
                        break;
                acc = acc << 6 | (uint32_t) v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[n++] = (uint8_t) (acc >> bits);
                        acc &= (1U << bits) - 1;
                }
        }
        return n;
}

static int openssh_inspect(const char *text, size_t size, size_t body, SshKeyState *ret,
                           const char **ret_reason) {
        uint8_t head[OPENSSH_MAGIC_LEN + 4 + CIPHER_NAME_MAX];
        size_t n, want;
        uint32_t len;
        int r;

        n = b64_decode_head(text, size, body, head, OPENSSH_MAGIC_LEN + 4);
        if (n < OPENSSH_MAGIC_LEN + 4) {
                r = -EBADMSG;
                *ret_reason = "truncated OpenSSH private key";
                goto finish;
        }
        if (memcmp(head, OPENSSH_MAGIC, OPENSSH_MAGIC_LEN) != 0) {
                r = -EBADMSG;
                *ret_reason = "OpenSSH private key without its magic: corrupt";
                goto finish;
        }
        len = (uint32_t) head[15] << 24 | (uint32_t) head[16] << 16 | (uint32_t) head[17] << 8 | head[18];
        if (len == 0 || len > CIPHER_NAME_MAX) {
                r = -EBADMSG;
                *ret_reason = "OpenSSH private key with an impossible cipher name: corrupt";
                goto finish;
        }
        want = OPENSSH_MAGIC_LEN + 4 + len;
        n = b64_decode_head(text, size, body, head, want);
        if (n < want) {
                r = -EBADMSG;
                *ret_reason = "truncated OpenSSH private key";
                goto finish;
        }
        for (size_t i = 0; i < len; i++)
                if (head[19 + i] < 0x21 || head[19 + i] > 0x7e) {
                        r = -EBADMSG;
                        *ret_reason = "OpenSSH private key with an impossible cipher name: corrupt";
                        goto finish;
                }
        *ret = len == 4 && memcmp(head + 19, "none", 4) == 0 ? SSH_KEY_PLAIN : SSH_KEY_ENCRYPTED;
        r = 0;
finish:
        /* The cipher name and magic are all that was decoded; zero them anyway. */
        explicit_bzero(head, sizeof(head));
        return r;
}

/* The line starting at pos: [pos, *ret_end) without its line break;
 * returns the start of the next line. */
static size_t next_line(const char *text, size_t size, size_t pos, size_t *ret_end) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t end = nl ? (size_t) (nl - text) : size;

        *ret_end = end > pos && text[end - 1] == '\r' ? end - 1 : end;
        return nl ? end + 1 : size;
}

static bool line_has(const char *text, size_t start, size_t end, const char *word) {
        return memmem(text + start, end - start, word, strlen(word)) != NULL;
}

static int pem_inspect(const char *text, size_t size, size_t label_start, size_t label_end, size_t body,
                       SshKeyState *ret, const char **ret_reason) {
        bool encrypted = line_has(text, label_start, label_end, "ENCRYPTED");
        size_t pos = body, end;
        bool seen_body = false;

        /* RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ...") come
         * first; then the base64 body. */
        while (pos < size) {
                size_t next = next_line(text, size, pos, &end);

                if (end > pos && text[pos] == '-')
                        break;
                if (memchr(text + pos, ':', end - pos)) {
                        if (line_has(text, pos, end, "Proc-Type") && line_has(text, pos, end, "ENCRYPTED"))
                                encrypted = true;
                } else if (end > pos) {
                        seen_body = true;
                        break;
                }
                pos = next;
        }
        if (!seen_body) {
                *ret_reason = "truncated PEM private key";
                return -EBADMSG;
        }
        *ret = encrypted ? SSH_KEY_ENCRYPTED : SSH_KEY_PLAIN;
        return 0;
}

static int putty_inspect(const char *text, size_t size, SshKeyState *ret, const char **ret_reason) {
        size_t pos = 0, end;

        for (unsigned i = 0; i < 4 && pos < size; i++) {
                size_t next = next_line(text, size, pos, &end);

                if (end - pos > 11 && memcmp(text + pos, "Encryption:", 11) == 0) {
                        size_t v = pos + 11;

                        while (v < end && text[v] == ' ')
                                v++;
                        *ret = end - v == 4 && memcmp(text + v, "none", 4) == 0 ? SSH_KEY_PLAIN : SSH_KEY_ENCRYPTED;
                        return 0;
                }
                pos = next;
        }
        *ret_reason = "PuTTY key file without an Encryption line: truncated or corrupt";
        return -EBADMSG;
}

int ssh_key_inspect(const char *buf, size_t size, SshKeyState *ret, const char **ret_reason) {
        static const char begin[] = "-----BEGIN ";
        size_t pos = 0, end, body;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (size > SSH_KEY_HEAD_MAX)
                size = SSH_KEY_HEAD_MAX;

        if (size >= 21 && memcmp(buf, "PuTTY-User-Key-File-", 20) == 0)
                return putty_inspect(buf, size, ret, ret_reason);

        /* Blank lines before the armour are tolerated, as OpenSSH does. */
        while (pos < size && (buf[pos] == '\n' || buf[pos] == '\r' || buf[pos] == ' ' || buf[pos] == '\t'))
                pos++;
        if (size - pos < sizeof(begin) - 1 || memcmp(buf + pos, begin, sizeof(begin) - 1) != 0) {
                *ret_reason = size == 0 ? "empty" : "not a private key this reader knows (no BEGIN line)";
                return -EBADMSG;
        }
        body = next_line(buf, size, pos, &end);
        if (end == size && body == size) {
                *ret_reason = "truncated after its BEGIN line";
                return -EBADMSG;
        }
        if (!line_has(buf, pos, end, "PRIVATE KEY-----")) {
                *ret_reason = "a PEM file that is not a private key";
                return -EBADMSG;
        }
        if (line_has(buf, pos, end, "BEGIN OPENSSH PRIVATE KEY-----"))
                return openssh_inspect(buf, size, body, ret, ret_reason);
        return pem_inspect(buf, size, pos, end, body, ret, ret_reason);
}
