/*
 * kernel/clock.h — the time the core runs on.
 *
 * Normally the target's monotonic clock (arch_clock_ns). A replay driver
 * (pcap-file) redirects it to the trace's timestamps so that a replay is
 * deterministic: timers fire in trace time.
 */
#ifndef SPINDLE_KERNEL_CLOCK_H
#define SPINDLE_KERNEL_CLOCK_H

#include <stdint.h>

#define KNS_PER_US 1000ull
#define KNS_PER_MS 1000000ull
#define KNS_PER_S 1000000000ull

/** kclock_now_ns - the current time in nanoseconds (monotonic). */
uint64_t kclock_now_ns(void);

/**
 * kclock_set_source - read time from @fn(@ctx) instead of arch_clock_ns();
 * @fn NULL restores the target clock. The source must never go back.
 */
void kclock_set_source(uint64_t (*fn)(void *ctx), void *ctx);

/**
 * kclock_arch_deadline - the arch_clock_ns() time at which kclock time
 * @deadline_ns will be reached, for arch_idle(); UINT64_MAX stays UINT64_MAX.
 * Equal to @deadline_ns when no other source is set.
 */
uint64_t kclock_arch_deadline(uint64_t deadline_ns);

#endif
