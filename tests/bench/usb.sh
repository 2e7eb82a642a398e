#!/bin/bash
# USB decision latency in a virtual machine, mamorid and usbguard-daemon
# side by side on the same guest and the same hot-plugs: the time from the
# kernel's uevent for a new keyboard to the "add" of its first interface,
# which the kernel creates only once the agent wrote authorized=1. Also the
# resident memory of each with 1,000 rules loaded.
# Usage: tests/bench/usb.sh BUILD_DIR [PLUGS]
set -u
BUILD=$(cd "${1:?usage: usb.sh BUILD_DIR [PLUGS]}" && pwd)
PLUGS=${2:-100}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
VM_DIR=$BUILD/vm-bench
mkdir -p "$VM_DIR"
"$SRC/packaging/install-deps.sh" vm usbguard || exit 1
. "$SRC/tests/vm/lib.sh"

gcc -O2 -static -o "$VM_DIR/uevent-clock" "$SRC/tests/vm/uevent-clock.c" || exit 1

# 1,000 rules in the rule language both agents read: keyboards allowed by
# the last one, so every plug walks the whole list first.
rules1000() {
        for i in $(seq 1 999); do
                printf 'allow id %04x:%04x serial "BENCH%05d" name "Bench stick %d"\n' \
                        $((0x1000 + i)) $((0x2000 + i)) "$i" "$i"
        done
        echo 'allow with-interface equals { 03:*:* }'
}

stage() {
        local s=$1
        vm_add_binary "$s" "$BUILD/mamorid" /usr/sbin/mamorid
        vm_add_binary "$s" "$BUILD/plugins/usb.so" /usr/lib/mamori/plugins/usb.so
        chmod 0755 "$s/usr/lib/mamori/plugins"
        vm_add_binary "$s" /usr/sbin/usbguard-daemon /usr/sbin/usbguard-daemon
        cp "$VM_DIR/uevent-clock" "$s/usr/sbin/uevent-clock"
        mkdir -p "$s/etc/mamori/rules.d" "$s/usr/lib/udev/rules.d" "$s/etc/usbguard" "$s/var/log/usbguard"
        cp "$SRC/rules/usb.yaml" "$s/etc/mamori/rules.d/"
        cp "$SRC/packaging/udev/70-mamori-usb.rules" "$s/usr/lib/udev/rules.d/"
        : > "$s/etc/mamori/mamori.conf"
        : > "$s/etc/mamori/usb.rules"
        rules1000 > "$s/etc/usb-1000.rules"
        echo 'allow with-interface equals { 03:*:* }' > "$s/etc/usb-1.rules"
        cat > "$s/etc/usbguard/usbguard-daemon.conf" <<'X'
RuleFile=/etc/usbguard/rules.conf
ImplicitPolicyTarget=block
PresentDevicePolicy=apply-policy
PresentControllerPolicy=keep
InsertedDevicePolicy=apply-policy
AuthorizedDefault=none
RestoreControllerDeviceState=false
DeviceManagerBackend=uevent
IPCAllowedUsers=root
DeviceRulesWithPort=false
AuditBackend=FileAudit
AuditFilePath=/var/log/usbguard/usbguard-audit.log
X
        chmod 0600 "$s/etc/usbguard/usbguard-daemon.conf"
}

vm_kernel || exit 1
vm_initramfs "$VM_DIR/initrd.gz" stage || exit 1
vm_start "$VM_DIR/initrd.gz" || exit 1
trap vm_stop EXIT
vm_run 'mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; /usr/sbin/uevent-clock >> /run/uevents.log 2>&1 &' >/dev/null

