/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GVariant's text format (what dconf keyfiles hold: "uint32 300", "true",
 * "['a', 'b']", "[('xkb', 'us')]") parsed and serialised in normal form,
 * as `dconf compile` does with g_variant_parse(NULL, text): the type is
 * inferred from the text.
 *
 * Facts relied on (GLib's GVariant text format and serialisation docs):
 *   - Values: true/false; numbers (decimal or 0x hex integers, which are
 *     int32 unless a type says otherwise; a '.' or exponent makes a double);
 *     strings in '' or "" with backslash escapes (\n \t \r \f \b \a \v,
 *     \uXXXX, \UXXXXXXXX, any other character stands for itself);
 *     [arrays], (tuples, a 1-tuple written "(x,)"), {dict: entries} and
 *     {key, value} entries, <variants>; "@TYPE value" and the keywords
 *     boolean byte int16 uint16 int32 uint32 int64 uint64 handle double
 *     string objectpath signature give a value its type. An empty array
 *     needs a type. Array elements must agree on one type; bare numbers
 *     become doubles when one of them is written as a double.
 *   - Serialisation: fixed-size values in little-endian, aligned to their
 *     size (b y: 1; n q: 2; i u h: 4; x t d: 8); strings with a trailing
 *     NUL; a variant is the child, a 0 byte and the child's type string
 *     (alignment 8); arrays of a fixed-size type are their elements side by
 *     side; arrays of a variable-size type put each element at its
 *     alignment and then the end offset of every element; tuples put each
 *     member at its alignment, then the end offsets of the variable-size
 *     members but the last, in reverse order; a fixed-size tuple is padded
 *     to its alignment, "()" is one 0 byte. Offsets take the fewest bytes
 *     (1, 2, 4 or 8) in which the whole container's size fits.
 * Maybe types ("just", "nothing", "mT") and bytestrings (b'...') are not
 * handled: -EOPNOTSUPP, so that a database is never compiled without a
 * value an administrator wrote. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "screenlock-enforce.h"

#define GV_MAX_DEPTH 64

typedef enum NodeKind {
        N_BOOL,
        N_INT,
        N_FLOAT,
        N_STRING,
        N_ARRAY,
        N_TUPLE,
        N_DICT,                         /* {k: v, ...}: kids are N_ENTRY */
        N_ENTRY,                        /* {k, v} or one pair of a dict: two kids */
        N_VARIANT,
        N_TYPED,                        /* @T value or keyword value: one kid */
} NodeKind;

typedef struct Node {
        NodeKind kind;
        char *type;                     /* inferred (owned); N_TYPED: the annotation as well */
        bool b;
        const char *num;                /* N_INT/N_FLOAT: the literal in the text */
        size_t num_len;
        char *str;                      /* N_STRING: decoded */
        size_t str_len;
        struct Node **kids;
        size_t n_kids;
} Node;

typedef struct Lexer {
        const char *p, *end;
        const char *reason;
        unsigned depth;
} Lexer;

static Node *node_free(Node *n) {
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n_kids; i++)
                node_free(n->kids[i]);
        free(n->kids);
        free(n->type);
        free(n->str);
        free(n);
        return NULL;
}

static int lfail(Lexer *lx, int r, const char *reason) {
        lx->reason = reason;
        return r;
}

static void skip_ws(Lexer *lx) {
        while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r' ||
                                   *lx->p == '\f' || *lx->p == '\v'))
                lx->p++;
}

static bool is_word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int kid_add(Node *n, Node *kid) {
        Node **grown = realloc(n->kids, (n->n_kids + 1) * sizeof(*grown));

        if (!grown) {
                node_free(kid);
                return -ENOMEM;
        }
        n->kids = grown;
        n->kids[n->n_kids++] = kid;
        return 0;
}

/* ---- types -------------------------------------------------------------------- */

/* The length of the first complete type at t, or 0. */
static size_t type_len(const char *t) {
        size_t n;

        if (!*t)
                return 0;
        if (strchr("bynqiuxthdsogv", *t))
                return 1;
        if (*t == 'a' || *t == 'm') {
                n = type_len(t + 1);
                return n ? n + 1 : 0;
        }
        if (*t == '(') {
                size_t i = 1;

                while (t[i] && t[i] != ')') {
                        n = type_len(t + i);
                        if (!n)
                                return 0;
                        i += n;
                }
                return t[i] == ')' ? i + 1 : 0;
        }
        if (*t == '{') {
                size_t k = type_len(t + 1), v;

                if (k != 1)
                        return 0;
                v = type_len(t + 2);
                if (!v || t[2 + v] != '}')
                        return 0;
                return 3 + v;
        }
        return 0;
}

