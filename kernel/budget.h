/*
 * kernel/budget.h — bounded execution: running a handler under a time budget
 * and repairing the core after the target abandoned it (SPIN's bounded
 * handlers, Bershad et al. SOSP 1995, the extension model; the target side is
 * kernel/arch_budget.h).
 *
 * Frames. Core code that keeps state across a call it makes into other code
 * (a raise in progress, the scheduler running a strand, a bounded call)
 * pushes a frame naming how to undo that state, and pops it when the call
 * returns. When the target abandons a bounded call, every frame pushed
 * inside it is unwound, innermost first, so the dispatcher's raise depth and
 * the scheduler's running strand are repaired exactly as if the abandoned
 * code had returned. Pushing fails (-KE_TOOBIG) beyond KFRAME_MAX frames,
 * which also bounds runaway recursion of raises.
 *
 * What frames cannot repair (the documented hazards): the abandoned code's
 * own state, which may be half-updated (the dispatcher therefore uninstalls
 * the handler), and packet buffers it allocated and still held (counted in
 * kbudget_report.leaked_pkts as the growth of the buffers out of every pool;
 * they return only if something else frees them).
 */
#ifndef SPINDLE_KERNEL_BUDGET_H
#define SPINDLE_KERNEL_BUDGET_H

#include <stdint.h>
#include <stdbool.h>

/** Maximum nesting of frames (raises, scheduler runs, bounded calls). */
#define KFRAME_MAX 128

/** An unwind action: undo the state of a frame whose call was abandoned. */
typedef void (*kframe_unwind_fn)(void *ctx);

/**
 * kframe_push - push a frame with its unwind action. Returns 0, or
 * -KE_TOOBIG when KFRAME_MAX frames are in use (nothing pushed).
 */
int kframe_push(kframe_unwind_fn unwind, void *ctx);
/** kframe_pop - pop the innermost frame (its call returned normally). */
void kframe_pop(void);
/** kframe_depth - frames in use. */
unsigned kframe_depth(void);

/** Outcomes of kbudget_call(). */
enum kbudget_status {
    KBUDGET_IN_TIME = 0,  /* returned within its budget */
    KBUDGET_LATE = 1,     /* returned, but used more than its budget */
    KBUDGET_ABANDONED = 2 /* the target stopped it; frames inside it were unwound */
};

/** What a bounded call cost. */
struct kbudget_report {
    uint64_t used_ns;     /* budget-clock time used, ns (arch_budget_call) */
    uint32_t unwound;     /* frames unwound after abandonment */
    uint32_t leaked_pkts; /* growth of buffers out over all pools across an abandoned call */
};

/**
 * kbudget_call - run @fn(@arg) with a budget of @budget_ns ns through
 * arch_budget_call(); *@result gets its value unless it was abandoned.
 * Returns enum kbudget_status and fills @rep (may be NULL).
 */
int kbudget_call(uint64_t budget_ns, int (*fn)(void *arg), void *arg, int *result,
                 struct kbudget_report *rep);

#endif
