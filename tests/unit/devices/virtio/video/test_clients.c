// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-video as a generic V4L2 client (v4l2-ctl, GStreamer) uses it through
 * the guest driver: buffers sized from the device's one input plane, the whole
 * NV12 or YUV420 frame written into plane 0, the driver's LEVEL 1.0 at open,
 * and content from flat to noise at a low rate. Every encoded stream is decoded
 * with libavcodec and checked frame by frame; CBR must hold its rate over every
 * one-second window, VBR must stay under its peak. Also: the plane layouts a
 * RESOURCE_CREATE may describe, and the H.264 level the device declares.
 */
#include "video_fixture.h"

#include <string.h>

#include "util/macros.h"

#define RATE	  200000 /* bit/s: 320x192 at 30 fps, 28 bits a macroblock */
#define SECONDS	  3
#define LEVEL_1_0 VIRTIO_VIDEO_LEVEL_H264_1_0
#define LEVEL_1_3 (VIRTIO_VIDEO_LEVEL_H264_1_0 + 3)
#define LEVEL_3_0 (VIRTIO_VIDEO_LEVEL_H264_1_0 + 7)

/* kbit in the second of frames starting at frame from, and the extremes over every start. */
static void windows(double *lo, double *hi)
{
	*lo = 1e18;
	*hi = 0;
	for (unsigned k = 0; k + FPS <= run.n; k++) {
		double w = window_kbps(k);

		*lo = w < *lo ? w : *lo;
		*hi = w > *hi ? w : *hi;
	}
}

struct clip {
	enum scene sc;
	const char *name;
	double psnr_floor; /* mean PSNR below which the picture is wrong, not just coarse */
};

/*
 * Floors: flat content is nearly free (over 60 dB; chroma read from half-way
 * into the luma gives 30 dB). The moving scene's fine panning checkerboard at
 * 28 bits a macroblock gives 26-30 dB. Full-range noise cannot be coded at this
 * rate at all: the best any encoder can do is its local mean (about 11 dB); a
 * misplaced plane or a stale frame gives 8 dB.
 */
static const struct clip clips[] = {
	{FLAT, "flat", 40.0},
	{MOVING, "moving edges", 24.0},
	{NOISE, "noise", 9.5},
};

/* One mode on one clip, as a V4L2 client streams it: SECONDS of frames at rate (VBR: peak 1.5 x).
 */
static void stream_clip(uint32_t mode, const struct clip *c, uint32_t in_format, uint32_t rate)
{
	uint32_t peak = rate / 2 * 3;
	double psnr, min_psnr, lo, hi, total = 0;
	uint32_t level;
	const uint8_t *sps;

	stream_level = LEVEL_1_0; /* what the driver sends at every open */
	open_stream(VIRTIO_VIDEO_FORMAT_H264, in_format, mode, rate, peak,
		    VIRTIO_VIDEO_PROFILE_H264_MAIN);
	create_buffers();
	encode(0, SECONDS * FPS, c->sc);
	assert_int_equal(decode_run("h264", c->sc, &psnr, &min_psnr), SECONDS * FPS);
	windows(&lo, &hi);
	for (unsigned k = 0; k < run.n; k++)
		total += run.size[k] * 8.0 / 1000;
	print_message("%s %3u kbit/s %-12s %s: %.1f dB (min %.1f), 1 s windows %.0f..%.0f kbit, "
		      "mean %.0f\n",
		      mode == VIRTIO_VIDEO_BITRATE_MODE_CBR ? "CBR" : "VBR", rate / 1000, c->name,
		      in_format == VIRTIO_VIDEO_FORMAT_NV12 ? "NV12" : "I420", psnr, min_psnr, lo,
		      hi, total / SECONDS);
	assert_true(psnr > c->psnr_floor);
	if (mode == VIRTIO_VIDEO_BITRATE_MODE_CBR) {
		/* Every one-second window, wherever it starts, within 10% of the rate. */
		assert_true(lo > 0.9 * rate / 1000 && hi < 1.1 * rate / 1000);
	} else {
		/* Under the peak everywhere, and no more than the target on average. */
		assert_true(hi < 1.1 * peak / 1000);
		assert_true(total / SECONDS < 1.1 * rate / 1000);
	}
	/* Level 1.0 cannot hold 320x192 at 30 fps: the SPS says 1.3, and so does the device. */
	sps = find_nal(0, 7);
	assert_non_null(sps);
	assert_int_equal(sps[3], 13);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, &level),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(level, LEVEL_1_3);
	destroy_stream(SID);
}

static void test_cbr_clips(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(clips); i++)
		stream_clip(VIRTIO_VIDEO_BITRATE_MODE_CBR, &clips[i], VIRTIO_VIDEO_FORMAT_NV12,
			    RATE);
	/* YUV420's three planes from the one buffer too. */
	stream_clip(VIRTIO_VIDEO_BITRATE_MODE_CBR, &clips[1], VIRTIO_VIDEO_FORMAT_YUV420, RATE);
	/* The ends of the low-rate range, on the hardest content. */
	stream_clip(VIRTIO_VIDEO_BITRATE_MODE_CBR, &clips[2], VIRTIO_VIDEO_FORMAT_NV12, 100000);
	stream_clip(VIRTIO_VIDEO_BITRATE_MODE_CBR, &clips[2], VIRTIO_VIDEO_FORMAT_NV12, 300000);
}

