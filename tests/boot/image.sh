# The booted-system test's Debian 12 image (sourced by tests/boot/test-*.sh).
#
# Two caches under build/boot-image/ (MAMORI_BOOT_CACHE to move them):
#   base-KEY/rootfs   debootstrap's tree; KEY hashes the suite, the package
#                     list, the mirror and this file's BASE_FORMAT
#   disk-KEY/         the base with the test's own files and the .deb
#                     installed by apt, as a raw ext4 disk, with the
#                     image's kernel (uncompressed) and initramfs; KEY hashes
#                     the base key, the .deb, this file and tests/boot/guest/
# A cold run builds both (debootstrap from the mirror apt already uses); a
# warm run with an unchanged .deb reuses the disk. The boot itself runs on
# a qcow2 overlay, so the cached disk stays as built.
set -u

BOOT_SUITE=bookworm
# Bump when the base's recipe changes in a way the package list does not show.
BASE_FORMAT=1
# systemd as PID 1 with logind (polkitd needs it), the bus, udev, polkit,
# a kernel with initramfs-tools (the package's hook), and the libraries the
# package links, so that apt installs it without fetching anything.
BOOT_INCLUDE="systemd-sysv,dbus,udev,libpam-systemd,polkitd,linux-image-amd64,initramfs-tools,kmod,\
libyaml-0-2,libsqlite3-0,libssl3,libjson-c5,libblkid1,libudev1,libsystemd0,libmicrohttpd12,libgnutls30,libcurl4"
BOOT_CACHE=${MAMORI_BOOT_CACHE:-$SRC/build/boot-image}
BOOT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BOOT_MOUNTS=""

boot_log() { echo "boot: $*"; }

# The archive apt on this machine installs bookworm from.
boot_mirror() {
        local m
        m=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(IDENTIFIER)' 2>/dev/null \
                | awk -v s="$BOOT_SUITE" '$2 == s && $3 == "Packages" { print $1; exit }')
        [ -n "$m" ] || m=$(apt-get indextargets --format '$(REPO_URI) $(IDENTIFIER)' 2>/dev/null \
                | awk '$2 == "Packages" && $1 !~ /security/ { print $1; exit }')
        echo "${m:-http://deb.debian.org/debian/}"
}

boot_hash() { sha256sum | cut -c1-16; }

# Undo every mount under the cache, innermost first: the chroot's /proc and
# /dev (also those a killed earlier run left), before anything is deleted.
boot_umount_all() {
        local m
        for m in $BOOT_MOUNTS; do umount -l "$m" 2>/dev/null; done
        BOOT_MOUNTS=""
        [ -d "$BOOT_CACHE" ] || return 0
        awk -v c="$(cd "$BOOT_CACHE" && pwd -P)/" 'index($2, c) == 1 { print $2 }' /proc/self/mounts \
                | sort -r | while read -r m; do umount -l "$m"; done
}

# rm -rf that never crosses into another file system (a bind mount of /dev).
boot_rm() {
        boot_umount_all
        rm -rf --one-file-system "$@"
}

boot_chroot_mounts() { # root
        mount -t proc proc "$1/proc" && BOOT_MOUNTS="$1/proc $BOOT_MOUNTS"
        mount --bind /dev "$1/dev" && BOOT_MOUNTS="$1/dev $BOOT_MOUNTS"
}

# boot_base: sets BASE to the cached debootstrap tree, building it if needed.
boot_base() {
        local mirror key dir t0
        mirror=$(boot_mirror)
        key=$(printf '%s\n' "$BOOT_SUITE" "$BOOT_INCLUDE" "$mirror" "$BASE_FORMAT" | boot_hash)
        dir=$BOOT_CACHE/base-$key
        BASE=$dir/rootfs BASE_KEY=$key
        if [ -e "$dir/done" ]; then
                boot_log "base image cached ($dir)"
                return 0
        fi
        boot_log "building the base image: debootstrap $BOOT_SUITE from $mirror"
        t0=$(date +%s)
        # Older bases are of no further use.
        boot_rm "$BOOT_CACHE"/base-*
        mkdir -p "$dir.tmp"
        if ! debootstrap --variant=minbase --include="$BOOT_INCLUDE" "$BOOT_SUITE" \
                        "$dir.tmp/rootfs" "$mirror" > "$dir.tmp/debootstrap.log" 2>&1; then
                tail -20 "$dir.tmp/debootstrap.log"
                return 1
        fi
        mv "$dir.tmp" "$dir"
        touch "$dir/done"
        boot_log "base image built in $(( $(date +%s) - t0 )) s"
}

# The kernel's uncompressed image: booted through its PVH entry, about twice
# as fast under TCG as the bzImage's own decompressor (VM-TESTING.md).
boot_extract_vmlinux() { # vmlinuz out
        local off
        off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | head -n 1 | cut -d: -f1)
        [ -n "$off" ] || { echo "no XZ payload in $1" >&2; return 1; }
        tail -c +$((off + 1)) "$1" | xz -dc > "$2" 2>/dev/null
        [ -s "$2" ]
}

