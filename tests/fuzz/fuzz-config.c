/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mamori.conf parser: any bytes either parse into settings that keep the
 * parser's promises or fail with -EINVAL/-EFBIG and a message. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p, bool empty_ok) {
        if (!p || (!(empty_ok && !*p) && p[0] != '/'))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ConfigError e = {};
        Config c;
        int r;

        /* A little past the 64 KiB limit, so the size check is reached too. */
        if (size > 70 * 1024)
                return 0;
        if (config_init(&c) < 0)
                return 0;
        r = config_parse_buffer(&c, "fuzz.conf", (const char *) data, size, &e);
        if (r < 0) {
                if (r != -EINVAL && r != -EFBIG && r != -ENOMEM)
                        abort();
                if (!e.message[0] || !streq(e.file, "fuzz.conf"))
                        abort();
                /* The message is one line: nothing from the input can end it early. */
                for (const char *m = e.message; *m; m++)
                        if ((unsigned char) *m < 0x20)
                                abort();
        } else {
                check_path(c.state_dir, false);
                check_path(c.report_file, true);
                check_path(c.plugin_dir, false);
                check_path(c.usb_rules, false);
                if (!c.rules_dirs)
                        abort();
                for (char **d = c.rules_dirs; *d; d++)
                        check_path(*d, false);
                if (c.log_level < 0 || c.log_level > 7)
                        abort();
                if (c.default_interval_usec < USEC_PER_SEC)
                        abort();
                if (c.terminal && (!*c.terminal || strlen(c.terminal) > 255))
                        abort();
        }
        config_done(&c);
        return 0;
}
