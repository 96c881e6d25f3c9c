/*
 * tests/unit/video/test_video_server.c — the video-server extension end to
 * end on a loop interface and the test clock: the clip of ffmpeg's capture
 * (tests/traces/rtp-jpeg-ffmpeg.pcap), read from a tar archive on a disk
 * (blkfile, or a disk in memory with 4096-byte sectors and a short queue),
 * must leave as the very packets ffmpeg's RTP muxer sent, paced at 30 frames
 * per second, with RTCP SR + SDES first and SR + SDES + BYE last; the fan-out
 * must send one correct copy per client (unicast and multicast) and give
 * every buffer back; a disk error skips one frame and loses nothing.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "vskit.h"
#include "../protocols/udp/udpkit.h"
#include "apps/video-server/server.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/extension.h"
#include "protocols/ipv4/ipv4.h"

static const char *const clip_only[] = { "clip@30.mjpeg", VSK_CLIP, NULL };

/* install - a video-server instance with the key/value pairs @kv (NULL-terminated). */
static struct kext *install(const char *const *kv)
{
    struct kparams p = { 0 };
    for (unsigned i = 0; kv[i] != NULL; i += 2) {
        p.key[p.n] = kv[i];
        p.value[p.n++] = kv[i + 1];
    }
    struct kext *x = NULL;
    char err[256] = "";
    cr_assert_eq(kext_create(kext_class_find("video-server"), &p, &x, err, sizeof err), 0,
                 "install: %s", err);
    return x;
}

/* rtp_to - the datagrams of @s to @dst:@dport, in order, into @out. */
static unsigned rtp_to(const struct vsk_sink *s, uint32_t dst, uint16_t dport,
                       const struct vsk_dgram **out, unsigned cap)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (s->g[i].dst == dst && s->g[i].dport == dport) {
            cr_assert_lt(n, cap);
            out[n++] = &s->g[i];
        }
    return n;
}

/* same_as_ffmpeg - @g[0..n) are the capture's RTP packets but for SSRC, seq and timestamp bases. */
static void same_as_ffmpeg(const struct vsk_dgram *const *g, unsigned n)
{
    static struct vsk_capture cap;
    vsk_load_capture(&cap);
    cr_assert_eq(n, cap.nrtp, "RTP packets: %u, ffmpeg sent %u", n, cap.nrtp);
    const uint8_t *a0 = g[0]->d, *b0 = cap.rtp[0].d;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *a = g[i]->d, *b = cap.rtp[i].d;
        cr_assert_eq(g[i]->n, cap.rtp[i].n, "packet %u: length", i);
        cr_assert_eq(a[0], b[0], "packet %u: V, P, X, CC", i);
        cr_assert_eq(a[1], b[1], "packet %u: marker and payload type", i);
        cr_assert_eq((uint16_t)(load_be16(a + 2) - load_be16(a0 + 2)),
                     (uint16_t)(load_be16(b + 2) - load_be16(b0 + 2)), "packet %u: seq", i);
        cr_assert_eq(load_be32(a + 4) - load_be32(a0 + 4), load_be32(b + 4) - load_be32(b0 + 4),
                     "packet %u: timestamp", i);
        cr_assert_eq(load_be32(a + 8), load_be32(a0 + 8), "packet %u: one SSRC", i);
        cr_assert_eq(memcmp(a + 12, b + 12, g[i]->n - 12), 0,
                     "packet %u: RFC 2435 headers and scan bytes", i);
    }
}

