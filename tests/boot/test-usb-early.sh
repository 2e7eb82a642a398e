#!/bin/bash
# mamori-usb-early on a fake sysfs built from the devices QEMU emulates
# (tests/fixtures/usb/qemu-devices.txt, read from a real guest's sysfs):
# keyboards and hubs are authorised, everything else is left for mamorid.
. "$(dirname "$0")/../integration/lib.sh"
HELPER="$BUILD/mamori-usb-early"
FIX="$SRC/tests/fixtures/usb/qemu-devices.txt"
ROOT="$TMP/root"
DEVS="$ROOT/sys/bus/usb/devices"

[ -x "$HELPER" ] || { not_ok "no $HELPER (make $HELPER)"; finish; exit; }

# The fixture's blocks as sysfs directories; descriptors in binary.
fake_sysfs() {
        rm -rf "$ROOT"; mkdir -p "$DEVS"
        local name="" key val
        while IFS= read -r line; do
                case "$line" in
                "#"*) continue ;;
                "== "*) name=$(echo "$line" | cut -d' ' -f2); mkdir -p "$DEVS/$name"; continue ;;
                esac
                key=${line%%=*} val=${line#*=}
                if [ "$key" = descriptors ]; then
                        printf '%s' "$val" | xxd -r -p > "$DEVS/$name/$key"
                else
                        printf '%s\n' "$val" > "$DEVS/$name/$key"
                fi
        done < "$FIX"
}
# fake_device NAME HEX: one more unauthorised device
fake_device() {
        mkdir -p "$DEVS/$1"
        echo 0 > "$DEVS/$1/authorized"
        echo abcd > "$DEVS/$1/idVendor"; echo 1234 > "$DEVS/$1/idProduct"
        printf '%s' "$2" | xxd -r -p > "$DEVS/$1/descriptors"
}
auth() { cat "$DEVS/$1/authorized"; }

fake_sysfs
# A keyboard that also offers a storage interface (a "composite" device).
fake_device 3-1 120100020000004027060100000001040b010902290002010800320904000001030101000904010002080650000705810308000a
# Truncated: the configuration claims an interface that is not there.
fake_device 3-2 120100020000004027060100000001040b0109022200010108a0320904
# Two configurations announced, one present.
fake_device 3-3 120100020000004027060100000001040b0209022200010108a032090400000103010100092111010001223f0007058103080007
# No interface at all.
fake_device 3-4 120100020000004027060100000001040b0109020900000108a032
# An interface descriptor shorter than 9 bytes.
fake_device 3-5 120100020000004027060100000001040b0109021000010108a03207040000010301

out=$("$HELPER" --root "$ROOT" --dry-run 2>&1); rc=$?
assert_eq "dry run: exit 0" 0 "$rc"
assert_eq "dry run: nothing written" "0 0" "$(auth 1-1) $(auth 1-2)"
assert_contains "dry run: says what it would do" "1-2 0627:0001: keyboard or hub, would be authorised" "$out"

out=$("$HELPER" --root "$ROOT" 2>&1); rc=$?
assert_eq "exit 0" 0 "$rc"
assert_eq "usb-hub authorised" 1 "$(auth 1-1)"
assert_eq "usb-kbd authorised" 1 "$(auth 1-2)"
assert_eq "usb-net (CDC ECM / RNDIS) left unauthorised" 0 "$(auth 1-4)"
assert_eq "usb-storage left unauthorised" 0 "$(auth 2-3)"
assert_eq "keyboard with a storage interface left unauthorised" 0 "$(auth 3-1)"
assert_eq "truncated descriptors: left unauthorised" 0 "$(auth 3-2)"
assert_eq "a configuration missing: left unauthorised" 0 "$(auth 3-3)"
assert_eq "no interface: left unauthorised" 0 "$(auth 3-4)"
assert_eq "short interface descriptor: left unauthorised" 0 "$(auth 3-5)"
assert_eq "root hubs untouched" "1 1" "$(auth usb1) $(auth usb2)"
assert_contains "the log names the storage interface class" "2-3 46f4:0001: interface class 08, left unauthorised" "$out"
assert_contains "the log names the network class" "1-4 0525:a4a2: interface class 02" "$out"
assert_contains "the log says the hub is a hub" "1-1 0409:55aa: hub, authorised" "$out"

# One device by its sysfs path (udev's %S%p) and by its name.
fake_sysfs
"$HELPER" --root "$ROOT" /sys/bus/usb/devices/1-2 >/dev/null 2>&1
assert_eq "by path: the keyboard" 1 "$(auth 1-2)"
assert_eq "by path: the hub not touched" 0 "$(auth 1-1)"
"$HELPER" --root "$ROOT" 2-3 1-1 >/dev/null 2>&1
assert_eq "by name: storage refused, hub authorised" "0 1" "$(auth 2-3) $(auth 1-1)"
"$HELPER" --root "$ROOT" 1-2:1.0 >/dev/null 2>&1; rc=$?
assert_eq "an interface name is ignored" 0 "$rc"

# A device without descriptors: reported, exit status 1, nothing written.
fake_sysfs
rm "$DEVS/1-2/descriptors"
out=$("$HELPER" --root "$ROOT" 2>&1); rc=$?
assert_eq "unreadable descriptors: exit 1" 1 "$rc"
assert_eq "unreadable descriptors: left unauthorised" 0 "$(auth 1-2)"
assert_eq "the others still decided" 1 "$(auth 1-1)"

# No USB at all (no sysfs bus): nothing to do.
rm -rf "$ROOT/sys"
"$HELPER" --root "$ROOT" >/dev/null 2>&1; rc=$?
assert_eq "no USB bus: exit 0" 0 "$rc"
"$HELPER" --bogus >/dev/null 2>&1; rc=$?
assert_eq "unknown option: exit 2" 2 "$rc"
finish
