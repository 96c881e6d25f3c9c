/*
 * drivers/dpdk/dpdk_stage.c — the "dpdk" configuration keyword and its
 * bring-up stage (netgraph/stage.h):
 *
 *   dpdk eal="ARGS"
 *
 * ARGS are DPDK's EAL arguments (the words of a DPDK program's command line
 * before "--"; single or double quotes group words, as dpdk_eal_split
 * reads them), e.g. eal="--no-huge -m 512 --no-pci --file-prefix=spindle"
 * or eal="-a 0000:01:00.0 -m 1024" for a vfio-pci bound NIC. They replace
 * the defaults (dpdk.h) entirely. At most one such line: EAL starts once
 * per process (rte_eal_init may be called once). Without the line the
 * first dpdk interface starts EAL with the defaults.
 *
 * Parse time (.check): no words, eal= and nothing else (the parser itself
 * refuses a key given twice), and a string that splits (balanced quotes,
 * at most DPDK_EAL_MAX_ARGS - 2 words, at most DPDK_EAL_STORE - 9 bytes);
 * errors name file:line:column.
 * Bring-up (.apply, order KSTAGE_BEFORE_INTERFACES): a second line is a
 * configuration error at its own position; then EAL is started with ARGS
 * before any interface opens. EAL refusing them is a device failure
 * (-KE_IO: the hosted program exits 3) quoting EAL's first complaint, and
 * nothing starts. EAL already running with other arguments (an earlier
 * configuration in the same process) is -KE_INVAL. There is no undo: EAL
 * cannot be started twice in a process, so it stays up until exit
 * (dpdk_eal.c's atexit handler releases it).
 *
 * Sources: DPDK 22.11 Linux User Guide, "EAL parameters"; rte_eal.h.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/dpdk/dpdk.h"
#include "drivers/dpdk/dpdk_eal.h"
#include "kernel/kerr.h"
#include "netgraph/stage.h"

static int dpdk_line_check(const struct cfg_line *l, char *why, size_t whylen, unsigned *col);
static int dpdk_stage_apply(const struct config *cfg, struct config_error *err);

/* Global: the build keeps this object by its name (drivers/dpdk/meson.build). */
const struct kconfig_stage dpdk_stage = {
    .name = "dpdk",
    .order = KSTAGE_BEFORE_INTERFACES,
    .keyword = "dpdk",
    .usage = "dpdk eal=\"EAL ARGUMENTS\"",
    .check = dpdk_line_check,
    .apply = dpdk_stage_apply,
};
KCONFIG_STAGE(dpdk_stage);

/* The index of eal= among @l's parameters, or -1. */
static int eal_param(const struct cfg_line *l)
{
    for (unsigned i = 0; i < l->params.n; i++)
        if (strcmp(l->params.key[i], "eal") == 0)
            return (int)i;
    return -1;
}

static int dpdk_line_check(const struct cfg_line *l, char *why, size_t whylen, unsigned *col)
{
    static char store[DPDK_EAL_STORE];
    char *argv[DPDK_EAL_MAX_ARGS];
    int at;

    if (l->nwords > 0) {
        snprintf(why, whylen, "unexpected word '%s'", l->word[0]);
        *col = l->word_pos[0].col;
        return -KE_INVAL;
    }
    for (unsigned i = 0; i < l->params.n; i++) {
        if (strcmp(l->params.key[i], "eal") != 0) {
            snprintf(why, whylen, "unknown parameter %s= (known: eal=)", l->params.key[i]);
            *col = l->param_pos[i].col;
            return -KE_INVAL;
        }
    }
    at = eal_param(l);
    if (at < 0) {
        snprintf(why, whylen, "missing eal=");
        return -KE_INVAL;
    }
    if (dpdk_eal_split(l->params.value[at], store, sizeof(store), argv) < 0) {
        snprintf(why, whylen, "eal=: unbalanced quote, more than %d words or longer than %d bytes",
                 DPDK_EAL_MAX_ARGS - 2, DPDK_EAL_STORE - 9);
        *col = l->param_pos[at].col;
        return -KE_INVAL;
    }
    return 0;
}

static int dpdk_stage_apply(const struct config *cfg, struct config_error *err)
{
    const struct cfg_line *line = NULL;
    char msg[256];
    int at, rc;

    for (unsigned i = 0; i < cfg->nlines; i++) {
        const struct cfg_line *l = &cfg->lines[i];

        if (l->owner != &dpdk_stage)
            continue;
        if (line != NULL) {
            config_set_error(err, cfg->filename, l->pos,
                             "dpdk: a second dpdk line (the first is on line %u): EAL starts "
                             "once per process",
                             line->pos.line);
            return -KE_INVAL;
        }
        line = l;
    }
    if (line == NULL)
        return 0;
    at = eal_param(line);
    rc = dpdk_eal_ensure(line->params.value[at], msg, sizeof(msg));
    if (rc < 0) {
        config_set_error(err, cfg->filename, line->param_pos[at], "%s", msg);
        return rc;
    }
    return 0;
}
