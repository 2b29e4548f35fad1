// SPDX-License-Identifier: BSD-3-Clause
/*
 * Stream state: parameters of both queues, the controls, and the resources.
 * Rules follow crosvm's current ones: bitrate mode, profile and level may
 * change until a resource exists on the stream; bitrate and peak change live;
 * a queue's format and size may change until that queue has resources.
 * What the encoder needs is derived from these values by derive.c.
 */
#include "devices/virtio/video/stream.h"

#include <stdlib.h>
#include <string.h>

#include "devices/virtio/video/caps.h"
#include "devices/virtio/video/derive.h"
#include "devices/virtio/video/resource.h"

#define DEFAULT_WIDTH	640
#define DEFAULT_HEIGHT	480
#define DEFAULT_BITRATE 1000000 /* bits/s; the guest driver sets its own right after */
#define DEFAULT_LEVEL	(VIRTIO_VIDEO_LEVEL_H264_1_0 + 10) /* 4.0: up to 1080p30 */
#define MAX_BUFFERS	VIDEO_MAX_RESOURCES

struct vstream *stream_find(struct vstream *const *streams, uint32_t id)
{
	for (unsigned i = 0; i < VIDEO_MAX_STREAMS; i++)
		if (streams[i] && streams[i]->id == id)
			return streams[i];
	return NULL;
}

/* Room for the worst packet a frame can give: a raw frame, within bounds. */
static uint32_t default_out_size(uint32_t w, uint32_t h)
{
	uint64_t n = (uint64_t)w * h * 3 / 2;

	if (n < (1u << 20))
		n = 1u << 20;
	return n > VIDEO_MAX_OUT_SIZE ? VIDEO_MAX_OUT_SIZE : (uint32_t)n;
}

uint32_t stream_create(struct vstream **streams, const struct encoder_ops *enc, uint32_t id,
		       uint32_t coded_format)
{
	struct vstream *s;
	unsigned slot = VIDEO_MAX_STREAMS;

	if (stream_find(streams, id))
		return VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID;
	if (!caps_coded_format(enc, coded_format))
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	for (unsigned i = 0; i < VIDEO_MAX_STREAMS && slot == VIDEO_MAX_STREAMS; i++)
		if (!streams[i])
			slot = i;
	if (slot == VIDEO_MAX_STREAMS)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	s = calloc(1, sizeof(*s));
	if (!s)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	s->id = id;
	s->in_format = VIRTIO_VIDEO_FORMAT_NV12;
	s->width = s->stride = DEFAULT_WIDTH;
	s->height = DEFAULT_HEIGHT;
	s->fps = VIDEO_DEFAULT_FPS;
	s->out_format = coded_format;
	s->out_size = default_out_size(s->width, s->height);
	/* VBR is the default: the guest driver never sends mode 0, only CBR (1). */
	s->mode = VIRTIO_VIDEO_BITRATE_MODE_VBR;
	s->bitrate = DEFAULT_BITRATE;
	s->peak = 2 * DEFAULT_BITRATE;
	s->profile = caps_default_profile(coded_format);
	s->level = DEFAULT_LEVEL;
	streams[slot] = s;
	return 0;
}

void stream_remove(struct vstream **streams, const struct vstream *s)
{
	for (unsigned i = 0; i < VIDEO_MAX_STREAMS; i++)
		if (streams[i] == s)
			streams[i] = NULL;
}

void stream_free_resources(struct vstream *s, enum vq_idx q)
{
	for (unsigned i = 0; i < s->nres[q]; i++)
		vres_put(s->res[q][i]);
	s->nres[q] = 0;
}

