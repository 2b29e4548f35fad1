// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-video against a broken or hostile driver: malformed requests of every
 * kind get an error answer (and the device goes on), RESOURCE_CREATE with
 * hostile entries, response buffers too small, split or outside memory, and
 * an error event that waits for an eventq buffer.
 */
#include "video_fixture.h"

#include <string.h>

static void test_malformed_requests(void **state)
{
	struct virtio_video_cmd_hdr hdr = {VIRTIO_VIDEO_CMD_STREAM_DESTROY, SID};
	struct virtio_video_stream_create sc = {.hdr = {VIRTIO_VIDEO_CMD_STREAM_CREATE, 9},
						.coded_format = VIRTIO_VIDEO_FORMAT_H264};
	struct virtio_video_control_cmd ctl = {.hdr = {VIRTIO_VIDEO_CMD_SET_CONTROL, SID}};
	struct virtio_video_query_control qctl = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CONTROL, 0}};
	struct virtio_video_get_params gp = {.hdr = {VIRTIO_VIDEO_CMD_GET_PARAMS, SID}};
	struct virtio_video_params_cmd sp = {.hdr = {VIRTIO_VIDEO_CMD_SET_PARAMS, SID}};
	struct virtio_video_queue_cmd qcmd = {.hdr = {VIRTIO_VIDEO_CMD_QUEUE_CLEAR, SID}};
	struct virtio_video_resource_queue rq = {.hdr = {VIRTIO_VIDEO_CMD_RESOURCE_QUEUE, SID},
						 .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT,
						 .resource_id = 555};
	uint8_t tiny[4] = {1, 1, 0, 0};

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);

	/* Short requests. */
	expect_len(tiny, sizeof(tiny), VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	expect_len(&sc, 40, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	expect_len(&sp, 100, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	ctl.control = VIRTIO_VIDEO_CONTROL_BITRATE;
	expect_len(&ctl, 16, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER); /* a value is needed */
	qctl.control = VIRTIO_VIDEO_CONTROL_PROFILE;
	expect_len(&qctl, 16, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER); /* the format too */

	/* Unknown commands (the crosvm-only _EXT ones included). */
	hdr.type = 0x1ff;
	expect(hdr, VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	hdr.type = 0x10d;
	expect(hdr, VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	hdr.type = 0;
	expect(hdr, VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);

	/* Unknown controls. */
	ctl.control = 99;
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL);
	ctl.hdr.type = VIRTIO_VIDEO_CMD_GET_CONTROL;
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL);
	ctl.control = VIRTIO_VIDEO_CONTROL_FORCE_KEYFRAME; /* a button: nothing to get */
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL);
	qctl.control = VIRTIO_VIDEO_CONTROL_BITRATE;
	expect(qctl, VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL);

	/* Bad control values. */
	ctl.hdr.type = VIRTIO_VIDEO_CMD_SET_CONTROL;
	ctl.control = VIRTIO_VIDEO_CONTROL_BITRATE_MODE;
	ctl.val.value = 7;
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	ctl.control = VIRTIO_VIDEO_CONTROL_PROFILE;
	ctl.val.value = VIRTIO_VIDEO_PROFILE_VP8_PROFILE0; /* not an H.264 profile */
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	ctl.control = VIRTIO_VIDEO_CONTROL_LEVEL;
	ctl.val.value = 0x10f;
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	ctl.control = VIRTIO_VIDEO_CONTROL_BITRATE;
	ctl.val.value = 0;
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	ctl.control = VIRTIO_VIDEO_CONTROL_PREPEND_SPSPPS_TO_IDR;
	ctl.val.value = 0; /* always on here, as in crosvm */
	expect(ctl, VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);

	/* Unknown formats. */
	sc.coded_format = 0x1000; /* MPEG2 */
	expect(sc, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	sc.coded_format = VIRTIO_VIDEO_FORMAT_H264;
	sc.in_mem_type = VIRTIO_VIDEO_MEM_TYPE_VIRTIO_OBJECT; /* not offered */
	expect(sc, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	qctl.control = VIRTIO_VIDEO_CONTROL_PROFILE;
	qctl.format = 77;
	expect(qctl, VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL);
	qctl.control = VIRTIO_VIDEO_CONTROL_LEVEL;
	qctl.format = VIRTIO_VIDEO_FORMAT_VP8;
	expect(qctl, VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL);
	sp.params = run.in;
	sp.params.format = 77;
	expect(sp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	sp.params = run.out;
	sp.params.format = VIRTIO_VIDEO_FORMAT_NV12; /* raw on the bitstream queue */
	expect(sp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	sp.params.format = 0x1003; /* HEVC: not offered */
	expect(sp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);

	/* Bad queue types. */
	gp.queue_type = 0x102;
	expect(gp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	qcmd.queue_type = 0;
	expect(qcmd, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	qcmd.hdr.type = VIRTIO_VIDEO_CMD_RESOURCE_DESTROY_ALL;
	expect(qcmd, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	sp.params = run.in;
	sp.params.queue_type = 5;
	expect(sp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	rq.queue_type = 3;
	expect(rq, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	{
		struct virtio_video_query_capability qc = {
			.hdr = {VIRTIO_VIDEO_CMD_QUERY_CAPABILITY, 0}, .queue_type = 1};

		expect(qc, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	}

	/* Bad stream ids. */
	gp.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT;
	gp.hdr.stream_id = 999;
	expect(gp, VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID);
	hdr = (struct virtio_video_cmd_hdr){VIRTIO_VIDEO_CMD_STREAM_DRAIN, 998};
	expect(hdr, VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID);
	hdr.type = VIRTIO_VIDEO_CMD_STREAM_DESTROY;
	expect(hdr, VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID);
	sc.hdr.stream_id = SID; /* already exists */
	sc.in_mem_type = VIRTIO_VIDEO_MEM_TYPE_GUEST_PAGES;
	expect(sc, VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID);

	/* Bad resource ids. */
	rq.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT;
	expect(rq, VIRTIO_VIDEO_RESP_ERR_INVALID_RESOURCE_ID);
	rq.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT;
	expect(rq, VIRTIO_VIDEO_RESP_ERR_INVALID_RESOURCE_ID);

	/* Too large counts. */
	rq.num_data_sizes = 9;
	expect(rq, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	sp.params = run.in;
	sp.params.num_planes = 9;
	expect(sp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	sp.params.num_planes = 2;
	sp.params.frame_rate = 100000;
	expect(sp, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);

	/* Frame sizes: past the limits refused, small and odd ones adjusted. */
	sp.params = run.in;
	sp.params.frame_width = 8192;
	expect(sp, VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY);
	sp.params.frame_width = 64;
	sp.params.frame_height = 0xffffffff;
	expect(sp, VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY);
	sp.params.frame_width = 33;
	sp.params.frame_height = 3;
	sp.params.plane_formats[0].stride = 0;
	expect(sp, VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_get_params(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &sp.params),
			 VIRTIO_VIDEO_RESP_OK_GET_PARAMS);
	assert_int_equal(sp.params.frame_width, 34);
	assert_int_equal(sp.params.frame_height, 16);
	assert_int_equal(sp.params.plane_formats[0].stride, 34);
	assert_int_equal(sp.params.plane_formats[0].plane_size, 34 * 16 + 34 * 8);
}

/* RESOURCE_CREATE with hostile entries. */
static void test_bad_resources(void **state)
{
	struct {
		struct virtio_video_resource_create rc;
		struct virtio_video_mem_entry e[4];
	} req;
	struct vg_buf small;
	struct virtio_video_resource_queue_resp ri;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	assert_int_equal(vg_buf_alloc(&g, &small, 4 * VG_PAGE), 0);
#define RESET_REQ()                                                                                \
	do {                                                                                       \
		memset(&req, 0, sizeof(req));                                                      \
		req.rc.hdr = (struct virtio_video_cmd_hdr){VIRTIO_VIDEO_CMD_RESOURCE_CREATE, SID}; \
		req.rc.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT;                                 \
		req.rc.resource_id = 42;                                                           \
		req.rc.planes_layout = VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER;                   \
		req.rc.num_planes = 1;                                                             \
		req.rc.num_entries[0] = 4;                                                         \
		for (int k = 0; k < 4; k++)                                                        \
			req.e[k] = (struct virtio_video_mem_entry){small.gpa[k], VG_PAGE, {0}};    \
	} while (0)

	RESET_REQ();
	req.rc.num_planes = 9;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.rc.num_planes = 0;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.rc.planes_layout = 3;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.rc.num_entries[0] = 8193; /* past the per-resource limit */
	expect(req, VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY);
	RESET_REQ();
	req.rc.num_planes = 2;
	req.rc.num_entries[1] = 0xffffffff; /* the sum must not wrap */
	expect(req, VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY);
	RESET_REQ();
	req.rc.num_entries[0] = 5; /* more entries than the request carries */
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.rc.queue_type = 0x55;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	/* Entries outside guest memory: past its end, straddling it, wrapping, empty. */
	RESET_REQ();
	req.e[2].addr = MEM + VG_PAGE;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.e[1].addr = MEM - 100;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.e[3].addr = UINT64_MAX - 10;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	RESET_REQ();
	req.e[0].length = 0;
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	/* Valid pages too few for an input frame: refused at once, never queued. */
	RESET_REQ();
	expect(req, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(vg_wait(&g,
				 vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 42, 0),
				 &ri, sizeof(ri), 2000),
			 8);
	assert_int_equal(ri.hdr.type, VIRTIO_VIDEO_RESP_ERR_INVALID_RESOURCE_ID);
	/* As an output buffer the same pages are fine. */
	RESET_REQ();
	req.rc.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT;
	expect(req, VIRTIO_VIDEO_RESP_OK_NODATA);
	vg_buf_free(&small);
#undef RESET_REQ
}

static void test_response_buffers(void **state)
{
	struct virtio_video_get_params gp = {.hdr = {VIRTIO_VIDEO_CMD_GET_PARAMS, SID},
					     .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT};
	struct virtio_video_query_capability qc = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CAPABILITY, 0},
						   .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT};
	struct virtio_video_cmd_hdr h;
	struct virtio_video_resource_queue_resp ro;
	uint64_t req = vdrv_alloc(&g.drv, 64, 8), resp = vdrv_alloc(&g.drv, 64, 8);
	struct vdrv_buf split[26];
	int head;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	/* Too small for the response: an error header instead, nothing past the buffer. */
	assert_int_equal(vg_cmd(&g, &gp, sizeof(gp), &h, 16), 8);
	assert_int_equal(h.type, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(vg_cmd(&g, &qc, sizeof(qc), &h, 64), 8);
	assert_int_equal(h.type, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	/* No room for even a header: returned empty. */
	head = vg_submit(&g, &gp, sizeof(gp), 4);
	assert_int_equal(vg_wait(&g, head, NULL, 0, 2000), 0);
	head = vg_submit(&g, &gp, sizeof(gp), 0);
	assert_int_equal(vg_wait(&g, head, NULL, 0, 2000), 0);
	/* An 8-byte buffer for RESOURCE_QUEUE: refused, and the buffer is not queued. */
	{
		struct virtio_video_resource_queue rq = {
			.hdr = {VIRTIO_VIDEO_CMD_RESOURCE_QUEUE, SID},
			.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT,
			.resource_id = OUT_ID};

		assert_int_equal(vg_cmd(&g, &rq, sizeof(rq), &h, 8), 8);
		assert_int_equal(h.type, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
		/* A response split into 24 one-byte buffers still arrives whole, later. */
		memcpy(vdrv_ptr(&g.drv, req, sizeof(rq)), &rq, sizeof(rq));
		split[0] = (struct vdrv_buf){req, 40, false};
		split[1] = (struct vdrv_buf){req + 40, sizeof(rq) - 40, false};
		for (int k = 0; k < 24; k++)
			split[2 + k] = (struct vdrv_buf){resp + (uint64_t)k, 1, true};
		head = vg_submit_bufs(&g, split, 26);
		assert_true(head >= 0);
	}
	/* One frame in: its packet goes to that buffer, the oldest queued. */
	{
		static uint8_t i420[W * H * 3 / 2], nv12[W * H * 3 / 2];
		struct virtio_video_resource_queue_resp ri;

		gen_i420(i420, 0, MOVING);
		to_nv12(i420, nv12);
		vg_buf_write(&g, &run.inb[0], 0, nv12, sizeof(nv12));
		assert_int_equal(
			vg_wait(&g,
				vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, IN_ID, 5),
				&ri, sizeof(ri), 2000),
			sizeof(ri));
	}
	assert_int_equal(vg_wait(&g, head, NULL, 0, 2000), 24);
	memcpy(&ro, vdrv_ptr(&g.drv, resp, sizeof(ro)), sizeof(ro));
	assert_int_equal(ro.hdr.type, VIRTIO_VIDEO_RESP_OK_RESOURCE_QUEUE);
	assert_int_equal(ro.hdr.stream_id, SID);
	assert_int_equal(ro.timestamp, 5);
	assert_int_equal(ro.flags, VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
	assert_true(ro.size > 100);
	/* A chain that points outside guest memory comes back empty. */
	split[0] = (struct vdrv_buf){MEM + 4096, 16, false};
	split[1] = (struct vdrv_buf){resp, 24, true};
	head = vg_submit_bufs(&g, split, 2);
	assert_int_equal(vg_wait(&g, head, NULL, 0, 2000), 0);
	assert_int_equal(vg_get_params(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &run.in),
			 VIRTIO_VIDEO_RESP_OK_GET_PARAMS);
}

/* An error event with no eventq buffer posted: kept, delivered once one is. */
static void test_error_event_without_buffers(void **state)
{
	static uint8_t i420[W * H * 3 / 2];
	struct virtio_video_resource_queue_resp ri, ro;
	struct virtio_video_event ev;
	struct vg_buf tiny;
	int ho, hi;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	/* An output buffer of 64 bytes: no key frame fits, the packet is lost. */
	{
		struct {
			struct virtio_video_resource_create rc;
			struct virtio_video_mem_entry e;
		} req = {.rc = {.hdr = {VIRTIO_VIDEO_CMD_RESOURCE_CREATE, SID},
				.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT,
				.resource_id = 77,
				.planes_layout = VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER,
				.num_planes = 1,
				.num_entries = {1}}};

		assert_int_equal(vg_buf_alloc(&g, &tiny, VG_PAGE), 0);
		req.e = (struct virtio_video_mem_entry){tiny.gpa[0], 64, {0}};
		expect(req, VIRTIO_VIDEO_RESP_OK_NODATA);
	}
	gen_i420(i420, 0, MOVING);
	vg_buf_write(&g, &run.inb[0], 0, i420, sizeof(i420));
	ho = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, 77, 0);
	hi = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, IN_ID, 9);
	assert_int_equal(vg_wait(&g, hi, &ri, sizeof(ri), 2000), sizeof(ri));
	assert_int_equal(vg_wait(&g, ho, &ro, sizeof(ro), 2000), sizeof(ro));
	assert_int_equal(ro.flags, VIRTIO_VIDEO_BUFFER_FLAG_ERR);
	assert_int_equal(ro.size, 0);
	assert_false(vg_get_event(&g, &ev));
	/* The device keeps working meanwhile. */
	run.n = 0;
	encode(1, 2, MOVING);
	vg_post_events(&g, 2);
	assert_true(vg_get_event(&g, &ev));
	assert_int_equal(ev.event_type, VIRTIO_VIDEO_EVENT_ERROR);
	assert_int_equal(ev.stream_id, SID);
	assert_false(vg_get_event(&g, &ev));
	vg_buf_free(&tiny);
}

VIDEO_TEST_MAIN(VIDEO_TEST(test_malformed_requests), VIDEO_TEST(test_bad_resources),
		VIDEO_TEST(test_response_buffers), VIDEO_TEST(test_error_event_without_buffers))
