/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori-notify's event-to-words mapping: which events reach staff, the
 * English texts (the catalog's msgids) and, where a ja_JP.UTF-8 locale and
 * the built catalog are at hand ($MAMORI_BUILD/locale, LOCPATH), the
 * Japanese ones. Expected texts are written out here by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify-text.h"

/* The usb plugin's usb.blocked text for the QEMU stick of
 * tests/fixtures/usb/qemu-devices.txt (port 2-3, one mass-storage
 * interface 08:06:50), and for its keyboard (1-2, HID 03:01:01). */
#define BLOCKED_STICK "port 2-3, 46f4 0001 (QEMU USB HARDDRIVE), interfaces 08:06:50, hash " \
        "Xy1hTm5o: blocked, no rule allows it"
#define BLOCKED_KEYBOARD "port 1-2, 0627 0001 (QEMU USB Keyboard), interfaces 03:01:01, hash " \
        "AbCdEf: blocked, no rule allows it"
/* A network adapter whose product name imitates the plugin's text. */
#define BLOCKED_FORGED_NAME "port 1-4, 0525 a4a2 (x, interfaces 08:06:50, y), interfaces 02:06:00 0a:00:00, " \
        "hash x: blocked, no rule allows it"
#define BLOCKED_HUB_STICK "port 1-1, 0409 55aa (Combo), interfaces 09:00:00 06:01:01, hash x: blocked"

static void set_english(void) {
        assert_non_null(setlocale(LC_ALL, "C"));
}

static void test_classify(void **state) {
        assert_int_equal(notice_classify("usb.notice", "usb:46f4:0001:REG001", "x"), NOTICE_USB_BLOCKED);
        assert_int_equal(notice_classify("usb.blocked", "usb:46f4:0001:REG001", BLOCKED_STICK),
                         NOTICE_USB_BLOCKED);
        assert_int_equal(notice_classify("usb.blocked", "usb:1:2:-", BLOCKED_HUB_STICK), NOTICE_USB_BLOCKED);
        /* A keyboard that is blocked is not a medium: nothing to tell. */
        assert_int_equal(notice_classify("usb.blocked", "usb:0627:0001:x", BLOCKED_KEYBOARD), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.blocked", "usb:0525:a4a2:x", BLOCKED_FORGED_NAME), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.blocked", "usb:x", "no interfaces here"), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.blocked", "usb:x", "port 1, x, interfaces "), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.blocked", "usb:x", "port 1, x, interfaces 08:06"), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.blocked", "usb:x", NULL), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.allowed", "usb:x", BLOCKED_STICK), NOTICE_NONE);
        assert_int_equal(notice_classify("usb.registered", "usb:x", "x"), NOTICE_NONE);
        assert_int_equal(notice_classify("screenlock.enforced", "/etc/dconf/db/local.d/00-mamori", "x"),
                         NOTICE_SCREENLOCK_RESTORED);
        assert_int_equal(notice_classify("screenlock.enforced", NULL, "wrote the user profile"),
                         NOTICE_SCREENLOCK_RESTORED);
        /* Locking an idle session through logind restores no setting. */
        assert_int_equal(notice_classify("screenlock.enforced", "session:3",
                                         "asked logind to lock session 3 of taro (x11, seat0): idle for 11 min"),
                         NOTICE_NONE);
        assert_int_equal(notice_classify("credentials.enforced", "/etc/firefox/policies/policies.json", "x"),
                         NOTICE_BROWSER_RESTORED);
        assert_int_equal(notice_classify("rule.fail", "credentials.no-saved-passwords", "x"), NOTICE_RULE_FAIL);
        assert_int_equal(notice_classify("rule.fail", "credentials.", "x"), NOTICE_NONE);
        assert_int_equal(notice_classify("rule.fail", "screenlock.idle-lock", "x"), NOTICE_NONE);
        assert_int_equal(notice_classify("rule.pass", "credentials.no-saved-passwords", "x"), NOTICE_NONE);
        assert_int_equal(notice_classify("rule.error", "credentials.no-saved-passwords", "x"), NOTICE_NONE);
        assert_int_equal(notice_classify("policy.loaded", "policy", "policy reloaded"), NOTICE_NONE);
        assert_int_equal(notice_classify(NULL, NULL, NULL), NOTICE_NONE);
}