static bool type_is_number(const char *t) {
        return t[0] && !t[1] && strchr("ynqiuxthd", t[0]);
}

/* Alignment and fixed size (0: variable) of a complete type. */
static void type_info(const char *t, size_t *ret_align, size_t *ret_fixed) {
        switch (*t) {
        case 'b':
        case 'y':
                *ret_align = 1;
                *ret_fixed = 1;
                return;
        case 'n':
        case 'q':
                *ret_align = 2;
                *ret_fixed = 2;
                return;
        case 'i':
        case 'u':
        case 'h':
                *ret_align = 4;
                *ret_fixed = 4;
                return;
        case 'x':
        case 't':
        case 'd':
                *ret_align = 8;
                *ret_fixed = 8;
                return;
        case 's':
        case 'o':
        case 'g':
                *ret_align = 1;
                *ret_fixed = 0;
                return;
        case 'v':
                *ret_align = 8;
                *ret_fixed = 0;
                return;
        case 'a':
        case 'm':
                type_info(t + 1, ret_align, ret_fixed);
                *ret_fixed = 0;
                return;
        case '(':
        case '{': {
                size_t align = 1, size = 0, i = 1;
                bool fixed = true;
                char close = *t == '(' ? ')' : '}';

                while (t[i] && t[i] != close) {
                        size_t a, f, n = type_len(t + i);

                        type_info(t + i, &a, &f);
                        if (a > align)
                                align = a;
                        if (!f)
                                fixed = false;
                        else {
                                size = (size + a - 1) / a * a;
                                size += f;
                        }
                        i += n ? n : 1;
                }
                *ret_align = align;
                if (!fixed)
                        *ret_fixed = 0;
                else if (size == 0)
                        *ret_fixed = 1;         /* the unit tuple */
                else
                        *ret_fixed = (size + align - 1) / align * align;
                return;
        }
        default:
                *ret_align = 1;
                *ret_fixed = 0;
        }
}

/* ---- parsing ---------------------------------------------------------------- */

static int parse_value(Lexer *lx, Node **ret);

static const struct {
        const char *word;
        const char *type;
} keywords[] = {
        { "boolean", "b" }, { "byte", "y" }, { "int16", "n" }, { "uint16", "q" }, { "int32", "i" },
        { "uint32", "u" }, { "handle", "h" }, { "int64", "x" }, { "uint64", "t" }, { "double", "d" },
        { "string", "s" }, { "objectpath", "o" }, { "signature", "g" },
};

static int hex_digits(Lexer *lx, unsigned n, uint32_t *ret) {
        uint32_t v = 0;

        if ((size_t) (lx->end - lx->p) < n)
                return lfail(lx, -EINVAL, "a \\u or \\U escape is cut short");
        for (unsigned i = 0; i < n; i++) {
                char c = *lx->p++;
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

                if (d < 0)
                        return lfail(lx, -EINVAL, "a bad hex digit in a \\u or \\U escape");
                v = v * 16 + (uint32_t) d;
        }
        *ret = v;
        return 0;
}

