/*
 * kernel/guard.h — the guard representation the dispatcher stores.
 *
 * A guard is a pure predicate on an event's argument, evaluated before its
 * handler runs (SPIN, Bershad et al. SOSP 1995, section 4.2). The common
 * form is a conjunction of declarative field tests on a packet:
 *
 *     (load(layer start + offset, width bytes, network byte order) & mask) OP value
 *
 * which guards/ compiles, together with every other guard on the same event,
 * into one decision tree. Escape hatches, AND-ed onto the tests: a verified
 * classic-BPF program (guards/bpf.h) and, for trusted kernel code only, a C
 * predicate. A test that would read outside the layer's valid bytes, or a
 * layer the packet does not have, is false.
 *
 * The representation lives in kernel/ because the dispatcher copies guards
 * by value at install; evaluation, verification and compilation live in
 * guards/.
 */
#ifndef SPINDLE_KERNEL_GUARD_H
#define SPINDLE_KERNEL_GUARD_H

#include <stdint.h>
#include <stdbool.h>

/** Comparison of a masked field with a value (unsigned). */
enum kguard_op { KG_EQ = 0, KG_NE, KG_LT, KG_LE, KG_GT, KG_GE };

/** One field test. Offsets in bytes from the start of @layer (enum pkt_layer). */
struct kguard_test {
    uint8_t layer; /* enum pkt_layer */
    uint8_t width; /* 1, 2 or 4 bytes, read in network byte order */
    uint8_t op;    /* enum kguard_op */
    uint8_t reserved;
    uint16_t offset; /* bytes from the layer start */
    uint32_t mask;   /* applied to the loaded value (host order) */
    uint32_t value;  /* compared with the masked value (host order) */
};

#define KGUARD_MAX_TESTS 8

struct kbpf_prog; /* guards/bpf.h: a verified classic-BPF program */

/**
 * A guard: ntests field tests AND bpf (if set) AND pred (if set).
 * A zero-initialised guard (or a NULL guard pointer) accepts everything.
 * @bpf and @pred_ctx are borrowed: they must outlive every handler
 * installed with this guard.
 */
struct kguard {
    uint8_t ntests;
    struct kguard_test test[KGUARD_MAX_TESTS];
    const struct kbpf_prog *bpf;
    bool (*pred)(void *pred_ctx, void *arg);
    void *pred_ctx;
};

/** KGUARD_FIELD - a field-test initialiser: (layer, offset, width, mask, op, value). */
#define KGUARD_FIELD(l, off, w, m, o, v) \
    ((struct kguard_test){               \
        .layer = (l), .width = (w), .op = (o), .offset = (off), .mask = (m), .value = (v) })

/**
 * kguard_and - @dst = @a AND @b (SPIN's imposed guards: a module ANDs its
 * own guard onto a client's). Either may be NULL (true). Returns 0, or
 * -KE_TOOBIG if the tests do not fit in KGUARD_MAX_TESTS, or -KE_EXIST if
 * both carry a BPF program or both a predicate.
 */
int kguard_and(struct kguard *dst, const struct kguard *a, const struct kguard *b);

/** kguard_add_test - append one test; -KE_TOOBIG when full. */
int kguard_add_test(struct kguard *g, struct kguard_test t);

#endif
