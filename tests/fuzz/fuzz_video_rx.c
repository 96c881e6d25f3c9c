/*
 * tests/fuzz/fuzz_video_rx.c — libFuzzer target over what reaches the video
 * server from the network: raw Ethernet frames into a loop port of an
 * appliance running the video-server extension, with a stream playing to two
 * clients. ICMP errors quoting (mutated) datagrams reach its
 * icmp.ErrorArrived handler, datagrams to its ports its RTCP handler, and
 * the stream sends between frames (the test clock moves 1 s per frame, so a
 * client may be dropped and the stream end). After every input the stream is
 * stopped, every timeout fires and the ARP cache is flushed: every buffer
 * must be back in its pool, or the run aborts.
 *
 * The media archive (a tar of tests/traces/rtp-jpeg-clip@30.mjpeg as
 * clip@30.mjpeg) is $VIDEO_FUZZ_MEDIA, default media.tar in the working
 * directory (fuzz-video-rx-smoke.sh makes it). Frames are split as in
 * fuzz_rx.c: 0xff 0x00 0xff 0x00 separates them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "apps/video-server/server.h"
#include "drivers/loop/loop.h"
#include "kernel/port.h"
#include "netgraph/netif.h"
#include "netgraph/runtime.h"
#include "protocols/arp/arp.h"

static struct netif *eth0;

static void setup(void)
{
    const char *media = getenv("VIDEO_FUZZ_MEDIA");
    char text[1024];
    snprintf(text, sizeof text,
             "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
             "address eth0 10.77.0.2/24\n"
             "route 0.0.0.0/0 via 10.77.0.1 dev eth0\n"
             "extension video-server media=%s pool=256\n",
             media ? media : "media.tar");
    fk_appliance(text, 512);
    eth0 = netif_find("eth0");
    if (!eth0)
        abort();
}

/* step - one main-loop round at the test clock moved @ns on. */
static void step(uint64_t ns)
{
    fk_advance(ns);
    netgraph_poll(false);
    netgraph_poll(false); /* disk completions, then the sends they allow */
    fk_drain();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!eth0)
        setup();
    if (size > 4000)
        return 0;
    struct vs_server *s = vs_server_current();
    const struct vs_dest to[2] = { { 0x0a4d0001u, 5004 }, { 0x0a4d0003u, 5006 } };
    unsigned id;
    char err[200];
    if (s == NULL || vs_play(s, "clip@30.mjpeg", to, 2, true, &id, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz: play: %s\n", err);
        abort();
    }
    step(200000000ull);
    size_t start = 0;
    for (size_t i = 0; i + 4 <= size + 4; i++) {
        bool end = i >= size;
        bool mark = !end && i + 4 <= size && data[i] == 0xff && data[i + 1] == 0 &&
                    data[i + 2] == 0xff && data[i + 3] == 0;
        if (!end && !mark)
            continue;
        if (i > start)
            loop_inject(eth0->port, data + start, i - start);
        step(1000000000ull);
        if (end)
            break;
        start = i + 4;
        i += 3;
    }
    if (vs_server_stream(s, id) != NULL)
        vs_stop(s, id, err, sizeof err); /* fails for one that ended: the reap timer frees it */
    fk_drain();
    fk_advance(300ull * 1000000000ull);
    netgraph_poll(false);
    fk_drain();
    arp_flush();
    fk_drain();
    if (vs_server_stream(s, id) != NULL) {
        fprintf(stderr, "fuzz: the stream outlived its stop\n");
        abort();
    }
    if (!pktpool_all_full()) {
        fprintf(stderr, "fuzz: buffers leaked by this input\n");
        abort();
    }
    return 0;
}
