// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-video encoder driven as the ChromeOS/Android guest driver does (probe,
 * open, S_FMT, S_PARM, REQBUFS, QBUF), with guest-pages resources scattered
 * over non-contiguous pages, and the real libavcodec backend. The bitstreams
 * are decoded with libavcodec's decoders and compared with what went in.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libavcodec/avcodec.h>
#include <linux/virtio_pci.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/pci.h"
#include "devices/virtio/video/video.h"
#include "video_guest.h"

#define MEM	      (96u << 20)
#define W	      320
#define H	      192
#define FPS	      30
#define NIN	      2
#define NOUT	      4
#define SID	      7
#define IN_ID	      1
#define OUT_ID	      100
#define SCENE_SECONDS 3 /* static for the first, noise after */

static struct vguest g;
static struct virtio_device dev;

struct run {
	uint32_t sid;
	struct vg_stream_cfg cfg;
	struct virtio_video_params in, out;
	struct vg_buf inb[NIN], outb[NOUT];
	uint64_t frame_size;
	/* per encoded frame */
	unsigned n;
	uint32_t size[256], flags[256];
	uint64_t ts[256];
	uint8_t *stream; /* the packets back to back */
	size_t stream_len;
};

static struct run run;
static unsigned stream_fps = FPS; /* the frame rate open_stream sets */

static int setup(void **state)
{
	if (vg_init(&g, MEM) || virtio_video_create(&dev, &g.drv.mem, &avcodec_encoder) ||
	    vg_attach(&g, &dev))
		return -1;
	memset(&run, 0, sizeof(run));
	stream_fps = FPS;
	return 0;
}

static int teardown(void **state)
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

/* ---- synthetic scenes (I420 or NV12, stride = width) ---- */

enum scene { MOVING, STATIC_THEN_NOISE };

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 24;
}

/* Frame i of a scene, as I420 planes (converted to NV12 by the caller if needed). */
static void gen_i420(uint8_t *f, unsigned i, enum scene sc)
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

static void to_nv12(const uint8_t *i420, uint8_t *nv12)
{
	const uint8_t *u = i420 + W * H, *v = u + (W / 2) * (H / 2);

	memcpy(nv12, i420, W * H);
	for (unsigned k = 0; k < (W / 2) * (H / 2); k++) {
		nv12[W * H + 2 * k] = u[k];
		nv12[W * H + 2 * k + 1] = v[k];
	}
}

/* ---- a stream through the guest driver's sequence ---- */

static void open_stream(uint32_t codec, uint32_t in_format, uint32_t mode, uint32_t bitrate,
			uint32_t peak, uint32_t profile)
{
	run.sid = SID;
	run.cfg = (struct vg_stream_cfg){
		codec, in_format, W,	H,	 stream_fps,
		mode,  bitrate,	  peak, profile, codec == VIRTIO_VIDEO_FORMAT_H264 ? 0x10a : 0};
	assert_int_equal(vg_open_stream(&g, run.sid, &run.cfg, &run.in, &run.out), 0);
	assert_int_equal(run.in.frame_width, W);
	assert_int_equal(run.in.frame_height, H);
	assert_int_equal(run.in.frame_rate, stream_fps);
	assert_int_equal(run.out.format, codec);
	run.frame_size = 0;
	for (unsigned p = 0; p < run.in.num_planes; p++)
		run.frame_size += run.in.plane_formats[p].plane_size;
	assert_int_equal(run.frame_size, W * H * 3 / 2);
}

