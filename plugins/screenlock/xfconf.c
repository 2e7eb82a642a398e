/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xfconf's per-channel XML files (xfce4-screensaver.xml and friends): a
 * small XML reader for exactly the subset xfconfd writes and accepts.
 *
 * Facts relied on (xfconf's docs/spec/perchannel-xml.txt and
 * xfconfd/xfconf-backend-perchannel-xml.c, which parses with GMarkup):
 *   - One <channel name= version=> root; <property name= type= [value=]
 *     [locked=|unlocked=]> nests inside <channel> or <property>; <value
 *     type= value=> sits inside a property of type "array".
 *   - An unknown attribute, a missing name or type, or a channel version
 *     whose major part is not "1" makes xfconfd refuse the file.
 *   - A property's full name is its ancestors' names and its own, each
 *     after a '/': <property name="lock"><property name="enabled"> is
 *     "/lock/enabled".
 * GMarkup wants well-formed UTF-8 XML; character data other than blanks
 * between these elements is refused here as well. */
#include <string.h>

#include "screenlock-desktops.h"

typedef enum ElemKind {
        ELEM_CHANNEL,
        ELEM_PROPERTY,
        ELEM_VALUE,
} ElemKind;

typedef struct Frame {
        ElemKind kind;
        const char *name;               /* element name in the buffer */
        size_t name_len;
        size_t path_len;                /* the path of this element (property) */
} Frame;

typedef struct Xp {
        char *p, *end;                  /* the buffer copy, scanned in place */
        char *start;
        unsigned line;
        const char *reason;
        XfChannel *ch;

        Frame stack[XFCONF_MAX_DEPTH + 1];
        size_t depth;
        char path[XFCONF_MAX_PATH + 1];
        size_t path_len;

        size_t *path_offsets;           /* per property, into paths (fixed up at the end) */
        size_t paths_size, paths_alloc;
        bool root_done;
} Xp;

static int fail(Xp *x, const char *reason) {
        x->reason = reason;
        return -EBADMSG;
}

