#!/bin/bash
# The package on a booted Debian 12 system: a debootstrap image with systemd,
# the .deb installed by apt, booted under QEMU (KVM when it really works,
# software emulation otherwise) with an xHCI controller, a USB keyboard
# and a USB stick plugged in from power-on, and usbcore.authorized_default=0
# on the kernel command line as the package's GRUB snippet sets it.
# Asserts: the initramfs let the keyboard in and not the stick; mamorid is
# ready before the boot finishes; mamorictl answers; a hot-plugged stick
# stays out and is logged; SIGKILL loses no event; the sandbox is in force;
# an upgrade keeps state and edits; remove gives the keyboards back; purge
# deletes the state.
. "$(dirname "$0")/../integration/lib.sh"
DEB=${MAMORI_DEB:?MAMORI_DEB must name the package (make check-boot)}
VM_DIR=${VM_DIR:-$BUILD/boot}
mkdir -p "$VM_DIR"
. "$SRC/tests/vm/lib.sh"
. "$SRC/tests/boot/image.sh"
. "$SRC/tests/boot/lib.sh"
trap 'vm_stop; boot_umount_all; cleanup' EXIT

T_START=$(date +%s)
boot_disk "$DEB" || { not_ok "building the image"; finish; exit; }
T_IMAGE=$(date +%s)
boot_accel "$VMLINUX"
echo "boot: QEMU with $BOOT_ACCEL ($BOOT_ACCEL_WHY)"

for s in boot hot down after reg; do rm -f "$VM_DIR/$s.img"; truncate -s 32M "$VM_DIR/$s.img"; done
mkfs.vfat -n REGSTICK "$VM_DIR/reg.img" >/dev/null
# The kernel parameter as the package's snippet writes it.
param=$(grep -o 'usbcore\.authorized_default=[0-9]*' "$SRC/packaging/kernel/grub.cfg")
boot_start "$DISK" "$VMLINUX" "$INITRD" \
        "root=/dev/vda rw console=ttyS0 panic=-1 quiet $param usb-storage.delay_use=0" \
        -device qemu-xhci,id=xhci \
        -device usb-kbd,bus=xhci.0,id=kbd0 \
        -drive "if=none,id=boot,file=$VM_DIR/boot.img,format=raw" \
        -device usb-storage,bus=xhci.0,drive=boot,serial=BOOT01,id=st-boot \
        -drive "if=none,id=hot,file=$VM_DIR/hot.img,format=raw" \
        -drive "if=none,id=down,file=$VM_DIR/down.img,format=raw" \
        -drive "if=none,id=after,file=$VM_DIR/after.img,format=raw" \
        -drive "if=none,id=reg,file=$VM_DIR/reg.img,format=raw" \
        || { not_ok "the guest boots"; finish; exit; }
T_UP=$(date +%s)
echo "boot: guest up after $((T_UP - T_IMAGE)) s"

# --- the boot ----------------------------------------------------------
state=$(boot_run -t 600 'systemctl is-system-running --wait')
assert_eq "the boot finishes: system running" running "$state"
[ "$state" = running ] || echo "    failed units: $(boot_run 'systemctl --failed --no-legend')"
echo "boot: $(boot_run 'systemd-analyze time' | head -n 1)"

show() { boot_run "systemctl show -p $2 --value $1"; }
assert_eq "mamorid active, running, not restarted" "active running 0" \
        "$(show mamorid ActiveState) $(show mamorid SubState) $(show mamorid NRestarts)"
assert_eq "Type=notify" notify "$(show mamorid Type)"
assert_eq "Restart=on-failure" on-failure "$(show mamorid Restart)"
assert_eq "WatchdogSec=60s" 1min "$(show mamorid WatchdogUSec)"
assert_contains "ordered before the display manager" display-manager.service "$(show mamorid Before)"
ready=$(show mamorid ActiveEnterTimestampMonotonic)
mu=$(show multi-user.target ActiveEnterTimestampMonotonic)
us=$(show systemd-user-sessions.service ActiveEnterTimestampMonotonic)
echo "boot: mamorid ready at $((ready / 1000)) ms, logins allowed at $((us / 1000)) ms, multi-user.target at $((mu / 1000)) ms"
if [ "${ready:-0}" -gt 0 ] && [ "$ready" -lt "$mu" ]; then ok "ready (READY=1) before multi-user.target"
else not_ok "ready before multi-user.target: mamorid $ready, target $mu"; fi
if [ "${ready:-0}" -gt 0 ] && [ "$ready" -le "$us" ]; then ok "ready before logins are allowed (systemd-user-sessions)"
else not_ok "ready before logins: mamorid $ready, user sessions $us"; fi
# The journal says the same: the agent's "running:" line comes before the target.
first=$(boot_run "journalctl -b -o cat --no-pager | grep -nE 'mamorid .* running:|Reached target multi-user.target' | head -n 1")
assert_contains "journal: the first of the two is the agent's" "running:" "$first"

