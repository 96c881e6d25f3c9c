/*
 * apps/console/extension.c — "extension list | install | remove": extensions
 * installed and removed at run time while traffic flows, through
 * netgraph/instances.h; and "log level" (kernel/log.h).
 *
 * "extension install NAME [key=value ...]" is parsed by the configuration
 * parser itself (netgraph/config.h, config_parse on the one-line text
 * "extension NAME key=value ..."), so quoting, escapes and errors are those
 * of a configuration file's 'extension' line. Freestanding.
 */
#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "apps/console/commands.h"
#include "netgraph/extension.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "netgraph/config.h"

/* ---------------------------------------------------------------- list */

/** value_needs_quotes - true when @v must be written "..." to read back as one value. */
static bool value_needs_quotes(const char *v)
{
    if (!*v)
        return true;
    for (; *v; v++)
        if (*v == ' ' || *v == '\t' || *v == '"' || *v == '\\' || *v == '#')
            return true;
    return false;
}

/** put_params - " k=v k2=\"a b\"": parameters in the configuration syntax. */
static void put_params(struct console_session *s, const struct kparams *p)
{
    for (unsigned i = 0; p && i < p->n; i++) {
        const char *v = p->value[i];
        console_puts(s, i ? " " : "");
        console_puts(s, p->key[i]);
        console_puts(s, "=");
        if (!value_needs_quotes(v)) {
            console_puts(s, v);
            continue;
        }
        console_puts(s, "\"");
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                console_puts(s, "\\");
            console_write(s, v, 1);
        }
        console_puts(s, "\"");
    }
}

struct ext_list {
    struct console_session *s;
    unsigned n;
    unsigned want_id;               /* find_ext: the id looked for */
    const struct kextension *found; /* find_ext: its class */
};

static void list_line(const struct kext *x, void *ctx)
{
    struct ext_list *l = ctx;
    if (l->n++ == 0)
        console_printf(l->s, "%-4s %-16s %s\n", "id", "extension", "parameters");
    console_printf(l->s, "%-4u %-16s ", x->id, x->cls->name);
    put_params(l->s, x->params);
    console_puts(l->s, "\n");
}

enum console_status cmd_extension_list(struct console_session *s, const struct console_args *a)
{
    struct ext_list l = { .s = s };
    netgraph_ext_foreach(list_line, &l);
    if (l.n == 0)
        console_puts(s, "no extensions installed\n");
    return CONSOLE_OK;
}

/* ------------------------------------------------------------- install */

enum console_status cmd_extension_install(struct console_session *s, const struct console_args *a)
{
    static const char keyword[] = "extension ";
    const unsigned klen = sizeof(keyword) - 1;
    char text[CONSOLE_LINE_MAX + sizeof(keyword)];
    ksnprintf(text, sizeof(text), "%s%s", keyword, a->rest);
    struct config cfg;
    struct config_error err;
    int rc = config_parse(text, strlen(text), "console", &cfg, &err);
    if (rc == -KE_NOMEM)
        return console_fail(s, a, "out of memory");
    if (rc < 0) {
        /* err.col counts in text; the typed line has a->rest where text has keyword. */
        unsigned col = err.col > klen ? err.col - klen + a->rest_col - 1 : a->rest_col;
        return console_fail(s, a, "column %u: %s", col, err.msg);
    }
    if (cfg.nextensions != 1) {
        config_free(&cfg);
        return console_fail(s, a, "expected NAME [key=value ...]");
    }
    const struct cfg_extension *ce = &cfg.extensions[0];
    char why[CONSOLE_LINE_MAX + 128];
    unsigned id = 0;
    rc = netgraph_ext_install(ce->name, &ce->params, &id, why, sizeof(why));
    enum console_status st = CONSOLE_OK;
    if (rc < 0) {
        st = console_fail(s, a, "%s", why);
    } else {
        console_printf(s, "extension %u installed: %s%s", id, ce->name, ce->params.n ? " " : "");
        put_params(s, &ce->params);
        console_puts(s, "\n");
    }
    config_free(&cfg); /* the instance keeps its own copy of the parameters */
    return st;
}

/* -------------------------------------------------------------- remove */

static void find_ext(const struct kext *x, void *ctx)
{
    struct ext_list *l = ctx;
    if (x->id == l->want_id)
        l->found = x->cls;
}

enum console_status cmd_extension_remove(struct console_session *s, const struct console_args *a)
{
    uint64_t id;
    const char *w = a->argv[0];
    if (kparse_u64(w, strlen(w), &id) < 0 || id == 0 || id > 0xffffffffu)
        return console_fail(s, a, "'%s' is not an extension id (see 'extension list')", w);
    struct ext_list l = { .s = s, .want_id = (unsigned)id };
    netgraph_ext_foreach(find_ext, &l);
    if (!l.found || netgraph_ext_remove((unsigned)id) < 0)
        return console_fail(s, a, "no extension with id %u (see 'extension list')", (unsigned)id);
    console_printf(s, "extension %u removed: %s\n", (unsigned)id, l.found->name);
    return CONSOLE_OK;
}

/* ----------------------------------------------------------- log level */

static const struct {
    const char *name;
    enum klog_level level;
} levels[] = {
    { "err", KLOG_ERR },   { "error", KLOG_ERR },   { "warn", KLOG_WARN }, { "warning", KLOG_WARN },
    { "info", KLOG_INFO }, { "debug", KLOG_DEBUG }, { "0", KLOG_ERR },     { "1", KLOG_WARN },
    { "2", KLOG_INFO },    { "3", KLOG_DEBUG },
};

static const char *level_name(enum klog_level l)
{
    static const char *const names[] = { "err", "warn", "info", "debug" };
    return (unsigned)l < KARRAY_SIZE(names) ? names[l] : "?";
}

enum console_status cmd_log_level(struct console_session *s, const struct console_args *a)
{
    if (a->argc == 0) {
        console_printf(s, "log level %s\n", level_name(klog_get_level()));
        return CONSOLE_OK;
    }
    if (!console_may_change(s, a))
        return CONSOLE_FAILED;
    for (unsigned i = 0; i < KARRAY_SIZE(levels); i++) {
        if (strcmp(a->argv[0], levels[i].name) == 0) {
            klog_set_level(levels[i].level);
            console_printf(s, "log level %s\n", level_name(levels[i].level));
            return CONSOLE_OK;
        }
    }
    return console_fail(s, a, "'%s': expected err, warn, info or debug", a->argv[0]);
}