void stream_get_params(const struct vstream *s, uint32_t queue_type, struct virtio_video_params *p)
{
	memset(p, 0, sizeof(*p));
	p->queue_type = queue_type;
	p->frame_width = s->width;
	p->frame_height = s->height;
	p->min_buffers = 1; /* no lookahead: one buffer in flight is enough */
	p->max_buffers = MAX_BUFFERS;
	p->crop = (struct virtio_video_crop){0, 0, s->width, s->height};
	p->frame_rate = s->fps;
	if (queue_type == VIRTIO_VIDEO_QUEUE_TYPE_INPUT) {
		struct vlayout l;

		/*
		 * One plane holding the whole frame: NV12 and YUV420 are single-buffer
		 * formats in V4L2 (NV12M/YUV420M are the per-plane ones), and the guest
		 * driver hands num_planes to its clients as buffer planes (spec 8.1).
		 */
		vstream_layout(s, &l);
		p->format = s->in_format;
		p->num_planes = 1;
		p->plane_formats[0].stride = l.stride[0];
		for (unsigned i = 0; i < l.nplanes; i++)
			p->plane_formats[0].plane_size += (uint32_t)l.size[i];
	} else {
		p->format = s->out_format;
		p->num_planes = 1;
		p->plane_formats[0].plane_size = s->out_size;
	}
}

/* Small or odd sizes round up to the advertised steps (callers reject too large ones). */
static uint32_t snap(uint32_t x, uint32_t min)
{
	x = x < min ? min : x;
	return (x + 1) & ~1u;
}

static uint32_t set_params(const struct encoder_ops *enc, struct vstream *s,
			   const struct virtio_video_params *p)
{
	uint32_t w, h, stride;

	if (p->num_planes > VIRTIO_VIDEO_MAX_PLANES || p->frame_rate > VIDEO_MAX_FPS)
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	if (p->queue_type == VIRTIO_VIDEO_QUEUE_TYPE_INPUT) {
		if (!caps_raw_format(p->format))
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		/*
		 * Frames larger than the limits would take more memory than the device
		 * allows; smaller or odd ones are adjusted as V4L2's S_FMT may (the guest
		 * reads the result back with GET_PARAMS).
		 */
		if (p->frame_width > VIDEO_MAX_WIDTH || p->frame_height > VIDEO_MAX_HEIGHT)
			return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
		w = snap(p->frame_width, VIDEO_MIN_DIM);
		h = snap(p->frame_height, VIDEO_MIN_DIM);
		stride = p->num_planes ? p->plane_formats[0].stride : 0;
		if (stride < w || stride > 2 * VIDEO_MAX_WIDTH)
			stride = w;
		stride = (stride + 1) & ~1u;
		if (w != s->width || h != s->height || stride != s->stride ||
		    p->format != s->in_format) {
			if (s->nres[VQ_IN])
				return VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
			s->in_format = p->format;
			s->width = w;
			s->height = h;
			s->stride = stride;
			s->out_size = default_out_size(w, h);
		}
	} else if (p->queue_type == VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT) {
		uint32_t size = p->num_planes ? p->plane_formats[0].plane_size : 0;

		if (!caps_coded_format(enc, p->format))
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		if (p->format != s->out_format) {
			if (s->nres[VQ_OUT])
				return VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
			s->out_format = p->format;
			s->profile = caps_default_profile(p->format);
			s->level = DEFAULT_LEVEL;
		}
		if (size >= VIDEO_MIN_OUT_SIZE && size <= VIDEO_MAX_OUT_SIZE &&
		    size != s->out_size) {
			if (s->nres[VQ_OUT])
				return VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
			s->out_size = size;
		}
	} else {
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	}
	/* The frame rate belongs to both queues and changes live (encode.c applies it). */
	if (p->frame_rate)
		s->fps = p->frame_rate;
	return 0;
}

/* A stream's settable values, kept to undo a change no H.264 level allows. */
struct settings {
	uint32_t in_format, width, height, stride, fps, out_format, out_size;
	uint32_t mode, bitrate, peak, profile, level;
};

static void save(const struct vstream *s, struct settings *v)
{
	*v = (struct settings){s->in_format, s->width,	    s->height,	 s->stride,
			       s->fps,	     s->out_format, s->out_size, s->mode,
			       s->bitrate,   s->peak,	    s->profile,	 s->level};
}

static void restore(struct vstream *s, const struct settings *v)
{
	s->in_format = v->in_format;
	s->width = v->width;
	s->height = v->height;
	s->stride = v->stride;
	s->fps = v->fps;
	s->out_format = v->out_format;
	s->out_size = v->out_size;
	s->mode = v->mode;
	s->bitrate = v->bitrate;
	s->peak = v->peak;
	s->profile = v->profile;
	s->level = v->level;
}

