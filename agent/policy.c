/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rule files: YAML (libyaml events) -> Policy.
 *
 * The loader works in two passes per file. First the libyaml event stream is
 * turned into a small tree of nodes that keeps every node's start mark;
 * aliases, anchors and tags are refused while doing so, so nothing can expand
 * behind our back (no "billion laughs"). Then the tree is checked against
 * tables of allowed keys (key -> parser -> offset), in file order, so that the
 * first error reported is the first one in the file.
 *
 * Pointers into a Policy (Rule *, &rule->abi, the strings) are valid only
 * after policy_load() or policy_parse_buffer() has returned: the rule array
 * grows with realloc() while a file is parsed. The abi views are refreshed as
 * the last step of both functions.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <yaml.h>

#include "macro.h"
#include "policy.h"
#include "util.h"

/* A rule file is a short list of rules; 1 MiB is ~100 times the largest
 * shipped file and bounds what a bad file can make us allocate. */
#define POLICY_FILE_MAX (1024 * 1024)
/* The schema nests five levels deep (top, rules, rule, params, list);
 * anything much deeper is not a rule file. Also bounds our recursion. */
#define NODE_DEPTH_MAX 16
/* Keeps the duplicate-key check of params quadratic in a small number. */
#define PARAMS_MAX 256
#define ID_MAX 128
/* Shortest interval a rule may ask for: a check every second is already
 * more than any family needs, and less would let a typo spin the agent. */
#define INTERVAL_MIN_USEC USEC_PER_SEC
/* How much of a value a message quotes back. */
#define QUOTE_MAX 64

static const char *const severity_table[_SEVERITY_MAX] = {
        [SEVERITY_LOW] = "low",
        [SEVERITY_MEDIUM] = "medium",
        [SEVERITY_HIGH] = "high",
        [SEVERITY_CRITICAL] = "critical",
};

/* DESIGN.md, "Score". */
static const unsigned severity_weights[_SEVERITY_MAX] = {
        [SEVERITY_LOW] = 1,
        [SEVERITY_MEDIUM] = 3,
        [SEVERITY_HIGH] = 6,
        [SEVERITY_CRITICAL] = 10,
};

const char *severity_to_string(Severity s) {
        if (s < 0 || s >= _SEVERITY_MAX)
                return NULL;
        return severity_table[s];
}

Severity severity_from_string(const char *s) {
        if (!s)
                return _SEVERITY_INVALID;
        for (Severity i = 0; i < _SEVERITY_MAX; i++)
                if (streq(s, severity_table[i]))
                        return i;
        return _SEVERITY_INVALID;
}

unsigned severity_weight(Severity s) {
        if (s < 0 || s >= _SEVERITY_MAX)
                return 0;
        return severity_weights[s];
}

/* ---- rules and policies ------------------------------------------------ */

static void rule_done(Rule *r) {
        free(r->id);
        free(r->title_ja);
        free(r->title_en);
        free(r->clause);
        free(r->check);
        for (size_t i = 0; i < r->n_params; i++) {
                free((char *) r->params[i].key);
                strv_free((char **) r->params[i].values);
        }
        free(r->params);
        free(r->param_marks);
        free(r->file);
        *r = (Rule) {};
}

static void rule_refresh_abi(Rule *r) {
        r->abi = (struct mamori_rule) {
                .id = r->id,
                .check = r->check,
                .params = r->params,
                .n_params = r->n_params,
                .enforce = r->enforce,
        };
}

static void policy_refresh_abi(Policy *p) {
        for (size_t i = 0; i < p->n_rules; i++)
                rule_refresh_abi(&p->rules[i]);
}

Policy *policy_new(void) {
        Policy *p = calloc(1, sizeof(Policy));

        if (!p)
                return NULL;
        /* Always a vector, so that readers need no NULL check. */
        p->files = calloc(1, sizeof(char *));
        if (!p->files) {
                free(p);
                return NULL;
        }
        return p;
}

Policy *policy_free(Policy *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        free(p->rules);
        free(p->id);
        free(p->version);
        strv_free(p->files);
        free(p);
        return NULL;
}

const Rule *policy_find_rule(const Policy *p, const char *id) {
        if (!p || !id)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++)
                if (streq(p->rules[i].id, id))
                        return &p->rules[i];
        return NULL;
}

