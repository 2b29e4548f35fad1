// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtio-video unit tests' fixture (video_fixture.h): the device and its
 * guest driver, scenes, and the guest driver's open and encode sequences.
 */
#define _GNU_SOURCE
#include "video_fixture.h"

#include <libavcodec/avcodec.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct vguest g;
struct virtio_device dev;
struct run run;
unsigned stream_fps = FPS;
uint32_t stream_level = VIRTIO_VIDEO_LEVEL_H264_1_0 + 10; /* 4.0 */
void (*fill_input)(unsigned k, const uint8_t *frame, uint64_t len);

int video_setup(void **state)
{
	if (vg_init(&g, MEM) || virtio_video_create(&dev, &g.drv.mem, &avcodec_encoder) ||
	    vg_attach(&g, &dev))
		return -1;
	memset(&run, 0, sizeof(run));
	stream_fps = FPS;
	stream_level = VIRTIO_VIDEO_LEVEL_H264_1_0 + 10;
	fill_input = NULL;
	return 0;
}

int video_teardown(void **state)
{
	virtio_device_destroy(&dev);
	for (int i = 0; i < NIN; i++)
		vg_buf_free(&run.inb[i]);
	for (int i = 0; i < NOUT; i++)
		vg_buf_free(&run.outb[i]);
	free(run.stream);
	vg_destroy(&g);
	return 0;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 24;
}

/* Frame i of a scene, as I420 planes (converted to NV12 by the caller if needed). */
void gen_i420(uint8_t *f, unsigned i, enum scene sc)
{
	uint8_t *y = f, *u = f + W * H, *v = u + (W / 2) * (H / 2);
	uint32_t seed = 12345u + i * 7919u;

	if (sc == STATIC_THEN_NOISE && i >= FPS) {
		/* Busy: fresh noise around mid-grey every frame. */
		for (unsigned k = 0; k < W * H; k++)
			y[k] = (uint8_t)(96 + lcg(&seed) / 4);
		for (unsigned k = 0; k < (W / 2) * (H / 2); k++) {
			u[k] = (uint8_t)(112 + lcg(&seed) / 8);
			v[k] = (uint8_t)(112 + lcg(&seed) / 8);
		}
		return;
	}
	if (sc == NOISE) {
		for (unsigned k = 0; k < W * H * 3 / 2; k++)
			f[k] = (uint8_t)lcg(&seed);
		return;
	}
	if (sc == FLAT) {
		/* A shade drifting by a level every few frames, chroma nearly constant. */
		for (unsigned r = 0; r < H; r++)
			for (unsigned c = 0; c < W; c++)
				y[r * W + c] = (uint8_t)(90 + (c + r) / 12 + i / 6);
		memset(u, 120, (W / 2) * (H / 2));
		memset(v, 136, (W / 2) * (H / 2));
		return;
	}
	if (sc == STATIC_THEN_NOISE)
		i = 0;
	/* A panning gradient, a fine checkerboard and a moving square. */
	for (unsigned r = 0; r < H; r++)
		for (unsigned c = 0; c < W; c++) {
			unsigned x = c + 2 * i, val = (x + r) & 0xff;

			if (((x / 4) ^ (r / 4)) & 1)
				val = (val + 40) & 0xff;
			if (c >= 40 + 3 * i % 200 && c < 100 + 3 * i % 200 && r >= 60 && r < 120)
				val = 235 - (c + r) % 32;
			y[r * W + c] = (uint8_t)val;
		}
	for (unsigned r = 0; r < H / 2; r++)
		for (unsigned c = 0; c < W / 2; c++) {
			u[r * (W / 2) + c] = (uint8_t)(128 + ((c + i) % 64) - 32);
			v[r * (W / 2) + c] = (uint8_t)(128 + ((r * 2 + i) % 48) - 24);
		}
}

void to_nv12(const uint8_t *i420, uint8_t *nv12)
{
	const uint8_t *u = i420 + W * H, *v = u + (W / 2) * (H / 2);

	memcpy(nv12, i420, W * H);
	for (unsigned k = 0; k < (W / 2) * (H / 2); k++) {
		nv12[W * H + 2 * k] = u[k];
		nv12[W * H + 2 * k + 1] = v[k];
	}
}

