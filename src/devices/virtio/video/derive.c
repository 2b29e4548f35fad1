// SPDX-License-Identifier: BSD-3-Clause
/*
 * What a stream's values mean for its frames and its encoder, computed when
 * needed (by stream.c, video.c and the encoder thread, under the device lock),
 * so no copy of them can go stale.
 */
#include "devices/virtio/video/derive.h"

#include <string.h>

#include "devices/virtio/video/caps.h"
#include "devices/virtio/video/level.h"

/* Where an input frame's planes lie, for the INPUT queue's format, size and stride. */
void vstream_layout(const struct vstream *s, struct vlayout *l)
{
	uint32_t ch = (s->height + 1) / 2;

	memset(l, 0, sizeof(*l));
	l->stride[0] = s->stride;
	l->rows[0] = s->height;
	l->row_bytes[0] = s->width;
	if (s->in_format == VIRTIO_VIDEO_FORMAT_NV12) {
		l->nplanes = 2;
		l->stride[1] = s->stride; /* interleaved Cb Cr */
		l->rows[1] = ch;
		l->row_bytes[1] = s->width;
	} else {
		l->nplanes = 3;
		for (int i = 1; i < 3; i++) {
			l->stride[i] = s->stride / 2;
			l->rows[i] = ch;
			l->row_bytes[i] = s->width / 2;
		}
	}
	for (int i = 0; i < 3; i++)
		l->size[i] = (uint64_t)l->stride[i] * l->rows[i];
}

static enum enc_h264_profile h264_profile(uint32_t profile)
{
	if (profile == VIRTIO_VIDEO_PROFILE_H264_HIGH)
		return ENC_H264_HIGH;
	return profile == VIRTIO_VIDEO_PROFILE_H264_MAIN ? ENC_H264_MAIN : ENC_H264_BASELINE;
}

/* What the stream's values ask of an H.264 level. */
static struct h264_need level_need(const struct vstream *s)
{
	uint64_t peak = s->mode == VIRTIO_VIDEO_BITRATE_MODE_CBR || s->peak < s->bitrate
				? s->bitrate
				: s->peak;

	return (struct h264_need){
		.width = s->width,
		.height = s->height,
		.fps = s->fps ? s->fps : VIDEO_DEFAULT_FPS,
		.max_bps = peak < VIDEO_MIN_BITRATE ? VIDEO_MIN_BITRATE : peak,
		.high = s->profile == VIRTIO_VIDEO_PROFILE_H264_HIGH,
	};
}

uint32_t vstream_level(const struct vstream *s)
{
	struct h264_need n;

	if (s->out_format != VIRTIO_VIDEO_FORMAT_H264)
		return 0;
	n = level_need(s);
	return h264_level_for(s->level, &n);
}

/* Wire values become the backend's here and only here (they were checked when set). */
void vstream_enc_params(const struct vstream *s, struct enc_params *p)
{
	bool h264 = s->out_format == VIRTIO_VIDEO_FORMAT_H264;

	*p = (struct enc_params){
		.codec = caps_codec(s->out_format),
		.in_format = s->in_format == VIRTIO_VIDEO_FORMAT_NV12 ? ENC_PIX_NV12 : ENC_PIX_I420,
		.width = s->width,
		.height = s->height,
		.fps = s->fps ? s->fps : VIDEO_DEFAULT_FPS,
		.mode = s->mode == VIRTIO_VIDEO_BITRATE_MODE_CBR ? ENC_CBR : ENC_VBR,
		.bitrate = s->bitrate < VIDEO_MIN_BITRATE ? VIDEO_MIN_BITRATE : s->bitrate,
		.peak = s->peak < VIDEO_MIN_BITRATE ? VIDEO_MIN_BITRATE : s->peak,
		.profile = h264_profile(s->profile),
		.level_idc = h264 ? h264_level_idc(vstream_level(s)) : 0,
	};
}
