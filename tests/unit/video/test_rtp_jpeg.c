/*
 * Unit tests of apps/video-server/rtp_jpeg.h, rtp.h and sdp.h against ffmpeg:
 * tests/traces/rtp-jpeg-ffmpeg.pcap holds what `ffmpeg -re -framerate 30 -i
 * rtp-jpeg-clip@30.mjpeg -c:v copy -f rtp` sent (tools/lab/capture-video-
 * traces.sh). The same clip, indexed and packetised here with ffmpeg's first
 * sequence number, timestamp and SSRC, must give the same packets, compared
 * header field by header field and then byte for byte; the sender's counts
 * must equal those of ffmpeg's closing RTCP sender report; the SDP must carry
 * ffmpeg's media and connection lines.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testkit.h"
#include "videokit.h"
#include "apps/video-server/mjpeg.h"
#include "apps/video-server/rtp_jpeg.h"
#include "apps/video-server/sdp.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

#define CLIP "rtp-jpeg-clip@30.mjpeg"
#define MAXPKT 128

struct pkt {
    uint8_t d[1500];
    size_t n;
};
static struct pkt rtp[MAXPKT], rtcp[8];
static unsigned nrtp, nrtcp;

/* The UDP payloads of the capture sent to port 5004 (RTP) and 5005 (RTCP). */
static void load_capture(void)
{
    char path[4096], perr[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/rtp-jpeg-ffmpeg.pcap", testkit_traces());
    pcap_t *pc = pcap_open_offline(path, perr);
    cr_assert_not_null(pc, "%s", perr);
    struct pcap_pkthdr *h;
    const u_char *d;
    nrtp = nrtcp = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        cr_assert_eq(h->caplen, h->len, "the capture is whole");
        cr_assert_eq(load_be16(d + 12), 0x0800);
        const u_char *ip = d + 14, *udp = ip + (ip[0] & 15) * 4;
        cr_assert_eq(ip[9], 17);
        size_t n = load_be16(udp + 4) - 8u;
        struct pkt *to = NULL;
        if (load_be16(udp + 2) == 5004 && nrtp < MAXPKT)
            to = &rtp[nrtp++];
        else if (load_be16(udp + 2) == 5005 && nrtcp < 8)
            to = &rtcp[nrtcp++];
        if (to) {
            cr_assert_leq(n, sizeof to->d);
            memcpy(to->d, udp + 8, n);
            to->n = n;
        }
    }
    pcap_close(pc);
    cr_assert_gt(nrtp, 10, "at least a packet per frame");
}

struct ours {
    unsigned n;
};
static struct pkt mine[MAXPKT];

static int collect(void *ctx, const uint8_t *p, size_t len, bool last)
{
    struct ours *o = ctx;
    (void)last;
    cr_assert_lt(o->n, MAXPKT);
    memcpy(mine[o->n].d, p, len);
    mine[o->n].n = len;
    o->n++;
    return 0;
}

static struct mjpeg_scratch scratch;
static struct mjpeg_frame frames[16];
static struct mjpeg_index ix;
static uint8_t *clip;

/* Packetise the whole clip like ffmpeg (1460-byte RTP payloads) into mine[]. */
static unsigned packetise(struct rtp_sender *tx, uint16_t seq0, uint32_t ts0, uint32_t ssrc)
{
    size_t n;
    char err[300] = "";
    clip = vk_read_file(CLIP, &n);
    struct vk_dev dev = vk_dev(clip, n);
    cr_assert_eq(mjpeg_index_build(&ix, frames, 16, vk_read, &dev, 0, n, &scratch, err, sizeof err),
                 0, "%s", err);
    struct mjpeg_rate rate;
    cr_assert_eq(mjpeg_rate_from_name(CLIP, &rate), 0);
    rtp_sender_init(tx, RTP_PT_JPEG, ssrc, seq0, ts0);
    struct ours o = { 0 };
    uint8_t buf[RTP_HEADER_LEN + RTP_JPEG_DEFAULT_PAYLOAD];
    for (uint32_t i = 0; i < ix.count; i++) {
        struct rtp_jpeg_frame rf;
        const struct mjpeg_frame *f = &frames[i];
        rtp_jpeg_frame_init(&rf, f, mjpeg_frame_qset(&ix, f),
                            (uint32_t)mjpeg_frame_rtp_ticks(&rate, i));
        int k = rtp_jpeg_send_frame(tx, &rf, clip + f->offset + f->scan_off,
                                    RTP_JPEG_DEFAULT_PAYLOAD, buf, sizeof buf, collect, &o);
        cr_assert_gt(k, 0);
        cr_assert_eq((uint32_t)k, rtp_jpeg_packets(&rf, RTP_JPEG_DEFAULT_PAYLOAD));
    }
    return o.n;
}

