/* guards/dispatch.c — bringing up guards/ in the kernel (guards/dispatch.h). */
#include "guards/dispatch.h"
#include "guards/verify.h"

int guards_init(void)
{
    kevent_guard_verifier = guard_verify;
    return kevent_set_dispatcher(&guard_tree_dispatch);
}