/* REQBUFS: the buffers are allocated once per test and re-registered per stream. */
static void create_buffers(void)
{
	for (uint32_t i = 0; i < NIN; i++) {
		if (!run.inb[i].gpa)
			assert_int_equal(vg_buf_alloc(&g, &run.inb[i], run.frame_size), 0);
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
static void encode_one(unsigned i, enum scene sc)
{
	static uint8_t i420[W * H * 3 / 2], nv12[W * H * 3 / 2];
	struct virtio_video_resource_queue_resp ri, ro;
	unsigned k = run.n;
	int ho, hi;

	gen_i420(i420, i, sc);
	if (run.in.format == VIRTIO_VIDEO_FORMAT_NV12)
		to_nv12(i420, nv12);
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

static void encode(unsigned first, unsigned n, enum scene sc)
{
	for (unsigned i = first; i < first + n; i++)
		encode_one(i, sc);
}

/* kbit/s of the second of encoded frames starting at from. */
static double window_kbps(unsigned from)
{
	uint64_t bytes = 0;

	for (unsigned k = from; k < from + stream_fps; k++)
		bytes += run.size[k];
	return (double)bytes * 8 / 1000;
}

/* The first H.264 NAL unit of type t (7: SPS, 8: PPS, 5: IDR slice) in encoded frame k. */
static const uint8_t *find_nal(unsigned k, unsigned t)
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

/* Decodes the whole stream; returns frames decoded and the mean PSNR against the scene. */
static unsigned decode(const char *decoder, enum scene sc, double *psnr, double *min_psnr)
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

/* ---- tests ---- */

static void test_config_space(void **state)
{
	struct virtio_video_config c;

	assert_int_equal(dev.ops->device_id, 30);
	assert_int_equal(dev.ops->config_size, 44);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.version, 0);
	assert_true(c.max_caps_length >= 1024 && c.max_resp_length >= 1024);
	assert_string_equal((char *)c.device_name, "libavcodec");
	assert_true(dev.ops->features & (1u << VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES));
	assert_true(dev.ops->features & (1u << VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG));
	assert_false(dev.ops->features & (1u << VIRTIO_VIDEO_F_RESOURCE_VIRTIO_OBJECT));
	assert_int_equal(dev.ops->queue_size[0], 1024);
	assert_int_equal(dev.ops->queue_size[1], 256);
}

static void test_capabilities(void **state)
{
	uint8_t resp[1024];
	struct virtio_video_query_capability qc = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CAPABILITY, 0},
						   .queue_type = VIRTIO_VIDEO_QUEUE_TYPE_INPUT};
	struct virtio_video_query_capability_resp *h = (void *)resp;
	struct virtio_video_format_desc *d = (void *)(resp + 16);
	struct virtio_video_format_frame *fr = (void *)(resp + 16 + 24);
	struct virtio_video_format_range *rate = (void *)(resp + 16 + 24 + 40);
	struct virtio_video_query_control qctl = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CONTROL, 0},
						  .control = VIRTIO_VIDEO_CONTROL_LEVEL,
						  .format = VIRTIO_VIDEO_FORMAT_H264};
	uint32_t *vals = (uint32_t *)(resp + 16);

	assert_int_equal(vg_cmd(&g, &qc, sizeof(qc), resp, sizeof(resp)), 16 + 2 * 80);
	assert_int_equal(h->hdr.type, VIRTIO_VIDEO_RESP_OK_QUERY_CAPABILITY);
	assert_int_equal(h->num_descs, 2);
	assert_int_equal(d->format, VIRTIO_VIDEO_FORMAT_NV12);
	assert_int_equal(d->num_frames, 1);
	assert_true(d->mask & 1);
	assert_int_equal(fr->num_rates, 1);
	assert_true(fr->width.min <= W && fr->width.max >= 1920);
	/* V4L2 clients' S_PARM is refused in the guest outside these: 1-60 must be covered. */
	assert_true(rate->min <= 1 && rate->max >= 60);
	qc.queue_type = VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT;
	assert_true(vg_cmd(&g, &qc, sizeof(qc), resp, sizeof(resp)) >= 16 + 80);
	assert_true(h->num_descs >= 1);
	assert_int_equal(d->format, VIRTIO_VIDEO_FORMAT_H264); /* the driver opens the first */
	assert_int_equal(vg_cmd(&g, &qctl, sizeof(qctl), resp, sizeof(resp)), 16 + 15 * 4);
	assert_int_equal(vals[0], 0x100);
	assert_int_equal(vals[14], 0x10e);
	qctl.control = VIRTIO_VIDEO_CONTROL_PROFILE;
	assert_int_equal(vg_cmd(&g, &qctl, sizeof(qctl), resp, sizeof(resp)), 16 + 3 * 4);
	assert_int_equal(vals[0], VIRTIO_VIDEO_PROFILE_H264_BASELINE);
}

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
	assert_int_equal(p.num_planes, 2);
	assert_true(p.frame_width > 0 && p.frame_rate > 0 && p.min_buffers >= 1);
	assert_int_equal(p.plane_formats[0].plane_size, p.frame_width * p.frame_height);
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

