/*
 * tests/fuzz/fuzz_rtpjpeg.c — libFuzzer target over the video client below
 * its UDP glue: RTP parsing and sequence tracking, the jitter buffer, RFC
 * 2435 assembly and JPEG header rebuild (apps/video-client/vclient.h), and,
 * when the input's first byte is odd, the freestanding stb_image decoder
 * the VMs use, on every frame the assembler completes.
 *
 * Input: byte 0 flags, then UDP payloads separated by the four bytes
 * 0xff 0x00 0xff 0x00; datagrams arrive 1 ms apart. After the input, time
 * jumps past every deadline (no deadline may be left) and the client is
 * destroyed: every kmalloc it
 * made must be back (a leak aborts), and every frame it handed out must be
 * a JPEG from SOI to EOI.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-rtpjpeg CORPUS_DIR -max_len=20000
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "apps/video-client/vclient.h"
#include "apps/video-client/vsink_fb.h"
#include "kernel/log.h"
#include "kernel/mem.h"

static void check_frame(void *ctx, const struct rtpjpeg_frame *f)
{
    (void)ctx;
    if (f->len < 4 || f->jpeg[0] != 0xff || f->jpeg[1] != 0xd8 || f->jpeg[f->len - 2] != 0xff ||
        f->jpeg[f->len - 1] != 0xd9) {
        fprintf(stderr, "fuzz: a frame that is not SOI ... EOI\n");
        abort();
    }
}

static uint64_t zero_clock(void)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    klog_set_level(KLOG_ERR);
    uint64_t live = kmem_live();
    bool decode = data[0] & 1;
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    cfg.jitter_slots = 16;
    cfg.max_frame_bytes = 256 * 1024;
    cfg.max_width = 640;
    cfg.max_height = 480;
    cfg.on_frame = check_frame;
    cfg.cpu_clock_ns = zero_clock;
    struct vdec *dec = decode ? vdec_stb_create() : NULL;
    struct vsink *sink = decode ? vsink_null_create(VIMAGE_RGB24) : NULL;
    struct vclient *vc = vclient_create(&cfg, dec, sink);
    if (!vc)
        abort();

    uint64_t now = 1000000000ull;
    size_t start = 1;
    for (size_t i = 1; i <= size; i++) {
        bool end = i == size;
        bool mark = !end && i + 4 <= size && data[i] == 0xff && data[i + 1] == 0 &&
                    data[i + 2] == 0xff && data[i + 3] == 0;
        if (!end && !mark)
            continue;
        vclient_poll(vc, now);
        vclient_rx(vc, data + start, i - start, now);
        now += 1000000ull;
        if (end)
            break;
        start = i + 4;
        i += 3;
    }
    /* the first poll may deliver held packets that start a frame; the
     * second is past that frame's time-out */
    now += 10ull * 1000000000ull;
    vclient_poll(vc, now);
    now += 10ull * 1000000000ull;
    vclient_poll(vc, now);
    if (vclient_next_deadline(vc) != UINT64_MAX) {
        fprintf(stderr, "fuzz: a deadline left after every timeout passed\n");
        abort();
    }
    vclient_destroy(vc);
    vsink_destroy(sink);
    vdec_destroy(dec);
    if (kmem_live() != live) {
        fprintf(stderr, "fuzz: kmalloc blocks leaked by this input\n");
        abort();
    }
    return 0;
}
