/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>

#include "config.h"
#include "util.h"

/* The file holds a handful of settings: anything near these limits is the
 * wrong file or a runaway generator, and the bounds keep the parser's
 * memory use fixed whatever it is fed. */
#define CONFIG_FILE_MAX (64U * 1024U)
#define CONFIG_LINE_MAX 4096U
/* How much of a bad value or key a message quotes back. */
#define CONFIG_SHOW_MAX 64U
/* A host name is at most 64 bytes; a terminal name is free text
 * ("南館-07") that ends up in reports, so allow more but not without bound. */
#define TERMINAL_MAX 255U
/* DefaultInterval= bounds: below a second the agent would do little but
 * evaluate rules, and more than a year is a typo rather than a schedule. */
#define INTERVAL_MIN_USEC USEC_PER_SEC
#define INTERVAL_MAX_USEC (UINT64_C(365) * 86400 * USEC_PER_SEC)

#define MSG_SIZE sizeof(((ConfigError *) NULL)->message)

static const char WHITESPACE[] = " \t";
static const char UTF8_BOM[] = "\xef\xbb\xbf";

/* Every parser gets the key (for messages), the trimmed value and the
 * field it fills; on failure it returns a negative errno and says in msg
 * what is wrong and what to write instead. Parse errors are -EINVAL. */
typedef int (*ConfigParser)(const char *key, const char *value, void *field, char *msg,
                            size_t msg_size);

typedef struct ConfigItem {
        const char *section;
        const char *key;
        ConfigParser parse;
        size_t offset;
} ConfigItem;

static int parse_terminal(const char *key, const char *value, void *field, char *msg,
                          size_t msg_size);
static int parse_absolute_path(const char *key, const char *value, void *field, char *msg,
                               size_t msg_size);
static int parse_absolute_path_or_empty(const char *key, const char *value, void *field,
                                        char *msg, size_t msg_size);
static int parse_path_list(const char *key, const char *value, void *field, char *msg,
                           size_t msg_size);
static int parse_interval(const char *key, const char *value, void *field, char *msg,
                          size_t msg_size);
static int parse_log_level(const char *key, const char *value, void *field, char *msg,
                           size_t msg_size);

/* Sections appear in messages in the order of their first key here. */
static const ConfigItem config_items[] = {
        { "Agent", "Terminal",        parse_terminal,               offsetof(Config, terminal) },
        { "Agent", "StateDirectory",  parse_absolute_path,          offsetof(Config, state_dir) },
        { "Agent", "ReportFile",      parse_absolute_path_or_empty, offsetof(Config, report_file) },
        { "Agent", "PluginDirectory", parse_absolute_path,          offsetof(Config, plugin_dir) },
        { "Agent", "RulesDirectory",  parse_path_list,              offsetof(Config, rules_dirs) },
        { "Agent", "DefaultInterval", parse_interval,               offsetof(Config, default_interval_usec) },
        { "Agent", "LogLevel",        parse_log_level,              offsetof(Config, log_level) },
        { "USB",   "RuleFile",        parse_absolute_path,          offsetof(Config, usb_rules) },
};

static const struct {
        const char *name;
        int level;
} log_levels[] = {
        { "emerg",   LOG_EMERG },
        { "alert",   LOG_ALERT },
        { "crit",    LOG_CRIT },
        { "err",     LOG_ERR },
        { "error",   LOG_ERR },
        { "warning", LOG_WARNING },
        { "notice",  LOG_NOTICE },
        { "info",    LOG_INFO },
        { "debug",   LOG_DEBUG },
};

_printf_(4, 5)
static int msgf(char *msg, size_t msg_size, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, msg_size, fmt, ap);
        va_end(ap);
        return r;
}

_printf_(5, 6)
static int config_error(ConfigError *e, const char *file, unsigned line, int r,
                        const char *fmt, ...) {
        va_list ap;

        if (!e)
                return r;
        *e = (ConfigError) { .line = line };
        snprintf(e->file, sizeof e->file, "%s", file);
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        return r;
}

static bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned c = *p, n, cp;

                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else
                        return false;
                /* The terminating NUL is not a continuation byte, so a
                 * sequence cut short by the end of the string fails here. */
                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

/* Text from the file quoted back in a message: cut short, with control
 * characters masked (and every non-ASCII byte, if the text is not UTF-8),
 * so that a message stays one readable line wherever it is logged. */
static char *show(const char *s) {
        _cleanup_free_ char *t = text_sanitize(s, CONFIG_SHOW_MAX);
        char *r;

        if (!t)
                return NULL;
        if (!utf8_is_valid(t))
                for (char *c = t; *c; c++)
                        if ((unsigned char) *c >= 0x80)
                                *c = '?';
        if (strlen(s) <= strlen(t))
                return TAKE_PTR(t);
        if (asprintf(&r, "%s...", t) < 0)
                return NULL;
        return r;
}

static char *strip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* "//var//lib/mamori/" and "/var/lib/mamori" name the same directory;
 * keep one spelling so that RulesDirectory= can spot a repeat. */
static void path_tidy(char *path) {
        char *w = path;

        for (const char *r = path; *r; r++)
                if (*r != '/' || w == path || w[-1] != '/')
                        *w++ = *r;
        if (w > path + 1 && w[-1] == '/')
                w--;
        *w = '\0';
}

/* One word of a value at *p: a run of non-blank characters, or a
 * double-quoted string in which \" and \\ stand for " and \, so that a
 * path may hold spaces. Returns 1 with the word in *ret, 0 when only
 * blanks are left, or a negative errno with the reason in msg. */
static int next_word(const char *key, const char **p, char **ret, char *msg, size_t msg_size) {
        const char *s = *p + strspn(*p, WHITESPACE);
        _cleanup_free_ char *w = NULL;
        size_t n = 0;

        if (!*s) {
                *p = s;
                *ret = NULL;
                return 0;
        }
        w = malloc(strlen(s) + 1);
        if (!w)
                return -ENOMEM;
        if (*s != '"') {
                n = strcspn(s, WHITESPACE);
                memcpy(w, s, n);
                s += n;
        } else {
                for (s++;; s++) {
                        if (!*s)
                                return msgf(msg, msg_size, -EINVAL,
                                            "%s= has a quote that is never closed; add the closing \"",
                                            key);
                        if (*s == '"') {
                                s++;
                                break;
                        }
                        if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
                                s++;
                        w[n++] = *s;
                }
                if (*s && !strchr(WHITESPACE, *s))
                        return msgf(msg, msg_size, -EINVAL,
                                    "%s= has text right after a closing quote; put a space after the quote or move the text inside it",
                                    key);
        }
        w[n] = '\0';
        *p = s;
        *ret = TAKE_PTR(w);
        return 1;
}

/* A single value: taken as written, or without its quotes when the whole
 * value is one double-quoted string. */
static int unquote(const char *key, const char *value, char **ret, char *msg, size_t msg_size) {
        _cleanup_free_ char *w = NULL;
        const char *p = value;
        int r;

        if (value[0] != '"') {
                *ret = strdup(value);
                return *ret ? 0 : -ENOMEM;
        }
        r = next_word(key, &p, &w, msg, msg_size);
        if (r < 0)
                return r;
        if (p[strspn(p, WHITESPACE)])
                return msgf(msg, msg_size, -EINVAL,
                            "%s= takes one value, but there is text after the closing quote; quote the whole value",
                            key);
        *ret = TAKE_PTR(w);
        return 0;
}