/*
 * An H.264 stream must fit some level (a too-low one is raised, derive.c): a
 * change that leaves it fitting none (a frame too large, too fast or a rate
 * too high for level 5.1) is refused and undone.
 */
static uint32_t check_level(struct vstream *s, const struct settings *old, uint32_t r)
{
	if (r || s->out_format != VIRTIO_VIDEO_FORMAT_H264 || vstream_level(s))
		return r;
	restore(s, old);
	return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
}

uint32_t stream_set_params(const struct encoder_ops *enc, struct vstream *s,
			   const struct virtio_video_params *p)
{
	struct settings old;

	save(s, &old);
	return check_level(s, &old, set_params(enc, s, p));
}

uint32_t stream_get_control(const struct vstream *s, uint32_t control, uint32_t *val)
{
	switch (control) {
	case VIRTIO_VIDEO_CONTROL_BITRATE:
		*val = s->bitrate;
		return 0;
	case VIRTIO_VIDEO_CONTROL_BITRATE_MODE:
		*val = s->mode;
		return 0;
	case VIRTIO_VIDEO_CONTROL_BITRATE_PEAK:
		*val = s->peak;
		return 0;
	case VIRTIO_VIDEO_CONTROL_PROFILE:
		*val = s->profile;
		return 0;
	case VIRTIO_VIDEO_CONTROL_LEVEL:
		if (s->out_format != VIRTIO_VIDEO_FORMAT_H264)
			return VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL;
		*val = vstream_level(s); /* the level really declared */
		return 0;
	case VIRTIO_VIDEO_CONTROL_PREPEND_SPSPPS_TO_IDR:
		/* libx264 repeats SPS/PPS before every IDR when headers are not global. */
		*val = 1;
		return 0;
	default: /* FORCE_KEYFRAME is a button: nothing to read */
		return VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL;
	}
}

static uint32_t set_control(struct vstream *s, uint32_t control, bool has_val, uint32_t val)
{
	bool has_res = s->nres[VQ_IN] || s->nres[VQ_OUT];

	if (control == VIRTIO_VIDEO_CONTROL_FORCE_KEYFRAME) {
		s->force_key = true; /* the value, if any, means nothing */
		return 0;
	}
	if (control < VIRTIO_VIDEO_CONTROL_BITRATE ||
	    control > VIRTIO_VIDEO_CONTROL_PREPEND_SPSPPS_TO_IDR)
		return VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL;
	if (!has_val)
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	switch (control) {
	case VIRTIO_VIDEO_CONTROL_BITRATE:
	case VIRTIO_VIDEO_CONTROL_BITRATE_PEAK:
		if (val < 1 || val > VIDEO_MAX_BITRATE)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		/* Live: the encoder thread applies it before the next frame. */
		if (control == VIRTIO_VIDEO_CONTROL_BITRATE)
			s->bitrate = val;
		else
			s->peak = val; /* stored in CBR too (the guest sets it on every open) */
		return 0;
	case VIRTIO_VIDEO_CONTROL_BITRATE_MODE:
		if (val != VIRTIO_VIDEO_BITRATE_MODE_VBR && val != VIRTIO_VIDEO_BITRATE_MODE_CBR)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		if (val != s->mode && has_res)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
		s->mode = val;
		return 0;
	case VIRTIO_VIDEO_CONTROL_PROFILE:
		if (!caps_profile_valid(s->out_format, val))
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		if (val != s->profile && has_res)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
		s->profile = val;
		return 0;
	case VIRTIO_VIDEO_CONTROL_LEVEL:
		if (s->out_format != VIRTIO_VIDEO_FORMAT_H264)
			return VIRTIO_VIDEO_RESP_ERR_UNSUPPORTED_CONTROL;
		if (val < VIRTIO_VIDEO_LEVEL_H264_1_0 || val > VIRTIO_VIDEO_LEVEL_H264_5_1)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		if (val != s->level && has_res)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
		s->level = val;
		return 0;
	default: /* PREPEND_SPSPPS_TO_IDR: always on (see stream_get_control) */
		if (val > 1)
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		return val ? 0 : VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
	}
}

uint32_t stream_set_control(struct vstream *s, uint32_t control, bool has_val, uint32_t val)
{
	struct settings old;

	save(s, &old);
	return check_level(s, &old, set_control(s, control, has_val, val));
}