/* 60 frames of 320x192 I420 to H.264 at 500 kbit/s, decoded back. */
static void test_h264_quality(void **state)
{
	double psnr, min_psnr;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, VIRTIO_VIDEO_PROFILE_H264_HIGH);
	create_buffers();
	encode(0, 60, MOVING);
	assert_true(run.flags[0] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
	assert_false(run.flags[1] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
	/* Profile and level hold from the first frame: the first SPS says High, level 4.0. */
	{
		const uint8_t *sps = find_nal(0, 7);

		assert_non_null(sps);
		assert_int_equal(sps[1], 100); /* profile_idc: High */
		assert_int_equal(sps[3], 40);  /* level_idc: 4.0 */
	}
	assert_int_equal(decode("h264", MOVING, &psnr, &min_psnr), 60);
	print_message("h264 I420 500 kbit/s: mean PSNR %.1f dB, min %.1f dB, %zu bytes\n", psnr,
		      min_psnr, run.stream_len);
	/*
	 * 2 KB a frame is plenty for this synthetic scene: a correct encoder gives
	 * well over 35 dB. A wrong plane order, stride or chroma layout falls
	 * below 20 dB, and a starved rate control below 30.
	 */
	assert_true(psnr > 32.0);
	assert_true(min_psnr > 28.0);
}

static void test_h264_nv12(void **state)
{
	double psnr, min_psnr;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	assert_int_equal(run.in.num_planes, 2);
	create_buffers();
	encode(0, 20, MOVING);
	assert_int_equal(decode("h264", MOVING, &psnr, &min_psnr), 20);
	assert_true(psnr > 32.0);
}

static void destroy_stream(uint32_t sid)
{
	struct virtio_video_cmd_hdr d = {VIRTIO_VIDEO_CMD_STREAM_DESTROY, sid};

	assert_int_equal(vg_cmd_hdr(&g, &d, sizeof(d)), VIRTIO_VIDEO_RESP_OK_NODATA);
	run.n = 0;
	run.stream_len = 0;
}

static void test_vp8_vp9(void **state)
{
	static const struct {
		uint32_t codec;
		const char *encoder, *decoder;
	} c[] = {{VIRTIO_VIDEO_FORMAT_VP8, "libvpx", "vp8"},
		 {VIRTIO_VIDEO_FORMAT_VP9, "libvpx-vp9", "vp9"}};

	for (unsigned k = 0; k < 2; k++) {
		double psnr, min_psnr;

		if (!avcodec_find_encoder_by_name(c[k].encoder)) {
			print_message("%s not in this libavcodec: skipped\n", c[k].encoder);
			continue;
		}
		/* NV12 in: libvpx takes only I420, so the backend converts. */
		open_stream(c[k].codec, VIRTIO_VIDEO_FORMAT_NV12, VIRTIO_VIDEO_BITRATE_MODE_VBR,
			    800000, 1600000, 0);
		create_buffers();
		encode(0, 15, MOVING);
		assert_true(run.flags[0] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
		assert_int_equal(decode(c[k].decoder, MOVING, &psnr, &min_psnr), 15);
		print_message("%s NV12: mean PSNR %.1f dB\n", c[k].encoder, psnr);
		assert_true(psnr > 30.0);
		destroy_stream(SID);
	}
}

static double ratio_max_min(unsigned windows)
{
	double mx = 0, mn = 1e18;

	for (unsigned w = 0; w < windows; w++) {
		double k = window_kbps(w * FPS);

		mx = k > mx ? k : mx;
		mn = k < mn ? k : mn;
	}
	return mx / mn;
}

/* CBR at 500 kbit/s: every one-second window within 10% of the target. */
static void test_cbr_rate(void **state)
{
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_CBR, 500000, 1000000, VIRTIO_VIDEO_PROFILE_H264_MAIN);
	create_buffers();
	encode(0, 3 * FPS, MOVING);
	for (unsigned w = 0; w < 3; w++) {
		double k = window_kbps(w * FPS);

		print_message("CBR moving, second %u: %.0f kbit\n", w, k);
		assert_true(k > 450 && k < 550);
	}
	/* At 15 fps the same rate means twice the bits a frame: the frame rate is applied too. */
	destroy_stream(SID);
	stream_fps = 15;
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_CBR, 500000, 1000000, VIRTIO_VIDEO_PROFILE_H264_MAIN);
	create_buffers();
	encode(0, 2 * 15, MOVING);
	for (unsigned w = 0; w < 2; w++) {
		double k = window_kbps(w * 15);

		print_message("CBR 15 fps, second %u: %.0f kbit\n", w, k);
		assert_true(k > 450 && k < 550);
	}
}

/*
 * The same static-then-noise scene in CBR and in VBR (500 kbit/s average, 1
 * Mbit/s peak): CBR stays flat, VBR follows the content while its average
 * stays on target.
 */