const char *policy_error_format(const PolicyError *e, char *buf, size_t size) {
        if (!buf || size == 0)
                return buf;
        if (!e) {
                snprintf(buf, size, "unknown error");
                return buf;
        }
        if (e->file[0] && e->line > 0)
                snprintf(buf, size, "%s:%u:%u: %s", e->file, e->line, e->column, e->message);
        else if (e->file[0])
                snprintf(buf, size, "%s: %s", e->file, e->message);
        else
                snprintf(buf, size, "%s", e->message);
        /* A file name may hold a line break too: keep the error one line. */
        for (char *c = buf; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = '?';
        return buf;
}

/* ---- messages ------------------------------------------------------------ */

#define QUOTE_BUF (QUOTE_MAX + 8)

/* s for a message: at most QUOTE_MAX bytes, cut on a UTF-8 boundary, control
 * characters shown as '?' so that a value cannot forge a second log line. */
static const char *quote_into(const char *s, bool quotes, char *buf) {
        size_t n = 0, i = 0;

        if (quotes)
                buf[n++] = '"';
        for (; s[i] && i < QUOTE_MAX; i++) {
                unsigned char ch = (unsigned char) s[i];
                buf[n++] = ch < 0x20 || ch == 0x7f ? '?' : (char) ch;
        }
        if (s[i]) {
                /* Cut: drop a partial UTF-8 sequence at the end. */
                while (i > 0 && ((unsigned char) s[i] & 0xc0) == 0x80) {
                        i--;
                        n--;
                }
                buf[n++] = '.';
                buf[n++] = '.';
                buf[n++] = '.';
        }
        if (quotes)
                buf[n++] = '"';
        buf[n] = '\0';
        return buf;
}

#define QUOTE(s) quote_into((s), true, (char[QUOTE_BUF]) {})
#define SANITIZE(s) quote_into((s), false, (char[QUOTE_BUF]) {})

/* ---- the node tree ------------------------------------------------------- */

typedef enum NodeKind {
        NODE_SCALAR,
        NODE_SEQUENCE,
        NODE_MAPPING,
} NodeKind;

typedef struct Node {
        NodeKind kind;
        SourceMark mark;
        bool plain;                     /* a scalar written without quotes, | or > */
        char *value;                    /* scalars: NUL-terminated, no NUL inside */
        struct Node *items;             /* sequence items; mappings: key, value, key, ... */
        size_t n_items;
} Node;

static void node_done(Node *n) {
        free(n->value);
        for (size_t i = 0; i < n->n_items; i++)
                node_done(&n->items[i]);
        free(n->items);
        *n = (Node) {};
}

/* YAML 1.1's null: a plain scalar that is empty, "~" or "null". */
static bool node_is_null(const Node *n) {
        return n->kind == NODE_SCALAR && n->plain &&
                (streq(n->value, "") || streq(n->value, "~") || streq(n->value, "null") ||
                 streq(n->value, "Null") || streq(n->value, "NULL"));
}

/* What a node is, for "(got ...)" in messages. */
static const char *node_describe(const Node *n, char *buf) {
        switch (n->kind) {
        case NODE_SEQUENCE:
                return "a sequence";
        case NODE_MAPPING:
                return "a mapping";
        case NODE_SCALAR:
        default:
                if (node_is_null(n))
                        return "nothing";
                return quote_into(n->value, true, buf);
        }
}

#define DESCRIBE(n) node_describe((n), (char[QUOTE_BUF]) {})

static SourceMark mark_from_yaml(yaml_mark_t m) {
        return (SourceMark) {
                .line = m.line >= UINT_MAX ? UINT_MAX : (unsigned) m.line + 1,
                .column = m.column >= UINT_MAX ? UINT_MAX : (unsigned) m.column + 1,
        };
}

/* libyaml reports reader errors (bad UTF-8, control characters) as a byte
 * offset only; count lines and characters up to it ourselves. */
static SourceMark mark_from_offset(const char *buf, size_t size, size_t offset) {
        SourceMark m = { 1, 1 };

        if (offset > size)
                offset = size;
        for (size_t i = 0; i < offset; i++) {
                unsigned char ch = (unsigned char) buf[i];

                if (ch == '\n' || (ch == '\r' && (i + 1 >= size || buf[i + 1] != '\n'))) {
                        m.line++;
                        m.column = 1;
                } else if ((ch & 0xc0) != 0x80)
                        m.column++;
        }
        return m;
}

/* ---- parse context ------------------------------------------------------- */

typedef struct IdIndex {
        size_t *rules;                  /* indices into Policy.rules, sorted by id */
        size_t n, alloc;
} IdIndex;

typedef struct ParseContext {
        yaml_parser_t parser;
        const char *name;
        const char *buf;
        size_t size;
        const PolicyChecker *checker;
        PolicyError *err;
        Policy *p;
        IdIndex *ids;
        const char *policy_owner;       /* who already carried `policy`, or NULL */

        /* What this file says about the policy as a whole. */
        bool had_policy;
        char *policy_id;
        char *policy_version;

        /* The rule being parsed. */
        SourceMark check_mark;
        size_t id_pos;                  /* where its id goes in ids */
} ParseContext;

static int parse_error(ParseContext *c, int r, SourceMark m, const char *fmt, ...) _printf_(4, 5);
static int parse_error(ParseContext *c, int r, SourceMark m, const char *fmt, ...) {
        va_list ap;

        if (!c->err)
                return r;
        snprintf(c->err->file, sizeof c->err->file, "%s", c->name);
        c->err->line = m.line;
        c->err->column = m.line > 0 ? m.column : 0;
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
        return r;
}

static int parse_oom(ParseContext *c) {
        return parse_error(c, -ENOMEM, (SourceMark) {}, "out of memory");
}

static int parser_error(ParseContext *c) {
        const yaml_parser_t *y = &c->parser;
        const char *problem = y->problem ?: "unknown problem";
        SourceMark m, cm;

        switch (y->error) {
        case YAML_MEMORY_ERROR:
                return parse_oom(c);

        case YAML_READER_ERROR:
                m = mark_from_offset(c->buf, c->size, y->problem_offset);
                if (y->problem_value >= 0)
                        return parse_error(c, -EBADMSG, m,
                                           "YAML syntax error: %s (#x%X); rule files are UTF-8 text",
                                           problem, (unsigned) y->problem_value);
                return parse_error(c, -EBADMSG, m, "YAML syntax error: %s; rule files are UTF-8 text",
                                   problem);

        case YAML_SCANNER_ERROR:
        case YAML_PARSER_ERROR:
        default:
                m = mark_from_yaml(y->problem_mark);
                cm = mark_from_yaml(y->context_mark);
                if (y->context && (cm.line != m.line || cm.column != m.column))
                        return parse_error(c, -EBADMSG, m,
                                           "YAML syntax error: %s (%s at line %u, column %u)",
                                           problem, y->context, cm.line, cm.column);
                if (y->context)
                        return parse_error(c, -EBADMSG, m, "YAML syntax error: %s (%s)",
                                           problem, y->context);
                return parse_error(c, -EBADMSG, m, "YAML syntax error: %s", problem);
        }
}

static int next_event(ParseContext *c, yaml_event_t *ev) {
        if (!yaml_parser_parse(&c->parser, ev))
                return parser_error(c);
        return 0;
}

/* Anchors and tags are refused where they are written: without aliases an
 * anchor does nothing, and a tag could make "true" a string or a string a
 * number behind the reader's back. */
static int check_node_properties(ParseContext *c, const yaml_char_t *anchor, const yaml_char_t *tag,
                                 SourceMark m) {
        if (anchor)
                return parse_error(c, -EINVAL, m,
                                   "YAML anchors (&%s) are not allowed in rule files; write each value out in full",
                                   SANITIZE((const char *) anchor));
        if (tag)
                return parse_error(c, -EINVAL, m,
                                   "YAML tags (%s) are not allowed in rule files; remove the tag",
                                   SANITIZE((const char *) tag));
        return 0;
}

static int node_build(ParseContext *c, const yaml_event_t *ev, Node *ret, unsigned depth);

static int node_build_collection(ParseContext *c, yaml_event_type_t end, Node *ret, unsigned depth) {
        size_t alloc = 0;

        for (;;) {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};
                int r;

                r = next_event(c, &ev);
                if (r < 0)
                        return r;
                if (ev.type == end)
                        return 0;

                if (ret->n_items >= alloc) {
                        size_t na = alloc ? alloc * 2 : 8;
                        Node *ni = reallocarray(ret->items, na, sizeof(Node));

                        if (!ni)
                                return parse_oom(c);
                        ret->items = ni;
                        alloc = na;
                }
                /* Counted before it is built, so that node_done() frees a
                 * half-built child too. */
                ret->items[ret->n_items] = (Node) {};
                r = node_build(c, &ev, &ret->items[ret->n_items++], depth + 1);
                if (r < 0)
                        return r;
        }
}

