// SPDX-License-Identifier: BSD-3-Clause
/*
 * H.264 levels: a stream may declare a level only if its frame size, macroblock
 * rate and bit rate are within that level's limits (Table A-1). The guest
 * driver sends its menu's minimum (1.0) at every open, so the device raises a
 * level that is too low to the lowest that fits instead of writing an SPS that
 * lies to every decoder.
 */
#include "devices/virtio/video/level.h"

#include "devices/virtio/video/protocol.h"
#include "util/macros.h"

struct level_limits {
	uint8_t idc;
	uint32_t max_mbps; /* macroblocks per second */
	uint32_t max_fs;   /* macroblocks per frame */
	uint32_t max_dpb;  /* macroblocks of decoded picture buffer: at least one reference */
	uint32_t max_br;   /* kbit/s (Baseline, Main; High allows 1.25 x) */
};

/* In the order of the VIRTIO_VIDEO_LEVEL_H264_* values (1b has none). */
static const struct level_limits levels[] = {
	{10, 1485, 99, 396, 64},	     /* 1.0 */
	{11, 3000, 396, 900, 192},	     /* 1.1 */
	{12, 6000, 396, 2376, 384},	     /* 1.2 */
	{13, 11880, 396, 2376, 768},	     /* 1.3 */
	{20, 11880, 396, 2376, 2000},	     /* 2.0 */
	{21, 19800, 792, 4752, 4000},	     /* 2.1 */
	{22, 20250, 1620, 8100, 4000},	     /* 2.2 */
	{30, 40500, 1620, 8100, 10000},	     /* 3.0 */
	{31, 108000, 3600, 18000, 14000},    /* 3.1 */
	{32, 216000, 5120, 20480, 20000},    /* 3.2 */
	{40, 245760, 8192, 32768, 20000},    /* 4.0 */
	{41, 245760, 8192, 32768, 50000},    /* 4.1 */
	{42, 522240, 8704, 34816, 50000},    /* 4.2 */
	{50, 589824, 22080, 110400, 135000}, /* 5.0 */
	{51, 983040, 36864, 184320, 240000}, /* 5.1 */
};

static bool allows(const struct level_limits *l, const struct h264_need *n)
{
	uint64_t wmb = (n->width + 15) / 16, hmb = (n->height + 15) / 16, fs = wmb * hmb;
	uint64_t br = (uint64_t)l->max_br * (n->high ? 1250 : 1000);

	/* Neither side may exceed sqrt(8 x MaxFS) macroblocks (A.3.1 f, g). */
	return fs <= l->max_fs && wmb * wmb <= 8ull * l->max_fs && hmb * hmb <= 8ull * l->max_fs &&
	       fs * n->fps <= l->max_mbps && fs <= l->max_dpb && n->max_bps <= br;
}

uint32_t h264_min_level(const struct h264_need *n)
{
	for (unsigned i = 0; i < ARRAY_SIZE(levels); i++)
		if (allows(&levels[i], n))
			return VIRTIO_VIDEO_LEVEL_H264_1_0 + i;
	return 0;
}

uint32_t h264_level_for(uint32_t level, const struct h264_need *n)
{
	uint32_t min = h264_min_level(n);

	if (!min || !h264_level_idc(level))
		return min;
	return level > min ? level : min;
}

uint32_t h264_level_idc(uint32_t level)
{
	if (level < VIRTIO_VIDEO_LEVEL_H264_1_0 || level > VIRTIO_VIDEO_LEVEL_H264_5_1)
		return 0;
	return levels[level - VIRTIO_VIDEO_LEVEL_H264_1_0].idc;
}
