/* apps/video-client/rtp.c — RTP fixed header parsing (RFC 3550 section 5.1). */
#include "apps/video-client/rtp.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

int rtp_parse(const uint8_t *pkt, size_t len, struct rtp_header *out)
{
    if (len < RTP_FIXED_HEADER_LEN || (pkt[0] >> 6) != RTP_VERSION)
        return -KE_INVAL;
    out->padding = (pkt[0] & 0x20) != 0;
    out->extension = (pkt[0] & 0x10) != 0;
    out->csrc_count = pkt[0] & 0x0f;
    out->marker = (pkt[1] & 0x80) != 0;
    out->payload_type = pkt[1] & 0x7f;
    out->seq = load_be16(pkt + 2);
    out->timestamp = load_be32(pkt + 4);
    out->ssrc = load_be32(pkt + 8);

    size_t off = RTP_FIXED_HEADER_LEN + 4u * out->csrc_count;
    if (off > len)
        return -KE_INVAL;
    if (out->extension) {
        /* 16-bit profile-defined field, 16-bit length in 32-bit words (5.3.1) */
        if (len - off < 4)
            return -KE_INVAL;
        size_t ext = 4 + 4u * load_be16(pkt + off + 2);
        if (len - off < ext)
            return -KE_INVAL;
        off += ext;
    }
    size_t end = len;
    if (out->padding) {
        uint8_t pad = pkt[len - 1];
        if (pad == 0 || pad > len - off)
            return -KE_INVAL;
        end -= pad;
    }
    out->payload_off = off;
    out->payload_len = end - off;
    return 0;
}
