/*
 * tests/unit/console/conskit.h — what the console tests share: a loop-driver
 * appliance configured from text (config_parse + netgraph_configure, the
 * way the hosted program does it), a console session whose output is
 * captured, and Ethernet/IPv4 frames built and read independently of the
 * code under test (RFC 791 header checksum, RFC 768 UDP, RFC 792 echo and
 * destination unreachable, RFC 826 ARP). Addresses are host order.
 */
#ifndef SPINDLE_TESTS_CONSKIT_H
#define SPINDLE_TESTS_CONSKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/console/console.h"
#include "netgraph/netif.h"

#define CK_OUR_IP 0x0a000001u  /* 10.0.0.1, the appliance's eth0 */
#define CK_PEER_IP 0x0a000002u /* 10.0.0.2, the peer on eth0 */
extern const uint8_t CK_OUR_MAC[6];
extern const uint8_t CK_PEER_MAC[6];

/** The appliance configuration most tests use: eth0 (loop) 10.0.0.1/24, eth1 (loop) 192.168.9.1/24. */
extern const char ck_conf[];

/**
 * ck_appliance - netgraph_init(256), loop driver, the configuration @text
 * parsed and brought up (the test fails on any error); returns eth0.
 */
struct netif *ck_appliance(const char *text);
/** ck_finish - netgraph_shutdown, free the configuration, assert every pool full. */
void ck_finish(void);

/** ck_console - a fresh captured session (flags as console_session_init). */
struct console_session *ck_console(unsigned flags);
/** ck_run - run @line on the captured session; the output is in ck_out(). */
enum console_status ck_run(const char *line);
/** ck_out - everything the session wrote since the last ck_run / ck_clear (NUL-terminated). */
const char *ck_out(void);
/** ck_clear - forget the captured output. */
void ck_clear(void);

/** ck_arp_request - an ARP request from CK_PEER_IP/CK_PEER_MAC for @target into @f (60 bytes). */
size_t ck_arp_request(uint8_t *f, uint32_t target);
/** ck_udp - a UDP datagram CK_PEER_IP:@sport -> CK_OUR_IP:@dport with @payload; returns frame length. */
size_t ck_udp(uint8_t *f, size_t cap, uint16_t sport, uint16_t dport, const void *payload,
              size_t len);
/** ck_ping - an ICMP echo request (id, seq) CK_PEER_IP -> CK_OUR_IP; returns frame length. */
size_t ck_ping(uint8_t *f, size_t cap, uint16_t id, uint16_t seq);
/** ck_inject - queue @len bytes for reception on @ifp's loop port (run by netgraph_poll). */
void ck_inject(struct netif *ifp, const uint8_t *f, size_t len);
/** ck_poll - netgraph_poll(false) until nothing is received; returns frames received. */
unsigned ck_poll(void);

/** A frame the appliance sent, read. */
struct ck_sent {
    uint16_t ethertype;
    uint8_t proto; /* IPv4 protocol, 0 if not IPv4 */
    uint32_t src, dst;
    const uint8_t *l4; /* into frame */
    size_t l4_len;
    uint8_t frame[2048];
    size_t len;
};
/** ck_take - the oldest frame @ifp sent, read into @s (buffer freed); false when none. */
bool ck_take(struct netif *ifp, struct ck_sent *s);
/** ck_sent_drain - free every frame @ifp sent; returns how many. */
unsigned ck_sent_drain(struct netif *ifp);
/** ck_csum - the RFC 1071 Internet checksum of @len bytes at @p (0 when the data sums right). */
uint16_t ck_csum(const void *p, size_t len);

#endif
