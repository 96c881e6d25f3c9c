/*
 * apps/video-server/frame_read.h — the disk extension of the video server
 * (SPIN's video server, Bershad et al. SOSP 1995 section 5: "one extension
 * reads frames from the disk"): a frame of a video read asynchronously from
 * the media disk straight into the packet buffers that will carry it.
 *
 * For each frame the RFC 2435 packetiser plans the packets first
 * (rtp_jpeg_plan: which scan bytes each carries, how many header bytes go in
 * front), then each packet gets a buffer from the video pool and one kblk
 * read request whose target is that buffer: the disk writes the sectors
 * holding the packet's scan bytes so that those bytes land exactly at the
 * packet's payload offset, with room in front for Ethernet, IPv4, UDP, RTP
 * and RFC 2435 headers (vs_place). The bytes of the first and last sector
 * that belong to neighbouring packets fall into the headroom and the
 * tailroom, which the headers overwrite later or nobody reads. No CPU copy:
 * virtio-blk DMAs into the buffer, the hosted blkfile pread()s into it.
 *
 * The remaining copy: when a packet's sector span does not fit one buffer
 * beside its headers (disks with sectors larger than 512 bytes, a payload too
 * large for the pool's blocks), that packet is read into a bounce buffer and
 * its scan bytes copied (counted disk_copied). With 512-byte sectors, 2048-byte
 * blocks and RTP payloads up to 1460 bytes every packet is read in place
 * (vs_place's comment shows why).
 *
 * Freestanding; completions run from kblk_poll() in the main loop.
 */
#ifndef SPINDLE_APPS_VIDEO_FRAME_READ_H
#define SPINDLE_APPS_VIDEO_FRAME_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/video-server/media.h"
#include "apps/video-server/rtp_jpeg.h"
#include "kernel/blk.h"
#include "kernel/pktbuf.h"
#include "kernel/timer.h"

/** Headroom for Ethernet, IPv4 and UDP in front of a packet's RTP header, bytes. */
#define VS_NET_HDRS (14u + 20u + 8u)
/** Delay before a submit the disk refused as busy is tried again, ns. */
#define VS_DISK_RETRY_NS (200ull * 1000ull)

/** Where one packet's read lands in its buffer (vs_place). */
struct vs_place {
    uint64_t lba;         /* first sector */
    uint32_t nsect;       /* sectors */
    uint32_t read_off;    /* in place: byte offset in the block where the read starts */
    uint32_t payload_off; /* byte offset in the block of the packet's first scan byte */
    uint32_t lead;        /* bytes of the first sector before the scan byte */
    bool in_place;        /* false: read into a bounce buffer and copy */
};

/**
 * vs_place - place the read of @len scan bytes at byte @off of the disk
 * (sectors of @sector_size bytes) into a block of @block bytes that needs
 * @hdr bytes of headroom in front of them. The read covers whole sectors:
 * lead = off mod sector_size bytes before the scan bytes, the span rounded
 * up to whole sectors. In place when some start offset s satisfies
 * s + lead >= @hdr and s + span <= @block; the lowest payload offset wins
 * (payload_off = max(@hdr, lead)). Otherwise not in place: payload_off =
 * @hdr and the caller reads nsect sectors elsewhere. Pure; returns 0, or
 * -KE_TOOBIG when @hdr + @len exceeds @block (no placement can work).
 */
int vs_place(uint64_t off, uint32_t len, uint32_t sector_size, uint32_t hdr, uint32_t block,
             struct vs_place *out);

/** What the disk extension reads from: shared by every frame of a server. */
struct vs_disk {
    struct kblk *disk;
    struct pktpool *pool; /* the video pool (blocks of PKT_BLOCK_SIZE) */
    uint32_t max_payload; /* RTP payload bytes per packet (rtp_jpeg_plan) */
    uint64_t *ctr;        /* enum vs_ctr */
};

struct vs_frame;
/** Completion of a frame's read: f->status 0 (every packet read) or -KE_*. */
typedef void (*vs_frame_done_fn)(struct vs_frame *f, void *ctx);

/** One frame slot: the packets of one frame being read or waiting to be sent. */
struct vs_frame {
    struct vs_disk *dk;
    uint32_t cap;              /* packets the slot holds (vs_frame_init) */
    struct rtp_jpeg_pkt *plan; /* cap of them */
    struct pktbuf **pkt;       /* cap: data = the packet's scan bytes */
    struct kblk_req *req;      /* cap */
    void **bounce;             /* cap: bounce buffers of reads not in place */
    struct ktimer retry;       /* re-submit after the disk said busy */
    const struct vs_video *video;
    uint32_t index;     /* frame number in the file */
    uint64_t scan_base; /* disk byte offset of the frame's first scan byte */
    uint32_t npkts;     /* packets of this frame */
    uint32_t submitted, completed;
    int status;
    bool busy;  /* reads in flight or waiting to be submitted */
    bool ready; /* every packet read (status 0) */
    vs_frame_done_fn done;
    void *ctx;
};

/**
 * vs_frame_init - a slot of @dk for frames of at most @cap packets (arrays
 * kmalloc'ed). Returns 0 or -KE_NOMEM.
 */
int vs_frame_init(struct vs_frame *f, struct vs_disk *dk, uint32_t cap);

/**
 * vs_frame_fini - free the slot's arrays and every packet it still holds.
 * A slot still reading is first waited for (vs_frame_wait, 2 s).
 */
void vs_frame_fini(struct vs_frame *f);

/**
 * vs_frame_read - start reading frame @index of @v into the idle slot @f:
 * plan its packets, allocate their buffers from dk->pool and submit one read
 * per packet. @done(@f, @ctx) runs once from a later kblk_poll() when every
 * read completed (never from inside this call). Returns 0; -KE_TOOBIG (more
 * packets than the slot holds), -KE_NOMEM (the pool ran out: nothing is
 * kept, counted disk_no_buffer), -KE_INVAL (slot busy).
 */
int vs_frame_read(struct vs_frame *f, const struct vs_video *v, uint32_t index,
                  vs_frame_done_fn done, void *ctx);

/**
 * vs_frame_take - hand packet @i of a ready slot to the caller (who then
 * owns the buffer: data = its scan bytes, headroom for every header).
 * NULL when taken already.
 */
struct pktbuf *vs_frame_take(struct vs_frame *f, uint32_t i);

/** vs_frame_release - free the packets not taken and make the slot idle (not while busy). */
void vs_frame_release(struct vs_frame *f);

/**
 * vs_frame_wait - poll the disk until @f's reads completed or @timeout_ns
 * passed; then abort the disk (kblk_abort: every pending request of that
 * disk fails). For teardown only. Returns true when @f is idle.
 */
bool vs_frame_wait(struct vs_frame *f, uint64_t timeout_ns);

#endif
