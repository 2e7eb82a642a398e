#!/bin/sh
# Install the Debian packages mamori needs, only those that are missing.
# Usage: packaging/install-deps.sh GROUP...   (build, test, fuzz, vm, bench)
# Fast when everything is there: one dpkg-query, no apt-get.
set -eu

pkgs_build="make gcc pkg-config libsystemd-dev libudev-dev libblkid-dev libyaml-dev
            libsqlite3-dev libssl-dev libjson-c-dev libmicrohttpd-dev libgnutls28-dev
            libcurl4-openssl-dev gettext"
pkgs_test="libcmocka-dev dbus-daemon sqlite3 jq clang dconf-cli"
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_vm="qemu-system-x86 linux-image-amd64 busybox-static kmod cpio socat dosfstools xz-utils"
pkgs_bench="hyperfine aide time"
pkgs_usbguard="usbguard"
pkgs_desktop="xvfb dconf-cli dconf-service gsettings-desktop-schemas libglib2.0-bin dbus-daemon"
pkgs_upstream="openssl curl jq sqlite3 prometheus chromium fonts-ipafont-gothic"
pkgs_notify="gettext locales jq dbus-daemon dbus-bin xvfb dunst imagemagick fonts-ipafont-gothic"
pkgs_deb="build-essential debhelper dpkg-dev lintian"
pkgs_boot="debootstrap qemu-system-x86 qemu-utils e2fsprogs socat xz-utils"

want=""
for g in "$@"; do
        eval "want=\"\$want \$pkgs_$g\""
done

missing=""
for p in $want; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
        echo "mamori: missing packages:$missing" >&2
        echo "mamori: run as root, or: sudo apt-get install$missing" >&2
        exit 1
fi
echo "mamori: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list makes apt-get install fail; refresh once.
apt-get update -qq >&2 || true
apt-get install -y -qq --no-install-recommends $missing >&2
