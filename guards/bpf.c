/*
 * guards/bpf.c — the classic BPF verifier and interpreter (guards/bpf.h).
 * Opcode values are those of the BPF instruction set (pcap/bpf.h):
 * class in the low 3 bits, size, mode, operation and source above.
 */
#include "guards/bpf.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

enum {
    C_LD = 0x00,
    C_LDX = 0x01,
    C_ST = 0x02,
    C_STX = 0x03,
    C_ALU = 0x04,
    C_JMP = 0x05,
    C_RET = 0x06,
    C_MISC = 0x07,
    S_W = 0x00,
    S_H = 0x08,
    S_B = 0x10,
    M_IMM = 0x00,
    M_ABS = 0x20,
    M_IND = 0x40,
    M_MEM = 0x60,
    M_LEN = 0x80,
    M_MSH = 0xa0,
    O_ADD = 0x00,
    O_SUB = 0x10,
    O_MUL = 0x20,
    O_DIV = 0x30,
    O_OR = 0x40,
    O_AND = 0x50,
    O_LSH = 0x60,
    O_RSH = 0x70,
    O_NEG = 0x80,
    O_MOD = 0x90,
    O_XOR = 0xa0,
    J_JA = 0x00,
    J_JEQ = 0x10,
    J_JGT = 0x20,
    J_JGE = 0x30,
    J_JSET = 0x40,
    SRC_K = 0x00,
    SRC_X = 0x08,
    RVAL_A = 0x10,
    MISC_TAX = 0x00,
    MISC_TXA = 0x80
};

/* valid - the instruction codes this machine runs (the classic set of Linux's
 * bpf_check_classic, without ancillary loads). */
static bool valid_code(uint16_t code)
{
    switch (code) {
    case C_LD | S_W | M_IMM:
    case C_LD | S_W | M_ABS:
    case C_LD | S_H | M_ABS:
    case C_LD | S_B | M_ABS:
    case C_LD | S_W | M_IND:
    case C_LD | S_H | M_IND:
    case C_LD | S_B | M_IND:
    case C_LD | S_W | M_MEM:
    case C_LD | S_W | M_LEN:
    case C_LDX | S_W | M_IMM:
    case C_LDX | S_W | M_MEM:
    case C_LDX | S_W | M_LEN:
    case C_LDX | S_B | M_MSH:
    case C_ST:
    case C_STX:
    case C_ALU | O_NEG:
    case C_JMP | J_JA:
    case C_RET | SRC_K:
    case C_RET | RVAL_A:
    case C_MISC | MISC_TAX:
    case C_MISC | MISC_TXA: return true;
    }
    unsigned op = code & 0xf0;
    if ((code & ~0xf8u) == C_ALU)
        return op == O_ADD || op == O_SUB || op == O_MUL || op == O_DIV || op == O_MOD ||
               op == O_OR || op == O_AND || op == O_XOR || op == O_LSH || op == O_RSH;
    if ((code & ~0xf8u) == C_JMP)
        return op == J_JEQ || op == J_JGT || op == J_JGE || op == J_JSET;
    return false;
}

