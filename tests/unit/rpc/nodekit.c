/*
 * tests/unit/rpc/nodekit.c — helpers of the RPC node tests (nodekit.h).
 */
#include "nodekit.h"

#include <criterion/criterion.h>
#include <string.h>

#include "../protocols/udp/udpkit.h"
#include "kernel/klib.h"
#include "kernel/stats.h"

int nk_try(const char *cls, const char *text, struct kext **out, char *err, size_t errlen)
{
    static char buf[16][64];
    struct kparams p = { 0 };
    const struct kextension *c = kext_class_find(cls);
    cr_assert_not_null(c, "no extension class %s", cls);
    while (text != NULL && *text != '\0') {
        const char *end = strchr(text, ' ');
        size_t n = end != NULL ? (size_t)(end - text) : strlen(text);
        cr_assert_lt(p.n, 16);
        cr_assert_lt(n, sizeof buf[0]);
        memcpy(buf[p.n], text, n);
        buf[p.n][n] = '\0';
        char *eq = strchr(buf[p.n], '=');
        cr_assert_not_null(eq, "parameter without '=': %s", buf[p.n]);
        *eq = '\0';
        p.key[p.n] = buf[p.n];
        p.value[p.n] = eq + 1;
        p.n++;
        text = end != NULL ? end + 1 : text + n;
    }
    err[0] = '\0';
    return kext_create(c, &p, out, err, errlen);
}

struct kext *nk_install(const char *cls, const char *text)
{
    struct kext *x = NULL;
    char err[256];
    int rc = nk_try(cls, text, &x, err, sizeof err);
    cr_assert_eq(rc, 0, "%s %s: %s", cls, text ? text : "", err);
    return x;
}

void nk_send(struct netif *ifp, uint16_t sport, uint16_t dport, const struct rk_msg *m)
{
    struct uk_dgram d = { .sport = sport, .dport = dport, .payload = m->b, .payload_len = m->n };
    udpkit_inject(ifp, &d);
}

bool nk_take(struct netif *ifp, struct nk_reply *out)
{
    struct uk_sent s;
    if (!udpkit_take(ifp, &s))
        return false;
    cr_assert_eq(s.proto, 17, "a UDP datagram");
    cr_assert_eq(s.frag & 0x3fffu, 0, "not a fragment");
    cr_assert(udpkit_udp_csum_ok(s.src, s.dst, s.l4, s.l4_len), "UDP checksum");
    out->src = s.src;
    out->dst = s.dst;
    out->sport = load_be16(s.l4);
    out->dport = load_be16(s.l4 + 2);
    out->n = s.l4_len - 8u;
    cr_assert_leq(out->n, sizeof out->b);
    memcpy(out->b, s.l4 + 8, out->n);
    udpkit_sent_free(&s);
    cr_assert_eq(rpc_reply_decode(out->b, out->n, &out->r), 0, "a well-formed RPC reply");
    return true;
}

uint64_t nk_ctr(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}
