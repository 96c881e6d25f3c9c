/*
 * tests/unit/router/test_gro_table.c — the coalescing library itself
 * (apps/router/gro.h gro_offer, gro_flush) on datagrams whose views are
 * set as the IPv4 node sets them: what the router cannot easily show —
 * the output interface and next hop as part of a connection's identity,
 * the table's eight connections, a segment that cannot merge emitting its
 * connection first, a later fragment emitting every connection of its
 * addresses, a device-validated checksum taken on trust — and that every
 * buffer returns to its pool.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "apps/router/gro.h"
#include "grokit.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"
#include "testkit.h"

/* What the table emitted, in order. */
static struct emitted {
    unsigned n;
    struct pktbuf *pkt[64];
    uint16_t ifindex[64];
    uint32_t next_hop[64];
} out;
static uint64_t counters[GRO_NCTR];
static struct gro_table table;

static void collect(void *ctx, struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop)
{
    cr_assert(ctx == (void *)&out);
    cr_assert_lt(out.n, 64u);
    out.pkt[out.n] = pkt;
    out.ifindex[out.n] = ifindex;
    out.next_hop[out.n++] = next_hop;
}

static void setup(void)
{
    testkit_init();
    memset(&out, 0, sizeof out);
    memset(&table, 0, sizeof table);
    memset(counters, 0, sizeof counters);
    table.ctr = counters;
}

/* pkt_of - a received buffer holding @s's frame, views as ether and ipv4 set them. */
static struct pktbuf *pkt_of(const struct gk_seg *s)
{
    uint8_t f[GK_MAX_FRAME];
    size_t n = gk_frame(f, s);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    memcpy(pkt_append(p, (uint16_t)n), f, n);
    uint16_t total = load_be16(f + 16);
    pkt_set_view(p, PKT_L2, p->data_off, (uint16_t)n);
    pkt_set_view(p, PKT_L3, (uint16_t)(p->data_off + 14), total);
    pkt_set_view(p, PKT_L4, (uint16_t)(p->data_off + 34), (uint16_t)(total - 20));
    return p;
}

static bool offer(struct pktbuf *p, uint16_t ifindex, uint32_t next_hop)
{
    return gro_offer(&table, p, ifindex, next_hop, collect, &out);
}

/* segs_of - segments in emitted frame @i. */
static unsigned segs_of(unsigned i)
{
    unsigned k = 0;
    for (const struct pktbuf *b = out.pkt[i]; b != NULL; b = b->frag)
        k++;
    return k;
}

static void end(void)
{
    for (unsigned i = 0; i < out.n; i++)
        pkt_free(out.pkt[i]);
    cr_assert(testkit_pool_full(), "every buffer back");
}

static const struct gk_seg FLOW = { .tsval = 7 };

TestSuite(gro_table, .init = setup);

Test(gro_table, another_output_interface_or_next_hop_is_another_connection)
{
    struct gk_seg s[3];
    gk_train(s, 3, &FLOW, 1, 1, 1000);
    cr_assert(offer(pkt_of(&s[0]), 1, 0x0a010002u));
    cr_assert(offer(pkt_of(&s[1]), 2, 0x0a010002u));
    cr_assert_eq(out.n, 1, "the first emitted when the second cannot join it");
    cr_assert(offer(pkt_of(&s[2]), 2, 0x0a010003u));
    gro_flush(&table, collect, &out);
    cr_assert_eq(out.n, 3);
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(segs_of(i), 1);
        cr_assert_eq(out.pkt[i]->flags & PKT_F_GSO_TCPV4, 0);
        cr_assert_eq(load_be32(pkt_layer_ptr(out.pkt[i], PKT_L4) + 4), s[i].seq, "in order");
    }
    cr_assert_eq(out.ifindex[1], 2);
    cr_assert_eq(out.next_hop[2], 0x0a010003u);
    cr_assert_eq(counters[GRO_MERGED], 0);
    end();
}

Test(gro_table, a_ninth_connection_emits_the_oldest)
{
    struct gk_seg s[9];
    for (unsigned i = 0; i < 9; i++) {
        s[i] = FLOW;
        s[i].sport = (uint16_t)(41000 + i);
        s[i].payload = 100;
        cr_assert(offer(pkt_of(&s[i]), 1, 9));
        cr_assert_eq(out.n, i < GRO_MAX_FLOWS ? 0u : 1u);
    }
    cr_assert_eq(table.n, GRO_MAX_FLOWS);
    gro_flush(&table, collect, &out);
    cr_assert_eq(table.n, 0);
    cr_assert_eq(out.n, 9);
    for (unsigned i = 0; i < 9; i++)
        cr_assert_eq(load_be16(pkt_layer_ptr(out.pkt[i], PKT_L4)), 41000 + i, "oldest first");
    end();
}