static int parse_terminal(const char *key, const char *value, void *field, char *msg,
                          size_t msg_size) {
        _cleanup_free_ char *v = NULL, *shown = NULL;
        char **t = field;
        int r;

        r = unquote(key, value, &v, msg, msg_size);
        if (r < 0)
                return r;
        if (!*v) {
                /* Empty: back to the host name. */
                free(*t);
                *t = NULL;
                return 0;
        }
        shown = show(v);
        if (!shown)
                return -ENOMEM;
        if (strlen(v) > TERMINAL_MAX)
                return msgf(msg, msg_size, -EINVAL,
                            "%s= is longer than %u bytes; use a shorter name (got \"%s\")", key,
                            TERMINAL_MAX, shown);
        /* The name goes into JSON reports and journal fields. */
        for (const char *c = v; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return msgf(msg, msg_size, -EINVAL,
                                    "%s= must not contain tabs or control characters (got \"%s\")",
                                    key, shown);
        if (!utf8_is_valid(v))
                return msgf(msg, msg_size, -EINVAL,
                            "%s= is not valid UTF-8; save the file as UTF-8", key);
        free(*t);
        *t = TAKE_PTR(v);
        return 0;
}

static int absolute_path(const char *key, const char *value, bool empty_ok, char **ret,
                         char *msg, size_t msg_size) {
        _cleanup_free_ char *v = NULL, *shown = NULL;
        int r;

        r = unquote(key, value, &v, msg, msg_size);
        if (r < 0)
                return r;
        if (v[0] != '/' && !(empty_ok && !*v)) {
                shown = show(v);
                if (!shown)
                        return -ENOMEM;
                return msgf(msg, msg_size, -EINVAL,
                            "%s= must be an absolute path (got \"%s\")", key, shown);
        }
        path_tidy(v);
        *ret = TAKE_PTR(v);
        return 0;
}

static int parse_absolute_path(const char *key, const char *value, void *field, char *msg,
                               size_t msg_size) {
        char **p = field, *v;
        int r;

        r = absolute_path(key, value, false, &v, msg, msg_size);
        if (r < 0)
                return r;
        free(*p);
        *p = v;
        return 0;
}

static int parse_absolute_path_or_empty(const char *key, const char *value, void *field,
                                        char *msg, size_t msg_size) {
        char **p = field, *v;
        int r;

        r = absolute_path(key, value, true, &v, msg, msg_size);
        if (r < 0)
                return r;
        free(*p);
        *p = v;
        return 0;
}

static bool strv_contains(char *const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (streq(l[i], s))
                        return true;
        return false;
}

static char **strv_new_empty(void) {
        return calloc(1, sizeof(char *));
}

static char **strv_copy(char *const *l) {
        _cleanup_strv_free_ char **c = strv_new_empty();
        size_t n = 0;

        if (!c)
                return NULL;
        for (size_t i = 0; l && l[i]; i++)
                if (strv_consume(&c, &n, strdup(l[i])) < 0)
                        return NULL;
        return TAKE_PTR(c);
}

/* Repeating the key appends, so that a later line adds a directory;
 * an empty value empties the list, so that the defaults can be replaced.
 * A directory already listed is not added again: uncommenting the
 * shipped default line then changes nothing. */
static int parse_path_list(const char *key, const char *value, void *field, char *msg,
                           size_t msg_size) {
        char ***list = field;
        _cleanup_strv_free_ char **l = NULL;
        const char *p = value;
        size_t n;
        int r;

        if (!*value) {
                l = strv_new_empty();
                if (!l)
                        return -ENOMEM;
                strv_free(*list);
                *list = TAKE_PTR(l);
                return 0;
        }
        l = strv_copy(*list);
        if (!l)
                return -ENOMEM;
        n = strv_length(l);
        for (;;) {
                _cleanup_free_ char *w = NULL, *shown = NULL;

                r = next_word(key, &p, &w, msg, msg_size);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (w[0] != '/') {
                        shown = show(w);
                        if (!shown)
                                return -ENOMEM;
                        return msgf(msg, msg_size, -EINVAL,
                                    "%s= entries must be absolute paths (got \"%s\")", key, shown);
                }
                path_tidy(w);
                if (strv_contains(l, w))
                        continue;
                r = strv_consume(&l, &n, TAKE_PTR(w));
                if (r < 0)
                        return r;
        }
        strv_free(*list);
        *list = TAKE_PTR(l);
        return 0;
}

static int parse_interval(const char *key, const char *value, void *field, char *msg,
                          size_t msg_size) {
        _cleanup_free_ char *v = NULL, *shown = NULL;
        uint64_t *u = field, usec;
        int r;

        r = unquote(key, value, &v, msg, msg_size);
        if (r < 0)
                return r;
        shown = show(v);
        if (!shown)
                return -ENOMEM;
        r = parse_duration(v, &usec);
        if (r < 0)
                return msgf(msg, msg_size, -EINVAL,
                            "%s= must be a duration such as 30min, 1h or 1d (got \"%s\")", key,
                            shown);
        if (usec < INTERVAL_MIN_USEC || usec > INTERVAL_MAX_USEC)
                return msgf(msg, msg_size, -EINVAL,
                            "%s= must be between 1s and 365d (got \"%s\")", key, shown);
        *u = usec;
        return 0;
}

static int parse_log_level(const char *key, const char *value, void *field, char *msg,
                           size_t msg_size) {
        _cleanup_free_ char *v = NULL, *shown = NULL;
        int *level = field, r;

        r = unquote(key, value, &v, msg, msg_size);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(log_levels); i++)
                if (streq(v, log_levels[i].name)) {
                        *level = log_levels[i].level;
                        return 0;
                }
        if (v[0] >= '0' && v[0] <= '7' && v[1] == '\0') {
                *level = v[0] - '0';
                return 0;
        }
        shown = show(v);
        if (!shown)
                return -ENOMEM;
        return msgf(msg, msg_size, -EINVAL,
                    "%s= must be one of emerg, alert, crit, err, warning, notice, info, debug or 0-7 (got \"%s\")",
                    key, shown);
}

