/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The credentials plugin's pure parsers: the strict JSON check, the policy
 * merge, the logins.json counter, the small credential files, GNOME
 * Keyring and KWallet headers, SSH private keys (made by ssh-keygen), dpkg
 * status and /etc/passwd.
 *
 * Expected values come from the fixtures written here (counted by hand),
 * from the formats' documentation, or from bytes laid out by hand; never
 * from the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../plugins/credentials/credentials.h"

/* ---- strict JSON -------------------------------------------------------------- */

static int check_str(const char *s, JsonError *err) {
        return json_strict_check(s, strlen(s), NULL, err);
}

static void test_json_valid(void **state) {
        static const char *const ok[] = {
                "{}",
                " { \"a\" : [1, -2.5e3, 0, true, false, null, \"x\\u00e9\\n\"] } \n",
                "[]",
                "\"text\"",
                "-0",
                "{\"日本語\": \"値\"}",
                "{\"a\":{\"b\":{\"c\":[[[]]]}}}",
        };

        for (size_t i = 0; i < CR_ELEMENTSOF(ok); i++) {
                JsonError err;

                if (check_str(ok[i], &err) != 0)
                        fail_msg("refused %s: %s", ok[i], err.reason);
        }
}

typedef struct BadJson {
        const char *text;
        unsigned line, column;
        const char *reason_part;
} BadJson;

static void test_json_invalid(void **state) {
        /* Line and column point at the first byte JSON.parse would refuse. */
        static const BadJson bad[] = {
                { "{\"a\": 1,}", 1, 9, "quoted name" },
                { "[1, 2,]", 1, 7, "unexpected character" },
                { "{\n  \"a\": 1 // comment\n}", 2, 10, "expected ','" },
                { "{'a': 1}", 1, 2, "quoted name" },
                { "{\"a\": NaN}", 1, 7, "unexpected character" },
                { "{\"a\": Infinity}", 1, 7, "unexpected character" },
                { "\xef\xbb\xbf{}", 1, 1, "byte order mark" },
                { "{\"a\": \"tab\there\"}", 1, 11, "control character" },
                { "{\"a\": 01}", 1, 8, "expected ','" },
                { "{\"a\": 1} {}", 1, 10, "after the end" },
                { "{\"a\": [1, 2", 1, 12, "truncated" },
                { "{\"a\": \"open", 1, 7, "not closed" },
                { "", 1, 1, "empty" },
                { "   \n ", 2, 2, "empty" },
                { "{\"a\": \"\xc3\x28\"}", 1, 8, "UTF-8" },
                { "{\"a\": \"\xed\xa0\x80\"}", 1, 8, "UTF-8" },
                { "{\"a\": \"\\x41\"}", 1, 8, "escape" },
                { "{\"a\": \"\\u12G4\"}", 1, 8, "hex digits" },
                { "{\"a\": tru}", 1, 7, "unexpected character" },
                { "{\"a\" 1}", 1, 6, "expected ':'" },
                { "{\"a\": -}", 1, 7, "malformed number" },
                { "{\"a\": 1.}", 1, 7, "malformed number" },
                { "{\"a\": 1e}", 1, 7, "malformed number" },
                { "[1 2]", 1, 4, "expected ',' or ']'" },
        };

        for (size_t i = 0; i < CR_ELEMENTSOF(bad); i++) {
                JsonError err;
                int r = check_str(bad[i].text, &err);

                if (r != -EBADMSG)
                        fail_msg("accepted \"%s\"", bad[i].text);
                if (err.line != bad[i].line || err.column != bad[i].column ||
                    !strstr(err.reason, bad[i].reason_part))
                        fail_msg("\"%s\": got line %u column %u \"%s\", expected %u:%u \"%s\"", bad[i].text,
                                 err.line, err.column, err.reason, bad[i].line, bad[i].column, bad[i].reason_part);
        }

        {
                /* A NUL byte outside a string. */
                static const char with_nul[] = "{\"a\": 1}\0";
                JsonError err;

                assert_int_equal(json_strict_check(with_nul, sizeof(with_nul) - 1, NULL, &err), -EBADMSG);
        }
}

static void test_json_depth(void **state) {
        char deep[200];
        JsonError err;

        /* 64 levels are fine, 65 are not. */
        memset(deep, '[', 64);
        memset(deep + 64, ']', 64);
        assert_int_equal(json_strict_check(deep, 128, NULL, &err), 0);
        memset(deep, '[', 65);
        memset(deep + 65, ']', 65);
        assert_int_equal(json_strict_check(deep, 130, NULL, &err), -EBADMSG);
        assert_non_null(strstr(err.reason, "nested too deep"));
        assert_int_equal(err.column, 65);
}

