/*
 * kernel/arch/x86_64/clock.c — time: the TSC as the monotonic clock,
 * calibrated against the 8254 PIT, and PIT channel 0 as a one-shot timer
 * interrupt (IRQ 0) that ends arch_idle() at the caller's deadline.
 *
 * PIT (Intel 82C54 datasheet): input clock 1193182 Hz; control word at
 * 0x43; channel 0 data 0x40 (its OUT drives IRQ 0); channel 2 data 0x42,
 * gated by port 0x61 bit 0, its OUT readable at port 0x61 bit 5. Mode 0
 * ("interrupt on terminal count") raises OUT when the loaded count runs
 * out, which makes both a stopwatch (channel 2) and a one-shot (channel 0).
 * Calibration reads channel 2's count (counter latch command) together with
 * the TSC, as described at calibrate_once(). The longest one-shot is 65535 ticks, about 54.9 ms: a longer idle wakes
 * that often and goes back to sleep.
 */
#include "kernel/arch.h"
#include "kernel/arch_budget_irq.h"
#include "x86.h"

#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CTRL 0x43
#define PORT_B 0x61
#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_OUT2 0x20
#define CALIBRATE_TICKS 2386u /* PIT ticks, 2 ms */

__extension__ typedef unsigned __int128 u128;

static uint64_t tsc_hz;
static uint64_t tsc_base;
static uint64_t ns_mult; /* ns per TSC tick, 32.32 fixed point */
static uint64_t last_ns;
static volatile uint64_t timer_ticks;

uint64_t x86_pit_measure_tsc(uint16_t pit_ticks)
{
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (uint8_t)((b & ~PORTB_SPEAKER) | PORTB_GATE2));
    outb(PIT_CTRL, 0xB0); /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, (uint8_t)pit_ticks);
    outb(PIT_CH2, (uint8_t)(pit_ticks >> 8));
    uint64_t t0 = rdtsc();
    /* Bounded: a PIT that never counts must not hang the boot (~10 s of polls). */
    for (uint32_t spin = 0; spin < 100000000u; spin++)
        if (inb(PORT_B) & PORTB_OUT2)
            break;
    uint64_t t1 = rdtsc();
    outb(PORT_B, (uint8_t)(b & ~(PORTB_SPEAKER | PORTB_GATE2)));
    return t1 - t0;
}

static void timer_irq(unsigned irq)
{
    (void)irq;
    timer_ticks++;
    kbudget_timer_interrupt(); /* may not return: a bounded handler overran (budget.c) */
}

/* One reading of PIT channel 2's count with the TSC around it. */
struct pit_sample {
    uint64_t tsc;  /* midpoint of the read */
    uint64_t span; /* TSC ticks the read took: small unless we were preempted */
    uint16_t count;
};

static struct pit_sample pit_sample_once(void)
{
    struct pit_sample s;
    uint64_t t0 = rdtsc();
    outb(PIT_CTRL, 0x80); /* counter latch, channel 2 */
    uint8_t lo = inb(PIT_CH2);
    uint8_t hi = inb(PIT_CH2);
    uint64_t t1 = rdtsc();
    s.tsc = t0 + (t1 - t0) / 2;
    s.span = t1 - t0;
    s.count = (uint16_t)(lo | hi << 8);
    return s;
}

/* The quickest of a few samples: one the host did not interrupt. */
static struct pit_sample pit_sample_best(void)
{
    struct pit_sample best = pit_sample_once();
    for (int i = 0; i < 4; i++) {
        struct pit_sample s = pit_sample_once();
        if (s.span < best.span)
            best = s;
    }
    return best;
}

/*
 * One calibration: channel 2 counts down from 65535 in mode 0 (about 55 ms);
 * TSC and count are read together near the start and after about
 * CALIBRATE_TICKS PIT ticks (2 ms: a boot spends 2 ms calibrating; one
 * tick's uncertainty at each end is 8.4 parts in 10^4, under a microsecond
 * in a millisecond timer).
 * A VM's vCPU can be descheduled at any moment, so each end takes the
 * sample whose read was quickest, and the rate comes from the count
 * difference, not from when we noticed the end.
 */
static uint64_t calibrate_once(void)
{
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (uint8_t)((b & ~PORTB_SPEAKER) | PORTB_GATE2));
    outb(PIT_CTRL, 0xB0); /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, 0xFF);
    outb(PIT_CH2, 0xFF);
    struct pit_sample s0 = pit_sample_best();
    struct pit_sample s1 = s0;
    for (uint32_t spin = 0; spin < 10000000u; spin++) {
        s1 = pit_sample_once();
        if (s1.count > s0.count || s0.count - s1.count > (int)CALIBRATE_TICKS)
            break;
    }
    s1 = pit_sample_best();
    outb(PORT_B, (uint8_t)(b & ~(PORTB_SPEAKER | PORTB_GATE2)));
    if (s1.count >= s0.count || s1.tsc <= s0.tsc)
        return 0; /* the PIT did not count: no figure */
    uint64_t pit_ticks = (uint64_t)(s0.count - s1.count);
    return (s1.tsc - s0.tsc) * PIT_HZ / pit_ticks;
}

void x86_clock_init(void)
{
    /*
     * One 2 ms window is enough: each end is the quickest of five reads
     * (a read the host interrupted is never used) and the rate comes from
     * the count difference, so a descheduled vCPU between the ends costs
     * nothing. Another window only when the PIT did not count.
     */
    tsc_hz = 0;
    for (int i = 0; i < 3 && tsc_hz == 0; i++)
        tsc_hz = calibrate_once();
    if (tsc_hz < 1000000)
        tsc_hz = 1000000;                     /* a TSC under 1 MHz is broken; keep time finite */
    ns_mult = (1000000000ull << 32) / tsc_hz; /* fits: 1e9 * 2^32 < 2^64 */
    tsc_base = rdtsc();
    /* Channel 0 leaves the firmware's periodic 18.2 Hz mode: one-shot from now on. */
    x86_timer_oneshot_ns(1000000ull);
    x86_irq_set_handler(0, timer_irq);
    x86_pic_unmask(0);
}

uint64_t x86_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t x86_clock_base_tsc(void)
{
    return tsc_base;
}

uint64_t arch_clock_ns(void)
{
    if (!ns_mult)
        return 0;
    uint64_t ns = (uint64_t)(((u128)(rdtsc() - tsc_base) * ns_mult) >> 32);
    if (ns < last_ns)
        ns = last_ns;
    last_ns = ns;
    return ns;
}

uint64_t x86_timer_ticks(void)
{
    return timer_ticks;
}

void x86_timer_oneshot_ns(uint64_t ns)
{
    if (ns > 60000000ull)
        ns = 60000000ull; /* beyond the 16-bit counter anyway */
    uint64_t ticks = ns * PIT_HZ / 1000000000ull;
    if (ticks < 2)
        ticks = 2;
    if (ticks > 0xFFFF)
        ticks = 0xFFFF;
    uint64_t f = irq_save();
    outb(PIT_CTRL, 0x30); /* channel 0, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH0, (uint8_t)ticks);
    outb(PIT_CH0, (uint8_t)(ticks >> 8));
    irq_restore(f);
}

void arch_idle(uint64_t deadline_ns)
{
    uint64_t now = arch_clock_ns();
    cli();
    if (x86_wake || deadline_ns <= now) {
        x86_wake = 0;
        sti();
        return;
    }
    x86_timer_oneshot_ns(deadline_ns - now);
    sti_hlt(); /* any interrupt ends the halt */
    cli();
    x86_wake = 0;
    sti();
}
