#!/bin/bash
# The screen lock enforced on a real desktop stack: `mamorid --once` with
# the shipped screenlock rules (enforce: true) on the REAL root /, then a
# real staff user, under Xvfb with a real session D-Bus and the dconf
# service, asks GSettings for the settings and tries to change them.
#
# What it touches on this machine, and how it puts it back:
#   - /etc/dconf: copied aside first and restored exactly at exit (the
#     whole tree; removed again when there was none);
#   - a staff account mamori-staff-PID made with `useradd -m` and removed
#     with `userdel -r` at exit.
# It runs as root (CI does); as another user it reports nothing and says
# why. It can run twice in a row: every run starts from the restored state.
. "$(dirname "$0")/lib.sh"

NAME=test-screenlock-desktop
STAFF=mamori-staff-$$
XPID=""
HAD_DCONF=0

restore() {
        [ -n "$XPID" ] && kill "$XPID" 2>/dev/null
        # dbus-run-session ended the user's bus and with it the dconf
        # service; -f all the same, so that a straggler cannot keep the
        # account around for the next run.
        id "$STAFF" >/dev/null 2>&1 && userdel -r -f "$STAFF" >/dev/null 2>&1
        if [ -d "$TMP/dconf-backup" ]; then
                rm -rf /etc/dconf
                [ "$HAD_DCONF" = 1 ] && cp -a "$TMP/dconf-backup/dconf" /etc/dconf
        fi
        cleanup
}
trap restore EXIT

if [ "$(id -u)" != 0 ]; then
        echo "  skipped: needs root (it enforces on the real /etc/dconf and adds a user)"
        finish
        exit
fi
if ! "$SRC/packaging/install-deps.sh" desktop >"$TMP/deps.log" 2>&1; then
        not_ok "packaging/install-deps.sh desktop: $(tail -n 3 "$TMP/deps.log")"
        finish
        exit
fi
for f in "$MAMORID" "$BUILD/plugins/screenlock.so"; do
        [ -e "$f" ] || { not_ok "$f is not built"; finish; exit; }
done

# --- put /etc/dconf aside --------------------------------------------------
mkdir -p "$TMP/dconf-backup"
if [ -e /etc/dconf ]; then
        HAD_DCONF=1
        cp -a /etc/dconf "$TMP/dconf-backup/dconf"
fi
# Start from what Debian ships: the databases' directory, no profile, no
# keyfiles, so that the enforcement has everything to do.
rm -rf /etc/dconf
mkdir -p /etc/dconf/db

# --- a staff account ----------------------------------------------------------------
useradd -m -s /bin/bash "$STAFF" || { not_ok "useradd $STAFF"; finish; exit; }
STAFF_HOME=$(getent passwd "$STAFF" | cut -d: -f6)
assert_eq "the staff account has a staff UID" yes \
        "$([ "$(id -u "$STAFF")" -ge 1000 ] && echo yes || echo no)"

# --- enforce with the shipped rules ---------------------------------------------
make_plugin_dir "$TMP/plugins" "$BUILD/plugins/screenlock.so"
mkdir -p "$TMP/rules" "$TMP/state"
cp "$SRC/rules/screenlock.yaml" "$TMP/rules/"

run_once() { # report
        "$MAMORID" --once --root / --rules "$TMP/rules" --state "$TMP/state" --plugins "$TMP/plugins" \
                --report "$1" --config "$TMP/empty.conf" --no-bus >"$TMP/once.out" 2>"$TMP/once.err"
}
run_once "$TMP/r1.json"
assert_eq "mamorid --once exits 0" 0 "$?"
status=$(jq -r '.rules[] | select(.id=="screenlock.idle-lock") | .status' "$TMP/r1.json" 2>/dev/null)
assert_eq "screenlock.idle-lock passes after enforcement" pass "$status"
[ "$status" = pass ] || jq -c '.rules[] | select(.id=="screenlock.idle-lock")' "$TMP/r1.json" 2>/dev/null

assert_eq "the user profile was created" "user-db:user
system-db:local" "$(cat /etc/dconf/profile/user 2>/dev/null)"
assert_contains "mamori's keyfile" "idle-delay=uint32 600" \
        "$(cat /etc/dconf/db/local.d/zz-mamori-screenlock 2>/dev/null)"
assert_contains "mamori's locks" "/org/gnome/desktop/session/idle-delay" \
        "$(cat /etc/dconf/db/local.d/locks/zz-mamori-screenlock 2>/dev/null)"
assert_eq "the compiled database starts with the GVDB signature" GVariant \
        "$(head -c 8 /etc/dconf/db/local 2>/dev/null)"