static void test_json_inexact(void **state) {
        bool inexact;

        /* UINT64_MAX and INT64_MIN fit; one more does not. A fraction is
         * kept as written. */
        assert_int_equal(json_strict_check("[18446744073709551615, -9223372036854775808, 1.5e999]", 53, &inexact,
                                           NULL),
                         0);
        assert_false(inexact);
        assert_int_equal(json_strict_check("[18446744073709551616]", 22, &inexact, NULL), 0);
        assert_true(inexact);
        assert_int_equal(json_strict_check("[-9223372036854775809]", 22, &inexact, NULL), 0);
        assert_true(inexact);
        assert_int_equal(json_strict_check("[123456789012345678901234.5]", 28, &inexact, NULL), 0);
        assert_false(inexact);
}

/* ---- the policy merge ---------------------------------------------------------------- */

static struct json_object *parse_or_fail(const char *s) {
        struct json_object *o = json_tokener_parse(s);

        assert_non_null(o);
        return o;
}

static struct json_object *get_path(struct json_object *o, const char *a, const char *b) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, a, &v))
                return NULL;
        if (b && !json_object_object_get_ex(v, b, &v))
                return NULL;
        return v;
}

static void assert_false_bool(struct json_object *v) {
        assert_non_null(v);
        assert_true(json_object_is_type(v, json_type_boolean));
        assert_false(json_object_get_boolean(v));
}

static void test_merge_new(void **state) {
        char *out = NULL;

        assert_int_equal(policy_json_merge(NULL, 0, &policy_settings_firefox, &out), 1);
        /* json-c's pretty form: two spaces, ": ", a newline at the end. */
        assert_string_equal(out, "{\n"
                                 "  \"policies\": {\n"
                                 "    \"PasswordManagerEnabled\": false,\n"
                                 "    \"OfferToSaveLogins\": false\n"
                                 "  }\n"
                                 "}\n");
        free(out);

        assert_int_equal(policy_json_merge(" \n", 2, &policy_settings_chromium, &out), 1);
        assert_string_equal(out, "{\n  \"PasswordManagerEnabled\": false\n}\n");
        free(out);
}

static void test_merge_keeps_others(void **state) {
        static const char in[] =
                "{\n"
                "  \"policies\": {\n"
                "    \"DisableTelemetry\": true,\n"
                "    \"Homepage\": {\"URL\": \"https://www.lib.fujisawa.kanagawa.jp/\", \"Locked\": true},\n"
                "    \"PasswordManagerEnabled\": true,\n"
                "    \"ExtensionSettings\": {\"*\": {\"installation_mode\": \"blocked\"}},\n"
                "    \"Preferences\": {\"browser.zoom\": 1.50, \"names\": [\"図書館\", \"\\u00e9\"]}\n"
                "  },\n"
                "  \"comment\": \"kept\"\n"
                "}\n";
        struct json_object *o, *v;
        char *out = NULL, *again = NULL;

        assert_int_equal(policy_json_merge(in, strlen(in), &policy_settings_firefox, &out), 1);
        o = parse_or_fail(out);
        assert_false_bool(get_path(o, "policies", "PasswordManagerEnabled"));
        assert_false_bool(get_path(o, "policies", "OfferToSaveLogins"));
        v = get_path(o, "policies", "DisableTelemetry");
        assert_true(json_object_get_boolean(v));
        v = get_path(get_path(o, "policies", "Homepage"), "URL", NULL);
        assert_string_equal(json_object_get_string(v), "https://www.lib.fujisawa.kanagawa.jp/");
        v = get_path(get_path(o, "policies", "ExtensionSettings"), "*", "installation_mode");
        assert_string_equal(json_object_get_string(v), "blocked");
        v = get_path(get_path(o, "policies", "Preferences"), "names", NULL);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "図書館");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "é");
        assert_string_equal(json_object_get_string(get_path(o, "comment", NULL)), "kept");
        json_object_put(o);
        /* Slashes stay unescaped, the number as written. */
        assert_non_null(strstr(out, "\"https://www.lib.fujisawa.kanagawa.jp/\""));
        assert_non_null(strstr(out, "1.50"));
        /* The setting replaced in place: still before ExtensionSettings. */
        assert_true(strstr(out, "PasswordManagerEnabled") < strstr(out, "ExtensionSettings"));

        /* Merging the result again changes nothing, byte for byte. */
        assert_int_equal(policy_json_merge(out, strlen(out), &policy_settings_firefox, &again), 0);
        assert_string_equal(again, out);
        free(again);
        free(out);
}

