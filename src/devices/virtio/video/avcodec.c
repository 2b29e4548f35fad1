// SPDX-License-Identifier: BSD-3-Clause
/*
 * The libavcodec encoder backend: H.264 through libx264, VP8 and VP9 through
 * libvpx. Everything the guest configured (rate-control mode, bitrate, peak,
 * profile, level, frame rate) is set before avcodec_open2, so it holds from
 * the first frame. Both encoders are set up for one frame in, one packet out
 * (no B-frames, no lookahead), because the guest driver's clients never drain.
 */
#include "devices/virtio/video/encoder.h"

#include <errno.h>
#include <pthread.h>
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"

/* A key frame at least every few seconds bounds how long a lost packet corrupts the picture. */
#define GOP_SECONDS 4
/*
 * VBV (HRD) buffer sizes in milliseconds of the rate they constrain. Any window
 * of output stays within one buffer of rate x time, so CBR's 100 ms keeps every
 * one-second window within 10% (a key frame still gets 3 frames' worth of bits
 * at 30 fps, as real-time encoders allow). VBR's buffer is against the peak:
 * no second exceeds 1.25 x peak, and in practice none exceeds the peak.
 */
#define CBR_VBV_MS 100
#define VBR_VBV_MS 250

struct enc_session {
	const AVCodec *codec;
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
	struct enc_params p;
	bool x264;
	/* NV12 input to an encoder that only takes I420: the interleaved chroma lands here. */
	uint8_t *uv;
	uint32_t uv_stride;
};

static const char *codec_name(enum enc_codec codec)
{
	static const char *const names[] = {
		[ENC_CODEC_H264] = "libx264",
		[ENC_CODEC_VP8] = "libvpx",
		[ENC_CODEC_VP9] = "libvpx-vp9",
	};

	return (unsigned)codec < ARRAY_SIZE(names) ? names[codec] : NULL;
}

static bool av_supports(enum enc_codec codec)
{
	const char *n = codec_name(codec);

	return n && avcodec_find_encoder_by_name(n);
}

static bool takes_pix_fmt(const AVCodec *c, enum AVPixelFormat f)
{
	for (const enum AVPixelFormat *p = c->pix_fmts; p && *p != AV_PIX_FMT_NONE; p++)
		if (*p == f)
			return true;
	return false;
}

static const char *x264_profile(enum enc_h264_profile profile)
{
	if (profile == ENC_H264_MAIN)
		return "main";
	return profile == ENC_H264_HIGH ? "high" : "baseline";
}

/*
 * libx264's QP_MAX for 8-bit video. Past QP 51 (the standard's last) x264 goes
 * into its VBV emergency mode: it zeroes coefficients beyond the quantizer's
 * reach, which holds a CBR rate even on noise that no QP compresses enough
 * (320x192 noise at 200 kbit/s: 2.7 Mbit/s with qmax 51, on target with 69).
 */
#define X264_QP_MAX 69

/* Macroblocks per second: what the encoder's CPU time grows with. */
static uint64_t mb_rate(const struct enc_params *p)
{
	return (uint64_t)((p->width + 15) / 16) * ((p->height + 15) / 16) * p->fps;
}

/*
 * The slowest x264 preset whose cost stays far below real time for the
 * stream's macroblock rate: slower presets compress better, which matters most
 * at the small sizes and low rates where every bit counts, and cost least
 * there (bench/video prints the CPU time a frame).
 */
static const char *x264_preset(const struct enc_params *p)
{
	uint64_t r = mb_rate(p);

	if (r <= 40500) /* up to 720x480 at 30 fps (level 3.0) */
		return "medium";
	if (r <= 245760) /* up to 1080p at 30 fps (level 4.0) */
		return "veryfast";
	return "superfast";
}

static void set_rate_fields(AVCodecContext *ctx, const struct enc_params *p)
{
	ctx->bit_rate = p->bitrate;
	if (p->mode == ENC_CBR) {
		/* min = max = target: a constant rate, enforced through the VBV. */
		ctx->rc_max_rate = p->bitrate;
		ctx->rc_min_rate = p->bitrate;
		ctx->rc_buffer_size = (int)((int64_t)p->bitrate * CBR_VBV_MS / 1000);
	} else {
		int64_t peak = p->peak > p->bitrate ? p->peak : p->bitrate;

		ctx->rc_max_rate = peak;
		ctx->rc_min_rate = 0;
		ctx->rc_buffer_size = (int)(peak * VBR_VBV_MS / 1000);
	}
	ctx->rc_initial_buffer_occupancy = ctx->rc_buffer_size * 3 / 4;
}

