#!/bin/busybox sh
# /init of the test guest: mounts the kernel's file systems, loads the USB
# modules (usbcore with authorized_default=0: fail closed from the first
# device on), starts the agent when the image has one, then serves the
# host's commands on the second serial port: one command per line, its
# output, then "__END__ <exit status>".
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp /var/lib/mamori
while read -r mod args; do
        insmod "$mod" $args 2>/dev/null
done < /etc/modules.order
[ -x /etc/rc.local ] && /etc/rc.local
stty -F /dev/ttyS1 raw -echo 2>/dev/null
# One open of the port for the whole session: reopening it per command
# could drop input the host already sent.
exec 3</dev/ttyS1 4>/dev/ttyS1
echo "guest ready" > /dev/ttyS0
while true; do
        IFS= read -r cmd <&3 || { sleep 0.1; continue; }
        [ -z "$cmd" ] && continue
        out=$(sh -c "$cmd" 2>&1); rc=$?
        printf '%s\n__END__ %d\n' "$out" "$rc" >&4
done
