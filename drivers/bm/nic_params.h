/*
 * drivers/bm/nic_params.h — checking a bare-metal NIC's key=value
 * parameters from its configuration line (ARCHITECTURE.md "Configuration";
 * kernel/port.h struct kparams), all numbers or flags: rx_ring=N tx_ring=N
 * pool=N offload=on ...
 *
 * Portable: only kernel/ headers, so one source serves every bare-metal target.
 */
#ifndef SPINDLE_DRIVERS_BM_NIC_PARAMS_H
#define SPINDLE_DRIVERS_BM_NIC_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/port.h"

/**
 * One numeric parameter a driver accepts, in the unit the key names
 * (entries, buffers, 0/1). A flag (min 0, max 1) also takes "on" and "off".
 */
struct nic_param {
    const char *key;   /* "rx_ring" */
    uint64_t dflt;     /* value when the key is absent */
    uint64_t min, max; /* inclusive range */
    uint64_t *out;     /* where the value goes */
};

/**
 * nic_params_get - check @p (NULL: no parameters) against the @n entries of
 * @spec and fill every spec->out (kparams_get_u64). Returns 0, or with a
 * message in @err (@errlen bytes) naming driver class @driver:
 * -KE_INVAL "DRIVER: unknown parameter 'KEY' (known: K1, K2, ...)" for a
 * key not in @spec (checked first, so nothing is parsed);
 * -KE_INVAL / -KE_RANGE "DRIVER: bad K1/K2/... value: REASON" for the first
 * key, in @spec order, that is not a number (nor on/off for a flag) or is
 * outside [min, max].
 */
int nic_params_get(const char *driver, const struct kparams *p, const struct nic_param *spec,
                   unsigned n, char *err, size_t errlen);

#endif
