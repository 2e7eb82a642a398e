#!/bin/bash
# mamori-notify on a real desktop stack: Xvfb, a private session bus, dunst
# as the notification server, and a tray (tests/helpers/fake-sni-watcher)
# on it; the real mamorid on a private "system" bus, with the real usb
# plugin deciding on a fake sysfs (the QEMU storage stick of
# tests/fixtures/usb/qemu-devices.txt, unregistered) and a stand-in for the
# credentials plugin (tests/plugins/notify-test.c). mamori-notify runs as
# an unprivileged user, as in a staff session.
#
# Checks: a blocked stick gives a Japanese notice under ja_JP.UTF-8 and an
# English one under C.UTF-8 (read back from dunst's history, and
# screenshots saved under $MAMORI_BUILD/notify/); repeated events make one
# counted notice; a failing rule of this user makes a notice and lists in
# the tray menu, another's does not; a forged signal is not shown; after the
# agent restarts, and after the system bus itself does, the next event
# still arrives.
. "$(dirname "$0")/../integration/lib.sh"

NOTIFY="$BUILD/mamori-notify"
WATCHER="$BUILD/tests/helpers/fake-sni-watcher"
SHOTS="$BUILD/notify"
LOCALES="$BUILD/notify/locpath"
FIXTURE="$SRC/tests/fixtures/usb/qemu-devices.txt"
STAFF=nobody

for tool in Xvfb dunst dunstctl dbus-send import jq localedef setpriv; do
        command -v "$tool" >/dev/null || { not_ok "$tool is missing (packaging/install-deps.sh notify)"; finish; exit; }
done
mkdir -p "$SHOTS"
chmod 0755 "$TMP"

# The Japanese locale, compiled into the build folder (LOCPATH), not into
# the system.
if [ ! -f "$LOCALES/ja_JP.UTF-8/LC_CTYPE" ]; then
        mkdir -p "$LOCALES"
        localedef -i ja_JP -f UTF-8 "$LOCALES/ja_JP.UTF-8" >/dev/null 2>&1
fi
[ -f "$LOCALES/ja_JP.UTF-8/LC_CTYPE" ] || { not_ok "cannot build the ja_JP.UTF-8 locale"; finish; exit; }

wait_for() { # seconds command...
        local n=$(($1 * 10)); shift
        for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
        return 1
}

# --- the fake machine: one xHCI root hub and the unregistered QEMU stick ---
root="$TMP/root"
mkdir -p "$root/sys/bus/usb/devices" "$root/etc/mamori"
add_device() { # name: copies the fixture's block for it into sysfs
        awk -v want="$1" '/^== /{on = ($2 == want); if (on) print "LINK " $3; next} on && !/^#/' "$FIXTURE" |
        while IFS= read -r line; do
                case "$line" in
                LINK\ *)
                        link=${line#LINK }
                        dir="$root/sys/bus/usb/devices/$link"
                        mkdir -p "$dir"
                        ln -s "$link" "$root/sys/bus/usb/devices/$1" ;;
                descriptors=*)
                        hex=${line#descriptors=}
                        printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" > "$dir/descriptors" ;;
                *=*)
                        printf '%s\n' "${line#*=}" > "$dir/${line%%=*}" ;;
                esac
        done
}
add_device usb2
add_device 2-3
[ -f "$root/sys/devices/pci0000:00/0000:00:04.0/usb2/2-3/descriptors" ] ||
        { not_ok "fake sysfs from $FIXTURE"; finish; exit; }

mkdir -p "$TMP/rules" "$TMP/state"
cat > "$TMP/rules/notify.yaml" <<X
rules:
  - id: usb.enforcing
    title: { ja: 新しく接続された USB 機器は許可されるまで使用できないこと, en: New USB devices stay unusable until allowed }
    clause: 詳細編 7.1(14)①③④ 2.2(3)②
    severity: critical
    check: usb.enforcing
    params: { rule-file: /etc/mamori/usb.rules }
    enforce: true
  - id: credentials.no-saved-passwords
    title: { ja: 端末にパスワードが保存されていないこと, en: No passwords are saved on the terminal }
    clause: 詳細編 6.5(7)
    severity: medium
    check: credentials.fixed
    params: { status: pass, evidence: ["user:$STAFF: firefox profile default: 2 saved logins"] }
  - id: credentials.browser-policy
    title: { ja: ブラウザーがパスワードの保存を勧めないこと, en: Browsers do not offer to save passwords }
    clause: 詳細編 6.5(7) 7.2(6)②
    severity: low
    check: credentials.fixed
    params: { status: fail, evidence: ["/etc/firefox/policies/policies.json: PasswordManagerEnabled is not false"] }