static void test_merge_already_set(void **state) {
        static const char in[] = "{\"policies\": {\"OfferToSaveLogins\": false, \"PasswordManagerEnabled\": false}}";
        char *out = NULL;

        assert_int_equal(policy_json_merge(in, strlen(in), &policy_settings_firefox, &out), 0);
        free(out);
        /* 0 is not false for this check, whatever Firefox makes of it. */
        {
                static const char zero[] = "{\"policies\": {\"OfferToSaveLogins\": false, \"PasswordManagerEnabled\": 0}}";

                assert_int_equal(policy_json_merge(zero, strlen(zero), &policy_settings_firefox, &out), 1);
                assert_non_null(strstr(out, "\"PasswordManagerEnabled\": false"));
                free(out);
        }
}

static void test_merge_refuses(void **state) {
        static const struct {
                const char *text;
                int r;
                const char *reason_part;
        } cases[] = {
                { "{\"policies\": {\"DisableTelemetry\": true,}}", -EBADMSG, "quoted name" },
                { "{\"policies\": [\"PasswordManagerEnabled\"]}", -EBADMSG, "\"policies\" is not" },
                { "[{\"policies\": {}}]", -EBADMSG, "not a JSON object" },
                { "null", -EBADMSG, "not a JSON object" },
                { "{\"policies\": {\"Big\": 99999999999999999999}}", -ERANGE, "too large" },
                { "{\"policies\": {", -EBADMSG, "truncated" },
        };

        for (size_t i = 0; i < CR_ELEMENTSOF(cases); i++) {
                char *out = NULL;
                JsonError err;
                int r = policy_json_merge_full(cases[i].text, strlen(cases[i].text), &policy_settings_firefox, &out,
                                               &err);

                if (r != cases[i].r || out || !err.reason || !strstr(err.reason, cases[i].reason_part))
                        fail_msg("\"%s\": r=%d out=%p reason=%s", cases[i].text, r, (void *) out,
                                 err.reason ? err.reason : "(none)");
        }
}

static void test_policy_state(void **state) {
        struct json_object *o = parse_or_fail("{\"PasswordManagerEnabled\": \"false\", \"X\": true}");
        char shown[64];

        assert_int_equal(policy_json_state(o, &policy_settings_chromium.settings[0], shown, sizeof(shown)),
                         POLICY_VALUE_WRONG);
        assert_string_equal(shown, "\"false\"");
        json_object_put(o);
        o = parse_or_fail("{}");
        assert_int_equal(policy_json_state(o, &policy_settings_chromium.settings[0], shown, sizeof(shown)),
                         POLICY_VALUE_MISSING);
        json_object_put(o);
}

/* ---- logins.json ------------------------------------------------------------------------ */

/* As Firefox writes it (toolkit/components/passwordmgr/LoginStore.sys.mjs):
 * three logins of sites and the Firefox Accounts entry. */
static const char logins_json[] =
        "{\"nextId\":5,\"logins\":["
        "{\"id\":1,\"hostname\":\"https://opac.example.jp\",\"httpRealm\":null,"
        "\"formSubmitURL\":\"https://opac.example.jp\",\"usernameField\":\"user\",\"passwordField\":\"pass\","
        "\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECJ1xU8iAFCjtBAhoYbK7Z9iJXw==\","
        "\"encryptedPassword\":\"MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECG6Bh4E0a5oYBBBk6dVNdKoPrw0YaAe4tnI6\","
        "\"guid\":\"{6b4d6f63-1b11-4e8e-9d7b-2f5a4f6f0a01}\",\"encType\":1,\"timeCreated\":1700000000000,"
        "\"timeLastUsed\":1700000000000,\"timePasswordChanged\":1700000000000,\"timesUsed\":3},"
        "{\"id\":2,\"hostname\":\"https://mail.example.jp\",\"httpRealm\":null,\"formSubmitURL\":\"\","
        "\"usernameField\":\"\",\"passwordField\":\"\",\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECKx\","
        "\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECPp\",\"guid\":\"{b2}\",\"encType\":1,"
        "\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1},"
        "{\"id\":3,\"hostname\":\"chrome://FirefoxAccounts\",\"httpRealm\":\"Firefox Accounts credentials\","
        "\"formSubmitURL\":null,\"usernameField\":\"\",\"passwordField\":\"\","
        "\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAc\",\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAd\","
        "\"guid\":\"{fx}\",\"encType\":1,\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1},"
        "{\"id\":4,\"hostname\":\"https://ils.example.jp\",\"httpRealm\":\"staff\",\"formSubmitURL\":null,"
        "\"usernameField\":\"\",\"passwordField\":\"\",\"encryptedUsername\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAe\","
        "\"encryptedPassword\":\"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECAf\",\"guid\":\"{b4}\",\"encType\":1,"
        "\"timeCreated\":1,\"timeLastUsed\":1,\"timePasswordChanged\":1,\"timesUsed\":1}"
        "],\"potentiallyVulnerablePasswords\":[],\"dismissedBreachAlertsByLoginGUID\":{},\"version\":3}";

