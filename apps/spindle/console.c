/*
 * apps/spindle/console.c — no console yet (apps/spindle/console.h describes
 * the seam); these keep the main loop's calls in place for it.
 */
#include "apps/spindle/console.h"

int console_open(void)
{
    return 0;
}

void console_poll(void)
{
}

void console_close(void)
{
}