/* The section names as spelled in the table, or NULL. */
static const char *section_find(const char *name, bool ignore_case) {
        for (size_t i = 0; i < ELEMENTSOF(config_items); i++)
                if (ignore_case ? strcasecmp(name, config_items[i].section) == 0
                                : streq(name, config_items[i].section))
                        return config_items[i].section;
        return NULL;
}

static const ConfigItem *item_find(const char *section, const char *key, bool ignore_case) {
        for (size_t i = 0; i < ELEMENTSOF(config_items); i++) {
                const ConfigItem *it = &config_items[i];

                if (section && !streq(section, it->section))
                        continue;
                if (ignore_case ? strcasecmp(key, it->key) == 0 : streq(key, it->key))
                        return it;
        }
        return NULL;
}

/* "[Agent] and [USB]" or "Terminal, StateDirectory, ...": what a message
 * offers instead of an unknown name. */
static void list_sections(char *buf, size_t size) {
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(config_items); i++) {
                const char *s = config_items[i].section;
                bool seen = false;

                for (size_t j = 0; j < i; j++)
                        if (streq(config_items[j].section, s))
                                seen = true;
                if (seen)
                        continue;
                used += (size_t) snprintf(buf + used, size > used ? size - used : 0, "%s[%s]",
                                          used == 0 ? "" : ", ", s);
                if (used >= size)
                        return;
        }
}

static void list_keys(const char *section, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(config_items); i++) {
                if (!streq(config_items[i].section, section))
                        continue;
                used += (size_t) snprintf(buf + used, size > used ? size - used : 0, "%s%s",
                                          used == 0 ? "" : ", ", config_items[i].key);
                if (used >= size)
                        return;
        }
}

static int unknown_key(const char *section, const char *key, char *msg, size_t msg_size) {
        _cleanup_free_ char *shown = show(key);
        const ConfigItem *it;
        char keys[160];

        if (!shown)
                return -ENOMEM;
        it = item_find(NULL, key, false);
        if (it)
                return msgf(msg, msg_size, -EINVAL,
                            "%s= belongs in section [%s], not [%s]; move it under a [%s] header",
                            it->key, it->section, section, it->section);
        it = item_find(section, key, true);
        if (it)
                return msgf(msg, msg_size, -EINVAL,
                            "unknown key \"%s\" in [%s]; did you mean \"%s\"? Keys are case-sensitive",
                            shown, section, it->key);
        it = item_find(NULL, key, true);
        if (it)
                return msgf(msg, msg_size, -EINVAL,
                            "unknown key \"%s\" in [%s]; did you mean \"%s\" in [%s]?", shown,
                            section, it->key, it->section);
        list_keys(section, keys, sizeof keys);
        return msgf(msg, msg_size, -EINVAL, "unknown key \"%s\" in [%s]; known keys: %s", shown,
                    section, keys);
}

