/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small credential files, counted: ~/.netrc, ~/.git-credentials, ~/.pgpass,
 * Remmina profiles, NetworkManager connection files and Docker's
 * config.json. Each function looks only for the shape of an entry (a
 * keyword, a separator, a non-empty value) and returns a number; no value
 * is copied out, and the caller zeroes the buffer afterwards. */
#include <json-c/json.h>
#include <string.h>

#include "credentials.h"

static bool has_nul(const char *buf, size_t size) {
        return size > 0 && memchr(buf, '\0', size) != NULL;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- ~/.netrc -------------------------------------------------------------- */

/* The next token of a .netrc: blanks separate, a double-quoted token may
 * hold blanks and backslash escapes (curl's reading). [*start, *end) is the
 * token as written. false at the end. */
static bool netrc_token(const char *buf, size_t size, size_t *pos, size_t *start, size_t *end) {
        size_t i = *pos;

        while (i < size && is_space(buf[i]))
                i++;
        if (i >= size) {
                *pos = i;
                return false;
        }
        *start = i;
        if (buf[i] == '"') {
                for (i++; i < size && buf[i] != '"'; i++)
                        if (buf[i] == '\\' && i + 1 < size)
                                i++;
                if (i < size)
                        i++;
        } else
                while (i < size && !is_space(buf[i]))
                        i++;
        *end = i;
        *pos = i;
        return true;
}

static bool token_is(const char *buf, size_t start, size_t end, const char *word) {
        return end - start == strlen(word) && memcmp(buf + start, word, end - start) == 0;
}

int netrc_count_passwords(const char *buf, size_t size, uint64_t *ret, const char **ret_reason) {
        size_t pos = 0, s, e;
        uint64_t n = 0;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (has_nul(buf, size)) {
                *ret_reason = "holds binary data";
                return -EBADMSG;
        }

        while (netrc_token(buf, size, &pos, &s, &e)) {
                bool password;

                if (token_is(buf, s, e, "default"))
                        continue;
                if (token_is(buf, s, e, "macdef")) {
                        /* A macro: its name, then its lines up to an empty line. */
                        if (!netrc_token(buf, size, &pos, &s, &e)) {
                                *ret_reason = "ends after \"macdef\" without a macro name";
                                return -EBADMSG;
                        }
                        while (pos < size && buf[pos] != '\n')
                                pos++;
                        /* pos is at the '\n' ending a line; the macro ends
                         * at the first empty line after it. */
                        while (pos < size) {
                                size_t ls = pos + 1;
                                const char *nl;

                                if (ls < size && buf[ls] == '\n')
                                        break;
                                if (ls + 1 < size && buf[ls] == '\r' && buf[ls + 1] == '\n')
                                        break;
                                nl = ls < size ? memchr(buf + ls, '\n', size - ls) : NULL;
                                if (!nl) {
                                        pos = size;
                                        break;
                                }
                                pos = (size_t) (nl - buf);
                        }
                        continue;
                }
                password = token_is(buf, s, e, "password");
                if (password || token_is(buf, s, e, "machine") || token_is(buf, s, e, "login") ||
                    token_is(buf, s, e, "account")) {
                        /* The keyword's value is a token even when it reads
                         * "password". */
                        if (!netrc_token(buf, size, &pos, &s, &e)) {
                                *ret_reason = "ends after a keyword without its value (truncated?)";
                                return -EBADMSG;
                        }
                        if (password)
                                n++;
                }
                /* Anything else: a word this reader does not know; curl
                 * and ftp skip those too. */
        }
        *ret = n;
        return 0;
}

/* ---- line files: ~/.git-credentials, ~/.pgpass -------------------------------- */

typedef bool (*LineValid)(const char *line, size_t len);

static int count_lines(const char *buf, size_t size, LineValid valid, bool comments, uint64_t *ret,
                       uint64_t *ret_bad) {
        uint64_t n = 0, bad = 0;
        size_t pos = 0;

        while (pos < size) {
                const char *nl = memchr(buf + pos, '\n', size - pos);
                size_t end = nl ? (size_t) (nl - buf) : size, s = pos, len;

                while (s < end && is_space(buf[s]))
                        s++;
                len = end - s;
                while (len > 0 && is_space(buf[s + len - 1]))
                        len--;
                if (len > 0 && !(comments && buf[s] == '#')) {
                        if (valid(buf + s, len))
                                n++;
                        else
                                bad++;
                }
                pos = end + 1;
        }
        *ret = n;
        *ret_bad = bad;
        return 0;
}

/* "https://user:token@host": git's credential store writes one URL a line. */
static bool git_line_valid(const char *line, size_t len) {
        const char *sep = memmem(line, len, "://", 3);

        return sep && sep > line;
}

int git_credentials_count(const char *buf, size_t size, uint64_t *ret, const char **ret_reason) {
        uint64_t bad;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (has_nul(buf, size)) {
                *ret_reason = "holds binary data";
                return -EBADMSG;
        }
        count_lines(buf, size, git_line_valid, false, ret, &bad);
        /* git skips lines it cannot parse; a file of nothing else is not
         * git's, and saying "0" would pass it. */
        if (*ret == 0 && bad > 0) {
                *ret_reason = "no line is a URL: not a git credential store";
                return -EBADMSG;
        }
        return 0;
}

/* hostname:port:database:username:password, ':' and '\' escaped by '\':
 * at least four separators. */
static bool pgpass_line_valid(const char *line, size_t len) {
        unsigned colons = 0;

        for (size_t i = 0; i < len; i++) {
                if (line[i] == '\\') {
                        i++;
                        continue;
                }
                if (line[i] == ':')
                        colons++;
        }
        return colons >= 4;
}

int pgpass_count(const char *buf, size_t size, uint64_t *ret, const char **ret_reason) {
        uint64_t bad;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (has_nul(buf, size)) {
                *ret_reason = "holds binary data";
                return -EBADMSG;
        }
        count_lines(buf, size, pgpass_line_valid, true, ret, &bad);
        if (*ret == 0 && bad > 0) {
                *ret_reason = "no line has the five fields of a password file entry";
                return -EBADMSG;
        }
        return 0;
}

/* ---- key files: Remmina, NetworkManager ----------------------------------------- */

/* One "key=value" of a GKeyFile-style file, as spans into the buffer. */
typedef struct KeyEntry {
        size_t group;                   /* index into the group list */
        const char *key;
        size_t key_len;
        const char *value;
        size_t value_len;
} KeyEntry;

typedef struct KeyGroup {
        const char *name;
        size_t len;
} KeyGroup;

/* Key files with more than this are not connection or profile files. */
#define KEYFILE_MAX_ENTRIES 4096U
#define KEYFILE_MAX_GROUPS 256U

typedef struct KeyFile {
        KeyGroup groups[KEYFILE_MAX_GROUPS];
        size_t n_groups;
        KeyEntry *entries;
        size_t n_entries;
} KeyFile;

static int keyfile_parse(const char *buf, size_t size, KeyFile *kf, const char **ret_reason) {
        size_t pos = 0;
        bool in_group = false;

        kf->n_groups = kf->n_entries = 0;
        kf->entries = calloc(KEYFILE_MAX_ENTRIES, sizeof(KeyEntry));
        if (!kf->entries)
                return -ENOMEM;

        while (pos < size) {
                const char *nl = memchr(buf + pos, '\n', size - pos);
                size_t end = nl ? (size_t) (nl - buf) : size, s = pos, len;
                const char *line, *eq;

                pos = end + 1;
                while (s < end && (buf[s] == ' ' || buf[s] == '\t'))
                        s++;
                len = end - s;
                while (len > 0 && is_space(buf[s + len - 1]))
                        len--;
                line = buf + s;
                if (len == 0 || line[0] == '#')
                        continue;
                if (line[0] == '[') {
                        if (line[len - 1] != ']' || len < 3) {
                                *ret_reason = "a group header is not closed";
                                return -EBADMSG;
                        }
                        if (kf->n_groups >= KEYFILE_MAX_GROUPS) {
                                *ret_reason = "too many groups";
                                return -EBADMSG;
                        }
                        kf->groups[kf->n_groups++] = (KeyGroup) { line + 1, len - 2 };
                        in_group = true;
                        continue;
                }
                eq = memchr(line, '=', len);
                if (!eq || eq == line || !in_group) {
                        *ret_reason = "a line is neither a group, a key=value nor a comment";
                        return -EBADMSG;
                }
                if (kf->n_entries >= KEYFILE_MAX_ENTRIES) {
                        *ret_reason = "too many keys";
                        return -EBADMSG;
                }
                {
                        KeyEntry *k = &kf->entries[kf->n_entries++];
                        size_t klen = (size_t) (eq - line);
                        const char *v = eq + 1;

                        while (klen > 0 && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
                                klen--;
                        while (v < line + len && (*v == ' ' || *v == '\t'))
                                v++;
                        *k = (KeyEntry) {
                                .group = kf->n_groups - 1,
                                .key = line,
                                .key_len = klen,
                                .value = v,
                                .value_len = (size_t) (line + len - v),
                        };
                }
        }
        return 0;
}

static bool span_is(const char *s, size_t len, const char *word) {
        return len == strlen(word) && memcmp(s, word, len) == 0;
}

static bool span_ends(const char *s, size_t len, const char *suffix) {
        size_t n = strlen(suffix);

        return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool keyfile_has_group(const KeyFile *kf, const char *name, size_t *ret) {
        for (size_t i = 0; i < kf->n_groups; i++)
                if (span_is(kf->groups[i].name, kf->groups[i].len, name)) {
                        if (ret)
                                *ret = i;
                        return true;
                }
        return false;
}

/* The value of key in any group called group, or NULL. */
static const KeyEntry *keyfile_find(const KeyFile *kf, const char *group, const char *key, size_t key_len) {
        const KeyEntry *found = NULL;

        for (size_t i = 0; i < kf->n_entries; i++) {
                const KeyEntry *k = &kf->entries[i];
                const KeyGroup *g = &kf->groups[k->group];

                if (span_is(g->name, g->len, group) && k->key_len == key_len && memcmp(k->key, key, key_len) == 0)
                        found = k;      /* the last one wins, as in GKeyFile */
        }
        return found;
}

int remmina_has_password(const char *buf, size_t size, const char **ret_reason) {
        KeyFile kf;
        int r;

        if (!buf && size > 0)
                return -EINVAL;
        if (has_nul(buf, size)) {
                *ret_reason = "holds binary data";
                return -EBADMSG;
        }
        r = keyfile_parse(buf, size, &kf, ret_reason);
        if (r < 0)
                goto finish;
        if (!keyfile_has_group(&kf, "remmina", NULL)) {
                *ret_reason = "not a Remmina profile: no [remmina] group";
                r = -EBADMSG;
                goto finish;
        }
        r = 0;
        for (size_t i = 0; i < kf.n_entries; i++) {
                const KeyEntry *k = &kf.entries[i];
                const KeyGroup *g = &kf.groups[k->group];

                /* password, ssh_password, ssh_tunnel_password,
                 * ssh_passphrase, gateway_password, ... With the secret
                 * plugin Remmina writes "." and keeps the password in the
                 * keyring: saved all the same. */
                if (!span_is(g->name, g->len, "remmina") || k->value_len == 0)
                        continue;
                if (span_is(k->key, k->key_len, "password") || span_ends(k->key, k->key_len, "_password") ||
                    span_ends(k->key, k->key_len, "_passphrase")) {
                        r = 1;
                        break;
                }
        }
finish:
        free(kf.entries);
        return r;
}

/* NetworkManager's secret keys and the flags key that says where each
 * secret lives (nm-setting.h: 0x1 agent-owned, 0x2 not saved: in neither
 * case is a value in the file used). */
static const struct {
        const char *key;
        const char *flags;
} nm_secrets[] = {
        { "psk", "psk-flags" },
        { "password", "password-flags" },
        { "wep-key0", "wep-key-flags" },
        { "wep-key1", "wep-key-flags" },
        { "wep-key2", "wep-key-flags" },
        { "wep-key3", "wep-key-flags" },
        { "leap-password", "leap-password-flags" },
        { "private-key-password", "private-key-password-flags" },
        { "phase2-private-key-password", "phase2-private-key-password-flags" },
        { "pin", "pin-flags" },
};

static bool nm_flags_not_stored(const KeyEntry *flags) {
        unsigned long v = 0;

        if (!flags || flags->value_len == 0 || flags->value_len > 10)
                return false;
        for (size_t i = 0; i < flags->value_len; i++) {
                if (flags->value[i] < '0' || flags->value[i] > '9')
                        return false;
                v = v * 10 + (unsigned long) (flags->value[i] - '0');
        }
        return (v & 0x3) != 0;
}

int nmconnection_has_secret(const char *buf, size_t size, const char **ret_reason) {
        KeyFile kf;
        int r;

        if (!buf && size > 0)
                return -EINVAL;
        if (has_nul(buf, size)) {
                *ret_reason = "holds binary data";
                return -EBADMSG;
        }
        r = keyfile_parse(buf, size, &kf, ret_reason);
        if (r < 0)
                goto finish;
        if (!keyfile_has_group(&kf, "connection", NULL)) {
                *ret_reason = "not a NetworkManager connection: no [connection] group";
                r = -EBADMSG;
                goto finish;
        }
        r = 0;
        for (size_t i = 0; i < kf.n_entries && r == 0; i++) {
                const KeyEntry *k = &kf.entries[i];
                const KeyGroup *g = &kf.groups[k->group];
                char group[64];

                if (k->value_len == 0 || g->len >= sizeof(group))
                        continue;
                memcpy(group, g->name, g->len);
                group[g->len] = '\0';

                if (strcmp(group, "vpn-secrets") == 0) {
                        /* A VPN plugin's secrets; their flags are in [vpn]
                         * as "<key>-flags". */
                        char flags[128];

                        if (k->key_len + sizeof("-flags") > sizeof(flags))
                                continue;
                        memcpy(flags, k->key, k->key_len);
                        memcpy(flags + k->key_len, "-flags", sizeof("-flags"));
                        if (!nm_flags_not_stored(keyfile_find(&kf, "vpn", flags, strlen(flags))))
                                r = 1;
                        continue;
                }
                for (size_t j = 0; j < CR_ELEMENTSOF(nm_secrets); j++)
                        if (span_is(k->key, k->key_len, nm_secrets[j].key) &&
                            !nm_flags_not_stored(keyfile_find(&kf, group, nm_secrets[j].flags,
                                                              strlen(nm_secrets[j].flags)))) {
                                r = 1;
                                break;
                        }
        }
finish:
        free(kf.entries);
        return r;
}

/* ---- Docker's config.json --------------------------------------------------------- */

int docker_config_count(const char *buf, size_t size, uint64_t *ret, const char **ret_reason) {
        struct json_object *root = NULL, *auths = NULL;
        JsonError err;
        uint64_t n = 0;
        int r;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        r = json_strict_parse(buf, size, &root, NULL, &err);
        if (r == -EBADMSG) {
                *ret_reason = err.reason ? err.reason : "not valid JSON";
                return r;
        }
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object)) {
                *ret_reason = "not a JSON object";
                r = -EBADMSG;
                goto finish;
        }
        if (json_object_object_get_ex(root, "auths", &auths)) {
                if (!json_object_is_type(auths, json_type_object)) {
                        *ret_reason = "\"auths\" is not an object";
                        r = -EBADMSG;
                        goto finish;
                }
                json_object_object_foreach(auths, registry, entry) {
                        static const char *const secret_keys[] = { "auth", "identitytoken" };

                        (void) registry;
                        if (!json_object_is_type(entry, json_type_object))
                                continue;
                        for (size_t i = 0; i < CR_ELEMENTSOF(secret_keys); i++) {
                                struct json_object *v = NULL;

                                if (json_object_object_get_ex(entry, secret_keys[i], &v) &&
                                    json_object_is_type(v, json_type_string) &&
                                    json_object_get_string_len(v) > 0) {
                                        n++;
                                        break;
                                }
                        }
                }
        }
        *ret = n;
        r = 0;
finish:
        json_object_put(root);
        return r;
}
