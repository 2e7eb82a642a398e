#!/bin/bash
# A composite device, a keyboard that also offers a storage interface, made
# real inside the guest with dummy_hcd and the USB gadget configfs (QEMU
# cannot emulate one): the agent authorises the device and its keyboard
# interface only; the storage interface stays unauthorised and no disk
# appears.
BUILD=${MAMORI_BUILD:?}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
VM_DIR=${VM_DIR:-$BUILD/vm-composite}
mkdir -p "$VM_DIR"
VM_MODULES_EXTRA="dummy_hcd libcomposite usb_f_hid usb_f_mass_storage"
. "$SRC/tests/vm/lib.sh"
. "$SRC/tests/integration/lib.sh"

stage() {
        local s=$1
        vm_add_binary "$s" "$BUILD/mamorid" /usr/sbin/mamorid
        vm_add_binary "$s" "$BUILD/plugins/usb.so" /usr/lib/mamori/plugins/usb.so
        chmod 0755 "$s/usr/lib/mamori/plugins"
        mkdir -p "$s/etc/mamori/rules.d" "$s/usr/lib/udev/rules.d" "$s/var/lib/mamori"
        cp "$SRC/rules/usb.yaml" "$s/etc/mamori/rules.d/"
        cp "$SRC/packaging/udev/70-mamori-usb.rules" "$s/usr/lib/udev/rules.d/"
        : > "$s/etc/mamori/mamori.conf"
        : > "$s/etc/mamori/usb.rules"
        # A gadget: boot keyboard (HID 1.11 appendix B.1 report descriptor)
        # plus a mass-storage LUN, in one configuration.
        cat > "$s/usr/sbin/make-gadget" <<'X'
#!/bin/sh
set -e
mount -t configfs none /sys/kernel/config 2>/dev/null || true
G=/sys/kernel/config/usb_gadget/combo
mkdir -p $G
echo 0x1209 > $G/idVendor
echo 0x0001 > $G/idProduct
mkdir -p $G/strings/0x409 $G/configs/c.1 $G/functions/hid.kbd $G/functions/mass_storage.disk
echo COMBO01 > $G/strings/0x409/serialnumber
echo "Keyboard with storage" > $G/strings/0x409/product
echo 1 > $G/functions/hid.kbd/protocol
echo 1 > $G/functions/hid.kbd/subclass
echo 8 > $G/functions/hid.kbd/report_length
printf '\005\001\011\006\241\001\005\007\031\340\051\347\025\000\045\001\165\001\225\010\201\002\225\001\165\010\201\003\225\005\165\001\005\010\031\001\051\005\221\002\225\001\165\003\221\003\225\006\165\010\025\000\045\145\005\007\031\000\051\145\201\000\300' > $G/functions/hid.kbd/report_desc
dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null
echo /tmp/disk.img > $G/functions/mass_storage.disk/lun.0/file
ln -s $G/functions/hid.kbd $G/configs/c.1/
ln -s $G/functions/mass_storage.disk $G/configs/c.1/
ls /sys/class/udc | head -n 1 > $G/UDC
X
        chmod 0755 "$s/usr/sbin/make-gadget"
}

vm_kernel || { not_ok "kernel"; finish; exit; }
vm_initramfs "$VM_DIR/initrd.gz" stage
vm_start "$VM_DIR/initrd.gz" || { not_ok "guest boot"; finish; exit; }
trap 'vm_stop; cleanup' EXIT
vm_run "mamorid --foreground --no-bus --config /etc/mamori/mamori.conf --rules /etc/mamori/rules.d \
        --plugins /usr/lib/mamori/plugins --state /var/lib/mamori --report /run/report.json \
        >/run/agent.log 2>&1 &" >/dev/null
vm_wait_for 'grep -q "running:" /run/agent.log' 30 || not_ok "agent: $(vm_run 'cat /run/agent.log')"
out=$(vm_run make-gadget 2>&1) || not_ok "gadget: $out"
vm_wait_for "grep -q 'usb.partly-allowed usb:1209:0001:COMBO01' /run/agent.log" 15
assert_contains "decided interface by interface" "usb.partly-allowed usb:1209:0001:COMBO01" "$(vm_run 'cat /run/agent.log')"
d=$(vm_run "for x in /sys/bus/usb/devices/*; do [ \"\$(cat \$x/serial 2>/dev/null)\" = COMBO01 ] && basename \$x; done")
assert_eq "the device is authorised" 1 "$(vm_run "cat /sys/bus/usb/devices/$d/authorized")"
vm_wait_for "[ -e /sys/bus/usb/devices/$d:1.0/driver ]" 10
kbd=$(vm_run "grep -l '^03$' /sys/bus/usb/devices/$d:1.*/bInterfaceClass" | head -n 1 | xargs -r dirname | xargs -r basename)
sto=$(vm_run "grep -l '^08$' /sys/bus/usb/devices/$d:1.*/bInterfaceClass" | head -n 1 | xargs -r dirname | xargs -r basename)
assert_eq "keyboard interface authorised" 1 "$(vm_run "cat /sys/bus/usb/devices/$kbd/authorized")"
assert_eq "keyboard interface bound to usbhid" usbhid "$(vm_run "basename \$(readlink /sys/bus/usb/devices/$kbd/driver)")"
assert_eq "storage interface not authorised" 0 "$(vm_run "cat /sys/bus/usb/devices/$sto/authorized")"
assert_eq "storage interface has no driver" no "$(vm_run "[ -e /sys/bus/usb/devices/$sto/driver ] && echo yes || echo no")"
sleep 2
assert_eq "no disk appeared" 0 "$(vm_run 'ls /sys/block | grep -c "^sd"')"
assert_eq "interfaces arrive authorised again for the next device" 1 \
        "$(vm_run "cat /sys/bus/usb/devices/usb${d%%-*}/interface_authorized_default")"
finish
