/*
 * netgraph/config_lex.c — the configuration language's lexer, string
 * storage and value parsers (netgraph/config_lex.h).
 *
 * A line is split into tokens at blanks outside double quotes; '#' outside
 * quotes ends the line. A token holding an unquoted '=' is a key=value
 * parameter, any other token is a word. Quotes may stand anywhere in a token
 * and are removed ("a b"c is the value `a bc`); inside quotes \" and \\
 * stand for " and \. Freestanding.
 */
#include "netgraph/config_lex.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/mem.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static unsigned lx_col(const struct lexer *lx, size_t off)
{
    return (unsigned)(off - lx->line_start + 1);
}

struct cfg_pos cfg_lx_pos(const struct lexer *lx, unsigned col)
{
    struct cfg_pos p = { .line = lx->line, .col = col };
    return p;
}

/** cfg_lx_next_line - advance to the next line; false at the end of the text. */
bool cfg_lx_next_line(struct lexer *lx)
{
    if (lx->next_line >= lx->len)
        return false;
    lx->line_start = lx->next_line;
    size_t e = lx->line_start;
    while (e < lx->len && lx->text[e] != '\n')
        e++;
    lx->next_line = e < lx->len ? e + 1 : e;
    lx->line_end = e;
    lx->pos = lx->line_start;
    lx->line++;
    lx->end_col = 1;
    return true;
}

int cfg_perr(struct parser *ps, unsigned col, const char *fmt, ...)
{
    struct config_error *e = ps->err;
    if (e) {
        kstrlcpy(e->file, ps->cfg->filename ? ps->cfg->filename : "<config>", sizeof(e->file));
        e->line = ps->lx.line;
        e->col = col;
        va_list ap;
        va_start(ap, fmt);
        kvsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
    }
    return -KE_INVAL;
}

/**
 * cfg_token - the next token of the current line into *@t. Returns 1, 0 at
 * the end of the line (or a comment), or -KE_INVAL (unterminated quote, NUL).
 */
int cfg_token(struct parser *ps, struct token *t)
{
    t->raw = NULL; /* defined whatever the outcome */
    t->rawlen = 0;
    t->eq = 0;
    t->col = 0;
    struct lexer *lx = &ps->lx;
    while (lx->pos < lx->line_end && is_blank(lx->text[lx->pos]))
        lx->pos++;
    if (lx->pos >= lx->line_end || lx->text[lx->pos] == '#')
        return 0;
    size_t start = lx->pos, i = start, eq = (size_t)-1, quote_at = 0;
    bool inq = false;
    while (i < lx->line_end) {
        char c = lx->text[i];
        if (c == '\0')
            return cfg_perr(ps, lx_col(lx, i), "NUL byte in configuration text");
        if (inq) {
            if (c == '\\' && i + 1 < lx->line_end &&
                (lx->text[i + 1] == '"' || lx->text[i + 1] == '\\'))
                i++;
            else if (c == '"')
                inq = false;
        } else if (c == '"') {
            inq = true;
            quote_at = i;
        } else if (is_blank(c) || c == '#') {
            break;
        } else if (c == '=' && eq == (size_t)-1) {
            eq = i - start;
        }
        i++;
    }
    if (inq)
        return cfg_perr(ps, lx_col(lx, quote_at), "unterminated quote (opened here)");
    t->raw = lx->text + start;
    t->rawlen = i - start;
    t->col = lx_col(lx, start);
    t->eq = eq == (size_t)-1 ? t->rawlen : eq;
    lx->pos = i;
    lx->end_col = lx_col(lx, i);
    return 1;
}

bool cfg_tok_is(const struct token *t, const char *word)
{
    size_t n = strlen(word);
    return t->rawlen == n && memcmp(t->raw, word, n) == 0;
}

bool cfg_tok_has_eq(const struct token *t)
{
    return t->eq < t->rawlen;
}

/**
 * unquote - remove quotes and escapes from [@s, @s+@n) into @dst (room for
 * @n + 1 bytes), NUL-terminated. Returns the length written.
 */