static int parse_string(Lexer *lx, Node **ret) {
        char quote = *lx->p++;
        size_t cap = (size_t) (lx->end - lx->p) + 1;
        Node *n;
        char *w;

        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->kind = N_STRING;
        /* Decoded text is never longer than the rest of the input plus the
         * growth of \u escapes (6 chars for at most 3 bytes). */
        n->str = malloc(cap);
        if (!n->str) {
                node_free(n);
                return -ENOMEM;
        }
        w = n->str;

        for (;;) {
                char c;

                if (lx->p >= lx->end) {
                        node_free(n);
                        return lfail(lx, -EINVAL, "a string is not closed");
                }
                c = *lx->p++;
                if (c == quote)
                        break;
                if (c != '\\') {
                        *w++ = c;
                        continue;
                }
                if (lx->p >= lx->end) {
                        node_free(n);
                        return lfail(lx, -EINVAL, "a string ends in a backslash");
                }
                c = *lx->p++;
                switch (c) {
                case 'a': *w++ = '\a'; break;
                case 'b': *w++ = '\b'; break;
                case 'f': *w++ = '\f'; break;
                case 'n': *w++ = '\n'; break;
                case 'r': *w++ = '\r'; break;
                case 't': *w++ = '\t'; break;
                case 'v': *w++ = '\v'; break;
                case 'u':
                case 'U': {
                        uint32_t cp;
                        int r = hex_digits(lx, c == 'u' ? 4 : 8, &cp);

                        if (r < 0) {
                                node_free(n);
                                return r;
                        }
                        if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                                node_free(n);
                                return lfail(lx, -EINVAL, "a \\u escape that is not a character");
                        }
                        if (cp < 0x80)
                                *w++ = (char) cp;
                        else if (cp < 0x800) {
                                *w++ = (char) (0xc0 | (cp >> 6));
                                *w++ = (char) (0x80 | (cp & 0x3f));
                        } else if (cp < 0x10000) {
                                *w++ = (char) (0xe0 | (cp >> 12));
                                *w++ = (char) (0x80 | ((cp >> 6) & 0x3f));
                                *w++ = (char) (0x80 | (cp & 0x3f));
                        } else {
                                *w++ = (char) (0xf0 | (cp >> 18));
                                *w++ = (char) (0x80 | ((cp >> 12) & 0x3f));
                                *w++ = (char) (0x80 | ((cp >> 6) & 0x3f));
                                *w++ = (char) (0x80 | (cp & 0x3f));
                        }
                        break;
                }
                default:
                        *w++ = c;
                        break;
                }
        }
        n->str_len = (size_t) (w - n->str);
        *w = '\0';
        if (!sl_utf8_is_valid((const uint8_t *) n->str, n->str_len)) {
                node_free(n);
                return lfail(lx, -EINVAL, "a string that is not UTF-8 or holds a NUL");
        }
        *ret = n;
        return 0;
}

static int parse_number(Lexer *lx, Node **ret) {
        const char *s = lx->p;
        bool hex, is_float = false;
        Node *n;

        if (*lx->p == '-' || *lx->p == '+')
                lx->p++;
        hex = lx->end - lx->p >= 2 && lx->p[0] == '0' && (lx->p[1] == 'x' || lx->p[1] == 'X');
        while (lx->p < lx->end && (is_word_char(*lx->p) || *lx->p == '.' ||
                                   ((*lx->p == '-' || *lx->p == '+') && !hex &&
                                    (lx->p[-1] == 'e' || lx->p[-1] == 'E')))) {
                if (*lx->p == '.' || (!hex && (*lx->p == 'e' || *lx->p == 'E')))
                        is_float = true;
                lx->p++;
        }
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->kind = is_float ? N_FLOAT : N_INT;
        n->num = s;
        n->num_len = (size_t) (lx->p - s);
        *ret = n;
        return 0;
}

/* Items up to close, separated by ','. For dicts, "k: v" pairs. */
static int parse_items(Lexer *lx, Node *n, char close, bool *ret_trailing_comma, bool *ret_colon) {
        bool first = true;
        int r;

        *ret_trailing_comma = false;
        for (;;) {
                Node *kid = NULL;

                skip_ws(lx);
                if (lx->p < lx->end && *lx->p == close) {
                        lx->p++;
                        return 0;
                }
                if (!first) {
                        if (lx->p >= lx->end || *lx->p != ',')
                                return lfail(lx, -EINVAL, "expected ',' between items");
                        lx->p++;
                        skip_ws(lx);
                        if (lx->p < lx->end && *lx->p == close) {
                                lx->p++;
                                *ret_trailing_comma = true;
                                return 0;
                        }
                }
                r = parse_value(lx, &kid);
                if (r < 0)
                        return r;
                skip_ws(lx);
                if (ret_colon && lx->p < lx->end && *lx->p == ':') {
                        Node *entry, *val = NULL;

                        if (!first && !*ret_colon) {
                                node_free(kid);
                                return lfail(lx, -EINVAL, "a ':' in a dictionary entry");
                        }
                        *ret_colon = true;
                        lx->p++;
                        r = parse_value(lx, &val);
                        if (r < 0) {
                                node_free(kid);
                                return r;
                        }
                        entry = calloc(1, sizeof(*entry));
                        if (!entry) {
                                node_free(kid);
                                node_free(val);
                                return -ENOMEM;
                        }
                        entry->kind = N_ENTRY;
                        r = kid_add(entry, kid);
                        if (r >= 0)
                                r = kid_add(entry, val);
                        else
                                node_free(val);
                        if (r < 0) {
                                node_free(entry);
                                return r;
                        }
                        kid = entry;
                } else if (ret_colon && *ret_colon) {
                        node_free(kid);
                        return lfail(lx, -EINVAL, "a dictionary item without ':'");
                }
                r = kid_add(n, kid);
                if (r < 0)
                        return r;
                first = false;
        }
}

