/*
 * tests/unit/protocols/aal5/test_aal5.c — the AAL5 node (protocols/aal5/
 * aal5.h) through the real receive path (loop port, ether, aal5): what a
 * delivered PDU carries (payload, cell header at PKT_L3, meta), guards on
 * the VCI selecting handlers, reassembly per source MAC, the timeout
 * timer, the largest payload, counters; and aal5_send (frames, refusals,
 * all-or-nothing allocation). Every test ends with the pools full.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"
#include "protocols/aal5/aal5.h"
#include "protocols/ether/ether.h"
#include "sarkit.h"
#include "testkit.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t PEER2_MAC[6] = { 0x02, 0, 0, 0, 0, 0x03 };

static struct netif *ifp;
static struct sk k; /* decodes what the node sends */
static uint8_t pay[AAL5_MAX_PAYLOAD];
static uint8_t frame[14 + AAL5_FRAME_MAX];

/* What a handler saw. */
struct seen {
    unsigned n;
    struct aal5_rx_info info;
    uint32_t l3_word;
    bool l3_right_before_data;
    bool payload_ok;
    int result;
};
static struct seen seen_a, seen_b;

static int on_pdu(void *ctx, struct pktbuf *pdu)
{
    struct seen *s = ctx;
    s->n++;
    aal5_rx_info(pdu, &s->info);
    const uint8_t *l3 = pkt_layer_ptr(pdu, PKT_L3);
    s->l3_word = l3 ? load_be32(l3) : 0;
    s->l3_right_before_data =
        l3 && l3 + AAL5_RX_HDR_LEN == pkt_data(pdu) && pkt_layer_ptr(pdu, PKT_L5) == pkt_data(pdu);
    s->payload_ok = memcmp(pkt_data(pdu), pay, pdu->len) == 0;
    return s->result;
}

static uint64_t ctr(const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find("aal5", name, &v), 0, "no counter aal5.%s", name);
    return v;
}

static void setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(aal5_init(), 0);
    ifp = testkit_netif("eth0", OUR_MAC, NULL);
    sk_setup(&k, sk_params(), 64, 2);
    sk_pattern(pay, sizeof pay, 77);
    memset(&seen_a, 0, sizeof seen_a);
    memset(&seen_b, 0, sizeof seen_b);
    seen_a.result = seen_b.result = KH_TAKEN;
}

static void teardown(void)
{
    testkit_drain(ifp);
    sk_teardown(&k);
    aal5_fini();
    ether_fini();
    netif_destroy_all();
    testkit_fini_pool_full();
}

TestSuite(aal5, .init = setup, .fini = teardown);

/* Inject @c from @src in frames of @per cells. */
static void inject(const struct sk_cells *c, const uint8_t *src, unsigned per)
{
    for (size_t i = 0; i < c->n; i += per) {
        size_t n = c->n - i < per ? c->n - i : per;
        testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, src, c, i, n));
    }
}

static void inject_pdu(uint32_t len, uint8_t vpi, uint16_t vci, uint8_t uu, const uint8_t *src)
{
    struct sk_cells c = sk_segment(pay, len, vpi, vci, uu);
    inject(&c, src, AAL5_CELLS_PER_FRAME);
    free(c.b);
}

static struct khandler *install(struct seen *s, struct kguard g)
{
    struct khandler *h = NULL;
    cr_assert_eq(aal5_PacketArrived_install(on_pdu, s, &g, NULL, &h), 0);
    return h;
}

