/*
 * guards/guard_eval.h — evaluating one guard on one event argument.
 *
 * Field tests read big-endian (network byte order) @width bytes at
 * layer start + offset; a test whose bytes are not all inside the packet's
 * valid data (from the layer start to data_off + len), or whose layer is
 * unset, is false. Source of the model: SPIN's guards (Bershad et al., SOSP
 * 1995, section 4.2) and Click's IPClassifier field tests.
 */
#ifndef SPINDLE_GUARDS_GUARD_EVAL_H
#define SPINDLE_GUARDS_GUARD_EVAL_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/guard.h"
#include "kernel/pktbuf.h"

/**
 * guard_field_load - the field @t names in @pkt: @t->width bytes (1, 2 or 4)
 * at @t->offset bytes from the start of layer @t->layer, read in network
 * byte order and AND-ed with @t->mask, into *@v (host order). False, and
 * nothing read, when the layer is unset or the bytes are not all inside the
 * packet's valid data (layer start .. data_off + len); bytes of a lower
 * layer that was pulled in front of the data stay valid. Never writes.
 * The bounds come from the layer offsets at run time, so a guard verified
 * at install reads inside the buffer whatever packet it meets.
 */
static inline bool guard_field_load(const struct kguard_test *t, const struct pktbuf *pkt,
                                    uint32_t *v)
{
    uint32_t start = pkt->layer[t->layer];
    if (start == PKT_LAYER_UNSET ||
        start + t->offset + t->width > (uint32_t)pkt->data_off + pkt->len)
        return false;
    const uint8_t *p = pkt->block + start + t->offset;
    uint32_t x;
    if (t->width == 1)
        x = p[0];
    else if (t->width == 2)
        x = (uint32_t)p[0] << 8 | p[1];
    else
        x = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    *v = x & t->mask;
    return true;
}

/**
 * guard_op_holds - (@v OP @value) for enum kguard_op @op, unsigned; false
 * for an unknown operator.
 */
static inline bool guard_op_holds(unsigned op, uint32_t v, uint32_t value)
{
    switch (op) {
    case KG_EQ: return v == value;
    case KG_NE: return v != value;
    case KG_LT: return v < value;
    case KG_LE: return v <= value;
    case KG_GT: return v > value;
    case KG_GE: return v >= value;
    default: return false;
    }
}

/** guard_test_eval - one field test on @pkt: the field loads and (field OP value) holds. */
bool guard_test_eval(const struct kguard_test *t, const struct pktbuf *pkt);

/**
 * guard_eval - @g on event argument @arg (a struct pktbuf * when @packet).
 * A guard with no tests, BPF or predicate accepts.
 */
bool guard_eval(const struct kguard *g, void *arg, bool packet);

/**
 * guard_format - a readable form of @g into @buf ("L4[2:2]==0x7 && pred"),
 * for introspection. Returns @buf.
 */
const char *guard_format(const struct kguard *g, char *buf, unsigned size);

#endif