static int node_build(ParseContext *c, const yaml_event_t *ev, Node *ret, unsigned depth) {
        SourceMark m = mark_from_yaml(ev->start_mark);
        int r;

        *ret = (Node) { .mark = m };

        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                return parse_error(c, -EINVAL, m,
                                   "YAML aliases (*%s) are not allowed in rule files; write the value out in full",
                                   SANITIZE((const char *) ev->data.alias.anchor));

        case YAML_SCALAR_EVENT:
                r = check_node_properties(c, ev->data.scalar.anchor, ev->data.scalar.tag, m);
                if (r < 0)
                        return r;
                if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length))
                        return parse_error(c, -EINVAL, m, "values must not contain NUL characters");
                ret->kind = NODE_SCALAR;
                ret->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                ret->value = strndup((const char *) ev->data.scalar.value, ev->data.scalar.length);
                if (!ret->value)
                        return parse_oom(c);
                return 0;

        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
                bool seq = ev->type == YAML_SEQUENCE_START_EVENT;

                r = check_node_properties(c,
                                          seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor,
                                          seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag, m);
                if (r < 0)
                        return r;
                if (depth > NODE_DEPTH_MAX)
                        return parse_error(c, -EINVAL, m,
                                           "nesting is too deep (more than %u levels); rule files need five at most",
                                           NODE_DEPTH_MAX);
                ret->kind = seq ? NODE_SEQUENCE : NODE_MAPPING;
                return node_build_collection(c, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT,
                                             ret, depth);
        }

        default:
                /* libyaml only hands out well-formed streams. */
                return parse_error(c, -EBADMSG, m, "YAML syntax error: unexpected event");
        }
}

/* ---- the schema ---------------------------------------------------------- */

typedef int (*FieldParser)(ParseContext *c, const char *path, const Node *key, const Node *value,
                           void *data);

typedef struct Field {
        const char *key;
        FieldParser parse;
        size_t offset;                  /* of what parse() fills, in the target */
        bool required;
} Field;

#define FIELDS_MAX 8

static int check_key(ParseContext *c, const Node *k, const char *what) {
        if (k->kind != NODE_SCALAR || node_is_null(k))
                return parse_error(c, -EINVAL, k->mark,
                                   "keys in %s must be plain names (got %s)", what, DESCRIBE(k));
        return 0;
}

/* Walk a mapping against a table: every key known, none twice, the required
 * ones present. The values are parsed in file order. */