X
make_plugin_dir "$TMP/plugins" "$BUILD/plugins/usb.so" "$BUILD/tests/notify-plugins/credentials.so"

start_bus || { not_ok "private system bus"; finish; exit; }
sysbus=$!
start_agent() {
        "$MAMORID" --foreground --root "$root" --rules "$TMP/rules" --state "$TMP/state" \
                --plugins "$TMP/plugins" --config "$TMP/empty.conf" --bus "$BUS" --report "" \
                2>>"$TMP/agent.log" &
        agent=$!; PIDS="$PIDS $agent"
        wait_agent
}
ctl() { "$MAMORICTL" --bus "$BUS" "$@"; }
start_agent || { not_ok "agent did not come up: $(cat "$TMP/agent.log")"; finish; exit; }
assert_contains "the agent blocks the stick on the fake sysfs" "usb.notice" "$(ctl events)"

# --- the desktop: Xvfb, a session bus, dunst, a tray ----------------------
exec 3>"$TMP/display"
Xvfb -displayfd 3 -screen 0 1024x600x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
PIDS="$PIDS $!"
exec 3>&-
wait_for 10 test -s "$TMP/display" || { not_ok "Xvfb did not start: $(cat "$TMP/xvfb.log")"; finish; exit; }
export DISPLAY=":$(head -n 1 "$TMP/display")"

# No service directories: nothing is started behind the test's back.
cat > "$TMP/session.conf" <<X
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$TMP/session.socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
X
dbus-daemon --config-file="$TMP/session.conf" --nofork --nopidfile >"$TMP/session.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 test -S "$TMP/session.socket" || { not_ok "session bus"; finish; exit; }
export DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/session.socket"

# dunst, told to keep every notice on screen until the test closes it (then
# it is in the history, which is what dunstctl can read back).
cat > "$TMP/dunstrc" <<'X'
[global]
    font = "IPAGothic 13"
    width = 560
    height = 300
    origin = top-right
    offset = 16x16
    notification_limit = 6
    frame_width = 2
    frame_color = "#444444"
    padding = 12
    horizontal_padding = 12
    markup = full
    format = "<b>%s</b>\n%b\n<small>%a</small>"
    icon_position = off
    history_length = 100
    show_age_threshold = -1
[urgency_low]
    background = "#eeeeee"
    foreground = "#222222"
    timeout = 0
[urgency_normal]
    background = "#fff4cc"
    foreground = "#222222"
    timeout = 0
[urgency_critical]
    background = "#8b1a1a"
    foreground = "#ffffff"
    frame_color = "#ffffff"
    timeout = 0
X
dunst -config "$TMP/dunstrc" >"$TMP/dunst.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 dunstctl is-paused || { not_ok "dunst did not start: $(cat "$TMP/dunst.log")"; finish; exit; }

"$WATCHER" watch "$DBUS_SESSION_BUS_ADDRESS" >"$TMP/watcher.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 grep -q ready "$TMP/watcher.log" || { not_ok "tray watcher"; finish; exit; }

# What went to the notification server, hints included (dunst's history
# keeps no urgency).
dbus-monitor --address "$DBUS_SESSION_BUS_ADDRESS" \
        "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" \
        >"$TMP/monitor.log" 2>&1 &
PIDS="$PIDS $!"
sleep 0.3

