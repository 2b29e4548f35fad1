// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the encoder offers the guest: its formats (QUERY_CAPABILITY) and the
 * profiles and levels of each coded format (QUERY_CONTROL). Coded formats the
 * backend cannot encode here (no libvpx, say) are left out.
 */
#include "devices/virtio/video/caps.h"

#include <string.h>

#include "devices/virtio/video/types.h"
#include "util/macros.h"

static const uint32_t raw_formats[] = {VIRTIO_VIDEO_FORMAT_NV12, VIRTIO_VIDEO_FORMAT_YUV420};
/* Each coded format with the backend's name for it, the one place the two meet. */
static const struct {
	uint32_t format;
	enum enc_codec codec;
} coded_formats[] = {{VIRTIO_VIDEO_FORMAT_H264, ENC_CODEC_H264},
		     {VIRTIO_VIDEO_FORMAT_VP8, ENC_CODEC_VP8},
		     {VIRTIO_VIDEO_FORMAT_VP9, ENC_CODEC_VP9}};
/* 8-bit 4:2:0 input allows these; the first of each is the default (crosvm's choice). */
static const uint32_t h264_profiles[] = {VIRTIO_VIDEO_PROFILE_H264_BASELINE,
					 VIRTIO_VIDEO_PROFILE_H264_MAIN,
					 VIRTIO_VIDEO_PROFILE_H264_HIGH};
static const uint32_t vp8_profiles[] = {VIRTIO_VIDEO_PROFILE_VP8_PROFILE0};
static const uint32_t vp9_profiles[] = {VIRTIO_VIDEO_PROFILE_VP9_PROFILE0};

bool caps_raw_format(uint32_t format)
{
	return format == VIRTIO_VIDEO_FORMAT_NV12 || format == VIRTIO_VIDEO_FORMAT_YUV420;
}

bool caps_coded_format(const struct encoder_ops *enc, uint32_t format)
{
	for (size_t i = 0; i < ARRAY_SIZE(coded_formats); i++)
		if (coded_formats[i].format == format)
			return enc->supports(coded_formats[i].codec);
	return false;
}

enum enc_codec caps_codec(uint32_t format)
{
	for (size_t i = 0; i < ARRAY_SIZE(coded_formats); i++)
		if (coded_formats[i].format == format)
			return coded_formats[i].codec;
	return ENC_CODEC_H264; /* not reached: streams hold accepted formats only */
}

static const uint32_t *profiles(uint32_t format, size_t *n)
{
	switch (format) {
	case VIRTIO_VIDEO_FORMAT_H264:
		*n = ARRAY_SIZE(h264_profiles);
		return h264_profiles;
	case VIRTIO_VIDEO_FORMAT_VP8:
		*n = ARRAY_SIZE(vp8_profiles);
		return vp8_profiles;
	case VIRTIO_VIDEO_FORMAT_VP9:
		*n = ARRAY_SIZE(vp9_profiles);
		return vp9_profiles;
	default:
		*n = 0;
		return NULL;
	}
}

uint32_t caps_default_profile(uint32_t format)
{
	size_t n;
	const uint32_t *p = profiles(format, &n);

	return n ? p[0] : 0;
}

bool caps_profile_valid(uint32_t format, uint32_t profile)
{
	size_t n;
	const uint32_t *p = profiles(format, &n);

	for (size_t i = 0; i < n; i++)
		if (p[i] == profile)
			return true;
	return false;
}

/* Appends one format descriptor with its single frame-size/frame-rate entry. */
static uint32_t put_desc(uint8_t *at, uint64_t mask, uint32_t format)
{
	struct virtio_video_format_desc desc = {
		.mask = mask,
		.format = format,
		.planes_layout = VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER,
		.plane_align = 0,
		.num_frames = 1,
	};
	struct virtio_video_format_frame frame = {
		.width = {VIDEO_MIN_DIM, VIDEO_MAX_WIDTH, 2, {0}},
		.height = {VIDEO_MIN_DIM, VIDEO_MAX_HEIGHT, 2, {0}},
		.num_rates = 1,
	};
	struct virtio_video_format_range rate = {1, VIDEO_CAPS_FPS_MAX, 1, {0}};

	memcpy(at, &desc, sizeof(desc));
	memcpy(at + sizeof(desc), &frame, sizeof(frame));
	memcpy(at + sizeof(desc) + sizeof(frame), &rate, sizeof(rate));
	return sizeof(desc) + sizeof(frame) + sizeof(rate);
}

uint32_t caps_query_capability(const struct encoder_ops *enc, uint8_t *resp, uint32_t stream_id,
			       uint32_t queue_type)
{
	struct virtio_video_query_capability_resp hdr = {
		.hdr = {VIRTIO_VIDEO_RESP_OK_QUERY_CAPABILITY, stream_id}};
	uint32_t coded[ARRAY_SIZE(coded_formats)], ncoded = 0, len = sizeof(hdr);

	for (size_t i = 0; i < ARRAY_SIZE(coded_formats); i++)
		if (enc->supports(coded_formats[i].codec))
			coded[ncoded++] = coded_formats[i].format;
	/* mask: bit i = the i-th descriptor of the other queue can pair with this one (all can). */
	if (queue_type == VIRTIO_VIDEO_QUEUE_TYPE_INPUT) {
		for (size_t i = 0; i < ARRAY_SIZE(raw_formats); i++)
			len += put_desc(resp + len, (1ull << ncoded) - 1, raw_formats[i]);
		hdr.num_descs = ARRAY_SIZE(raw_formats);
	} else {
		for (uint32_t i = 0; i < ncoded; i++)
			len += put_desc(resp + len, (1ull << ARRAY_SIZE(raw_formats)) - 1,
					coded[i]);
		hdr.num_descs = ncoded;
	}
	memcpy(resp, &hdr, sizeof(hdr));
	return len;
}

uint32_t caps_query_control(const struct encoder_ops *enc, uint8_t *resp, uint32_t stream_id,
			    uint32_t control, uint32_t format, uint32_t *err)
{
	struct virtio_video_query_control_resp hdr = {
		.hdr = {VIRTIO_VIDEO_RESP_OK_QUERY_CONTROL, stream_id}};
	uint32_t vals[16];
	size_t n = 0;

	if (control == VIRTIO_VIDEO_CONTROL_PROFILE && caps_coded_format(enc, format)) {
		const uint32_t *p = profiles(format, &n);

		memcpy(vals, p, n * sizeof(*p));
	} else if (control == VIRTIO_VIDEO_CONTROL_LEVEL && format == VIRTIO_VIDEO_FORMAT_H264 &&
		   caps_coded_format(enc, format)) {
		for (uint32_t l = VIRTIO_VIDEO_LEVEL_H264_1_0; l <= VIRTIO_VIDEO_LEVEL_H264_5_1;
		     l++)
			vals[n++] = l;
	} else {
		*err = VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL;
		return 0;
	}
	hdr.num = (uint32_t)n;
	memcpy(resp, &hdr, sizeof(hdr));
	memcpy(resp + sizeof(hdr), vals, n * sizeof(vals[0]));
	return (uint32_t)(sizeof(hdr) + n * sizeof(vals[0]));
}
