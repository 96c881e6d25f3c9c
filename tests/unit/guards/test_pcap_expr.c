/*
 * tcpdump expressions as guards (guards/pcap_expr.c, guards/bpf_lower.c):
 * which expressions lower into field tests and which stay cBPF, on which
 * event; and that both forms select exactly the frames libpcap's own
 * pcap_offline_filter selects, on every captured trace in tests/traces.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testkit.h"
#include "guards/bpf.h"
#include "guards/dispatch.h"
#include "guards/event_facts.h"
#include "guards/guard_eval.h"
#include "guards/pcap_expr.h"
#include "guards/tree.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"
#include "protocols/icmp/icmp.h"
/* protocols/ipv4/ipv4.h defines IPPROTO_ICMP and IPPROTO_UDP, which <pcap/pcap.h>
 * (through <netinet/in.h>) defines too: declare what this test uses instead. */
extern struct kevent ipv4_LocalArrived;
int ipv4_init(void);
#include "protocols/udp/udp.h"

TestSuite(pcap_expr, .init = testkit_init);

static const char *fmt(const struct kguard *g)
{
    static char buf[256];
    return guard_format(g, buf, sizeof buf);
}

/* lowers_to - @expr on @ev lowers to the guard that formats as @want. */
static void lowers_to(const char *expr, const struct kevent *ev, const char *want)
{
    struct guard_tcpdump *g;
    char err[200];
    cr_assert_eq(guard_from_tcpdump(expr, ev, &g, err, sizeof err), 0, "%s", err);
    cr_assert(g->lowered, "'%s' on %s stayed BPF: %s", expr, ev->name, g->why_not);
    cr_assert_null(g->guard.bpf);
    cr_assert_str_eq(fmt(&g->guard), want, "'%s' on %s", expr, ev->name);
    guard_tcpdump_free(g);
}

/* stays_bpf - @expr on @ev is a verified cBPF guard, for the reason containing @because. */
static void stays_bpf(const char *expr, const struct kevent *ev, const char *because)
{
    struct guard_tcpdump *g;
    char err[200];
    cr_assert_eq(guard_from_tcpdump(expr, ev, &g, err, sizeof err), 0, "%s", err);
    cr_assert_not(g->lowered, "'%s' on %s lowered to %s", expr, ev->name, fmt(&g->guard));
    cr_assert_eq(g->guard.bpf, &g->prog);
    cr_assert(g->prog.verified);
    cr_assert_eq(g->guard.ntests, 0);
    cr_assert(strstr(g->why_not, because) != NULL, "'%s': reason '%s'", expr, g->why_not);
    guard_tcpdump_free(g);
}

Test(pcap_expr, conjunctions_of_fields_lower_on_events_that_know_their_layers)
{
    /* exactly udp_guard_dport(5000): it joins the port switch of the tree */
    struct guard_tcpdump *g;
    char err[200];
    cr_assert_eq(guard_from_tcpdump("udp dst port 5000", &udp_PacketArrived, &g, err, sizeof err),
                 0);
    struct kguard d = udp_guard_dport(5000);
    cr_assert_eq(g->guard.ntests, 1);
    cr_assert_eq(memcmp(&g->guard.test[0], &d.test[0], sizeof d.test[0]), 0);
    guard_tcpdump_free(g);

    lowers_to("ip and udp dst port 5000", &udp_PacketArrived, "L4[2:2]==0x1388");
    lowers_to("udp dst port 5000", &ipv4_LocalArrived, "L3[9:1]==0x11 && L4[2:2]==0x1388");
    lowers_to("udp src port 7 and dst host 10.77.0.2", &udp_PacketArrived,
              "L4[0:2]==0x7 && L3[16:4]==0xa4d0002");
    lowers_to("dst net 10.77.0.0/24", &ipv4_LocalArrived, "L3[16:4]&0xffffff00==0xa4d0000");
    lowers_to("udp dst portrange 1000-2000", &udp_PacketArrived,
              "L4[2:2]>=0x3e8 && L4[2:2]<=0x7d0");
    lowers_to("icmp", &ipv4_LocalArrived, "L3[9:1]==0x1");
    lowers_to("not udp", &ipv4_LocalArrived, "L3[9:1]!=0x11");
    lowers_to("ip proto 17", &ether_PacketArrived, "L2[12:2]==0x800 && L3[9:1]==0x11");
    lowers_to("arp", &ether_PacketArrived, "L2[12:2]==0x806");
    lowers_to("ether src 02:00:00:00:00:01", &ether_PacketArrived,
              "L2[8:4]==0x1 && L2[6:2]==0x200");
    lowers_to("udp[8:2] = 5", &udp_PacketArrived, "L4[8:2]==0x5");
    lowers_to("ip[2:2] > 100", &ether_PacketArrived, "L2[12:2]==0x800 && L3[2:2]>0x64");
    lowers_to("ip proto 17", &udp_PacketArrived, "true"); /* the event guarantees it */
}

