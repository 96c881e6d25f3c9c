/*
 * tests/unit/protocols/aal5/test_aal5_traces.c — the AAL5 node and
 * aal5-echo on the traces of tests/traces/ (testkit_traces()):
 *  - malformed-aal5.pcap (make-malformed-aal5.py): frame by frame, exactly
 *    the counters malformed-aal5.expect names go up, every valid PDU on VC
 *    0/32 is answered, and at the end no buffer is out (pktpool_all_full);
 *  - aal5-echo.pcap (captured): the peer's frames replayed, spindle's
 *    answers equal the captured ones byte for byte, in order.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/aal5-echo/aal5_echo.h"
#include "netgraph/extension.h"
#include "kernel/kerr.h"
#include "kernel/stats.h"
#include "protocols/aal5/aal5.h"
#include "protocols/aal5/aal5_impl.h"
#include "protocols/ether/ether.h"
#include "testkit.h"

static const uint8_t APP_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static struct netif *ifp;
static void *echo;

static void setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(aal5_init(), 0);
    ifp = testkit_netif("eth0", APP_MAC, NULL);
    struct kparams p = { .n = 1, .key = { "vc" }, .value = { "0/32" } };
    char err[200];
    cr_assert_eq(
        kext_create(kext_class_find("aal5-echo"), &p, (struct kext **)&echo, err, sizeof err), 0,
        "%s", err);
}

static void teardown(void)
{
    kext_destroy(echo);
    testkit_drain(ifp);
    aal5_fini();
    ether_fini();
    netif_destroy_all();
    testkit_fini_pool_full();
}

TestSuite(aal5_traces, .init = setup, .fini = teardown);

static pcap_t *open_trace(const char *name)
{
    const char *dir = testkit_traces();
    char path[512], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pcap_t *p = pcap_open_offline(path, err);
    cr_assert_not_null(p, "%s: %s", path, err);
    return p;
}

/* counter_index - the index of aal5 counter @name, or -1. */
static int counter_index(const char *name)
{
    for (unsigned i = 0; i < AAL5_RX_NCTR; i++)
        if (strcmp(aal5_rx_ctr_names[i], name) == 0)
            return (int)i;
    if (strcmp(name, "unhandled") == 0)
        return AAL5_UNHANDLED;
    return -1;
}

/* parse_expect - line "N NAME[*K] ..." into want[] (deltas per counter); returns N. */
static long parse_expect(char *line, uint64_t want[AAL5_NCTR])
{
    memset(want, 0, sizeof(uint64_t) * AAL5_NCTR);
    char *save = NULL;
    char *tok = strtok_r(line, " \n", &save);
    long n = strtol(tok, NULL, 10);
    while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
        if (strcmp(tok, "-") == 0)
            continue;
        uint64_t times = 1;
        char *star = strchr(tok, '*');
        if (star != NULL) {
            *star = '\0';
            times = strtoull(star + 1, NULL, 10);
        }
        int i = counter_index(tok);
        cr_assert_geq(i, 0, "unknown counter '%s' in the expect file", tok);
        want[i] += times;
    }
    return n;
}

/* Counters every frame moves, not listed in the expect file. */
static bool always_moves(unsigned i)
{
    return i == AAL5_RX_FRAMES || i == AAL5_RX_CELLS || i == AAL5_RX_BYTES || i >= AAL5_TX_PDUS;
}

Test(aal5_traces, malformed_frames_are_counted_and_dropped)
{
    pcap_t *p = open_trace("malformed-aal5.pcap");
    const char *dir = testkit_traces();
    char path[512], line[256];
    snprintf(path, sizeof path, "%s/malformed-aal5.expect", dir);
    FILE *ex = fopen(path, "r");
    cr_assert_not_null(ex, "%s missing: run make-malformed-aal5.py", path);
    struct pcap_pkthdr *h;
    const u_char *data;
    long frame = 0;
    uint64_t before[AAL5_NCTR], want[AAL5_NCTR], pdus_032 = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        do
            cr_assert_not_null(fgets(line, sizeof line, ex), "expect file ends before frame %ld",
                               frame);
        while (line[0] == '#');
        cr_assert_eq(parse_expect(line, want), frame, "expect file out of step at frame %ld",
                     frame);
        memcpy(before, aal5_ctr, sizeof before);
        unsigned sent = testkit_sent_count(ifp);
        testkit_inject(ifp, data, h->caplen);
        for (unsigned i = 0; i < AAL5_NCTR; i++) {
            if (always_moves(i))
                continue;
            cr_assert_eq(
                aal5_ctr[i] - before[i], want[i], "frame %ld: %s went up by %llu, not %llu", frame,
                i < AAL5_RX_NCTR ? aal5_rx_ctr_names[i] : "unhandled",
                (unsigned long long)(aal5_ctr[i] - before[i]), (unsigned long long)want[i]);
        }
        bool answered_vc = want[AAL5_RX_PDUS] > 0 && want[AAL5_UNHANDLED] == 0;
        pdus_032 += answered_vc;
        cr_assert_eq(testkit_sent_count(ifp) > sent, answered_vc, "frame %ld: %s", frame,
                     answered_vc ? "a valid PDU was not answered" : "an answer to a bad frame");
        frame++;
    }
    cr_assert_null(fgets(line, sizeof line, ex),
                   "expect file has more lines than the trace frames");
    fclose(ex);
    pcap_close(p);
    cr_assert_geq(frame, 50);
    cr_assert_eq(aal5_ctr[AAL5_TX_PDUS], pdus_032);
    testkit_drain(ifp);
    /* Nothing of the damaged input is held: the reassembler keeps no buffer, every pool is full. */
    cr_assert(pktpool_all_full(), "a buffer is out after the malformed trace");
}

Test(aal5_traces, captured_echo_replays_byte_for_byte)
{
    pcap_t *p = open_trace("aal5-echo.pcap");
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned from_peer = 0, from_app = 0, compared = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        cr_assert_geq(h->caplen, 14u);
        cr_assert_eq(h->caplen, h->len, "a truncated frame in the capture");
        if (memcmp(data + 6, PEER_MAC, 6) == 0) {
            from_peer++;
            testkit_inject(ifp, data, h->caplen);
            continue;
        }
        cr_assert(memcmp(data + 6, APP_MAC, 6) == 0, "a frame from a third MAC");
        from_app++;
        struct pktbuf *f = testkit_sent(ifp);
        cr_assert_not_null(f, "captured answer %u was not sent", from_app);
        cr_assert_eq(f->len, h->caplen, "answer %u: %u bytes, captured %u", from_app, f->len,
                     h->caplen);
        cr_assert(memcmp(pkt_data(f), data, h->caplen) == 0, "answer %u differs", from_app);
        pkt_free(f);
        compared++;
    }
    pcap_close(p);
    cr_assert_gt(from_peer, 0);
    cr_assert_gt(compared, 0);
    cr_assert_eq(testkit_sent_count(ifp), 0, "spindle sent more than was captured");
    cr_assert_eq(aal5_ctr[AAL5_UNHANDLED], 1, "the PDU on 0/33");
    cr_assert_eq(aal5_ctr[AAL5_OVERSIZE], 1, "the 65535-byte PDU");
    cr_assert_eq(aal5_ctr[AAL5_BAD_CRC] + aal5_ctr[AAL5_BAD_HEC] + aal5_ctr[AAL5_BAD_LENGTH], 0);
}