Test(rtp_jpeg, packets_match_ffmpeg_field_by_field)
{
    load_capture();
    struct rtp_sender tx;
    const uint8_t *f0 = rtp[0].d;
    unsigned n = packetise(&tx, load_be16(f0 + 2), load_be32(f0 + 4), load_be32(f0 + 8));
    cr_assert_eq(n, nrtp, "packets: ours %u, ffmpeg's %u", n, nrtp);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *a = mine[i].d, *b = rtp[i].d;
        cr_assert_eq(mine[i].n, rtp[i].n, "packet %u: length", i);
        /* RTP (RFC 3550 5.1) */
        cr_assert_eq(a[0] >> 6, b[0] >> 6, "packet %u: version", i);
        cr_assert_eq(a[0] & 0x3f, b[0] & 0x3f, "packet %u: P, X, CC", i);
        cr_assert_eq(a[1] >> 7, b[1] >> 7, "packet %u: marker", i);
        cr_assert_eq(a[1] & 0x7f, b[1] & 0x7f, "packet %u: payload type", i);
        cr_assert_eq((uint16_t)(load_be16(a + 2) - load_be16(mine[0].d + 2)),
                     (uint16_t)(load_be16(b + 2) - load_be16(f0 + 2)), "packet %u: seq", i);
        cr_assert_eq(load_be32(a + 4) - load_be32(mine[0].d + 4),
                     load_be32(b + 4) - load_be32(f0 + 4), "packet %u: timestamp", i);
        cr_assert_eq(load_be32(a + 8), load_be32(b + 8), "packet %u: SSRC", i);
        /* main JPEG header (RFC 2435 3.1) */
        const uint8_t *ja = a + 12, *jb = b + 12;
        cr_assert_eq(ja[0], jb[0], "packet %u: type-specific", i);
        cr_assert_eq(load_be32(ja) & 0xffffff, load_be32(jb) & 0xffffff, "packet %u: offset", i);
        cr_assert_eq(ja[4], jb[4], "packet %u: type", i);
        cr_assert_eq(ja[5], jb[5], "packet %u: Q", i);
        cr_assert_eq(ja[6], jb[6], "packet %u: width", i);
        cr_assert_eq(ja[7], jb[7], "packet %u: height", i);
        size_t h = 12 + 8;
        if ((load_be32(jb) & 0xffffff) == 0) { /* quantization table header (3.1.8) */
            cr_assert_eq(ja[8], jb[8], "packet %u: MBZ", i);
            cr_assert_eq(ja[9], jb[9], "packet %u: precision", i);
            cr_assert_eq(load_be16(ja + 10), load_be16(jb + 10), "packet %u: length", i);
            size_t ql = load_be16(jb + 10);
            cr_assert_eq(memcmp(ja + 12, jb + 12, ql), 0, "packet %u: tables", i);
            h += 4 + ql;
        }
        cr_assert_eq(memcmp(a + h, b + h, mine[i].n - h), 0, "packet %u: scan bytes", i);
        cr_assert_eq(memcmp(a, b, mine[i].n), 0, "packet %u: whole", i);
    }
    cr_assert(mine[n - 1].d[1] & 0x80, "the last packet ends a frame");
    free(clip);
}

