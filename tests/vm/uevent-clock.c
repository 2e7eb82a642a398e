/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs in the benchmark guest: prints every kernel uevent as
 * "<CLOCK_MONOTONIC usec> <action>@<devpath>", so that the time from a USB
 * device's "add" to the "add" of its first interface (which the kernel
 * creates only once something wrote authorized=1) can be measured the same
 * way for mamorid and for usbguard-daemon. Built static: the guest has no
 * libc of its own. */
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(void) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
        char buf[8192];
        int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        int size = 4 * 1024 * 1024;

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                perror("uevent-clock");
                return 1;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
        setvbuf(stdout, NULL, _IOLBF, 0);
        for (;;) {
                struct timespec ts;
                ssize_t k = recv(fd, buf, sizeof buf - 1, 0);

                if (k <= 0)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                buf[k] = '\0';
                if (!strchr(buf, '@'))
                        continue; /* libudev's messages, not the kernel's */
                printf("%lld %s\n", (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000, buf);
        }
}
