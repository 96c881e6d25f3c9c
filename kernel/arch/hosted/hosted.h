/*
 * kernel/arch/hosted/hosted.h — what only the hosted target (spindle as a
 * Linux process) offers beyond kernel/arch.h. Hosted code only (apps/spindle,
 * hosted drivers); the portable core never includes this.
 */
#ifndef SPINDLE_KERNEL_ARCH_HOSTED_H
#define SPINDLE_KERNEL_ARCH_HOSTED_H

/** Descriptors arch_idle() watches besides the ports' wait_fd. */
#define HOSTED_IDLE_WATCH_MAX 16

/**
 * hosted_idle_watch_fd - make arch_idle() return when descriptor @fd becomes
 * readable (POLLIN, or a hang-up or error), as it does for a port's wait_fd
 * (kernel/port.h): the hosted console's standard input, its listening UNIX
 * socket and its clients. Idempotent. Returns 0, -KE_INVAL (@fd < 0) or
 * -KE_TOOBIG (HOSTED_IDLE_WATCH_MAX descriptors already watched).
 */
int hosted_idle_watch_fd(int fd);

/** hosted_idle_unwatch_fd - stop watching @fd (call it before closing @fd); idempotent. */
void hosted_idle_unwatch_fd(int fd);

#endif
