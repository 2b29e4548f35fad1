/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VIDEO_ENCODER_H
#define CROSVM_VIDEO_ENCODER_H

/*
 * The encoder backend behind virtio-video: a session is opened with every
 * parameter that must hold from the first frame, frames are filled in place
 * and encoded one at a time, packets come back through a callback. Only the
 * device's encoder thread calls into a session, so a backend needs no locking.
 * libavcodec is one implementation; VA-API could be another.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The backend's own vocabulary: the device translates its wire values into
 * these (stream.c), so a backend needs no protocol header.
 */
enum enc_codec { ENC_CODEC_H264, ENC_CODEC_VP8, ENC_CODEC_VP9 };
enum enc_pix_fmt {
	ENC_PIX_NV12, /* Y plane, then interleaved Cb Cr at half height */
	ENC_PIX_I420, /* Y, Cb, Cr planes */
};
enum enc_rate_mode { ENC_VBR, ENC_CBR };
enum enc_h264_profile { ENC_H264_BASELINE, ENC_H264_MAIN, ENC_H264_HIGH };

struct enc_params {
	enum enc_codec codec;
	enum enc_pix_fmt in_format;
	uint32_t width, height;
	uint32_t fps;
	enum enc_rate_mode mode;
	uint32_t bitrate; /* bits/s: the target (CBR: the constant rate) */
	uint32_t peak;	  /* bits/s: VBR's ceiling */
	/* H.264 only (VP8 and VP9 have profile 0 alone): */
	enum enc_h264_profile profile;
	uint32_t level_idc; /* 10 (1.0) to 51 (5.1); 0 for VP8/VP9 */
};

/* Where the device puts the next frame: planes in the session's input format. */
struct enc_frame {
	uint8_t *data[3];
	uint32_t linesize[3];
};

struct enc_packet {
	const uint8_t *data;
	size_t size;
	int64_t pts; /* the pts of the frame it encodes */
	bool key;
};

typedef void (*enc_packet_fn)(void *arg, const struct enc_packet *pkt);

struct enc_session;

/*
 * Bumped whenever encoder_ops or enc_params change: a module built against
 * another version (a stale installed one) is refused at load, not misread.
 */
#define ENCODER_ABI 2u

struct encoder_ops {
	unsigned abi;	  /* ENCODER_ABI; first, so any module's can be read */
	const char *name; /* shown in the config space's device_name */
	bool (*supports)(enum enc_codec codec);
	/* Returns 0 or a negative errno. */
	int (*open)(const struct enc_params *p, struct enc_session **out);
	/* The buffers the next frame goes into (valid until encode). */
	int (*frame)(struct enc_session *s, struct enc_frame *f);
	/* Encodes the filled frame; pts counts frames from 0 at open. */
	int (*encode)(struct enc_session *s, int64_t pts, bool keyframe, enc_packet_fn fn,
		      void *arg);
	/* Returns every packet still held; the session then only accepts close. */
	int (*flush)(struct enc_session *s, enc_packet_fn fn, void *arg);
	/* New bitrate, peak or frame rate, effective from the next frame. */
	int (*set_rate)(struct enc_session *s, const struct enc_params *p);
	void (*close)(struct enc_session *s);
};

#ifdef CROSVM_HAVE_VIDEO
extern const struct encoder_ops avcodec_encoder;
#endif

#endif
