# Booting the test image under QEMU (sourced by tests/boot/test-booted.sh).
# Reuses tests/vm/lib.sh for QMP (vm_qmp) and stopping QEMU (vm_stop); the
# command channel is the same protocol on the second serial port, with a
# marker per command so that a command that timed out cannot hand its
# output to the next one.
set -u

# BOOT_ACCEL: kvm when /dev/kvm really boots a kernel (a probe with a
# one-line initramfs), else tcg. VM-TESTING.md: the nested KVM of this
# project's machines aborts or hangs a stock kernel.
boot_accel() { # vmlinux
        local probe=$VM_DIR/kvm-probe out
        BOOT_ACCEL=tcg BOOT_ACCEL_WHY="software emulation"
        if [ "${MAMORI_BOOT_ACCEL:-}" = tcg ]; then
                BOOT_ACCEL_WHY="software emulation (MAMORI_BOOT_ACCEL=tcg)"
                return 0
        fi
        if [ ! -w /dev/kvm ]; then
                BOOT_ACCEL_WHY="software emulation: no usable /dev/kvm"
                return 0
        fi
        rm -rf "$probe"; mkdir -p "$probe/root/bin"
        cp /bin/busybox "$probe/root/bin/busybox"
        printf '#!/bin/busybox sh\n/bin/busybox echo KVM-PROBE-OK\n/bin/busybox poweroff -f\n' \
                > "$probe/root/init"
        chmod 0755 "$probe/root/init"
        (cd "$probe/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$probe/initrd.gz"
        out=$(timeout 60 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic -no-reboot \
                -nic none -kernel "$1" -initrd "$probe/initrd.gz" \
                -append "console=ttyS0 panic=-1 quiet" 2>&1 </dev/null)
        if printf '%s' "$out" | grep -q KVM-PROBE-OK; then
                BOOT_ACCEL=kvm BOOT_ACCEL_WHY="KVM"
        else
                BOOT_ACCEL_WHY="software emulation: /dev/kvm did not boot a kernel ($(printf '%s' "$out" \
                        | grep -m1 -iE 'error|fail|abort' | cut -c1-80))"
        fi
        rm -rf "$probe"
}

# boot_start DISK VMLINUX INITRD APPEND [qemu args...]: boots a qcow2
# overlay of DISK (which stays as built) and connects the command channel.
boot_start() {
        local disk=$1 vmlinux=$2 initrd=$3 append=$4
        shift 4
        rm -f "$VM_DIR/qmp.sock" "$VM_DIR/cmd.sock" "$VM_DIR/console.log" "$VM_DIR/overlay.qcow2"
        qemu-img create -q -f qcow2 -F raw -b "$disk" "$VM_DIR/overlay.qcow2" || return 1
        local cpu=()
        [ "$BOOT_ACCEL" = kvm ] && cpu=(-cpu host)
        qemu-system-x86_64 -accel "$BOOT_ACCEL" "${cpu[@]}" -m 1024 -smp 2 -nographic -no-reboot \
                -nic none -kernel "$vmlinux" -initrd "$initrd" -append "$append" \
                -drive "file=$VM_DIR/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
                -serial "file:$VM_DIR/console.log" \
                -chardev "socket,id=cmd,path=$VM_DIR/cmd.sock,server=on,wait=off" \
                -device isa-serial,chardev=cmd \
                -qmp "unix:$VM_DIR/qmp.sock,server=on,wait=off" \
                -monitor none "$@" > "$VM_DIR/qemu.log" 2>&1 &
        VM_PID=$!
        for _ in $(seq 200); do [ -S "$VM_DIR/cmd.sock" ] && break; sleep 0.05; done
        [ -S "$VM_DIR/cmd.sock" ] || { cat "$VM_DIR/qemu.log" >&2; return 1; }
        coproc BOOTCMD { socat - "UNIX-CONNECT:$VM_DIR/cmd.sock"; }
        exec 7>&"${BOOTCMD[1]}" 8<&"${BOOTCMD[0]}"
        BOOT_SEQ=0
        for _ in $(seq "${BOOT_TIMEOUT:-900}"); do
                grep -q "guest ready" "$VM_DIR/console.log" 2>/dev/null && return 0
                kill -0 "$VM_PID" 2>/dev/null || break
                sleep 1
        done
        echo "boot: the guest did not come up; console:" >&2
        tail -30 "$VM_DIR/console.log" >&2
        return 1
}

# boot_run [-t SECONDS] CMD: runs CMD in the guest (sh -c), prints its
# output, returns its exit status (255: no answer in time).
boot_run() {
        local t=120 line rc=255 marker seen=0
        if [ "$1" = -t ]; then t=$2; shift 2; fi
        BOOT_SEQ=$((BOOT_SEQ + 1))
        marker="__CMD_${BOOT_SEQ}__"
        printf 'echo %s; %s\n' "$marker" "$*" >&7
        while IFS= read -r -t "$t" line <&8; do
                line=${line%$'\r'}
                if [ "$seen" = 0 ]; then
                        # Output of an earlier command that timed out.
                        [ "$line" = "$marker" ] && seen=1
                        continue
                fi
                case "$line" in
                __END__\ *) rc=${line#__END__ }; break ;;
                *) printf '%s\n' "$line" ;;
                esac
        done
        return "$rc"
}

# boot_wait_for CMD [seconds]: until CMD succeeds in the guest.
boot_wait_for() {
        local cmd=$1 n=${2:-30} end
        end=$(( $(date +%s) + n ))
        while [ "$(date +%s)" -le "$end" ]; do
                boot_run "$cmd" >/dev/null && return 0
                sleep 0.5
        done
        return 1
}

# The sysfs name of the USB device with serial (or vendor:product) $1.
boot_port_of() {
        boot_run "for d in /sys/bus/usb/devices/[0-9]*-*; do case \$d in *:*) continue;; esac; \
                [ \"\$(cat \$d/serial 2>/dev/null)\" = '$1' ] || \
                [ \"\$(cat \$d/idVendor):\$(cat \$d/idProduct)\" = '$1' ] && basename \$d; done" | head -n 1
}

boot_plug() { vm_qmp "{\"execute\":\"device_add\",\"arguments\":$1}" >/dev/null; }