score=$(boot_run 'mamorictl score')
rc=$?
assert_eq "mamorictl score answers" 0 "$rc"
echo "boot: mamorictl score: $(echo "$score" | head -n 1)"
if echo "$score" | head -n 1 | grep -qE '^([0-9]+|none)$'; then ok "mamorictl score prints a score"
else not_ok "mamorictl score prints a score: $score"; fi

# --- the initramfs -----------------------------------------------------
kmsg=$(boot_run 'dmesg')
assert_contains "initramfs: the keyboard authorised" "0627:0001: keyboard, authorised" "$kmsg"
assert_contains "initramfs: the stick left unauthorised" "46f4:0001: interface class 08, left unauthorised" "$kmsg"
n_helper=$(printf '%s\n' "$kmsg" | grep -n 'mamori-usb-early' | head -n 1 | cut -d: -f1)
n_systemd=$(printf '%s\n' "$kmsg" | grep -n 'systemd\[1\]' | head -n 1 | cut -d: -f1)
if [ -n "$n_helper" ] && [ -n "$n_systemd" ] && [ "$n_helper" -lt "$n_systemd" ]; then
        ok "initramfs: the helper ran before the real root's systemd"
else not_ok "initramfs: helper (line $n_helper) before systemd (line $n_systemd)"; fi
p=$(boot_port_of 0627:0001)
assert_eq "the keyboard is authorised" 1 "$(boot_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_eq "the keyboard's interface is bound to usbhid" usbhid \
        "$(boot_run "basename \$(readlink /sys/bus/usb/devices/$p:1.0/driver)")"