Test(gro_table, what_is_not_tcp_is_refused_untouched)
{
    struct gk_seg s = FLOW;
    s.payload = 100;
    cr_assert(offer(pkt_of(&s), 1, 9));
    struct gk_seg u = FLOW;
    u.payload = 100;
    u.seq = 100;
    struct pktbuf *p = pkt_of(&u);
    pkt_layer_ptr(p, PKT_L3)[9] = 17; /* UDP */
    cr_assert_not(offer(p, 1, 9));
    cr_assert_eq(table.n, 1, "the held segment stays held");
    cr_assert_eq(out.n, 0);
    pkt_free(p);
    gro_flush(&table, collect, &out);
    end();
}

Test(gro_table, a_segment_that_cannot_merge_follows_its_connection)
{
    struct gk_seg s[3];
    gk_train(s, 3, &FLOW, 1, 1, 1000);
    s[2].flags = 0x11; /* FIN */
    cr_assert(offer(pkt_of(&s[0]), 1, 9));
    cr_assert(offer(pkt_of(&s[1]), 1, 9));
    struct pktbuf *fin = pkt_of(&s[2]);
    cr_assert_not(offer(fin, 1, 9), "the caller sends the FIN itself");
    cr_assert_eq(out.n, 1, "after the super-frame of what came before");
    cr_assert_eq(segs_of(0), 2);
    cr_assert(out.pkt[0]->flags & PKT_F_GSO_TCPV4);
    cr_assert_eq(counters[GRO_MERGED], 1);
    cr_assert_eq(counters[GRO_FLUSHES], 1);
    pkt_free(fin);
    end();
}

Test(gro_table, a_later_fragment_emits_every_connection_of_its_addresses)
{
    struct gk_seg a = FLOW, b = FLOW, c = FLOW;
    a.payload = b.payload = c.payload = 100;
    b.sport = 40001;
    c.src = 0x0a000003u;
    cr_assert(offer(pkt_of(&a), 1, 9));
    cr_assert(offer(pkt_of(&b), 1, 9));
    cr_assert(offer(pkt_of(&c), 1, 9));
    struct gk_seg f = FLOW;
    f.payload = 100;
    f.frag = 0x0010; /* offset 128 bytes: no TCP header in it */
    struct pktbuf *fp = pkt_of(&f);
    cr_assert_not(offer(fp, 1, 9));
    cr_assert_eq(out.n, 2, "both connections between 10.0.0.2 and 10.1.0.2");
    cr_assert_eq(table.n, 1, "10.0.0.3's stays held");
    pkt_free(fp);
    gro_flush(&table, collect, &out);
    end();
}

Test(gro_table, a_checksum_the_device_validated_is_not_checked_again)
{
    struct gk_seg s[2];
    gk_train(s, 2, &FLOW, 1, 1, 1000);
    s[1].bad_tcp_csum = true;
    struct pktbuf *p0 = pkt_of(&s[0]), *p1 = pkt_of(&s[1]);
    p0->flags |= PKT_F_CSUM_VALID;
    p1->flags |= PKT_F_CSUM_VALID; /* the device says so: taken on trust */
    cr_assert(offer(p0, 1, 9));
    cr_assert(offer(p1, 1, 9));
    gro_flush(&table, collect, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(segs_of(0), 2);
    cr_assert_eq(counters[GRO_BAD_CSUM], 0);
    cr_assert_eq(out.pkt[0]->flags & PKT_F_CSUM_VALID, 0, "a transmit frame claims no validation");
    end();
}

Test(gro_table, the_largest_super_frame_fits_a_datagram)
{
    /* 16 segments of the largest payload a 1518-byte frame carries */
    struct gk_seg s[GRO_MAX_SEGS];
    gk_train(s, GRO_MAX_SEGS, &FLOW, 1, 1, 1448);
    for (unsigned i = 0; i < GRO_MAX_SEGS; i++)
        cr_assert(offer(pkt_of(&s[i]), 1, 9));
    cr_assert_eq(out.n, 1, "emitted as soon as it is full");
    cr_assert_eq(segs_of(0), GRO_MAX_SEGS);
    uint32_t total = 0;
    for (const struct pktbuf *b = out.pkt[0]; b != NULL; b = b->frag)
        total += b == out.pkt[0] ? pkt_layer_len(b, PKT_L3) : b->len;
    cr_assert_eq(total, load_be16(pkt_layer_ptr(out.pkt[0], PKT_L3) + 2), "IPv4 total length");
    cr_assert_leq(total, 65535u);
    end();
}