static int section_header(char *text, const char **section, char *msg, size_t msg_size) {
        _cleanup_free_ char *shown = NULL;
        size_t n = strlen(text);
        const char *s;
        char sections[64];

        list_sections(sections, sizeof sections);
        if (n < 2 || text[n - 1] != ']') {
                shown = show(text);
                if (!shown)
                        return -ENOMEM;
                return msgf(msg, msg_size, -EINVAL,
                            "section header must end with ']' (got \"%s\"); known sections: %s",
                            shown, sections);
        }
        text[n - 1] = '\0';
        text++;
        s = section_find(text, false);
        if (s) {
                *section = s;
                return 0;
        }
        if (!*text)
                return msgf(msg, msg_size, -EINVAL, "empty section header \"[]\"; use %s",
                            sections);
        shown = show(text);
        if (!shown)
                return -ENOMEM;
        s = section_find(strip(text), true);
        if (s)
                return msgf(msg, msg_size, -EINVAL,
                            "unknown section [%s]; did you mean [%s]?",
                            shown, s);
        return msgf(msg, msg_size, -EINVAL, "unknown section [%s]; known sections: %s", shown,
                    sections);
}

/* One logical line (continuations joined), already known not to be a
 * comment line. */
static int config_line(Config *c, const char **section, char *text, char *msg, size_t msg_size) {
        _cleanup_free_ char *shown = NULL;
        const ConfigItem *it;
        char *eq, *key, *value;

        text = strip(text);
        if (!*text || strchr("#;", *text))
                return 0;
        if (*text == '[')
                return section_header(text, section, msg, msg_size);

        eq = strchr(text, '=');
        if (!eq) {
                shown = show(text);
                if (!shown)
                        return -ENOMEM;
                return msgf(msg, msg_size, -EINVAL,
                            "expected Key=value, a [Section] header or a comment (got \"%s\")",
                            shown);
        }
        *eq = '\0';
        key = strip(text);
        value = strip(eq + 1);
        if (!*key)
                return msgf(msg, msg_size, -EINVAL,
                            "nothing before '='; write the setting as Key=value");
        if (!*section) {
                it = item_find(NULL, key, false);
                if (it)
                        return msgf(msg, msg_size, -EINVAL,
                                    "%s= comes before any section header; put [%s] on a line above it",
                                    it->key, it->section);
                shown = show(key);
                if (!shown)
                        return -ENOMEM;
                return msgf(msg, msg_size, -EINVAL,
                            "key \"%s\" comes before any section header; start the file with [Agent]",
                            shown);
        }
        it = item_find(*section, key, false);
        if (!it)
                return unknown_key(*section, key, msg, msg_size);
        return it->parse(it->key, value, (uint8_t *) c + it->offset, msg, msg_size);
}

static bool line_is_comment(const char *s, size_t n) {
        size_t i = 0;

        while (i < n && strchr(WHITESPACE, s[i]))
                i++;
        return i < n && (s[i] == '#' || s[i] == ';');
}

static char *strdup_or_null(const char *s, bool *failed) {
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *failed = true;
        return c;
}

static int config_copy(Config *dst, const Config *src) {
        bool failed = false;

        *dst = (Config) {
                .terminal = strdup_or_null(src->terminal, &failed),
                .state_dir = strdup_or_null(src->state_dir, &failed),
                .report_file = strdup_or_null(src->report_file, &failed),
                .plugin_dir = strdup_or_null(src->plugin_dir, &failed),
                .rules_dirs = strv_copy(src->rules_dirs),
                .default_interval_usec = src->default_interval_usec,
                .log_level = src->log_level,
                .usb_rules = strdup_or_null(src->usb_rules, &failed),
        };
        if (failed || !dst->rules_dirs) {
                config_done(dst);
                return -ENOMEM;
        }
        return 0;
}

