/*
 * apps/am/am_wire.h — the wire format of spindle's active messages (von
 * Eicken, Culler, Goldstein, Schauser, "Active Messages: a Mechanism for
 * Integrated Communication and Computation", ISCA 1992): a message names a
 * handler at its receiver and carries a few words of arguments, or a chunk
 * of a bulk transfer into (store) or out of (get) a registered memory
 * segment. Pure definitions and functions, freestanding (no kernel or libc
 * header): the kernel extension (apps/am), the Linux tool (tools/am), the
 * fuzzer and the Wireshark dissector (tools/wireshark/spindle-am.lua)
 * implement exactly this, so every constant here is part of the
 * interoperability contract.
 *
 * A message is the whole payload of one UDP datagram (RFC 768) or of one
 * AAL5 CPCS-PDU (ITU-T I.363.5, protocols/aal5/aal5_wire.h) on the
 * endpoint's VC. All fields are big-endian.
 *
 *   off size field
 *    0   1   version    AM_VERSION (1)
 *    1   1   type       enum am_type
 *    2   1   flags      AM_F_LAST on the last chunk of a bulk transfer; other bits 0
 *    3   1   handler    index at the receiver (REQUEST, STORE, REPLY); 0: none
 *    4   1   nargs      32-bit arguments that follow, 0..AM_MAX_ARGS
 *    5   1   status     NACK: enum am_status (never 0); other types: 0
 *    6   2   reserved   0
 *    8   4   epoch      the requester's incarnation (never 0); a response echoes it
 *   12   4   seq        the requester's sequence number; a response echoes it
 *   16   4n  args       nargs arguments
 *   then, for STORE, GET and GET_REPLY only, the bulk header (16 bytes):
 *    +0  1   segment    segment id at the side that holds the data
 *    +1  1   reserved   0
 *    +2  2   length     data bytes this chunk covers, 1..AM_CHUNK_MAX
 *    +4  4   base       the transfer's first byte in the segment
 *    +8  4   pos        this chunk's first byte within the transfer
 *   +12  4   total      the transfer's bytes, 1..AM_BULK_MAX
 *   then, for STORE and GET_REPLY, exactly length data bytes (GET: none).
 * Nothing may follow. A chunk covers segment bytes [base + pos, base + pos
 * + length); pos + length <= total, and AM_F_LAST is set exactly when pos +
 * length == total.
 *
 * The protocol (apps/am/am.h has the behaviour): REQUEST, STORE and GET are
 * requests; each is answered by exactly one response carrying its epoch and
 * seq: REPLY (the handler replied), ACK (it did not, or a chunk that runs no
 * handler), NACK (refused: status says why), GET_REPLY (the data of a GET
 * chunk). A requester numbers its requests to one peer 1, 2, 3 ... within
 * an epoch; a responder runs each exactly once, however often it arrives.
 */
#ifndef SPINDLE_APPS_AM_WIRE_H
#define SPINDLE_APPS_AM_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define AM_VERSION 1u
#define AM_HDR_LEN 16u      /* fixed header */
#define AM_BULK_HDR_LEN 16u /* bulk header of STORE, GET, GET_REPLY */
#define AM_MAX_ARGS 4u      /* 32-bit arguments per message */
#define AM_BULK_MAX 65536u  /* bytes of one store or get transfer */
#define AM_CHUNK_MAX 16384u /* data bytes of one message */
/** The longest message: header, 4 arguments, bulk header, a full chunk (16432 bytes). */
#define AM_MSG_MAX (AM_HDR_LEN + 4u * AM_MAX_ARGS + AM_BULK_HDR_LEN + AM_CHUNK_MAX)

/** Default UDP port of an endpoint (a user port, RFC 6335 section 6). */
#define AM_UDP_PORT 9000u

/* Field offsets of the fixed header. */
#define AM_OFF_VERSION 0u
#define AM_OFF_TYPE 1u
#define AM_OFF_FLAGS 2u
#define AM_OFF_HANDLER 3u
#define AM_OFF_NARGS 4u
#define AM_OFF_STATUS 5u
#define AM_OFF_RESERVED 6u
#define AM_OFF_EPOCH 8u
#define AM_OFF_SEQ 12u
#define AM_OFF_ARGS 16u

/** Message types. */
enum am_type {
    AM_REQUEST = 1,   /* run handler with args; answered by REPLY, ACK or NACK */
    AM_REPLY = 2,     /* response: the request handler's reply, handler = one at the requester */
    AM_ACK = 3,       /* response: done, no reply */
    AM_NACK = 4,      /* response: refused, see status */
    AM_STORE = 5,     /* request: a chunk of a store; the last runs handler (0: none) */
    AM_GET = 6,       /* request: send back a chunk of a segment */
    AM_GET_REPLY = 7, /* response: the chunk a GET asked for */
    AM_TYPE_MAX = 7
};

