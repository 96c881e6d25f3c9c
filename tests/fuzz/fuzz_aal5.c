/*
 * tests/fuzz/fuzz_aal5.c — libFuzzer target over AAL5 reassembly
 * (protocols/aal5/aal5_sar.h): frames of cells in, through a reassembler
 * with tight limits (4 VCs, payloads up to 6000 bytes, 3 big blocks of
 * bytes, 8 small and 2 big buffers) so eviction, empty pools, oversize and
 * timeouts are all reachable within one input. After every input the reassembler is flushed and every buffer
 * must be back in its pool: a leak aborts the run.
 *
 * Input: records of [control (1)][length (2, big-endian)][length bytes of
 * frame payload]; a record cut short takes what is left. Control bits:
 *   0     recompute every whole cell's HEC (explore past the HEC check)
 *   1     make the frame's cells one PDU with a correct CRC-32: the last
 *         cell's CRC field is recomputed over the frame's cell payloads
 *   2-3   link (which peer sent it)
 *   4     keep the PDUs delivered by this frame until the input ends
 *   5-7   time advance before the frame, in steps of 300 ms
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-aal5 CORPUS_DIR -max_len=16384
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/klib.h"
#include "kernel/pktbuf.h"
#include "protocols/aal5/aal5_sar.h"

#define HELD_MAX 64

static struct aal5_reasm *r;
static struct pktpool *small, *big;
static uint64_t ctr[AAL5_RX_NCTR];
static struct pktbuf *held[HELD_MAX];
static unsigned nheld;
static bool keep;

static void deliver(void *ctx, struct pktbuf *pdu, const struct aal5_pdu_info *info)
{
    (void)ctx;
    if (pdu->len == 0 || pdu->len > AAL5_MAX_PAYLOAD || info->cells == 0 || info->last.vci == 0)
        abort();
    /* Every payload byte must be readable (ASan checks), the headroom asked for kept. */
    uint8_t x = 0;
    for (uint16_t i = 0; i < pdu->len; i++)
        x ^= pkt_data(pdu)[i];
    if (pkt_headroom(pdu) < 4 || (x == 0 && pdu->len == 0))
        abort();
    if (keep && nheld < HELD_MAX)
        held[nheld++] = pdu;
    else
        pkt_free(pdu);
}

/* With FUZZ_AAL5_STATS set, the counters at exit: which checks the run reached. */
static void print_stats(void)
{
    for (unsigned i = 0; i < AAL5_RX_NCTR; i++)
        fprintf(stderr, "fuzz-aal5: %s %llu\n", aal5_rx_ctr_names[i], (unsigned long long)ctr[i]);
}

static void setup(void)
{
    if (getenv("FUZZ_AAL5_STATS") != NULL)
        atexit(print_stats);
    small = pktpool_create("fuzz-small", 8, 2048, NULL, NULL);
    big = pktpool_create("fuzz-big", 2, 65535, NULL, NULL);
    const struct aal5_reasm_params p = {
        .max_vcs = 4,
        .max_payload = 6000,
        .max_bytes = 3u * 65535u,
        .timeout_ns = 1000000000ull,
        .headroom = 4,
        .small = small,
        .big = big,
        .ctr = ctr,
    };
    r = small && big ? aal5_reasm_create(&p) : NULL;
    if (r == NULL)
        abort();
}

/* fix_frame - apply control bits 0 and 1 to @f (@n bytes, a copy). */
static void fix_frame(uint8_t *f, size_t n, uint8_t ctl)
{
    size_t cells = n / ATM_CELL_LEN;
    if ((ctl & 0x02) && cells > 0) {
        uint32_t crc = AAL5_CRC32_INIT;
        for (size_t i = 0; i < cells; i++) {
            uint8_t *pl = f + i * ATM_CELL_LEN + ATM_HDR_LEN;
            crc = aal5_crc32_update(crc, pl, i + 1 < cells ? ATM_PAYLOAD_LEN : ATM_PAYLOAD_LEN - 4);
        }
        store_be32(f + (cells - 1) * ATM_CELL_LEN + ATM_HDR_LEN + ATM_PAYLOAD_LEN - 4,
                   aal5_crc32_final(crc));
    }
    if (ctl & 0x01)
        for (size_t i = 0; i < cells; i++)
            f[i * ATM_CELL_LEN + ATM_HDR_HEC_OFF] = atm_hec(f + i * ATM_CELL_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[4096];
    static uint64_t now = 1000000000ull;
    if (r == NULL)
        setup();
    size_t off = 0;
    while (off < size) {
        uint8_t ctl = data[off++];
        size_t len = off + 2 <= size ? load_be16(data + off) : 0;
        off += off + 2 <= size ? 2 : size - off;
        if (len > size - off)
            len = size - off;
        if (len > sizeof frame)
            len = sizeof frame;
        memcpy(frame, data + off, len);
        off += len;
        fix_frame(frame, len, ctl);
        now += (uint64_t)(ctl >> 5) * 300000000ull;
        keep = (ctl & 0x10) != 0;
        aal5_reasm_expire(r, now);
        int rc = aal5_reasm_input(r, (ctl >> 2) & 3u, frame, len, now, deliver, NULL);
        if (rc < -1 || aal5_reasm_held(r) > 3u * 65535u || aal5_reasm_pending(r) > 4)
            abort();
    }
    aal5_reasm_flush(r);
    while (nheld > 0)
        pkt_free(held[--nheld]);
    if (aal5_reasm_pending(r) != 0 || aal5_reasm_held(r) != 0 || pktpool_out(small) != 0 ||
        pktpool_out(big) != 0) {
        fprintf(stderr, "fuzz-aal5: buffers leaked by this input\n");
        abort();
    }
    now += 10000000000ull;
    return 0;
}
