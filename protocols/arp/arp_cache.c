/*
 * protocols/arp/arp_cache.c — the ARP translation table (RFC 826): a fixed
 * array of ARP_CACHE_SIZE entries, a hash on (interface, IPv4 address)
 * chained through the entries, least-recently-used eviction when full, and
 * the per-entry queue of packets waiting for resolution.
 */
#include "protocols/arp/arp_cache.h"

#include "protocols/arp/arp.h"
#include "kernel/klib.h"

#define ARP_HASH_BUCKETS 256u /* power of two */

static struct arp_ent arp_table[ARP_CACHE_SIZE];
static uint16_t arp_hash_head[ARP_HASH_BUCKETS]; /* index + 1, 0 = empty */

static unsigned arp_hash(uint16_t ifindex, uint32_t ip)
{
    uint32_t h = (ip ^ ((uint32_t)ifindex << 24)) * 2654435761u; /* Knuth multiplicative */
    return (h >> 24) & (ARP_HASH_BUCKETS - 1);
}

/*
 * The entry the last successful find returned: consecutive packets mostly
 * go to one next hop. It needs no invalidation: an entry is removed only by
 * arp_cache_remove, which clears it (used false), and a slot reused for
 * another key holds that key, so checking the entry's own key and used
 * flag proves it is the entry a hash walk would find (keys are unique).
 */
static struct arp_ent *arp_last_found;

struct arp_ent *arp_cache_find(uint16_t ifindex, uint32_t ip)
{
    struct arp_ent *last = arp_last_found;
    if (last != NULL && last->used && last->ip == ip && last->ifindex == ifindex)
        return last;
    for (uint16_t i = arp_hash_head[arp_hash(ifindex, ip)]; i != 0; i = arp_table[i - 1].hnext) {
        struct arp_ent *e = &arp_table[i - 1];
        if (e->ip == ip && e->ifindex == ifindex) {
            arp_last_found = e;
            return e;
        }
    }
    return NULL;
}

static void arp_hash_unlink(struct arp_ent *e)
{
    uint16_t idx = (uint16_t)(e - arp_table + 1);
    uint16_t *link = &arp_hash_head[arp_hash(e->ifindex, e->ip)];
    while (*link != 0) {
        if (*link == idx) {
            *link = e->hnext;
            break;
        }
        link = &arp_table[*link - 1].hnext;
    }
    e->hnext = 0;
}

void arp_cache_remove(struct arp_ent *e)
{
    ktimer_cancel(&e->timer);
    arp_ctr[ARP_FLUSH_DROPS] += arp_queue_drop(e);
    arp_hash_unlink(e);
    memset(e, 0, sizeof(*e));
}

/* A free slot, or an entry evicted for it: not in use first, then LRU. */
static struct arp_ent *arp_cache_slot(void)
{
    struct arp_ent *lru = NULL, *idle = NULL;
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_ent *e = &arp_table[i];
        if (!e->used)
            return e;
        if (lru == NULL || e->used_ns < lru->used_ns)
            lru = e;
        if (!e->in_use && (idle == NULL || e->used_ns < idle->used_ns))
            idle = e;
    }
    struct arp_ent *victim = idle != NULL ? idle : lru;
    arp_ctr[ARP_EVICTED]++;
    if (idle == NULL)
        arp_ctr[ARP_EVICTED_IN_USE]++;
    arp_cache_remove(victim);
    return victim;
}

struct arp_ent *arp_cache_create(uint16_t ifindex, uint32_t ip, uint64_t now_ns, ktimer_fn fn)
{
    struct arp_ent *e = arp_cache_slot();
    memset(e, 0, sizeof(*e));
    e->used = true;
    e->ifindex = ifindex;
    e->ip = ip;
    e->used_ns = now_ns;
    ktimer_init(&e->timer, fn, e);
    unsigned b = arp_hash(ifindex, ip);
    e->hnext = arp_hash_head[b];
    arp_hash_head[b] = (uint16_t)(e - arp_table + 1);
    return e;
}

void arp_cache_clear(void)
{
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
        if (arp_table[i].used)
            arp_cache_remove(&arp_table[i]);
}

void arp_cache_foreach(void (*cb)(struct arp_ent *e, void *ctx), void *ctx)
{
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
        if (arp_table[i].used)
            cb(&arp_table[i], ctx);
}

void arp_queue_push(struct arp_ent *e, struct pktbuf *pkt)
{
    if (e->qlen >= ARP_QUEUE_MAX) {
        struct pktbuf *old = e->qhead;
        e->qhead = old->next;
        if (e->qhead == NULL)
            e->qtail = NULL;
        old->next = NULL;
        e->qlen--;
        pkt_free(old);
        arp_ctr[ARP_QUEUE_OVERFLOW]++;
    }
    pkt->next = NULL;
    if (e->qtail != NULL)
        e->qtail->next = pkt;
    else
        e->qhead = pkt;
    e->qtail = pkt;
    e->qlen++;
    arp_ctr[ARP_QUEUED]++;
}

struct pktbuf *arp_queue_take(struct arp_ent *e)
{
    struct pktbuf *q = e->qhead;
    e->qhead = e->qtail = NULL;
    e->qlen = 0;
    return q;
}

unsigned arp_queue_drop(struct arp_ent *e)
{
    unsigned n = 0;
    struct pktbuf *q = arp_queue_take(e);
    while (q != NULL) {
        struct pktbuf *next = q->next;
        q->next = NULL;
        pkt_free(q);
        q = next;
        n++;
    }
    return n;
}