/** Flags. */
#define AM_F_LAST 0x01u /* the last chunk of a store or get transfer */

/** Reasons of a NACK (the status byte). */
enum am_status {
    AM_S_OK = 0,
    AM_S_NO_HANDLER = 1, /* no handler registered under that index */
    AM_S_NO_SEGMENT = 2, /* no segment registered under that id */
    AM_S_BOUNDS = 3,     /* the transfer does not lie within the segment */
    AM_S_FAULT = 4,      /* the handler overran its budget or was removed as faulty */
    AM_S_BUSY = 5,       /* the handler could not be queued (out of memory) */
    AM_S_MAX = 5
};

/** Why a message is malformed (am_wire_parse). */
enum am_wire_err {
    AM_W_OK = 0,
    AM_W_SHORT,    /* shorter than the header, its arguments or the bulk header */
    AM_W_VERSION,  /* version other than AM_VERSION */
    AM_W_TYPE,     /* type 0 or above AM_TYPE_MAX */
    AM_W_FLAGS,    /* unknown flag, or AM_F_LAST on a type without a bulk header */
    AM_W_NARGS,    /* nargs above AM_MAX_ARGS */
    AM_W_STATUS,   /* status 0 on a NACK, unknown, or non-zero elsewhere */
    AM_W_RESERVED, /* a reserved field not 0 */
    AM_W_EPOCH,    /* epoch 0 */
    AM_W_LENGTH,   /* bytes after the header other than the type demands */
    AM_W_BULK,     /* chunk length 0 or over AM_CHUNK_MAX, pos + length > total,
                         total over AM_BULK_MAX, base + total over 2^32, LAST wrong */
    AM_W_NERR
};

/** A parsed message: host-order fields; @data points into the parsed bytes. */
struct am_hdr {
    uint8_t type; /* enum am_type */
    uint8_t flags;
    uint8_t handler;
    uint8_t nargs;
    uint8_t status; /* enum am_status */
    uint32_t epoch;
    uint32_t seq;
    uint32_t args[AM_MAX_ARGS];
    /* bulk header (am_type_has_bulk) */
    uint8_t segment;
    uint16_t length; /* data bytes this chunk covers */
    uint32_t base, pos, total;
    const uint8_t *data; /* STORE, GET_REPLY: length bytes; else NULL */
};

/** am_type_has_bulk - true for STORE, GET and GET_REPLY (they carry the bulk header). */
bool am_type_has_bulk(uint8_t type);
/** am_type_is_request - true for REQUEST, STORE and GET. */
bool am_type_is_request(uint8_t type);
/** am_type_has_data - true for STORE and GET_REPLY (data bytes follow the bulk header). */
bool am_type_has_data(uint8_t type);

/**
 * am_wire_parse - check the @len bytes at @msg against the format above
 * and fill @out. Returns AM_W_OK (0) or the first enum am_wire_err found;
 * @out is then partly filled. Reads only [@msg, @msg + @len).
 */
int am_wire_parse(const uint8_t *msg, size_t len, struct am_hdr *out);

/**
 * am_wire_len - the bytes of the message @h describes: header, arguments,
 * bulk header and data (h->length bytes for STORE and GET_REPLY).
 */
size_t am_wire_len(const struct am_hdr *h);

/**
 * am_wire_build - write the header, arguments and bulk header of @h at @buf
 * (@cap bytes), version AM_VERSION, reserved fields 0; h->data is not
 * copied (the caller puts length bytes at @buf + the returned count for
 * STORE and GET_REPLY). Returns the bytes written, or 0 when they do not
 * fit in @cap or h->nargs > AM_MAX_ARGS.
 */
size_t am_wire_build(uint8_t *buf, size_t cap, const struct am_hdr *h);

/** am_wire_err_name - a short name of an enum am_wire_err ("short", "version", ...). */
const char *am_wire_err_name(int e);
/** am_type_name - "request", "reply", ... or "?" for an unknown type. */
const char *am_type_name(uint8_t type);
/** am_status_name - "no-handler", ... or "?" for an unknown status. */
const char *am_status_name(uint8_t status);

/**
 * am_fnv1a - the 32-bit FNV-1a hash of @n bytes at @p (offset basis
 * 2166136261, prime 16777619; Fowler, Noll, Vo, draft-eastlake-fnv), the
 * check value of the built-in AM_H_SUM handler (apps/am/am.h). "a" hashes
 * to 0xe40c292c.
 */
uint32_t am_fnv1a(const void *p, size_t n);

/** am_seq_after - serial-number order (RFC 1982 style): true when @a comes after @b. */
static inline bool am_seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

#endif