p=$(boot_port_of BOOT01)
assert_eq "the stick plugged at power-on is unauthorised" 0 "$(boot_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_eq "root hubs: new devices arrive unauthorised" "0 0" \
        "$(boot_run 'cat /sys/bus/usb/devices/usb1/authorized_default /sys/bus/usb/devices/usb2/authorized_default' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the package put the kernel parameter into GRUB's configuration" "$param" \
        "$(boot_run 'grep -o "usbcore.authorized_default=[0-9]*" /etc/default/grub.d/mamori.cfg')"

# --- hot-plug ----------------------------------------------------------
boot_plug '{"driver":"usb-storage","bus":"xhci.0","drive":"hot","id":"st-hot","serial":"HOT001"}'
boot_wait_for "mamorictl events --limit 100000 | grep -q 'usb.blocked.*HOT001'" 30
events=$(boot_run 'mamorictl events --limit 100000')
assert_contains "hot-plugged stick: a usb.blocked event" "HOT001" "$(printf '%s\n' "$events" | grep usb.blocked)"
p=$(boot_port_of HOT001)
assert_eq "hot-plugged stick stays unauthorised" 0 "$(boot_run "cat /sys/bus/usb/devices/$p/authorized")"
assert_eq "no block device for any unregistered stick" 0 "$(boot_run 'ls /sys/block | grep -c ^sd')"

# --- the sandbox -------------------------------------------------------
pid=$(show mamorid MainPID)
props=$(boot_run 'systemctl show mamorid -p ProtectSystem,ProtectHome,PrivateTmp,NoNewPrivileges,ProtectKernelModules,ProtectKernelLogs,ProtectControlGroups,ProtectClock,ProtectHostname,RestrictRealtime,RestrictSUIDSGID,LockPersonality,MemoryDenyWriteExecute,RestrictNamespaces,SystemCallArchitectures,PrivateDevices,PrivateNetwork,IPAddressDeny')
for kv in ProtectSystem=strict ProtectHome=read-only PrivateTmp=yes NoNewPrivileges=yes \
                ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes \
                ProtectClock=yes ProtectHostname=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
                LockPersonality=yes MemoryDenyWriteExecute=yes RestrictNamespaces=yes \
                SystemCallArchitectures=native PrivateNetwork=yes; do
        assert_contains "systemctl show: $kv" "$kv" "$props"
done
caps=$(show mamorid CapabilityBoundingSet)
assert_eq "systemctl show: CapabilityBoundingSet" \
        "cap_chown cap_dac_override cap_dac_read_search cap_fowner cap_sys_ptrace cap_sys_admin" "$caps"
assert_eq "systemctl show: RestrictAddressFamilies" "AF_NETLINK AF_UNIX" "$(show mamorid RestrictAddressFamilies)"
assert_contains "systemctl show: IPAddressDeny=any" "::/0" "$(show mamorid IPAddressDeny)"
assert_eq "systemctl show: DevicePolicy" closed "$(show mamorid DevicePolicy)"
assert_eq "systemctl show: ProcSubset" pid "$(show mamorid ProcSubset)"
assert_contains "systemctl show: a system call filter" "open" "$(show mamorid SystemCallFilter)"
status=$(boot_run "cat /proc/$pid/status")
assert_contains "kernel: no new privileges" "NoNewPrivs:	1" "$status"
assert_contains "kernel: seccomp filter" "Seccomp:	2" "$status"
assert_contains "kernel: capability bounding set" "CapBnd:	000000000028000f" "$status"
ns() { boot_run "nsenter -t $pid -m sh -c '$1'" >/dev/null 2>&1; }
ns 'touch /usr/mamori-probe' && not_ok "/usr is read-only for the agent" || ok "/usr is read-only for the agent"
ns 'touch /home/staff/mamori-probe' && not_ok "/home is read-only for the agent" || ok "/home is read-only for the agent"
ns 'ls /home/staff' && ok "/home is readable for the agent" || not_ok "/home is readable for the agent"
ns 'touch /var/lib/mamori/probe && rm /var/lib/mamori/probe' && ok "the state directory is writable" \
        || not_ok "the state directory is writable"
ns 'test -w /sys/bus/usb/devices/usb1/authorized_default' && ok "USB authorisation in sysfs is writable" \
        || not_ok "USB authorisation in sysfs is writable"
# With the agent's capabilities, a staff process's environment can be read
# (the screen lock plugin looks for DCONF_PROFILE there).
boot_run 'setpriv --reuid=65534 --regid=65534 --clear-groups env DCONF_PROFILE=probe sleep 120 >/dev/null 2>&1 &' >/dev/null
set_caps=$(echo "$caps" | sed 's/cap_//g; s/ /,+/g')
env_read=$(boot_run "for d in /proc/[0-9]*; do [ \"\$(stat -c %u \$d)\" = 65534 ] && p=\${d#/proc/}; done; \
        setpriv --bounding-set=-all,+$set_caps cat /proc/\$p/environ | tr '\\0' '\\n'")
assert_contains "the agent's capabilities read a staff process's environment" "DCONF_PROFILE=probe" "$env_read"

# A registered read-only stick: the agent writes usb.rules in /etc/mamori,
# opens the block device (DeviceAllow=block-* r) for BLKROSET and libblkid.
boot_plug '{"driver":"usb-storage","bus":"xhci.0","drive":"reg","id":"st-reg","serial":"REG001"}'
boot_wait_for "mamorictl events --limit 100000 | grep -q 'usb.blocked.*REG001'" 30
p=$(boot_port_of REG001)
out=$(boot_run "mamorictl usb register $p --read-only")
assert_eq "mamorictl usb register: exit 0" 0 "$?"
assert_contains "registration written to /etc/mamori/usb.rules" 'serial "REG001"' "$(boot_run 'cat /etc/mamori/usb.rules')"
assert_eq "the registered stick is authorised" 1 "$(boot_run "cat /sys/bus/usb/devices/$p/authorized")"
boot_wait_for "ls /sys/block | grep -q ^sd" 20
d=$(boot_run 'ls /sys/block | grep ^sd | head -n 1')
boot_wait_for "[ \"\$(cat /sys/block/$d/ro)\" = 1 ]" 10
assert_eq "registered read-only: the block device is read-only (BLKROSET)" 1 "$(boot_run "cat /sys/block/$d/ro")"
boot_wait_for "mamorictl events --limit 100000 | grep -q 'usb.medium'" 15
assert_contains "libblkid named the file system" "vfat" "$(boot_run "mamorictl events --limit 100000 | grep usb.medium")"

# Enforcement writes through the sandbox: the software plugin's polkit rule
# (ReadWritePaths, CAP_DAC_OVERRIDE into polkitd's 0700 directory, fchown).
assert_eq "enforcement: polkit rule written root-owned 0644" "root 644" \
        "$(boot_run 'stat -c "%U %a" /etc/polkit-1/rules.d/49-mamori-packagekit.rules')"
denied=$(boot_run "journalctl -b -u mamorid -o cat --no-pager | grep -iE 'not permitted|read-only file system|permission denied|bad system call'")
assert_eq "no access the sandbox refused in the agent's journal" "" "$denied"

exposure=$(boot_run 'systemd-analyze security --no-pager mamorid.service' | grep -o 'Overall exposure level for mamorid.service: [0-9.]* [A-Z]*')
echo "boot: systemd-analyze security: $exposure"
level=$(echo "$exposure" | awk '{print $(NF-1)}')
if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 5.0) }'; then ok "exposure level at most 5.0 ($level)"
else not_ok "exposure level at most 5.0: '$exposure'"; fi