void open_stream(uint32_t codec, uint32_t in_format, uint32_t mode, uint32_t bitrate, uint32_t peak,
		 uint32_t profile)
{
	run.sid = SID;
	run.cfg = (struct vg_stream_cfg){
		codec,	    in_format,
		W,	    H,
		stream_fps, mode,
		bitrate,    peak,
		profile,    codec == VIRTIO_VIDEO_FORMAT_H264 ? stream_level : 0};
	assert_int_equal(vg_open_stream(&g, run.sid, &run.cfg, &run.in, &run.out), 0);
	assert_int_equal(run.in.frame_width, W);
	assert_int_equal(run.in.frame_height, H);
	assert_int_equal(run.in.frame_rate, stream_fps);
	assert_int_equal(run.out.format, codec);
	/*
	 * What a V4L2 client sees: one buffer plane for NV12 and YUV420, big enough
	 * for the frame the fourcc implies (a device reporting the luma plane alone
	 * here made v4l2-ctl write past its buffer).
	 */
	assert_int_equal(run.in.num_planes, 1);
	assert_int_equal(run.in.plane_formats[0].stride, W);
	run.frame_size = vg_v4l2_sizeimage(run.in.format, run.in.plane_formats[0].stride, H);
	assert_int_equal(run.frame_size, W * H * 3 / 2);
	assert_true(run.in.plane_formats[0].plane_size >= run.frame_size);
}

/* REQBUFS: the buffers are allocated once per test and re-registered per stream. */
void create_buffers(void)
{
	for (uint32_t i = 0; i < NIN; i++) {
		if (!run.inb[i].gpa)
			assert_int_equal(vg_v4l2_alloc(&g, &run.in, &run.inb[i]), 0);
		assert_int_equal(vg_resource_create(&g, run.sid, VIRTIO_VIDEO_QUEUE_TYPE_INPUT,
						    IN_ID + i, &run.inb[i]),
				 VIRTIO_VIDEO_RESP_OK_NODATA);
	}
	for (uint32_t i = 0; i < NOUT; i++) {
		if (!run.outb[i].gpa)
			assert_int_equal(
				vg_buf_alloc(&g, &run.outb[i], run.out.plane_formats[0].plane_size),
				0);
		assert_int_equal(vg_resource_create(&g, run.sid, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT,
						    OUT_ID + i, &run.outb[i]),
				 VIRTIO_VIDEO_RESP_OK_NODATA);
	}
}

/* Encodes frame i: one output buffer and one input frame queued, both must come back. */
void encode_one(unsigned i, enum scene sc)
{
	static uint8_t i420[W * H * 3 / 2], nv12[W * H * 3 / 2];
	struct virtio_video_resource_queue_resp ri, ro;
	unsigned k = run.n;
	int ho, hi;

	gen_i420(i420, i, sc);
	if (run.in.format == VIRTIO_VIDEO_FORMAT_NV12)
		to_nv12(i420, nv12);
	if (fill_input)
		fill_input(i % NIN, run.in.format == VIRTIO_VIDEO_FORMAT_NV12 ? nv12 : i420,
			   sizeof(i420));
	else
		vg_buf_write(&g, &run.inb[i % NIN], 0,
			     run.in.format == VIRTIO_VIDEO_FORMAT_NV12 ? nv12 : i420, sizeof(i420));
	ho = vg_resource_queue(&g, run.sid, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID + k % NOUT, 0);
	hi = vg_resource_queue(&g, run.sid, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, IN_ID + i % NIN,
			       1000000ull * i + 17);
	assert_true(ho >= 0 && hi >= 0);
	/* The guest's client gives up after 2 s without output: one frame must be enough. */
	assert_int_equal(vg_wait(&g, hi, &ri, sizeof(ri), 2000), sizeof(ri));
	assert_int_equal(ri.hdr.type, VIRTIO_VIDEO_RESP_OK_RESOURCE_QUEUE);
	assert_int_equal(ri.hdr.stream_id, run.sid);
	assert_int_equal(ri.flags, 0);
	assert_int_equal(ri.timestamp, 1000000ull * i + 17);
	assert_int_equal(vg_wait(&g, ho, &ro, sizeof(ro), 2000), sizeof(ro));
	assert_int_equal(ro.hdr.type, VIRTIO_VIDEO_RESP_OK_RESOURCE_QUEUE);
	assert_int_equal(ro.flags & VIRTIO_VIDEO_BUFFER_FLAG_ERR, 0);
	assert_true(ro.size > 0 && ro.size <= run.outb[k % NOUT].size);
	assert_int_equal(ro.timestamp, 1000000ull * i + 17);
	run.size[k] = ro.size;
	run.flags[k] = ro.flags;
	run.ts[k] = ro.timestamp;
	run.stream = realloc(run.stream, run.stream_len + ro.size);
	assert_non_null(run.stream);
	vg_buf_read(&g, &run.outb[k % NOUT], 0, run.stream + run.stream_len, ro.size);
	run.stream_len += ro.size;
	run.n++;
}

