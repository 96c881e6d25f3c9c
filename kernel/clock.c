/* kernel/clock.c — the core's time source (kernel/clock.h). */
#include "kernel/clock.h"
#include "kernel/arch.h"

static uint64_t (*source)(void *ctx);
static void *source_ctx;

uint64_t kclock_now_ns(void)
{
    return source ? source(source_ctx) : arch_clock_ns();
}

void kclock_set_source(uint64_t (*fn)(void *ctx), void *ctx)
{
    source = fn;
    source_ctx = ctx;
}

uint64_t kclock_arch_deadline(uint64_t deadline_ns)
{
    if (!source || deadline_ns == UINT64_MAX)
        return deadline_ns;
    uint64_t now = source(source_ctx);
    uint64_t delay = deadline_ns > now ? deadline_ns - now : 0;
    return arch_clock_ns() + delay;
}
