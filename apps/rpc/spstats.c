/*
 * apps/rpc/spstats.c — the spstats program (tools/rpc/spstats.x): spindle's
 * counters (kernel/stats.h) over ONC RPC.
 *
 * NODES answers the node names of the registered counter groups in
 * registration order (a node with several groups appears once per group);
 * GET answers the counters of the first group of that node. Names longer
 * than SPSTATS_NAME_MAX bytes are cut to it. More than SPSTATS_NODES_MAX
 * groups, or more than SPSTATS_COUNTERS_MAX counters in the group, answer
 * SPSTATS_TOOBIG; an unknown node SPSTATS_NOENT. The counters are read
 * while the result is encoded, in the same run-to-completion step as the
 * call, so an answer is one consistent snapshot.
 */
#include "apps/rpc/programs.h"

#include "kernel/klib.h"
#include "kernel/stats.h"

/* spstats_name: string<SPSTATS_NAME_MAX>, cut to it on the way out */
static bool xdr_name_out(struct xdr *x, const char *s)
{
    size_t n = strlen(s);
    uint32_t len = n > SPSTATS_NAME_MAX ? SPSTATS_NAME_MAX : (uint32_t)n;
    return xdr_string(x, &s, &len, SPSTATS_NAME_MAX);
}

/* --- NODES ------------------------------------------------------------------ */

struct nodes_walk {
    struct xdr *x;
    uint32_t n;
};

static void count_group(const struct kstat_group *g, void *ctx)
{
    ((struct nodes_walk *)ctx)->n++;
}

static void put_node(const struct kstat_group *g, void *ctx)
{
    xdr_name_out(((struct nodes_walk *)ctx)->x, g->node);
}

static bool xdr_nodes_res(struct xdr *x, void *obj)
{
    struct nodes_walk walk = { .x = x };
    kstats_foreach(count_group, &walk);
    int32_t status = walk.n > SPSTATS_NODES_MAX ? SPSTATS_TOOBIG : SPSTATS_OK;
    if (!xdr_enum(x, &status) || status != SPSTATS_OK)
        return xdr_ok(x);
    if (!xdr_array_count(x, &walk.n, SPSTATS_NODES_MAX))
        return false;
    kstats_foreach(put_node, &walk);
    return xdr_ok(x);
}

/* --- GET -------------------------------------------------------------------- */

struct get_args {
    const char *name;
    uint32_t len;
};

static bool xdr_get_args(struct xdr *x, void *obj)
{
    struct get_args *a = obj;
    return xdr_string(x, &a->name, &a->len, SPSTATS_NAME_MAX);
}

struct get_res {
    const struct kstat_group *g;
};

struct find_walk {
    const struct get_args *a;
    const struct kstat_group *g;
};

static void find_group(const struct kstat_group *g, void *ctx)
{
    struct find_walk *f = ctx;
    if (!f->g && strlen(g->node) == f->a->len && memcmp(g->node, f->a->name, f->a->len) == 0)
        f->g = g;
}

static int get(struct rpc_work *w, void *args, void *res)
{
    struct find_walk f = { .a = args };
    kstats_foreach(find_group, &f);
    ((struct get_res *)res)->g = f.g;
    return RPC_PROC_OK;
}

static bool xdr_get_res(struct xdr *x, void *obj)
{
    const struct kstat_group *g = ((struct get_res *)obj)->g;
    int32_t status = !g ? SPSTATS_NOENT : g->n > SPSTATS_COUNTERS_MAX ? SPSTATS_TOOBIG : SPSTATS_OK;
    if (!xdr_enum(x, &status) || status != SPSTATS_OK || !g)
        return xdr_ok(x);
    uint32_t n = g->n;
    if (!xdr_array_count(x, &n, SPSTATS_COUNTERS_MAX))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = g->values[i];
        xdr_name_out(x, g->names[i]);
        xdr_u64(x, &v);
    }
    return xdr_ok(x);
}

static const struct rpc_proc spstats_procs[] = {
    [SPSTATS_NULL] = { "NULL", NULL, NULL, NULL },
    [SPSTATS_NODES] = { "NODES", NULL, xdr_nodes_res, NULL },
    [SPSTATS_GET] = { "GET", xdr_get_args, xdr_get_res, get },
};

const struct rpc_program spstats_program = {
    .prog = SPSTATS_PROG,
    .vers = SPSTATS_VERS,
    .name = "spstats",
    .procs = spstats_procs,
    .nprocs = KARRAY_SIZE(spstats_procs),
};