static void test_counts_subjects(void **state) {
        assert_true(notice_class_counts_subjects(NOTICE_USB_BLOCKED));
        assert_false(notice_class_counts_subjects(NOTICE_SCREENLOCK_RESTORED));
        assert_false(notice_class_counts_subjects(NOTICE_BROWSER_RESTORED));
        assert_false(notice_class_counts_subjects(NOTICE_RULE_FAIL));
}

static void test_group_key(void **state) {
        assert_string_equal(notice_group_key(NOTICE_USB_BLOCKED, "usb:46f4:0001:REG001"), "");
        assert_string_equal(notice_group_key(NOTICE_BROWSER_RESTORED, "/etc/x"), "");
        assert_string_equal(notice_group_key(NOTICE_RULE_FAIL, "credentials.no-saved-passwords"),
                            "credentials.no-saved-passwords");
}

static void test_format_english(void **state) {
        NoticeRule rule = { "credentials.no-saved-passwords", "No passwords are saved on the terminal",
                            "詳細編 6.5(7)" };
        Notice n;

        set_english();
        assert_int_equal(notice_format(NOTICE_USB_BLOCKED, 1, NULL, &n), 0);
        assert_string_equal(n.summary, "USB storage medium blocked");
        assert_string_equal(n.body, "This USB storage medium is not registered, so it cannot be used "
                                    "(library security policy, 詳細編 2.2(3)②). If you need it for your "
                                    "work, ask the system administrator to register it.");
        assert_string_equal(n.icon, "drive-removable-media");
        assert_int_equal(n.urgency, URGENCY_CRITICAL);
        notice_done(&n);
        assert_null(n.summary);

        assert_int_equal(notice_format(NOTICE_USB_BLOCKED, 3, NULL, &n), 0);
        assert_string_equal(n.summary, "3 USB storage media blocked");
        assert_string_equal(n.body, "USB storage media that are not registered cannot be used (library "
                                    "security policy, 詳細編 2.2(3)②). If you need one for your work, ask "
                                    "the system administrator to register it.");
        notice_done(&n);

        /* A count of 0 is taken as one event. */
        assert_int_equal(notice_format(NOTICE_USB_BLOCKED, 0, NULL, &n), 0);
        assert_string_equal(n.summary, "USB storage medium blocked");
        notice_done(&n);

        assert_int_equal(notice_format(NOTICE_SCREENLOCK_RESTORED, 1, NULL, &n), 0);
        assert_string_equal(n.summary, "Screen lock setting restored");
        assert_string_equal(n.body, "The setting that locks the screen when the computer is left idle had "
                                    "been changed, so it was set back (library security policy, 詳細編 "
                                    "2.2(2)④). You need not do anything; please lock the screen whenever "
                                    "you leave your desk.");
        assert_string_equal(n.icon, "system-lock-screen");
        assert_int_equal(n.urgency, URGENCY_CRITICAL);
        notice_done(&n);
        assert_int_equal(notice_format(NOTICE_SCREENLOCK_RESTORED, 2, NULL, &n), 0);
        assert_string_equal(n.summary, "Screen lock setting restored 2 times");
        notice_done(&n);

        assert_int_equal(notice_format(NOTICE_BROWSER_RESTORED, 1, NULL, &n), 0);
        assert_string_equal(n.summary, "Browser setting restored");
        assert_string_equal(n.body, "The browser setting that stops it from saving passwords had been "
                                    "changed, so it was set back (library security policy, 詳細編 6.5(7)). "
                                    "You need not do anything; please do not save passwords in the browser.");
        assert_int_equal(n.urgency, URGENCY_CRITICAL);
        notice_done(&n);

        assert_int_equal(notice_format(NOTICE_RULE_FAIL, 1, &rule, &n), 0);
        assert_string_equal(n.summary, "Please fix: No passwords are saved on the terminal");
        assert_string_equal(n.body, "Your account does not meet the library security policy (詳細編 6.5(7)). "
                                    "Open the list of passwords saved in your browser and delete them.");
        assert_string_equal(n.icon, "dialog-password");
        assert_int_equal(n.urgency, URGENCY_NORMAL);
        notice_done(&n);

        assert_int_equal(notice_format(NOTICE_RULE_FAIL, 1, NULL, &n), -EINVAL);
        assert_int_equal(notice_format(NOTICE_NONE, 1, NULL, &n), -EINVAL);
        assert_int_equal(notice_format(_NOTICE_CLASS_MAX, 1, NULL, &n), -EINVAL);
}

