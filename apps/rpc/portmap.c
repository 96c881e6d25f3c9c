/*
 * apps/rpc/portmap.c — the portmapper's registry and universal addresses
 * (the procedures are in portmap_procs.c; see portmap.h for what they
 * answer).
 */
#include "apps/rpc/portmap.h"

#include "apps/rpc/portmap_impl.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

void rpc_pmap_init(struct rpc_pmap *m, uint16_t port)
{
    memset(m, 0, sizeof *m);
    m->v2 = (struct rpc_program){ PMAP_PROG,         PMAP_VERS,          "portmapper",
                                  rpc_pmap_v2_procs, rpc_pmap_v2_nprocs, m };
    m->v3 = (struct rpc_program){ PMAP_PROG,         RPCBVERS,           "rpcbind",
                                  rpc_pmap_v3_procs, rpc_pmap_v3_nprocs, m };
    m->v4 = (struct rpc_program){ PMAP_PROG,         RPCBVERS4,          "rpcbind",
                                  rpc_pmap_v4_procs, rpc_pmap_v4_nprocs, m };
    /* rpcbind registers itself per transport, version 4 first */
    rpc_pmap_set(m, PMAP_PROG, RPCBVERS4, port);
    rpc_pmap_set(m, PMAP_PROG, RPCBVERS, port);
    rpc_pmap_set(m, PMAP_PROG, PMAP_VERS, port);
}

const struct rpc_pmap_entry *rpc_pmap_lookup(const struct rpc_pmap *m, uint32_t prog, uint32_t vers,
                                             bool any_version)
{
    const struct rpc_pmap_entry *other = NULL;
    for (unsigned i = 0; i < m->n; i++) {
        if (m->e[i].prog != prog)
            continue;
        if (m->e[i].vers == vers)
            return &m->e[i];
        if (!other)
            other = &m->e[i];
    }
    return any_version ? other : NULL;
}

int rpc_pmap_set(struct rpc_pmap *m, uint32_t prog, uint32_t vers, uint16_t port)
{
    if (port == 0)
        return -KE_INVAL;
    if (rpc_pmap_lookup(m, prog, vers, false))
        return -KE_EXIST;
    if (m->n == RPC_PMAP_MAX)
        return -KE_TOOBIG;
    m->e[m->n++] = (struct rpc_pmap_entry){ .prog = prog, .vers = vers, .port = port };
    return 0;
}

int rpc_pmap_unset(struct rpc_pmap *m, uint32_t prog, uint32_t vers)
{
    const struct rpc_pmap_entry *e = rpc_pmap_lookup(m, prog, vers, false);
    if (!e)
        return -KE_NOENT;
    unsigned i = (unsigned)(e - m->e);
    memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof m->e[0]);
    m->n--;
    return 0;
}

int rpc_pmap_register(struct rpc_pmap *m, struct rpc_server *s)
{
    int rc = rpc_server_register(s, &m->v2);
    if (rc == 0) {
        rc = rpc_server_register(s, &m->v3);
        if (rc == 0) {
            rc = rpc_server_register(s, &m->v4);
            if (rc == 0)
                return 0;
            rpc_server_unregister(s, &m->v3);
        }
        rpc_server_unregister(s, &m->v2);
    }
    return rc;
}

void rpc_pmap_unregister(struct rpc_pmap *m, struct rpc_server *s)
{
    rpc_server_unregister(s, &m->v2);
    rpc_server_unregister(s, &m->v3);
    rpc_server_unregister(s, &m->v4);
}

size_t rpc_uaddr_format(char *buf, size_t cap, uint32_t addr, uint16_t port)
{
    int n = ksnprintf(buf, cap, "%u.%u.%u.%u.%u.%u", (unsigned)(addr >> 24),
                      (unsigned)(addr >> 16) & 255u, (unsigned)(addr >> 8) & 255u,
                      (unsigned)addr & 255u, (unsigned)port >> 8, (unsigned)port & 255u);
    return n < 0 ? 0 : (size_t)n;
}