static int open_ctx(struct enc_session *s)
{
	const struct enc_params *p = &s->p;
	AVCodecContext *ctx = avcodec_alloc_context3(s->codec);
	enum AVPixelFormat want =
		p->in_format == ENC_PIX_NV12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
	int r;

	if (!ctx)
		return -ENOMEM;
	ctx->width = (int)p->width;
	ctx->height = (int)p->height;
	ctx->pix_fmt = takes_pix_fmt(s->codec, want) ? want : AV_PIX_FMT_YUV420P;
	/* pts counts frames, so rate control sees exactly the configured frame rate. */
	ctx->time_base = (AVRational){1, (int)p->fps};
	ctx->framerate = (AVRational){(int)p->fps, 1};
	ctx->gop_size = (int)(p->fps * GOP_SECONDS);
	ctx->max_b_frames = 0;
	/* libavcodec's default qmax (31) would cap the quantizer and break the rate on hard
	 * content: give rate control the codec's whole range, and x264 its emergency range. */
	ctx->qmin = 0;
	ctx->qmax = s->x264 ? X264_QP_MAX : 63;
	set_rate_fields(ctx, p);
	if (s->x264) {
		av_opt_set(ctx->priv_data, "preset", x264_preset(p), 0);
		/* zerolatency: no lookahead, no B-frames, no frame threading (sliced instead). */
		av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
		av_opt_set(ctx->priv_data, "profile", x264_profile(p->profile), 0);
		av_opt_set_int(ctx->priv_data, "forced-idr", 1, 0);
		if (p->level_idc)
			ctx->level = (int)p->level_idc;
		/*
		 * No scene-cut key frames: key frames come every GOP_SECONDS or when the
		 * guest forces one, as with hardware encoders, and they would burst the
		 * rate. HRD CBR: x264 pads with filler data so the rate is constant. VBR:
		 * a low rate tolerance keeps the average near the target over seconds,
		 * not only over the whole stream (x264's ABR default).
		 */
		av_opt_set(ctx->priv_data, "x264-params",
			   p->mode == ENC_CBR ? "scenecut=0:nal-hrd=cbr:force-cfr=1"
					      : "scenecut=0:ratetol=0.1",
			   0);
	} else {
		av_opt_set(ctx->priv_data, "deadline", "realtime", 0);
		av_opt_set_int(ctx->priv_data, "lag-in-frames", 0, 0);
		av_opt_set_int(ctx->priv_data, "cpu-used", 8, 0);
		ctx->profile = 0;
	}
	r = avcodec_open2(ctx, s->codec, NULL);
	if (r < 0) {
		avcodec_free_context(&ctx);
		return r;
	}
	avcodec_free_context(&s->ctx);
	s->ctx = ctx;
	av_frame_unref(s->frame);
	s->frame->format = ctx->pix_fmt;
	s->frame->width = ctx->width;
	s->frame->height = ctx->height;
	r = av_frame_get_buffer(s->frame, 0);
	return r < 0 ? r : 0;
}

static void av_close(struct enc_session *s)
{
	if (!s)
		return;
	avcodec_free_context(&s->ctx);
	av_frame_free(&s->frame);
	av_packet_free(&s->pkt);
	free(s->uv);
	free(s);
}

static void quiet_libav(void)
{
	/* libx264 and libvpx log statistics on every close: only errors belong in our log. */
	av_log_set_level(AV_LOG_ERROR);
}