static void test_logins_count(void **state) {
        uint64_t n = 99;
        JsonError err;

        assert_int_equal(logins_json_count(logins_json, strlen(logins_json), &n, &err), 0);
        assert_int_equal(n, 3);

        {
                static const char empty[] = "{\"nextId\":1,\"logins\":[],\"potentiallyVulnerablePasswords\":[],"
                                            "\"dismissedBreachAlertsByLoginGUID\":{},\"version\":3}";

                assert_int_equal(logins_json_count(empty, strlen(empty), &n, &err), 0);
                assert_int_equal(n, 0);
        }
}

static void test_logins_corrupt(void **state) {
        static const struct {
                const char *text;
                const char *reason_part;
        } cases[] = {
                { "{\"nextId\":1,\"version\":3}", "no \"logins\" array" },
                { "{\"logins\":{}}", "no \"logins\" array" },
                { "{\"logins\":[1]}", "not an object" },
                { "[]", "not a JSON object" },
                { "", "empty" },
                { "\x01\x02garbage", "unexpected character" },
        };
        uint64_t n;
        JsonError err;

        for (size_t i = 0; i < CR_ELEMENTSOF(cases); i++) {
                int r = logins_json_count(cases[i].text, strlen(cases[i].text), &n, &err);

                if (r != -EBADMSG || !strstr(err.reason, cases[i].reason_part))
                        fail_msg("\"%s\": r=%d reason=%s", cases[i].text, r, err.reason ? err.reason : "");
        }

        /* Cut anywhere: never a count. */
        for (size_t cut = 0; cut < strlen(logins_json); cut += 7)
                assert_int_equal(logins_json_count(logins_json, cut, &n, &err), -EBADMSG);
}

/* ---- small files ---------------------------------------------------------------------- */

typedef int (*Counter)(const char *buf, size_t size, uint64_t *ret, const char **ret_reason);

static uint64_t count_ok(Counter f, const char *text) {
        const char *reason = NULL;
        uint64_t n = 99;

        if (f(text, strlen(text), &n, &reason) != 0)
                fail_msg("refused \"%s\": %s", text, reason);
        return n;
}

static void count_bad(Counter f, const char *text, size_t size, const char *reason_part) {
        const char *reason = NULL;
        uint64_t n;

        if (f(text, size, &n, &reason) != -EBADMSG || !reason || !strstr(reason, reason_part))
                fail_msg("\"%s\": reason %s", text, reason ? reason : "(none)");
}

static void test_netrc(void **state) {
        assert_int_equal(count_ok(netrc_count_passwords,
                                  "machine ftp.example.jp login taro password s3cret\n"
                                  "machine mail.example.jp\n  login taro\n  password \"two words\"\n"
                                  "default login anonymous password guest@\n"),
                         3);
        /* "password" as a value is not a keyword. */
        assert_int_equal(count_ok(netrc_count_passwords, "machine h login password password password\n"), 1);
        /* A macro's body is not read as tokens. */
        assert_int_equal(count_ok(netrc_count_passwords,
                                  "macdef init\npassword x\npassword y\n\nmachine h password z\n"),
                         1);
        assert_int_equal(count_ok(netrc_count_passwords, "machine h login taro\n"), 0);
        assert_int_equal(count_ok(netrc_count_passwords, ""), 0);
        count_bad(netrc_count_passwords, "machine h login taro password", 29, "truncated");
        count_bad(netrc_count_passwords, "machine h\0 password x", 21, "binary");
}

static void test_git_credentials(void **state) {
        assert_int_equal(count_ok(git_credentials_count,
                                  "https://taro:ghp_abc123@github.com\n\nhttps://taro:pw@git.example.jp\n"),
                         2);
        assert_int_equal(count_ok(git_credentials_count, ""), 0);
        count_bad(git_credentials_count, "not a url\n", 10, "not a git credential store");
        count_bad(git_credentials_count, "https://a:b@c\0", 14, "binary");
}