static void count_lines(Xp *x, const char *from, const char *to) {
        for (const char *c = from; c < to; c++)
                x->line += *c == '\n';
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_name_start(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_name_char(char c) {
        return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void skip_spaces(Xp *x) {
        while (x->p < x->end && is_space(*x->p)) {
                x->line += *x->p == '\n';
                x->p++;
        }
}

static bool starts(Xp *x, const char *s) {
        size_t n = strlen(s);

        return (size_t) (x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}

/* Skips to just past the terminator; -EBADMSG when it is missing. */
static int skip_past(Xp *x, const char *term, const char *reason) {
        size_t n = strlen(term);

        for (char *c = x->p; c + n <= x->end; c++)
                if (memcmp(c, term, n) == 0) {
                        count_lines(x, x->p, c + n);
                        x->p = c + n;
                        return 0;
                }
        return fail(x, reason);
}

/* Comments, processing instructions and blanks. 1 when something was
 * skipped, 0 when nothing, < 0 on a broken one. */
static int skip_misc(Xp *x) {
        int r;

        if (x->p < x->end && is_space(*x->p)) {
                skip_spaces(x);
                return 1;
        }
        if (starts(x, "<!--")) {
                x->p += 4;
                r = skip_past(x, "-->", "a comment is not closed");
                return r < 0 ? r : 1;
        }
        if (starts(x, "<?")) {
                x->p += 2;
                r = skip_past(x, "?>", "a processing instruction is not closed");
                return r < 0 ? r : 1;
        }
        return 0;
}

static int utf8_encode(uint32_t cp, char *out) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | (cp >> 12));
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (cp >> 18));
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

/* Resolves entity and character references in [s, e) in place and
 * NUL-terminates the result. Every reference is at least as long as what
 * it stands for, so the text never grows. */
static int decode_text(Xp *x, char *s, char *e) {
        static const struct {
                const char *name;
                char c;
        } entities[] = {
                { "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' }, { "apos", '\'' },
        };
        char *w = s;

        for (char *r = s; r < e;) {
                char *semi;
                size_t n;
                bool done = false;

                if (*r == '<')
                        return fail(x, "'<' inside an attribute value");
                if (*r != '&') {
                        *w++ = *r++;
                        continue;
                }
                semi = memchr(r, ';', (size_t) (e - r));
                if (!semi)
                        return fail(x, "an '&' that starts no entity");
                n = (size_t) (semi - r - 1);
                if (n >= 2 && r[1] == '#') {
                        uint32_t cp = 0;
                        bool hex = r[2] == 'x';
                        char *d = r + (hex ? 3 : 2);

                        if (d == semi)
                                return fail(x, "an empty character reference");
                        for (; d < semi; d++) {
                                int v;

                                if (*d >= '0' && *d <= '9')
                                        v = *d - '0';
                                else if (hex && *d >= 'a' && *d <= 'f')
                                        v = *d - 'a' + 10;
                                else if (hex && *d >= 'A' && *d <= 'F')
                                        v = *d - 'A' + 10;
                                else
                                        return fail(x, "a bad character reference");
                                cp = cp * (hex ? 16 : 10) + (uint32_t) v;
                                if (cp > 0x10ffff)
                                        return fail(x, "a character reference past U+10FFFF");
                        }
                        if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
                                return fail(x, "a character reference to NUL or a surrogate");
                        w += utf8_encode(cp, w);
                        done = true;
                } else
                        for (size_t i = 0; i < SL_ELEMENTSOF(entities); i++)
                                if (strlen(entities[i].name) == n && memcmp(r + 1, entities[i].name, n) == 0) {
                                        *w++ = entities[i].c;
                                        done = true;
                                        break;
                                }
                if (!done)
                        return fail(x, "an unknown entity");
                r = semi + 1;
        }
        *w = '\0';
        return 0;
}

typedef struct Attr {
        const char *name;
        size_t name_len;
        char *value;                    /* decoded, NUL-terminated in the buffer */
} Attr;

#define MAX_ATTRS 8

/* Attributes up to '>' or "/>". */
static int parse_attrs(Xp *x, Attr *attrs, size_t *ret_n, bool *ret_empty) {
        size_t n = 0;

        for (;;) {
                const char *name;
                size_t name_len;
                char quote, *vs, *ve;
                int r;

                skip_spaces(x);
                if (x->p >= x->end)
                        return fail(x, "a tag is not closed");
                if (*x->p == '>') {
                        x->p++;
                        *ret_empty = false;
                        break;
                }
                if (*x->p == '/') {
                        if (x->p + 1 >= x->end || x->p[1] != '>')
                                return fail(x, "a '/' inside a tag");
                        x->p += 2;
                        *ret_empty = true;
                        break;
                }
                if (!is_name_start(*x->p))
                        return fail(x, "a bad attribute name");
                name = x->p;
                while (x->p < x->end && is_name_char(*x->p))
                        x->p++;
                name_len = (size_t) (x->p - name);
                skip_spaces(x);
                if (x->p >= x->end || *x->p != '=')
                        return fail(x, "an attribute without '='");
                x->p++;
                skip_spaces(x);
                if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
                        return fail(x, "an attribute value without quotes");
                quote = *x->p++;
                vs = x->p;
                ve = memchr(vs, quote, (size_t) (x->end - vs));
                if (!ve)
                        return fail(x, "an attribute value is not closed");
                count_lines(x, vs, ve);
                x->p = ve + 1;

                for (size_t i = 0; i < n; i++)
                        if (attrs[i].name_len == name_len && memcmp(attrs[i].name, name, name_len) == 0)
                                return fail(x, "an attribute given twice");
                if (n >= MAX_ATTRS)
                        return fail(x, "too many attributes");
                r = decode_text(x, vs, ve);
                if (r < 0)
                        return r;
                attrs[n++] = (Attr) { name, name_len, vs };
        }
        *ret_n = n;
        return 0;
}

static bool name_is(const char *s, size_t n, const char *want) {
        return strlen(want) == n && memcmp(s, want, n) == 0;
}

/* Picks the allowed attributes into out[] (same order as allowed[]). */
static int take_attrs(Xp *x, const Attr *attrs, size_t n, const char *const *allowed, const char **out,
                      const char *unknown_reason) {
        for (size_t i = 0; i < n; i++) {
                bool known = false;

                for (size_t j = 0; allowed[j]; j++)
                        if (name_is(attrs[i].name, attrs[i].name_len, allowed[j])) {
                                out[j] = attrs[i].value;
                                known = true;
                        }
                if (!known)
                        return fail(x, unknown_reason);
        }
        return 0;
}

static int paths_add(Xp *x, size_t *ret_offset) {
        size_t need = x->paths_size + x->path_len + 1;

        /* Deep trees of long names could make the paths far larger than
         * the file; no real channel comes near this. */
        if (need > 16U * 1024U * 1024U)
                return fail(x, "property names too long in total");
        if (need > x->paths_alloc) {
                size_t a = x->paths_alloc ? x->paths_alloc : 4096;
                char *grown;

                while (a < need)
                        a *= 2;
                grown = realloc(x->ch->paths, a);
                if (!grown)
                        return -ENOMEM;
                x->ch->paths = grown;
                x->paths_alloc = a;
        }
        memcpy(x->ch->paths + x->paths_size, x->path, x->path_len);
        x->ch->paths[x->paths_size + x->path_len] = '\0';
        *ret_offset = x->paths_size;
        x->paths_size = need;
        return 0;
}

static int start_element(Xp *x, const char *name, size_t name_len, const Attr *attrs, size_t n_attrs) {
        Frame *top = x->depth > 0 ? &x->stack[x->depth - 1] : NULL;
        unsigned line = x->line;
        int r;

        if (x->depth >= XFCONF_MAX_DEPTH)
                return fail(x, "properties nested too deep");

        if (name_is(name, name_len, "channel")) {
                static const char *const allowed[] = { "name", "version", "locked", "unlocked", NULL };
                const char *v[4] = {};
                const char *dot;
                size_t major;

                if (top)
                        return fail(x, "<channel> inside another element");
                r = take_attrs(x, attrs, n_attrs, allowed, v, "an unknown attribute in <channel>");
                if (r < 0)
                        return r;
                if (!v[0] || !v[0][0] || !v[1] || !v[1][0])
                        return fail(x, "<channel> needs both name and version");
                dot = strchr(v[1], '.');
                major = dot ? (size_t) (dot - v[1]) : strlen(v[1]);
                if (major != 1 || v[1][0] != '1')
                        return fail(x, "a channel file version other than 1.x");
                x->ch->name = v[0];
                x->ch->version = v[1];
                x->ch->locked = v[2];
                x->ch->unlocked = v[3];
                x->stack[x->depth++] = (Frame) { ELEM_CHANNEL, name, name_len, 0 };
                return 0;
        }

        if (!top)
                return fail(x, "the root element is not <channel>");

        if (name_is(name, name_len, "property")) {
                static const char *const allowed[] = { "name", "type", "value", "locked", "unlocked", NULL };
                const char *v[5] = {};
                size_t nlen, offset;

                if (top->kind == ELEM_VALUE)
                        return fail(x, "<property> inside <value>");
                r = take_attrs(x, attrs, n_attrs, allowed, v, "an unknown attribute in <property>");
                if (r < 0)
                        return r;
                if (!v[0] || !v[0][0] || !v[1] || !v[1][0])
                        return fail(x, "<property> needs both name and type");
                nlen = strlen(v[0]);
                if (top->path_len + 1 + nlen > XFCONF_MAX_PATH)
                        return fail(x, "a property name too long");
                x->path_len = top->path_len;
                x->path[x->path_len++] = '/';
                memcpy(x->path + x->path_len, v[0], nlen);
                x->path_len += nlen;

                r = paths_add(x, &offset);
                if (r < 0)
                        return r;
                x->path_offsets[x->ch->n_props] = offset;
                x->ch->props[x->ch->n_props++] = (XfProperty) {
                        .type = v[1],
                        .value = v[2],
                        .locked = v[3],
                        .unlocked = v[4],
                        .line = line,
                };
                x->stack[x->depth++] = (Frame) { ELEM_PROPERTY, name, name_len, x->path_len };
                return 0;
        }

        if (name_is(name, name_len, "value")) {
                static const char *const allowed[] = { "type", "value", NULL };
                const char *v[2] = {};

                if (top->kind != ELEM_PROPERTY)
                        return fail(x, "<value> outside a <property>");
                r = take_attrs(x, attrs, n_attrs, allowed, v, "an unknown attribute in <value>");
                if (r < 0)
                        return r;
                x->stack[x->depth++] = (Frame) { ELEM_VALUE, name, name_len, top->path_len };
                return 0;
        }

        return fail(x, "an element other than <channel>, <property> or <value>");
}

static int parse_body(Xp *x) {
        int r;

        for (;;) {
                if (x->p >= x->end) {
                        if (x->depth > 0)
                                return fail(x, "the file ends inside an element (truncated?)");
                        if (!x->root_done)
                                return fail(x, "no <channel> element");
                        return 0;
                }

                r = skip_misc(x);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;

                if (*x->p != '<') {
                        /* Outside the root only blanks may appear, and
                         * xfconf's elements hold no text. */
                        return fail(x, "text where only elements may be");
                }
                if (starts(x, "<!DOCTYPE")) {
                        if (x->root_done || x->depth > 0)
                                return fail(x, "a DOCTYPE after the root element");
                        x->p += 9;
                        for (char *c = x->p; c < x->end; c++) {
                                if (*c == '[')
                                        return fail(x, "a DOCTYPE with an internal subset");
                                if (*c == '>') {
                                        count_lines(x, x->p, c);
                                        x->p = c + 1;
                                        break;
                                }
                                if (c + 1 == x->end)
                                        return fail(x, "a DOCTYPE is not closed");
                        }
                        continue;
                }
                if (starts(x, "<![CDATA[") || starts(x, "<!"))
                        return fail(x, "CDATA or a declaration where only elements may be");

                if (starts(x, "</")) {
                        const char *name;
                        size_t n;
                        Frame *top;

                        x->p += 2;
                        name = x->p;
                        while (x->p < x->end && is_name_char(*x->p))
                                x->p++;
                        n = (size_t) (x->p - name);
                        skip_spaces(x);
                        if (x->p >= x->end || *x->p != '>')
                                return fail(x, "a closing tag is not closed");
                        x->p++;
                        if (x->depth == 0)
                                return fail(x, "a closing tag without an opening one");
                        top = &x->stack[x->depth - 1];
                        if (top->name_len != n || memcmp(top->name, name, n) != 0)
                                return fail(x, "a closing tag does not match its opening tag");
                        x->depth--;
                        if (x->depth == 0)
                                x->root_done = true;
                        continue;
                }

                {
                        Attr attrs[MAX_ATTRS];
                        size_t n_attrs = 0, name_len;
                        const char *name;
                        bool empty;

                        if (x->root_done)
                                return fail(x, "a second root element");
                        x->p++;
                        if (x->p >= x->end || !is_name_start(*x->p))
                                return fail(x, "a bad element name");
                        name = x->p;
                        while (x->p < x->end && is_name_char(*x->p))
                                x->p++;
                        name_len = (size_t) (x->p - name);
                        if (x->p < x->end && !is_space(*x->p) && *x->p != '>' && *x->p != '/')
                                return fail(x, "a bad element name");
                        r = parse_attrs(x, attrs, &n_attrs, &empty);
                        if (r < 0)
                                return r;
                        r = start_element(x, name, name_len, attrs, n_attrs);
                        if (r < 0)
                                return r;
                        if (empty) {
                                x->depth--;
                                if (x->depth == 0)
                                        x->root_done = true;
                        }
                }
        }
}

int xfconf_parse(const char *buf, size_t size, XfChannel **ret, unsigned *ret_line, const char **ret_reason) {
        XfChannel *ch;
        size_t n_lt = 0;
        Xp x = { .line = 1 };
        int r;

        if (!ret || (!buf && size > 0))
                return -EINVAL;
        if (ret_line)
                *ret_line = 0;

        ch = calloc(1, sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        ch->data = malloc(size + 1);
        if (!ch->data) {
                free(ch);
                return -ENOMEM;
        }
        if (size > 0)
                memcpy(ch->data, buf, size);
        ch->data[size] = '\0';
        for (size_t i = 0; i < size; i++)
                n_lt += buf[i] == '<';
        ch->props = calloc(n_lt + 1, sizeof(XfProperty));
        x.path_offsets = calloc(n_lt + 1, sizeof(size_t));
        if (!ch->props || !x.path_offsets) {
                r = -ENOMEM;
                goto fail;
        }

        x.ch = ch;
        x.start = x.p = ch->data;
        x.end = ch->data + size;

        if (!sl_utf8_is_valid((const uint8_t *) buf, size)) {
                r = fail(&x, "not UTF-8 text (or a NUL byte)");
                goto fail;
        }
        /* A UTF-8 byte order mark is allowed before the declaration. */
        if (size >= 3 && memcmp(x.p, "\xef\xbb\xbf", 3) == 0)
                x.p += 3;

        r = parse_body(&x);
        if (r < 0)
                goto fail;

        for (size_t i = 0; i < ch->n_props; i++)
                ch->props[i].path = ch->paths + x.path_offsets[i];
        free(x.path_offsets);
        *ret = ch;
        return 0;

fail:
        if (ret_line)
                *ret_line = x.line;
        if (ret_reason)
                *ret_reason = x.reason ? x.reason : "out of memory";
        free(x.path_offsets);
        xfconf_free(ch);
        return r;
}

XfChannel *xfconf_free(XfChannel *c) {
        if (!c)
                return NULL;
        free(c->props);
        free(c->paths);
        free(c->data);
        free(c);
        return NULL;
}

const XfProperty *xfconf_find(const XfChannel *c, const char *path) {
        for (size_t i = c ? c->n_props : 0; i > 0; i--)
                if (strcmp(c->props[i - 1].path, path) == 0)
                        return &c->props[i - 1];
        return NULL;
}
