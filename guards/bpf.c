/*
 * guards/bpf.c — the classic BPF verifier and interpreter (guards/bpf.h).
 * Opcode values are those of the BPF instruction set (pcap/bpf.h):
 * class in the low 3 bits, size, mode, operation and source above.
 */
#include "guards/bpf.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

enum {
    C_LD = 0x00, C_LDX = 0x01, C_ST = 0x02, C_STX = 0x03, C_ALU = 0x04, C_JMP = 0x05, C_RET = 0x06,
    C_MISC = 0x07,
    S_W = 0x00, S_H = 0x08, S_B = 0x10,
    M_IMM = 0x00, M_ABS = 0x20, M_IND = 0x40, M_MEM = 0x60, M_LEN = 0x80, M_MSH = 0xa0,
    O_ADD = 0x00, O_SUB = 0x10, O_MUL = 0x20, O_DIV = 0x30, O_OR = 0x40, O_AND = 0x50, O_LSH = 0x60,
    O_RSH = 0x70, O_NEG = 0x80, O_MOD = 0x90, O_XOR = 0xa0,
    J_JA = 0x00, J_JEQ = 0x10, J_JGT = 0x20, J_JGE = 0x30, J_JSET = 0x40,
    SRC_K = 0x00, SRC_X = 0x08, RVAL_A = 0x10,
    MISC_TAX = 0x00, MISC_TXA = 0x80
};

int kbpf_verify(const struct kbpf_insn *insns, unsigned len, struct kbpf_prog *prog, char *why,
                unsigned whylen)
{
    prog->verified = false;
    if (len == 0 || len > KBPF_MAX_INSNS) {
        ksnprintf(why, whylen, "program length %u not in 1..%u", len, KBPF_MAX_INSNS);
        return -KE_INVAL;
    }
    for (unsigned i = 0; i < len; i++) {
        const struct kbpf_insn *in = &insns[i];
        unsigned cls = in->code & 7;
        switch (cls) {
        case C_LD:
        case C_LDX: {
            unsigned mode = in->code & 0xe0;
            unsigned size = in->code & 0x18;
            if (size == 0x18) {
                ksnprintf(why, whylen, "insn %u: bad load size", i);
                return -KE_INVAL;
            }
            if (mode == M_MEM && in->k >= KBPF_MEMWORDS) {
                ksnprintf(why, whylen, "insn %u: scratch index %u out of range", i, in->k);
                return -KE_INVAL;
            }
            if (cls == C_LDX && mode != M_IMM && mode != M_MEM && mode != M_LEN && mode != M_MSH) {
                ksnprintf(why, whylen, "insn %u: bad LDX mode", i);
                return -KE_INVAL;
            }
            if (cls == C_LD && mode == M_MSH) {
                ksnprintf(why, whylen, "insn %u: MSH only with LDX", i);
                return -KE_INVAL;
            }
            break;
        }
        case C_ST:
        case C_STX:
            if (in->k >= KBPF_MEMWORDS) {
                ksnprintf(why, whylen, "insn %u: scratch index %u out of range", i, in->k);
                return -KE_INVAL;
            }
            break;
        case C_ALU: {
            unsigned op = in->code & 0xf0;
            if (op > O_XOR) {
                ksnprintf(why, whylen, "insn %u: unknown ALU operation", i);
                return -KE_INVAL;
            }
            if ((op == O_DIV || op == O_MOD) && (in->code & SRC_X) == 0 && in->k == 0) {
                ksnprintf(why, whylen, "insn %u: division by constant zero", i);
                return -KE_INVAL;
            }
            break;
        }
        case C_JMP: {
            unsigned op = in->code & 0xf0;
            if (op == J_JA) {
                if (in->k >= len - i - 1) {
                    ksnprintf(why, whylen, "insn %u: jump out of program", i);
                    return -KE_INVAL;
                }
            } else if (op > J_JSET) {
                ksnprintf(why, whylen, "insn %u: unknown jump", i);
                return -KE_INVAL;
            } else if ((unsigned)in->jt >= len - i - 1 || (unsigned)in->jf >= len - i - 1) {
                ksnprintf(why, whylen, "insn %u: jump out of program", i);
                return -KE_INVAL;
            }
            break;
        }
        case C_RET:
        case C_MISC:
            break;
        }
    }
    if ((insns[len - 1].code & 7) != C_RET) {
        ksnprintf(why, whylen, "program does not end in RET");
        return -KE_INVAL;
    }
    prog->len = len;
    prog->insns = insns;
    prog->verified = true;
    return 0;
}

static bool load(const uint8_t *p, uint32_t plen, uint32_t off, unsigned size, uint32_t *out)
{
    unsigned w = size == S_W ? 4 : size == S_H ? 2 : 1;
    if (off > plen || plen - off < w)
        return false;
    *out = w == 4 ? load_be32(p + off) : w == 2 ? load_be16(p + off) : p[off];
    return true;
}

bool kbpf_run(const struct kbpf_prog *prog, const struct pktbuf *pkt)
{
    if (!prog->verified)
        return false;
    const uint8_t *p = pkt_layer_ptr(pkt, PKT_L2);
    uint32_t plen = pkt_layer_len(pkt, PKT_L2);
    if (!p) {
        p = pkt_data(pkt);
        plen = pkt->len;
    }
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
                if (!load(p, plen, x + in->k, in->code & 0x18, &a))
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
            case O_DIV: if (!s) return false; a /= s; break;
            case O_MOD: if (!s) return false; a %= s; break;
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
        case C_RET:
            return ((in->code & 0x18) == RVAL_A ? a : in->k) != 0;
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
