/*
 * drivers/dpdk/dpdk_eal.h — DPDK's Environment Abstraction Layer, brought
 * up once per process (private to drivers/dpdk; the public entry point is
 * dpdk_eal_configure in dpdk.h), and the capture of DPDK's log around a
 * call so that an error can quote the PMD's own reason.
 */
#ifndef SPINDLE_DRIVERS_DPDK_DPDK_EAL_H
#define SPINDLE_DRIVERS_DPDK_DPDK_EAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** Words of an EAL argument string, argv[0] included. */
#define DPDK_EAL_MAX_ARGS 64
/** Bytes of the store EAL's words live in: an argument string may be up to
 * DPDK_EAL_STORE - 9 bytes long ("spindle" and a NUL come first). */
#define DPDK_EAL_STORE 600

/**
 * dpdk_eal_ensure - EAL up: 0 at once when it already is; else
 * dpdk_eal_configure(@eal_args) or, when @eal_args is NULL, the defaults.
 * A non-NULL @eal_args that differs from the arguments EAL was started
 * with is -KE_INVAL (one EAL per process). After a failed initialisation
 * every call returns -KE_IO with that failure's reason in @err.
 */
int dpdk_eal_ensure(const char *eal_args, char *err, size_t errlen);

/**
 * dpdk_eal_split - split @args into words (blanks separate; '...' and
 * "..." group, quotes removed) stored in @store (@storelen bytes), pointers
 * in @argv after @argv[0] = "spindle". Returns argc, or -KE_INVAL for an
 * unbalanced quote, more than DPDK_EAL_MAX_ARGS - 1 words or a string
 * longer than @storelen - 9 bytes.
 */
int dpdk_eal_split(const char *args, char *store, size_t storelen, char *argv[DPDK_EAL_MAX_ARGS]);

/**
 * dpdk_eal_default_args - the default EAL arguments (see dpdk.h) into
 * @buf (@len bytes), the lcore's CPU set taken from the process's affinity.
 */
void dpdk_eal_default_args(char *buf, size_t len);

/**
 * dpdk_fmt - snprintf into @buf (@len bytes) where cutting a long message
 * short is intended (device names and DPDK's reasons vary in length).
 */
void dpdk_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** A capture of DPDK's log output (struct private to dpdk_eal.c users). */
struct dpdk_log_capture {
    FILE *stream;
    char *text;       /* everything DPDK logged, malloc'd */
    size_t len, cap;  /* bytes in text, bytes allocated */
    size_t complaint; /* offset of the first message at WARNING or worse */
    bool complained;  /* whether there was one */
};

/** dpdk_log_capture_begin - send DPDK's log into @c until _end. */
void dpdk_log_capture_begin(struct dpdk_log_capture *c);

/**
 * dpdk_log_capture_end - end the capture: the captured text is written on
 * to standard error (nothing is hidden from the operator) and one line of
 * it is copied into @first (@firstlen bytes; "" when DPDK said nothing):
 * the first line logged at RTE_LOG_WARNING or a more severe level (the
 * first complaint is the cause; the lines after it are the callers giving
 * up; informational lines such as "EAL: Detected CPU lcores" are not
 * reasons), else the first non-empty line. DPDK logs to standard error
 * again.
 */
void dpdk_log_capture_end(struct dpdk_log_capture *c, char *first, size_t firstlen);

/** dpdk_eal_no_pci - true when EAL runs with --no-pci (no PCI device can be probed). */
bool dpdk_eal_no_pci(void);

#endif
