/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The agent's own settings: /etc/mamori/mamori.conf, documented in
 * mamori.conf(5). systemd-style: `[Section]` headers, `Key=value` lines,
 * `#` and `;` comments, blank lines. Keys are table-driven. Unknown
 * sections or keys, a missing '=', a bad value or a key outside a section
 * is an error `file:line: message`. Command-line options override it. */

typedef struct Config {
        char *terminal;                  /* [Agent] Terminal=: report name; default: hostname */
        char *state_dir;                 /* [Agent] StateDirectory= */
        char *report_file;               /* [Agent] ReportFile= ("" disables) */
        char *plugin_dir;                /* [Agent] PluginDirectory= */
        char **rules_dirs;               /* [Agent] RulesDirectory= (space-separated; repeatable, appends;
                                          * an empty value leaves an empty, non-NULL list) */
        uint64_t default_interval_usec;  /* [Agent] DefaultInterval= */
        int log_level;                   /* [Agent] LogLevel= (syslog level name or number) */
        char *usb_rules;                 /* [USB] RuleFile=: the usb plugin's rule file (its rule-file param overrides) */
} Config;

typedef struct ConfigError {
        char file[512];
        unsigned line;                   /* 0 when not tied to a line */
        char message[256];
} ConfigError;

#define CONFIG_DEFAULT_PATH "/etc/mamori/mamori.conf"

/* Compiled-in defaults (documented in mamori.conf(5)). */
int config_init(Config *c);
void config_done(Config *c);

/* Parse one file's contents over c (pure). On error c is left unchanged. */
int config_parse_buffer(Config *c, const char *name, const char *buf, size_t size,
                        ConfigError *reterr);

/* Read path (absolute, not under --root: it configures the agent itself)
 * over c. A missing file is fine when missing_ok. -EPERM for a file that
 * someone other than root or the caller could write: whoever can edit it
 * chooses where root writes and which code root loads. On error c is left
 * unchanged. */
int config_load(Config *c, const char *path, bool missing_ok, ConfigError *reterr);
