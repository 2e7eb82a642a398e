/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The administrator's USB rule file (/etc/mamori/usb.rules, the USBGuard
 * rule language) and the managed media register kept in it (詳細編
 * 2.2(4)①②): `register` appends an allow rule pinned to the medium's id,
 * serial and hash, `unregister` removes the rules pinned to its hash. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usb-plugin.h"

int usb_out(UsbPlugin *u, const char *fmt, ...) {
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        return u->api->action_output(u->host, line);
}

static const char *rel(const char *path) {
        while (*path == '/')
                path++;
        return path;
}

static int read_rule_file(UsbPlugin *u, const char *path, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;
        int fd;

        fd = openat(u->api->root_fd, rel(path), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k;

                if (size + 4096 > alloc) {
                        char *nb;
                        alloc = alloc ? alloc * 2 : 8192;
                        if (alloc > USB_RULES_SIZE_MAX + 8192) {
                                close(fd);
                                return -EFBIG;
                        }
                        nb = realloc(buf, alloc);
                        if (!nb) {
                                close(fd);
                                return -ENOMEM;
                        }
                        buf = nb;
                }
                k = read(fd, buf + size, alloc - size - 1);
                if (k < 0) {
                        k = -errno;
                        close(fd);
                        return (int) k;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        close(fd);
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int write_rule_file(UsbPlugin *u, const char *data, size_t size) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        const char *path = rel(u->rule_file);
        mode_t mode = 0600;
        struct stat st;
        char *slash;
        ssize_t k;
        int fd;

        dir = strdup(path);
        if (!dir || asprintf(&tmp, "%s.mamori-tmp", path) < 0)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                (void) mkdirat(u->api->root_fd, dir, 0755);
        }
        /* The file keeps the mode the administrator (or the package) gave
         * it; a new one is 0600 root: the register names the media that
         * may carry data out. */
        if (fstatat(u->api->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode))
                mode = st.st_mode & 0644;
        fd = openat(u->api->root_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        (void) fchmod(fd, mode);
        k = write(fd, data, size);
        if (k < 0 || (size_t) k != size || fsync(fd) < 0) {
                int r = k < 0 ? -errno : -EIO;
                close(fd);
                (void) unlinkat(u->api->root_fd, tmp, 0);
                return r;
        }
        close(fd);
        if (renameat(u->api->root_fd, tmp, u->api->root_fd, path) < 0) {
                int r = -errno;
                (void) unlinkat(u->api->root_fd, tmp, 0);
                return r;
        }
        return 0;
}

int usb_rules_reload(UsbPlugin *u) {
        _cleanup_free_ char *buf = NULL;
        UsbRuleSet *set = NULL;
        UsbRuleError e = {};
        size_t size;
        int r;

        free(u->rules_error);
        u->rules_error = NULL;
        r = read_rule_file(u, u->rule_file, &buf, &size);
        if (r == -ENOENT) {
                /* No register yet: the implicit policy alone decides. */
                u->rules = usb_rule_set_free(u->rules);
                return 0;
        }
        if (r < 0) {
                if (asprintf(&u->rules_error, "cannot read it: %s", strerror(-r)) < 0)
                        u->rules_error = NULL;
                return r;
        }
        r = usb_rules_parse_buffer(buf, size, &set, &e);
        if (r < 0) {
                /* Keep the rules in force (none at first start: fail closed). */
                if (asprintf(&u->rules_error, "line %u, column %u: %s", e.line, e.column, e.message) < 0)
                        u->rules_error = NULL;
                u->api->log(u->host, LOG_ERR, "%s:%u:%u: %s; keeping the USB rules in force",
                            u->rule_file, e.line, e.column, e.message);
                return r;
        }
        usb_rule_set_free(u->rules);
        u->rules = set;
        return 0;
}

/* A string in the rule language: quotes and backslashes escaped, anything
 * unprintable as \xNN, so that any serial number round-trips. */
static int quote(const char *s, char **ret) {
        size_t n = strlen(s);
        char *q = malloc(n * 4 + 3), *p = q;

        if (!q)
                return -ENOMEM;
        *p++ = '"';
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                if (*c == '"' || *c == '\\') {
                        *p++ = '\\';
                        *p++ = (char) *c;
                } else if (*c < 0x20 || *c >= 0x7f)
                        p += sprintf(p, "\\x%02x", *c);
                else
                        *p++ = (char) *c;
        }
        *p++ = '"';
        *p = '\0';
        *ret = q;
        return 0;
}

/* DEVICE is a port ("2-1") or a hash; finds the present device. */
static int find_device(UsbPlugin *u, const char *which, UsbSysDevice **ret) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (!strchr(which, '/') && usb_sys_read(u->api->root_fd, which, ret) >= 0)
                return 0;
        r = usb_sys_list(u->api->root_fd, &names);
        if (r < 0)
                return r;
        for (char **n = names; *n; n++) {
                UsbSysDevice *d = NULL;

                if (usb_sys_read(u->api->root_fd, *n, &d) < 0)
                        continue;
                if (strcmp(d->hash, which) == 0) {
                        *ret = d;
                        return 0;
                }
                usb_sys_device_free(d);
        }
        return -ENODEV;
}