# --- helpers on the notifier -------------------------------------------------
start_notify() { # LANG [extra env...]
        local lang=$1; shift
        setpriv --reuid="$STAFF" --regid="$(id -g "$STAFF")" --clear-groups \
                env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG="$lang" "$@" \
                MAMORI_NOTIFY_LOCALEDIR="$BUILD/locale" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" \
                "$NOTIFY" --bus "$BUS" --verbose >>"$TMP/notify.log" 2>&1 &
        notify=$!; PIDS="$PIDS $notify"
}
stop_notify() { kill -TERM "$notify" 2>/dev/null; wait "$notify"; notify_rc=$?; }
sni() { sed -n 's/^registered \([^ ]*\) from .*/\1/p' "$TMP/watcher.log" | tail -n 1; }
dump() { "$WATCHER" dump "$DBUS_SESSION_BUS_ADDRESS" "$(sni)"; }
displayed() { dunstctl count displayed; }
displayed_at_least() { [ "$(displayed)" -ge "$1" ]; }
# The newest notice in dunst's history (after close-all), as "FIELD" values.
newest() { dunstctl history | jq -r ".data[0][0].$1.data"; }
history_all() { dunstctl history | jq -r '.data[0][] | .summary.data + " | " + .body.data'; }
# The urgency byte and icon of the last Notify call whose summary was $1.
notify_hint() { # summary urgency|icon
        awk -v want="string \"$1\"" -v what="$2" '
                /^method call/ { n = 0; found = 0; urgent = "" ; next }
                { n++ }
                n == 3 { icon = $0 }
                index($0, want) && n == 4 { found = 1 }
                prev ~ /string "urgency"/ { urgent = $NF }
                { prev = $0 }
                found && urgent != "" { u = urgent; i = icon; found = 0 }
                END { if (what == "urgency") print u; else { sub(/^ *string "/, "", i); sub(/"$/, "", i); print i } }
        ' "$TMP/monitor.log"
}
shot() { sleep 0.7; import -window root "$SHOTS/$1" 2>>"$TMP/import.log"; }
registrations() { grep -c '^registered ' "$TMP/watcher.log"; }
registered_more_than() { [ "$(registrations)" -gt "$1" ]; }
seen_at_least() { [ "$(grep -c "$1" "$TMP/notify.log")" -ge "$2" ]; } # pattern count

# --- Japanese ------------------------------------------------------------------
start_notify ja_JP.UTF-8 LOCPATH="$LOCALES"
wait_for 10 grep -q '^registered ' "$TMP/watcher.log" || { not_ok "no tray registration: $(cat "$TMP/notify.log")"; finish; exit; }
ok "the tray item registered with the watcher as $(sni)"
assert_contains "the item owns its name as the protocol says" "org.kde.StatusNotifierItem-$notify-1" "$(sni)"
wait_for 10 grep -q "agent is on the bus" "$TMP/notify.log"
sleep 0.5

out=$(dump)
assert_contains "tray: Category" "Category=SystemServices" "$out"
assert_contains "tray: Id" "Id=mamori" "$out"
assert_contains "tray: nothing to fix: Active" "Status=Active" "$out"
assert_contains "tray: tooltip gives the score, in Japanese" "ToolTip.title=セキュリティ点検: " "$out"
assert_contains "tray: menu says there is nothing to do" "disabled あなたが対応する項目はありません。" "$out"
assert_contains "tray: menu object" "Menu=/MenuBar" "$out"
score=$(ctl --json score | jq -r .score)
assert_contains "tray: the tooltip's score is the agent's" "ToolTip.title=セキュリティ点検: $score 点（100 点満点）" "$out"
assert_eq "no notice for what happened before the session" 0 "$(displayed)"

# A signal of the agent's shape from someone else is not shown.
dbus-send --bus="$BUS" --type=signal /org/mamori/Agent1 org.mamori.Agent1.EventAdded \
        uint64:99999 uint64:$(($(date +%s) * 1000000)) string:usb.notice string:usb:0000:0000:x string:forged
sleep 1
assert_eq "a forged EventAdded is not shown" 0 "$(displayed)"
assert_not_contains "a forged EventAdded is not even read" "Event 99999" "$(cat "$TMP/notify.log")"