static int parse_value(Lexer *lx, Node **ret) {
        Node *n = NULL;
        int r;

        skip_ws(lx);
        if (lx->p >= lx->end)
                return lfail(lx, -EINVAL, "a value is missing");
        if (++lx->depth > GV_MAX_DEPTH)
                return lfail(lx, -EINVAL, "nested too deep");

        switch (*lx->p) {
        case '\'':
        case '"':
                r = parse_string(lx, &n);
                break;
        case '[':
        case '(':
        case '{':
        case '<': {
                char open = *lx->p++, close = open == '[' ? ']' : open == '(' ? ')' : open == '{' ? '}' : '>';
                bool trailing = false, colon = false;

                n = calloc(1, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                if (open == '<') {
                        Node *kid = NULL;

                        n->kind = N_VARIANT;
                        r = parse_value(lx, &kid);
                        if (r >= 0)
                                r = kid_add(n, kid);
                        if (r >= 0) {
                                skip_ws(lx);
                                if (lx->p >= lx->end || *lx->p != '>')
                                        r = lfail(lx, -EINVAL, "a variant is not closed with '>'");
                                else
                                        lx->p++;
                        }
                        break;
                }
                n->kind = open == '[' ? N_ARRAY : open == '(' ? N_TUPLE : N_DICT;
                r = parse_items(lx, n, close, &trailing, open == '{' ? &colon : NULL);
                if (r < 0)
                        break;
                if (open == '(' && n->n_kids == 1 && !trailing)
                        r = lfail(lx, -EINVAL, "a 1-tuple needs a trailing comma: (x,)");
                else if (open == '{' && !colon && n->n_kids > 0) {
                        /* {k, v}: one dictionary entry. */
                        if (n->n_kids != 2 || trailing)
                                r = lfail(lx, -EINVAL, "a dictionary entry has exactly two items");
                        else
                                n->kind = N_ENTRY;
                }
                break;
        }
        case '@': {
                Node *kid = NULL;
                size_t tl;

                lx->p++;
                n = calloc(1, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                n->kind = N_TYPED;
                {
                        size_t avail = (size_t) (lx->end - lx->p);
                        char tbuf[256];

                        if (avail > sizeof(tbuf) - 1)
                                avail = sizeof(tbuf) - 1;
                        memcpy(tbuf, lx->p, avail);
                        tbuf[avail] = '\0';
                        tl = type_len(tbuf);
                        if (!tl || gvariant_type_check(tbuf, tl) < 0) {
                                r = lfail(lx, -EINVAL, "a bad type after '@'");
                                break;
                        }
                        n->type = strndup(lx->p, tl);
                }
                if (!n->type) {
                        r = -ENOMEM;
                        break;
                }
                lx->p += tl;
                r = parse_value(lx, &kid);
                if (r >= 0)
                        r = kid_add(n, kid);
                break;
        }
        default:
                if (*lx->p == '-' || *lx->p == '+' || (*lx->p >= '0' && *lx->p <= '9') ||
                    (*lx->p == '.' && lx->end - lx->p > 1 && lx->p[1] >= '0' && lx->p[1] <= '9')) {
                        r = parse_number(lx, &n);
                        break;
                }
                if (is_word_char(*lx->p)) {
                        const char *w = lx->p;
                        size_t wl;

                        while (lx->p < lx->end && is_word_char(*lx->p))
                                lx->p++;
                        wl = (size_t) (lx->p - w);
                        if ((wl == 4 && memcmp(w, "true", 4) == 0) || (wl == 5 && memcmp(w, "false", 5) == 0)) {
                                n = calloc(1, sizeof(*n));
                                if (!n)
                                        return -ENOMEM;
                                n->kind = N_BOOL;
                                n->b = wl == 4;
                                r = 0;
                                break;
                        }
                        for (size_t i = 0; i < SL_ELEMENTSOF(keywords); i++)
                                if (strlen(keywords[i].word) == wl && memcmp(w, keywords[i].word, wl) == 0) {
                                        Node *kid = NULL;

                                        n = calloc(1, sizeof(*n));
                                        if (!n)
                                                return -ENOMEM;
                                        n->kind = N_TYPED;
                                        n->type = strdup(keywords[i].type);
                                        if (!n->type) {
                                                r = -ENOMEM;
                                                goto done;
                                        }
                                        r = parse_value(lx, &kid);
                                        if (r >= 0)
                                                r = kid_add(n, kid);
                                        goto done;
                                }
                        if ((wl == 4 && memcmp(w, "just", 4) == 0) || (wl == 7 && memcmp(w, "nothing", 7) == 0) ||
                            (wl == 1 && *w == 'b' && lx->p < lx->end && (*lx->p == '\'' || *lx->p == '"')))
                                return lfail(lx, -EOPNOTSUPP, "maybe values and bytestrings are not handled");
                        if ((wl == 3 && (memcmp(w, "inf", 3) == 0 || memcmp(w, "nan", 3) == 0)))
                                return lfail(lx, -EOPNOTSUPP, "inf and nan are not handled");
                        return lfail(lx, -EINVAL, "an unknown word");
                }
                return lfail(lx, -EINVAL, "not a value");
        }
done:
        lx->depth--;
        if (r < 0) {
                node_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

/* ---- type inference -------------------------------------------------------- */

static int infer(Lexer *lx, Node *n, const char *expected);

static int set_type(Node *n, const char *t, size_t len) {
        char *c = strndup(t, len);

        if (!c)
                return -ENOMEM;
        free(n->type);
        n->type = c;
        return 0;
}

/* Children of an array (or dict) that must share one type. */
static int infer_elements(Lexer *lx, Node *n, const char *elem) {
        int r = 0;

        if (elem) {
                for (size_t i = 0; i < n->n_kids && r >= 0; i++)
                        r = infer(lx, n->kids[i], elem);
                return r;
        }
        if (n->n_kids == 0)
                return lfail(lx, -EINVAL, "the type of an empty array cannot be inferred; write @as [] or similar");

        /* Each element alone, then the first of their types that all
         * elements accept ([1, 2.5] is an array of doubles). */
        for (size_t i = 0; i < n->n_kids; i++) {
                r = infer(lx, n->kids[i], NULL);
                if (r < 0)
                        return r;
        }
        for (size_t c = 0; c < n->n_kids; c++) {
                _cleanup_sl_free_ char *cand = strdup(n->kids[c]->type);
                bool all = true;

                if (!cand)
                        return -ENOMEM;
                for (size_t i = 0; i < n->n_kids && all; i++) {
                        if (strcmp(n->kids[i]->type, cand) == 0)
                                continue;
                        r = infer(lx, n->kids[i], cand);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                all = false;
                }
                if (all) {
                        lx->reason = NULL;
                        for (size_t i = 0; i < n->n_kids; i++) {
                                r = infer(lx, n->kids[i], cand);
                                if (r < 0)
                                        return r;
                        }
                        return 0;
                }
        }
        return lfail(lx, -EINVAL, "array elements of different types");
}

static int infer(Lexer *lx, Node *n, const char *expected) {
        char buf[512];
        int r;

        switch (n->kind) {
        case N_TYPED:
                if (expected && strcmp(expected, n->type) != 0)
                        return lfail(lx, -EINVAL, "a typed value where another type is needed");
                return infer(lx, n->kids[0], n->type);
        case N_BOOL:
                if (expected && strcmp(expected, "b") != 0)
                        return lfail(lx, -EINVAL, "a boolean where another type is needed");
                return set_type(n, "b", 1);
        case N_INT:
                if (expected && !type_is_number(expected))
                        return lfail(lx, -EINVAL, "a number where another type is needed");
                return set_type(n, expected ? expected : "i", 1);
        case N_FLOAT:
                if (expected && strcmp(expected, "d") != 0)
                        return lfail(lx, -EINVAL, "a floating-point number where another type is needed");
                return set_type(n, "d", 1);
        case N_STRING:
                if (expected && strcmp(expected, "s") != 0 && strcmp(expected, "o") != 0 &&
                    strcmp(expected, "g") != 0)
                        return lfail(lx, -EINVAL, "a string where another type is needed");
                return set_type(n, expected ? expected : "s", 1);
        case N_VARIANT:
                if (expected && strcmp(expected, "v") != 0)
                        return lfail(lx, -EINVAL, "a variant where another type is needed");
                r = infer(lx, n->kids[0], NULL);
                if (r < 0)
                        return r;
                return set_type(n, "v", 1);
        case N_ARRAY:
        case N_DICT:
                if (expected && (expected[0] != 'a' || (n->kind == N_DICT && expected[1] != '{')))
                        return lfail(lx, -EINVAL, "an array where another type is needed");
                r = infer_elements(lx, n, expected ? expected + 1 : NULL);
                if (r < 0)
                        return r;
                if (expected)
                        return set_type(n, expected, strlen(expected));
                if (snprintf(buf, sizeof(buf), "a%s", n->kids[0]->type) >= (int) sizeof(buf))
                        return lfail(lx, -EINVAL, "a type too long");
                return set_type(n, buf, strlen(buf));
        case N_ENTRY: {
                size_t kl = 0, vl = 0;

                if (expected) {
                        if (expected[0] != '{' || (kl = type_len(expected + 1)) != 1 ||
                            !(vl = type_len(expected + 2)))
                                return lfail(lx, -EINVAL, "a dictionary entry where another type is needed");
                }
                if (expected) {
                        char k[2] = { expected[1], 0 };

                        memcpy(buf, expected + 2, vl);
                        buf[vl] = '\0';
                        r = infer(lx, n->kids[0], k);
                        if (r >= 0)
                                r = infer(lx, n->kids[1], buf);
                        if (r < 0)
                                return r;
                        return set_type(n, expected, 3 + vl);
                }
                r = infer(lx, n->kids[0], NULL);
                if (r >= 0)
                        r = infer(lx, n->kids[1], NULL);
                if (r < 0)
                        return r;
                if (strlen(n->kids[0]->type) != 1 || !strchr("bynqiuxthdsog", n->kids[0]->type[0]))
                        return lfail(lx, -EINVAL, "a dictionary key that is not of a basic type");
                if (snprintf(buf, sizeof(buf), "{%s%s}", n->kids[0]->type, n->kids[1]->type) >= (int) sizeof(buf))
                        return lfail(lx, -EINVAL, "a type too long");
                return set_type(n, buf, strlen(buf));
        }
        case N_TUPLE: {
                size_t len = 1;

                if (expected) {
                        const char *t = expected + 1;

                        if (expected[0] != '(')
                                return lfail(lx, -EINVAL, "a tuple where another type is needed");
                        for (size_t i = 0; i < n->n_kids; i++) {
                                size_t tl = type_len(t);

                                if (!tl || *t == ')' || tl >= sizeof(buf))
                                        return lfail(lx, -EINVAL, "a tuple with the wrong number of items");
                                memcpy(buf, t, tl);
                                buf[tl] = '\0';
                                r = infer(lx, n->kids[i], buf);
                                if (r < 0)
                                        return r;
                                t += tl;
                        }
                        if (*t != ')')
                                return lfail(lx, -EINVAL, "a tuple with the wrong number of items");
                        return set_type(n, expected, strlen(expected));
                }
                buf[0] = '(';
                for (size_t i = 0; i < n->n_kids; i++) {
                        size_t kl;

                        r = infer(lx, n->kids[i], NULL);
                        if (r < 0)
                                return r;
                        kl = strlen(n->kids[i]->type);
                        if (len + kl + 2 > sizeof(buf))
                                return lfail(lx, -EINVAL, "a type too long");
                        memcpy(buf + len, n->kids[i]->type, kl);
                        len += kl;
                }
                buf[len++] = ')';
                return set_type(n, buf, len);
        }
        }
        return -EINVAL;
}

/* ---- serialisation ------------------------------------------------------------ */

int gv_buf_put(GvBuf *b, const void *data, size_t n) {
        if (n == 0)
                return 0;
        if (b->size + n > b->alloc) {
                size_t a = b->alloc ? b->alloc : 64;
                uint8_t *grown;

                while (a < b->size + n) {
                        if (a > SIZE_MAX / 2)
                                return -ENOMEM;
                        a *= 2;
                }
                grown = realloc(b->data, a);
                if (!grown)
                        return -ENOMEM;
                b->data = grown;
                b->alloc = a;
        }
        memcpy(b->data + b->size, data, n);
        b->size += n;
        return 0;
}

int gv_buf_pad(GvBuf *b, size_t align, size_t base) {
        static const uint8_t zeros[8] = {};

        while ((b->size - base) % align != 0) {
                int r = gv_buf_put(b, zeros, 1);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int put_le(GvBuf *b, uint64_t v, size_t n) {
        uint8_t bytes[8];

        for (size_t i = 0; i < n; i++)
                bytes[i] = (uint8_t) (v >> (8 * i));
        return gv_buf_put(b, bytes, n);
}

static size_t offset_size(size_t body, size_t n_offsets) {
        if (body + n_offsets <= 0xff)
                return 1;
        if (body + 2 * n_offsets <= 0xffff)
                return 2;
        if (body + 4 * n_offsets <= 0xffffffffULL)
                return 4;
        return 8;
}

static int number_value(Lexer *lx, const Node *n, char t, GvBuf *b) {
        char lit[128];
        bool neg = false;
        const char *s = lit;
        uint64_t mag = 0;

        if (n->num_len >= sizeof(lit))
                return lfail(lx, -EINVAL, "a number too long");
        memcpy(lit, n->num, n->num_len);
        lit[n->num_len] = '\0';

        if (t == 'd') {
                char *end;
                double d;
                uint64_t bits;

                errno = 0;
                d = strtod(lit, &end);
                if (*end || end == lit || errno == ERANGE || !isfinite(d))
                        return lfail(lx, -EINVAL, "not a number GVariant can hold as a double");
                memcpy(&bits, &d, sizeof(bits));
                return put_le(b, bits, 8);
        }
        if (n->kind == N_FLOAT)
                return lfail(lx, -EINVAL, "a floating-point number where an integer is needed");

        if (*s == '-' || *s == '+')
                neg = *s++ == '-';
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                s += 2;
                if (!*s)
                        return lfail(lx, -EINVAL, "a hex number without digits");
                for (; *s; s++) {
                        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
                                *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;

                        if (d < 0)
                                return lfail(lx, -EINVAL, "a bad hex digit");
                        if (mag > (UINT64_MAX >> 4))
                                return lfail(lx, -EINVAL, "a number out of range");
                        mag = mag << 4 | (uint64_t) d;
                }
        } else {
                if (!*s)
                        return lfail(lx, -EINVAL, "a sign without digits");
                /* Leading zeros would read as octal in some parsers. */
                if (s[0] == '0' && s[1])
                        return lfail(lx, -EOPNOTSUPP, "numbers with leading zeros are not handled");
                for (; *s; s++) {
                        if (*s < '0' || *s > '9')
                                return lfail(lx, -EINVAL, "a bad digit");
                        if (mag > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                                return lfail(lx, -EINVAL, "a number out of range");
                        mag = mag * 10 + (uint64_t) (*s - '0');
                }
        }

        {
                static const struct {
                        char t;
                        size_t size;
                        bool is_signed;
                } kinds[] = {
                        { 'y', 1, false }, { 'n', 2, true }, { 'q', 2, false }, { 'i', 4, true }, { 'u', 4, false },
                        { 'h', 4, true },  { 'x', 8, true }, { 't', 8, false },
                };

                for (size_t i = 0; i < SL_ELEMENTSOF(kinds); i++) {
                        uint64_t max_pos, max_neg;

                        if (kinds[i].t != t)
                                continue;
                        if (kinds[i].is_signed) {
                                max_pos = (UINT64_C(1) << (kinds[i].size * 8 - 1)) - 1;
                                max_neg = max_pos + 1;
                        } else {
                                max_pos = kinds[i].size == 8 ? UINT64_MAX : (UINT64_C(1) << (kinds[i].size * 8)) - 1;
                                max_neg = 0;
                        }
                        if (neg ? mag > max_neg : mag > max_pos)
                                return lfail(lx, -EINVAL, "a number out of range for its type");
                        return put_le(b, neg ? (uint64_t) 0 - mag : mag, kinds[i].size);
                }
        }
        return lfail(lx, -EINVAL, "a number where another type is needed");
}

static bool object_path_valid(const char *s) {
        if (s[0] != '/')
                return false;
        if (!s[1])
                return true;
        for (const char *c = s + 1; *c; c++) {
                if (*c == '/') {
                        if (c[-1] == '/' || !c[1])
                                return false;
                        continue;
                }
                if (!is_word_char(*c))
                        return false;
        }
        return true;
}

static bool signature_valid(const char *s) {
        while (*s) {
                size_t n = type_len(s);

                if (!n || gvariant_type_check(s, n) < 0)
                        return false;
                s += n;
        }
        return true;
}

static int serialise(Lexer *lx, const Node *n, GvBuf *b);

/* The members of a tuple or entry (types in n->type between its brackets). */
static int serialise_members(Lexer *lx, const Node *n, GvBuf *b) {
        size_t base = b->size, n_offsets = 0, tuple_align, fixed;
        size_t offsets[256];
        const char *t = n->type + 1;
        int r;

        if (n->n_kids > SL_ELEMENTSOF(offsets))
                return lfail(lx, -EOPNOTSUPP, "a tuple with more than 256 items");
        type_info(n->type, &tuple_align, &fixed);
        for (size_t i = 0; i < n->n_kids; i++) {
                size_t a, f, tl = type_len(t);

                type_info(t, &a, &f);
                r = gv_buf_pad(b, a, base);
                if (r < 0)
                        return r;
                r = serialise(lx, n->kids[i], b);
                if (r < 0)
                        return r;
                if (!f && i + 1 < n->n_kids)
                        offsets[n_offsets++] = b->size - base;
                t += tl;
        }
        if (fixed) {
                if (n->n_kids == 0)
                        return put_le(b, 0, 1);
                return gv_buf_pad(b, tuple_align, base);
        }
        {
                size_t body = b->size - base, w = offset_size(body, n_offsets);

                for (size_t i = n_offsets; i > 0; i--) {
                        r = put_le(b, offsets[i - 1], w);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int serialise(Lexer *lx, const Node *n, GvBuf *b) {
        const char *t = n->type;
        int r;

        if (n->kind == N_TYPED)
                return serialise(lx, n->kids[0], b);

        switch (t[0]) {
        case 'b':
                return put_le(b, n->b ? 1 : 0, 1);
        case 'y': case 'n': case 'q': case 'i': case 'u': case 'h': case 'x': case 't': case 'd':
                return number_value(lx, n, t[0], b);
        case 's':
        case 'o':
        case 'g':
                if (t[0] == 'o' && !object_path_valid(n->str))
                        return lfail(lx, -EINVAL, "not a D-Bus object path");
                if (t[0] == 'g' && !signature_valid(n->str))
                        return lfail(lx, -EINVAL, "not a D-Bus type signature");
                r = gv_buf_put(b, n->str, n->str_len);
                return r < 0 ? r : put_le(b, 0, 1);
        case 'v': {
                const Node *kid = n->kids[0];
                const char *kt = kid->type;

                r = serialise(lx, kid, b);
                if (r < 0)
                        return r;
                r = put_le(b, 0, 1);
                return r < 0 ? r : gv_buf_put(b, kt, strlen(kt));
        }
        case 'a': {
                size_t base = b->size, a, f;
                size_t *offsets;

                type_info(t + 1, &a, &f);
                if (f) {
                        for (size_t i = 0; i < n->n_kids; i++) {
                                r = serialise(lx, n->kids[i], b);
                                if (r < 0)
                                        return r;
                        }
                        return 0;
                }
                if (n->n_kids == 0)
                        return 0;
                offsets = calloc(n->n_kids, sizeof(size_t));
                if (!offsets)
                        return -ENOMEM;
                for (size_t i = 0; i < n->n_kids; i++) {
                        r = gv_buf_pad(b, a, base);
                        if (r >= 0)
                                r = serialise(lx, n->kids[i], b);
                        if (r < 0) {
                                free(offsets);
                                return r;
                        }
                        offsets[i] = b->size - base;
                }
                {
                        size_t w = offset_size(b->size - base, n->n_kids);

                        for (size_t i = 0; i < n->n_kids && r >= 0; i++)
                                r = put_le(b, offsets[i], w);
                }
                free(offsets);
                return r;
        }
        case '(':
        case '{':
                return serialise_members(lx, n, b);
        default:
                return lfail(lx, -EOPNOTSUPP, "a type this writer does not serialise");
        }
}

int gvariant_parse_text(const char *text, size_t len, char **ret_type, GvBuf *ret_data, const char **ret_reason) {
        Lexer lx = { .p = text, .end = text + len };
        GvBuf b = {};
        Node *n = NULL;
        int r;

        if (!text || !ret_type || !ret_data)
                return -EINVAL;
        r = parse_value(&lx, &n);
        if (r >= 0) {
                skip_ws(&lx);
                if (lx.p != lx.end)
                        r = lfail(&lx, -EINVAL, "text after the value");
        }
        if (r >= 0)
                r = infer(&lx, n, NULL);
        if (r >= 0 && strlen(n->type) > 255)
                r = lfail(&lx, -EOPNOTSUPP, "a type string longer than 255 characters");
        if (r >= 0)
                r = serialise(&lx, n, &b);
        if (r >= 0) {
                *ret_type = strdup(n->type);
                if (!*ret_type)
                        r = -ENOMEM;
        }
        node_free(n);
        if (r < 0) {
                free(b.data);
                if (ret_reason)
                        *ret_reason = r == -ENOMEM ? "out of memory" : lx.reason ? lx.reason : "not a value";
                return r;
        }
        *ret_data = b;
        return 0;
}