Test(video_server, streams_the_clip_as_ffmpegs_muxer_does_paced_with_rtcp_around)
{
    struct netif *ifp = udpkit_setup();
    const char *media = vsk_archive(clip_only);
    struct kext *x = install((const char *const[]){ "media", media, "play", "clip@30.mjpeg", "to",
                                                    "10.0.0.2:5004", NULL });
    struct vsk_sink *s = vsk_sink_new(200);
    vsk_run(ifp, 700u * 1000000u, s);

    const struct vsk_dgram *rtp[64], *rtcp[8];
    unsigned n = rtp_to(s, UK_PEER_IP, 5004, rtp, 64), m = rtp_to(s, UK_PEER_IP, 5005, rtcp, 8);
    same_as_ffmpeg(rtp, n);
    for (unsigned i = 0; i < n; i++) {
        cr_assert(rtp[i]->ip_csum_ok && rtp[i]->udp_csum_ok, "packet %u: checksums", i);
        cr_assert_eq(rtp[i]->src, UK_OUR_IP);
        cr_assert_eq(rtp[i]->sport, VS_DEFAULT_PORT);
        /* frame k = i / 4 is due 100 ms after start + k / 30 s (1 ms steps) */
        uint64_t due = rtp[0]->at_ns + (uint64_t)(i / 4) * 1000000000u / 30u;
        cr_assert(rtp[i]->at_ns + 1000000u >= due && rtp[i]->at_ns <= due + 2000000u,
                  "packet %u sent %lld us off its frame's time", i,
                  (long long)(rtp[i]->at_ns - due) / 1000);
    }
    cr_assert_eq(m, 2, "an SR first and an SR with BYE last (%u RTCP)", m);
    cr_assert_eq(rtcp[0]->d[1], 200, "SR");
    cr_assert_lt(rtcp[0]->at_ns, rtp[0]->at_ns, "the first SR before any frame");
    cr_assert_eq(rtcp[1]->sport, VS_DEFAULT_PORT + 1);
    size_t off = 0;
    bool bye = false;
    while (off + 4 <= rtcp[1]->n) { /* walk the compound packet (RFC 3550 6.1) */
        bye |= rtcp[1]->d[off + 1] == 203;
        off += 4u * (load_be16(rtcp[1]->d + off + 2) + 1u);
    }
    cr_assert(bye, "the last RTCP packet says BYE");
    uint64_t gap = rtcp[1]->at_ns - rtp[n - 1]->at_ns;
    cr_assert(gap >= 30000000u && gap <= 36000000u, "BYE one frame period after the last frame");
    cr_assert_eq(vsk_counter("disk_in_place"), 40, "every packet read into its own buffer");
    cr_assert_eq(vsk_counter("disk_copied"), 0);
    cr_assert_eq(vsk_counter("rtp_frames"), 10);
    cr_assert_eq(vsk_counter("rtp_late"), 0);
    cr_assert_eq(vsk_counter("streams_ended"), 1);
    cr_assert(pktpool_all_full(), "every buffer back after the stream");
    kext_destroy(x);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}

Test(video_server, fan_out_sends_one_copy_per_client_unicast_and_multicast)
{
    struct netif *ifp = udpkit_setup();
    const uint8_t mac3[6] = { 0x02, 0, 0, 0, 0, 3 };
    const uint32_t ip3 = UK_PEER_IP + 1, group = 0xef010203u; /* 239.1.2.3 */
    testkit_teach_peer(ifp, mac3, ip3, UK_OUR_IP);
    struct ipv4_route r = { .prefix = 0xe0000000u, .plen = 4, .ifindex = ifp->index };
    cr_assert_eq(ipv4_route_add(&r), 0);
    const char *media = vsk_archive(clip_only);
    struct kext *x = install((const char *const[]){ "media", media, "play", "clip@30.mjpeg", "to",
                                                    "10.0.0.2:5004,10.0.0.3:5006,239.1.2.3:5008",
                                                    "ttl", "4", NULL });
    struct vsk_sink *s = vsk_sink_new(400);
    vsk_run(ifp, 700u * 1000000u, s);

    const struct {
        uint32_t dst;
        uint16_t port;
        const uint8_t *mac;
        uint8_t ttl;
    } to[3] = {
        { UK_PEER_IP, 5004, UK_PEER_MAC, 64 },
        { ip3, 5006, mac3, 64 },
        { group, 5008, (const uint8_t[]){ 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 }, 4 },
    };
    const struct vsk_dgram *g[3][64];
    for (unsigned c = 0; c < 3; c++) {
        unsigned n = rtp_to(s, to[c].dst, to[c].port, g[c], 64);
        cr_assert_eq(n, 40, "client %u: %u RTP packets", c, n);
        for (unsigned i = 0; i < n; i++) {
            cr_assert(g[c][i]->ip_csum_ok && g[c][i]->udp_csum_ok, "client %u packet %u", c, i);
            cr_assert_arr_eq(g[c][i]->eth_dst, to[c].mac, 6, "client %u: link address", c);
            cr_assert_eq(g[c][i]->ttl, to[c].ttl, "client %u: TTL", c);
            cr_assert_eq(g[c][i]->n, g[0][i]->n);
            cr_assert_eq(memcmp(g[c][i]->d, g[0][i]->d, g[0][i]->n), 0, "the same RTP bytes");
        }
        const struct vsk_dgram *rtcp[8];
        cr_assert_eq(rtp_to(s, to[c].dst, to[c].port + 1, rtcp, 8), 2, "client %u: RTCP", c);
    }
    same_as_ffmpeg(g[1], 40);
    cr_assert_eq(vsk_counter("rtp_packets"), 40, "one send per packet");
    cr_assert_eq(vsk_counter("fanout_copies"), 2 * (40 + 2), "a copy per other client");
    cr_assert_eq(vsk_counter("fanout_shared"), 0, "a port that cannot gather: whole copies");
    cr_assert_eq(vsk_counter("fanout_no_buffer") + vsk_counter("fanout_errors"), 0);
    cr_assert(pktpool_all_full(), "every copy's buffer back");
    kext_destroy(x);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}