start_mamori() { # rules-file
        vm_run "cp $1 /etc/mamori/usb.rules; rm -f /run/agent.log; \
                mamorid --foreground --no-bus --config /etc/mamori/mamori.conf --rules /etc/mamori/rules.d \
                --plugins /usr/lib/mamori/plugins --state /var/lib/mamori --report '' >/run/agent.log 2>&1 & \
                echo \$! > /run/agent.pid" >/dev/null
        vm_wait_for 'grep -q "running:" /run/agent.log' 30
}
start_usbguard() { # rules-file
        vm_run "cp $1 /etc/usbguard/rules.conf; chmod 0600 /etc/usbguard/rules.conf; \
                usbguard-daemon -k -c /etc/usbguard/usbguard-daemon.conf >/run/agent.log 2>&1 & \
                echo \$! > /run/agent.pid" >/dev/null
        sleep 2
        vm_run 'kill -0 $(cat /run/agent.pid)' >/dev/null || { vm_run 'cat /run/agent.log'; return 1; }
}
stop_agent() { vm_run 'kill $(cat /run/agent.pid); sleep 0.5' >/dev/null; }
rss_kib() { vm_run 'grep VmRSS /proc/$(cat /run/agent.pid)/status' | awk '{print $2}'; }

# PLUGS keyboards, one at a time: plug, wait for the interface, unplug.
plug_loop() { # tag
        local i
        for i in $(seq "$PLUGS"); do
                vm_qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"usb-kbd\",\"bus\":\"xhci.0\",\"id\":\"k$i\"}}" >/dev/null
                # "1-0:1.0" is the root hub's own interface: devices are N-M with M >= 1.
                vm_wait_for 'ls -d /sys/bus/usb/devices/[0-9]-[1-9]*:1.0 >/dev/null 2>&1' 10 || echo "plug $i: no interface" >&2
                vm_qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"k$i\"}}" >/dev/null
                vm_wait_for '! ls -d /sys/bus/usb/devices/[0-9]-[1-9]* >/dev/null 2>&1' 10
        done
        vm_run "cp /run/uevents.log /run/uevents-$1.log; : > /run/uevents.log" >/dev/null
}

# From "usec add@/devices/.../usb1/1-1" to "usec add@/devices/.../1-1/1-1:1.0".
latencies() { # tag
        vm_run "cat /run/uevents-$1.log" | awk '
                $2 ~ /^add@.*\/usb[0-9]+\/[0-9]+-[0-9.]+$/ { t[substr($2, 5)] = $1; next }
                $2 ~ /^add@.*:1\.0$/ { p = substr($2, 5); sub(/\/[^\/]*$/, "", p);
                        if (p in t) { print $1 - t[p]; delete t[p] } }' | sort -n
}
pct() { # file percent
        awk -v p="$2" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
                i = int((NR * p + 99) / 100); if (i < 1) i = 1; printf "%.1f", v[i] / 1000 }' "$1"
}

echo "== USB decision latency, $PLUGS hot-plugged keyboards under QEMU (guest: 1 vCPU under TCG on a $(nproc)-core host)"
start_mamori /etc/usb-1.rules || { echo "mamorid did not start"; exit 1; }
plug_loop mamori
stop_agent
start_usbguard /etc/usb-1.rules || { echo "usbguard-daemon did not start"; exit 1; }
plug_loop usbguard
stop_agent
latencies mamori > "$VM_DIR/lat-mamori"
latencies usbguard > "$VM_DIR/lat-usbguard"
printf '%-16s %8s %8s %8s %6s\n' agent "p50 ms" "p99 ms" "max ms" n
for a in mamori usbguard; do
        printf '%-16s %8s %8s %8s %6s\n' "$a" "$(pct "$VM_DIR/lat-$a" 50)" "$(pct "$VM_DIR/lat-$a" 99)" \
                "$(pct "$VM_DIR/lat-$a" 100)" "$(wc -l < "$VM_DIR/lat-$a")"
done

echo "== resident memory with 1,000 rules loaded (VmRSS after start)"
start_mamori /etc/usb-1000.rules && echo "mamorid          $(rss_kib) KiB" && stop_agent
start_usbguard /etc/usb-1000.rules && echo "usbguard-daemon  $(rss_kib) KiB" && stop_agent