Test(aal5, delivered_pdu_carries_payload_header_and_sender)
{
    install(&seen_a, aal5_guard_vci(32));
    inject_pdu(3000, 5, 32, 0x42, PEER_MAC);
    cr_assert_eq(seen_a.n, 1);
    cr_assert(seen_a.payload_ok);
    cr_assert_eq(seen_a.info.len, 3000);
    cr_assert_eq(seen_a.info.vpi, 5);
    cr_assert_eq(seen_a.info.vci, 32);
    cr_assert_eq(seen_a.info.uu, 0x42);
    cr_assert_eq(seen_a.info.pti, ATM_PTI_AUU);
    cr_assert_eq(seen_a.info.clp, 0);
    cr_assert_eq(seen_a.info.cells, AAL5_PDU_CELLS(3000));
    cr_assert_eq(seen_a.info.ifindex, ifp->index);
    cr_assert_arr_eq(seen_a.info.src_mac, PEER_MAC, 6);
    cr_assert(seen_a.l3_right_before_data);
    /* the last cell's header without HEC: VPI 5, VCI 32, PTI 001, CLP 0 */
    cr_assert_eq(seen_a.l3_word, 5u << 20 | 32u << 4 | ATM_PTI_AUU << 1);
    cr_assert_eq(ctr("rx_pdus"), 1);
    cr_assert_eq(ctr("rx_bytes"), 3000);
    cr_assert_eq(ctr("rx_frames"), 3);
}

Test(aal5, guards_on_the_vci_select_the_handler)
{
    install(&seen_a, aal5_guard_vci(32));
    install(&seen_b, aal5_guard_vc(1, 33));
    inject_pdu(100, 0, 32, 0, PEER_MAC);
    inject_pdu(100, 7, 32, 0, PEER_MAC); /* any VPI for the VCI guard */
    inject_pdu(100, 1, 33, 0, PEER_MAC);
    inject_pdu(100, 2, 33, 0, PEER_MAC); /* wrong VPI for the VC guard */
    inject_pdu(100, 0, 34, 0, PEER_MAC); /* nobody */
    cr_assert_eq(seen_a.n, 2);
    cr_assert_eq(seen_b.n, 1);
    cr_assert_eq(seen_b.info.vpi, 1);
    cr_assert_eq(ctr("unhandled"), 2);
    cr_assert_eq(ctr("rx_pdus"), 5);
}

Test(aal5, reassembly_is_per_sender)
{
    install(&seen_a, aal5_guard_vci(32));
    struct sk_cells a = sk_segment(pay, 2000, 0, 32, 1);
    struct sk_cells b = sk_segment(pay, 2000, 0, 32, 2);
    for (size_t i = 0; i < a.n; i++) {
        testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, PEER_MAC, &a, i, 1));
        testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, PEER2_MAC, &b, i, 1));
    }
    cr_assert_eq(seen_a.n, 2);
    cr_assert(seen_a.payload_ok);
    cr_assert_arr_eq(seen_a.info.src_mac, PEER2_MAC, 6);
    cr_assert_eq(ctr("bad_crc"), 0);
    free(a.b);
    free(b.b);
}

Test(aal5, largest_payload_and_one_byte_more)
{
    install(&seen_a, aal5_guard_vci(40));
    inject_pdu(AAL5_RX_MAX_PAYLOAD, 0, 40, 0, PEER_MAC);
    cr_assert_eq(seen_a.n, 1);
    cr_assert_eq(seen_a.info.len, AAL5_RX_MAX_PAYLOAD);
    cr_assert(seen_a.payload_ok);
    cr_assert(seen_a.l3_right_before_data);
    inject_pdu(AAL5_RX_MAX_PAYLOAD + 1, 0, 40, 0, PEER_MAC);
    inject_pdu(AAL5_MAX_PAYLOAD, 0, 40, 0, PEER_MAC);
    cr_assert_eq(seen_a.n, 1);
    cr_assert_eq(ctr("oversize"), 2);
}

Test(aal5, timer_drops_an_unfinished_pdu)
{
    struct sk_cells c = sk_segment(pay, 3000, 0, 32, 0);
    testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, PEER_MAC, &c, 0, 28));
    testkit_advance(AAL5_REASM_TIMEOUT_NS - 1);
    cr_assert_eq(ctr("timeouts"), 0);
    testkit_advance(1);
    cr_assert_eq(ctr("timeouts"), 1);
    free(c.b);
}

