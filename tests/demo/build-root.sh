#!/bin/sh
# Builds a demo staff terminal under DIR: the files mamori reads, as a
# Debian 12 terminal has them, with a few typical deviations from the
# policy so that the report has something to say.
set -eu
root=${1:?usage: build-root.sh DIR}
rm -rf "$root"
mkdir -p "$root/etc/security/pwquality.conf.d" "$root/etc/pam.d" "$root/home/taro" \
        "$root/home/hanako" "$root/var/lib/dpkg"
echo lib-demo-01 > "$root/etc/hostname"
echo 12.8 > "$root/etc/debian_version"

cat > "$root/etc/passwd" <<'X'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
libadmin:x:1000:1000:Library administrator,,,:/home/libadmin:/bin/bash
taro:x:1001:1001:Taro Fujisawa,,,:/home/taro:/bin/bash
hanako:x:1002:1002:Hanako Enoshima,,,:/home/hanako:/bin/bash
kiosk:x:1003:1003:Catalogue kiosk,,,:/home/kiosk:/bin/bash
X
# Hashes are placeholders in the real format; kiosk has an empty password.
cat > "$root/etc/shadow" <<'X'
root:!:19700:0:99999:7:::
daemon:*:19700:0:99999:7:::
bin:*:19700:0:99999:7:::
sys:*:19700:0:99999:7:::
www-data:*:19700:0:99999:7:::
nobody:*:19700:0:99999:7:::
systemd-network:!*:19700::::::
libadmin:$y$j9T$DEMOdemoDEMOdemo$DEMOdemoDEMOdemoDEMOdemoDEMOdemoDEMOdemoD:19700:0:90:7:::
taro:$y$j9T$DEMOdemoDEMOdemo$DEMOdemoDEMOdemoDEMOdemoDEMOdemoDEMOdemoE:19700:0:90:7:::
hanako:$y$j9T$DEMOdemoDEMOdemo$DEMOdemoDEMOdemoDEMOdemoDEMOdemoDEMOdemoF:19700:0:99999:7:::
kiosk::19700:0:99999:7:::
X
chmod 0640 "$root/etc/shadow"
cat > "$root/etc/group" <<'X'
root:x:0:
daemon:x:1:
sudo:x:27:libadmin,taro
users:x:100:taro,hanako,kiosk
libadmin:x:1000:
taro:x:1001:
hanako:x:1002:
kiosk:x:1003:
X
cat > "$root/etc/login.defs" <<'X'
# /etc/login.defs on the demo terminal (Debian's default ageing, unchanged).
MAIL_DIR        /var/mail
PASS_MAX_DAYS   99999
PASS_MIN_DAYS   0
PASS_WARN_AGE   7
UID_MIN         1000
UID_MAX         60000
ENCRYPT_METHOD  YESCRYPT
X
cat > "$root/etc/security/pwquality.conf" <<'X'
# Configuration for systemwide password quality limits
minlen = 12
minclass = 3
X
cat > "$root/etc/pam.d/common-password" <<'X'
# /etc/pam.d/common-password - password-related modules common to all services
password        requisite                       pam_pwquality.so retry=3
password        [success=1 default=ignore]      pam_unix.so obscure use_authtok try_first_pass yescrypt
password        requisite                       pam_deny.so
password        required                        pam_permit.so
X

# --- installed software (dpkg) and apt's view of the security suite ------
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/apt/lists" "$root/var/log/apt"
pkg() { # name version [arch]
        printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: %s\nVersion: %s\nDescription: demo\n\n' \
                "$1" "${3:-amd64}" "$2"
}
{
        pkg base-files 12.4+deb12u8
        pkg bash 5.2.15-2+b7
        pkg openssl 3.0.15-1~deb12u1
        pkg libssl3 3.0.15-1~deb12u1
        pkg firefox-esr 128.5.0esr-1~deb12u1
        pkg thunderbird 1:128.5.0esr-1~deb12u1
        pkg gimp 2.10.34-1+deb12u2
        pkg sudo 1.9.13p3-1+deb12u1
} > "$root/var/lib/dpkg/status"
# The security suite has a newer openssl, published ten days ago.
sec="$root/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security"
printf 'Package: openssl\nVersion: 3.0.17-1~deb12u2\nArchitecture: amd64\n\nPackage: libssl3\nVersion: 3.0.17-1~deb12u2\nArchitecture: amd64\n\n' \
        > "${sec}_main_binary-amd64_Packages"
printf 'Origin: Debian\nSuite: bookworm-security\nDate: %s\n' "$(date -u -R -d '10 days ago')" > "${sec}_InRelease"
touch -d '10 days ago' "${sec}_main_binary-amd64_Packages" "${sec}_InRelease"

# --- a USB controller: one root hub left open, one unregistered stick ----
# Attributes and descriptors as QEMU's devices show them
# (tests/fixtures/usb/qemu-devices.txt).
usb="$root/sys/devices/pci0000:00/0000:00:04.0/usb2"
mkdir -p "$usb/2-1" "$root/sys/bus/usb/devices"
attr() { printf '%s\n' "$2" > "$1"; }
hex() { printf '%s' "$1" | sed 's/../\\x&/g' | xargs -0 printf > "$2"; }
attr "$usb/idVendor" 1d6b; attr "$usb/idProduct" 0003; attr "$usb/product" "xHCI Host Controller"
attr "$usb/serial" 0000:00:04.0; attr "$usb/authorized" 1; attr "$usb/authorized_default" 1
attr "$usb/interface_authorized_default" 1
hex 12010003090003096b1d030001060302010109021f00010100e0000904000001090000000705810302000c063000000200 "$usb/descriptors"
attr "$usb/2-1/idVendor" 46f4; attr "$usb/2-1/idProduct" 0001; attr "$usb/2-1/product" "QEMU USB HARDDRIVE"
attr "$usb/2-1/serial" PRIVATE-STICK; attr "$usb/2-1/authorized" 1
hex 1201000300000009f446010000000102030109022c00010106c0000904000002080650000705810200040006300f0000000705020200040006300f000000 \
        "$usb/2-1/descriptors"
ln -s ../../../devices/pci0000:00/0000:00:04.0/usb2 "$root/sys/bus/usb/devices/usb2"
ln -s ../../../devices/pci0000:00/0000:00:04.0/usb2/2-1 "$root/sys/bus/usb/devices/2-1"

# --- a program downloaded into a staff home (7.4(1)) --------------------
mkdir -p "$root/home/taro/Downloads"
printf '#!/bin/sh\necho free game\n' > "$root/home/taro/Downloads/game.sh"
chmod 0755 "$root/home/taro/Downloads/game.sh"