static void test_evidence_names_user(void **state) {
        char *idle[] = { "user:taro: idle delay 1800 s, at most 600 s", NULL };
        char *two[] = { "user:hanako: 3 saved logins", "firefox: user:taro, 2 saved logins", NULL };
        char *longer[] = { "user:taroko: 1 saved login", NULL };
        char *inside[] = { "superuser:taro: x", "user:taro_x: y", "user:taro.bak: z", NULL };
        char *end[] = { "saved logins of user:taro", NULL };
        char *sentence[] = { "found for user:taro.", NULL };
        char *path[] = { "/home/taro/.netrc: 1 entry", NULL };

        assert_true(evidence_names_user(idle, "taro"));
        assert_false(evidence_names_user(idle, "hanako"));
        assert_true(evidence_names_user(two, "taro"));
        assert_true(evidence_names_user(two, "hanako"));
        assert_false(evidence_names_user(longer, "taro"));
        assert_true(evidence_names_user(longer, "taroko"));
        assert_false(evidence_names_user(inside, "taro"));
        assert_true(evidence_names_user(end, "taro"));
        assert_true(evidence_names_user(sentence, "taro"));
        /* Only the "user:" form counts: a home path is no statement about whose. */
        assert_false(evidence_names_user(path, "taro"));
        assert_false(evidence_names_user(NULL, "taro"));
        assert_false(evidence_names_user(idle, ""));
        assert_false(evidence_names_user(idle, NULL));
}

static void test_advice_english(void **state) {
        set_english();
        assert_string_equal(rule_advice("credentials.no-saved-passwords"),
                            "Open the list of passwords saved in your browser and delete them.");
        assert_string_equal(rule_advice("credentials.browser-policy"), "Ask the system administrator how to fix it.");
        assert_string_equal(rule_advice("screenlock.idle-lock"),
                            "Until it is fixed, lock the screen yourself whenever you leave your desk, and "
                            "tell the system administrator.");
        assert_string_equal(rule_advice("accounts.empty-passwords"),
                            "Ask the system administrator to check your account.");
        assert_string_equal(rule_advice("usb.enforcing"), "Tell the system administrator.");
        assert_string_equal(rule_advice(NULL), "Tell the system administrator.");
}

static void test_locale_is_ja(void **state) {
        assert_true(locale_is_ja("ja_JP.UTF-8"));
        assert_true(locale_is_ja("ja_JP.eucJP"));
        assert_true(locale_is_ja("ja"));
        assert_true(locale_is_ja("ja.UTF-8"));
        assert_false(locale_is_ja("jam"));
        assert_false(locale_is_ja("C.UTF-8"));
        assert_false(locale_is_ja("en_US.UTF-8"));
        assert_false(locale_is_ja("C"));
        assert_false(locale_is_ja(NULL));

        set_english();
        assert_string_equal(rule_title("端末にパスワードが保存されていないこと", "No passwords are saved"),
                            "No passwords are saved");
        assert_string_equal(rule_title("日本語だけ", ""), "日本語だけ");
        assert_string_equal(rule_title(NULL, NULL), "");
}

static void test_tray_english(void **state) {
        char *title = NULL, *text = NULL;

        set_english();
        assert_int_equal(tray_tooltip(true, 83, 0, &title, &text), 0);
        assert_string_equal(title, "Security check: score 83 of 100");
        assert_string_equal(text, "Nothing for you to do.");
        free(title);
        free(text);
        assert_int_equal(tray_tooltip(true, -1, 1, &title, &text), 0);
        assert_string_equal(title, "Security check: no score yet");
        assert_string_equal(text, "1 item needs your attention; see the menu.");
        free(title);
        free(text);
        assert_int_equal(tray_tooltip(true, 100, 2, &title, &text), 0);
        assert_string_equal(text, "2 items need your attention; see the menu.");
        free(title);
        free(text);
        assert_int_equal(tray_tooltip(false, 100, 2, &title, &text), 0);
        assert_string_equal(title, "Security check: not running");
        assert_string_equal(text, "The security check of this computer is not running. If this lasts, tell "
                                  "the system administrator.");
        free(title);
        free(text);

        assert_string_equal(tray_icon_name(true, 100, 0), "security-high");
        assert_string_equal(tray_icon_name(true, -1, 0), "security-high");
        assert_string_equal(tray_icon_name(true, 83, 0), "security-medium");
        assert_string_equal(tray_icon_name(true, 100, 1), "security-low");
        assert_string_equal(tray_icon_name(false, 100, 0), "security-low");
        assert_string_equal(tray_status(true, 0), "Active");
        assert_string_equal(tray_status(true, 1), "NeedsAttention");
        assert_string_equal(tray_status(false, 1), "Active");
}

