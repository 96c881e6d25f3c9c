/*
 * kernel/pktbuf.c — packet buffers and their pools (kernel/pktbuf.h).
 *
 * A pool is one array of buffer descriptors and one contiguous block area
 * (so a bare-metal driver can give the whole area to its device as DMA
 * memory). Free buffers are a LIFO stack: the most recently freed block is
 * the one most likely still in cache.
 */
#include "kernel/pktbuf.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/mem.h"

struct pktpool {
    char name[24];
    uint32_t count;
    uint16_t block_size;
    uint8_t *mem;        /* count * block_size bytes */
    bool mem_owned;      /* from kmalloc: freed at destroy */
    struct pktbuf *bufs; /* count descriptors */
    struct pktbuf **free_stack;
    uint32_t nfree;
    uint32_t low_water;
    uint64_t allocs, alloc_fails;
    struct pktpool *next; /* registry */
};

static struct pktpool *pools;
static struct pktpool *default_pool;

static void pkt_reset(struct pktbuf *p)
{
    p->next = NULL;
    p->frag = NULL;
    p->rx_ns = 0;
    p->flags = 0;
    p->data_off = PKT_HEADROOM < p->cap ? PKT_HEADROOM : 0;
    p->len = 0;
    p->ifindex = 0xffff;
    for (int i = 0; i < PKT_NLAYERS; i++) {
        p->layer[i] = PKT_LAYER_UNSET;
        p->lend[i] = PKT_LAYER_UNSET;
    }
    for (int i = 0; i < 4; i++)
        p->meta[i] = 0;
    p->csum_start = 0;
    p->csum_offset = 0;
    p->gso_size = 0;
}

struct pktpool *pktpool_create(const char *name, uint32_t count, uint16_t block_size,
                               void *(*alloc)(void *ctx, size_t bytes), void *ctx)
{
    if (count == 0 || block_size < 64)
        return NULL;
    struct pktpool *pool = kmalloc(sizeof *pool);
    if (!pool)
        return NULL;
    kstrlcpy(pool->name, name, sizeof pool->name);
    pool->count = count;
    pool->block_size = block_size;
    size_t bytes = (size_t)count * block_size;
    if (alloc) {
        pool->mem = alloc(ctx, bytes);
        pool->mem_owned = false;
    } else {
        pool->mem = kmalloc_raw(bytes, 64); /* blocks are written before they are read */
        pool->mem_owned = true;
    }
    pool->bufs = kmalloc(sizeof(struct pktbuf) * count);
    pool->free_stack = kmalloc(sizeof(struct pktbuf *) * count);
    if (!pool->mem || !pool->bufs || !pool->free_stack) {
        if (pool->mem_owned)
            kfree(pool->mem);
        kfree(pool->bufs);
        kfree(pool->free_stack);
        kfree(pool);
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct pktbuf *p = &pool->bufs[i];
        p->block = pool->mem + (size_t)i * block_size;
        p->pool = pool;
        p->cap = block_size;
        p->refcnt = 0;
        pkt_reset(p);
        pool->free_stack[count - 1 - i] = p;
    }
    pool->nfree = count;
    pool->low_water = count;
    pool->next = pools;
    pools = pool;
    return pool;
}

int pktpool_destroy(struct pktpool *pool)
{
    if (!pool)
        return 0;
    if (pool->nfree != pool->count)
        return -KE_AGAIN;
    for (struct pktpool **pp = &pools; *pp; pp = &(*pp)->next) {
        if (*pp == pool) {
            *pp = pool->next;
            break;
        }
    }
    if (default_pool == pool)
        default_pool = NULL;
    if (pool->mem_owned)
        kfree(pool->mem);
    kfree(pool->bufs);
    kfree(pool->free_stack);
    kfree(pool);
    return 0;
}

struct pktpool *pktpool_default(void)
{
    return default_pool;
}

void pktpool_set_default(struct pktpool *pool)
{
    default_pool = pool;
}

