/*
 * tests/unit/video/test_video_requests.c — what the video server refuses and
 * whom it drops: a damaged archive, one without videos, a missing file, a
 * video with optimal Huffman tables (RFC 2435 forbids them) are refused with
 * messages that say why; bad requests (unknown file, full table, odd port,
 * no route, no such stream) change nothing, are counted and say why; a client
 * that answers with ICMP port unreachable is dropped once the errors have
 * lasted the grace time, and one whose address never resolves (ARP) too.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "vskit.h"
#include "../protocols/udp/udpkit.h"
#include "apps/video-server/server.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/extension.h"

static const char *const media_set[] = {
    "clip@30.mjpeg",
    VSK_CLIP,
    "bad@30.mjpeg",
    "video/ffmpeg-optimal-huffman@30.mjpeg",
    "notes.txt",
    "rtp-jpeg-ffmpeg.sdp",
    NULL,
};

/* create - kext_create with @kv; returns its code and the message in @err. */
static int create(const char *const *kv, struct kext **x, char *err, size_t errlen)
{
    struct kparams p = { 0 };
    for (unsigned i = 0; kv[i] != NULL; i += 2) {
        p.key[p.n] = kv[i];
        p.value[p.n++] = kv[i + 1];
    }
    err[0] = '\0';
    return kext_create(kext_class_find("video-server"), &p, x, err, errlen);
}

static void refused_at_install(const char *const *kv, int code, const char *a, const char *b)
{
    struct kext *x = NULL;
    char err[400];
    cr_assert_eq(create(kv, &x, err, sizeof err), code, "%s", err);
    cr_assert_not_null(strstr(err, a), "'%s' in: %s", a, err);
    cr_assert(b == NULL || strstr(err, b) != NULL, "'%s' in: %s", b, err);
    cr_assert_null(vs_server_current(), "nothing kept");
}

Test(video_requests, damaged_or_empty_archives_and_missing_files_are_refused_at_install)
{
    udpkit_setup();
    /* damaged: the first header's name changed after tar summed it */
    char good[2048];
    snprintf(good, sizeof good, "%s", vsk_archive(media_set));
    size_t n;
    uint8_t *a = vsk_file(good, &n);
    a[0] ^= 0x20;
    char bad[4096];
    snprintf(bad, sizeof bad, "%s.damaged", good);
    FILE *f = fopen(bad, "wb");
    fwrite(a, 1, n, f);
    fclose(f);
    free(a);
    refused_at_install((const char *const[]){ "media", bad, NULL }, -KE_INVAL, "tar entry 0",
                       "checksum");
    refused_at_install(
        (const char *const[]){
            "media", vsk_archive((const char *const[]){ "notes.txt", "rtp-jpeg-ffmpeg.sdp", NULL }),
            NULL },
        -KE_INVAL, "no .mjpeg file", NULL);
    refused_at_install((const char *const[]){ "media", "/nonexistent/media.tar", NULL }, -KE_NOENT,
                       "/nonexistent/media.tar", NULL);
    refused_at_install((const char *const[]){ "play", "clip@30.mjpeg", NULL }, -KE_INVAL,
                       "media=", NULL);
    refused_at_install((const char *const[]){ "media", good, "play", "clip@30.mjpeg", NULL },
                       -KE_INVAL, "play= and to=", NULL);
    refused_at_install(
        (const char *const[]){ "media", good, "play", "bad@30.mjpeg", "to", "10.0.0.2:5004", NULL },
        -KE_INVAL, "bad@30.mjpeg", "Huffman");
    cr_assert(pktpool_all_full());
}

