/*
 * apps/am/am_addr.h — the text forms of active-message addresses, shared by
 * the "am" and "am-ping" extensions (freestanding: kernel/klib.h only).
 *
 *   VC    "VPI/VCI", decimal, VPI 0..255, VCI 1..65535 (I.361 2.2.3: VCI 0
 *         never names a user VC)
 *   peer  "A.B.C.D" or "A.B.C.D:PORT" (PORT 1..65535)
 */
#ifndef SPINDLE_APPS_AM_ADDR_H
#define SPINDLE_APPS_AM_ADDR_H

#include <stddef.h>
#include <stdint.h>

/**
 * am_parse_ipport - "A.B.C.D[:PORT]" at @s into *@ip (host order) and
 * *@port (left unchanged without ":PORT"). 0, -KE_INVAL, -KE_RANGE (port 0
 * or above 65535).
 */
int am_parse_ipport(const char *s, uint32_t *ip, uint16_t *port);

#endif