Test(pcap_expr, disjunctions_arithmetic_and_unknown_layers_stay_bpf)
{
    stays_bpf("udp port 53", &udp_PacketArrived, "disjunction of 2");
    stays_bpf("host 10.77.0.2", &udp_PacketArrived, "disjunction");
    stays_bpf("net 10.77.0.0/24", &ipv4_LocalArrived, "disjunction");
    stays_bpf("len > 100", &udp_PacketArrived, "not a packet field");
    /* ether.PacketArrived: L4 is not known yet (no IPv4 header parsed) */
    stays_bpf("udp dst port 5000", &ether_PacketArrived, "not a packet field");
    /* an event the facts table does not know: nothing lowers */
    stays_bpf("arp", &dev_PacketArrived, "not a packet field");
    struct guard_facts f;
    guard_event_facts(&udp_PacketArrived, &f);
    struct guard_tcpdump *g;
    char err[200];
    cr_assert_eq(guard_from_tcpdump_facts("udp dst port 5000", &f, GUARD_TCPDUMP_KEEP_BPF, &g, err,
                                          sizeof err),
                 0);
    cr_assert_not(g->lowered);
    guard_tcpdump_free(g);
}

Test(pcap_expr, errors_name_the_expression_and_say_why)
{
    struct guard_tcpdump *g = (void *)1;
    char err[200];
    cr_assert_eq(guard_from_tcpdump("udp dst prot 5", &udp_PacketArrived, &g, err, sizeof err),
                 -KE_INVAL);
    cr_assert_null(g);
    cr_assert(strstr(err, "'udp dst prot 5'") && strstr(err, "unknown host 'prot'"), "%s", err);
    cr_assert_eq(guard_from_tcpdump("", &udp_PacketArrived, &g, err, sizeof err), -KE_INVAL);
    cr_assert_eq(guard_from_tcpdump("tcp dst port 80", &udp_PacketArrived, &g, err, sizeof err),
                 -KE_RANGE);
    cr_assert(strstr(err, "no packet of this event can match"), "%s", err);
    cr_assert_eq(guard_from_tcpdump("arp", &ipv4_LocalArrived, &g, err, sizeof err), -KE_RANGE);
}

/* ---- the traces: both forms agree with pcap_offline_filter ------------------- */

static const char *const exprs[] = {
    "udp dst port 7",
    "udp src port 7",
    "udp dst port 11111",
    "udp port 7",
    "icmp",
    "icmp[0] = 8",
    "dst host 10.77.0.2",
    "src host 10.77.0.1",
    "host 10.81.2.2",
    "arp",
    "ether src 02:00:00:00:00:01",
    "ether broadcast",
    "ip[8] = 64",
    "ip[6:2] & 0x1fff != 0",
    "ip[6:2] & 0x2000 != 0",
    "udp and udp[4:2] > 100",
    "not icmp",
    "len > 100",
    "ip proto 17",
    "udp dst portrange 1-1024",
    "dst net 10.81.2.0/24",
    "ether proto 0x0800 and ip[1] = 0",
    "ip[0] & 0xf > 5",
    "tcp",
    "udp dst port 9 or icmp",
};
#define NEXPR (sizeof exprs / sizeof exprs[0])

struct form {
    struct bpf_program ref; /* libpcap's own */
    struct guard_tcpdump
        *lowered[3];           /* facts: ether, ipv4 local, udp (NULL: not lowered/refused) */
    struct guard_tcpdump *bpf; /* always cBPF */
};

static const struct kevent *const fact_events[3] = { &ether_PacketArrived, &ipv4_LocalArrived,
                                                     &udp_PacketArrived };