int usb_action_register(UsbPlugin *u, const char *const *args) {
        _cleanup_(usb_sys_device_freep) UsbSysDevice *d = NULL;
        _cleanup_free_ char *buf = NULL, *line = NULL, *qserial = NULL, *qlabel = NULL, *label = NULL,
                            *out = NULL, *subject = NULL;
        _cleanup_(usb_rule_freep) UsbRule *check = NULL;
        const char *which = NULL, *text = NULL;
        bool read_only = false;
        UsbRuleError e = {};
        size_t size = 0;
        int r;

        for (size_t i = 0; args[i]; i++) {
                if (strcmp(args[i], "--read-only") == 0)
                        read_only = true;
                else if (strcmp(args[i], "--label") == 0 && args[i + 1])
                        text = args[++i];
                else if (args[i][0] != '-' && !which)
                        which = args[i];
                else {
                        usb_out(u, "usage: register DEVICE [--read-only] [--label TEXT] (unexpected \"%s\")", args[i]);
                        return -EINVAL;
                }
        }
        if (!which) {
                usb_out(u, "usage: register DEVICE [--read-only] [--label TEXT]; see 'mamorictl usb list'");
                return -EINVAL;
        }
        r = find_device(u, which, &d);
        if (r < 0) {
                usb_out(u, "no USB device %s is present (give its port from 'mamorictl usb list', or its hash)", which);
                return r;
        }
        if (d->root_hub) {
                usb_out(u, "%s is a root hub, not a medium", d->name);
                return -EINVAL;
        }
        if (asprintf(&label, "%s%s%s", read_only ? "read-only" : "", read_only && text ? ": " : "",
                     text ? text : "") < 0 ||
            quote(d->serial ? d->serial : "", &qserial) < 0 || quote(label, &qlabel) < 0)
                return -ENOMEM;
        if (asprintf(&line, "allow id %s:%s serial %s hash \"%s\"%s%s\n", d->id_vendor, d->id_product,
                     qserial, d->hash, *label ? " label " : "", *label ? qlabel : "") < 0)
                return -ENOMEM;
        /* Never write a line that would not load back. */
        r = usb_rule_parse_line(line, strlen(line) - 1, &check, &e);
        if (r < 0) {
                usb_out(u, "internal error: the rule \"%s\" does not parse: %s", line, e.message);
                return -EINVAL;
        }

        r = read_rule_file(u, u->rule_file, &buf, &size);
        if (r < 0 && r != -ENOENT) {
                usb_out(u, "cannot read %s: %s", u->rule_file, strerror(-r));
                return r;
        }
        if (asprintf(&out, "%s%s# registered %s %s:%s (%s)\n%s", buf ? buf : "",
                     buf && size > 0 && buf[size - 1] != '\n' ? "\n" : "", d->name, d->id_vendor,
                     d->id_product, d->product ? d->product : "no name", line) < 0)
                return -ENOMEM;
        r = write_rule_file(u, out, strlen(out));
        if (r < 0) {
                usb_out(u, "cannot write %s: %s", u->rule_file, strerror(-r));
                return r;
        }
        r = usb_rules_reload(u);
        if (r < 0) {
                usb_out(u, "%s no longer loads: %s", u->rule_file, u->rules_error ? u->rules_error : strerror(-r));
                return r;
        }
        (void) usb_device_subject(d, &subject);
        (void) u->api->emit_event(u->host, "usb.registered", subject ? subject : d->name, line);
        usb_out(u, "registered %s %s:%s serial %s%s; rule added to %s", d->name, d->id_vendor,
                d->id_product, d->serial && *d->serial ? d->serial : "(none)",
                read_only ? " read-only" : "", u->rule_file);
        /* Authorise it now. */
        return usb_decide_one(u, d->name);
}