Test(aal5, malformed_frame_is_counted)
{
    struct sk_cells c = sk_segment(pay, 100, 0, 32, 0);
    size_t n = sk_frame(frame, OUR_MAC, PEER_MAC, &c, 0, c.n);
    testkit_inject(ifp, frame, n - 1);
    cr_assert_eq(ctr("bad_frame_len"), 1);
    cr_assert_eq(ctr("rx_cells"), 0);
    free(c.b);
}

Test(aal5, send_segments_into_frames)
{
    const uint32_t lens[] = { 1, 40, 1000, 1484, 20000, AAL5_MAX_PAYLOAD };
    for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        struct pktbuf *p = pkt_alloc(pktpool_default());
        uint32_t len = lens[i] < 1900 ? lens[i] : 1900;
        memcpy(pkt_append(p, (uint16_t)len), pay, len);
        if (lens[i] > len) { /* large payloads in a buffer of their own */
            pkt_free(p);
            p = sk_big_buf(&k, pay, lens[i]);
        }
        cr_assert_eq(aal5_send_uu(ifp, PEER_MAC, 3, 300, (uint8_t)i, p), 0);
        unsigned frames = 0;
        int pdus = 0;
        struct pktbuf *f;
        while ((f = testkit_sent(ifp)) != NULL) {
            pdus += sk_input_frame(&k, f, PEER_MAC, OUR_MAC);
            frames++;
            pkt_free(f);
        }
        cr_assert_eq(frames, (AAL5_PDU_CELLS(lens[i]) + 27) / 28, "length %u", lens[i]);
        cr_assert_eq(pdus, 1);
        struct aal5_pdu_info info;
        struct pktbuf *got = sk_take(&k, &info);
        cr_assert_eq(got->len, lens[i]);
        cr_assert(memcmp(pkt_data(got), pay, lens[i]) == 0);
        cr_assert_eq(info.last.vpi, 3);
        cr_assert_eq(info.last.vci, 300);
        cr_assert_eq(info.uu, i);
        pkt_free(got);
    }
    cr_assert_eq(ctr("tx_pdus"), 6);
}

Test(aal5, send_refuses_bad_arguments_and_frees_the_payload)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_eq(aal5_send(ifp, PEER_MAC, 0, 32, p), -KE_INVAL); /* length 0 */
    p = pkt_alloc(pktpool_default());
    pkt_append(p, 10);
    cr_assert_eq(aal5_send(ifp, PEER_MAC, 0, 0, p), -KE_INVAL); /* VCI 0 */
    cr_assert_eq(aal5_send(ifp, PEER_MAC, 0, 32, NULL), -KE_INVAL);
    cr_assert_eq(ctr("tx_invalid"), 3);
    cr_assert_eq(testkit_sent_count(ifp), 0);
}

Test(aal5, send_is_all_or_nothing_when_buffers_are_short)
{
    /* Leave 10 buffers in the default pool: a PDU of 20000 bytes needs 15 frames. */
    static struct pktbuf *hold[1024];
    unsigned h = 0;
    struct pktbuf *p = sk_big_buf(&k, pay, 20000);
    while (h < 1024 && (hold[h] = pkt_alloc(pktpool_default())) != NULL)
        h++;
    for (unsigned i = 0; i < 10; i++)
        pkt_free(hold[--h]);
    cr_assert_eq(aal5_send(ifp, PEER_MAC, 0, 32, p), -KE_NOMEM);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(ctr("tx_nomem"), 1);
    while (h > 0)
        pkt_free(hold[--h]);
}

Test(aal5, fini_flushes_pdus_in_progress)
{
    struct sk_cells c = sk_segment(pay, 30000, 0, 32, 0);
    testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, PEER_MAC, &c, 0, 28));
    testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, PEER_MAC, &c, 28, 28));
    aal5_fini();
    cr_assert(testkit_pool_full());
    cr_assert_eq(aal5_init(), 0);
    free(c.b);
}