struct pktbuf *pkt_alloc(struct pktpool *pool)
{
    if (!pool)
        return NULL;
    if (pool->nfree == 0) {
        pool->alloc_fails++;
        return NULL;
    }
    struct pktbuf *p = pool->free_stack[--pool->nfree];
    if (pool->nfree < pool->low_water)
        pool->low_water = pool->nfree;
    pool->allocs++;
    pkt_reset(p);
    p->refcnt = 1;
    return p;
}

struct pktbuf *pkt_ref(struct pktbuf *p)
{
    if (p->refcnt == 0xffff)
        kpanic("pktbuf %p: reference count overflow", (void *)p);
    p->refcnt++;
    return p;
}

void pkt_free(struct pktbuf *p)
{
    while (p != NULL) {
        if (p->refcnt == 0)
            kpanic("pktbuf %p of pool %s: freed twice", (void *)p, p->pool->name);
        if (--p->refcnt)
            return;
        struct pktpool *pool = p->pool;
        struct pktbuf *frag = p->frag; /* the chain's next segment: its reference goes too */
        p->next = NULL;
        p->frag = NULL;
        pool->free_stack[pool->nfree++] = p;
        p = frag;
    }
}

int pkt_chain(struct pktbuf *head, struct pktbuf *seg)
{
    if (pkt_total_len(head) + pkt_total_len(seg) > 0xffffu)
        return -KE_TOOBIG;
    struct pktbuf *last = head;
    while (last->frag != NULL)
        last = last->frag;
    last->frag = seg;
    return 0;
}

struct pktbuf *pkt_linearize(struct pktbuf *p, struct pktpool *big)
{
    if (p->frag == NULL)
        return p;
    uint32_t total = pkt_total_len(p);
    struct pktpool *try[3] = { p->pool, default_pool, big };
    struct pktbuf *c = NULL;
    for (unsigned i = 0; i < 3 && c == NULL; i++) {
        if (try[i] == NULL || (uint32_t)p->data_off + total > try[i]->block_size)
            continue;
        c = pkt_alloc(try[i]);
    }
    if (c == NULL) {
        pkt_free(p);
        return NULL;
    }
    c->data_off = p->data_off;
    c->len = 0;
    for (const struct pktbuf *s = p; s != NULL; s = s->frag)
        memcpy(pkt_append(c, s->len), pkt_data(s), s->len);
    for (int i = 0; i < PKT_NLAYERS; i++) {
        c->layer[i] = p->layer[i];
        c->lend[i] = PKT_LAYER_UNSET; /* the views now run on to the end of the data */
    }
    c->flags = p->flags;
    c->ifindex = p->ifindex;
    c->rx_ns = p->rx_ns;
    for (int i = 0; i < 4; i++)
        c->meta[i] = p->meta[i];
    c->csum_start = p->csum_start;
    c->csum_offset = p->csum_offset;
    c->gso_size = p->gso_size;
    pkt_free(p);
    return c;
}

uint32_t pkt_sum(const struct pktbuf *p, uint32_t off, uint32_t len)
{
    uint64_t sum = 0;
    bool odd = false; /* an odd number of bytes summed so far: the next byte is a low byte */
    for (; p != NULL && len > 0; p = p->frag) {
        if (off >= p->len) {
            off -= p->len;
            continue;
        }
        uint32_t n = p->len - off < len ? p->len - off : len;
        const uint8_t *d = pkt_data(p) + off;
        if (odd) {
            sum += d[0];
            d++;
            n--;
            len--;
            odd = false;
        }
        sum += inet_csum_add(0, d, n & ~1u);
        if (n & 1u) {
            sum += (uint32_t)d[n - 1] << 8;
            odd = true;
        }
        len -= n;
        off = 0;
    }
    while (sum >> 32)
        sum = (sum & 0xffffffffu) + (sum >> 32);
    return (uint32_t)sum;
}

