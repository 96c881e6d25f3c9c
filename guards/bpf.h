/*
 * guards/bpf.h — classic BPF guards (the filter machine of McCanne and
 * Jacobson, USENIX Winter 1993; the instruction set of Linux
 * Documentation/networking/filter.rst and libpcap's pcap/bpf.h).
 *
 * Programs are verified before use: every jump goes forward and lands inside
 * the program (so it terminates), the program ends in RET, scratch memory
 * indices are < 16, no division by a constant zero. Loads outside the packet
 * make the program return 0 (reject), as in the kernel's interpreter.
 * Absolute loads address the packet from its PKT_L2 layer (the Ethernet
 * header), the way tcpdump expressions expect. The interpreter is
 * freestanding so the VMs have it too. (The verifier and interpreter are
 * completed with the guard compiler, issue 5; this header is the contract.)
 */
#ifndef SPINDLE_GUARDS_BPF_H
#define SPINDLE_GUARDS_BPF_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/pktbuf.h"

/** One classic BPF instruction (struct bpf_insn / sock_filter layout). */
struct kbpf_insn {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};

/** A verified program. Create with kbpf_verify(). */
struct kbpf_prog {
    unsigned len;
    const struct kbpf_insn *insns;  /* borrowed */
    bool verified;
};

#define KBPF_MAX_INSNS 4096
#define KBPF_MEMWORDS 16

/**
 * kbpf_verify - check @len instructions at @insns and fill @prog.
 * Returns 0 or -KE_INVAL with a reason in @why (@whylen bytes).
 */
int kbpf_verify(const struct kbpf_insn *insns, unsigned len, struct kbpf_prog *prog, char *why,
                unsigned whylen);

/** kbpf_run - run verified @prog on @pkt; true when it returns nonzero. */
bool kbpf_run(const struct kbpf_prog *prog, const struct pktbuf *pkt);

#endif