static size_t unquote(const char *s, size_t n, char *dst)
{
    size_t o = 0;
    bool inq = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (inq && c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
            dst[o++] = s[++i];
        } else if (c == '"') {
            inq = !inq;
        } else {
            dst[o++] = c;
        }
    }
    dst[o] = '\0';
    return o;
}

/** cfg_tok_show - the raw token, shortened, for messages. */
const char *cfg_tok_show(const struct token *t, char *buf, size_t size)
{
    size_t n = t->rawlen < size - 1 ? t->rawlen : size - 1;
    memcpy(buf, t->raw, n);
    buf[n] = '\0';
    if (n < t->rawlen && size > 4)
        memcpy(buf + size - 4, "...", 4);
    return buf;
}

/* ------------------------------------------------------------- storage */

/** cfg_strdup - copy [@s, @s+@n) unquoted into the config's string storage. */
const char *cfg_store(struct config *cfg, const char *s, size_t n, bool unq)
{
    if (cfg->strings_used + n + 1 > cfg->strings_cap)
        return NULL; /* cannot happen: the storage is sized for the whole text */
    char *dst = cfg->strings + cfg->strings_used;
    size_t o;
    if (unq) {
        o = unquote(s, n, dst);
    } else {
        memcpy(dst, s, n);
        dst[n] = '\0';
        o = n;
    }
    cfg->strings_used += o + 1;
    return dst;
}

/** cfg_grow - make room for one more element of @elem bytes in *@arr (*@cap elements). */
int cfg_grow(void **arr, unsigned n, unsigned *cap, size_t elem)
{
    if (n < *cap)
        return 0;
    unsigned ncap = *cap ? *cap * 2 : 4;
    void *na = kmalloc((size_t)ncap * elem);
    if (!na)
        return -KE_NOMEM;
    if (*arr) {
        memcpy(na, *arr, (size_t)n * elem);
        kfree(*arr);
    }
    *arr = na;
    *cap = ncap;
    return 0;
}

/* -------------------------------------------------------------- values */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/** cfg_parse_prefix - "A.B.C.D/LEN" (raw token, no quotes allowed) into addr and plen. */
int cfg_parse_prefix(struct parser *ps, const struct token *t, const char *what, uint32_t *addr,
                     uint8_t *plen)
{
    char show[48];
    size_t slash = 0;
    while (slash < t->rawlen && t->raw[slash] != '/')
        slash++;
    if (slash == t->rawlen)
        return cfg_perr(ps, t->col, "bad %s '%s': expected A.B.C.D/LEN", what,
                        cfg_tok_show(t, show, sizeof(show)));
    if (inet_parse_ipv4(t->raw, slash, addr) < 0)
        return cfg_perr(ps, t->col, "bad %s '%s': '%.*s' is not a dotted-quad IPv4 address", what,
                        cfg_tok_show(t, show, sizeof(show)), (int)(slash < 20 ? slash : 20),
                        t->raw);
    uint64_t v;
    size_t ln = t->rawlen - slash - 1;
    if (ln == 0 || ln > 2 || kparse_u64(t->raw + slash + 1, ln, &v) < 0 || v > 32 ||
        !is_digit(t->raw[slash + 1]))
        return cfg_perr(ps, t->col, "bad prefix length in %s '%s': expected 0..32", what,
                        cfg_tok_show(t, show, sizeof(show)));
    *plen = (uint8_t)v;
    return 0;
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '-' || c == '.';
}

/**
 * cfg_take_name - the word token @t as a name of at most @size - 1 characters of
 * [A-Za-z0-9_.-] into @dst. @what names it in errors.
 */
int cfg_take_name(struct parser *ps, const struct token *t, const char *what, char *dst,
                  size_t size)
{
    char show[48];
    if (t->rawlen >= size)
        return cfg_perr(ps, t->col, "%s name '%s' is too long (at most %u characters)", what,
                        cfg_tok_show(t, show, sizeof(show)), (unsigned)(size - 1));
    for (size_t i = 0; i < t->rawlen; i++)
        if (!name_char_ok(t->raw[i]))
            return cfg_perr(ps, t->col, "bad %s name '%s': use letters, digits, '_', '-', '.'",
                            what, cfg_tok_show(t, show, sizeof(show)));
    memcpy(dst, t->raw, t->rawlen);
    dst[t->rawlen] = '\0';
    return 0;
}

