/* kernel/kerr.c — names of the core's error codes (kernel/kerr.h). */
#include "kernel/kerr.h"

const char *kerr_str(int e)
{
    static const char *const names[] = {
        [KE_OK] = "ok",
        [KE_INVAL] = "invalid argument",
        [KE_NOMEM] = "out of memory",
        [KE_NOENT] = "not found",
        [KE_EXIST] = "already exists",
        [KE_NODEV] = "no such device",
        [KE_RANGE] = "out of range",
        [KE_AGAIN] = "try again",
        [KE_PERM] = "not permitted",
        [KE_IO] = "i/o error",
        [KE_NOTSUP] = "not supported",
        [KE_TOOBIG] = "too big",
        [KE_UNREACH] = "unreachable",
    };
    if (e < 0)
        e = -e;
    if ((unsigned)e >= sizeof(names) / sizeof(names[0]) || !names[e])
        return "unknown error";
    return names[e];
}
