/*
 * netgraph/stage.h — the steps of bringing a configuration up, and the
 * configuration keywords modules add to the language.
 *
 * netgraph_configure() (netgraph/apply.h) applies a parsed configuration in
 * stages, lowest order first; netgraph/ itself provides
 *     100 interfaces  open every interface's port and make it a netif
 *     200 addresses   add the interface addresses
 *     400 start       start every port
 *     500 extensions  install the extension lines
 * and modules register the others with one line, at link time
 * (kernel/section.h): the IPv4 node's "routes" stage (300) applies the
 * route lines; a driver or an extension may own a keyword of its own
 * ("dpdk eal=...", "video play ..."), whose lines config_parse() keeps as
 * generic struct cfg_line (netgraph/config.h) for its stage to apply.
 *
 *     static const struct kconfig_stage dpdk_stage = {
 *         .name = "dpdk", .order = KSTAGE_BEFORE_INTERFACES, .keyword = "dpdk",
 *         .usage = "dpdk eal=\"ARGS\"", .check = dpdk_check, .apply = dpdk_apply,
 *     };
 *     KCONFIG_STAGE(dpdk_stage);
 *
 * A failing stage undoes its own partial work before it returns; the
 * stages already applied are then undone newest first, so nothing stays
 * started. What a stage sets up must be torn down by netgraph_shutdown()
 * without it (a node's fini, an interface, an extension instance), because
 * the configuration may be gone by then.
 */
#ifndef SPINDLE_NETGRAPH_STAGE_H
#define SPINDLE_NETGRAPH_STAGE_H

#include <stddef.h>
#include "kernel/section.h"
#include "netgraph/config.h"

/** Stage orders: the built-in stages and the gaps between them. */
enum kstage_order {
    KSTAGE_BEFORE_INTERFACES = 50,
    KSTAGE_INTERFACES = 100,
    KSTAGE_ADDRESSES = 200,
    KSTAGE_ROUTES = 300,
    KSTAGE_START = 400,
    KSTAGE_EXTENSIONS = 500,
    KSTAGE_AFTER_EXTENSIONS = 600,
};

/** A bring-up stage, optionally owning a configuration keyword. Static storage. */
struct kconfig_stage {
    const char *name;    /* "routes" */
    unsigned order;      /* enum kstage_order */
    const char *keyword; /* the keyword whose lines it owns, or NULL */
    const char *usage;   /* the keyword's syntax, for "unknown keyword" and errors */
    /**
     * check - at parse time, validate one line of the keyword (NULL: any
     * words accepted). Returns 0, or -KE_INVAL with @why filled and *@col
     * set to the offending column (the line's own when left 0).
     */
    int (*check)(const struct cfg_line *l, char *why, size_t whylen, unsigned *col);
    /**
     * apply - apply the stage for @cfg: 0, or -KE_* with @err filled
     * (config_set_error, naming the line) after undoing its own partial work.
     * -KE_IO marks a device failure (the hosted program exits 3).
     */
    int (*apply)(const struct config *cfg, struct config_error *err);
    /** undo - undo a successful apply (NULL: nothing to undo). */
    void (*undo)(const struct config *cfg);
};

KSET_DECLARE(stages, const struct kconfig_stage);
/** KCONFIG_STAGE - link stage @var (a const struct kconfig_stage) into the image. */
#define KCONFIG_STAGE(var) KSET_ADD(stages, const struct kconfig_stage, var)

/** kconfig_keyword_find - the stage owning keyword @word, or NULL. */
const struct kconfig_stage *kconfig_keyword_find(const char *word, size_t n);

/** kconfig_keywords - the module keywords, blank separated ("dpdk video"), into @buf. */
void kconfig_keywords(char *buf, size_t size);

/**
 * kconfig_stage_foreach - every stage (built-in and linked-in) in order,
 * ties by name.
 */
void kconfig_stage_foreach(void (*cb)(const struct kconfig_stage *s, void *ctx), void *ctx);

#endif
