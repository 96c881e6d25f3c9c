/*
 * netgraph/config.c — the appliance configuration language (netgraph/config.h).
 *
 * One pass over the text, line by line, tokens from netgraph/config_lex.c.
 *
 * Positions: every error names the 1-based line and the byte column of the
 * offending token; for something missing, the column just past the last
 * token of the line (where it should have been). Each item's pos is the
 * column of its subject token: the interface NAME, the address NAME, the
 * route PREFIX, the extension EXT.
 *
 * Interfaces keep every key=value of their line in params, driver= and mac=
 * included, so that later errors about the driver can point at its token;
 * netgraph/apply_if.c removes those two before opening the port.
 *
 * Freestanding: kmalloc/kfree and kernel/klib.h only.
 */
#include "netgraph/config.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/mem.h"
#include "netgraph/config_lex.h"
#include "netgraph/stage.h"

/* ------------------------------------------------------------ keywords */

/* interface NAME driver=DRIVER [mac=xx:xx:xx:xx:xx:xx] [key=value ...] */
static int parse_interface(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    int r = cfg_need_word(ps, &t, "interface", "interface name");
    if (r < 0)
        return r;
    if (cfg_grow((void **)&cfg->interfaces, cfg->ninterfaces, &ps->cap_if,
                 sizeof(*cfg->interfaces)) < 0)
        return -KE_NOMEM;
    struct cfg_interface *ifc = &cfg->interfaces[cfg->ninterfaces];
    memset(ifc, 0, sizeof(*ifc));
    ifc->pos = cfg_lx_pos(&ps->lx, t.col);
    if ((r = cfg_take_name(ps, &t, "interface", ifc->name, sizeof(ifc->name))) < 0)
        return r;
    const struct cfg_interface *prev = cfg_find_interface(cfg, ifc->name);
    if (prev)
        return cfg_perr(ps, t.col, "duplicate interface '%s' (first declared on line %u)",
                        ifc->name, prev->pos.line);
    if ((r = cfg_parse_params(ps, "interface", &ifc->params, ifc->param_pos)) < 0)
        return r;
    bool has_driver = false;
    for (unsigned i = 0; i < ifc->params.n; i++) {
        const char *k = ifc->params.key[i], *v = ifc->params.value[i];
        unsigned col = ifc->param_pos[i].col;
        if (strcmp(k, "driver") == 0) {
            size_t n = strlen(v);
            if (n == 0 || n >= sizeof(ifc->driver))
                return cfg_perr(ps, col, "interface %s: bad driver name '%s'", ifc->name, v);
            memcpy(ifc->driver, v, n + 1);
            has_driver = true;
        } else if (strcmp(k, "mac") == 0) {
            if (inet_parse_mac(v, strlen(v), ifc->mac) < 0)
                return cfg_perr(ps, col,
                                "interface %s: bad MAC address '%s': expected xx:xx:xx:xx:xx:xx",
                                ifc->name, v);
            if (ifc->mac[0] & 1)
                return cfg_perr(ps, col,
                                "interface %s: MAC address '%s' is a group (multicast) address",
                                ifc->name, v);
            ifc->has_mac = true;
        }
    }
    if (!has_driver)
        return cfg_perr(ps, ps->lx.end_col, "interface %s: missing driver=DRIVER", ifc->name);
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
    int r = cfg_need_word(ps, &t, "address", "interface name");
    if (r < 0)
        return r;
    a.pos = cfg_lx_pos(&ps->lx, t.col);
    if ((r = cfg_need_interface(ps, &t, "address", a.ifname)) < 0)
        return r;
    if ((r = cfg_need_word(ps, &t, "address", "A.B.C.D/LEN")) < 0)
        return r;
    if ((r = cfg_parse_prefix(ps, &t, "address", &a.addr, &a.plen)) < 0)
        return r;
    if ((r = cfg_no_more_tokens(ps, "address")) < 0)
        return r;
    if (cfg_grow((void **)&cfg->addresses, cfg->naddresses, &ps->cap_addr, sizeof(a)) < 0)
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
    int r = cfg_need_word(ps, &t, "route", "destination A.B.C.D/LEN");
    if (r < 0)
        return r;
    rt.pos = cfg_lx_pos(&ps->lx, t.col);
    if ((r = cfg_parse_prefix(ps, &t, "route destination", &rt.prefix, &rt.plen)) < 0)
        return r;
    if (rt.prefix & ~inet_plen_mask(rt.plen)) {
        uint32_t p = rt.prefix & inet_plen_mask(rt.plen);
        ksnprintf(abuf, sizeof(abuf), "%u.%u.%u.%u/%u", p >> 24, (p >> 16) & 255, (p >> 8) & 255,
                  p & 255, rt.plen);
        return cfg_perr(ps, t.col, "route destination '%s' has host bits set (did you mean %s?)",
                        cfg_tok_show(&t, show, sizeof(show)), abuf);
    }
    bool has_via = false;
    while ((r = cfg_token(ps, &t)) > 0) {
        if (cfg_tok_is(&t, "via")) {
            if (has_via)
                return cfg_perr(ps, t.col, "route: 'via' given twice");
            if ((r = cfg_need_word(ps, &t, "route", "gateway address after 'via'")) < 0)
                return r;
            if (inet_parse_ipv4(t.raw, t.rawlen, &rt.gateway) < 0)
                return cfg_perr(ps, t.col, "route: bad gateway '%s': expected A.B.C.D",
                                cfg_tok_show(&t, show, sizeof(show)));
            if (rt.gateway == 0)
                return cfg_perr(ps, t.col, "route: gateway 0.0.0.0 is not a next hop");
            has_via = true;
        } else if (cfg_tok_is(&t, "dev")) {
            if (rt.has_dev)
                return cfg_perr(ps, t.col, "route: 'dev' given twice");
            if ((r = cfg_need_word(ps, &t, "route", "interface name after 'dev'")) < 0)
                return r;
            if ((r = cfg_need_interface(ps, &t, "route", rt.dev)) < 0)
                return r;
            rt.has_dev = true;
        } else {
            return cfg_perr(ps, t.col, "route: unexpected '%s' (expected 'via' or 'dev')",
                            cfg_tok_show(&t, show, sizeof(show)));
        }
    }
    if (r < 0)
        return r;
    if (!has_via && !rt.has_dev)
        return cfg_perr(ps, ps->lx.end_col,
                        "route: missing 'via GATEWAY' (or 'dev NAME' for a connected route)");
    if (cfg_grow((void **)&cfg->routes, cfg->nroutes, &ps->cap_route, sizeof(rt)) < 0)
        return -KE_NOMEM;
    cfg->routes[cfg->nroutes++] = rt;
    return 0;
}

