# The virtual-machine harness (sourced by tests/vm/test-*.sh): a Debian
# kernel under QEMU with a busybox initramfs the test builds, USB hot-plug
# over QMP, and commands run in the guest over a second serial port.
# Facts it relies on: ../shared/notes/VM-TESTING.md.
set -u

VM_DIR=${VM_DIR:?}
KVER=${KVER:-$(ls /lib/modules | sort -V | tail -n 1)}
VM_MODULES="xhci-pci usb-storage sd_mod usbhid hid-generic cdc_ether rndis_host usbnet ext4 vfat ${VM_MODULES_EXTRA:-}"

# The uncompressed kernel boots through its PVH entry, about twice as fast
# under TCG as the bzImage's own XZ decompressor (VM-TESTING.md).
vm_kernel() {
        local out=$VM_DIR/vmlinux off
        [ -s "$out" ] && return 0
        off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "/boot/vmlinuz-$KVER" | head -n 1 | cut -d: -f1)
        [ -n "$off" ] || { echo "no XZ payload in /boot/vmlinuz-$KVER" >&2; return 1; }
        tail -c +$((off + 1)) "/boot/vmlinuz-$KVER" | xz -dc > "$out.tmp" 2>/dev/null
        [ -s "$out.tmp" ] && mv "$out.tmp" "$out"
}

# Copy a binary and the shared libraries it needs into the image.
vm_add_binary() { # stage file dest
        local stage=$1 file=$2 dest=$3 lib
        mkdir -p "$stage$(dirname "$dest")"
        cp -L "$file" "$stage$dest"
        for lib in $(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
                [ -e "$stage$lib" ] && continue
                mkdir -p "$stage$(dirname "$lib")"
                cp -L "$lib" "$stage$lib"
        done
}

# vm_initramfs OUT STAGE_HOOK: builds the image; STAGE_HOOK (a function
# name) adds the agent and its files to the staging folder $1.
vm_initramfs() {
        local out=$1 hook=${2:-} stage=$VM_DIR/stage m line
        rm -rf "$stage"
        mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,run,tmp,lib/modules}
        cp /bin/busybox "$stage/bin/busybox"
        cp "$(dirname "${BASH_SOURCE[0]}")/guest-init.sh" "$stage/init"
        chmod 0755 "$stage/init"
        : > "$stage/etc/modules.order"
        for m in $VM_MODULES; do
                modprobe -S "$KVER" --show-depends "$m" 2>/dev/null | while read -r cmd path args; do
                        [ "$cmd" = insmod ] || continue
                        grep -qxF "$path" "$stage/etc/modules.list" 2>/dev/null && continue
                        echo "$path" >> "$stage/etc/modules.list"
                        mkdir -p "$stage$(dirname "$path")"
                        cp "$path" "$stage$path"
                        # Fail closed from the first device on: new devices
                        # arrive unauthorised until the agent decides.
                        case "$path" in */usbcore.ko*) args="authorized_default=0 $args" ;; esac
                        echo "$path $args" >> "$stage/etc/modules.order"
                done
        done
        [ -n "$hook" ] && "$hook" "$stage"
        (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

VM_PID=""
# vm_start INITRD [extra qemu args...]
vm_start() {
        local initrd=$1; shift
        local accel=tcg
        # KVM only when it can really boot a stock kernel (VM-TESTING.md:
        # the nested KVM here cannot); software emulation otherwise.
        if [ -w /dev/kvm ] && [ "${VM_TRY_KVM:-0}" = 1 ]; then accel=kvm; fi
        echo "vm: QEMU with $accel (kernel $KVER)"
        rm -f "$VM_DIR/qmp.sock" "$VM_DIR/cmd.sock"
        qemu-system-x86_64 -accel "$accel" -m 512 -smp 1 -nographic -no-reboot \
                -kernel "$VM_DIR/vmlinux" -initrd "$initrd" \
                -append "console=ttyS0 panic=-1 quiet usb-storage.delay_use=0" \
                -device qemu-xhci,id=xhci \
                -serial "file:$VM_DIR/console.log" \
                -chardev "socket,id=cmd,path=$VM_DIR/cmd.sock,server=on,wait=off" \
                -device isa-serial,chardev=cmd \
                -qmp "unix:$VM_DIR/qmp.sock,server=on,wait=off" \
                -monitor none "$@" > "$VM_DIR/qemu.log" 2>&1 &
        VM_PID=$!
        for _ in $(seq 200); do [ -S "$VM_DIR/cmd.sock" ] && break; sleep 0.05; done
        # One long-lived connection to the guest's command port.
        coproc VMCMD { socat - "UNIX-CONNECT:$VM_DIR/cmd.sock"; }
        # Coprocess fds are not inherited by subshells; copies on fixed
        # numbers are, so that $(vm_run ...) works.
        exec 7>&"${VMCMD[1]}" 8<&"${VMCMD[0]}"
        for _ in $(seq 600); do grep -q "guest ready" "$VM_DIR/console.log" 2>/dev/null && return 0; sleep 0.1; done
        echo "vm: guest did not come up; console:" >&2; tail -20 "$VM_DIR/console.log" >&2
        return 1
}

vm_stop() {
        [ -n "$VM_PID" ] && kill "$VM_PID" 2>/dev/null && wait "$VM_PID" 2>/dev/null
        VM_PID=""
}

# vm_run CMD: runs CMD in the guest; prints its output; returns its status.
vm_run() {
        local line rc=255
        printf '%s\n' "$*" >&7
        while IFS= read -r -t 60 line <&8; do
                line=${line%$'\r'}
                case "$line" in
                __END__\ *) rc=${line#__END__ }; break ;;
                *) printf '%s\n' "$line" ;;
                esac
        done
        return "$rc"
}

# vm_qmp JSON...: one QMP session per call (capabilities, then each command).
vm_qmp() {
        { echo '{"execute":"qmp_capabilities"}'; for c in "$@"; do echo "$c"; done; sleep 0.3; } \
                | socat -t 2 - "UNIX-CONNECT:$VM_DIR/qmp.sock"
}

# vm_wait_for CMD [seconds]: until CMD succeeds in the guest.
vm_wait_for() {
        local cmd=$1 n=${2:-20}
        for _ in $(seq $((n * 5))); do vm_run "$cmd" >/dev/null && return 0; sleep 0.2; done
        return 1
}