Test(rtp_jpeg, sender_counts_match_ffmpeg_closing_sender_report)
{
    load_capture();
    struct rtp_sender tx;
    const uint8_t *f0 = rtp[0].d;
    packetise(&tx, load_be16(f0 + 2), load_be32(f0 + 4), load_be32(f0 + 8));
    cr_assert_geq(nrtcp, 2, "ffmpeg: a first SR, and a closing SR with BYE");
    const uint8_t *sr = rtcp[nrtcp - 1].d;
    cr_assert_eq(sr[1], RTCP_SR);
    cr_assert_eq(load_be32(sr + 4), tx.ssrc);
    cr_assert_eq(load_be32(sr + 20), tx.packet_count, "sender's packet count");
    cr_assert_eq(load_be32(sr + 24), tx.octet_count, "sender's octet count");
    /* our report: SR of the same shape, then SDES CNAME and BYE */
    uint8_t buf[128];
    size_t len = rtcp_write_sr(&tx, buf, sizeof buf, rtp_ntp_from_unix_ns(1500000000ull), 3000,
                               "spindle@10.77.0.1", true);
    cr_assert_eq(len, 28 + 28 + 8, "SR 28, SDES 4+4+2+17+1 -> 28, BYE 8");
    cr_assert_eq(memcmp(buf, sr, 4), 0, "V, P, RC, PT, length as ffmpeg's");
    cr_assert_eq(load_be32(buf + 4), tx.ssrc);
    cr_assert_eq(load_be64(buf + 8), ((2208988801ull) << 32) | 0x80000000ull, "NTP of 1.5 s");
    cr_assert_eq(load_be32(buf + 16), tx.ts_base + 3000);
    cr_assert_eq(memcmp(buf + 20, sr + 20, 8), 0, "the same counts");
    const uint8_t *sdes = buf + 28, *bye = sdes + 28;
    cr_assert_eq(sdes[0], 0x81, "V 2, one chunk");
    cr_assert_eq(sdes[1], RTCP_SDES);
    cr_assert_eq(load_be16(sdes + 2), 6, "28 bytes = 7 words");
    cr_assert_eq(sdes[8], RTCP_SDES_CNAME);
    cr_assert_eq(sdes[9], 17);
    cr_assert_eq(memcmp(sdes + 10, "spindle@10.77.0.1", 17), 0);
    cr_assert_eq(sdes[27], 0, "item list ends with a null octet");
    cr_assert_eq(bye[0], 0x81);
    cr_assert_eq(bye[1], RTCP_BYE);
    cr_assert_eq(load_be16(bye + 2), 1);
    cr_assert_eq(load_be32(bye + 4), tx.ssrc);
    cr_assert_eq(rtcp_write_sr(&tx, buf, 60, 0, 0, "spindle@10.77.0.1", true), 0, "too small");
    cr_assert_eq(rtcp_write_sr(&tx, buf, sizeof buf, 0, 0, "", false), 0, "no CNAME");
    free(clip);
}

/* ---- cases the capture does not have ------------------------------------ */

static const struct mjpeg_qset one_table = { .count = 1 };

Test(rtp_jpeg, restart_header_in_every_packet_of_types_64_up)
{
    struct rtp_jpeg_frame f = { .ticks = 0,
                                .scan_len = 3000,
                                .width = 64,
                                .height = 48,
                                .restart_interval = 4,
                                .type = 65,
                                .qtables = &one_table };
    struct rtp_sender tx;
    rtp_sender_init(&tx, RTP_PT_JPEG, 1, 65535, 0);
    struct rtp_jpeg_pkt pk;
    uint32_t off = 0, total = 0;
    unsigned k = 0;
    uint8_t hdr[RTP_JPEG_MAX_HDR];
    while (rtp_jpeg_plan(&f, 1000, off, &pk) == 1) {
        size_t h = rtp_jpeg_write_headers(&tx, &f, &pk, hdr);
        cr_assert_eq(h, pk.hdr_len);
        cr_assert_eq(h, 12u + 8 + 4 + (off == 0 ? 4 + 64 : 0));
        cr_assert_eq(pk.len + h - 12, pk.last ? pk.len + h - 12 : 1000u, "full packets");
        cr_assert_eq(load_be16(hdr + 2), (uint16_t)(65535 + k), "seq wraps");
        cr_assert_eq(hdr[16], 65);
        cr_assert_eq(load_be16(hdr + 20), 4, "restart interval");
        cr_assert_eq(load_be16(hdr + 22), 0xffff, "F = L = 1, count 0x3FFF");
        cr_assert_eq(!!(hdr[1] & 0x80), pk.last);
        if (off == 0)
            cr_assert_eq(load_be16(hdr + 26), 64, "one table: 64 bytes");
        off += pk.len;
        total += pk.len;
        k++;
    }
    cr_assert_eq(total, 3000);
    cr_assert_eq(k, rtp_jpeg_packets(&f, 1000));
    cr_assert(pk.last);
    cr_assert_eq(tx.packet_count, k);
}

