/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exclusion patterns: compiled once into a small automaton whose states are
 * the pattern's tokens, then run over a path by keeping the set of states it
 * can be in. Every epsilon move goes forward, so one forward pass closes a
 * set, and matching costs at most (path length × tokens) bit operations,
 * whatever stars the pattern holds: no backtracking to blow up. */
#include <string.h>

#include "integrity.h"

typedef enum GlobOp {
        G_LIT,                          /* arg: the byte */
        G_ANY,                          /* one byte but '/' */
        G_CLASS,                        /* arg: class index; one byte of it but '/' */
        G_STAR,                         /* bytes but '/', stays; may be skipped */
        G_DSTAR,                        /* any bytes, stays; may be skipped */
        G_OPT,                          /* epsilon to the next token and to arg */
} GlobOp;

typedef struct GlobTok {
        uint8_t op;
        uint32_t arg;
} GlobTok;

/* Tokens never outnumber pattern bytes plus one (OPT is the only token a
 * byte does not give, and "**" + "/" gives three for three). */
#define GLOB_TOKENS_MAX (GLOB_PATTERN_MAX + 1)
#define GLOB_WORDS ((GLOB_TOKENS_MAX + 1 + 63) / 64)

struct Glob {
        GlobTok *toks;
        size_t n;
        uint8_t (*classes)[32];
        size_t n_classes;
        bool has_slash;
};

Glob *glob_free(Glob *g) {
        if (!g)
                return NULL;
        free(g->toks);
        free(g->classes);
        free(g);
        return NULL;
}

static void glob_freep(Glob **g) {
        glob_free(*g);
}

static int glob_push(Glob *g, GlobOp op, uint32_t arg) {
        if (g->n >= GLOB_TOKENS_MAX)
                return -E2BIG;
        g->toks[g->n++] = (GlobTok) { .op = (uint8_t) op, .arg = arg };
        return 0;
}

static inline void class_set(uint8_t *cls, unsigned char c) {
        cls[c >> 3] |= (uint8_t) (1U << (c & 7));
}

/* Parses "[...]" starting at p[*i] == '['; leaves *i after the ']'. */
static int glob_parse_class(Glob *g, const char *p, size_t len, size_t *i) {
        uint8_t cls[32] = {};
        size_t j = *i + 1;
        bool negate = false, first = true;
        uint8_t (*n)[32];

        if (j < len && (p[j] == '!' || p[j] == '^')) {
                negate = true;
                j++;
        }
        for (;; first = false) {
                unsigned char lo, hi;

                if (j >= len)
                        return -EINVAL;         /* no closing ']' */
                if (p[j] == ']' && !first)
                        break;
                if (p[j] == '\\') {
                        if (++j >= len)
                                return -EINVAL;
                }
                lo = (unsigned char) p[j++];
                hi = lo;
                if (j + 1 < len && p[j] == '-' && p[j + 1] != ']') {
                        j++;
                        if (p[j] == '\\' && ++j >= len)
                                return -EINVAL;
                        hi = (unsigned char) p[j++];
                        if (hi < lo)
                                return -EINVAL;
                }
                for (unsigned c = lo; c <= hi; c++)
                        class_set(cls, (unsigned char) c);
        }
        if (negate)
                for (size_t k = 0; k < sizeof cls; k++)
                        cls[k] = (uint8_t) ~cls[k];

        n = realloc(g->classes, (g->n_classes + 1) * sizeof *g->classes);
        if (!n)
                return -ENOMEM;
        g->classes = n;
        memcpy(g->classes[g->n_classes], cls, sizeof cls);
        *i = j + 1;
        return glob_push(g, G_CLASS, (uint32_t) g->n_classes++);
}

