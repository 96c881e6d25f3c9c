/*
 * guards/bpf.h — classic BPF guards (the filter machine of McCanne and
 * Jacobson, USENIX Winter 1993; the instruction set of Linux
 * Documentation/networking/filter.rst and libpcap's pcap/bpf.h).
 *
 * Programs are verified before use (kbpf_verify): only the classic
 * instruction codes (no Linux ancillary loads); every jump goes forward and
 * lands inside the program, and the last instruction is RET, so a run takes
 * at most len steps; scratch indices are < 16 and every scratch word is
 * written before it is read on every path; no division by a constant zero,
 * no shift by a constant >= 32; absolute loads below 64 KiB. A program writes
 * nothing but its own scratch memory.
 *
 * Running (kbpf_run): loads address the packet from its PKT_L2 layer (the
 * Ethernet header), the way tcpdump expressions expect, up to the end of the
 * valid data; a load outside them, or a division by a zero X, makes the
 * program return 0 (reject), as in the Linux interpreter. A packet with no
 * layer recorded (dev.PacketArrived) is addressed from its data start; one
 * with layers recorded but no L2 (a reassembled IPv4 datagram) is rejected.
 * The interpreter is freestanding so the VMs have it too.
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
    const struct kbpf_insn *insns; /* borrowed */
    bool verified;
};

#define KBPF_MAX_INSNS 4096
#define KBPF_MEMWORDS 16

/**
 * kbpf_verify - check @len instructions at @insns and fill @prog, which
 * borrows @insns: they must outlive it and not change. Returns 0, or
 * -KE_INVAL with a one-line reason in @why (@whylen bytes) naming the
 * instruction, or -KE_NOMEM; @prog->verified is false on error.
 */
int kbpf_verify(const struct kbpf_insn *insns, unsigned len, struct kbpf_prog *prog, char *why,
                unsigned whylen);

/** kbpf_run - run verified @prog on @pkt; true when it returns nonzero (false if not verified). */
bool kbpf_run(const struct kbpf_prog *prog, const struct pktbuf *pkt);

#endif
