/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* mamori-collect's inventory (mamori-collect(1), INVENTORY): one terminal
 * per line, "name address [port]", blanks between fields, '#' starts a
 * comment to the end of the line. Pure parser: errors are "file:line:
 * message" through InventoryError. */

#define INVENTORY_DEFAULT_PORT 9731
#define INVENTORY_MAX_NAME 64
#define INVENTORY_MAX_TERMINALS 100000
#define INVENTORY_MAX_SIZE (16 * 1024 * 1024)

typedef struct Terminal {
        char *name;          /* [A-Za-z0-9._-], unique */
        char *address;       /* host name, IPv4, or IPv6 without brackets */
        uint16_t port;
        unsigned line;
} Terminal;

typedef struct Inventory {
        Terminal *items;
        size_t n;
} Inventory;

typedef struct InventoryError {
        char file[512];
        unsigned line;
        char message[256];
} InventoryError;

int inventory_parse(const char *name, const char *buf, size_t size, Inventory *ret, InventoryError *reterr);
void inventory_done(Inventory *inv);
