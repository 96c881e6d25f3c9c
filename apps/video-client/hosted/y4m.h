/*
 * apps/video-client/hosted/y4m.h — the headless display of the hosted video
 * client (`display=FILE.y4m`): decoded frames appended to a YUV4MPEG2 file
 * that any player opens (ffplay, mpv, VLC).
 *
 * Stream header: "YUV4MPEG2 W<w> H<h> F<num>:<den> Ip A1:1 C420jpeg
 * XCOLORRANGE=FULL". C420jpeg because a JPEG's 4:2:0 chroma is sited
 * between the luma samples in both directions (JFIF 1.02), not co-sited
 * horizontally as MPEG-2's C420mpeg2; XCOLORRANGE=FULL (the extension
 * ffmpeg reads and writes) because JPEG YCbCr uses the full 0-255 range.
 * Each frame: "FRAME\n", then the Y, Cb and Cr planes.
 *
 * The frame rate comes from the RTP timestamps (90 kHz): the header is
 * written when the second frame arrives, at 90000 / (its timestamp minus
 * the first's), reduced; a stream of a single frame is written at 30:1.
 * Unless a rate is given at creation, in which case the header goes out
 * with the first frame. All frames must have the first frame's size (a
 * YUV4MPEG2 stream cannot change it); others are refused (-KE_TOOBIG).
 *
 * Hosted only (stdio).
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_HOSTED_Y4M_H
#define SPINDLE_APPS_VIDEO_CLIENT_HOSTED_Y4M_H

#include <stdint.h>
#include "apps/video-client/vsink.h"

/**
 * y4m_sink_create - a sink appending to a new file @path (created or
 * truncated); @rate_num/@rate_den frames per second, or 0/0 to take the
 * rate from the RTP timestamps. Returns NULL (errno set) when the file
 * cannot be opened or memory is exhausted.
 */
struct vsink *y4m_sink_create(const char *path, uint32_t rate_num, uint32_t rate_den);

/** y4m_sink_frames - frames written to the file so far (a held first frame is not). */
uint64_t y4m_sink_frames(const struct vsink *s);

#endif
