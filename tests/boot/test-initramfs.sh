#!/bin/bash
# mamori-usb-early against a real kernel (the tests/vm harness: a Debian
# kernel, a busybox initramfs, usbcore with authorized_default=0): a
# keyboard behind a hub and a hot-plugged keyboard are authorised and bound
# to usbhid; a stick and a network adapter stay unauthorised. The booted
# test (test-booted.sh) runs the same helper from the package's real
# initramfs-tools hook.
. "$(dirname "$0")/../integration/lib.sh"
VM_DIR=${VM_DIR:-$BUILD/boot-initramfs}
mkdir -p "$VM_DIR"
. "$SRC/tests/vm/lib.sh"
HELPER="$BUILD/mamori-usb-early"
[ -x "$HELPER" ] || { not_ok "no $HELPER"; finish; exit; }

stage_helper() { # stage
        vm_add_binary "$1" "$HELPER" /usr/libexec/mamori/mamori-usb-early
}

vm_kernel || { not_ok "kernel"; finish; exit; }
vm_initramfs "$VM_DIR/initrd-early.gz" stage_helper
truncate -s 32M "$VM_DIR/stick.img"
# A keyboard behind a hub from power-on: the hub must be authorised before
# the keyboard even appears.
vm_start "$VM_DIR/initrd-early.gz" \
        -device usb-hub,bus=xhci.0,port=1,id=hub \
        -device usb-kbd,bus=xhci.0,port=1.1,id=kbd-hub \
        -drive "if=none,id=stick,file=$VM_DIR/stick.img,format=raw" \
        || { not_ok "guest boot"; finish; exit; }
trap 'vm_stop; cleanup' EXIT

H=/usr/libexec/mamori/mamori-usb-early
port_of() { vm_run "for d in /sys/bus/usb/devices/[0-9]*-*; do case \$d in *:*) continue;; esac; \
        [ \"\$(cat \$d/serial 2>/dev/null)\" = '$1' ] || [ \"\$(cat \$d/idVendor):\$(cat \$d/idProduct)\" = '$1' ] \
        && basename \$d; done" | tr '\n' ' ' | sed 's/ $//'; }
plug() { vm_qmp "{\"execute\":\"device_add\",\"arguments\":$1}" >/dev/null; }

vm_wait_for "[ -e /sys/bus/usb/devices/1-1/authorized ]" 15
assert_eq "the hub arrives unauthorised" 0 "$(vm_run 'cat /sys/bus/usb/devices/1-1/authorized')"
assert_eq "nothing behind it yet" "" "$(port_of 0627:0001)"
vm_run "$H --settle" >/dev/null
assert_eq "the hub authorised" 1 "$(vm_run 'cat /sys/bus/usb/devices/1-1/authorized')"
p=$(port_of 0627:0001)
assert_eq "the keyboard behind the hub appeared (--settle waited for it)" 1-1.1 "$p"
assert_eq "the keyboard behind the hub authorised" 1 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
vm_wait_for "[ -e /sys/bus/usb/devices/$p:1.0/driver ]" 10
assert_eq "its interface bound to usbhid" usbhid "$(vm_run "basename \$(readlink /sys/bus/usb/devices/$p:1.0/driver)")"
assert_contains "logged to the kernel's ring buffer" "mamori-usb-early: 1-1 0409:55aa: hub, authorised" "$(vm_run dmesg)"

plug '{"driver":"usb-kbd","bus":"xhci.0","id":"kbd2"}'
plug '{"driver":"usb-storage","bus":"xhci.0","drive":"stick","id":"st","serial":"EARLY01"}'
plug '{"driver":"usb-net","bus":"xhci.0","id":"net"}'
vm_wait_for "[ \$(ls /sys/bus/usb/devices | grep -c -v -e : -e usb) -ge 5 ]" 15
vm_run "$H" >/dev/null
kbds=$(port_of 0627:0001)
n=0; for k in $kbds; do n=$((n + $(vm_run "cat /sys/bus/usb/devices/$k/authorized"))); done
assert_eq "both keyboards authorised" 2 "$n"
p=$(port_of EARLY01)
assert_eq "the stick left unauthorised" 0 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_eq "no block device" 0 "$(vm_run 'ls /sys/block | grep -c ^sd')"
p=$(port_of 0525:a4a2)
assert_eq "the network adapter left unauthorised" 0 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_eq "no network interface but lo" lo "$(vm_run 'ls /sys/class/net' | tr '\n' ' ' | sed 's/ $//')"
# As the initramfs udev rule calls it: one device by its sysfs path.
vm_run "echo 0 > /sys/bus/usb/devices/$(echo "$kbds" | cut -d' ' -f2)/authorized" >/dev/null
path=$(vm_run "readlink -f /sys/bus/usb/devices/$(echo "$kbds" | cut -d' ' -f2)")
vm_run "$H $path" >/dev/null
assert_eq "by sysfs path: the keyboard authorised again" 1 \
        "$(vm_run "cat /sys/bus/usb/devices/$(echo "$kbds" | cut -d' ' -f2)/authorized")"
finish