Test(video_requests, bad_requests_are_refused_counted_and_change_nothing)
{
    struct netif *ifp = udpkit_setup();
    struct kext *x = NULL;
    char err[400];
    cr_assert_eq(
        create((const char *const[]){ "media", vsk_archive(media_set), NULL }, &x, err, sizeof err),
        0, "%s", err);
    struct vs_server *s = vs_server_current();
    cr_assert_not_null(s);
    const struct vs_video *bad = vs_media_find(&s->media, "bad@30.mjpeg");
    cr_assert(bad != NULL && !bad->ok, "listed, refused");
    cr_assert_not_null(strstr(bad->why, "encode with ffmpeg -huffman default"), "%s", bad->why);
    struct vs_dest d = { UK_PEER_IP, 5004 };
    unsigned id, refusals = 0;
#define REFUSED(call, code, text)                                        \
    do {                                                                 \
        err[0] = '\0';                                                   \
        cr_assert_eq(call, code, "%s", err);                             \
        cr_assert_not_null(strstr(err, text), "'%s' in: %s", text, err); \
        refusals++;                                                      \
    } while (0)
    REFUSED(vs_play(s, "nope.mjpeg", &d, 1, false, &id, err, sizeof err), -KE_NOENT,
            "no video 'nope.mjpeg'");
    cr_assert_not_null(strstr(err, "clip@30.mjpeg"), "names what there is: %s", err);
    REFUSED(vs_play(s, "bad@30.mjpeg", &d, 1, false, &id, err, sizeof err), -KE_INVAL, "Huffman");
    struct vs_dest odd = { UK_PEER_IP, 5005 }, far = { 0xc0a80505u, 5004 };
    REFUSED(vs_play(s, "clip@30.mjpeg", &odd, 1, false, &id, err, sizeof err), -KE_INVAL,
            "even port");
    REFUSED(vs_play(s, "clip@30.mjpeg", &far, 1, false, &id, err, sizeof err), -KE_UNREACH,
            "no route");
    REFUSED(vs_join(s, 7, &d, err, sizeof err), -KE_NOENT, "no stream 7");
    for (unsigned i = 0; i < VS_MAX_STREAMS; i++)
        cr_assert_eq(vs_play(s, "clip@30.mjpeg", &d, 1, true, &id, err, sizeof err), 0, "%s", err);
    REFUSED(vs_play(s, "clip@30.mjpeg", &d, 1, true, &id, err, sizeof err), -KE_TOOBIG,
            "all 32 streams");
    REFUSED(vs_join(s, 1, &d, err, sizeof err), -KE_EXIST, "already");
    REFUSED(vs_leave(s, 1, &odd, err, sizeof err), -KE_NOENT, "not a destination");
    cr_assert_eq(vsk_counter("requests_refused"), refusals);
    cr_assert_eq(vsk_counter("streams_started"), VS_MAX_STREAMS);
    cr_assert_eq(vs_stop(s, 3, err, sizeof err), 0);
    cr_assert_null(vs_server_stream(s, 3));
    REFUSED(vs_stop(s, 3, err, sizeof err), -KE_NOENT, "no stream 3");
    testkit_drain(ifp); /* the streams' first SRs */
    kext_destroy(x);
    cr_assert_null(vs_server_current());
    cr_assert(pktpool_all_full());
}

/* unreach - inject from @from an ICMP destination unreachable (@code) quoting a
 * datagram 10.0.0.1:@sport -> @dst:@dport, as a Linux host sends it. */
static void unreach(struct netif *ifp, uint32_t from, const uint8_t mac[6], uint8_t code,
                    uint16_t sport, uint32_t dst, uint16_t dport)
{
    uint8_t f[14 + 20 + 8 + 28] = { 0 };
    memcpy(f, UK_OUR_MAC, 6);
    memcpy(f + 6, mac, 6);
    store_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *icmp = ip + 20, *q = icmp + 8;
    ip[0] = 0x45;
    store_be16(ip + 2, 20 + 8 + 28);
    ip[8] = 64;
    ip[9] = 1;
    store_be32(ip + 12, from);
    store_be32(ip + 16, UK_OUR_IP);
    store_be16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, 20)));
    icmp[0] = 3;
    icmp[1] = code;
    q[0] = 0x45;
    store_be16(q + 2, 1500);
    q[8] = 64;
    q[9] = 17;
    store_be32(q + 12, UK_OUR_IP);
    store_be32(q + 16, dst);
    store_be16(q + 20, sport);
    store_be16(q + 22, dport);
    store_be16(q + 24, 1480);
    store_be16(icmp + 2, inet_csum_fold(inet_csum_add(0, icmp, 8 + 28)));
    testkit_inject(ifp, f, sizeof f);
}

static unsigned count_to(const struct vsk_sink *s, uint32_t dst, uint16_t dport)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->n; i++)
        n += s->g[i].dst == dst && s->g[i].dport == dport;
    return n;
}