assert_eq "the database is readable by staff" 644 "$(stat -c %a /etc/dconf/db/local 2>/dev/null)"

# --- a desktop session: Xvfb, a session bus, the dconf service ----------------
for n in $(seq 90 120); do
        [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { DISPLAY_NUM=$n; break; }
done
Xvfb ":$DISPLAY_NUM" -nolisten tcp -screen 0 1024x768x24 >"$TMP/xvfb.log" 2>&1 &
XPID=$!
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.05; done
assert_eq "Xvfb is running" yes "$(kill -0 "$XPID" 2>/dev/null && echo yes || echo no)"

# Everything below runs as the staff user, in one session bus.
as_staff() { # script
        runuser -u "$STAFF" -- env -i HOME="$STAFF_HOME" USER="$STAFF" LOGNAME="$STAFF" \
                PATH=/usr/bin:/bin DISPLAY=":$DISPLAY_NUM" XDG_RUNTIME_DIR="$TMP/run-$STAFF" \
                dbus-run-session -- sh -c "$1" 2>&1
}
mkdir -p "$TMP/run-$STAFF"
chown "$STAFF" "$TMP/run-$STAFF"
chmod 0700 "$TMP/run-$STAFF"
# $TMP itself must let the user reach its runtime directory.
chmod 0711 "$TMP"

out=$(as_staff '
        echo "idle-delay=$(gsettings get org.gnome.desktop.session idle-delay)"
        echo "lock-enabled=$(gsettings get org.gnome.desktop.screensaver lock-enabled)"
        echo "lock-delay=$(gsettings get org.gnome.desktop.screensaver lock-delay)"
        echo "idle-activation=$(gsettings get org.gnome.desktop.screensaver idle-activation-enabled)"
        echo "disable-lock-screen=$(gsettings get org.gnome.desktop.lockdown disable-lock-screen)"
        echo "writable=$(gsettings writable org.gnome.desktop.session idle-delay)"
        gsettings set org.gnome.desktop.session idle-delay 3600; echo "set-rc=$?"
        gsettings set org.gnome.desktop.screensaver lock-enabled false; echo "set2-rc=$?"
        sleep 0.5
        echo "after-idle-delay=$(gsettings get org.gnome.desktop.session idle-delay)"
        echo "after-lock-enabled=$(gsettings get org.gnome.desktop.screensaver lock-enabled)"
        gsettings set org.gnome.desktop.interface clock-show-seconds true; echo "free-rc=$?"
        sleep 0.5
        echo "free=$(gsettings get org.gnome.desktop.interface clock-show-seconds)"
        echo "dump=$(dconf read /org/gnome/desktop/session/idle-delay)"
')
echo "$out" | sed 's/^/    staff: /'
line() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -n 1; }
assert_eq "gsettings get idle-delay (staff)" "uint32 600" "$(line idle-delay)"
assert_eq "gsettings get lock-enabled (staff)" true "$(line lock-enabled)"
assert_eq "gsettings get lock-delay (staff)" "uint32 0" "$(line lock-delay)"
assert_eq "gsettings get idle-activation-enabled (staff)" true "$(line idle-activation)"
assert_eq "gsettings get disable-lock-screen (staff)" false "$(line disable-lock-screen)"
assert_eq "idle-delay is not writable for staff" false "$(line writable)"
assert_eq "gsettings set idle-delay is refused" yes "$([ "$(line set-rc)" != 0 ] && echo yes || echo no)"
assert_eq "idle-delay unchanged after gsettings set" "uint32 600" "$(line after-idle-delay)"
assert_eq "lock-enabled unchanged after gsettings set" true "$(line after-lock-enabled)"
# A key mamori does not lock can be changed: the session bus and the
# dconf service work, so the refusals above are the locks.
assert_eq "an unlocked key can be set (control)" 0 "$(line free-rc)"
assert_eq "the unlocked key took the new value (control)" true "$(line free)"
assert_eq "dconf read agrees" "uint32 600" "$(line dump)"

# --- a second run changes nothing and still passes ----------------------------------
before=$(stat -c '%i %Y' /etc/dconf/db/local /etc/dconf/db/local.d/zz-mamori-screenlock)
sleep 1
run_once "$TMP/r2.json"
assert_eq "second mamorid --once exits 0" 0 "$?"
assert_eq "second run passes" pass \
        "$(jq -r '.rules[] | select(.id=="screenlock.idle-lock") | .status' "$TMP/r2.json" 2>/dev/null)"
assert_eq "second run rewrote nothing" "$before" \
        "$(stat -c '%i %Y' /etc/dconf/db/local /etc/dconf/db/local.d/zz-mamori-screenlock)"

finish
