/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_ENCODER_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_ENCODER_H

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

struct enc_params {
	uint32_t codec;	    /* VIRTIO_VIDEO_FORMAT_H264 / VP8 / VP9 */
	uint32_t in_format; /* VIRTIO_VIDEO_FORMAT_NV12 / YUV420 */
	uint32_t width, height;
	uint32_t fps;
	uint32_t mode;	  /* VIRTIO_VIDEO_BITRATE_MODE_* */
	uint32_t bitrate; /* bits/s: the target (CBR: the constant rate) */
	uint32_t peak;	  /* bits/s: VBR's ceiling */
	uint32_t profile; /* VIRTIO_VIDEO_PROFILE_* */
	uint32_t level;	  /* VIRTIO_VIDEO_LEVEL_H264_*, H.264 only */
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

struct encoder_ops {
	const char *name; /* shown in the config space's device_name */
	bool (*supports)(uint32_t codec);
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