Test(video_requests, a_client_answering_port_unreachable_is_dropped_after_the_grace_time)
{
    struct netif *ifp = udpkit_setup();
    const uint8_t mac3[6] = { 0x02, 0, 0, 0, 0, 3 };
    const uint32_t ip3 = UK_PEER_IP + 1;
    testkit_teach_peer(ifp, mac3, ip3, UK_OUR_IP);
    struct kext *x = NULL;
    char err[400];
    cr_assert_eq(
        create((const char *const[]){ "media", vsk_archive(media_set), "play", "clip@30.mjpeg",
                                      "to", "10.0.0.2:5004,10.0.0.3:5006", "loop", "yes", NULL },
               &x, err, sizeof err),
        0, "%s", err);
    struct vsk_sink *s = vsk_sink_new(4000);
    vsk_run(ifp, 300u * 1000000u, s);
    cr_assert_gt(count_to(s, ip3, 5006), 0);
    /* not ours: another source port, another client's port */
    unreach(ifp, ip3, mac3, 3, 40000, ip3, 5006);
    unreach(ifp, ip3, mac3, 3, VS_DEFAULT_PORT, ip3, 5010);
    cr_assert_eq(vsk_counter("client_errors"), 0);
    unreach(ifp, ip3, mac3, 3, VS_DEFAULT_PORT, ip3, 5006);
    vsk_run(ifp, 1000u * 1000000u, s);
    unreach(ifp, ip3, mac3, 3, VS_DEFAULT_PORT + 1, ip3, 5007); /* about its RTCP port */
    vsk_run(ifp, 1000u * 1000000u, s);
    cr_assert_eq(vsk_counter("client_errors"), 2);
    cr_assert_eq(vsk_counter("clients_dropped"), 0, "2 errors in 1 s: not yet");
    unreach(ifp, ip3, mac3, 3, VS_DEFAULT_PORT, ip3, 5006);
    cr_assert_eq(vsk_counter("clients_dropped"), 1, "3 errors over 2 s: dropped");
    s->n = 0;
    vsk_run(ifp, 300u * 1000000u, s);
    cr_assert_eq(count_to(s, ip3, 5006), 0, "nothing more to the dropped client");
    cr_assert_gt(count_to(s, UK_PEER_IP, 5004), 0, "the other one still gets the stream");
    /* the last client goes too: the stream ends */
    for (unsigned i = 0; i < 3; i++) {
        unreach(ifp, UK_PEER_IP, UK_PEER_MAC, 3, VS_DEFAULT_PORT, UK_PEER_IP, 5004);
        vsk_run(ifp, 1100u * 1000000u, NULL);
    }
    cr_assert_eq(vsk_counter("clients_dropped"), 2);
    cr_assert_null(vs_server_stream(vs_server_current(), 1), "no client left: the stream ended");
    cr_assert_eq(vsk_counter("streams_ended"), 1);
    kext_destroy(x);
    vsk_sink_free(s);
    cr_assert(pktpool_all_full());
}

Test(video_requests, a_client_whose_address_never_resolves_is_dropped)
{
    struct netif *ifp = udpkit_setup();
    struct kext *x = NULL;
    char err[400];
    cr_assert_eq(
        create((const char *const[]){ "media", vsk_archive(media_set), "play", "clip@30.mjpeg",
                                      "to", "10.0.0.2:5004,10.0.0.9:5004", "loop", "yes", NULL },
               &x, err, sizeof err),
        0, "%s", err);
    /* ARP asks three times a second apart, then drops what it held; twice */
    vsk_run(ifp, 8000ull * 1000000u, NULL);
    cr_assert_gt(vsk_counter("client_errors"), 2);
    cr_assert_eq(vsk_counter("clients_dropped"), 1);
    struct vs_stream *st = vs_server_stream(vs_server_current(), 1);
    cr_assert_not_null(st);
    cr_assert_eq(st->fan.n, 1);
    cr_assert_eq(st->fan.clients[0].addr, UK_PEER_IP, "the answering client stays");
    kext_destroy(x);
    cr_assert(pktpool_all_full());
}

Test(video_requests, its_ports_are_its_capability_granted_exactly)
{
    udpkit_setup();
    const char *media = vsk_archive(media_set);
    refused_at_install((const char *const[]){ "media", media, "grant", "udp:5000", NULL }, -KE_PERM,
                       "ports 5000-5063 are not granted", "grant=udp:5000-5063");
    refused_at_install((const char *const[]){ "media", media, "grant", "udp:*", NULL }, -KE_PERM,
                       "too wide", "5000-5063");
    refused_at_install(
        (const char *const[]){ "media", media, "port", "6000", "grant", "udp:5000-5063", NULL },
        -KE_PERM, "ports 6000-6063 are not granted", NULL);
    refused_at_install(
        (const char *const[]){ "media", media, "port", "6000", "grant", "udp:6000-6064", NULL },
        -KE_PERM, "too wide", "6000-6063");
    refused_at_install((const char *const[]){ "media", media, "port", "65500", NULL }, -KE_RANGE,
                       "65500..65563 runs past 65535", NULL);
    struct kext *x = NULL;
    char err[400];
    cr_assert_eq(create((const char *const[]){ "media", media, "port", "6000", "grant",
                                               "udp:6000-6063", NULL },
                        &x, err, sizeof err),
                 0, "exactly its ports: %s", err);
    kext_destroy(x);
    /* Without grant=, derived from port=: exactly 64 ports. */
    cr_assert_eq(create((const char *const[]){ "media", media, NULL }, &x, err, sizeof err), 0,
                 "%s", err);
    cr_assert_not_null(x->caps);
    cr_assert_eq(x->caps->n, 1);
    cr_expect_eq(x->caps->cap[0]->scope_lo, VS_DEFAULT_PORT);
    cr_expect_eq(x->caps->cap[0]->scope_hi, VS_DEFAULT_PORT + 2u * VS_MAX_STREAMS - 1u);
    kext_destroy(x);
    cr_assert(pktpool_all_full());
}
