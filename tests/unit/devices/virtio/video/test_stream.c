// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-video streams: their defaults, which params and controls may change
 * once resources exist (and live rate changes), teardown with buffers still
 * queued, and the limits on streams and resources.
 */
#include "video_fixture.h"

static void test_defaults_before_params(void **state)
{
	struct virtio_video_stream_create sc = {.hdr = {VIRTIO_VIDEO_CMD_STREAM_CREATE, 3},
						.coded_format = VIRTIO_VIDEO_FORMAT_H264};
	struct virtio_video_params p;
	uint32_t val;

	assert_int_equal(vg_cmd_hdr(&g, &sc, sizeof(sc)), VIRTIO_VIDEO_RESP_OK_NODATA);
	/* Answered at once, before any SET_PARAMS, with sensible values. */
	assert_int_equal(vg_get_params(&g, 3, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &p),
			 VIRTIO_VIDEO_RESP_OK_GET_PARAMS);
	assert_int_equal(p.format, VIRTIO_VIDEO_FORMAT_NV12);
	/* One buffer plane holding luma and chroma: V4L2's NV12 is a single-buffer format. */
	assert_int_equal(p.num_planes, 1);
	assert_true(p.frame_width > 0 && p.frame_rate > 0 && p.min_buffers >= 1);
	assert_int_equal(p.plane_formats[0].stride, p.frame_width);
	assert_int_equal(p.plane_formats[0].plane_size, p.frame_width * p.frame_height * 3 / 2);
	assert_int_equal(vg_get_params(&g, 3, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, &p),
			 VIRTIO_VIDEO_RESP_OK_GET_PARAMS);
	assert_int_equal(p.format, VIRTIO_VIDEO_FORMAT_H264);
	assert_true(p.plane_formats[0].plane_size >= 4096);
	assert_int_equal(vg_get_control(&g, 3, VIRTIO_VIDEO_CONTROL_PROFILE, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(val, VIRTIO_VIDEO_PROFILE_H264_BASELINE);
	assert_int_equal(vg_get_control(&g, 3, VIRTIO_VIDEO_CONTROL_LEVEL, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_true(val >= 0x100 && val <= 0x10e);
	assert_int_equal(vg_get_control(&g, 3, VIRTIO_VIDEO_CONTROL_BITRATE, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_true(val > 0);
	assert_int_equal(vg_get_control(&g, 3, VIRTIO_VIDEO_CONTROL_BITRATE_MODE, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(val, VIRTIO_VIDEO_BITRATE_MODE_VBR);
	assert_int_equal(vg_get_control(&g, 3, VIRTIO_VIDEO_CONTROL_PREPEND_SPSPPS_TO_IDR, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(val, 1);
}

static void test_controls_after_resources(void **state)
{
	uint32_t val;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 1000000, 2000000,
		    VIRTIO_VIDEO_PROFILE_H264_MAIN);
	/* Before resources, mode, profile and level may change (and back). */
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE_MODE, 1),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE_MODE, 0),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, 0x10b),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	create_buffers();
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE_MODE, 1),
			 VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_PROFILE,
					VIRTIO_VIDEO_PROFILE_H264_HIGH),
			 VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_LEVEL, 0x10c),
			 VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	/* Setting the current value is no change. */
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE_MODE, 0),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_PROFILE, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(val, VIRTIO_VIDEO_PROFILE_H264_MAIN);
	/* The input format cannot change under input resources either. */
	run.in.frame_width = 640;
	assert_int_equal(vg_set_params(&g, SID, &run.in), VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	run.in.frame_width = W;

	/* BITRATE and BITRATE_PEAK change live: VBR's ceiling drops with the peak. */
	encode(0, FPS, MOVING);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE, 200000),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE_PEAK, 250000),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	encode(FPS, 2 * FPS, MOVING);
	assert_int_equal(vg_get_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE, &val),
			 VIRTIO_VIDEO_RESP_OK_GET_CONTROL);
	assert_int_equal(val, 200000);
	print_message("VBR live 1000/2000 -> 200/250 kbit/s: %.0f -> %.0f kbit/s\n", window_kbps(0),
		      window_kbps(2 * FPS));
	assert_true(window_kbps(2 * FPS) < 250 * 1.1);

	/* In CBR the new rate is the rate. */
	destroy_stream(SID);
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_CBR, 1000000, 1000000, 0);
	create_buffers();
	encode(0, FPS, MOVING);
	assert_int_equal(vg_set_control(&g, SID, VIRTIO_VIDEO_CONTROL_BITRATE, 250000),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	encode(FPS, 2 * FPS, MOVING);
	print_message("CBR live 1000 -> 250 kbit/s: %.0f, %.0f, %.0f kbit/s\n", window_kbps(0),
		      window_kbps(FPS), window_kbps(2 * FPS));
	assert_true(window_kbps(0) > 900 && window_kbps(0) < 1100);
	assert_true(window_kbps(2 * FPS) > 225 && window_kbps(2 * FPS) < 275);
}