static void test_vbr_clips(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(clips); i++)
		stream_clip(VIRTIO_VIDEO_BITRATE_MODE_VBR, &clips[i], VIRTIO_VIDEO_FORMAT_NV12,
			    RATE);
}

/* ---- plane layouts: what a RESOURCE_CREATE of an input frame may say ---- */

#define YSZ  (W * H)
#define UVSZ (W * H / 2)

static struct vg_buf planes[NIN][3];

/* Input slot k holds its frame in planes[k] (luma, then chroma), per layout. */
static void fill_planes(unsigned k, const uint8_t *frame, uint64_t len)
{
	vg_buf_write(&g, &planes[k][0], 0, frame, YSZ);
	vg_buf_write(&g, &planes[k][1], 0, frame + YSZ, len - YSZ);
}

/* Creates input slot k from planes[k][0..n) with layout and offsets; returns the response. */
static uint32_t create_in(unsigned k, unsigned n, uint32_t layout, const uint32_t *offs)
{
	return vg_resource_create_planes(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, IN_ID + k,
					 planes[k], n, layout, offs);
}

static void test_plane_layouts(void **state)
{
	static const uint32_t zero[3] = {0}, packed[2] = {0, YSZ}, overlap[2] = {0, YSZ - 4096};
	const uint32_t single = VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER,
		       per = VIRTIO_VIDEO_PLANES_LAYOUT_PER_PLANE;
	double psnr, min_psnr;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	for (unsigned k = 0; k < NIN; k++) {
		assert_int_equal(vg_buf_alloc(&g, &planes[k][0], YSZ), 0);
		assert_int_equal(vg_buf_alloc(&g, &planes[k][1], UVSZ), 0);
		assert_int_equal(vg_buf_alloc(&g, &planes[k][2], UVSZ), 0);
	}
	/* Two planes in one buffer at offset 0 each: chroma would be read from the luma. */
	assert_int_equal(create_in(0, 2, single, zero), VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	/* Overlapping, out of order, or three planes for NV12's two: refused as well. */
	assert_int_equal(create_in(0, 2, single, overlap), VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	{
		const uint32_t reversed[2] = {YSZ, 0};

		assert_int_equal(create_in(0, 2, single, reversed),
				 VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	}
	assert_int_equal(create_in(0, 3, per, zero), VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	/* Per plane, a plane may not reach into the next plane's pages. */
	{
		const uint32_t into_next[2] = {4096, 0};

		assert_int_equal(create_in(0, 2, per, into_next),
				 VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	}
	/* Nothing refused was kept: the ids are free, the stream takes consistent layouts. */
	assert_int_equal(create_in(0, 2, single, packed), VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(create_in(1, 2, per, zero), VIRTIO_VIDEO_RESP_OK_NODATA);
	for (uint32_t i = 0; i < NOUT; i++) {
		assert_int_equal(
			vg_buf_alloc(&g, &run.outb[i], run.out.plane_formats[0].plane_size), 0);
		assert_int_equal(vg_resource_create(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT,
						    OUT_ID + i, &run.outb[i]),
				 VIRTIO_VIDEO_RESP_OK_NODATA);
	}
	/* Frames through both layouts decode to the scene: the chroma came from its plane. */
	fill_input = fill_planes;
	encode(0, 10, MOVING);
	assert_int_equal(decode_run("h264", MOVING, &psnr, &min_psnr), 10);
	print_message("two-plane layouts: %.1f dB (min %.1f)\n", psnr, min_psnr);
	assert_true(min_psnr > 30.0);
	for (unsigned k = 0; k < NIN; k++)
		for (unsigned p = 0; p < 3; p++)
			vg_buf_free(&planes[k][p]);
}

/* ---- levels ---- */

static void test_levels(void **state)
{
	struct virtio_video_params in;
	uint32_t level;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_CBR, RATE, RATE, VIRTIO_VIDEO_PROFILE_H264_MAIN);
	/* A level higher than needed is kept; one too low is raised to the lowest that fits. */
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, &level),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(level, VIRTIO_VIDEO_LEVEL_H264_1_0 + 10);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, LEVEL_1_0),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, &level),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(level, LEVEL_1_3);
	/* The rate counts too: 5 Mbit/s needs level 3.0. */
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE, 5000000),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, &level),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(level, LEVEL_3_0);
	/* Past level 5.1 nothing fits: refused, and nothing changed. */
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE, 400000000),
			 VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE, &level),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(level, 5000000);
	in = run.in;
	in.frame_width = 4096;
	in.frame_height = 4096;
	in.plane_formats[0].stride = 4096;
	assert_int_equal(vg_set_params(&g, SID, &in), VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(vg_get_params(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &in),
			 VIRTIO_VIDEO_RESP_OK_GET_PARAMS);
	assert_int_equal(in.frame_width, W);
	assert_int_equal(in.frame_height, H);
	/* 1080p at 30 fps is level 4.0's. */
	in.frame_width = 1920;
	in.frame_height = 1080;
	in.plane_formats[0].stride = 1920;
	assert_int_equal(vg_set_params(&g, SID, &in), VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, &level),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(level, VIRTIO_VIDEO_LEVEL_H264_1_0 + 10);
}

VIDEO_TEST_MAIN(VIDEO_TEST(test_cbr_clips), VIDEO_TEST(test_vbr_clips),
		VIDEO_TEST(test_plane_layouts), VIDEO_TEST(test_levels))
