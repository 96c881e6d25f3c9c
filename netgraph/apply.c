/*
 * netgraph/apply.c — running the bring-up stages of a configuration in
 * order, undoing them on failure (netgraph/apply.h), the stage and keyword
 * registry (netgraph/stage.h), and the built-in "extensions" stage.
 */
#include "netgraph/apply.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "netgraph/stage.h"

/* Stages one image may link in. */
#define APPLY_MAX_STAGES 32

/* ------------------------------------------------------ stage registry */

/* stage_before - true when @a runs before @b: lower order, then smaller name. */
static bool stage_before(const struct kconfig_stage *a, const struct kconfig_stage *b)
{
    if (a->order != b->order)
        return a->order < b->order;
    return strcmp(a->name, b->name) < 0;
}

/* stage_after - the stage that runs right after @prev (NULL: the first). */
static const struct kconfig_stage *stage_after(const struct kconfig_stage *prev)
{
    const struct kconfig_stage *best = NULL;
    KSET_FOREACH(stages, const struct kconfig_stage, it)
    {
        const struct kconfig_stage *s = *it;
        if ((prev == NULL || stage_before(prev, s)) && (best == NULL || stage_before(s, best)))
            best = s;
    }
    return best;
}

void kconfig_stage_foreach(void (*cb)(const struct kconfig_stage *s, void *ctx), void *ctx)
{
    for (const struct kconfig_stage *s = stage_after(NULL); s != NULL; s = stage_after(s))
        cb(s, ctx);
}

const struct kconfig_stage *kconfig_keyword_find(const char *word, size_t n)
{
    KSET_FOREACH(stages, const struct kconfig_stage, it)
    {
        const char *k = (*it)->keyword;
        if (k != NULL && strlen(k) == n && strncmp(k, word, n) == 0)
            return *it;
    }
    return NULL;
}

void kconfig_keywords(char *buf, size_t size)
{
    size_t len = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (const struct kconfig_stage *s = stage_after(NULL); s != NULL; s = stage_after(s)) {
        if (s->keyword == NULL || len + 1 >= size)
            continue;
        int n = ksnprintf(buf + len, size - len, "%s%s", len ? " " : "", s->keyword);
        len += (size_t)n;
        if (len >= size)
            len = size - 1;
    }
}

/* ------------------------------------------------- the extension stage */

static bool word_char(char c)
{
    return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* blamed_param - the position of the first parameter of @ce that @msg names, else the line's. */
static struct cfg_pos blamed_param(const struct cfg_extension *ce, const char *msg)
{
    size_t best = (size_t)-1;
    struct cfg_pos pos = ce->pos;
    size_t mlen = strlen(msg);
    for (unsigned i = 0; i < ce->params.n; i++) {
        size_t n = strlen(ce->params.key[i]);
        for (size_t at = 0; n && at + n <= mlen && at < best; at++) {
            if (memcmp(msg + at, ce->params.key[i], n) == 0 &&
                (at == 0 || !word_char(msg[at - 1])) && !word_char(msg[at + n])) {
                best = at;
                pos = ce->param_pos[i];
                break;
            }
        }
    }
    return pos;
}

/* Instances present before this configuration's extension stage ran. */
static unsigned exts_before;

static int extensions_apply(const struct config *cfg, struct config_error *err)
{
    exts_before = netgraph_ext_count();
    for (unsigned i = 0; i < cfg->nextensions; i++) {
        const struct cfg_extension *ce = &cfg->extensions[i];
        char eerr[192] = "";
        int rc = netgraph_ext_install(ce->name, &ce->params, NULL, eerr, sizeof eerr);
        if (rc < 0) {
            /* "udp-echo: port: ..." reads "extension udp-echo: port: ..." */
            const char *why = eerr[0] ? eerr : kerr_str(rc);
            size_t nl = strlen(ce->name);
            if (strncmp(why, ce->name, nl) == 0 && why[nl] == ':')
                why += nl + (why[nl + 1] == ' ' ? 2 : 1);
            struct cfg_pos pos = rc == -KE_NOENT && kext_class_find(ce->name) == NULL
                                     ? ce->pos
                                     : blamed_param(ce, why);
            if (rc == -KE_NOENT && kext_class_find(ce->name) == NULL)
                config_set_error(err, cfg->filename, pos, "%s", why);
            else
                config_set_error(err, cfg->filename, pos, "extension %s: %s", ce->name, why);
            netgraph_ext_remove_since(exts_before);
            return rc;
        }
    }
    return 0;
}

static void extensions_undo(const struct config *cfg)
{
    (void)cfg;
    netgraph_ext_remove_since(exts_before);
}

static const struct kconfig_stage extensions_stage = {
    .name = "extensions",
    .order = KSTAGE_EXTENSIONS,
    .apply = extensions_apply,
    .undo = extensions_undo,
};
KCONFIG_STAGE(extensions_stage);

/* --------------------------------------------------------- the runner */

int netgraph_configure(const struct config *cfg, struct config_error *err)
{
    struct config_error scratch;
    if (err == NULL)
        err = &scratch;
    if (!netgraph_running()) {
        struct cfg_pos nowhere = { 0, 0 };
        config_set_error(err, cfg->filename, nowhere, "netgraph_init() was not called");
        return -KE_INVAL;
    }
    const struct kconfig_stage *done[APPLY_MAX_STAGES];
    unsigned ndone = 0;
    int rc = 0;
    kevent_batch_begin(); /* every decision tree built once, at the end */
    for (const struct kconfig_stage *s = stage_after(NULL); s != NULL; s = stage_after(s)) {
        if (ndone == APPLY_MAX_STAGES) {
            struct cfg_pos nowhere = { 0, 0 };
            config_set_error(err, cfg->filename, nowhere, "more than %u bring-up stages",
                             APPLY_MAX_STAGES);
            rc = -KE_TOOBIG;
            break;
        }
        rc = s->apply(cfg, err);
        if (rc < 0)
            break;
        done[ndone++] = s;
    }
    if (rc == 0 && (rc = kevent_batch_end()) < 0) {
        struct cfg_pos nowhere = { 0, 0 };
        config_set_error(err, cfg->filename, nowhere, "no memory to build the dispatch plans");
        kevent_batch_begin(); /* the undo below ends it again */
    }
    if (rc == 0) {
        KINFO("netgraph", "%u interfaces, %u addresses, %u routes, %u extensions", cfg->ninterfaces,
              cfg->naddresses, cfg->nroutes, cfg->nextensions);
        netgraph_set_configured(true);
        return 0;
    }
    /* Undo the stages applied, newest first: nothing stays started. */
    while (ndone > 0) {
        const struct kconfig_stage *u = done[--ndone];
        if (u->undo != NULL)
            u->undo(cfg);
    }
    (void)kevent_batch_end();
    return rc;
}
