/*
 * kernel/kerr.h — error codes of the core. Functions that can fail return 0
 * (or a count) on success and a negative KE_* code on failure.
 */
#ifndef SPINDLE_KERNEL_KERR_H
#define SPINDLE_KERNEL_KERR_H

enum kerr {
    KE_OK = 0,
    KE_INVAL = 1,   /* an argument or input is malformed */
    KE_NOMEM = 2,   /* memory or buffer pool exhausted */
    KE_NOENT = 3,   /* no such name, route, handler or entry */
    KE_EXIST = 4,   /* already present */
    KE_NODEV = 5,   /* no such device, BAR or interrupt */
    KE_RANGE = 6,   /* a value outside its allowed range */
    KE_AGAIN = 7,   /* temporarily impossible: queue full, retry later */
    KE_PERM = 8,    /* capability or rights refused */
    KE_IO = 9,      /* a device or file reported an error */
    KE_NOTSUP = 10, /* not supported by this target or driver */
    KE_TOOBIG = 11, /* does not fit: MTU, buffer, table */
    KE_UNREACH = 12 /* no route to the destination */
};

/** kerr_str - a short lowercase description of @e (positive or negative). */
const char *kerr_str(int e);

#endif