# --- SIGKILL: restarted, no event lost --------------------------------
# "seq hash" of every event, from the agent's own list.
event_hashes() { boot_run 'mamorictl events --json --limit 100000' | jq -r '.[] | "\(.seq) \(.hash)"'; }
before=$(event_hashes)
n_before=$(printf '%s\n' "$before" | grep -c .)
boot_run 'systemctl kill -s KILL mamorid' >/dev/null
# Plugged while the agent is down (RestartSec=2s): stays out (fail closed).
boot_plug '{"driver":"usb-storage","bus":"xhci.0","drive":"down","id":"st-down","serial":"DOWN01"}'
boot_wait_for "[ \"\$(systemctl show -p NRestarts --value mamorid)\" = 1 ] && systemctl is-active -q mamorid" 60
assert_eq "restarted after SIGKILL" "active 1" "$(show mamorid ActiveState) $(show mamorid NRestarts)"
boot_wait_for "mamorictl events --limit 100000 | grep -q 'usb.blocked.*DOWN01'" 30
after=$(event_hashes)
n_after=$(printf '%s\n' "$after" | grep -c .)
assert_eq "every event from before the kill is still there, unchanged" "$before" "$(printf '%s\n' "$after" | head -n "$n_before")"
if [ "$n_after" -gt "$n_before" ]; then ok "new events after the restart ($n_before -> $n_after)"
else not_ok "new events after the restart ($n_before -> $n_after)"; fi
assert_eq "event chain intact after SIGKILL" "event chain intact" "$(boot_run 'mamorictl events --verify')"
p=$(boot_port_of DOWN01)
assert_eq "stick plugged while the agent was down stays unauthorised" 0 "$(boot_run "cat /sys/bus/usb/devices/$p/authorized")"

# --- upgrade -----------------------------------------------------------
boot_run 'echo "# edited by the administrator" >> /etc/mamori/mamori.conf;
        echo "# a local USB note" >> /etc/mamori/usb.rules' >/dev/null