/* the frame as the event with facts @fi would see it, or false when it never would */
static bool frame_for(unsigned fi, const uint8_t *d, uint32_t len, struct pktbuf *p)
{
    uint8_t *b = pkt_append(p, (uint16_t)len);
    memcpy(b, d, len);
    pkt_set_layer(p, PKT_L2);
    p->layer[PKT_L3] = (uint16_t)(p->data_off + 14);
    if (fi == 0)
        return true;
    if (len < 34 || load_be16(d + 12) != 0x0800 || (d[14] >> 4) != 4 || (d[14] & 0xf) < 5)
        return false;
    unsigned hlen = (d[14] & 0xfu) * 4;
    if (14 + hlen > len || (load_be16(d + 20) & 0x3fff) != 0)
        return false; /* LocalArrived: whole datagrams only */
    if (fi == 2 && d[23] != 17)
        return false;
    p->layer[PKT_L4] = (uint16_t)(p->data_off + 14 + hlen);
    return true;
}

Test(pcap_expr, lowered_and_bpf_forms_select_what_libpcap_selects_on_the_traces)
{
    static struct form forms[NEXPR];
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    unsigned nlowered = 0;
    for (unsigned e = 0; e < NEXPR; e++) {
        cr_assert_eq(pcap_compile(dead, &forms[e].ref, exprs[e], 1, PCAP_NETMASK_UNKNOWN), 0, "%s",
                     exprs[e]);
        char err[200];
        struct guard_facts none = { 0 };
        cr_assert_eq(guard_from_tcpdump_facts(exprs[e], &none, GUARD_TCPDUMP_KEEP_BPF,
                                              &forms[e].bpf, err, sizeof err),
                     0, "%s", err);
        for (unsigned fi = 0; fi < 3; fi++) {
            struct guard_tcpdump *g = NULL;
            int rc = guard_from_tcpdump(exprs[e], fact_events[fi], &g, err, sizeof err);
            cr_assert(rc == 0 || rc == -KE_RANGE, "%s: %s", exprs[e], err);
            if (rc == 0 && g->lowered) {
                forms[e].lowered[fi] = g;
                nlowered++;
            } else {
                guard_tcpdump_free(g);
            }
        }
    }
    pcap_close(dead);
    cr_assert_geq(nlowered, 30, "only %u expression/event pairs lowered", nlowered);

    DIR *dir = opendir(testkit_traces());
    cr_assert_not_null(dir, "no trace directory %s", testkit_traces());
    unsigned nfiles = 0, nframes = 0, matched_bpf = 0, matched_lowered = 0, compared_lowered = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 5, ".pcap") != 0)
            continue;
        char path[4 * PATH_MAX], perr[PCAP_ERRBUF_SIZE];
        snprintf(path, sizeof path, "%s/%s", testkit_traces(), de->d_name);
        pcap_t *pc = pcap_open_offline(path, perr);
        if (!pc)
            continue; /* an empty capture (24-byte header only) is fine to skip */
        nfiles++;
        struct pcap_pkthdr *h;
        const u_char *d;
        while (pcap_next_ex(pc, &h, &d) == 1) {
            if (h->caplen != h->len || h->caplen > 1600)
                continue;
            nframes++;
            for (unsigned e = 0; e < NEXPR; e++) {
                bool want = pcap_offline_filter(&forms[e].ref, h, d) != 0;
                struct pktbuf *p = pkt_alloc(pktpool_default());
                frame_for(0, d, h->caplen, p);
                bool got = kbpf_run(&forms[e].bpf->prog, p);
                pkt_free(p);
                cr_assert_eq(got, want, "%s frame %u: cBPF '%s' says %d, libpcap %d", de->d_name,
                             nframes, exprs[e], got, want);
                matched_bpf += want;
                for (unsigned fi = 0; fi < 3; fi++) {
                    if (!forms[e].lowered[fi])
                        continue;
                    p = pkt_alloc(pktpool_default());
                    if (frame_for(fi, d, h->caplen, p)) {
                        bool lg = guard_eval(&forms[e].lowered[fi]->guard, p, true);
                        cr_assert_eq(lg, want,
                                     "%s frame %u: '%s' lowered for %s to %s says %d, libpcap %d",
                                     de->d_name, nframes, exprs[e], fact_events[fi]->name,
                                     fmt(&forms[e].lowered[fi]->guard), lg, want);
                        compared_lowered++;
                        matched_lowered += want;
                    }
                    pkt_free(p);
                }
            }
        }
        pcap_close(pc);
    }
    closedir(dir);
    cr_assert_geq(nfiles, 8, "traces found: %u in %s", nfiles, testkit_traces());
    cr_assert_gt(matched_bpf, 500);
    cr_assert_gt(matched_lowered, 200, "lowered matches %u of %u", matched_lowered,
                 compared_lowered);
    for (unsigned e = 0; e < NEXPR; e++) {
        pcap_freecode(&forms[e].ref);
        guard_tcpdump_free(forms[e].bpf);
        for (unsigned fi = 0; fi < 3; fi++)
            guard_tcpdump_free(forms[e].lowered[fi]);
    }
    cr_assert(testkit_pool_full());
}