static int parse_fields(ParseContext *c, const Node *map, const char *prefix, const char *what,
                        const Field *fields, size_t n_fields, void *target) {
        const Node *seen[FIELDS_MAX] = {};
        int r;

        if (n_fields > FIELDS_MAX)
                return -EINVAL;

        for (size_t i = 0; i + 1 < map->n_items; i += 2) {
                const Node *k = &map->items[i], *v = &map->items[i + 1];
                char path[64];
                size_t f;

                r = check_key(c, k, what);
                if (r < 0)
                        return r;

                for (f = 0; f < n_fields; f++)
                        if (streq(k->value, fields[f].key))
                                break;
                if (f == n_fields) {
                        char allowed[128] = "";

                        for (size_t j = 0; j < n_fields; j++) {
                                if (j > 0)
                                        strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
                                strncat(allowed, fields[j].key, sizeof allowed - strlen(allowed) - 1);
                        }
                        return parse_error(c, -EINVAL, k->mark,
                                           "unknown key %s in %s; the keys are %s",
                                           QUOTE(k->value), what, allowed);
                }
                if (seen[f])
                        return parse_error(c, -EINVAL, k->mark,
                                           "duplicate key \"%s\" in %s (first at line %u, column %u); remove one",
                                           fields[f].key, what, seen[f]->mark.line, seen[f]->mark.column);
                seen[f] = k;

                if (prefix)
                        snprintf(path, sizeof path, "%s.%s", prefix, fields[f].key);
                else
                        snprintf(path, sizeof path, "%s", fields[f].key);
                r = fields[f].parse(c, path, k, v, (uint8_t *) target + fields[f].offset);
                if (r < 0)
                        return r;
        }

        for (size_t f = 0; f < n_fields; f++)
                if (fields[f].required && !seen[f])
                        return parse_error(c, -EINVAL, map->mark,
                                           "%s is missing the required key \"%s\"", what, fields[f].key);
        return 0;
}

/* A one-line string: no control characters, so that titles and ids cannot
 * break the report, the journal or a notice. */
