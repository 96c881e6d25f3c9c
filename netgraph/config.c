/*
 * netgraph/config.c — the appliance configuration language (netgraph/config.h).
 *
 * One pass over the text, line by line. A line is split into tokens at
 * blanks outside double quotes; '#' outside quotes ends the line. A token
 * holding an unquoted '=' is a key=value parameter, any other token is a
 * word. Quotes may stand anywhere in a token and are removed ("a b"c is the
 * value `a bc`); inside quotes \" and \\ stand for " and \.
 *
 * Positions: every error names the 1-based line and the byte column of the
 * offending token; for something missing, the column just past the last
 * token of the line (where it should have been). Each item's pos is the
 * column of its subject token: the interface NAME, the address NAME, the
 * route PREFIX, the extension EXT.
 *
 * Interfaces keep every key=value of their line in params, driver= and mac=
 * included, so that later errors about the driver can point at its token;
 * apps/appliance.c removes those two before opening the port.
 *
 * Freestanding: kmalloc/kfree and kernel/klib.h only.
 */
#include "netgraph/config.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/* ---------------------------------------------------------------- lexer */

/** One token of a line: raw bytes as written, quotes and escapes still in. */
struct token {
    const char *raw;
    size_t rawlen;
    unsigned col;   /* 1-based byte column */
    size_t eq;      /* index of the first unquoted '=' in raw, or rawlen if none */
};

/** The lexer's state: the whole text and the current line's bounds. */
struct lexer {
    const char *text;
    size_t len;
    size_t line_start;  /* offset of the current line's first byte */
    size_t line_end;    /* offset just past its content (before \r\n or \n) */
    size_t next_line;   /* offset of the following line */
    size_t pos;         /* scan position within the line */
    unsigned line;      /* 1-based */
    unsigned end_col;   /* column just past the last token returned */
};