int kbpf_verify(const struct kbpf_insn *insns, unsigned len, struct kbpf_prog *prog, char *why,
                unsigned whylen)
{
    prog->verified = false;
    if (!insns || len == 0 || len > KBPF_MAX_INSNS) {
        ksnprintf(why, whylen, "program length %u not in 1..%u", len, KBPF_MAX_INSNS);
        return -KE_INVAL;
    }
    for (unsigned i = 0; i < len; i++) {
        const struct kbpf_insn *in = &insns[i];
        unsigned cls = in->code & 7, op = in->code & 0xf0, mode = in->code & 0xe0;
        if (!valid_code(in->code)) {
            ksnprintf(why, whylen, "insn %u: unknown instruction code 0x%x", i, in->code);
            return -KE_INVAL;
        }
        switch (cls) {
        case C_LD:
        case C_LDX:
            if (mode == M_MEM && in->k >= KBPF_MEMWORDS) {
                ksnprintf(why, whylen, "insn %u: scratch index %u out of range 0..%u", i, in->k,
                          KBPF_MEMWORDS - 1);
                return -KE_INVAL;
            }
            if ((mode == M_ABS || mode == M_MSH) && in->k > 0xffffu) {
                ksnprintf(why, whylen,
                          "insn %u: load at offset 0x%x is past any packet (ancillary data is not "
                          "supported)",
                          i, in->k);
                return -KE_INVAL;
            }
            break;
        case C_ST:
        case C_STX:
            if (in->k >= KBPF_MEMWORDS) {
                ksnprintf(why, whylen, "insn %u: scratch index %u out of range 0..%u", i, in->k,
                          KBPF_MEMWORDS - 1);
                return -KE_INVAL;
            }
            break;
        case C_ALU:
            if ((op == O_DIV || op == O_MOD) && (in->code & SRC_X) == 0 && in->k == 0) {
                ksnprintf(why, whylen, "insn %u: division by constant zero", i);
                return -KE_INVAL;
            }
            if ((op == O_LSH || op == O_RSH) && (in->code & SRC_X) == 0 && in->k >= 32) {
                ksnprintf(why, whylen, "insn %u: shift by %u bits (at most 31)", i, in->k);
                return -KE_INVAL;
            }
            break;
        case C_JMP:
            /* forward only and inside the program: every run ends within len steps */
            if (op == J_JA) {
                if (in->k >= len - i - 1) {
                    ksnprintf(why, whylen, "insn %u: jump out of program", i);
                    return -KE_INVAL;
                }
            } else if ((unsigned)in->jt >= len - i - 1 || (unsigned)in->jf >= len - i - 1) {
                ksnprintf(why, whylen, "insn %u: jump out of program", i);
                return -KE_INVAL;
            }
            break;
        default: break;
        }
    }
    if ((insns[len - 1].code & 7) != C_RET) {
        ksnprintf(why, whylen, "program does not end in RET");
        return -KE_INVAL;
    }
    /* Scratch memory must be written before it is read on every path (as
     * Linux's check_load_and_stores): track the words surely written on
     * entry to each instruction, meeting paths with AND; jumps go forward,
     * so one pass in order sees every predecessor first. */
    uint16_t *init = kmalloc(sizeof *init * len);
    bool *reached = kmalloc(sizeof *reached * len);
    if (!init || !reached) {
        kfree(init);
        kfree(reached);
        ksnprintf(why, whylen, "no memory to verify %u instructions", len);
        return -KE_NOMEM;
    }
    init[0] = 0;
    reached[0] = true;
    for (unsigned i = 0; i < len; i++) {
        if (!reached[i])
            continue; /* dead code: never runs */
        const struct kbpf_insn *in = &insns[i];
        unsigned cls = in->code & 7;
        uint16_t m = init[i];
        if ((cls == C_LD || cls == C_LDX) && (in->code & 0xe0) == M_MEM && !(m >> in->k & 1)) {
            ksnprintf(why, whylen, "insn %u: reads scratch M[%u] before any write on some path", i,
                      in->k);
            kfree(init);
            kfree(reached);
            return -KE_INVAL;
        }
        if (cls == C_ST || cls == C_STX)
            m = (uint16_t)(m | 1u << in->k);
        unsigned next[2], nn = 0;
        if (cls == C_RET) {
            nn = 0;
        } else if (cls == C_JMP) {
            if ((in->code & 0xf0) == J_JA) {
                next[nn++] = i + 1 + in->k;
            } else {
                next[nn++] = i + 1 + in->jt;
                next[nn++] = i + 1 + in->jf;
            }
        } else {
            next[nn++] = i + 1;
        }
        for (unsigned j = 0; j < nn; j++) {
            unsigned t = next[j];
            init[t] = reached[t] ? (uint16_t)(init[t] & m) : m;
            reached[t] = true;
        }
    }
    kfree(init);
    kfree(reached);
    prog->len = len;
    prog->insns = insns;
    prog->verified = true;
    return 0;
}

static bool load(const uint8_t *p, uint32_t plen, uint64_t off, unsigned size, uint32_t *out)
{
    unsigned w = size == S_W ? 4 : size == S_H ? 2 : 1;
    if (off + w > plen)
        return false;
    *out = w == 4 ? load_be32(p + off) : w == 2 ? load_be16(p + off) : p[off];
    return true;
}