ctl usb rescan >/dev/null
wait_for 10 displayed_at_least 1 || not_ok "no notice after the stick was blocked: $(tail -n 5 "$TMP/notify.log")"
assert_eq "usb.blocked and usb.notice of one stick make one notice" 1 "$(displayed)"
shot usb-ja.png
dunstctl close-all
assert_eq "ja: summary" "USB 記録媒体を使用できないようにしました" "$(newest summary)"
assert_eq "ja: body says what, which clause, what to do" \
        "この USB 記録媒体は登録されていないため、使用できないようにしました（情報セキュリティ対策基準 詳細編 2.2(3)②）。業務で必要な場合は、情報システム管理者に登録を依頼してください。" \
        "$(newest body)"
assert_eq "app name" mamori "$(newest appname)"
assert_eq "a blocked medium is critical (urgency 2)" 2 "$(notify_hint "USB 記録媒体を使用できないようにしました" urgency)"
assert_eq "with an icon" drive-removable-media "$(notify_hint "USB 記録媒体を使用できないようにしました" icon)"
[ -s "$SHOTS/usb-ja.png" ] && ok "screenshot $SHOTS/usb-ja.png" || not_ok "screenshot usb-ja.png: $(cat "$TMP/import.log")"

# Three more within the window: one notice, counted (with the first: 4).
ctl usb rescan >/dev/null; ctl usb rescan >/dev/null; ctl usb rescan >/dev/null
wait_for 10 displayed_at_least 1 || not_ok "no grouped notice"
sleep 2.5
assert_eq "a burst makes one notice" 1 "$(displayed)"
shot usb-grouped-ja.png
dunstctl close-all
assert_eq "ja: grouped summary counts the media" "USB 記録媒体 4 件を使用できないようにしました" "$(newest summary)"
assert_contains "ja: grouped body" "登録されていない USB 記録媒体は使用できません" "$(newest body)"

# A rule this user fixes: a notice, and the menu lists it with what to do.
ctl credentials set-status fail >/dev/null
wait_for 10 displayed_at_least 1 || not_ok "no notice for the failing rule: $(tail -n 5 "$TMP/notify.log")"
shot rule-ja.png
out=$(dump)
dunstctl close-all
assert_eq "ja: rule notice summary (the rule's Japanese title)" \
        "対応をお願いします: 端末にパスワードが保存されていないこと" "$(newest summary)"
assert_eq "ja: rule notice body" \
        "あなたのアカウントに、情報セキュリティ対策基準（詳細編 6.5(7)）に沿っていない点があります。ブラウザーに保存されているパスワードの一覧を開き、削除してください。" \
        "$(newest body)"
assert_eq "a rule to fix is a normal notice (urgency 1)" 1 "$(notify_hint "対応をお願いします: 端末にパスワードが保存されていないこと" urgency)"
assert_not_contains "another rule's failure is not this user's notice" "ブラウザーがパスワード" "$(history_all)"
assert_contains "tray: NeedsAttention" "Status=NeedsAttention" "$out"
assert_contains "tray: icon" "IconName=security-low" "$out"
assert_contains "tray: tooltip counts the user's items" "ToolTip.text=あなたが対応する項目が 1 件あります。" "$out"
assert_contains "menu: the rule's title" "enabled 端末にパスワードが保存されていないこと" "$out"
assert_contains "menu: what to do" "disabled → ブラウザーに保存されているパスワードの一覧を開き、削除してください。" "$out"
assert_not_contains "menu: not the administrator's rule" "ブラウザーがパスワード" "$out"
item=$(printf '%s\n' "$out" | sed -n 's/^menu \([0-9]*\) enabled 端末に.*/\1/p')
"$WATCHER" click "$DBUS_SESSION_BUS_ADDRESS" "$(sni)" "$item"
wait_for 10 displayed_at_least 1 && ok "a click on the menu item shows the notice again" ||
        not_ok "menu click showed nothing"
dunstctl close-all

# --- the agent restarts --------------------------------------------------------
before=$(grep -c 'usb.notice' "$TMP/notify.log")
kill -TERM "$agent"; wait "$agent"
wait_for 10 grep -q "agent left the bus" "$TMP/notify.log" && ok "the notifier saw the agent go" ||
        not_ok "agent's departure not seen"
out=$(dump)
assert_contains "tray: says the check is not running" "ToolTip.title=セキュリティ点検: 停止中" "$out"
start_agent || { not_ok "agent did not come back: $(tail -n 5 "$TMP/agent.log")"; finish; exit; }
wait_for 10 seen_at_least 'agent is on the bus' 2 && ok "the notifier saw the agent come back" ||
        not_ok "agent's return not seen"
