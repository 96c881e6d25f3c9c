/*
 * tests/unit/apps/test_am_traces.c — the "am" extension on
 * tests/traces/malformed-am.pcap (make-malformed-am.py; directory in
 * testkit_traces()), frame by frame in a whole appliance (conskit.h, the lab
 * server's address, extension am port=9000 and am vc=0/40): each frame does
 * exactly what malformed-am.expect says (one response of the named type, or
 * one malformed count under the named reason and nothing sent, or one count
 * of a well-formed message that gets no answer), and at the end every
 * buffer is back in its pool.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../console/conskit.h"
#include "../protocols/aal5/sarkit.h"

#include "apps/am/am.h"
#include "kernel/klib.h"
#include "kernel/stats.h"

static const uint8_t APP_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const char *const NODES[2] = { "am:udp-9000", "am:aal5-0-40" };

static struct netif *ifp;
static struct sk k;

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
                           "address eth0 10.77.0.2/24\n"
                           "extension am port=9000\n"
                           "extension am vc=0/40\n";

static void setup(void)
{
    ifp = ck_appliance(conf);
    sk_setup(&k, sk_params(), 16, 2);
}

static void teardown(void)
{
    testkit_drain(ifp);
    ck_finish();
    sk_teardown(&k);
}

TestSuite(am_traces, .init = setup, .fini = teardown);

/* total - counter @name summed over both endpoints. */
static uint64_t total(const char *name)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < 2; i++) {
        uint64_t v = 0;
        cr_assert_eq(kstats_find(NODES[i], name, &v), 0, "no counter %s.%s", NODES[i], name);
        sum += v;
    }
    return sum;
}

/* answers - the AM responses spindle sent since the last call, types in @types; returns how many. */
static unsigned answers(uint8_t *types, unsigned max, unsigned *arp)
{
    unsigned n = 0;
    struct pktbuf *f;
    while ((f = testkit_sent(ifp)) != NULL) {
        const uint8_t *e = pkt_data(f);
        uint16_t type = load_be16(e + 12);
        struct am_hdr h;
        if (type == 0x0806) {
            (*arp)++;
        } else if (type == 0x0800) {
            const uint8_t *ip = e + 14;
            const uint8_t *u = ip + (ip[0] & 15) * 4;
            cr_assert_eq(ip[9], 17, "only UDP leaves");
            cr_assert_eq(load_be16(u), 9000);
            cr_assert_eq(am_wire_parse(u + 8, load_be16(u + 4) - 8u, &h), AM_W_OK);
            if (n < max)
                types[n] = h.type;
            n++;
        } else {
            cr_assert_eq(type, 0x88b5);
            sk_input_frame(&k, f, PEER_MAC, APP_MAC);
        }
        pkt_free(f);
    }
    while (k.n > 0) {
        struct aal5_pdu_info info;
        struct pktbuf *p = sk_take(&k, &info);
        cr_assert_eq(info.last.vci, 40);
        struct am_hdr h;
        cr_assert_eq(am_wire_parse(pkt_data(p), p->len, &h), AM_W_OK);
        if (n < max)
            types[n] = h.type;
        n++;
        pkt_free(p);
    }
    return n;
}

static uint8_t type_of(const char *name)
{
    if (strcmp(name, "reply") == 0)
        return AM_REPLY;
    if (strcmp(name, "ack") == 0)
        return AM_ACK;
    cr_assert_str_eq(name, "nack");
    return AM_NACK;
}

Test(am_traces, malformed_frame_by_frame)
{
    const char *dir = testkit_traces();
    char path[512], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/malformed-am.expect", dir);
    FILE *ex = fopen(path, "r");
    cr_assert_not_null(ex, "%s", path);
    snprintf(path, sizeof path, "%s/malformed-am.pcap", dir);
    pcap_t *pc = pcap_open_offline(path, err);
    cr_assert_not_null(pc, "%s", err);
    char line[256];
    unsigned frame = 0, answered = 0, malformed = 0;
    struct pcap_pkthdr *ph;
    const u_char *data;
    while (fgets(line, sizeof line, ex) != NULL) {
        if (line[0] == '#')
            continue;
        char what[32] = "", arg[32] = "";
        unsigned no;
        cr_assert_geq(sscanf(line, "%u %31s %31s", &no, what, arg), 2);
        cr_assert_eq(no, frame);
        cr_assert_eq(pcap_next_ex(pc, &ph, &data), 1, "frame %u missing from the trace", frame);
        char counter[48];
        ksnprintf(counter, sizeof counter, "%s%s", strcmp(what, "mal") == 0 ? "mal_" : "", arg);
        uint64_t mal_before = total("malformed");
        bool counted = strcmp(what, "mal") == 0 || strcmp(what, "count") == 0;
        uint64_t ctr_before = counted ? total(counter) : 0;
        ck_inject(ifp, data, ph->caplen);
        ck_poll();
        uint8_t types[4];
        unsigned arp = 0;
        unsigned n = answers(types, 4, &arp);
        uint64_t mal = total("malformed") - mal_before;
        if (strcmp(what, "-") == 0) {
            cr_assert_eq(n, 0, "frame %u: answered", frame);
            cr_assert_eq(mal, 0, "frame %u", frame);
        } else if (strcmp(what, "answer") == 0) {
            cr_assert_eq(n, 1, "frame %u: %u answers, expected one %s", frame, n, arg);
            cr_assert_eq(types[0], type_of(arg), "frame %u: answered %s, expected %s", frame,
                         am_type_name(types[0]), arg);
            cr_assert_eq(mal, 0, "frame %u", frame);
            answered++;
        } else if (strcmp(what, "mal") == 0) {
            cr_assert_eq(n, 0, "frame %u: a malformed message was answered", frame);
            cr_assert_eq(mal, 1, "frame %u: not counted malformed", frame);
            cr_assert_eq(total(counter) - ctr_before, 1, "frame %u: not counted %s", frame,
                         counter);
            malformed++;
        } else {
            cr_assert_str_eq(what, "count");
            cr_assert_eq(n, 0, "frame %u: answered", frame);
            cr_assert_eq(total(counter) - ctr_before, 1, "frame %u: not counted %s", frame,
                         counter);
        }
        frame++;
    }
    cr_assert_eq(pcap_next_ex(pc, &ph, &data), PCAP_ERROR_BREAK, "more frames than expectations");
    pcap_close(pc);
    fclose(ex);
    cr_assert_gt(answered, 5);
    cr_assert_gt(malformed, 20);
    cr_assert_eq(total("malformed"), malformed);
}
