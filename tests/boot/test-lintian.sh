#!/bin/bash
# The Debian package by lintian (no error allowed; the warnings kept are
# listed with their reasons in the README), and what the package must
# agree with: the Makefile's version, the build dependencies of
# packaging/install-deps.sh, the files an installed terminal needs.
. "$(dirname "$0")/../integration/lib.sh"
DEB=${MAMORI_DEB:?MAMORI_DEB must name the package (make check-boot)}
CHANGES=${DEB%.deb}.changes

[ -s "$DEB" ] || { not_ok "no package $DEB (make deb)"; finish; exit; }

# Errors fail the test; warnings are printed. The .changes covers the
# debug symbols package too.
out=$(lintian --fail-on error --tag-display-limit 0 "$( [ -e "$CHANGES" ] && echo "$CHANGES" || echo "$DEB")" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    lintian: /'
assert_eq "lintian: no error" 0 "$rc"
assert_not_contains "lintian: no E: line" "E: " "$out"
# A new warning is a decision to take, not to overlook: the README lists
# the ones kept.
new=$(printf '%s\n' "$out" | grep '^W: ' | grep -v 'uses-dpkg-database-directly' || true)
assert_eq "lintian: no warning beyond those the README lists" "" "$new"

version=$(sed -n 's/^VERSION := //p' "$SRC/Makefile")
assert_eq "package version is the Makefile's" "$version" "$(dpkg-deb -f "$DEB" Version)"

# Every build dependency of install-deps.sh (but the compiler and make,
# which build-essential brings) is a Build-Depends of the package.
build_pkgs=$(sh -c ". /dev/stdin; echo \$pkgs_build" <<EOF
$(sed -n '/^pkgs_build="/,/"/p' "$SRC/packaging/install-deps.sh")
EOF
)
missing=""
for p in $build_pkgs; do
        case "$p" in make|gcc) continue ;; esac
        grep -qE "^[[:space:]]+${p}[ ,]|^Build-Depends:.*[ ,]${p}[ ,]" "$SRC/packaging/debian/control" \
                || missing="$missing $p"
done
assert_eq "Build-Depends has every build dependency of install-deps.sh" "" "$missing"

files=$(dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }')
in_pkg() { # what path
        if printf '%s\n' "$files" | grep -qE "(^| )$2\$"; then ok "$1"; else not_ok "$1: no $2 in the package"; fi
}
for f in ./usr/sbin/mamorid ./usr/bin/mamorictl ./usr/libexec/mamori/mamori-usb-early \
                ./lib/systemd/system/mamorid.service ./lib/udev/rules.d/70-mamori-usb.rules \
                ./usr/share/dbus-1/system.d/org.mamori.Agent1.conf \
                ./usr/share/polkit-1/actions/org.mamori.policy \
                ./usr/share/initramfs-tools/hooks/mamori ./usr/share/initramfs-tools/scripts/init-top/mamori \
                ./usr/share/mamori/kernel/grub.cfg ./usr/share/man/man8/mamorid.8.gz \
                ./usr/share/man/man8/mamorictl.8.gz ./usr/share/man/man5/mamori.rules.5.gz \
                ./etc/mamori/mamori.conf ./etc/mamori/usb.rules ./etc/mamori/rules.d/; do
        in_pkg "package has $f" "$f"
done
# The optional programs, man pages and autostart entry of other fragments,
# when the tree has them.
[ -e "$SRC/packaging/xdg/mamori-notify.desktop" ] && \
        in_pkg "package has the XDG autostart entry" ./etc/xdg/autostart/mamori-notify.desktop
for m in "$SRC"/man/*.[158]; do
        n=$(basename "$m"); s=${n##*.}
        in_pkg "package has man page $n" "./usr/share/man/man$s/$n.gz"
done
for r in "$SRC"/rules/*.yaml; do
        in_pkg "package has rules/$(basename "$r")" "./usr/share/mamori/rules/$(basename "$r")"
done
plugins=$(printf '%s\n' "$files" | grep '/usr/lib/mamori/plugins/.*\.so$')
assert_not_contains "plugins are not executable" "rwx" "$plugins"
assert_contains "plugins are root-owned 0644" "-rw-r--r-- root/root ./usr/lib/mamori/plugins/usb.so" "$plugins"
in_pkg "the plugin directory is root-owned 0755" "drwxr-xr-x root/root ./usr/lib/mamori/plugins/"

conffiles=$(dpkg-deb -I "$DEB" conffiles)
assert_contains "mamori.conf is a conffile" /etc/mamori/mamori.conf "$conffiles"
assert_contains "usb.rules is a conffile" /etc/mamori/usb.rules "$conffiles"
# Not a conffile: it must leave with "remove", or the terminal boots with
# every USB device locked out and no agent.
assert_not_contains "the GRUB snippet is not a conffile" grub "$conffiles"
assert_contains "initramfs rebuilt on install and removal" "update-initramfs" "$(dpkg-deb -I "$DEB" triggers)"
grep -vE '^[[:space:]]*(#|$)' "$SRC/packaging/mamori.conf" > "$TMP/conf-settings"
assert_eq "mamori.conf: every default is commented" 0 "$(grep -cvE '^\[' "$TMP/conf-settings")"
finish