static void test_vbr_vs_cbr(void **state)
{
	double cbr_ratio, vbr_ratio, avg = 0;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_CBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, SCENE_SECONDS * FPS, STATIC_THEN_NOISE);
	cbr_ratio = ratio_max_min(SCENE_SECONDS);
	for (unsigned w = 0; w < SCENE_SECONDS; w++) {
		print_message("CBR static/noise second %u: %.0f kbit\n", w, window_kbps(w * FPS));
		assert_true(window_kbps(w * FPS) > 450 && window_kbps(w * FPS) < 550);
	}
	destroy_stream(SID);

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_YUV420,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, SCENE_SECONDS * FPS, STATIC_THEN_NOISE);
	vbr_ratio = ratio_max_min(SCENE_SECONDS);
	for (unsigned w = 0; w < SCENE_SECONDS; w++) {
		print_message("VBR static/noise second %u: %.0f kbit\n", w, window_kbps(w * FPS));
		avg += window_kbps(w * FPS) / SCENE_SECONDS;
		/* The peak holds: no second above 1 Mbit/s (with the same 10% tolerance). */
		assert_true(window_kbps(w * FPS) < 1100);
	}
	print_message("VBR average %.0f kbit/s; max/min per second: CBR %.2f, VBR %.2f\n", avg,
		      cbr_ratio, vbr_ratio);
	assert_true(avg > 450 && avg < 550);
	assert_true(vbr_ratio > 2 * cbr_ratio);
}

static void force_keyframe(bool with_value)
{
	struct virtio_video_control_cmd c = {.hdr = {VIRTIO_VIDEO_CMD_SET_CONTROL, SID},
					     .control = VIRTIO_VIDEO_CONTROL_FORCE_KEYFRAME,
					     .val = {1, {0}}};

	assert_int_equal(vg_cmd_hdr(&g, &c, with_value ? 24 : 16), VIRTIO_VIDEO_RESP_OK_NODATA);
}

static bool has_nal(unsigned k, unsigned t)
{
	return find_nal(k, t) != NULL;
}