/*
 * The bytes a program addresses: from the link header (PKT_L2) to the end of
 * the data. With no layer recorded at all (a frame not yet parsed, as on
 * dev.PacketArrived) the data start is the link header. A packet whose layers
 * are recorded but not L2 (a reassembled IPv4 datagram has no link header)
 * gives NULL: the program is not run and the guard rejects.
 */
static const uint8_t *bpf_base(const struct pktbuf *pkt, uint32_t *plen)
{
    if (pkt->layer[PKT_L2] != PKT_LAYER_UNSET) {
        *plen = pkt_layer_len(pkt, PKT_L2);
        return pkt->block + pkt->layer[PKT_L2];
    }
    for (unsigned l = 0; l < PKT_NLAYERS; l++)
        if (pkt->layer[l] != PKT_LAYER_UNSET)
            return NULL;
    *plen = pkt->len;
    return pkt_data(pkt);
}

bool kbpf_run(const struct kbpf_prog *prog, const struct pktbuf *pkt)
{
    if (!prog->verified)
        return false;
    uint32_t plen = 0;
    const uint8_t *p = bpf_base(pkt, &plen);
    if (!p)
        return false;
    uint32_t a = 0, x = 0, mem[KBPF_MEMWORDS] = { 0 };
    for (unsigned pc = 0; pc < prog->len; pc++) {
        const struct kbpf_insn *in = &prog->insns[pc];
        uint32_t v;
        switch (in->code & 7) {
        case C_LD:
            switch (in->code & 0xe0) {
            case M_IMM: a = in->k; break;
            case M_LEN: a = plen; break;
            case M_MEM: a = mem[in->k]; break;
            case M_ABS:
                if (!load(p, plen, in->k, in->code & 0x18, &a))
                    return false;
                break;
            case M_IND:
                if (!load(p, plen, (uint64_t)x + in->k, in->code & 0x18, &a))
                    return false;
                break;
            default: return false;
            }
            break;
        case C_LDX:
            switch (in->code & 0xe0) {
            case M_IMM: x = in->k; break;
            case M_LEN: x = plen; break;
            case M_MEM: x = mem[in->k]; break;
            case M_MSH:
                if (!load(p, plen, in->k, S_B, &v))
                    return false;
                x = (v & 0xf) << 2;
                break;
            default: return false;
            }
            break;
        case C_ST: mem[in->k] = a; break;
        case C_STX: mem[in->k] = x; break;
        case C_ALU: {
            uint32_t s = (in->code & SRC_X) ? x : in->k;
            switch (in->code & 0xf0) {
            case O_ADD: a += s; break;
            case O_SUB: a -= s; break;
            case O_MUL: a *= s; break;
            case O_DIV:
                if (!s)
                    return false;
                a /= s;
                break;
            case O_MOD:
                if (!s)
                    return false;
                a %= s;
                break;
            case O_OR: a |= s; break;
            case O_AND: a &= s; break;
            case O_LSH: a = s < 32 ? a << s : 0; break;
            case O_RSH: a = s < 32 ? a >> s : 0; break;
            case O_NEG: a = (uint32_t)-a; break;
            case O_XOR: a ^= s; break;
            default: return false;
            }
            break;
        }
        case C_JMP: {
            uint32_t s = (in->code & SRC_X) ? x : in->k;
            bool t;
            switch (in->code & 0xf0) {
            case J_JA: pc += in->k; continue;
            case J_JEQ: t = a == s; break;
            case J_JGT: t = a > s; break;
            case J_JGE: t = a >= s; break;
            case J_JSET: t = (a & s) != 0; break;
            default: return false;
            }
            pc += t ? in->jt : in->jf;
            break;
        }
        case C_RET: return ((in->code & 0x18) == RVAL_A ? a : in->k) != 0;
        case C_MISC:
            if ((in->code & 0xf8) == MISC_TXA)
                a = x;
            else
                x = a;
            break;
        }
    }
    return false;
}
