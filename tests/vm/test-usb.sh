#!/bin/bash
# Real USB hot-plug in a virtual machine: the Debian kernel boots an
# initramfs with the agent; QMP plugs a keyboard, an unregistered stick, a
# registered (read-only) stick, a network adapter, and a stick while the
# agent is down; the guest's sysfs says what the kernel let work.
BUILD=${MAMORI_BUILD:?}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
VM_DIR=${VM_DIR:-$BUILD/vm}
mkdir -p "$VM_DIR"
. "$SRC/tests/vm/lib.sh"
. "$SRC/tests/integration/lib.sh"

stage_agent() { # stage
        local s=$1
        vm_add_binary "$s" "$BUILD/mamorid" /usr/sbin/mamorid
        vm_add_binary "$s" "$BUILD/plugins/usb.so" /usr/lib/mamori/plugins/usb.so
        chmod 0755 "$s/usr/lib/mamori/plugins"
        mkdir -p "$s/etc/mamori/rules.d" "$s/usr/lib/udev/rules.d" "$s/var/lib/mamori"
        cp "$SRC/rules/usb.yaml" "$s/etc/mamori/rules.d/"
        cp "$SRC/packaging/udev/70-mamori-usb.rules" "$s/usr/lib/udev/rules.d/"
        : > "$s/etc/mamori/mamori.conf"
        echo vm-terminal > "$s/etc/hostname"
        cat > "$s/etc/mamori/usb.rules" <<'X'
# registered media (as `mamorictl usb register 2-1 --read-only` writes them)
allow id 46f4:0001 serial "REG001" label "read-only: test stick"
X
        cat > "$s/usr/sbin/agent" <<'X'
#!/bin/sh
# start|stop the agent in the guest
case "$1" in
start)  /usr/sbin/mamorid --foreground --no-bus --config /etc/mamori/mamori.conf \
                --rules /etc/mamori/rules.d --plugins /usr/lib/mamori/plugins \
                --state /var/lib/mamori --report /run/report.json >>/run/agent.log 2>&1 &
        echo $! > /run/agent.pid
        for i in $(seq 100); do grep -q "running:" /run/agent.log && exit 0; sleep 0.1; done
        exit 1 ;;
stop)   kill -9 "$(cat /run/agent.pid)"; sleep 0.2 ;;
esac
X
        chmod 0755 "$s/usr/sbin/agent"
        printf '#!/bin/sh\n/usr/sbin/agent start\n' > "$s/etc/rc.local"
        chmod 0755 "$s/etc/rc.local"
}

vm_kernel || { not_ok "kernel"; finish; exit; }
vm_initramfs "$VM_DIR/initrd-usb.gz" stage_agent
for s in unreg reg down; do truncate -s 32M "$VM_DIR/$s.img"; done
mkfs.vfat -n REGSTICK "$VM_DIR/reg.img" >/dev/null 2>&1 || true
vm_start "$VM_DIR/initrd-usb.gz" \
        -drive "if=none,id=unreg,file=$VM_DIR/unreg.img,format=raw" \
        -drive "if=none,id=reg,file=$VM_DIR/reg.img,format=raw" \
        -drive "if=none,id=down,file=$VM_DIR/down.img,format=raw" \
        || { not_ok "guest boot"; finish; exit; }
trap 'vm_stop; cleanup' EXIT
vm_wait_for 'grep -q "running:" /run/agent.log' 30 || not_ok "agent did not start: $(vm_run 'cat /run/agent.log')"

# port of the device with serial S (or vendor:product), "" when absent
port_of() { vm_run "for d in /sys/bus/usb/devices/[0-9]*-*; do case \$d in *:*) continue;; esac; \
        [ \"\$(cat \$d/serial 2>/dev/null)\" = '$1' ] || [ \"\$(cat \$d/idVendor):\$(cat \$d/idProduct)\" = '$1' ] && basename \$d; done" | head -n 1; }
plug() { vm_qmp "{\"execute\":\"device_add\",\"arguments\":$1}" >/dev/null; }

assert_eq "root hubs closed before any device" "0 0" \
        "$(vm_run 'cat /sys/bus/usb/devices/usb1/authorized_default /sys/bus/usb/devices/usb2/authorized_default' | tr '\n' ' ' | sed 's/ $//')"

plug '{"driver":"usb-kbd","bus":"xhci.0","id":"kbd"}'
vm_wait_for "grep -q 'usb.allowed usb:0627:0001' /run/agent.log" 10
p=$(port_of 0627:0001)
assert_eq "keyboard authorised" 1 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
vm_wait_for "[ -e /sys/bus/usb/devices/$p:1.0/driver ]" 10
assert_eq "keyboard's interface bound to usbhid" usbhid "$(vm_run "basename \$(readlink /sys/bus/usb/devices/$p:1.0/driver)")"

plug '{"driver":"usb-storage","bus":"xhci.0","drive":"unreg","id":"st-unreg","serial":"UNREG01"}'
vm_wait_for "grep -q 'usb.blocked usb:46f4:0001:UNREG01' /run/agent.log" 10
p=$(port_of UNREG01)
assert_eq "unregistered stick not authorised" 0 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_contains "staff notice for the blocked medium" "usb.notice usb:46f4:0001:UNREG01" "$(vm_run 'cat /run/agent.log')"

plug '{"driver":"usb-storage","bus":"xhci.0","drive":"reg","id":"st-reg","serial":"REG001"}'
vm_wait_for "grep -q 'usb.allowed usb:46f4:0001:REG001' /run/agent.log" 10
p=$(port_of REG001)
assert_eq "registered stick authorised" 1 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
vm_wait_for "ls /sys/block | grep -q sd" 15
disks=$(vm_run 'ls /sys/block | grep sd')
assert_eq "only the registered stick has a block device" 1 "$(printf '%s\n' "$disks" | grep -c sd)"
d=$(printf '%s\n' "$disks" | head -n 1)
vm_wait_for "[ \"\$(cat /sys/block/$d/ro)\" = 1 ]" 5
assert_eq "registered read-only: the block device is read-only" 1 "$(vm_run "cat /sys/block/$d/ro")"
vm_wait_for "grep -q 'usb.medium' /run/agent.log" 5
assert_contains "filesystem identity in the event" "filesystem vfat" "$(vm_run 'grep usb.medium /run/agent.log')"
assert_contains "label from libblkid" "label REGSTICK" "$(vm_run 'grep usb.medium /run/agent.log')"

plug '{"driver":"usb-net","bus":"xhci.0","id":"net"}'
vm_wait_for "grep -q 'usb.blocked usb:0525:a4a2' /run/agent.log" 10
p=$(port_of 0525:a4a2)
assert_eq "network adapter not authorised" 0 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
sleep 1
assert_eq "no network interface but lo" lo "$(vm_run 'ls /sys/class/net' | tr '\n' ' ' | sed 's/ $//')"

vm_run /usr/sbin/agent stop >/dev/null
plug '{"driver":"usb-storage","bus":"xhci.0","drive":"down","id":"st-down","serial":"DOWN01"}'
sleep 3
p=$(port_of DOWN01)
assert_eq "stick plugged while the agent is down stays unauthorised" 0 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
vm_run /usr/sbin/agent start >/dev/null
vm_wait_for "grep -q 'usb.blocked usb:46f4:0001:DOWN01' /run/agent.log" 10
assert_eq "and stays so after the agent is back" 0 "$(vm_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_eq "still one block device" 1 "$(vm_run 'ls /sys/block | grep -c sd')"
assert_eq "score: both usb rules pass" 100 "$(vm_run 'cat /run/report.json' | jq -r .score)"
finish