Test(rtp_jpeg, plan_limits)
{
    struct rtp_jpeg_frame f = {
        .scan_len = 1460 - 8 - 4 - 64, .width = 100, .height = 7, .type = 1, .qtables = &one_table
    };
    struct rtp_jpeg_pkt pk;
    cr_assert_eq(rtp_jpeg_plan(&f, RTP_JPEG_MIN_PAYLOAD - 1, 0, &pk), -KE_INVAL);
    cr_assert_eq(rtp_jpeg_packets(&f, 100), 0);
    cr_assert_eq(rtp_jpeg_plan(&f, 1460, 0, &pk), 1);
    cr_assert(pk.last, "exactly fits: one packet");
    cr_assert_eq(pk.len, f.scan_len);
    cr_assert_eq(rtp_jpeg_plan(&f, 1460, f.scan_len, &pk), 0);
    f.scan_len++;
    cr_assert_eq(rtp_jpeg_packets(&f, 1460), 2, "one byte more: two");
    uint8_t hdr[RTP_JPEG_MAX_HDR];
    struct rtp_sender tx;
    rtp_sender_init(&tx, RTP_PT_JPEG, 1, 0, 0);
    cr_assert_eq(rtp_jpeg_plan(&f, 1460, 0, &pk), 1);
    rtp_jpeg_write_headers(&tx, &f, &pk, hdr);
    cr_assert_eq(hdr[18], 13, "width 100 -> 13 blocks of 8, rounded up as ffmpeg does");
    cr_assert_eq(hdr[19], 1, "height 7 -> 1");
    uint8_t small[64];
    cr_assert_eq(rtp_jpeg_send_frame(&tx, &f, NULL, 1460, small, sizeof small, NULL, NULL),
                 -KE_INVAL, "buffer smaller than a packet");
}

/* ---- SDP ------------------------------------------------------------------ */

/* The line of @text starting with @prefix, without its CRLF. */
static void line_of(const char *text, const char *prefix, char *out, size_t cap)
{
    const char *p = strstr(text, prefix);
    cr_assert_not_null(p, "no %s line in:\n%s", prefix, text);
    size_t n = strcspn(p, "\r\n");
    cr_assert_lt(n, cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

Test(sdp, carries_ffmpegs_media_and_connection_lines)
{
    size_t n;
    char *ff = (char *)vk_read_file("rtp-jpeg-ffmpeg.sdp", &n);
    ff = realloc(ff, n + 1);
    ff[n] = '\0';
    char text[1024];
    struct sdp_rtp_jpeg d = { .origin = 0x0a4d0001,
                              .dest = 0x0a4d0002,
                              .port = 5004,
                              .session_id = 42,
                              .name = "clip@30.mjpeg",
                              .rate = { 30, 1 } };
    int len = sdp_write_rtp_jpeg(text, sizeof text, &d);
    cr_assert_gt(len, 0);
    cr_assert_eq((size_t)len, strlen(text));
    const char *same[] = { "v=", "c=", "t=", "m=" };
    for (unsigned i = 0; i < 4; i++) {
        char a[128], b[128];
        line_of(text, same[i], a, sizeof a);
        line_of(ff, same[i], b, sizeof b);
        cr_assert_str_eq(a, b);
    }
    cr_assert_not_null(strstr(text, "\r\na=rtpmap:26 JPEG/90000\r\n"));
    cr_assert_not_null(strstr(text, "\r\na=framerate:30\r\n"));
    cr_assert_not_null(strstr(text, "o=- 42 42 IN IP4 10.77.0.1\r\n"));
    cr_assert_eq(strncmp(text, "v=0\r\n", 5), 0, "v= first (RFC 4566 5)");
    free(ff);
}

Test(sdp, multicast_ttl_rates_and_errors)
{
    char text[512];
    struct sdp_rtp_jpeg d = { .origin = 0x0a000001,
                              .dest = 0xef010203,
                              .ttl = 16,
                              .port = 6000,
                              .name = "x",
                              .rate = { 2997, 100 } };
    cr_assert_gt(sdp_write_rtp_jpeg(text, sizeof text, &d), 0);
    cr_assert_not_null(strstr(text, "c=IN IP4 239.1.2.3/16\r\n"), "%s", text);
    cr_assert_not_null(strstr(text, "a=framerate:29.97\r\n"), "%s", text);
    d.rate = (struct mjpeg_rate){ 25, 2 };
    cr_assert_gt(sdp_write_rtp_jpeg(text, sizeof text, &d), 0);
    cr_assert_not_null(strstr(text, "a=framerate:12.5\r\n"), "%s", text);
    cr_assert_eq(sdp_write_rtp_jpeg(text, 40, &d), -KE_TOOBIG);
    d.name = "two\r\nlines";
    cr_assert_eq(sdp_write_rtp_jpeg(text, sizeof text, &d), -KE_INVAL);
    d.name = "";
    cr_assert_eq(sdp_write_rtp_jpeg(text, sizeof text, &d), -KE_INVAL);
}