int glob_compile(const char *pattern, Glob **ret) {
        _cleanup_(glob_freep) Glob *g = NULL;
        size_t len, i = 0;
        int r;

        if (!pattern || !ret)
                return -EINVAL;
        len = strlen(pattern);
        if (len == 0)
                return -EINVAL;
        if (len > GLOB_PATTERN_MAX)
                return -E2BIG;

        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->toks = calloc(GLOB_TOKENS_MAX, sizeof *g->toks);
        if (!g->toks)
                return -ENOMEM;

        while (i < len) {
                char c = pattern[i];

                switch (c) {
                case '\\':
                        if (i + 1 >= len)
                                return -EINVAL;         /* nothing to escape */
                        if (pattern[i + 1] == '/')
                                g->has_slash = true;
                        r = glob_push(g, G_LIT, (unsigned char) pattern[i + 1]);
                        i += 2;
                        break;
                case '?':
                        r = glob_push(g, G_ANY, 0);
                        i++;
                        break;
                case '[':
                        r = glob_parse_class(g, pattern, len, &i);
                        break;
                case '*': {
                        size_t j = i;
                        bool component;

                        while (j < len && pattern[j] == '*')
                                j++;
                        if (j - i == 1) {
                                r = glob_push(g, G_STAR, 0);
                                i = j;
                                break;
                        }
                        component = (i == 0 || pattern[i - 1] == '/') && j < len && pattern[j] == '/';
                        if (component) {
                                /* OPT jumps past DSTAR and the slash. */
                                g->has_slash = true;
                                r = glob_push(g, G_OPT, (uint32_t) g->n + 3);
                                if (r >= 0)
                                        r = glob_push(g, G_DSTAR, 0);
                                if (r >= 0)
                                        r = glob_push(g, G_LIT, '/');
                                i = j + 1;
                        } else {
                                r = glob_push(g, G_DSTAR, 0);
                                i = j;
                        }
                        break;
                }
                default:
                        if (c == '/')
                                g->has_slash = true;
                        r = glob_push(g, G_LIT, (unsigned char) c);
                        i++;
                }
                if (r < 0)
                        return r;
        }

        *ret = g;
        g = NULL;
        return 0;
}

bool glob_has_slash(const Glob *g) {
        return g->has_slash;
}

static inline void set_add(uint64_t *s, size_t i) {
        s[i >> 6] |= UINT64_C(1) << (i & 63);
}

static inline bool set_has(const uint64_t *s, size_t i) {
        return s[i >> 6] >> (i & 63) & 1;
}

/* Adds every state reachable by epsilon moves; they all go forward. */
static void glob_close(const Glob *g, uint64_t *s) {
        for (size_t i = 0; i < g->n; i++) {
                if (!set_has(s, i))
                        continue;
                switch (g->toks[i].op) {
                case G_STAR:
                case G_DSTAR:
                        set_add(s, i + 1);
                        break;
                case G_OPT:
                        set_add(s, i + 1);
                        set_add(s, g->toks[i].arg);
                        break;
                default:
                        break;
                }
        }
}

bool glob_match(const Glob *g, const char *s) {
        uint64_t cur[GLOB_WORDS] = {}, next[GLOB_WORDS];
        size_t words = (g->n + 1 + 63) / 64;

        set_add(cur, 0);
        glob_close(g, cur);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                bool any = false;

                memset(next, 0, words * sizeof next[0]);
                for (size_t w = 0; w < words; w++) {
                        uint64_t bits = cur[w];

                        while (bits) {
                                size_t i = w * 64 + (size_t) __builtin_ctzll(bits);
                                const GlobTok *t;

                                bits &= bits - 1;
                                if (i >= g->n)
                                        continue;
                                t = &g->toks[i];
                                switch (t->op) {
                                case G_LIT:
                                        if (*p == t->arg)
                                                set_add(next, i + 1);
                                        break;
                                case G_ANY:
                                        if (*p != '/')
                                                set_add(next, i + 1);
                                        break;
                                case G_CLASS:
                                        if (*p != '/' && g->classes[t->arg][*p >> 3] >> (*p & 7) & 1)
                                                set_add(next, i + 1);
                                        break;
                                case G_STAR:
                                        if (*p != '/')
                                                set_add(next, i);
                                        break;
                                case G_DSTAR:
                                        set_add(next, i);
                                        break;
                                default:
                                        break;
                                }
                        }
                }
                glob_close(g, next);
                for (size_t w = 0; w < words; w++) {
                        cur[w] = next[w];
                        any = any || next[w];
                }
                if (!any)
                        return false;
        }
        return set_has(cur, g->n);
}

int glob_match_pattern(const char *pattern, const char *s) {
        _cleanup_(glob_freep) Glob *g = NULL;
        int r;

        r = glob_compile(pattern, &g);
        if (r < 0)
                return r;
        return glob_match(g, s);
}