# The test's own files in the image: never part of the package.
boot_customise() { # root
        local r=$1
        echo mamori-terminal > "$r/etc/hostname"
        printf '127.0.1.1\tmamori-terminal\n' >> "$r/etc/hosts"
        echo "/dev/vda / ext4 defaults 0 1" > "$r/etc/fstab"
        install -m 0755 "$BOOT_HERE/guest/mamori-test-shell" "$r/usr/local/sbin/mamori-test-shell"
        install -m 0644 "$BOOT_HERE/guest/mamori-test-shell.service" "$r/etc/systemd/system/"
        ln -sf /etc/systemd/system/mamori-test-shell.service \
                "$r/etc/systemd/system/multi-user.target.wants/mamori-test-shell.service"
        # No password, no getty on the console: the test talks over ttyS1.
        ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
        # The package puts its kernel parameter here when GRUB's directory
        # exists; the image boots without GRUB, so the test passes it itself.
        mkdir -p "$r/etc/default/grub.d"
        # A small initramfs: the disk, the USB controller, the file system.
        cat > "$r/etc/initramfs-tools/conf.d/mamori-boot-test" <<'X'
MODULES=list
COMPRESS=gzip
X
        printf '%s\n' virtio_pci virtio_blk ext4 xhci_pci xhci_hcd usbhid hid_generic \
                > "$r/etc/initramfs-tools/modules"
        # A staff member's home, for the sandbox's read-only check.
        mkdir -p "$r/home/staff"
        # PackageKit's install action as a desktop has it (allow_active yes):
        # the software plugin then enforces by writing a root-owned rule into
        # /etc/polkit-1/rules.d, an enforcement write the sandbox must allow.
        cat > "$r/usr/share/polkit-1/actions/org.freedesktop.packagekit.policy" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<policyconfig>
  <action id="org.freedesktop.packagekit.package-install">
    <description>Install package (mamori boot test)</description>
    <defaults><allow_any>auth_admin</allow_any><allow_inactive>auth_admin</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
</policyconfig>
X
}

# boot_disk DEB: sets DISK, VMLINUX, INITRD (cached by the .deb's hash).
boot_disk() {
        local deb=$1 key dir work v up t0 size
        boot_base || return 1
        key=$( { echo "$BASE_KEY"; cat "$deb" "${BASH_SOURCE[0]}" "$BOOT_HERE"/guest/*; } | boot_hash)
        dir=$BOOT_CACHE/disk-$key
        DISK=$dir/disk.raw VMLINUX=$dir/vmlinux INITRD=$dir/initrd.img
        if [ -e "$dir/done" ]; then
                boot_log "disk image cached ($dir)"
                return 0
        fi
        t0=$(date +%s)
        boot_rm "$BOOT_CACHE"/disk-*
        mkdir -p "$dir"
        work=$dir/rootfs
        boot_log "installing $(basename "$deb") into a copy of the base"
        cp -a "$BASE" "$work"
        boot_customise "$work"
        cp "$deb" "$work/root/"
        # An "upgrade": the same package with a higher version.
        v=$(dpkg-deb -f "$deb" Version)
        up=$dir/up
        dpkg-deb -R "$deb" "$up"
        sed -i "s/^Version: .*/Version: $v+boot1/" "$up/DEBIAN/control"
        dpkg-deb --root-owner-group -Zgzip -b "$up" "$work/root/mamori_${v}+boot1_upgrade.deb" >/dev/null
        boot_rm "$up"

        # Nothing may start inside the chroot.
        printf '#!/bin/sh\nexit 101\n' > "$work/usr/sbin/policy-rc.d"
        chmod 0755 "$work/usr/sbin/policy-rc.d"
        cp /etc/resolv.conf "$work/etc/resolv.conf" 2>/dev/null || true
        boot_chroot_mounts "$work"
        local name
        name=$(basename "$deb")
        if ! chroot "$work" env DEBIAN_FRONTEND=noninteractive \
                        apt-get install -y -q --no-download "./root/$name" > "$dir/apt.log" 2>&1; then
                # A dependency the base does not have: fetch it.
                chroot "$work" env DEBIAN_FRONTEND=noninteractive apt-get update -q >> "$dir/apt.log" 2>&1
                if ! chroot "$work" env DEBIAN_FRONTEND=noninteractive \
                                apt-get install -y -q "./root/$name" >> "$dir/apt.log" 2>&1; then
                        tail -20 "$dir/apt.log"
                        boot_umount_all
                        return 1
                fi
        fi
        # apt ran the package's initramfs trigger (dh_installinitramfs):
        # the image for the installed kernel must have the hook's files.
        if ! chroot "$work" sh -c 'lsinitramfs /boot/initrd.img-*' 2>/dev/null \
                        | grep -q 'usr/libexec/mamori/mamori-usb-early'; then
                boot_log "the package's trigger did not rebuild the initramfs; running update-initramfs"
                chroot "$work" update-initramfs -u -k all >> "$dir/apt.log" 2>&1
        fi
        boot_umount_all
        rm -f "$work/usr/sbin/policy-rc.d"
        # dpkg inside the running guest does not rebuild it again (minutes
        # under TCG, and the test boots only once).
        sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$work/etc/initramfs-tools/update-initramfs.conf"
        : > "$work/etc/resolv.conf"

        boot_extract_vmlinux "$(ls "$work"/boot/vmlinuz-* | sort -V | tail -n 1)" "$VMLINUX" || return 1
        cp "$(ls "$work"/boot/initrd.img-* | sort -V | tail -n 1)" "$INITRD"
        size=$(( $(du -sm "$work" | cut -f1) * 3 / 2 + 512 ))
        if ! mkfs.ext4 -q -F -L mamori-root -d "$work" "$DISK" "${size}M"; then
                return 1
        fi
        boot_rm "$work"
        touch "$dir/done"
        boot_log "disk image built in $(( $(date +%s) - t0 )) s (${size} MB, sparse)"
}