int config_init(Config *c) {
        char *rules_dirs[] = { "/usr/share/mamori/rules", "/etc/mamori/rules.d", NULL };
        const Config defaults = {
                .terminal = NULL, /* the agent then uses the host name */
                .state_dir = "/var/lib/mamori",
                .report_file = "/var/lib/mamori/report.json",
                .plugin_dir = "/usr/lib/mamori/plugins",
                .rules_dirs = rules_dirs,
                .default_interval_usec = 3600 * USEC_PER_SEC,
                .log_level = LOG_INFO,
                .usb_rules = "/etc/mamori/usb.rules",
        };

        return config_copy(c, &defaults);
}

void config_done(Config *c) {
        if (!c)
                return;
        free(c->terminal);
        free(c->state_dir);
        free(c->report_file);
        free(c->plugin_dir);
        strv_free(c->rules_dirs);
        free(c->usb_rules);
        *c = (Config) {};
}

static unsigned line_of(const char *buf, const char *at) {
        unsigned line = 1;

        for (const char *p = buf; p < at; p++)
                line += *p == '\n';
        return line;
}

static int logical_line(Config *c, const char **section, const char *name, unsigned line,
                        char *text, ConfigError *reterr) {
        char msg[MSG_SIZE] = "";
        int r;

        r = config_line(c, section, text, msg, sizeof msg);
        if (r == -ENOMEM)
                return config_error(reterr, name, line, r, "out of memory");
        if (r < 0)
                return config_error(reterr, name, line, r, "%s", msg);
        return 0;
}

/* The whole file is parsed into a copy, and c changes only when every
 * line was good: a reload with a broken file keeps the last good settings.
 * Returns 0, -EINVAL for anything wrong in the text, -EFBIG for a file
 * over the size limit, or -ENOMEM. Errors name the line where the
 * (possibly continued) setting starts. */