pid_before=$(show mamorid MainPID)
before=$(event_hashes)
n_before=$(printf '%s\n' "$before" | grep -c .)
out=$(boot_run -t 300 'dpkg -i /root/mamori_*+boot1_upgrade.deb')
assert_eq "upgrade: dpkg -i succeeds" 0 "$?"
assert_contains "upgrade: the new version is installed" "+boot1" "$(boot_run 'dpkg-query -W -f "\${Version}" mamori')"
assert_contains "upgrade: mamori.conf edit kept" "edited by the administrator" "$(boot_run 'cat /etc/mamori/mamori.conf')"
assert_contains "upgrade: usb.rules edit kept" "a local USB note" "$(boot_run 'cat /etc/mamori/usb.rules')"
boot_wait_for 'systemctl is-active -q mamorid' 60
pid_after=$(show mamorid MainPID)
if [ "$pid_after" != "$pid_before" ] && [ "$pid_after" != 0 ]; then ok "upgrade: the agent was restarted"
else not_ok "upgrade: the agent was restarted ($pid_before -> $pid_after)"; fi
boot_wait_for "mamorictl status >/dev/null" 30
after=$(event_hashes)
assert_eq "upgrade: the event log kept" "$before" "$(printf '%s\n' "$after" | head -n "$n_before")"
assert_eq "upgrade: event chain intact" "event chain intact" "$(boot_run 'mamorictl events --verify')"

# --- remove ------------------------------------------------------------
boot_run -t 300 'dpkg -r mamori' >/dev/null
assert_eq "remove: dpkg -r succeeds" 0 "$?"
assert_eq "remove: the agent stopped" inactive "$(boot_run 'systemctl is-active mamorid')"
assert_eq "remove: root hubs authorise new devices again" "1 1" \
        "$(boot_run 'cat /sys/bus/usb/devices/usb1/authorized_default /sys/bus/usb/devices/usb2/authorized_default' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "remove: the kernel parameter snippet is gone" gone \
        "$(boot_run '[ -e /etc/default/grub.d/mamori.cfg ] && echo there || echo gone')"
assert_eq "remove: the state database kept" yes "$(boot_run '[ -s /var/lib/mamori/mamori.db ] && echo yes')"
assert_contains "remove: the configuration kept" "edited by the administrator" "$(boot_run 'cat /etc/mamori/mamori.conf')"
boot_plug '{"driver":"usb-kbd","bus":"xhci.0","id":"kbd1"}'
# Keyboards authorised: the one from power-on and the one just plugged in.
kbds_ok="for f in /sys/bus/usb/devices/*/idVendor; do [ \"\$(cat \$f)\" = 0627 ] && cat \${f%/idVendor}/authorized; done | grep -c 1"
boot_wait_for "[ \"\$($kbds_ok)\" = 2 ]" 15
assert_eq "remove: a keyboard plugged afterwards works (both keyboards authorised)" 2 "$(boot_run "$kbds_ok")"
boot_plug '{"driver":"usb-storage","bus":"xhci.0","drive":"after","id":"st-after","serial":"AFTER01"}'
boot_wait_for "[ -n \"\$(for d in /sys/bus/usb/devices/*; do [ \"\$(cat \$d/serial 2>/dev/null)\" = AFTER01 ] && echo y; done)\" ]" 10
p=$(boot_port_of AFTER01)
assert_eq "remove: the kernel's default is back (a new stick is authorised)" 1 "$(boot_run "cat /sys/bus/usb/devices/$p/authorized")"

# --- purge and a fresh install -----------------------------------------
boot_run -t 300 'dpkg -P mamori' >/dev/null
assert_eq "purge: dpkg -P succeeds" 0 "$?"
assert_eq "purge: the state is deleted" gone "$(boot_run '[ -e /var/lib/mamori ] && echo there || echo gone')"
assert_eq "purge: /etc/mamori is deleted" gone "$(boot_run '[ -e /etc/mamori ] && echo there || echo gone')"
out=$(boot_run -t 300 "cd /root && apt-get install -y -q ./$(basename "$DEB")")
assert_eq "reinstall: apt install ./mamori_*.deb" 0 "$?"
boot_wait_for 'systemctl is-active -q mamorid' 60
assert_eq "reinstall: the agent runs" active "$(boot_run 'systemctl is-active mamorid')"
assert_eq "reinstall: the kernel parameter snippet is back" there \
        "$(boot_run '[ -e /etc/default/grub.d/mamori.cfg ] && echo there || echo gone')"
boot_wait_for "mamorictl status >/dev/null" 30
assert_eq "reinstall: a fresh event chain" "event chain intact" "$(boot_run 'mamorictl events --verify')"

T_END=$(date +%s)
echo "boot: image $((T_IMAGE - T_START)) s, boot $((T_UP - T_IMAGE)) s, tests $((T_END - T_UP)) s, total $((T_END - T_START)) s"
finish