/* extension EXT [key=value ...] */
static int parse_extension(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    int r = cfg_need_word(ps, &t, "extension", "extension name");
    if (r < 0)
        return r;
    if (cfg_grow((void **)&cfg->extensions, cfg->nextensions, &ps->cap_ext,
                 sizeof(*cfg->extensions)) < 0)
        return -KE_NOMEM;
    struct cfg_extension *ex = &cfg->extensions[cfg->nextensions];
    memset(ex, 0, sizeof(*ex));
    ex->pos = cfg_lx_pos(&ps->lx, t.col);
    if ((r = cfg_take_name(ps, &t, "extension", ex->name, sizeof(ex->name))) < 0)
        return r;
    if ((r = cfg_parse_params(ps, "extension", &ex->params, ex->param_pos)) < 0)
        return r;
    cfg->nextensions++;
    return 0;
}

/* mode poll|idle|haltpoll — how the main loop waits: idle (default) halts or
 * sleeps until a device or timer needs it; poll never waits, for the lowest
 * latency at the cost of one busy CPU; haltpoll polls for an adaptive while
 * (at most HALTPOLL_MAX_NS) before it halts (netgraph/haltpoll.h). */
static int parse_mode(struct parser *ps)
{
    struct config *cfg = ps->cfg;
    struct token t;
    int r = cfg_need_word(ps, &t, "mode", "poll, idle or haltpoll");
    if (r < 0)
        return r;
    if (cfg->has_mode)
        return cfg_perr(ps, t.col, "mode: given twice (first at line %u)", cfg->mode_pos.line);
    if (cfg_tok_is(&t, "poll"))
        cfg->poll_mode = true;
    else if (cfg_tok_is(&t, "haltpoll"))
        cfg->halt_poll = true;
    else if (!cfg_tok_is(&t, "idle")) {
        char show[48];
        return cfg_perr(ps, t.col, "mode: expected poll, idle or haltpoll, got '%s'",
                        cfg_tok_show(&t, show, sizeof(show)));
    }
    cfg->has_mode = true;
    cfg->mode_pos = cfg_lx_pos(&ps->lx, t.col);
    return cfg_no_more_tokens(ps, "mode");
}