/* STREAM_DESTROY and QUEUE_CLEAR with buffers queued: those come back flagged ERR. */
static void test_teardown_pending(void **state)
{
	struct virtio_video_queue_cmd clear = {.hdr = {VIRTIO_VIDEO_CMD_QUEUE_CLEAR, SID},
					       .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT};
	struct virtio_video_resource_queue_resp ro;
	int h1, h2;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	h1 = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID, 0);
	h2 = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID + 1, 0);
	/* Queued twice: refused, the first stays queued. */
	assert_int_equal(
		vg_wait(&g, vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID, 0),
			&ro, sizeof(ro), 2000),
		8);
	assert_int_equal(ro.hdr.type, VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	assert_int_equal(vg_cmd_hdr(&g, &clear, sizeof(clear)), VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_wait(&g, h1, &ro, sizeof(ro), 100), sizeof(ro));
	assert_int_equal(ro.flags, VIRTIO_VIDEO_BUFFER_FLAG_ERR);
	assert_int_equal(vg_wait(&g, h2, &ro, sizeof(ro), 100), sizeof(ro));
	assert_int_equal(ro.flags, VIRTIO_VIDEO_BUFFER_FLAG_ERR);
	/* The real driver's close(): clears, then destroy with resources still attached. */
	encode(0, 2, MOVING);
	h1 = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID + 2, 0);
	destroy_stream(SID);
	assert_int_equal(vg_wait(&g, h1, &ro, sizeof(ro), 100), sizeof(ro));
	assert_int_equal(ro.flags, VIRTIO_VIDEO_BUFFER_FLAG_ERR);
	/* The id can be used again at once. */
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 2, MOVING);
}

static void test_limits(void **state)
{
	struct virtio_video_stream_create sc = {.hdr = {VIRTIO_VIDEO_CMD_STREAM_CREATE, 0},
						.coded_format = VIRTIO_VIDEO_FORMAT_H264};
	struct vg_buf one;
	uint32_t created = 0;

	/* Streams: up to the limit, then OUT_OF_MEMORY; destroying one makes room. */
	for (uint32_t id = 100; id < 200; id++) {
		uint32_t t;

		sc.hdr.stream_id = id;
		t = vg_cmd_hdr(&g, &sc, sizeof(sc));
		if (t != VIRTIO_VIDEO_RESP_OK_NODATA) {
			assert_int_equal(t, VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY);
			break;
		}
		created++;
	}
	assert_true(created >= 4 && created < 100);
	destroy_stream(100);
	sc.hdr.stream_id = 500;
	assert_int_equal(vg_cmd_hdr(&g, &sc, sizeof(sc)), VIRTIO_VIDEO_RESP_OK_NODATA);

	/* Resources per queue: 32 (V4L2's maximum), then OUT_OF_MEMORY. */
	assert_int_equal(vg_buf_alloc(&g, &one, VG_PAGE), 0);
	for (uint32_t id = 0; id < 32; id++)
		assert_int_equal(
			vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, id, &one),
			VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 32, &one),
			 VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY);
	/* Re-creating an existing id replaces it; the other queue has its own budget. */
	assert_int_equal(vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 5, &one),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	{
		struct virtio_video_params in;
		struct vg_buf frame;

		/* An input resource must hold a whole frame (one page does not). */
		assert_int_equal(
			vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 0, &one),
			VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
		assert_int_equal(vg_get_params(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &in),
				 VIRTIO_VIDEO_RESP_OK_GET_PARAMS);
		assert_int_equal(vg_v4l2_alloc(&g, &in, &frame), 0);
		assert_int_equal(
			vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 0, &frame),
			VIRTIO_VIDEO_RESP_OK_NODATA);
		vg_buf_free(&frame);
	}
	{
		struct virtio_video_queue_cmd da = {
			.hdr = {VIRTIO_VIDEO_CMD_RESOURCE_DESTROY_ALL, 500},
			.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT};

		assert_int_equal(vg_cmd_hdr(&g, &da, sizeof(da)), VIRTIO_VIDEO_RESP_OK_NODATA);
	}
	assert_int_equal(vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 32, &one),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
	vg_buf_free(&one);
}

VIDEO_TEST_MAIN(VIDEO_TEST(test_defaults_before_params), VIDEO_TEST(test_controls_after_resources),
		VIDEO_TEST(test_teardown_pending), VIDEO_TEST(test_limits))