uint8_t *pkt_push(struct pktbuf *p, uint16_t n)
{
    if (p->data_off < n)
        return NULL;
    p->data_off = (uint16_t)(p->data_off - n);
    p->len = (uint16_t)(p->len + n);
    return pkt_data(p);
}

uint8_t *pkt_pull(struct pktbuf *p, uint16_t n)
{
    if (p->len < n)
        return NULL;
    p->data_off = (uint16_t)(p->data_off + n);
    p->len = (uint16_t)(p->len - n);
    return pkt_data(p);
}

uint8_t *pkt_append(struct pktbuf *p, uint16_t n)
{
    if (pkt_tailroom(p) < n)
        return NULL;
    uint8_t *t = pkt_data(p) + p->len;
    p->len = (uint16_t)(p->len + n);
    return t;
}

int pkt_trim(struct pktbuf *p, uint16_t len)
{
    if (len > p->len)
        return -KE_RANGE;
    p->len = len;
    return 0;
}

struct pktbuf *pkt_copy(struct pktpool *pool, const struct pktbuf *p)
{
    struct pktbuf *c = pkt_alloc(pool);
    if (!c)
        return NULL;
    uint16_t off = p->data_off;
    if ((uint32_t)off + p->len > c->cap) {
        /* keep the same headroom if it fits, else the default headroom */
        off = c->data_off;
        if ((uint32_t)off + p->len > c->cap) {
            pkt_free(c);
            return NULL;
        }
    }
    c->data_off = off;
    c->len = p->len;
    memcpy(pkt_data(c), pkt_data(p), p->len);
    int32_t shift = (int32_t)off - (int32_t)p->data_off;
    for (int i = 0; i < PKT_NLAYERS; i++) {
        int32_t l = p->layer[i] == PKT_LAYER_UNSET ? -1 : (int32_t)p->layer[i] + shift;
        int32_t e = p->lend[i] == PKT_LAYER_UNSET ? -1 : (int32_t)p->lend[i] + shift;
        c->layer[i] = (l < 0 || l > c->cap) ? PKT_LAYER_UNSET : (uint16_t)l;
        c->lend[i] = (e < 0 || e > c->cap || l < 0) ? PKT_LAYER_UNSET : (uint16_t)e;
    }
    c->flags = p->flags;
    c->ifindex = p->ifindex;
    c->rx_ns = p->rx_ns;
    for (int i = 0; i < 4; i++)
        c->meta[i] = p->meta[i];
    c->csum_start = p->csum_start;
    c->csum_offset = p->csum_offset;
    c->gso_size = p->gso_size;
    if (p->frag != NULL)
        c->frag = pkt_ref(p->frag); /* the chained segments are shared, not copied */
    return c;
}

struct pktbuf *pkt_unshare(struct pktbuf *p)
{
    if (pkt_writable(p))
        return p;
    struct pktbuf *copy = pkt_copy(p->pool, p);
    if (!copy)
        copy = pkt_copy(default_pool, p);
    pkt_free(p);
    return copy;
}

void pktpool_get_stats(const struct pktpool *pool, struct pktpool_stats *st)
{
    st->name = pool->name;
    st->count = pool->count;
    st->out = pool->count - pool->nfree;
    st->low_water = pool->low_water;
    st->allocs = pool->allocs;
    st->alloc_fails = pool->alloc_fails;
}

uint32_t pktpool_out(const struct pktpool *pool)
{
    return pool->count - pool->nfree;
}

bool pktpool_all_full(void)
{
    for (struct pktpool *p = pools; p; p = p->next)
        if (p->nfree != p->count)
            return false;
    return true;
}

void pktpool_foreach(void (*cb)(const struct pktpool *pool, void *ctx), void *ctx)
{
    for (struct pktpool *p = pools; p; p = p->next)
        cb(p, ctx);
}

void pktpool_memory(const struct pktpool *pool, void **base, size_t *bytes)
{
    *base = pool->mem;
    *bytes = (size_t)pool->count * pool->block_size;
}
