// SPDX-License-Identifier: BSD-3-Clause
/*
 * The H.264 level table (level.c): the lowest level for a size, frame rate and
 * bit rate, by each of Table A-1's limits, and the declared level when a
 * stream asks for one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/virtio/video/level.h"
#include "devices/virtio/video/protocol.h"

#define L(major, minor) level_of(major * 10 + minor)
#define NONE		0u

static uint32_t level_of(unsigned idc)
{
	static const uint8_t idcs[] = {10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51};

	for (unsigned i = 0; i < sizeof(idcs); i++)
		if (idcs[i] == idc)
			return VIRTIO_VIDEO_LEVEL_H264_1_0 + i;
	fail_msg("no level %u", idc);
	return 0;
}

static uint32_t min_level(uint32_t w, uint32_t h, uint32_t fps, uint64_t bps, bool high)
{
	struct h264_need n = {w, h, fps, bps, high};

	return h264_min_level(&n);
}

static void test_min_level(void **state)
{
	/* QCIF is level 1.0's frame (99 macroblocks) at 15 fps and 64 kbit/s. */
	assert_int_equal(min_level(176, 144, 15, 64000, false), L(1, 0));
	/* Macroblock rate: 30 fps needs 1.1; the rate limit alone: 65 kbit/s too. */
	assert_int_equal(min_level(176, 144, 30, 64000, false), L(1, 1));
	assert_int_equal(min_level(176, 144, 15, 65000, false), L(1, 1));
	/* The guest driver's 320x192 at 30 fps: 7200 macroblocks a second, past 1.2's 6000. */
	assert_int_equal(min_level(320, 192, 30, 200000, false), L(1, 3));
	/* 1.3's rate ends at 768 kbit/s, 2.0's at 2 Mbit/s. */
	assert_int_equal(min_level(320, 192, 30, 800000, false), L(2, 0));
	/* 720p: 3.1 at 30 fps, 3.2 at 60; 1080p30 is 4.0, and 25 Mbit/s makes Main 4.1. */
	assert_int_equal(min_level(1280, 720, 30, 4000000, false), L(3, 1));
	assert_int_equal(min_level(1280, 720, 60, 4000000, false), L(3, 2));
	assert_int_equal(min_level(1920, 1080, 30, 8000000, false), L(4, 0));
	assert_int_equal(min_level(1920, 1080, 30, 25000000, false), L(4, 1));
	/* High profile may use 1.25 x the rate: 25 Mbit/s still fits 4.0. */
	assert_int_equal(min_level(1920, 1080, 30, 25000000, true), L(4, 0));
	/* A thin frame: 256 macroblocks, but no side may pass sqrt(8 x MaxFS). */
	assert_int_equal(min_level(4096, 16, 1, 64000, false), L(4, 0));
	/* Odd sizes round up to whole macroblocks: 177 wide is 12 of them. */
	assert_int_equal(min_level(177, 144, 15, 64000, false), L(1, 1));
	/* Beyond 5.1: 4096x2304 at 30 fps, 4096x4096 at all, 250 Mbit/s in Main. */
	assert_int_equal(min_level(4096, 2304, 30, 8000000, false), NONE);
	assert_int_equal(min_level(4096, 2160, 25, 8000000, false), L(5, 1));
	assert_int_equal(min_level(4096, 4096, 1, 8000000, false), NONE);
	assert_int_equal(min_level(1280, 720, 30, 250000000, false), NONE);
	assert_int_equal(min_level(1280, 720, 30, 250000000, true), L(5, 1));
}

static void test_level_for(void **state)
{
	struct h264_need n = {320, 192, 30, 200000, false};

	/* Too low: raised to the lowest that fits; high enough: kept. */
	assert_int_equal(h264_level_for(L(1, 0), &n), L(1, 3));
	assert_int_equal(h264_level_for(L(1, 3), &n), L(1, 3));
	assert_int_equal(h264_level_for(L(4, 0), &n), L(4, 0));
	/* Not a level: the lowest that fits. */
	assert_int_equal(h264_level_for(0, &n), L(1, 3));
	assert_int_equal(h264_level_for(0x999, &n), L(1, 3));
	/* Nothing fits: 0, whatever was asked. */
	n.width = n.height = 4096;
	assert_int_equal(h264_level_for(L(5, 1), &n), NONE);
	/* level_idc is ten times the level. */
	assert_int_equal(h264_level_idc(L(1, 0)), 10);
	assert_int_equal(h264_level_idc(L(5, 1)), 51);
	assert_int_equal(h264_level_idc(VIRTIO_VIDEO_LEVEL_H264_5_1 + 1), 0);
	assert_int_equal(h264_level_idc(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_level),
		cmocka_unit_test(test_level_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