Test(video_server, fan_out_shares_one_payload_buffer_when_the_port_gathers)
{
    struct netif *ifp = udpkit_setup();
    ifp->port->tx_gather = true; /* as a driver that sends chained buffers would say */
    const uint8_t mac3[6] = { 0x02, 0, 0, 0, 0, 3 };
    testkit_teach_peer(ifp, mac3, UK_PEER_IP + 1, UK_OUR_IP);
    struct kext *x =
        install((const char *const[]){ "media", vsk_archive(clip_only), "play", "clip@30.mjpeg",
                                       "to", "10.0.0.2:5004,10.0.0.3:5006,10.0.0.2:5008", NULL });
    struct vsk_sink *s = vsk_sink_new(300);
    vsk_run(ifp, 700u * 1000000u, s);
    const struct vsk_dgram *g[3][64];
    const uint16_t port[3] = { 5004, 5006, 5008 };
    const uint32_t dst[3] = { UK_PEER_IP, UK_PEER_IP + 1, UK_PEER_IP };
    for (unsigned c = 0; c < 3; c++)
        cr_assert_eq(rtp_to(s, dst[c], port[c], g[c], 64), 40, "client %u", c);
    for (unsigned i = 0; i < 40; i++) {
        cr_assert_not_null(g[0][i]->segment, "packet %u: a header buffer and a payload", i);
        for (unsigned c = 1; c < 3; c++) {
            cr_assert_eq(g[c][i]->segment, g[0][i]->segment, "packet %u: one payload for all", i);
            cr_assert(g[c][i]->udp_csum_ok && g[c][i]->ip_csum_ok);
            cr_assert_eq(memcmp(g[c][i]->d, g[0][i]->d, g[0][i]->n), 0);
        }
    }
    same_as_ffmpeg(g[2], 40);
    cr_assert_eq(vsk_counter("fanout_shared"), 2 * 40, "every RTP copy shared the payload");
    cr_assert_eq(vsk_counter("fanout_copies"), 2 * (40 + 2), "and RTCP copied whole");
    cr_assert(pktpool_all_full());
    kext_destroy(x);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}

