/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "collect_inventory.h"
#include "util.h"

void inventory_done(Inventory *inv) {
        if (!inv)
                return;
        for (size_t i = 0; i < inv->n; i++) {
                free(inv->items[i].name);
                free(inv->items[i].address);
        }
        free(inv->items);
        *inv = (Inventory) {};
}

_printf_(4, 5) static int fail(InventoryError *e, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;

        if (e) {
                snprintf(e->file, sizeof e->file, "%s", file);
                e->line = line;
                va_start(ap, fmt);
                vsnprintf(e->message, sizeof e->message, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static bool valid_name(const char *s) {
        size_t n = strlen(s);

        return n > 0 && n <= INVENTORY_MAX_NAME &&
               strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A DNS name (letters, digits, '-', dots between labels of 1 to 63) or
 * a numeric address: nothing that curl could read as a URL of its own. */
static bool valid_hostname(const char *s) {
        size_t n = strlen(s), label = 0;

        if (n == 0 || n > 253)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0 || s[n - 1] == '.';
}

static int parse_line(char *line, const char *file, unsigned lineno, Terminal *ret, InventoryError *e) {
        char *fields[4] = {}, *save = NULL, *hash, *addr;
        struct in6_addr a6;
        uint64_t port = INVENTORY_DEFAULT_PORT;
        size_t n = 0;

        hash = strchr(line, '#');
        if (hash)
                *hash = 0;
        for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                if (n == ELEMENTSOF(fields))
                        break;
                fields[n++] = tok;
        }
        if (n == 0)
                return 0;
        if (n < 2 || n > 3)
                return fail(e, file, lineno, "expected \"name address [port]\", got %zu field%s", n,
                            n == 1 ? "" : "s");
        if (!valid_name(fields[0]))
                return fail(e, file, lineno, "terminal name must be 1 to %d letters, digits, '.', '_' or '-'",
                            INVENTORY_MAX_NAME);
        addr = fields[1];
        if (addr[0] == '[') {
                size_t l = strlen(addr);

                if (l < 3 || addr[l - 1] != ']')
                        return fail(e, file, lineno, "address: unbalanced '['");
                addr[l - 1] = 0;
                addr++;
                if (inet_pton(AF_INET6, addr, &a6) != 1)
                        return fail(e, file, lineno, "address: not an IPv6 address inside [ ]");
        } else if (strchr(addr, ':')) {
                if (inet_pton(AF_INET6, addr, &a6) != 1)
                        return fail(e, file, lineno, "address: not a host name, IPv4 or IPv6 address");
        } else if (!valid_hostname(addr))
                return fail(e, file, lineno, "address: not a host name, IPv4 or IPv6 address");
        if (n == 3 && (strspn(fields[2], "0123456789") != strlen(fields[2]) || strlen(fields[2]) > 5 ||
                       parse_uint64(fields[2], &port) < 0 || port < 1 || port > 65535))
                return fail(e, file, lineno, "port must be a number from 1 to 65535");

        *ret = (Terminal) {
                .name = strdup(fields[0]),
                .address = strdup(addr),
                .port = (uint16_t) port,
                .line = lineno,
        };
        if (!ret->name || !ret->address) {
                free(ret->name);
                free(ret->address);
                return -ENOMEM;
        }
        return 1;
}

int inventory_parse(const char *name, const char *buf, size_t size, Inventory *ret, InventoryError *reterr) {
        Inventory inv = {};
        size_t pos = 0;
        unsigned lineno = 0;
        int r;

        if (size > INVENTORY_MAX_SIZE)
                return fail(reterr, name, 0, "file larger than %d bytes", INVENTORY_MAX_SIZE);
        if (memchr(buf, 0, size))
                return fail(reterr, name, 0, "file contains a NUL byte: not a text file");

        while (pos < size) {
                const char *nl = memchr(buf + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - (buf + pos)) : size - pos;
                _cleanup_free_ char *line = strndup(buf + pos, len);
                Terminal t;

                pos += len + (nl ? 1 : 0);
                lineno++;
                if (!line) {
                        inventory_done(&inv);
                        return -ENOMEM;
                }
                if (len > 0 && line[len - 1] == '\r')
                        line[len - 1] = 0;
                r = parse_line(line, name, lineno, &t, reterr);
                if (r < 0) {
                        inventory_done(&inv);
                        return r;
                }
                if (r == 0)
                        continue;
                for (size_t i = 0; i < inv.n; i++)
                        if (streq(inv.items[i].name, t.name)) {
                                r = fail(reterr, name, lineno, "terminal '%s' is already listed on line %u",
                                         t.name, inv.items[i].line);
                                free(t.name);
                                free(t.address);
                                inventory_done(&inv);
                                return r;
                        }
                if (inv.n >= INVENTORY_MAX_TERMINALS) {
                        free(t.name);
                        free(t.address);
                        inventory_done(&inv);
                        return fail(reterr, name, lineno, "more than %d terminals", INVENTORY_MAX_TERMINALS);
                }
                if (inv.n % 64 == 0) {
                        Terminal *ni = realloc(inv.items, sizeof *ni * (inv.n + 64));

                        if (!ni) {
                                free(t.name);
                                free(t.address);
                                inventory_done(&inv);
                                return -ENOMEM;
                        }
                        inv.items = ni;
                }
                inv.items[inv.n++] = t;
        }
        *ret = inv;
        return 0;
}