static const struct {
    const char *word;
    int (*parse)(struct parser *ps);
} keywords[] = {
    { "mode", parse_mode },   { "interface", parse_interface }, { "address", parse_address },
    { "route", parse_route }, { "extension", parse_extension },
};

/* KEYWORD [word ...] [key=value ...]: a line of a keyword a module owns (netgraph/stage.h). */
static int parse_module_line(struct parser *ps, const struct kconfig_stage *owner,
                             const struct token *kw)
{
    struct config *cfg = ps->cfg;
    if (cfg_grow((void **)&cfg->lines, cfg->nlines, &ps->cap_line, sizeof(*cfg->lines)) < 0)
        return -KE_NOMEM;
    struct cfg_line *l = &cfg->lines[cfg->nlines];
    memset(l, 0, sizeof(*l));
    l->pos = cfg_lx_pos(&ps->lx, kw->col);
    l->owner = owner;
    l->keyword = owner->keyword;
    struct token t;
    int r;
    while ((r = cfg_token(ps, &t)) > 0) {
        if (cfg_tok_has_eq(&t)) {
            /* from here on, the rest of the line is key=value pairs only */
            ps->lx.pos = (size_t)(t.raw - ps->lx.text);
            r = cfg_parse_params(ps, owner->keyword, &l->params, l->param_pos);
            break;
        }
        if (l->nwords == CFG_LINE_MAX_WORDS)
            return cfg_perr(ps, t.col, "%s: too many words (at most %u)", owner->keyword,
                            (unsigned)CFG_LINE_MAX_WORDS);
        const char *w = cfg_store(cfg, t.raw, t.rawlen, true);
        if (w == NULL)
            return -KE_NOMEM;
        l->word_pos[l->nwords] = cfg_lx_pos(&ps->lx, t.col);
        l->word[l->nwords++] = w;
    }
    if (r < 0)
        return r;
    if (owner->check != NULL) {
        char why[160] = "";
        unsigned col = 0;
        if (owner->check(l, why, sizeof why, &col) < 0)
            return cfg_perr(ps, col ? col : kw->col, "%s: %s%s%s%s", owner->keyword,
                            why[0] ? why : "malformed line", owner->usage ? " (usage: " : "",
                            owner->usage ? owner->usage : "", owner->usage ? ")" : "");
    }
    cfg->nlines++;
    return 0;
}

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
    while (r == 0 && cfg_lx_next_line(&ps.lx)) {
        struct token kw;
        r = cfg_token(&ps, &kw);
        if (r <= 0)
            continue;
        unsigned k;
        for (k = 0; k < KARRAY_SIZE(keywords); k++)
            if (cfg_tok_is(&kw, keywords[k].word))
                break;
        if (k < KARRAY_SIZE(keywords)) {
            r = keywords[k].parse(&ps);
            continue;
        }
        const struct kconfig_stage *owner = kconfig_keyword_find(kw.raw, kw.rawlen);
        if (owner != NULL) {
            r = parse_module_line(&ps, owner, &kw);
            continue;
        }
        char show[48], more[96];
        kconfig_keywords(more, sizeof more);
        r = cfg_perr(&ps, kw.col,
                     "unknown keyword '%s' (expected interface, address, route, "
                     "extension%s mode%s%s)",
                     cfg_tok_show(&kw, show, sizeof(show)), more[0] ? "," : " or",
                     more[0] ? " or " : "", more);
        break;
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
    kfree(cfg->lines);
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