/**
 * cfg_need_word - the next token, which must be a word (the @what of a
 * @keyword line). Missing → error at the end of the line or at the
 * key=value token standing in its place.
 */
int cfg_need_word(struct parser *ps, struct token *t, const char *keyword, const char *what)
{
    int r = cfg_token(ps, t);
    if (r < 0)
        return r;
    if (r == 0)
        return cfg_perr(ps, ps->lx.end_col, "%s: missing %s", keyword, what);
    if (cfg_tok_has_eq(t))
        return cfg_perr(ps, t->col, "%s: missing %s before the key=value parameters", keyword,
                        what);
    return 0;
}

int cfg_no_more_tokens(struct parser *ps, const char *keyword)
{
    struct token t = { 0 }; /* set by cfg_token when it returns > 0; -O3 cannot see it */
    char show[48];
    int r = cfg_token(ps, &t);
    if (r <= 0)
        return r;
    return cfg_perr(ps, t.col, "%s: unexpected '%s' at the end of the line", keyword,
                    cfg_tok_show(&t, show, sizeof(show)));
}

static bool key_char_ok(char c)
{
    return name_char_ok(c);
}

/** cfg_parse_params - the rest of the line as key=value parameters. */
int cfg_parse_params(struct parser *ps, const char *keyword, struct kparams *p, struct cfg_pos *pp)
{
    struct token t;
    char show[48];
    int r;
    p->n = 0;
    while ((r = cfg_token(ps, &t)) > 0) {
        if (!cfg_tok_has_eq(&t))
            return cfg_perr(ps, t.col, "%s: expected key=value, got '%s'", keyword,
                            cfg_tok_show(&t, show, sizeof(show)));
        if (t.eq == 0)
            return cfg_perr(ps, t.col, "%s: missing key before '='", keyword);
        for (size_t i = 0; i < t.eq; i++)
            if (!key_char_ok(t.raw[i]))
                return cfg_perr(ps, t.col, "%s: bad key '%.*s'", keyword,
                                (int)(t.eq < 32 ? t.eq : 32), t.raw);
        if (t.eq + 1 == t.rawlen)
            return cfg_perr(
                ps, t.col, "%s: key '%.*s' has no value (write %.*s=\"\" for an empty one)",
                keyword, (int)(t.eq < 32 ? t.eq : 32), t.raw, (int)(t.eq < 32 ? t.eq : 32), t.raw);
        for (unsigned i = 0; i < p->n; i++)
            if (strlen(p->key[i]) == t.eq && memcmp(p->key[i], t.raw, t.eq) == 0)
                return cfg_perr(ps, t.col, "%s: duplicate key '%s' (first given at column %u)",
                                keyword, p->key[i], pp[i].col);
        if (p->n == KPARAM_MAX)
            return cfg_perr(ps, t.col, "%s: too many parameters (at most %u)", keyword,
                            (unsigned)KPARAM_MAX);
        const char *k = cfg_store(ps->cfg, t.raw, t.eq, false);
        const char *v = cfg_store(ps->cfg, t.raw + t.eq + 1, t.rawlen - t.eq - 1, true);
        if (!k || !v)
            return -KE_NOMEM;
        p->key[p->n] = k;
        p->value[p->n] = v;
        pp[p->n] = cfg_lx_pos(&ps->lx, t.col);
        p->n++;
    }
    return r;
}

const struct cfg_interface *cfg_find_interface(const struct config *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->ninterfaces; i++)
        if (strcmp(cfg->interfaces[i].name, name) == 0)
            return &cfg->interfaces[i];
    return NULL;
}

/** cfg_need_interface - @t names an interface declared on an earlier line. */
int cfg_need_interface(struct parser *ps, const struct token *t, const char *keyword, char *dst)
{
    int r = cfg_take_name(ps, t, "interface", dst, KPORT_NAME_MAX);
    if (r < 0)
        return r;
    if (!cfg_find_interface(ps->cfg, dst))
        return cfg_perr(ps, t->col,
                        "%s: unknown interface '%s' (declare it with an interface line first)",
                        keyword, dst);
    return 0;
}