static void test_pgpass(void **state) {
        assert_int_equal(count_ok(pgpass_count,
                                  "# comment\n"
                                  "db.example.jp:5432:ils:taro:pa\\:ss\n"
                                  "*:*:*:postgres:secret\n"),
                         2);
        count_bad(pgpass_count, "host:5432:db:user\n", 18, "five fields");
}

static void test_remmina(void **state) {
        static const char with[] = "[remmina]\nname=Server\nprotocol=RDP\nserver=rdp.example.jp\nusername=taro\n"
                                   "password=U2FsdGVkX1+secret\n";
        static const char keyring[] = "[remmina]\nname=S\nssh_tunnel_password=.\n";
        static const char without[] = "[remmina]\nname=Server\nprotocol=RDP\npassword=\nusername=taro\n";
        const char *reason = NULL;

        assert_int_equal(remmina_has_password(with, strlen(with), &reason), 1);
        assert_int_equal(remmina_has_password(keyring, strlen(keyring), &reason), 1);
        assert_int_equal(remmina_has_password(without, strlen(without), &reason), 0);
        assert_int_equal(remmina_has_password("[other]\npassword=x\n", 19, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "no [remmina] group"));
        assert_int_equal(remmina_has_password("[remmina\npassword=x\n", 19, &reason), -EBADMSG);
        assert_int_equal(remmina_has_password("password=x\n", 11, &reason), -EBADMSG);
}

static void test_nmconnection(void **state) {
        static const char psk[] = "[connection]\nid=Staff\ntype=wifi\n\n[wifi]\nssid=Staff\n\n"
                                  "[wifi-security]\nkey-mgmt=wpa-psk\npsk=Wifi-Pass-123\n";
        static const char agent[] = "[connection]\nid=Staff\ntype=wifi\n\n[wifi-security]\nkey-mgmt=wpa-psk\n"
                                    "psk-flags=1\npsk=left-over\n";
        static const char eap[] = "[connection]\nid=Corp\n\n[802-1x]\neap=peap;\nidentity=taro\npassword=Corp-Pass\n"
                                  "password-flags=0\n";
        static const char vpn[] = "[connection]\nid=VPN\n\n[vpn]\nservice-type=org.freedesktop.NetworkManager.openvpn\n"
                                  "password-flags=0\n\n[vpn-secrets]\npassword=Vpn-Pass\n";
        static const char vpn_agent[] = "[connection]\nid=VPN\n\n[vpn]\npassword-flags=2\n\n[vpn-secrets]\npassword=x\n";
        static const char none[] = "[connection]\nid=Wired\ntype=ethernet\n\n[ipv4]\nmethod=auto\n";
        const char *reason = NULL;

        assert_int_equal(nmconnection_has_secret(psk, strlen(psk), &reason), 1);
        assert_int_equal(nmconnection_has_secret(agent, strlen(agent), &reason), 0);
        assert_int_equal(nmconnection_has_secret(eap, strlen(eap), &reason), 1);
        assert_int_equal(nmconnection_has_secret(vpn, strlen(vpn), &reason), 1);
        assert_int_equal(nmconnection_has_secret(vpn_agent, strlen(vpn_agent), &reason), 0);
        assert_int_equal(nmconnection_has_secret(none, strlen(none), &reason), 0);
        assert_int_equal(nmconnection_has_secret("[wifi]\nssid=x\n", 14, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "[connection]"));
}

static void test_docker(void **state) {
        assert_int_equal(count_ok(docker_config_count,
                                  "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dGFybzpzM2NyZXQ=\"},"
                                  "\"registry.example.jp\":{},\"ghcr.io\":{\"identitytoken\":\"tok\"},"
                                  "\"quay.io\":{\"auth\":\"\"}},\"credsStore\":\"secretservice\"}"),
                         2);
        assert_int_equal(count_ok(docker_config_count, "{\"credsStore\":\"pass\"}"), 0);
        count_bad(docker_config_count, "{\"auths\":[]}", 12, "\"auths\" is not an object");
        count_bad(docker_config_count, "{\"auths\":{", 10, "truncated");
}

/* ---- keyrings ---------------------------------------------------------------------------- */

typedef struct Bytes {
        uint8_t b[4096];
        size_t n;
} Bytes;

static void put(Bytes *b, const void *p, size_t n) {
        assert_true(b->n + n <= sizeof(b->b));
        memcpy(b->b + b->n, p, n);
        b->n += n;
}

static void put_u32(Bytes *b, uint32_t v) {
        uint8_t x[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };

        put(b, x, 4);
}

static void put_str(Bytes *b, const char *s) {
        put_u32(b, (uint32_t) strlen(s));
        put(b, s, strlen(s));
}

