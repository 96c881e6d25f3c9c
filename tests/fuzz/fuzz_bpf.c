/*
 * tests/fuzz/fuzz_bpf.c — libFuzzer target over the classic BPF verifier
 * and interpreter (guards/bpf.h), differential against libpcap's
 * bpf_validate and bpf_filter: a program both accept must give the same
 * verdict on the same packet. Our verifier must never accept what can make
 * the interpreter step outside the program or its scratch memory (ASan and
 * UBSan watch the run). Known, documented difference: a shift by X >= 32,
 * undefined in C and so in bpf_filter, is 0 here; such programs are
 * compared only when they shift by a constant.
 *
 * Input: [n (1)][n instructions of 8 bytes: code (2, big-endian), jt, jf,
 * k (4, big-endian)][packet: the rest, at most 1514 bytes].
 *
 * Run: build-fuzz/tests/fuzz/fuzz-bpf CORPUS -max_len=3000
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guards/bpf.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"

static struct pktpool *pool;

/* shifts_by_x - @insns has an ALU shift by X (undefined in bpf_filter for X >= 32). */
static bool shifts_by_x(const struct bpf_insn *insns, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint16_t c = insns[i].code;
        if (BPF_CLASS(c) == BPF_ALU && BPF_SRC(c) == BPF_X &&
            (BPF_OP(c) == BPF_LSH || BPF_OP(c) == BPF_RSH))
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (pool == NULL) {
        klog_set_level(KLOG_ERR);
        pool = pktpool_create("fuzz", 4, PKT_BLOCK_SIZE, NULL, NULL);
        if (pool == NULL)
            abort();
    }
    if (size < 1)
        return 0;
    unsigned n = data[0];
    if (n == 0 || size < 1 + 8u * n)
        return 0;
    struct kbpf_insn ours[256];
    struct bpf_insn theirs[256];
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = data + 1 + 8 * i;
        ours[i].code = (uint16_t)(p[0] << 8 | p[1]);
        ours[i].jt = p[2];
        ours[i].jf = p[3];
        ours[i].k = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
        theirs[i].code = ours[i].code;
        theirs[i].jt = ours[i].jt;
        theirs[i].jf = ours[i].jf;
        theirs[i].k = ours[i].k;
    }
    const uint8_t *pkt = data + 1 + 8 * n;
    size_t plen = size - 1 - 8 * n;
    if (plen > 1514)
        plen = 1514;
    struct kbpf_prog prog;
    char why[128];
    if (kbpf_verify(ours, n, &prog, why, sizeof why) != 0)
        return 0;
    struct pktbuf *b = pkt_alloc(pool);
    if (b == NULL)
        abort();
    if (plen)
        memcpy(pkt_append(b, (uint16_t)plen), pkt, plen);
    bool mine = kbpf_run(&prog, b);
    pkt_free(b);
    if (!bpf_validate(theirs, (int)n) || shifts_by_x(theirs, n))
        return 0;
    bool pcap = bpf_filter(theirs, pkt, (u_int)plen, (u_int)plen) != 0;
    if (mine != pcap) {
        fprintf(stderr, "fuzz-bpf: verdict %d, libpcap's %d (%u instructions, %zu bytes)\n", mine,
                pcap, n, plen);
        abort();
    }
    return 0;
}
