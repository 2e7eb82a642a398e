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