static int av_open(const struct enc_params *p, struct enc_session **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct enc_session *s = calloc(1, sizeof(*s));
	const char *name = codec_name(p->codec);
	int r;

	pthread_once(&once, quiet_libav);
	if (!s)
		return -ENOMEM;
	s->p = *p;
	s->codec = name ? avcodec_find_encoder_by_name(name) : NULL;
	s->x264 = p->codec == ENC_CODEC_H264;
	s->frame = av_frame_alloc();
	s->pkt = av_packet_alloc();
	if (!s->codec || !s->frame || !s->pkt || p->fps == 0) {
		av_close(s);
		return -EINVAL;
	}
	r = open_ctx(s);
	if (!r && p->in_format == ENC_PIX_NV12 && s->ctx->pix_fmt != AV_PIX_FMT_NV12) {
		s->uv_stride = (p->width + 1) & ~1u;
		s->uv = malloc((size_t)s->uv_stride * ((p->height + 1) / 2));
		if (!s->uv)
			r = -ENOMEM;
	}
	if (r) {
		av_close(s);
		return r;
	}
	*out = s;
	return 0;
}

static int av_frame_planes(struct enc_session *s, struct enc_frame *f)
{
	int r = av_frame_make_writable(s->frame);

	if (r < 0)
		return r;
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 3 && s->frame->data[i]; i++) {
		f->data[i] = s->frame->data[i];
		f->linesize[i] = (uint32_t)s->frame->linesize[i];
	}
	if (s->uv) {
		f->data[1] = s->uv;
		f->linesize[1] = s->uv_stride;
		f->data[2] = NULL;
	}
	return 0;
}

static int drain_packets(struct enc_session *s, enc_packet_fn fn, void *arg)
{
	for (;;) {
		int r = avcodec_receive_packet(s->ctx, s->pkt);
		struct enc_packet pkt;

		if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
			return 0;
		if (r < 0)
			return r;
		pkt = (struct enc_packet){s->pkt->data, (size_t)s->pkt->size, s->pkt->pts,
					  (s->pkt->flags & AV_PKT_FLAG_KEY) != 0};
		fn(arg, &pkt);
		av_packet_unref(s->pkt);
	}
}

static void deinterleave_uv(struct enc_session *s)
{
	AVFrame *f = s->frame;
	uint32_t cw = (s->p.width + 1) / 2, ch = (s->p.height + 1) / 2;

	for (uint32_t y = 0; y < ch; y++) {
		const uint8_t *src = s->uv + (size_t)y * s->uv_stride;
		uint8_t *u = f->data[1] + (size_t)y * (size_t)f->linesize[1];
		uint8_t *v = f->data[2] + (size_t)y * (size_t)f->linesize[2];

		for (uint32_t x = 0; x < cw; x++) {
			u[x] = src[(size_t)2 * x];
			v[x] = src[(size_t)2 * x + 1];
		}
	}
}

static int av_encode(struct enc_session *s, int64_t pts, bool keyframe, enc_packet_fn fn, void *arg)
{
	int r;

	if (s->uv)
		deinterleave_uv(s);
	s->frame->pts = pts;
	s->frame->pict_type = keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	r = avcodec_send_frame(s->ctx, s->frame);
	if (r < 0)
		return r;
	return drain_packets(s, fn, arg);
}

static int av_flush(struct enc_session *s, enc_packet_fn fn, void *arg)
{
	int r = avcodec_send_frame(s->ctx, NULL);

	if (r < 0 && r != AVERROR_EOF)
		return r;
	return drain_packets(s, fn, arg);
}

static int av_set_rate(struct enc_session *s, const struct enc_params *p)
{
	bool fps_changed = p->fps != s->p.fps;

	s->p.bitrate = p->bitrate;
	s->p.peak = p->peak;
	s->p.fps = p->fps;
	/*
	 * libavcodec's libx264 wrapper reconfigures x264 when bit_rate or the VBV
	 * fields change between frames, but x264 refuses VBV changes under NAL HRD
	 * (our CBR), and libvpx's wrapper has no live reconfiguration: those, and
	 * a new frame rate (the time base), re-open the encoder; the next frame is
	 * then a key frame.
	 */
	if (s->x264 && s->p.mode == ENC_VBR && !fps_changed) {
		set_rate_fields(s->ctx, &s->p);
		return 0;
	}
	return open_ctx(s);
}

const struct encoder_ops avcodec_encoder = {
	.abi = ENCODER_ABI,
	.name = "libavcodec",
	.supports = av_supports,
	.open = av_open,
	.frame = av_frame_planes,
	.encode = av_encode,
	.flush = av_flush,
	.set_rate = av_set_rate,
	.close = av_close,
};
