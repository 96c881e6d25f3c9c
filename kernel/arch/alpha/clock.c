/*
 * kernel/arch/alpha/clock.c — time on Alpha through QEMU's PALcode
 * console services (qemu-palcode pal.S, Cserve_Table): cserve 7 reads the
 * VM clock (QEMU_CLOCK_VIRTUAL, ns), cserve 5 arms a one-shot alarm a1 ns
 * from now that raises a clock interrupt (entInt a0 = 1; the PALcode
 * acknowledges it in Cchip MISC.ITI), cserve 6 with 0 disarms it.
 *
 * arch_idle masks interrupts (swpipl 7), checks for work, arms the alarm
 * at the deadline and waits with call_pal wtint: QEMU wakes a waiting CPU
 * for any pending interrupt whatever the IPL, so nothing that arrives
 * between the check and the wait is lost; lowering the IPL then takes it.
 */
#include "kernel/arch.h"
#include "alpha.h"

#define IDLE_MAX_NS 1000000000ull /* a lost wake-up costs at most 1 s */

static uint64_t last_ns;

void alpha_clock_init(void)
{
    alpha_alarm_ns(0);
    last_ns = 0;
}

uint64_t arch_clock_ns(void)
{
    uint64_t ns = pal_cserve(CSERVE_GET_VM_TIME, 0);
    if (ns < last_ns)
        ns = last_ns;
    last_ns = ns;
    return ns;
}

uint64_t alpha_walltime_ns(void)
{
    return pal_cserve(CSERVE_GET_WALL_TIME, 0);
}

void alpha_alarm_ns(uint64_t ns)
{
    if (ns == 0)
        pal_cserve(CSERVE_SET_ALARM_ABS, 0);
    else
        pal_cserve(CSERVE_SET_ALARM_REL, ns);
}

void arch_idle(uint64_t deadline_ns)
{
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    uint64_t now = arch_clock_ns();
    if (alpha_wake || deadline_ns <= now) {
        alpha_wake = 0;
        pal_swpipl(ipl);
        return;
    }
    uint64_t wait = deadline_ns - now;
    if (wait > IDLE_MAX_NS)
        wait = IDLE_MAX_NS;
    alpha_alarm_ns(wait);
    pal_wtint();
    alpha_alarm_ns(0);
    pal_swpipl(ipl); /* the interrupt that woke us runs here */
    alpha_wake = 0;
}