wait_for 10 seen_at_least 'usb.notice' $((before + 1)) &&
        ok "what the agent logged before taking its bus name is read from its log" ||
        not_ok "the agent's start-up events were missed"
ctl credentials emit enforced /etc/firefox/policies/policies.json "PasswordManagerEnabled set back to false" >/dev/null
wait_for 10 sh -c 'dunstctl close-all; dunstctl history | grep -q ブラウザーの設定を元に戻しました' &&
        ok "after the restart the next event still arrives" ||
        not_ok "no notice after the restart: $(history_all | head -n 3)"
out=$(dump)
assert_contains "after the restart the menu is read again" "enabled 端末にパスワードが保存されていないこと" "$out"
stop_notify
assert_eq "it exits cleanly on SIGTERM" 0 "$notify_rc"
dunstctl close-all

# --- English ---------------------------------------------------------------------
n_reg=$(registrations)
start_notify C.UTF-8
wait_for 10 registered_more_than "$n_reg" || not_ok "no tray registration in English"
wait_for 10 seen_at_least 'agent is on the bus' 3
sleep 0.5
ctl usb rescan >/dev/null
wait_for 10 displayed_at_least 1 || not_ok "no English notice: $(tail -n 5 "$TMP/notify.log")"
shot usb-en.png
out=$(dump)
dunstctl close-all
assert_eq "en: summary" "USB storage medium blocked" "$(newest summary)"
assert_eq "en: body" \
        "This USB storage medium is not registered, so it cannot be used (library security policy, 詳細編 2.2(3)②). If you need it for your work, ask the system administrator to register it." \
        "$(newest body)"
[ -s "$SHOTS/usb-en.png" ] && ok "screenshot $SHOTS/usb-en.png" || not_ok "screenshot usb-en.png"
assert_contains "en: tooltip" "ToolTip.title=Security check: score $(ctl --json score | jq -r .score) of 100" "$out"
assert_contains "en: menu title" "enabled No passwords are saved on the terminal" "$out"
assert_contains "en: menu advice" "disabled → Open the list of passwords saved in your browser and delete them." "$out"

# --- the system bus itself goes and comes back ------------------------------------
kill -TERM "$agent"; wait "$agent"
kill -TERM "$sysbus"; wait "$sysbus" 2>/dev/null
rm -f "$TMP/bus.socket"
wait_for 10 grep -q "Lost the connection" "$TMP/notify.log" && ok "the notifier saw the system bus go" ||
        not_ok "loss of the system bus not seen"
start_bus || { not_ok "private system bus again"; finish; exit; }
start_agent || { not_ok "agent on the new bus: $(tail -n 5 "$TMP/agent.log")"; finish; exit; }
wait_for 15 seen_at_least 'agent is on the bus' 4 && ok "connected again to the new system bus" ||
        not_ok "no reconnection: $(tail -n 5 "$TMP/notify.log")"
dunstctl close-all
ctl credentials emit enforced /etc/firefox/policies/policies.json "PasswordManagerEnabled set back to false" >/dev/null
wait_for 10 displayed_at_least 1 || not_ok "no notice after reconnecting"
dunstctl close-all
assert_eq "en: the restoration notice, after reconnecting" "Browser setting restored" "$(newest summary)"
assert_eq "en: its body" \
        "The browser setting that stops it from saving passwords had been changed, so it was set back (library security policy, 詳細編 6.5(7)). You need not do anything; please do not save passwords in the browser." \
        "$(newest body)"
assert_eq "a restored setting is critical" 2 "$(notify_hint "Browser setting restored" urgency)"
stop_notify
assert_eq "it exits cleanly on SIGTERM, in English too" 0 "$notify_rc"
# Under SANITIZE=1 a report would be in its log (and the exit status).
assert_not_contains "no sanitizer report" "Sanitizer" "$(cat "$TMP/notify.log")"
assert_not_contains "no undefined behaviour" "runtime error" "$(cat "$TMP/notify.log")"

kill -TERM "$agent"; wait "$agent"
finish