/* Japanese needs the built catalog and a ja_JP.UTF-8 locale; make
 * check-notify provides both (LOCPATH), a plain check-unit may not. */
static int japanese_setup(void **state) {
        const char *build = getenv("MAMORI_BUILD");
        char dir[4096];

        unsetenv("LANGUAGE");
        if (!build || !setlocale(LC_ALL, "ja_JP.UTF-8"))
                return 0;
        snprintf(dir, sizeof dir, "%s/locale", build);
        bindtextdomain(NOTIFY_DOMAIN, dir);
        bind_textdomain_codeset(NOTIFY_DOMAIN, "UTF-8");
        *state = (void *) 1;
        return 0;
}

static int japanese_teardown(void **state) {
        setlocale(LC_ALL, "C");
        return 0;
}

static void test_format_japanese(void **state) {
        NoticeRule rule = { "credentials.no-saved-passwords", "端末にパスワードが保存されていないこと",
                            "詳細編 6.5(7)" };
        char *title = NULL, *text = NULL;
        Notice n;

        if (!*state)
                skip();
        assert_true(notify_language_is_ja());
        assert_int_equal(notice_format(NOTICE_USB_BLOCKED, 1, NULL, &n), 0);
        assert_string_equal(n.summary, "USB 記録媒体を使用できないようにしました");
        assert_string_equal(n.body, "この USB 記録媒体は登録されていないため、使用できないようにしました"
                                    "（情報セキュリティ対策基準 詳細編 2.2(3)②）。業務で必要な場合は、"
                                    "情報システム管理者に登録を依頼してください。");
        notice_done(&n);
        assert_int_equal(notice_format(NOTICE_USB_BLOCKED, 3, NULL, &n), 0);
        assert_string_equal(n.summary, "USB 記録媒体 3 件を使用できないようにしました");
        notice_done(&n);
        assert_int_equal(notice_format(NOTICE_SCREENLOCK_RESTORED, 1, NULL, &n), 0);
        assert_string_equal(n.summary, "画面ロックの設定を元に戻しました");
        assert_string_equal(n.body, "操作のないときに画面をロックする設定が変更されていたため、元に戻しました"
                                    "（情報セキュリティ対策基準 詳細編 2.2(2)④）。操作は必要ありません。"
                                    "席を離れるときは画面をロックしてください。");
        notice_done(&n);
        assert_int_equal(notice_format(NOTICE_BROWSER_RESTORED, 2, NULL, &n), 0);
        assert_string_equal(n.summary, "ブラウザーの設定を元に戻しました（2 回）");
        notice_done(&n);
        assert_int_equal(notice_format(NOTICE_RULE_FAIL, 1, &rule, &n), 0);
        assert_string_equal(n.summary, "対応をお願いします: 端末にパスワードが保存されていないこと");
        assert_string_equal(n.body, "あなたのアカウントに、情報セキュリティ対策基準（詳細編 6.5(7)）に沿って"
                                    "いない点があります。ブラウザーに保存されているパスワードの一覧を開き、"
                                    "削除してください。");
        notice_done(&n);

        assert_string_equal(rule_title("端末にパスワードが保存されていないこと", "No passwords are saved"),
                            "端末にパスワードが保存されていないこと");
        assert_string_equal(rule_title("", "English only"), "English only");
        assert_int_equal(tray_tooltip(true, 83, 1, &title, &text), 0);
        assert_string_equal(title, "セキュリティ点検: 83 点（100 点満点）");
        assert_string_equal(text, "あなたが対応する項目が 1 件あります。メニューを確認してください。");
        free(title);
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_counts_subjects),
                cmocka_unit_test(test_group_key),
                cmocka_unit_test(test_format_english),
                cmocka_unit_test(test_evidence_names_user),
                cmocka_unit_test(test_advice_english),
                cmocka_unit_test(test_locale_is_ja),
                cmocka_unit_test(test_tray_english),
                cmocka_unit_test_setup_teardown(test_format_japanese, japanese_setup, japanese_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
