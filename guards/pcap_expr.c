/*
 * guards/pcap_expr.c — tcpdump expressions as guards through libpcap's
 * compiler (guards/pcap_expr.h). Hosted only.
 */
#include "guards/pcap_expr.h"
#include "guards/bpf_lower.h"
#include "guards/guard_expr.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

#include <pcap/pcap.h>

/* Snapshot length of the dead handle: every byte of any frame we carry. */
#define PCAP_EXPR_SNAPLEN 65535

int guard_from_tcpdump_facts(const char *expr, const struct guard_facts *facts, unsigned flags,
                             struct guard_tcpdump **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!expr || !*expr) {
        ksnprintf(err, errlen, "empty tcpdump expression");
        return -KE_INVAL;
    }
    pcap_t *pd = pcap_open_dead(DLT_EN10MB, PCAP_EXPR_SNAPLEN);
    if (!pd) {
        ksnprintf(err, errlen, "tcpdump expression '%s': libpcap: no memory", expr);
        return -KE_NOMEM;
    }
    struct bpf_program fp;
    if (pcap_compile(pd, &fp, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        ksnprintf(err, errlen, "tcpdump expression '%s': %s", expr, pcap_geterr(pd));
        pcap_close(pd);
        return -KE_INVAL;
    }
    pcap_close(pd);
    struct guard_tcpdump *g = kmalloc(sizeof *g + sizeof g->insns[0] * (fp.bf_len ? fp.bf_len : 1));
    if (!g) {
        pcap_freecode(&fp);
        ksnprintf(err, errlen, "tcpdump expression '%s': no memory", expr);
        return -KE_NOMEM;
    }
    g->ninsns = fp.bf_len;
    for (unsigned i = 0; i < fp.bf_len; i++) {
        g->insns[i].code = fp.bf_insns[i].code;
        g->insns[i].jt = fp.bf_insns[i].jt;
        g->insns[i].jf = fp.bf_insns[i].jf;
        g->insns[i].k = fp.bf_insns[i].k;
    }
    pcap_freecode(&fp);
    char why[96];
    int rc = kbpf_verify(g->insns, g->ninsns, &g->prog, why, sizeof why);
    if (rc) {
        ksnprintf(err, errlen, "tcpdump expression '%s': refused by the BPF verifier: %s", expr,
                  why);
        kfree(g);
        return rc;
    }
    static const struct guard_facts none;
    if (!facts)
        facts = &none;
    if (flags & GUARD_TCPDUMP_KEEP_BPF) {
        kstrlcpy(g->why_not, "kept as BPF on request", sizeof g->why_not);
        rc = -KE_NOTSUP;
    } else {
        rc = kbpf_lower(&g->prog, facts, &g->guard, g->why_not, sizeof g->why_not);
    }
    if (rc == 0) {
        g->lowered = true;
    } else if (rc == -KE_NOTSUP) {
        memset(&g->guard, 0, sizeof g->guard);
        g->guard.bpf = &g->prog;
        g->lowered = false;
    } else {
        ksnprintf(err, errlen, "tcpdump expression '%s': %s", expr, g->why_not);
        kfree(g);
        return rc;
    }
    *out = g;
    return 0;
}

int guard_from_tcpdump(const char *expr, const struct kevent *ev, struct guard_tcpdump **out,
                       char *err, size_t errlen)
{
    struct guard_facts facts;
    guard_event_facts(ev, &facts);
    return guard_from_tcpdump_facts(expr, &facts, 0, out, err, errlen);
}

void guard_tcpdump_free(struct guard_tcpdump *g)
{
    kfree(g);
}

/* The guard_expr_ops seam (guards/guard_expr.h): tcpdump through libpcap. */
static int tcpdump_compile(const char *expr, const struct kevent *ev, const struct kguard **guard,
                           void **handle, char *err, size_t errlen)
{
    struct guard_tcpdump *tg;
    int rc = guard_from_tcpdump(expr, ev, &tg, err, errlen);
    if (rc)
        return rc;
    *guard = &tg->guard;
    *handle = tg;
    return 0;
}

static void tcpdump_free(void *handle)
{
    guard_tcpdump_free(handle);
}

static const struct guard_expr_ops tcpdump_ops = {
    .language = "tcpdump",
    .compile = tcpdump_compile,
    .free = tcpdump_free,
};

void guard_tcpdump_register(void)
{
    guard_expr_register(&tcpdump_ops);
}