void encode(unsigned first, unsigned n, enum scene sc)
{
	for (unsigned i = first; i < first + n; i++)
		encode_one(i, sc);
}

/* kbit/s of the second of encoded frames starting at from. */
double window_kbps(unsigned from)
{
	uint64_t bytes = 0;

	for (unsigned k = from; k < from + stream_fps; k++)
		bytes += run.size[k];
	return (double)bytes * 8 / 1000;
}

void destroy_stream(uint32_t sid)
{
	struct virtio_video_cmd_hdr d = {VIRTIO_VIDEO_CMD_STREAM_DESTROY, sid};

	assert_int_equal(vg_cmd_hdr(&g, &d, sizeof(d)), VIRTIO_VIDEO_RESP_OK_NODATA);
	run.n = 0;
	run.stream_len = 0;
}

/* Sends a request and checks the error (or OK) it gets, the echoed stream id, and that the
 * device still answers afterwards. */
void expect_len(const void *req, uint32_t len, uint32_t type)
{
	struct virtio_video_query_capability qc = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CAPABILITY, 0},
						   .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT};
	uint8_t resp[1024];
	struct virtio_video_cmd_hdr h = {0, 0};
	uint32_t sid = 0;
	int n;

	if (len >= 8)
		memcpy(&sid, (const uint8_t *)req + 4, 4);
	/* A roomy response buffer: an error answer is the 8-byte header alone. */
	n = vg_cmd(&g, req, len, resp, sizeof(resp));
	memcpy(&h, resp, sizeof(h));
	assert_int_equal(n, sizeof(h));
	assert_int_equal(h.type, type);
	assert_int_equal(h.stream_id, len >= 8 ? sid : 0);
	assert_true(vg_cmd(&g, &qc, sizeof(qc), resp, sizeof(resp)) > 16);
}

/* The first H.264 NAL unit of type t (7: SPS, 8: PPS, 5: IDR slice) in encoded frame k. */
const uint8_t *find_nal(unsigned k, unsigned t)
{
	size_t off = 0;

	for (unsigned i = 0; i < k; i++)
		off += run.size[i];
	for (size_t i = off; i + 3 < off + run.size[k]; i++)
		if (run.stream[i] == 0 && run.stream[i + 1] == 0 && run.stream[i + 2] == 1 &&
		    (run.stream[i + 3] & 0x1f) == t)
			return run.stream + i + 3;
	return NULL;
}

/* Decodes the whole stream; returns frames decoded, their mean and lowest PSNR against sc. */
unsigned decode_run(const char *decoder, enum scene sc, double *psnr, double *min_psnr)
{
	const AVCodec *codec = avcodec_find_decoder_by_name(decoder);
	AVCodecContext *ctx = avcodec_alloc_context3(codec);
	AVFrame *fr = av_frame_alloc();
	AVPacket *pkt = av_packet_alloc();
	static uint8_t ref[W * H * 3 / 2];
	size_t off = 0;
	unsigned n = 0;
	double sum = 0;

	assert_non_null(codec);
	assert_int_equal(avcodec_open2(ctx, codec, NULL), 0);
	*min_psnr = 1000;
	for (unsigned k = 0; k <= run.n; k++) {
		int r;

		if (k < run.n) {
			pkt->data = run.stream + off;
			pkt->size = (int)run.size[k];
			off += run.size[k];
			r = avcodec_send_packet(ctx, pkt);
		} else {
			r = avcodec_send_packet(ctx, NULL);
		}
		assert_true(r == 0 || r == AVERROR_EOF);
		while (avcodec_receive_frame(ctx, fr) == 0) {
			double se = 0, mse, p;

			assert_int_equal(fr->width, W);
			assert_int_equal(fr->height, H);
			assert_int_equal(fr->format, AV_PIX_FMT_YUV420P);
			gen_i420(ref, n, sc);
			for (int pl = 0; pl < 3; pl++) {
				int pw = pl ? W / 2 : W, ph = pl ? H / 2 : H;
				const uint8_t *rp =
					ref + (pl ? W * H : 0) + (pl == 2 ? (W / 2) * (H / 2) : 0);

				for (int y = 0; y < ph; y++)
					for (int x = 0; x < pw; x++) {
						double d = fr->data[pl][y * fr->linesize[pl] + x] -
							   rp[y * pw + x];

						se += d * d;
					}
			}
			mse = se / (W * H * 3 / 2);
			p = mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 100;
			sum += p;
			if (p < *min_psnr)
				*min_psnr = p;
			n++;
		}
	}
	*psnr = n ? sum / n : 0;
	av_packet_free(&pkt);
	av_frame_free(&fr);
	avcodec_free_context(&ctx);
	return n;
}