int usb_action_unregister(UsbPlugin *u, const char *const *args) {
        _cleanup_(usb_sys_device_freep) UsbSysDevice *d = NULL;
        _cleanup_free_ char *buf = NULL, *out = NULL, *needle = NULL;
        const char *hash;
        size_t size = 0, removed = 0;
        char *p, *o;
        int r;

        if (!args[0] || args[1]) {
                usb_out(u, "usage: unregister DEVICE (its port, or its hash)");
                return -EINVAL;
        }
        hash = find_device(u, args[0], &d) >= 0 ? d->hash : args[0];
        if (asprintf(&needle, "hash \"%s\"", hash) < 0)
                return -ENOMEM;
        r = read_rule_file(u, u->rule_file, &buf, &size);
        if (r < 0) {
                usb_out(u, "cannot read %s: %s", u->rule_file, strerror(-r));
                return r;
        }
        out = malloc(size + 1);
        if (!out)
                return -ENOMEM;
        o = out;
        for (p = buf; *p;) {
                char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t) (nl - p) + 1 : strlen(p);

                if (memmem(p, l, needle, strlen(needle)) && strncmp(p, "allow", 5) == 0)
                        removed++;
                else {
                        memcpy(o, p, l);
                        o += l;
                }
                p += l;
        }
        *o = '\0';
        if (removed == 0) {
                usb_out(u, "no allow rule in %s is pinned to hash %s", u->rule_file, hash);
                return -ENOENT;
        }
        r = write_rule_file(u, out, (size_t) (o - out));
        if (r < 0) {
                usb_out(u, "cannot write %s: %s", u->rule_file, strerror(-r));
                return r;
        }
        (void) usb_rules_reload(u);
        (void) u->api->emit_event(u->host, "usb.unregistered", hash, needle);
        usb_out(u, "removed %zu rule%s pinned to %s from %s", removed, removed == 1 ? "" : "s", hash,
                u->rule_file);
        return d ? usb_decide_one(u, d->name) : 0;
}

int usb_action_check_rules(UsbPlugin *u, const char *const *args) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_(usb_rule_set_freep) UsbRuleSet *set = NULL;
        const char *path = args[0] ? args[0] : u->rule_file ? u->rule_file : USB_DEFAULT_RULE_FILE;
        UsbRuleError e = {};
        size_t size;
        int r;

        r = read_rule_file(u, path, &buf, &size);
        if (r < 0) {
                usb_out(u, "%s: cannot read: %s", path, strerror(-r));
                return r;
        }
        r = usb_rules_parse_buffer(buf, size, &set, &e);
        if (r < 0) {
                usb_out(u, "%s:%u:%u: %s", path, e.line, e.column, e.message);
                return r;
        }
        usb_out(u, "%s: %zu USB rules: OK", path, set->n_rules);
        return 0;
}

int usb_action_list(UsbPlugin *u) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = usb_sys_list(u->api->root_fd, &names);
        if (r < 0) {
                usb_out(u, "cannot list USB devices: %s", strerror(-r));
                return r;
        }
        for (char **n = names; *n; n++) {
                _cleanup_(usb_sys_device_freep) UsbSysDevice *d = NULL;
                _cleanup_free_ char *ifaces = NULL;
                UsbDecision dec = {};

                if (usb_sys_read(u->api->root_fd, *n, &d) < 0 || d->root_hub)
                        continue;
                if (usb_decide_quietly(u->rules, d, &dec) < 0)
                        continue;
                (void) usb_device_interfaces_string(d, &ifaces);
                usb_out(u, "%-8s %s:%s %-24s serial %-16s %s  %s  [%s] hash %s", d->name, d->id_vendor,
                        d->id_product, d->product ? d->product : "-",
                        d->serial && *d->serial ? d->serial : "-",
                        d->authorized == 1 ? "authorised" : "unauthorised",
                        dec.verdict == USB_VERDICT_ALLOW ? "allow" :
                        dec.verdict == USB_VERDICT_ALLOW_INTERFACES ? "allow-interfaces" :
                        dec.verdict == USB_VERDICT_REJECT ? "reject" : "block",
                        ifaces ? ifaces : "", d->hash);
                usb_decision_done(&dec);
        }
        return 0;
}
