/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_LEVEL_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_LEVEL_H

/* level.c: H.264 levels (Table A-1 of the standard). Pure; calls nothing. */
#include <stdbool.h>
#include <stdint.h>

/* What a stream asks of a level. */
struct h264_need {
	uint32_t width, height, fps;
	uint64_t max_bps; /* the highest rate the encoder may reach: CBR's rate, VBR's peak */
	bool high;	  /* High profile: 1.25 x the bit rate of Baseline and Main */
};

/* The lowest level (a VIRTIO_VIDEO_LEVEL_H264_* value) that allows n, or 0 if none does. */
uint32_t h264_min_level(const struct h264_need *n);
/* The level a stream declares when it asked for level: level itself if that allows n, else the
 * lowest that does; 0 if none does. */
uint32_t h264_level_for(uint32_t level, const struct h264_need *n);
/* level_idc (10 x the level) of a VIRTIO_VIDEO_LEVEL_H264_* value; 0 if it is not one. */
uint32_t h264_level_idc(uint32_t level);

#endif