int config_parse_buffer(Config *c, const char *name, const char *buf, size_t size,
                        ConfigError *reterr) {
        _cleanup_(config_done) Config tmp = {};
        char logical[CONFIG_LINE_MAX + 1];
        const char *section = NULL, *p = buf, *end = buf + size, *nul;
        unsigned line = 0, start = 0;
        size_t len = 0;
        bool continued = false;
        int r;

        if (!name)
                name = "(config)";
        if (size > CONFIG_FILE_MAX)
                return config_error(reterr, name, 0, -EFBIG,
                                    "file is %zu bytes, over the %u byte limit; check that this is the right file",
                                    size, CONFIG_FILE_MAX);
        nul = memchr(buf, '\0', size);
        if (nul)
                return config_error(reterr, name, line_of(buf, nul), -EINVAL,
                                    "line contains a NUL byte; save the file as plain UTF-8 text");
        r = config_copy(&tmp, c);
        if (r < 0)
                return config_error(reterr, name, 0, r, "out of memory");

        /* Editors on other systems may start a UTF-8 file with a byte order mark. */
        if (size >= 3 && memcmp(p, UTF8_BOM, 3) == 0)
                p += 3;

        while (p < end) {
                const char *s = p, *eol = memchr(p, '\n', (size_t) (end - p));
                size_t n = (size_t) ((eol ? eol : end) - p), k = 0;

                p = eol ? eol + 1 : end;
                line++;
                if (n > 0 && s[n - 1] == '\r')
                        n--;
                if (n > CONFIG_LINE_MAX)
                        return config_error(reterr, name, line, -EINVAL,
                                            "line is %zu bytes long, over the %u byte limit; shorten it",
                                            n, CONFIG_LINE_MAX);
                for (size_t i = 0; i < n; i++)
                        if (((unsigned char) s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
                                return config_error(reterr, name, line, -EINVAL,
                                                    "line contains the control character 0x%02x; remove it",
                                                    (unsigned) (unsigned char) s[i]);
                /* Comment lines never continue, and inside a continuation
                 * they are skipped, as in systemd.syntax(7). */
                if (line_is_comment(s, n))
                        continue;

                if (!continued) {
                        start = line;
                        len = 0;
                }
                /* Blanks after a final backslash are invisible in an editor;
                 * they do not stop it from continuing the line. */
                while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                        n--;
                if (len + n > CONFIG_LINE_MAX)
                        return config_error(reterr, name, start, -EINVAL,
                                            "line continued with '\\' grows past %u bytes; shorten it",
                                            CONFIG_LINE_MAX);
                memcpy(logical + len, s, n);
                len += n;
                logical[len] = '\0';

                /* An odd number of backslashes at the end of this line
                 * continues it, and the last one becomes a space; "\\" is
                 * an escaped backslash and does not. */
                while (k < n && s[n - 1 - k] == '\\')
                        k++;
                continued = k % 2 == 1;
                if (continued) {
                        logical[len - 1] = ' ';
                        continue;
                }
                r = logical_line(&tmp, &section, name, start, logical, reterr);
                if (r < 0)
                        return r;
        }
        /* A '\' on the last line: the setting ends with the file. */
        if (continued) {
                r = logical_line(&tmp, &section, name, start, logical, reterr);
                if (r < 0)
                        return r;
        }

        config_done(c);
        *c = tmp;
        tmp = (Config) {};
        return 0;
}

/* Besides config_parse_buffer()'s errors: -ENOENT (unless missing_ok),
 * -EISDIR or -EBADFD for something that is not a file, -EPERM for a file
 * that someone other than root or the caller could have written. */
int config_load(Config *c, const char *path, bool missing_ok, ConfigError *reterr) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        struct stat st;
        int r;

        /* O_NONBLOCK: a FIFO in place of the file must not hang the agent. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                if (r == -ENOENT && missing_ok)
                        return 0;
                if (r == -ENOENT)
                        return config_error(reterr, path, 0, r,
                                            "file does not exist; create it (see mamori.conf(5)) or give another path");
                return config_error(reterr, path, 0, r, "cannot open the file: %s", strerror(-r));
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                return config_error(reterr, path, 0, r, "cannot stat the file: %s", strerror(-r));
        }
        if (S_ISDIR(st.st_mode))
                return config_error(reterr, path, 0, -EISDIR,
                                    "is a directory; give the path of the configuration file itself");
        if (!S_ISREG(st.st_mode))
                return config_error(reterr, path, 0, -EBADFD,
                                    "is not a regular file; give the path of the configuration file itself");
        /* The file decides where root writes (ReportFile=) and what it
         * loads (PluginDirectory=): whoever can change it can act as root.
         * A group-writable file is fine when the group is root's or the
         * caller's own (a test run under umask 002); mamorid runs as root,
         * so for it only root may write the file. */
        if (st.st_uid != 0 && st.st_uid != geteuid())
                return config_error(reterr, path, 0, -EPERM,
                                    "is owned by uid %u, not root; run chown root: on it",
                                    (unsigned) st.st_uid);
        if ((st.st_mode & S_IWOTH) ||
            ((st.st_mode & S_IWGRP) && st.st_gid != 0 && st.st_gid != getegid()))
                return config_error(reterr, path, 0, -EPERM,
                                    "is writable by group or others (mode %04o); run chmod go-w on it",
                                    (unsigned) (st.st_mode & 07777));
        if (st.st_size > (off_t) CONFIG_FILE_MAX)
                return config_error(reterr, path, 0, -EFBIG,
                                    "file is %jd bytes, over the %u byte limit; check that this is the right file",
                                    (intmax_t) st.st_size, CONFIG_FILE_MAX);

        /* One byte more than the limit, to notice a file that grew since fstat(). */
        buf = malloc(CONFIG_FILE_MAX + 1);
        if (!buf)
                return config_error(reterr, path, 0, -ENOMEM, "out of memory");
        while (size <= CONFIG_FILE_MAX) {
                ssize_t k = read(fd, buf + size, CONFIG_FILE_MAX + 1 - size);

                if (k < 0) {
                        r = -errno;
                        if (r == -EINTR)
                                continue;
                        return config_error(reterr, path, 0, r, "cannot read the file: %s",
                                            strerror(-r));
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        return config_parse_buffer(c, path, buf, size, reterr);
}
