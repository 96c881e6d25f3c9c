/*
 * protocols/ipv4/pool.c — the IPv4 node's large-buffer pool (see
 * protocols/ipv4/ipv4_pool.h for why it exists).
 */
#include "protocols/ipv4/ipv4_pool.h"
#include "protocols/ipv4/ipv4_impl.h"

#include "kernel/kerr.h"
#include "kernel/log.h"

static struct pktpool *ipv4_big_pool;

/* ipv4_big_pool_get - the large pool, created on first use; NULL if no memory. */
static struct pktpool *ipv4_big_pool_get(void)
{
    if (ipv4_big_pool == NULL) {
        ipv4_big_pool =
            pktpool_create("ipv4-big", IPV4_BIG_COUNT, (uint16_t)IPV4_BIG_BLOCK, NULL, NULL);
        if (ipv4_big_pool == NULL)
            KWARN("ipv4", "no memory for the large-buffer pool (%u x %u bytes)", IPV4_BIG_COUNT,
                  IPV4_BIG_BLOCK);
    }
    return ipv4_big_pool;
}

/* ipv4_fit - move the data start of empty buffer @p so that @len bytes fit behind it. */
static struct pktbuf *ipv4_fit(struct pktbuf *p, uint32_t len)
{
    if (p == NULL)
        return NULL;
    if ((uint32_t)p->data_off + len > p->cap) {
        if (len > p->cap) {
            pkt_free(p);
            return NULL;
        }
        p->data_off = (uint16_t)(p->cap - len);
    }
    return p;
}

struct pktbuf *ipv4_pkt_alloc(uint32_t len)
{
    if (len > IPV4_MAX_LEN)
        return NULL;
    if (PKT_HEADROOM + len <= PKT_BLOCK_SIZE) {
        struct pktbuf *p = pkt_alloc(pktpool_default());
        if (p != NULL && (uint32_t)p->data_off + len <= p->cap)
            return p;
        pkt_free(p);
    }
    struct pktpool *big = ipv4_big_pool_get();
    if (big == NULL)
        return NULL;
    return ipv4_fit(pkt_alloc(big), len);
}

struct pktbuf *ipv4_linearize(struct pktbuf *pkt)
{
    return pkt->frag == NULL ? pkt : pkt_linearize(pkt, ipv4_big_pool_get());
}

void ipv4_pool_fini(void)
{
    if (ipv4_big_pool == NULL)
        return;
    if (pktpool_destroy(ipv4_big_pool) == 0)
        ipv4_big_pool = NULL;
    else
        KWARN("ipv4", "large-buffer pool still has %u buffers out; kept",
              (unsigned)pktpool_out(ipv4_big_pool));
}