Test(video_server, fan_out_to_a_hundred_clients_keeps_the_pool_full)
{
    struct netif *ifp = udpkit_setup();
    const char *media = vsk_archive(clip_only);
    struct kext *x = install((const char *const[]){ "media", media, "play", "clip@30.mjpeg", "to",
                                                    "10.0.0.2:6000", NULL });
    /* the rest join through the server, as the console would: 16 per request is the most */
    struct vs_server *srv = vs_server_current();
    char err[200];
    for (unsigned i = 1; i < 100; i++) {
        struct vs_dest d = { UK_PEER_IP, (uint16_t)(6000 + 2 * i) };
        cr_assert_eq(vs_join(srv, 1, &d, err, sizeof err), 0, "%s", err);
    }
    struct vsk_sink *s = vsk_sink_new(100 * 44 + 300);
    vsk_run(ifp, 700u * 1000000u, s);
    unsigned per[100] = { 0 };
    for (unsigned i = 0; i < s->n; i++)
        if (s->g[i].dport >= 6000 && s->g[i].dport < 6200 && !(s->g[i].dport & 1))
            per[(s->g[i].dport - 6000) / 2]++;
    for (unsigned c = 0; c < 100; c++)
        cr_assert_eq(per[c], 40, "client %u got %u RTP packets", c, per[c]);
    /* 99 copies of each RTP packet and of the closing BYE; the first SR went
     * to client 0 alone, each join's SR to the joining client alone */
    cr_assert_eq(vsk_counter("fanout_copies"), 99 * (40 + 1));
    cr_assert(pktpool_all_full(), "every buffer back");
    kext_destroy(x);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}

Test(video_server, sectors_larger_than_a_buffer_go_through_a_bounce_copy_and_a_busy_disk_waits)
{
    struct netif *ifp = udpkit_setup();
    static struct vsk_disk d;
    vsk_disk_open(&d, "mem0", vsk_archive(clip_only), 4096, 2);
    struct kext *x = install((const char *const[]){ "media", "mem0", "play", "clip@30.mjpeg", "to",
                                                    "10.0.0.2:5004", NULL });
    struct vsk_sink *s = vsk_sink_new(200);
    vsk_run(ifp, 700u * 1000000u, s);
    const struct vsk_dgram *rtp[64];
    same_as_ffmpeg(rtp, rtp_to(s, UK_PEER_IP, 5004, rtp, 64));
    cr_assert_eq(vsk_counter("disk_copied"), 40, "4096-byte sectors cannot land in place");
    cr_assert_eq(vsk_counter("disk_in_place"), 0);
    cr_assert_gt(vsk_counter("disk_busy"), 0, "a queue of 2 was full at times");
    cr_assert_eq(vsk_counter("rtp_late") + vsk_counter("rtp_skipped"), 0);
    kext_destroy(x);
    vsk_disk_close(&d);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}

Test(video_server, a_disk_error_skips_that_frame_and_loses_no_buffer)
{
    struct netif *ifp = udpkit_setup();
    static struct vsk_disk d;
    vsk_disk_open(&d, "mem0", vsk_archive(clip_only), 512, 16);
    struct kext *x = install((const char *const[]){ "media", "mem0", NULL });
    /* a sector in the middle of frame 3's scan data */
    const struct vs_video *v = vs_media_find(&vs_server_current()->media, "clip@30.mjpeg");
    cr_assert_not_null(v);
    const struct mjpeg_frame *f = &v->ix.frames[3];
    d.fail_lba = (v->data_off + f->offset + f->scan_off + f->scan_len / 2) / 512;
    struct vs_dest dst = { UK_PEER_IP, 5004 };
    unsigned id;
    char err[200];
    cr_assert_eq(
        vs_play(vs_server_current(), "clip@30.mjpeg", &dst, 1, false, &id, err, sizeof err), 0,
        "%s", err);
    struct vsk_sink *s = vsk_sink_new(200);
    vsk_run(ifp, 700u * 1000000u, s);
    const struct vsk_dgram *rtp[64];
    cr_assert_eq(rtp_to(s, UK_PEER_IP, 5004, rtp, 64), 36, "frame 3's 4 packets are not sent");
    cr_assert_eq(vsk_counter("rtp_skipped"), 1);
    cr_assert_eq(vsk_counter("disk_errors"), 1);
    cr_assert_eq(vsk_counter("rtp_frames"), 9);
    cr_assert(pktpool_all_full());
    kext_destroy(x);
    vsk_disk_close(&d);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}