static int parse_string(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        char **s = data;

        if (v->kind != NODE_SCALAR || node_is_null(v)) {
                if (node_is_null(v) && streq(v->value, ""))
                        return parse_error(c, -EINVAL, key->mark, "%s has no value; give it a string", path);
                return parse_error(c, -EINVAL, v->mark, "%s must be a string (got %s)", path, DESCRIBE(v));
        }
        if (v->value[0] == '\0')
                return parse_error(c, -EINVAL, v->mark, "%s must not be empty", path);
        for (const char *p = v->value; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return parse_error(c, -EINVAL, v->mark,
                                           "%s must be a single line without control characters", path);

        free(*s);
        *s = strdup(v->value);
        return *s ? 0 : parse_oom(c);
}

static size_t id_index_find(const IdIndex *x, const Policy *p, const char *id, bool *ret_found) {
        size_t lo = 0, hi = x->n;

        *ret_found = false;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int cmp = strcmp(p->rules[x->rules[mid]].id, id);

                if (cmp == 0) {
                        *ret_found = true;
                        return mid;
                }
                if (cmp < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static int id_index_insert(IdIndex *x, size_t pos, size_t rule) {
        if (x->n >= x->alloc) {
                size_t na = x->alloc ? x->alloc * 2 : 32;
                size_t *nr = reallocarray(x->rules, na, sizeof(size_t));

                if (!nr)
                        return -ENOMEM;
                x->rules = nr;
                x->alloc = na;
        }
        memmove(x->rules + pos + 1, x->rules + pos, (x->n - pos) * sizeof(size_t));
        x->rules[pos] = rule;
        x->n++;
        return 0;
}

static int parse_id(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        const char *s;
        bool found;
        size_t pos;
        int r;

        r = parse_string(c, path, key, v, data);
        if (r < 0)
                return r;
        s = *(char **) data;

        if (strlen(s) > ID_MAX)
                return parse_error(c, -EINVAL, v->mark, "id is longer than %u characters", ID_MAX);
        if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(s))
                return parse_error(c, -EINVAL, v->mark,
                                   "id must use only a-z, 0-9, '.', '_' and '-' (got %s)", QUOTE(s));

        pos = id_index_find(c->ids, c->p, s, &found);
        if (found) {
                const Rule *o = &c->p->rules[c->ids->rules[pos]];

                if (streq(o->file, c->name))
                        return parse_error(c, -EINVAL, v->mark,
                                           "duplicate rule id %s (first defined at line %u, column %u); rule ids must be unique",
                                           QUOTE(s), o->mark.line, o->mark.column);
                return parse_error(c, -EINVAL, v->mark,
                                   "duplicate rule id %s (first defined at %s:%u:%u); rule ids must be unique across all rule files",
                                   QUOTE(s), o->file, o->mark.line, o->mark.column);
        }
        c->id_pos = pos;
        return 0;
}

static int parse_check(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        c->check_mark = v->mark;
        return parse_string(c, path, key, v, data);
}

static int parse_severity(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        Severity *s = data;

        if (v->kind == NODE_SCALAR)
                *s = severity_from_string(v->value);
        if (v->kind != NODE_SCALAR || *s < 0)
                return parse_error(c, -EINVAL, v->mark,
                                   "severity must be one of critical, high, medium, low (got %s)",
                                   DESCRIBE(v));
        return 0;
}

static bool strcaseeq_any(const char *s, const char *a, const char *b) {
        return strcasecmp(s, a) == 0 || strcasecmp(s, b) == 0;
}

/* Strict on purpose: a quoted "true" is a string, and "on", "1" or "maybe"
 * are more likely mistakes than intent. */
static int parse_bool(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        bool *b = data;

        if (v->kind != NODE_SCALAR || node_is_null(v))
                return parse_error(c, -EINVAL, v->kind == NODE_SCALAR ? key->mark : v->mark,
                                   "%s must be true or false (got %s)", path, DESCRIBE(v));
        if (!v->plain)
                return parse_error(c, -EINVAL, v->mark,
                                   "%s must be true or false without quotes (got the quoted string %s)",
                                   path, QUOTE(v->value));
        if (strcaseeq_any(v->value, "true", "yes"))
                *b = true;
        else if (strcaseeq_any(v->value, "false", "no"))
                *b = false;
        else
                return parse_error(c, -EINVAL, v->mark, "%s must be true or false (got %s)",
                                   path, QUOTE(v->value));
        return 0;
}

static int parse_interval(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        uint64_t *usec = data, u;

        if (v->kind != NODE_SCALAR || node_is_null(v) || parse_duration(v->value, &u) < 0)
                return parse_error(c, -EINVAL, v->kind == NODE_SCALAR && node_is_null(v) ? key->mark : v->mark,
                                   "%s must be a duration such as 30s, 10m, 1h or 1d (got %s)",
                                   path, DESCRIBE(v));
        if (u < INTERVAL_MIN_USEC)
                return parse_error(c, -EINVAL, v->mark, "%s must be at least 1s (got %s)",
                                   path, QUOTE(v->value));
        *usec = u;
        return 0;
}

static int param_value(ParseContext *c, const char *path, const Node *v, char ***values, size_t *n) {
        if (v->kind != NODE_SCALAR)
                return parse_error(c, -EINVAL, v->mark,
                                   "%s must be a value or a list of values (got %s); nested lists and mappings are not supported",
                                   path, DESCRIBE(v));
        if (node_is_null(v))
                return parse_error(c, -EINVAL, v->mark,
                                   "%s has an empty value; write one (quote \"\" for an empty string)", path);
        return strv_consume(values, n, strdup(v->value)) < 0 ? parse_oom(c) : 0;
}

static int parse_params(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        Rule *rule = data;
        size_t n;
        int r;

        if (v->kind != NODE_MAPPING)
                return parse_error(c, -EINVAL, node_is_null(v) && streq(v->value, "") ? key->mark : v->mark,
                                   "params must be a mapping of names to values (got %s)", DESCRIBE(v));
        n = v->n_items / 2;
        if (n > PARAMS_MAX)
                return parse_error(c, -EINVAL, v->mark, "params has more than %u entries", PARAMS_MAX);
        if (n == 0)
                return 0;

        rule->params = calloc(n, sizeof(struct mamori_param));
        rule->param_marks = calloc(n, sizeof(SourceMark));
        if (!rule->params || !rule->param_marks)
                return parse_oom(c);

        for (size_t i = 0; i < n; i++) {
                const Node *k = &v->items[2 * i], *pv = &v->items[2 * i + 1];
                _cleanup_strv_free_ char **values = NULL;
                size_t n_values = 0;
                char ppath[QUOTE_BUF + 16];
                char *kc;

                r = check_key(c, k, "params");
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (streq(rule->params[j].key, k->value))
                                return parse_error(c, -EINVAL, k->mark,
                                                   "duplicate key %s in params (first at line %u, column %u); remove one",
                                                   QUOTE(k->value), rule->param_marks[j].line,
                                                   rule->param_marks[j].column);
                snprintf(ppath, sizeof ppath, "params.%s", SANITIZE(k->value));

                if (pv->kind == NODE_SEQUENCE) {
                        /* An empty list is still a list: values = { NULL }. */
                        values = calloc(1, sizeof(char *));
                        if (!values)
                                return parse_oom(c);
                        for (size_t j = 0; j < pv->n_items; j++) {
                                r = param_value(c, ppath, &pv->items[j], &values, &n_values);
                                if (r < 0)
                                        return r;
                        }
                } else if (pv->kind == NODE_SCALAR && node_is_null(pv) && streq(pv->value, "")) {
                        return parse_error(c, -EINVAL, k->mark,
                                           "%s has no value; write one (quote \"\" for an empty string)", ppath);
                } else {
                        r = param_value(c, ppath, pv, &values, &n_values);
                        if (r < 0)
                                return r;
                }

                kc = strdup(k->value);
                if (!kc)
                        return parse_oom(c);
                rule->params[i] = (struct mamori_param) {
                        .key = kc,
                        .values = (const char *const *) TAKE_PTR(values),
                };
                rule->param_marks[i] = k->mark;
                rule->n_params = i + 1;
        }
        return 0;
}

static const Field title_fields[] = {
        { "ja", parse_string, offsetof(Rule, title_ja), true },
        { "en", parse_string, offsetof(Rule, title_en), true },
};

static int parse_title(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        if (v->kind != NODE_MAPPING)
                return parse_error(c, -EINVAL, node_is_null(v) && streq(v->value, "") ? key->mark : v->mark,
                                   "title must be a mapping with the keys ja and en, e.g. { ja: ..., en: ... } (got %s)",
                                   DESCRIBE(v));
        return parse_fields(c, v, "title", "title", title_fields, ELEMENTSOF(title_fields), data);
}

static const Field rule_fields[] = {
        { "id",       parse_id,       offsetof(Rule, id),            true  },
        { "title",    parse_title,    0,                             true  },
        { "clause",   parse_string,   offsetof(Rule, clause),        true  },
        { "severity", parse_severity, offsetof(Rule, severity),      true  },
        { "check",    parse_check,    offsetof(Rule, check),         true  },
        { "params",   parse_params,   0,                             false },
        { "enforce",  parse_bool,     offsetof(Rule, enforce),       false },
        { "interval", parse_interval, offsetof(Rule, interval_usec), false },
};

static void rule_donep(Rule *r) {
        rule_done(r);
}

static int rule_validate(ParseContext *c, Rule *rule) {
        char msg[256] = "";
        size_t bad = (size_t) -1;
        int r;

        if (!c->checker || !c->checker->validate)
                return 0;

        rule_refresh_abi(rule);
        r = c->checker->validate(c->checker->userdata, &rule->abi, &bad, msg, sizeof msg);
        if (r >= 0)
                return 0;
        if (r == -ENOENT)
                return parse_error(c, -EINVAL, c->check_mark,
                                   "unknown check %s (no loaded plugin provides it)", QUOTE(rule->check));

        msg[sizeof msg - 1] = '\0';
        for (char *p = msg; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        if (!msg[0])
                snprintf(msg, sizeof msg, "%s", strerror(-r));
        r = r == -ENOMEM ? -ENOMEM : -EINVAL;

        if (bad < rule->n_params)
                return parse_error(c, r, rule->param_marks[bad], "params.%s: %s (check %s)",
                                   SANITIZE(rule->params[bad].key), msg, QUOTE(rule->check));
        return parse_error(c, r, rule->mark, "check %s refuses this rule: %s", QUOTE(rule->check), msg);
}

/* Room for one more rule. The capacity is not stored: it is the next power
 * of two (at least 8) of n_rules, so grow exactly when n_rules reaches one. */
static int policy_grow(Policy *p) {
        size_t n = p->n_rules, na;
        Rule *nr;

        if (n > 0 && (n < 8 || (n & (n - 1)) != 0))
                return 0;
        na = n < 8 ? 8 : n * 2;
        nr = reallocarray(p->rules, na, sizeof(Rule));
        if (!nr)
                return -ENOMEM;
        p->rules = nr;
        return 0;
}

static int parse_rule(ParseContext *c, const Node *v) {
        _cleanup_(rule_donep) Rule rule = {
                .severity = _SEVERITY_INVALID,
                .mark = v->mark,
        };
        int r;

        if (v->kind != NODE_MAPPING)
                return parse_error(c, -EINVAL, v->mark,
                                   "each entry of rules must be a mapping with the keys id, title, clause, severity, check, ... (got %s)",
                                   DESCRIBE(v));

        rule.file = strdup(c->name);
        if (!rule.file)
                return parse_oom(c);
        c->check_mark = (SourceMark) {};

        r = parse_fields(c, v, NULL, "rule", rule_fields, ELEMENTSOF(rule_fields), &rule);
        if (r < 0)
                return r;
        r = rule_validate(c, &rule);
        if (r < 0)
                return r;

        if (policy_grow(c->p) < 0 || id_index_insert(c->ids, c->id_pos, c->p->n_rules) < 0)
                return parse_oom(c);
        c->p->rules[c->p->n_rules++] = rule;
        rule = (Rule) {};
        return 0;
}

static int parse_rules(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        int r;

        if (v->kind != NODE_SEQUENCE)
                return parse_error(c, -EINVAL, node_is_null(v) && streq(v->value, "") ? key->mark : v->mark,
                                   "rules must be a sequence of rules, each starting with \"- id: ...\" (got %s); write \"rules: []\" for none",
                                   DESCRIBE(v));
        for (size_t i = 0; i < v->n_items; i++) {
                r = parse_rule(c, &v->items[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const Field policy_fields[] = {
        { "id",      parse_string, offsetof(ParseContext, policy_id),      false },
        { "version", parse_string, offsetof(ParseContext, policy_version), false },
};

static int parse_policy(ParseContext *c, const char *path, const Node *key, const Node *v, void *data) {
        if (c->policy_owner)
                return parse_error(c, -EINVAL, key->mark,
                                   "only one rule file may carry a policy mapping, and %s already does; keep one",
                                   c->policy_owner);
        if (v->kind != NODE_MAPPING)
                return parse_error(c, -EINVAL, node_is_null(v) && streq(v->value, "") ? key->mark : v->mark,
                                   "policy must be a mapping with the keys id and version (got %s)", DESCRIBE(v));
        c->had_policy = true;
        return parse_fields(c, v, "policy", "policy", policy_fields, ELEMENTSOF(policy_fields), c);
}

static const Field top_fields[] = {
        { "policy", parse_policy, 0, false },
        { "rules",  parse_rules,  0, false },
};

static int parse_root(ParseContext *c, const Node *root) {
        /* "---" alone, or nothing but comments and a document marker. */
        if (node_is_null(root))
                return 0;
        if (root->kind != NODE_MAPPING)
                return parse_error(c, -EINVAL, root->mark,
                                   "a rule file must be a mapping with the keys policy and rules (got %s)",
                                   DESCRIBE(root));
        return parse_fields(c, root, NULL, "the top-level mapping", top_fields, ELEMENTSOF(top_fields), c);
}

static void node_donep(Node *n) {
        node_done(n);
}

static int parse_stream(ParseContext *c) {
        int r;

        {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};

                r = next_event(c, &ev);
                if (r < 0)
                        return r;
        }

        {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};

                r = next_event(c, &ev);
                if (r < 0)
                        return r;
                /* An empty file, or only comments. */
                if (ev.type == YAML_STREAM_END_EVENT)
                        return 0;
        }

        {
                _cleanup_(node_donep) Node root = {};

                {
                        _cleanup_(yaml_event_delete) yaml_event_t ev = {};

                        r = next_event(c, &ev);
                        if (r < 0)
                                return r;
                        r = node_build(c, &ev, &root, 1);
                        if (r < 0)
                                return r;
                }
                {
                        _cleanup_(yaml_event_delete) yaml_event_t ev = {};

                        /* The DOCUMENT-END: a syntax error after the root
                         * comes out here. */
                        r = next_event(c, &ev);
                        if (r < 0)
                                return r;
                }
                r = parse_root(c, &root);
                if (r < 0)
                        return r;
        }

        {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};

                r = next_event(c, &ev);
                if (r < 0)
                        return r;
                if (ev.type == YAML_DOCUMENT_START_EVENT)
                        return parse_error(c, -EINVAL, mark_from_yaml(ev.start_mark),
                                           "a rule file holds one YAML document, and a second one starts here; "
                                           "remove the \"---\" or move the rules to another file");
        }
        return 0;
}

static void policy_truncate(Policy *p, size_t n) {
        while (p->n_rules > n)
                rule_done(&p->rules[--p->n_rules]);
}

static int policy_parse_internal(Policy *p, const char *name, const char *buf, size_t size,
                                 const PolicyChecker *checker, PolicyError *reterr, IdIndex *ids,
                                 const char *policy_owner, bool *ret_had_policy) {
        ParseContext c = {
                .name = name ?: "",
                .buf = buf ?: "",
                .size = buf ? size : 0,
                .checker = checker,
                .err = reterr,
                .p = p,
                .ids = ids,
                .policy_owner = policy_owner,
        };
        size_t n_before = p->n_rules;
        int r;

        if (reterr)
                *reterr = (PolicyError) {};
        if (!yaml_parser_initialize(&c.parser))
                return parse_oom(&c);
        yaml_parser_set_input_string(&c.parser, (const unsigned char *) c.buf, c.size);
        r = parse_stream(&c);
        yaml_parser_delete(&c.parser);

        if (r < 0) {
                /* All or nothing: a bad file adds no rules. */
                policy_truncate(p, n_before);
                free(c.policy_id);
                free(c.policy_version);
                return r;
        }
        if (c.had_policy) {
                free(p->id);
                p->id = TAKE_PTR(c.policy_id);
                free(p->version);
                p->version = TAKE_PTR(c.policy_version);
        }
        if (ret_had_policy)
                *ret_had_policy = c.had_policy;
        policy_refresh_abi(p);
        return 0;
}

int policy_parse_buffer(Policy *p, const char *name, const char *buf, size_t size,
                        const PolicyChecker *checker, PolicyError *reterr) {
        IdIndex ids = {};
        int r;

        if (!p)
                return -EINVAL;
        r = policy_parse_internal(p, name, buf, size, checker, reterr, &ids,
                                  p->id || p->version ? "an earlier file" : NULL, NULL);
        free(ids.rules);
        return r;
}

/* ---- loading directories ------------------------------------------------- */

typedef struct FileEntry {
        char *name;
        size_t dir;                     /* index into dirs: later wins */
        bool mask;                      /* empty, or a symlink to /dev/null */
} FileEntry;

typedef struct FileList {
        FileEntry *entries;
        size_t n, alloc;
        int *dir_fds;
        size_t n_dirs;
} FileList;

static void file_list_done(FileList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->entries[i].name);
        free(l->entries);
        for (size_t i = 0; i < l->n_dirs; i++)
                if (l->dir_fds[i] >= 0)
                        close(l->dir_fds[i]);
        free(l->dir_fds);
        *l = (FileList) {};
}

static int load_error(PolicyError *e, int r, const char *file, const char *fmt, ...) _printf_(4, 5);
static int load_error(PolicyError *e, int r, const char *file, const char *fmt, ...) {
        va_list ap;

        if (!e)
                return r;
        *e = (PolicyError) {};
        snprintf(e->file, sizeof e->file, "%s", file);
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        return r;
}

static bool is_rule_file_name(const char *name) {
        size_t l = strlen(name);

        if (name[0] == '.')
                return false;
        return (l > 5 && streq(name + l - 5, ".yaml")) || (l > 4 && streq(name + l - 4, ".yml"));
}

static int file_list_add(FileList *l, const char *name, size_t dir, bool mask) {
        if (l->n >= l->alloc) {
                size_t na = l->alloc ? l->alloc * 2 : 16;
                FileEntry *ne = reallocarray(l->entries, na, sizeof(FileEntry));

                if (!ne)
                        return -ENOMEM;
                l->entries = ne;
                l->alloc = na;
        }
        l->entries[l->n] = (FileEntry) { .name = strdup(name), .dir = dir, .mask = mask };
        if (!l->entries[l->n].name)
                return -ENOMEM;
        l->n++;
        return 0;
}

static int file_list_scan(FileList *l, size_t d, const char *path, PolicyError *reterr) {
        _cleanup_close_ int fd = -EBADF;
        DIR *dir;
        struct dirent *de;
        int r = 0;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                r = -errno;
                return load_error(reterr, r, path, "cannot open rule directory: %s", strerror(-r));
        }
        l->dir_fds[d] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (l->dir_fds[d] < 0) {
                r = -errno;
                return load_error(reterr, r, path, "cannot open rule directory: %s", strerror(-r));
        }
        dir = fdopendir(fd);
        if (!dir) {
                r = -errno;
                return load_error(reterr, r, path, "cannot read rule directory: %s", strerror(-r));
        }
        fd = -EBADF; /* owned by dir now */

        for (;;) {
                struct stat st;
                bool mask;

                errno = 0;
                de = readdir(dir);
                if (!de) {
                        if (errno != 0) {
                                r = -errno;
                                r = load_error(reterr, r, path, "cannot read rule directory: %s", strerror(-r));
                        }
                        break;
                }
                if (!is_rule_file_name(de->d_name))
                        continue;
                /* Follow symlinks: a link into /usr/share is a normal
                 * override, and one to /dev/null masks like an empty file. */
                if (fstatat(dirfd(dir), de->d_name, &st, 0) < 0) {
                        if (errno == ENOENT)
                                continue;       /* dangling symlink, or removed meanwhile */
                        r = -errno;
                        r = load_error(reterr, r, path, "cannot stat %s: %s", de->d_name, strerror(-r));
                        break;
                }
                if (S_ISREG(st.st_mode))
                        mask = st.st_size == 0;
                else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                        mask = true;
                else
                        continue;               /* a directory or a socket is not a rule file */

                r = file_list_add(l, de->d_name, d, mask);
                if (r < 0) {
                        r = load_error(reterr, r, path, "out of memory");
                        break;
                }
        }
        closedir(dir);
        return r;
}

static int file_entry_compare(const void *a, const void *b) {
        const FileEntry *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        if (r != 0)
                return r;
        return x->dir < y->dir ? -1 : x->dir > y->dir;
}

static char *path_join(const char *dir, const char *name) {
        size_t l = strlen(dir);
        char *p;

        if (asprintf(&p, "%s%s%s", dir, l > 0 && dir[l - 1] == '/' ? "" : "/", name) < 0)
                return NULL;
        return p;
}

static int load_one(Policy *p, FileList *l, const FileEntry *e, char *const *dirs,
                    const PolicyChecker *checker, IdIndex *ids, const char **policy_owner,
                    PolicyError *reterr) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t size = 0, n_files;
        bool had_policy = false;
        int r;

        path = path_join(dirs[e->dir], e->name);
        if (!path)
                return load_error(reterr, -ENOMEM, e->name, "out of memory");

        r = read_file_at(l->dir_fds[e->dir], e->name, POLICY_FILE_MAX, &buf, &size);
        if (r == -EFBIG)
                return load_error(reterr, r, path,
                                  "file is larger than %u KiB; split it into several rule files",
                                  POLICY_FILE_MAX / 1024);
        if (r < 0)
                return load_error(reterr, r, path, "cannot read rule file: %s", strerror(-r));

        r = policy_parse_internal(p, path, buf, size, checker, reterr, ids, *policy_owner, &had_policy);
        if (r < 0)
                return r;

        n_files = strv_length(p->files);
        r = strv_consume(&p->files, &n_files, TAKE_PTR(path));
        if (r < 0)
                return load_error(reterr, r, e->name, "out of memory");
        if (had_policy)
                *policy_owner = p->files[n_files - 1];
        return 0;
}

int policy_load(char *const *dirs, const PolicyChecker *checker, Policy **ret, PolicyError *reterr) {
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_(file_list_done) FileList l = {};
        IdIndex ids = {};
        const char *policy_owner = NULL;
        int r = 0;

        if (reterr)
                *reterr = (PolicyError) {};
        if (!ret)
                return -EINVAL;

        p = policy_new();
        if (!p)
                return load_error(reterr, -ENOMEM, "", "out of memory");

        l.n_dirs = strv_length(dirs);
        if (l.n_dirs > 0) {
                l.dir_fds = malloc(l.n_dirs * sizeof(int));
                if (!l.dir_fds) {
                        l.n_dirs = 0;
                        return load_error(reterr, -ENOMEM, "", "out of memory");
                }
                for (size_t d = 0; d < l.n_dirs; d++)
                        l.dir_fds[d] = -EBADF;
        }
        for (size_t d = 0; d < l.n_dirs; d++) {
                r = file_list_scan(&l, d, dirs[d], reterr);
                if (r < 0)
                        return r;
        }

        /* By name, and for one name by directory: the last of each run
         * (the latest directory) is the one that counts. */
        if (l.n > 0)
                qsort(l.entries, l.n, sizeof(FileEntry), file_entry_compare);
        for (size_t i = 0; i < l.n; i++) {
                const FileEntry *e = &l.entries[i];

                if (i + 1 < l.n && streq(e->name, l.entries[i + 1].name))
                        continue;       /* overridden */
                if (e->mask)
                        continue;
                r = load_one(p, &l, e, dirs, checker, &ids, &policy_owner, reterr);
                if (r < 0)
                        break;
        }
        free(ids.rules);
        if (r < 0)
                return r;

        /* The rule array has stopped moving: point the plugin views at their
         * final homes. */
        policy_refresh_abi(p);
        *ret = TAKE_PTR(p);
        return 0;
}