/** The parse in progress. */
struct parser {
    struct lexer lx;
    struct config *cfg;
    struct config_error *err;
    unsigned cap_if, cap_addr, cap_route, cap_ext;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static unsigned lx_col(const struct lexer *lx, size_t off)
{
    return (unsigned)(off - lx->line_start + 1);
}

static struct cfg_pos lx_pos(const struct lexer *lx, unsigned col)
{
    struct cfg_pos p = { .line = lx->line, .col = col };
    return p;
}

/** lx_next_line - advance to the next line; false at the end of the text. */
static bool lx_next_line(struct lexer *lx)
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

static int perr(struct parser *ps, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int perr(struct parser *ps, unsigned col, const char *fmt, ...)
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
 * lx_token - the next token of the current line into *@t. Returns 1, 0 at
 * the end of the line (or a comment), or -KE_INVAL (unterminated quote, NUL).
 */
static int lx_token(struct parser *ps, struct token *t)
{
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
            return perr(ps, lx_col(lx, i), "NUL byte in configuration text");
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
        return perr(ps, lx_col(lx, quote_at), "unterminated quote (opened here)");
    t->raw = lx->text + start;
    t->rawlen = i - start;
    t->col = lx_col(lx, start);
    t->eq = eq == (size_t)-1 ? t->rawlen : eq;
    lx->pos = i;
    lx->end_col = lx_col(lx, i);
    return 1;
}

static bool tok_is(const struct token *t, const char *word)
{
    size_t n = strlen(word);
    return t->rawlen == n && memcmp(t->raw, word, n) == 0;
}

static bool tok_has_eq(const struct token *t)
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

/** tok_show - the raw token, shortened, for messages. */
static const char *tok_show(const struct token *t, char *buf, size_t size)
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
static const char *cfg_store(struct config *cfg, const char *s, size_t n, bool unq)
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

/** grow - make room for one more element of @elem bytes in *@arr (*@cap elements). */
static int grow(void **arr, unsigned n, unsigned *cap, size_t elem)
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

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ipv4_parse_addr(const char *s, size_t n, uint32_t *out)
{
    uint32_t addr = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return -KE_INVAL;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && is_digit(s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0'))
            return -KE_INVAL; /* leading zeros are refused, as inet_pton does */
        if (i < n && is_digit(s[i]))
            return -KE_INVAL;
        addr = (addr << 8) | v;
    }
    if (i != n)
        return -KE_INVAL;
    *out = addr;
    return 0;
}

int mac_parse(const char *s, size_t n, uint8_t mac[6])
{
    if (n != 17)
        return -KE_INVAL;
    uint8_t m[6];
    for (int b = 0; b < 6; b++) {
        const char *p = s + b * 3;
        int hi = hexval(p[0]), lo = hexval(p[1]);
        if (hi < 0 || lo < 0 || (b < 5 && p[2] != ':'))
            return -KE_INVAL;
        m[b] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(mac, m, 6);
    return 0;
}

/** parse_prefix - "A.B.C.D/LEN" (raw token, no quotes allowed) into addr and plen. */
static int parse_prefix(struct parser *ps, const struct token *t, const char *what,
                        uint32_t *addr, uint8_t *plen)
{
    char show[48];
    size_t slash = 0;
    while (slash < t->rawlen && t->raw[slash] != '/')
        slash++;
    if (slash == t->rawlen)
        return perr(ps, t->col, "bad %s '%s': expected A.B.C.D/LEN", what,
                    tok_show(t, show, sizeof(show)));
    if (ipv4_parse_addr(t->raw, slash, addr) < 0)
        return perr(ps, t->col, "bad %s '%s': '%.*s' is not a dotted-quad IPv4 address", what,
                    tok_show(t, show, sizeof(show)), (int)(slash < 20 ? slash : 20), t->raw);
    uint64_t v;
    size_t ln = t->rawlen - slash - 1;
    if (ln == 0 || ln > 2 || kparse_u64(t->raw + slash + 1, ln, &v) < 0 || v > 32 ||
        !is_digit(t->raw[slash + 1]))
        return perr(ps, t->col, "bad prefix length in %s '%s': expected 0..32", what,
                    tok_show(t, show, sizeof(show)));
    *plen = (uint8_t)v;
    return 0;
}

static uint32_t plen_mask(uint8_t plen)
{
    return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '-' || c == '.';
}

/**
 * take_name - the word token @t as a name of at most @size - 1 characters of
 * [A-Za-z0-9_.-] into @dst. @what names it in errors.
 */
static int take_name(struct parser *ps, const struct token *t, const char *what, char *dst,
                     size_t size)
{
    char show[48];
    if (t->rawlen >= size)
        return perr(ps, t->col, "%s name '%s' is too long (at most %u characters)", what,
                    tok_show(t, show, sizeof(show)), (unsigned)(size - 1));
    for (size_t i = 0; i < t->rawlen; i++)
        if (!name_char_ok(t->raw[i]))
            return perr(ps, t->col, "bad %s name '%s': use letters, digits, '_', '-', '.'",
                        what, tok_show(t, show, sizeof(show)));
    memcpy(dst, t->raw, t->rawlen);
    dst[t->rawlen] = '\0';
    return 0;
}

/**
 * need_word - the next token, which must be a word (the @what of a
 * @keyword line). Missing → error at the end of the line or at the
 * key=value token standing in its place.
 */
static int need_word(struct parser *ps, struct token *t, const char *keyword, const char *what)
{
    int r = lx_token(ps, t);
    if (r < 0)
        return r;
    if (r == 0)
        return perr(ps, ps->lx.end_col, "%s: missing %s", keyword, what);
    if (tok_has_eq(t))
        return perr(ps, t->col, "%s: missing %s before the key=value parameters", keyword, what);
    return 0;
}

static int no_more_tokens(struct parser *ps, const char *keyword)
{
    struct token t;
    char show[48];
    int r = lx_token(ps, &t);
    if (r <= 0)
        return r;
    return perr(ps, t.col, "%s: unexpected '%s' at the end of the line", keyword,
                tok_show(&t, show, sizeof(show)));
}

static bool key_char_ok(char c)
{
    return name_char_ok(c);
}

/** parse_params - the rest of the line as key=value parameters. */
static int parse_params(struct parser *ps, const char *keyword, struct kparams *p,
                        struct cfg_pos *pp)
{
    struct token t;
    char show[48];
    int r;
    p->n = 0;
    while ((r = lx_token(ps, &t)) > 0) {
        if (!tok_has_eq(&t))
            return perr(ps, t.col, "%s: expected key=value, got '%s'", keyword,
                        tok_show(&t, show, sizeof(show)));
        if (t.eq == 0)
            return perr(ps, t.col, "%s: missing key before '='", keyword);
        for (size_t i = 0; i < t.eq; i++)
            if (!key_char_ok(t.raw[i]))
                return perr(ps, t.col, "%s: bad key '%.*s'", keyword, (int)(t.eq < 32 ? t.eq : 32),
                            t.raw);
        if (t.eq + 1 == t.rawlen)
            return perr(ps, t.col, "%s: key '%.*s' has no value (write %.*s=\"\" for an empty one)",
                        keyword, (int)(t.eq < 32 ? t.eq : 32), t.raw, (int)(t.eq < 32 ? t.eq : 32),
                        t.raw);
        for (unsigned i = 0; i < p->n; i++)
            if (strlen(p->key[i]) == t.eq && memcmp(p->key[i], t.raw, t.eq) == 0)
                return perr(ps, t.col, "%s: duplicate key '%s' (first given at column %u)",
                            keyword, p->key[i], pp[i].col);
        if (p->n == KPARAM_MAX)
            return perr(ps, t.col, "%s: too many parameters (at most %u)", keyword,
                        (unsigned)KPARAM_MAX);
        const char *k = cfg_store(ps->cfg, t.raw, t.eq, false);
        const char *v = cfg_store(ps->cfg, t.raw + t.eq + 1, t.rawlen - t.eq - 1, true);
        if (!k || !v)
            return -KE_NOMEM;
        p->key[p->n] = k;
        p->value[p->n] = v;
        pp[p->n] = lx_pos(&ps->lx, t.col);
        p->n++;
    }
    return r;
}

static const struct cfg_interface *find_interface(const struct config *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->ninterfaces; i++)
        if (strcmp(cfg->interfaces[i].name, name) == 0)
            return &cfg->interfaces[i];
    return NULL;
}

/** need_interface - @t names an interface declared on an earlier line. */
static int need_interface(struct parser *ps, const struct token *t, const char *keyword,
                          char *dst)
{
    int r = take_name(ps, t, "interface", dst, KPORT_NAME_MAX);
    if (r < 0)
        return r;
    if (!find_interface(ps->cfg, dst))
        return perr(ps, t->col, "%s: unknown interface '%s' (declare it with an interface line first)",
                    keyword, dst);
    return 0;
}

/* ------------------------------------------------------------ keywords */

/* interface NAME driver=DRIVER [mac=xx:xx:xx:xx:xx:xx] [key=value ...] */
static int parse_interface(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    int r = need_word(ps, &t, "interface", "interface name");
    if (r < 0)
        return r;
    if (grow((void **)&cfg->interfaces, cfg->ninterfaces, &ps->cap_if, sizeof(*cfg->interfaces)) < 0)
        return -KE_NOMEM;
    struct cfg_interface *ifc = &cfg->interfaces[cfg->ninterfaces];
    memset(ifc, 0, sizeof(*ifc));
    ifc->pos = lx_pos(&ps->lx, t.col);
    if ((r = take_name(ps, &t, "interface", ifc->name, sizeof(ifc->name))) < 0)
        return r;
    const struct cfg_interface *prev = find_interface(cfg, ifc->name);
    if (prev)
        return perr(ps, t.col, "duplicate interface '%s' (first declared on line %u)", ifc->name,
                    prev->pos.line);
    if ((r = parse_params(ps, "interface", &ifc->params, ifc->param_pos)) < 0)
        return r;
    bool has_driver = false;
    for (unsigned i = 0; i < ifc->params.n; i++) {
        const char *k = ifc->params.key[i], *v = ifc->params.value[i];
        unsigned col = ifc->param_pos[i].col;
        if (strcmp(k, "driver") == 0) {
            size_t n = strlen(v);
            if (n == 0 || n >= sizeof(ifc->driver))
                return perr(ps, col, "interface %s: bad driver name '%s'", ifc->name, v);
            memcpy(ifc->driver, v, n + 1);
            has_driver = true;
        } else if (strcmp(k, "mac") == 0) {
            if (mac_parse(v, strlen(v), ifc->mac) < 0)
                return perr(ps, col, "interface %s: bad MAC address '%s': expected xx:xx:xx:xx:xx:xx",
                            ifc->name, v);
            if (ifc->mac[0] & 1)
                return perr(ps, col, "interface %s: MAC address '%s' is a group (multicast) address",
                            ifc->name, v);
            ifc->has_mac = true;
        }
    }
    if (!has_driver)
        return perr(ps, ps->lx.end_col, "interface %s: missing driver=DRIVER", ifc->name);
    cfg->ninterfaces++;
    return 0;
}

/* address NAME A.B.C.D/LEN */
static int parse_address(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    struct cfg_address a;
    memset(&a, 0, sizeof(a));
    int r = need_word(ps, &t, "address", "interface name");
    if (r < 0)
        return r;
    a.pos = lx_pos(&ps->lx, t.col);
    if ((r = need_interface(ps, &t, "address", a.ifname)) < 0)
        return r;
    if ((r = need_word(ps, &t, "address", "A.B.C.D/LEN")) < 0)
        return r;
    if ((r = parse_prefix(ps, &t, "address", &a.addr, &a.plen)) < 0)
        return r;
    if ((r = no_more_tokens(ps, "address")) < 0)
        return r;
    if (grow((void **)&cfg->addresses, cfg->naddresses, &ps->cap_addr, sizeof(a)) < 0)
        return -KE_NOMEM;
    cfg->addresses[cfg->naddresses++] = a;
    return 0;
}

/* route A.B.C.D/LEN via A.B.C.D [dev NAME]   (or: route A.B.C.D/LEN dev NAME) */
static int parse_route(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    struct cfg_route rt;
    char show[48], abuf[48];
    memset(&rt, 0, sizeof(rt));
    int r = need_word(ps, &t, "route", "destination A.B.C.D/LEN");
    if (r < 0)
        return r;
    rt.pos = lx_pos(&ps->lx, t.col);
    if ((r = parse_prefix(ps, &t, "route destination", &rt.prefix, &rt.plen)) < 0)
        return r;
    if (rt.prefix & ~plen_mask(rt.plen)) {
        uint32_t p = rt.prefix & plen_mask(rt.plen);
        ksnprintf(abuf, sizeof(abuf), "%u.%u.%u.%u/%u", p >> 24, (p >> 16) & 255, (p >> 8) & 255,
                  p & 255, rt.plen);
        return perr(ps, t.col, "route destination '%s' has host bits set (did you mean %s?)",
                    tok_show(&t, show, sizeof(show)), abuf);
    }
    bool has_via = false;
    while ((r = lx_token(ps, &t)) > 0) {
        if (tok_is(&t, "via")) {
            if (has_via)
                return perr(ps, t.col, "route: 'via' given twice");
            if ((r = need_word(ps, &t, "route", "gateway address after 'via'")) < 0)
                return r;
            if (ipv4_parse_addr(t.raw, t.rawlen, &rt.gateway) < 0)
                return perr(ps, t.col, "route: bad gateway '%s': expected A.B.C.D",
                            tok_show(&t, show, sizeof(show)));
            if (rt.gateway == 0)
                return perr(ps, t.col, "route: gateway 0.0.0.0 is not a next hop");
            has_via = true;
        } else if (tok_is(&t, "dev")) {
            if (rt.has_dev)
                return perr(ps, t.col, "route: 'dev' given twice");
            if ((r = need_word(ps, &t, "route", "interface name after 'dev'")) < 0)
                return r;
            if ((r = need_interface(ps, &t, "route", rt.dev)) < 0)
                return r;
            rt.has_dev = true;
        } else {
            return perr(ps, t.col, "route: unexpected '%s' (expected 'via' or 'dev')",
                        tok_show(&t, show, sizeof(show)));
        }
    }
    if (r < 0)
        return r;
    if (!has_via && !rt.has_dev)
        return perr(ps, ps->lx.end_col, "route: missing 'via GATEWAY' (or 'dev NAME' for a connected route)");
    if (grow((void **)&cfg->routes, cfg->nroutes, &ps->cap_route, sizeof(rt)) < 0)
        return -KE_NOMEM;
    cfg->routes[cfg->nroutes++] = rt;
    return 0;
}

/* extension EXT [key=value ...] */
static int parse_extension(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    int r = need_word(ps, &t, "extension", "extension name");
    if (r < 0)
        return r;
    if (grow((void **)&cfg->extensions, cfg->nextensions, &ps->cap_ext, sizeof(*cfg->extensions)) < 0)
        return -KE_NOMEM;
    struct cfg_extension *ex = &cfg->extensions[cfg->nextensions];
    memset(ex, 0, sizeof(*ex));
    ex->pos = lx_pos(&ps->lx, t.col);
    if ((r = take_name(ps, &t, "extension", ex->name, sizeof(ex->name))) < 0)
        return r;
    if ((r = parse_params(ps, "extension", &ex->params, ex->param_pos)) < 0)
        return r;
    cfg->nextensions++;
    return 0;
}

/* mode poll|idle — how the main loop waits: idle (default) halts or sleeps
 * until a device or timer needs it; poll never waits, for the lowest latency
 * at the cost of one busy CPU. */
static int parse_mode(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    int r = need_word(ps, &t, "mode", "poll or idle");
    if (r < 0)
        return r;
    if (cfg->has_mode)
        return perr(ps, t.col, "mode: given twice (first at line %u)", cfg->mode_pos.line);
    if (tok_is(&t, "poll"))
        cfg->poll_mode = true;
    else if (!tok_is(&t, "idle")) {
        char show[48];
        return perr(ps, t.col, "mode: expected poll or idle, got '%s'", tok_show(&t, show, sizeof(show)));
    }
    cfg->has_mode = true;
    cfg->mode_pos = lx_pos(&ps->lx, t.col);
    return no_more_tokens(ps, "mode");
}

static const struct {
    const char *word;
    int (*parse)(struct parser *ps);
} keywords[] = {
    { "mode", parse_mode },
    { "interface", parse_interface },
    { "address", parse_address },
    { "route", parse_route },
    { "extension", parse_extension },
};

/* ---------------------------------------------------------------- API */

int config_parse(const char *text, size_t len, const char *filename, struct config *out,
                 struct config_error *err)
{
    struct parser ps;
    memset(&ps, 0, sizeof(ps));
    memset(out, 0, sizeof(*out));
    if (err)
        memset(err, 0, sizeof(*err));
    if (!filename)
        filename = "<config>";
    size_t flen = strlen(filename);
    /* Each token needs at most its raw length plus one NUL (two for key=value,
     * whose '=' is dropped); tokens are at least two bytes apart. */
    out->strings_cap = len + len / 2 + flen + 16;
    out->strings = kmalloc(out->strings_cap);
    if (!out->strings) {
        memset(out, 0, sizeof(*out));
        return -KE_NOMEM;
    }
    out->filename = cfg_store(out, filename, flen, false);
    ps.cfg = out;
    ps.err = err;
    ps.lx.text = text;
    ps.lx.len = len;

    int r = 0;
    while (r == 0 && lx_next_line(&ps.lx)) {
        struct token kw;
        r = lx_token(&ps, &kw);
        if (r <= 0)
            continue;
        r = 0;
        unsigned k;
        for (k = 0; k < KARRAY_SIZE(keywords); k++)
            if (tok_is(&kw, keywords[k].word))
                break;
        if (k == KARRAY_SIZE(keywords)) {
            char show[48];
            r = perr(&ps, kw.col,
                     "unknown keyword '%s' (expected interface, address, route, extension or mode)",
                     tok_show(&kw, show, sizeof(show)));
            break;
        }
        r = keywords[k].parse(&ps);
    }
    if (r < 0) {
        if (r == -KE_NOMEM && err) {
            kstrlcpy(err->file, filename, sizeof(err->file));
            err->line = ps.lx.line;
            err->col = 1;
            kstrlcpy(err->msg, "out of memory", sizeof(err->msg));
        }
        config_free(out);
        return r;
    }
    return 0;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    kfree(cfg->interfaces);
    kfree(cfg->addresses);
    kfree(cfg->routes);
    kfree(cfg->extensions);
    kfree(cfg->strings);
    memset(cfg, 0, sizeof(*cfg));
}

void config_error_format(const struct config_error *err, char *buf, size_t size)
{
    ksnprintf(buf, size, "%s:%u:%u: %s", err->file, err->line, err->col, err->msg);
}

void config_set_error(struct config_error *err, const char *file, struct cfg_pos pos,
                      const char *fmt, ...)
{
    if (!err)
        return;
    kstrlcpy(err->file, file ? file : "<config>", sizeof(err->file));
    err->line = pos.line;
    err->col = pos.col;
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}