/* A binary keyring as gnome-keyring's docs/file-format.txt lays it out,
 * with n items of one string and one number attribute each. */
static void make_keyring(Bytes *b, uint32_t n) {
        static const uint8_t zero16[16];

        b->n = 0;
        put(b, "GnomeKeyring\n\r\0\n", 16);
        put(b, "\0\0\0\0", 4);                  /* version 0.0, AES, MD5 */
        put_str(b, "login");
        put(b, zero16, 8);                      /* ctime */
        put(b, zero16, 8);                      /* mtime */
        put_u32(b, 0);                          /* flags */
        put_u32(b, 0);                          /* lock timeout */
        put_u32(b, 1000);                       /* hash iterations */
        put(b, "saltsalt", 8);
        put(b, zero16, 16);                     /* reserved */
        put_u32(b, n);
        for (uint32_t i = 0; i < n; i++) {
                put_u32(b, i + 1);              /* id */
                put_u32(b, 0);                  /* type */
                put_u32(b, 2);                  /* attributes */
                put_str(b, "xdg:schema");
                put_u32(b, 0);
                put(b, "\0\0\0\x10", 4);        /* a string hash: 16 bytes */
                put(b, zero16, 16);
                put_str(b, "port");
                put_u32(b, 1);
                put_u32(b, 0xdeadbeef);
        }
        put_u32(b, 32);                         /* encrypted part */
        put(b, zero16, 16);
        put(b, zero16, 16);
}

static void test_keyring_binary(void **state) {
        const char *reason = NULL;
        KeyringInfo info;
        Bytes b;

        make_keyring(&b, 2);
        assert_int_equal(keyring_inspect(b.b, b.n, &info, &reason), 0);
        assert_int_equal(info.n_items, 2);
        assert_false(info.plaintext);

        make_keyring(&b, 0);
        assert_int_equal(keyring_inspect(b.b, b.n, &info, &reason), 0);
        assert_int_equal(info.n_items, 0);

        /* Cut anywhere: truncated, never a count. */
        make_keyring(&b, 2);
        for (size_t cut = 1; cut < b.n; cut++) {
                reason = NULL;
                if (keyring_inspect(b.b, cut, &info, &reason) != -EBADMSG || !reason)
                        fail_msg("a keyring cut at %zu was accepted", cut);
        }

        /* An impossible item count. */
        make_keyring(&b, 1);
        b.b[16 + 4 + 4 + 5 + 8 + 8 + 4 + 4 + 4 + 8 + 16] = 0x7f;
        assert_int_equal(keyring_inspect(b.b, b.n, &info, &reason), -EBADMSG);
        assert_string_equal(reason, "truncated");
}

static void test_keyring_text(void **state) {
        static const char text[] = "[keyring]\ndisplay-name=Login\nctime=0\nmtime=0\nlock-on-idle=false\n"
                                   "lock-after=false\n\n[1]\nitem-type=0\ndisplay-name=x\nsecret=s3cret\n\n"
                                   "[1:attribute0]\nname=xdg:schema\ntype=string\nvalue=y\n\n"
                                   "[2]\nitem-type=0\ndisplay-name=z\nsecret=t\n";
        const char *reason = NULL;
        KeyringInfo info;

        assert_int_equal(keyring_inspect(text, strlen(text), &info, &reason), 0);
        assert_int_equal(info.n_items, 2);
        assert_true(info.plaintext);
        assert_int_equal(keyring_inspect("[other]\n", 8, &info, &reason), -EBADMSG);
        assert_int_equal(keyring_inspect("garbage", 7, &info, &reason), -EBADMSG);
        assert_int_equal(keyring_inspect("", 0, &info, &reason), -EBADMSG);
}

static void test_kwallet(void **state) {
        static const char good[] = "KWALLET\n\r\0\r\n\x00\x01\x02\x02rest";
        const char *reason = NULL;

        assert_int_equal(kwallet_check(good, sizeof(good) - 1, &reason), 0);
        assert_int_equal(kwallet_check(good, 10, &reason), -EBADMSG);
        assert_string_equal(reason, "truncated");
        assert_int_equal(kwallet_check("KWALLEX\n\r\0\r\n\0\1\2\2", 16, &reason), -EBADMSG);
        assert_string_equal(reason, "not a KWallet file");
}

/* ---- SSH keys ------------------------------------------------------------------------------ */

static char tmpdir[64];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static bool have_ssh_keygen(void) {
        return access("/usr/bin/ssh-keygen", X_OK) == 0;
}