/* ---- in the graph: a tcpdump guard on udp.PacketArrived joins the tree ------- */

static int count_rx(void *ctx, struct pktbuf *p)
{
    (void)p;
    (*(unsigned *)ctx)++;
    return KH_TAKEN;
}

Test(pcap_expr, tcpdump_guards_join_the_udp_switch_and_count_like_libpcap)
{
    static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
    struct netif *ifp = testkit_netif("eth0", mac, "10.77.0.2/24");
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(arp_init(), 0);
    cr_assert_eq(ipv4_init(), 0);
    cr_assert_eq(icmp_init(), 0);
    cr_assert_eq(udp_init(), 0);
    /* 50 declarative listeners and 50 tcpdump ones on the ports around 7 and 11111 */
    static unsigned hits[100];
    struct khandler *h[100];
    struct guard_tcpdump *tg[50];
    char expr[64], err[200];
    for (unsigned i = 0; i < 50; i++) {
        struct kguard g = udp_guard_dport((uint16_t)(11086 + i)); /* 11086..11135 */
        cr_assert_eq(udp_PacketArrived_install(count_rx, &hits[i], &g, NULL, &h[i]), 0);
        snprintf(expr, sizeof expr, "udp dst port %u", i < 49 ? 100 + i : 7);
        cr_assert_eq(guard_from_tcpdump(expr, &udp_PacketArrived, &tg[i], err, sizeof err), 0, "%s",
                     err);
        cr_assert(tg[i]->lowered);
        cr_assert_eq(
            udp_PacketArrived_install(count_rx, &hits[50 + i], &tg[i]->guard, NULL, &h[50 + i]), 0);
    }
    struct guard_tree_stats st;
    cr_assert_eq(guard_tree_stats(&udp_PacketArrived, &st), 0);
    cr_assert_eq(st.max_switch, 100, "one switch on the destination port: %u", st.max_switch);
    cr_assert_eq(st.max_leaf, 1);

    char path[4 * PATH_MAX], perr[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/udp-echo.pcap", testkit_traces());
    pcap_t *pc = pcap_open_offline(path, perr);
    cr_assert_not_null(pc, "%s", perr);
    struct bpf_program to7, to11111;
    cr_assert_eq(pcap_compile(pc, &to7, "udp dst port 7 and ether dst 02:00:00:00:00:02", 1,
                              PCAP_NETMASK_UNKNOWN),
                 0);
    cr_assert_eq(pcap_compile(pc, &to11111, "udp dst port 11111 and ether dst 02:00:00:00:00:02", 1,
                              PCAP_NETMASK_UNKNOWN),
                 0);
    unsigned want7 = 0, want11111 = 0;
    struct pcap_pkthdr *ph;
    const u_char *d;
    while (pcap_next_ex(pc, &ph, &d) == 1) {
        want7 += pcap_offline_filter(&to7, ph, d) != 0;
        want11111 += pcap_offline_filter(&to11111, ph, d) != 0;
        testkit_inject(ifp, d, ph->caplen);
        testkit_drain(ifp);
    }
    pcap_close(pc);
    pcap_freecode(&to7);
    pcap_freecode(&to11111);
    cr_assert_gt(want7, 0);
    cr_assert_eq(hits[99], want7, "tcpdump guard 'udp dst port 7': %u of %u", hits[99], want7);
    cr_assert_eq(hits[11111 - 11086], want11111);
    for (unsigned i = 0; i < 100; i++)
        cr_assert_eq(kevent_uninstall(h[i]), 0);
    for (unsigned i = 0; i < 50; i++)
        guard_tcpdump_free(tg[i]);
    udp_fini();
    testkit_drain(ifp);
    cr_assert(testkit_pool_full());
}