static void test_force_keyframe(void **state)
{
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 5, MOVING);
	force_keyframe(true); /* 24 bytes: older drivers send a value */
	encode(5, 3, MOVING);
	force_keyframe(false); /* 16 bytes: the 2021 driver sends none */
	encode(8, 3, MOVING);
	for (unsigned k = 0; k < 11; k++) {
		bool key = k == 0 || k == 5 || k == 8;

		assert_int_equal(!!(run.flags[k] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME), key);
		/* PREPEND_SPSPPS_TO_IDR reads 1: every IDR carries SPS and PPS in band. */
		assert_int_equal(has_nal(k, 5), key);
		assert_int_equal(has_nal(k, 7), key);
		assert_int_equal(has_nal(k, 8), key);
	}
	/* VP8 too, if present. */
	if (avcodec_find_encoder_by_name("libvpx")) {
		destroy_stream(SID);
		open_stream(VIRTIO_VIDEO_FORMAT_VP8, VIRTIO_VIDEO_FORMAT_YUV420,
			    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
		create_buffers();
		encode(0, 3, MOVING);
		force_keyframe(false);
		encode(3, 2, MOVING);
		assert_false(run.flags[2] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
		assert_true(run.flags[3] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
		assert_false(run.flags[4] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
	}
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

static void test_drain_eos(void **state)
{
	struct virtio_video_cmd_hdr drain = {VIRTIO_VIDEO_CMD_STREAM_DRAIN, SID};
	struct virtio_video_resource_queue_resp ro;
	struct virtio_video_cmd_hdr h;
	int hd, ho;

	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 3, MOVING);
	/* The drain waits for an output buffer to carry EOS; a second drain is refused. */
	hd = vg_submit(&g, &drain, sizeof(drain), sizeof(h));
	assert_int_equal(vg_cmd_hdr(&g, &drain, sizeof(drain)),
			 VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	assert_false(vg_poll(&g, hd));
	ho = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID, 0);
	assert_int_equal(vg_wait(&g, ho, &ro, sizeof(ro), 2000), sizeof(ro));
	assert_true(ro.flags & VIRTIO_VIDEO_BUFFER_FLAG_EOS);
	assert_int_equal(ro.size, 0);
	assert_int_equal(vg_wait(&g, hd, &h, sizeof(h), 2000), sizeof(h));
	assert_int_equal(h.type, VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(h.stream_id, SID);
	/* Encoding goes on after a drain (a fresh session: a key frame first). */
	run.n = 0;
	encode(3, 2, MOVING);
	assert_true(run.flags[0] & VIRTIO_VIDEO_BUFFER_FLAG_IFRAME);
	/* With the output buffer already queued, the drain completes on its own. */
	ho = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID + 1, 0);
	assert_int_equal(vg_cmd_hdr(&g, &drain, sizeof(drain)), VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_wait(&g, ho, &ro, sizeof(ro), 2000), sizeof(ro));
	assert_true(ro.flags & VIRTIO_VIDEO_BUFFER_FLAG_EOS);
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

/* Sends a request and checks the error (or OK) it gets, the echoed stream id, and that the
 * device still answers afterwards. */
static void expect_len(const void *req, uint32_t len, uint32_t type)
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

#define expect(req, type) expect_len(&(req), sizeof(req), type)

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
	assert_int_equal(sp.params.plane_formats[1].plane_size, 34 * 8);
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
	/* A valid resource too small for the frame: refused when queued. */
	RESET_REQ();
	expect(req, VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_wait(&g,
				 vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 42, 0),
				 &ri, sizeof(ri), 2000),
			 8);
	assert_int_equal(ri.hdr.type, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
	/* A plane offset beyond the resource. */
	RESET_REQ();
	req.rc.resource_id = 43;
	req.rc.plane_offsets[0] = 0xfffffff0;
	expect(req, VIRTIO_VIDEO_RESP_OK_NODATA);
	assert_int_equal(vg_wait(&g,
				 vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 43, 0),
				 &ri, sizeof(ri), 2000),
			 8);
	assert_int_equal(ri.hdr.type, VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER);
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
	assert_int_equal(vg_resource_create(&g, 500, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, 0, &one),
			 VIRTIO_VIDEO_RESP_OK_NODATA);
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

static void no_route(void *o, unsigned v, uint64_t addr, uint32_t data)
{
}

static void no_fire(void *o, unsigned v)
{
}

#define COMMON(f) offsetof(struct virtio_pci_common_cfg, f)

/* Behind the virtio-pci transport: identity, queue sizes, config space, and a reset. */
static void test_pci_transport(void **state)
{
	static struct virtio_pci vp;
	struct virtio_pci_host host = {.msix = {no_route, no_fire, NULL}};
	uint32_t v = 0;
	char name[33] = {0};
	uint16_t q = 0;
	int h;

	virtio_pci_init(&vp, &dev, 0xc0000000ull, host);
	vp.fn.cfg_read(&vp.fn, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 0x105eu << 16 | 0x1af4); /* 0x1040 + device 30 */
	for (uint16_t sel = 0; sel < 2; sel++) {
		uint16_t size = 0;

		virtio_pci_bar_write(&vp, COMMON(queue_select), (uint8_t *)&sel, 2);
		virtio_pci_bar_read(&vp, COMMON(queue_size), (uint8_t *)&size, 2);
		assert_int_equal(size, sel ? 256 : 1024);
	}
	virtio_pci_bar_read(&vp, VPCI_DEVICE + 4, (uint8_t *)&v, 4);
	assert_int_equal(v, 1024); /* max_caps_length */
	for (unsigned i = 0; i < 32; i += 4)
		virtio_pci_bar_read(&vp, VPCI_DEVICE + 12 + i, (uint8_t *)name + i, 4);
	assert_string_equal(name, "libavcodec");

	/* A reset with a stream, resources and a held command: all of it goes. */
	assert_int_equal(vg_attach(&g, &dev), 0);
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 2, MOVING);
	h = vg_resource_queue(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, OUT_ID, 0);
	assert_false(vg_poll(&g, h));
	virtio_pci_bar_write(&vp, COMMON(device_status), (uint8_t *)&q, 1); /* reset */
	assert_false(dev.driver_ok);
	assert_false(vg_poll(&g, h)); /* the rings were reset: nothing is returned into them */
	assert_int_equal(vg_attach(&g, &dev), 0);
	{
		struct virtio_video_params p;

		assert_int_equal(vg_get_params(&g, SID, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, &p),
				 VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID);
	}
	run.n = 0;
	run.stream_len = 0;
	open_stream(VIRTIO_VIDEO_FORMAT_H264, VIRTIO_VIDEO_FORMAT_NV12,
		    VIRTIO_VIDEO_BITRATE_MODE_VBR, 500000, 1000000, 0);
	create_buffers();
	encode(0, 1, MOVING);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_config_space),
		T(test_capabilities),
		T(test_defaults_before_params),
		T(test_h264_quality),
		T(test_h264_nv12),
		T(test_vp8_vp9),
		T(test_cbr_rate),
		T(test_vbr_vs_cbr),
		T(test_force_keyframe),
		T(test_controls_after_resources),
		T(test_drain_eos),
		T(test_teardown_pending),
		T(test_malformed_requests),
		T(test_bad_resources),
		T(test_response_buffers),
		T(test_limits),
		T(test_error_event_without_buffers),
		T(test_pci_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
