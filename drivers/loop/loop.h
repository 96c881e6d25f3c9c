/*
 * drivers/loop/loop.h — the in-memory link: a port whose transmissions are
 * kept in a queue and whose receptions are frames a test (or a peer port)
 * put there. Two loop ports can be joined so that one's transmissions are
 * the other's receptions (a virtual cable).
 *
 * Configuration: interface NAME driver=loop [mtu=N] [peer=OTHER] — peer joins
 * this port to an earlier loop interface that is not joined yet (a cable has
 * two ends: "peer=b" when b is already joined to a is a configuration error).
 */
#ifndef SPINDLE_DRIVERS_LOOP_H
#define SPINDLE_DRIVERS_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/port.h"

/** The "loop" driver class. */
extern const struct kdriver loop_driver;

/** loop_port_create - a loop port named @name with MAC @mac receiving into @pool. NULL on -KE_NOMEM. */
struct kport *loop_port_create(const char *name, const uint8_t mac[6], struct pktpool *pool);
/**
 * loop_join - make @a's transmissions @b's receptions and the reverse. A port
 * already joined to a third one is cut from it first (that one is left
 * unjoined), so closing any of them never touches a freed port.
 */
void loop_join(struct kport *a, struct kport *b);
/**
 * loop_inject - queue @len bytes of frame @frame for reception on @port
 * (copied into a buffer of the port's pool). 0, -KE_NOMEM (pool empty),
 * -KE_TOOBIG.
 */
int loop_inject(struct kport *port, const void *frame, size_t len);
/** loop_take_tx - the oldest frame @port transmitted (caller owns it), or NULL. */
struct pktbuf *loop_take_tx(struct kport *port);
/**
 * loop_set_tx_limit - make an unjoined @port behave like a device with a
 * transmit ring of @frames slots: tx_burst takes frames only while fewer
 * than @frames transmitted frames wait to be taken (loop_take_tx frees a
 * slot). 0 means no limit (the default). For tests of transmit backpressure.
 */
void loop_set_tx_limit(struct kport *port, unsigned frames);
/** loop_tx_pending - frames transmitted and not yet taken. */
unsigned loop_tx_pending(const struct kport *port);

#endif