static void keygen(const char *name, const char *type, const char *format, const char *passphrase) {
        char path[128];
        pid_t pid;
        int status;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (format)
                        execl("/usr/bin/ssh-keygen", "ssh-keygen", "-q", "-t", type, "-m", format, "-N", passphrase,
                              "-f", path, (char *) NULL);
                else
                        execl("/usr/bin/ssh-keygen", "ssh-keygen", "-q", "-t", type, "-N", passphrase, "-f", path,
                              (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static size_t read_key(const char *name, char *buf, size_t size) {
        char path[128];
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        f = fopen(path, "re");
        assert_non_null(f);
        n = fread(buf, 1, size - 1, f);
        fclose(f);
        buf[n] = '\0';
        return n;
}

static int ssh_setup(void **state) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-cred-ssh-XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        return 0;
}

static int ssh_teardown(void **state) {
        nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void test_ssh_keys(void **state) {
        static const struct {
                const char *name, *type, *format, *passphrase;
                SshKeyState expected;
        } keys[] = {
                { "ed_plain", "ed25519", NULL, "", SSH_KEY_PLAIN },
                { "ed_pass", "ed25519", NULL, "correct horse", SSH_KEY_ENCRYPTED },
                { "ec_pem_plain", "ecdsa", "PEM", "", SSH_KEY_PLAIN },
                { "ec_pem_pass", "ecdsa", "PEM", "correct horse", SSH_KEY_ENCRYPTED },
                { "ec_p8_plain", "ecdsa", "PKCS8", "", SSH_KEY_PLAIN },
                { "ec_p8_pass", "ecdsa", "PKCS8", "correct horse", SSH_KEY_ENCRYPTED },
                { "rsa_plain", "rsa", NULL, "", SSH_KEY_PLAIN },
        };
        char buf[8192];

        if (!have_ssh_keygen())
                skip();
        for (size_t i = 0; i < CR_ELEMENTSOF(keys); i++) {
                const char *reason = NULL;
                SshKeyState st;
                size_t n;

                keygen(keys[i].name, keys[i].type, keys[i].format, keys[i].passphrase);
                n = read_key(keys[i].name, buf, sizeof(buf));
                if (ssh_key_inspect(buf, n, &st, &reason) != 0)
                        fail_msg("%s: %s", keys[i].name, reason);
                if (st != keys[i].expected)
                        fail_msg("%s: got %d", keys[i].name, st);
        }
}

static void test_ssh_keys_corrupt(void **state) {
        char buf[8192];
        const char *reason = NULL;
        SshKeyState st;
        size_t n;
        char *p;

        if (!have_ssh_keygen())
                skip();
        keygen("trunc", "ed25519", NULL, "");
        n = read_key("trunc", buf, sizeof(buf));

        /* The BEGIN line and 20 base64 characters: 15 bytes, the magic
         * without the cipher name's length. */
        assert_int_equal(ssh_key_inspect(buf, 36 + 20, &st, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "truncated"));
        assert_int_equal(ssh_key_inspect(buf, 30, &st, &reason), -EBADMSG);
        assert_int_equal(ssh_key_inspect(buf, 36, &st, &reason), -EBADMSG);

        /* The magic's first character changed ("b3Bl" is "ope"). */
        p = strstr(buf, "b3Bl");
        assert_non_null(p);
        p[0] = 'c';
        assert_int_equal(ssh_key_inspect(buf, n, &st, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "magic"));

        assert_int_equal(ssh_key_inspect("-----BEGIN RSA PRIVATE KEY-----\n", 32, &st, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "truncated"));
        assert_int_equal(ssh_key_inspect("-----BEGIN CERTIFICATE-----\nMIIB\n", 33, &st, &reason), -EBADMSG);
        assert_int_equal(ssh_key_inspect("ssh-ed25519 AAAA taro@host\n", 27, &st, &reason), -EBADMSG);
        assert_int_equal(ssh_key_inspect("", 0, &st, &reason), -EBADMSG);
}

static void test_ssh_putty(void **state) {
        static const char plain[] = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\n";
        static const char enc[] = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: aes256-cbc\nComment: k\n";
        const char *reason = NULL;
        SshKeyState st;

        assert_int_equal(ssh_key_inspect(plain, strlen(plain), &st, &reason), 0);
        assert_int_equal(st, SSH_KEY_PLAIN);
        assert_int_equal(ssh_key_inspect(enc, strlen(enc), &st, &reason), 0);
        assert_int_equal(st, SSH_KEY_ENCRYPTED);
        assert_int_equal(ssh_key_inspect(plain, 36, &st, &reason), -EBADMSG);
}

/* ---- dpkg and passwd ------------------------------------------------------------------------ */

static void test_dpkg(void **state) {
        static const char status[] =
                "Package: firefox-esr\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n"
                "Version: 115.5.0esr-1~deb12u1\nDescription: Mozilla Firefox\n continued line\n\n"
                "Package: chromium\nStatus: deinstall ok config-files\nVersion: 119.0-1\n\n"
                "Package: thunderbird\nStatus: install reinstreq half-installed\nVersion: 1:115.4.1-1\n\n"
                "Package: firefox-esr\nStatus: install ok installed\nArchitecture: i386\n"
                "Version: 115.5.0esr-1~deb12u1\n\n"
                "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n"
                "Package: geary\nStatus: install ok not-installed\n\n"
                "Package: evolution\nVersion: 3.46\nStatus: install ok unpacked";
        static const char *const names[] = { "firefox-esr", "chromium", "thunderbird", "geary", "evolution", NULL };
        DpkgHit *hits = NULL;
        size_t n = 0;

        assert_int_equal(dpkg_find_installed(status, strlen(status), names, &hits, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(hits[0].name, "firefox-esr");
        assert_string_equal(hits[0].version, "115.5.0esr-1~deb12u1");
        assert_string_equal(hits[1].name, "thunderbird");
        assert_string_equal(hits[1].version, "1:115.4.1-1");
        assert_string_equal(hits[2].name, "evolution");
        free(hits);
}

static void test_users(void **state) {
        static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
                                     "taro:x:1000:1000:Taro:/home/taro:/bin/bash\n"
                                     "broken line\n"
                                     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                                     "svc:x:999:999::/var/lib/svc:/bin/sh\n"
                                     "hanako:x:1001:1001::/home/hanako:/bin/bash\n";
        static const char *const extra[] = { "svc", NULL };
        CrUserList *l = NULL;

        assert_int_equal(cr_users_parse(passwd, strlen(passwd), 1000, NULL, &l), 0);
        assert_int_equal(l->n_users, 2);
        assert_string_equal(l->users[0].name, "taro");
        assert_string_equal(l->users[0].home, "/home/taro");
        assert_string_equal(l->users[1].name, "hanako");
        assert_int_equal(l->n_malformed, 1);
        cr_user_list_free(l);

        assert_int_equal(cr_users_parse(passwd, strlen(passwd), 1000, extra, &l), 0);
        assert_int_equal(l->n_users, 3);
        assert_string_equal(l->users[1].name, "svc");
        cr_user_list_free(l);
}

static void test_approved_entry(void **state) {
        assert_int_equal(approved_entry_valid("firefox-esr"), 0);
        assert_int_equal(approved_entry_valid("firefox-esr=115.*"), 0);
        assert_int_equal(approved_entry_valid("org.mozilla.firefox"), 0);
        assert_int_equal(approved_entry_valid("io.gitlab.librewolf-community"), 0);
        assert_int_equal(approved_entry_valid(""), -EINVAL);
        assert_int_equal(approved_entry_valid("=1.0"), -EINVAL);
        assert_int_equal(approved_entry_valid("firefox="), -EINVAL);
        assert_int_equal(approved_entry_valid("fire fox"), -EINVAL);
        assert_int_equal(approved_entry_valid("-firefox"), -EINVAL);
        assert_int_equal(approved_entry_valid("firefox=1 2"), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_valid),
                cmocka_unit_test(test_json_invalid),
                cmocka_unit_test(test_json_depth),
                cmocka_unit_test(test_json_inexact),
                cmocka_unit_test(test_merge_new),
                cmocka_unit_test(test_merge_keeps_others),
                cmocka_unit_test(test_merge_already_set),
                cmocka_unit_test(test_merge_refuses),
                cmocka_unit_test(test_policy_state),
                cmocka_unit_test(test_logins_count),
                cmocka_unit_test(test_logins_corrupt),
                cmocka_unit_test(test_netrc),
                cmocka_unit_test(test_git_credentials),
                cmocka_unit_test(test_pgpass),
                cmocka_unit_test(test_remmina),
                cmocka_unit_test(test_nmconnection),
                cmocka_unit_test(test_docker),
                cmocka_unit_test(test_keyring_binary),
                cmocka_unit_test(test_keyring_text),
                cmocka_unit_test(test_kwallet),
                cmocka_unit_test_setup_teardown(test_ssh_keys, ssh_setup, ssh_teardown),
                cmocka_unit_test_setup_teardown(test_ssh_keys_corrupt, ssh_setup, ssh_teardown),
                cmocka_unit_test(test_ssh_putty),
                cmocka_unit_test(test_dpkg),
                cmocka_unit_test(test_users),
                cmocka_unit_test(test_approved_entry),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
