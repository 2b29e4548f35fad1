// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-video encoder: config space, the command queue's dispatcher and the
 * event queue. Every command chain is answered: a short or malformed request,
 * an unknown command, control, format or queue type gets an error response
 * (never a dead device), and responses echo the request's stream_id.
 * RESOURCE_QUEUE and STREAM_DRAIN are answered later, from the encoder thread.
 */
#include "devices/virtio/video/video.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/video/caps.h"
#include "devices/virtio/video/derive.h"
#include "devices/virtio/video/encode.h"
#include "devices/virtio/video/resource.h"
#include "devices/virtio/video/stream.h"
#include "devices/virtio/video/types.h"
#include "util/log.h"

#define VIDEO_COMMANDQ 0
#define VIDEO_EVENTQ   1

struct video {
	struct virtio_device *d;
	const struct encoder_ops *enc;
	struct virtio_video_config cfg;
	struct vstream *streams[VIDEO_MAX_STREAMS];
	struct encode_thread encoder;

	struct virtio_video_event events[VIDEO_MAX_EVENTS];
	unsigned ev_head, nev;

	bool resetting; /* held chains die with the rings: answer nothing */
	struct virtq_chain chain;
	uint8_t resp[VIDEO_RESP_MAX];
};

/* Minimum request and response sizes of each command (variable responses: their header). */
struct cmd_size {
	uint32_t req, resp;
};

static const struct cmd_size cmd_sizes[] = {
	[VIRTIO_VIDEO_CMD_QUERY_CAPABILITY - 0x100] = {16, 16},
	[VIRTIO_VIDEO_CMD_STREAM_CREATE - 0x100] = {88, 8},
	[VIRTIO_VIDEO_CMD_STREAM_DESTROY - 0x100] = {8, 8},
	[VIRTIO_VIDEO_CMD_STREAM_DRAIN - 0x100] = {8, 8},
	[VIRTIO_VIDEO_CMD_RESOURCE_CREATE - 0x100] = {88, 8},
	[VIRTIO_VIDEO_CMD_RESOURCE_QUEUE - 0x100] = {64, 24},
	[VIRTIO_VIDEO_CMD_RESOURCE_DESTROY_ALL - 0x100] = {16, 8},
	[VIRTIO_VIDEO_CMD_QUEUE_CLEAR - 0x100] = {16, 8},
	[VIRTIO_VIDEO_CMD_GET_PARAMS - 0x100] = {16, 120},
	[VIRTIO_VIDEO_CMD_SET_PARAMS - 0x100] = {120, 8},
	[VIRTIO_VIDEO_CMD_QUERY_CONTROL - 0x100] = {16, 16},
	[VIRTIO_VIDEO_CMD_GET_CONTROL - 0x100] = {16, 16},
	[VIRTIO_VIDEO_CMD_SET_CONTROL - 0x100] = {16, 8},
};

#define HELD UINT32_MAX /* a handler's length for "answered later" */

/* The request being handled: its header, its first bytes, and what the chain offers. */
struct req {
	struct virtio_video_cmd_hdr hdr;
	union {
		uint8_t raw[sizeof(struct virtio_video_params_cmd)];
		struct virtio_video_query_capability qc;
		struct virtio_video_stream_create sc;
		struct virtio_video_resource_create rc;
		struct virtio_video_resource_queue rq;
		struct virtio_video_queue_cmd qcmd;
		struct virtio_video_get_params gp;
		struct virtio_video_params_cmd sp;
		struct virtio_video_query_control qctl;
		struct virtio_video_control_cmd ctl;
	} u;
	uint64_t readable, writable;
	struct vstream *s;
};

static void config_read(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len)
{
	struct video *v = d->priv;

	memcpy(data, (uint8_t *)&v->cfg + off, len);
}

/* ---- answers ---- */

/* Notes where the answer to the chain being handled goes, to answer it later. */
static bool video_hold(struct video *v, uint32_t stream_id, struct vresp *r)
{
	const struct virtq_chain *c = &v->chain;
	uint32_t want = sizeof(struct virtio_video_resource_queue_resp);

	memset(r, 0, sizeof(*r));
	r->head = c->head;
	r->stream_id = stream_id;
	for (unsigned i = 0; i < c->nbufs && want; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		uint32_t n = b->len < want ? b->len : want;

		if (!b->writable || n == 0)
			continue;
		r->seg[r->nseg].addr = b->addr;
		r->seg[r->nseg].len = n;
		r->nseg++;
		want -= n;
	}
	return want == 0;
}

static void video_complete(struct video *v, const struct vresp *r, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t done = 0;

	if (v->resetting)
		return;
	for (unsigned i = 0; i < r->nseg && done < len; i++) {
		uint32_t n = r->seg[i].len < len - done ? r->seg[i].len : len - done;

		if (gm_write(v->d->mem, r->seg[i].addr, p + done, n))
			break;
		done += n;
	}
	virtio_queue_done(v->d, VIDEO_COMMANDQ, r->head, done);
}

/* The sink's (struct video_sink): how encode.c answers and reports without calling here. */
static void complete_hdr(void *ctx, const struct vresp *r, uint32_t type)
{
	struct virtio_video_cmd_hdr h = {type, r->stream_id};

	video_complete(ctx, r, &h, sizeof(h));
}

static void complete_buffer(void *ctx, const struct vresp *r, uint64_t ts, uint32_t flags,
			    uint32_t size)
{
	struct virtio_video_resource_queue_resp resp = {
		{VIRTIO_VIDEO_RESP_OK_RESOURCE_QUEUE, r->stream_id}, ts, flags, size};

	video_complete(ctx, r, &resp, sizeof(resp));
}

/* ---- events ---- */

static void flush_events(struct video *v)
{
	struct virtq *q = &v->d->queues[VIDEO_EVENTQ];

	if (!v->d->driver_ok || !q->ready)
		return;
	while (v->nev) {
		int r = virtq_pop(q, &v->chain);
		uint32_t len = 0;

		if (r == VIRTQ_EMPTY || r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			return; /* kept until the guest posts (or fixes) buffers */
		if (r == VIRTQ_OK && v->chain.writable >= sizeof(struct virtio_video_event)) {
			len = (uint32_t)virtq_chain_write(q, &v->chain, 0, &v->events[v->ev_head],
							  sizeof(struct virtio_video_event));
			v->ev_head = (v->ev_head + 1) % VIDEO_MAX_EVENTS;
			v->nev--;
		}
		virtio_queue_done(v->d, VIDEO_EVENTQ, v->chain.head, len);
	}
}

static void post_event(void *ctx, uint32_t type, uint32_t stream_id)
{
	struct video *v = ctx;

	if (v->nev == VIDEO_MAX_EVENTS) {
		log_warn("virtio-video: event queue full, event %#x of stream %u dropped", type,
			 stream_id);
		return;
	}
	v->events[(v->ev_head + v->nev) % VIDEO_MAX_EVENTS] =
		(struct virtio_video_event){type, stream_id};
	v->nev++;
	flush_events(v);
}

/* ---- commands: each returns a response length in v->resp, HELD, or sets *err ---- */

static int queue_index(uint32_t queue_type)
{
	if (queue_type == VIRTIO_VIDEO_QUEUE_TYPE_INPUT)
		return VQ_IN;
	if (queue_type == VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT)
		return VQ_OUT;
	return -1;
}

static struct vres *find_res(struct vstream *s, int q, uint32_t id, unsigned *idx)
{
	for (unsigned i = 0; i < s->nres[q]; i++) {
		if (s->res[q][i]->id == id) {
			if (idx)
				*idx = i;
			return s->res[q][i];
		}
	}
	return NULL;
}

static uint32_t cmd_resource_create(struct video *v, struct req *rq, uint32_t *err)
{
	struct vstream *s = rq->s;
	int q = queue_index(rq->u.rc.queue_type);
	struct vres *r, *old;
	unsigned idx = 0;

	if (q < 0) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		return 0;
	}
	old = find_res(s, q, rq->u.rc.resource_id, &idx);
	if (old && old->queued) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION; /* in use: cannot be replaced */
		return 0;
	}
	if (!old && s->nres[q] == VIDEO_MAX_RESOURCES) {
		*err = VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
		return 0;
	}
	*err = vres_create(&v->d->queues[VIDEO_COMMANDQ], &v->chain, v->d->mem, &rq->u.rc, &r);
	if (*err)
		return 0;
	if (q == VQ_IN) {
		uint64_t offs[3];
		struct vlayout l;

		/*
		 * A frame of the queue's format must fit the resource's planes; the format
		 * cannot change while the queue has resources (stream.c), so once is enough.
		 */
		vstream_layout(s, &l);
		*err = vres_planes(r, &l, offs);
		if (*err) {
			vres_put(r);
			return 0;
		}
	}
	if (old) {
		vres_put(old); /* re-creating an id replaces it, as in crosvm */
		s->res[q][idx] = r;
	} else {
		s->res[q][s->nres[q]++] = r;
	}
	return 0;
}

static uint32_t cmd_resource_queue(struct video *v, struct req *rq, uint32_t *err)
{
	const struct virtio_video_resource_queue *c = &rq->u.rq;
	struct vstream *s = rq->s;
	int q = queue_index(c->queue_type);
	struct vres *r;

	if (q < 0 || c->num_data_sizes > VIRTIO_VIDEO_MAX_PLANES) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		return 0;
	}
	r = find_res(s, q, c->resource_id, NULL);
	if (!r) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_RESOURCE_ID;
		return 0;
	}
	if (r->queued) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
		return 0;
	}
	video_hold(v, rq->hdr.stream_id, &r->resp);
	*err = q == VQ_IN ? encode_queue_input(&v->encoder, s, r, c->timestamp)
			  : encode_queue_output(&v->encoder, s, r);
	return *err ? 0 : HELD;
}

/* RESOURCE_DESTROY_ALL: what is queued is answered first, then the resources go. */
static void free_queue(struct video *v, struct vstream *s, enum vq_idx q)
{
	encode_cancel_queue(&v->encoder, s, q);
	stream_free_resources(s, q);
}

static void destroy_stream(struct video *v, struct vstream *s)
{
	stream_remove(v->streams, s);
	free_queue(v, s, VQ_IN);
	free_queue(v, s, VQ_OUT);
	encode_release_stream(&v->encoder, s);
}

static uint32_t cmd_queue(struct video *v, struct req *rq, uint32_t *err, bool destroy)
{
	int q = queue_index(rq->u.qcmd.queue_type);

	if (q < 0)
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	else if (destroy)
		free_queue(v, rq->s, q);
	else
		encode_cancel_queue(&v->encoder, rq->s, q);
	return 0;
}

static uint32_t cmd_get_params(struct video *v, struct req *rq, uint32_t *err)
{
	struct virtio_video_params_cmd resp = {
		.hdr = {VIRTIO_VIDEO_RESP_OK_GET_PARAMS, rq->hdr.stream_id}};

	if (queue_index(rq->u.gp.queue_type) < 0) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		return 0;
	}
	/* Answered at once with the current values: no backend round trip to wait for. */
	stream_get_params(rq->s, rq->u.gp.queue_type, &resp.params);
	memcpy(v->resp, &resp, sizeof(resp));
	return sizeof(resp);
}

static uint32_t cmd_query_control(struct video *v, struct req *rq, uint32_t *err)
{
	uint32_t ctl = rq->u.qctl.control, len;

	if ((ctl == VIRTIO_VIDEO_CONTROL_PROFILE || ctl == VIRTIO_VIDEO_CONTROL_LEVEL) &&
	    rq->readable < sizeof(rq->u.qctl)) {
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER; /* the format is missing */
		return 0;
	}
	len = caps_query_control(v->enc, v->resp, rq->hdr.stream_id, ctl, rq->u.qctl.format, err);
	if (!*err && len > rq->writable)
		*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	return len;
}

static uint32_t cmd_get_control(struct video *v, struct req *rq, uint32_t *err)
{
	struct virtio_video_get_control_resp resp = {
		.hdr = {VIRTIO_VIDEO_RESP_OK_GET_CONTROL, rq->hdr.stream_id}};

	*err = stream_get_control(rq->s, rq->u.ctl.control, &resp.val.value);
	memcpy(v->resp, &resp, sizeof(resp));
	return sizeof(resp);
}

static uint32_t dispatch(struct video *v, struct req *rq, uint32_t *err)
{
	uint32_t len;

	switch (rq->hdr.type) {
	case VIRTIO_VIDEO_CMD_QUERY_CAPABILITY:
		if (queue_index(rq->u.qc.queue_type) < 0) {
			*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
			return 0;
		}
		len = caps_query_capability(v->enc, v->resp, rq->hdr.stream_id,
					    rq->u.qc.queue_type);
		if (len > rq->writable)
			*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		return len;
	case VIRTIO_VIDEO_CMD_STREAM_CREATE:
		/* Only guest pages: VIRTIO_OBJECT (virtio-gpu buffers) is not offered. */
		if (rq->u.sc.in_mem_type != VIRTIO_VIDEO_MEM_TYPE_GUEST_PAGES ||
		    rq->u.sc.out_mem_type != VIRTIO_VIDEO_MEM_TYPE_GUEST_PAGES)
			*err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		else
			*err = stream_create(v->streams, v->enc, rq->hdr.stream_id,
					     rq->u.sc.coded_format);
		return 0;
	case VIRTIO_VIDEO_CMD_STREAM_DESTROY:
		destroy_stream(v, rq->s);
		return 0;
	case VIRTIO_VIDEO_CMD_STREAM_DRAIN:
		if (rq->s->draining) {
			*err = VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION;
			return 0;
		}
		video_hold(v, rq->hdr.stream_id, &rq->s->drain_resp);
		*err = encode_drain(&v->encoder, rq->s);
		return *err ? 0 : HELD;
	case VIRTIO_VIDEO_CMD_RESOURCE_CREATE:
		return cmd_resource_create(v, rq, err);
	case VIRTIO_VIDEO_CMD_RESOURCE_QUEUE:
		return cmd_resource_queue(v, rq, err);
	case VIRTIO_VIDEO_CMD_RESOURCE_DESTROY_ALL:
		return cmd_queue(v, rq, err, true);
	case VIRTIO_VIDEO_CMD_QUEUE_CLEAR:
		return cmd_queue(v, rq, err, false);
	case VIRTIO_VIDEO_CMD_GET_PARAMS:
		return cmd_get_params(v, rq, err);
	case VIRTIO_VIDEO_CMD_SET_PARAMS:
		*err = stream_set_params(v->enc, rq->s, &rq->u.sp.params);
		return 0;
	case VIRTIO_VIDEO_CMD_QUERY_CONTROL:
		return cmd_query_control(v, rq, err);
	case VIRTIO_VIDEO_CMD_GET_CONTROL:
		return cmd_get_control(v, rq, err);
	default: /* SET_CONTROL; the value is optional only for FORCE_KEYFRAME */
		*err = stream_set_control(rq->s, rq->u.ctl.control,
					  rq->readable >= sizeof(rq->u.ctl), rq->u.ctl.val.value);
		return 0;
	}
}

/* Handles the popped chain; returns the bytes written, or HELD. */
static uint32_t handle(struct video *v)
{
	const struct virtq *q = &v->d->queues[VIDEO_COMMANDQ];
	const struct virtq_chain *c = &v->chain;
	const struct cmd_size *sz = NULL;
	struct req rq;
	uint32_t err = 0, len;

	memset(&rq, 0, sizeof(rq));
	rq.readable = c->readable;
	rq.writable = c->writable;
	if (c->writable < sizeof(struct virtio_video_cmd_hdr))
		return 0; /* no room for even an error: returned empty */
	if (c->readable >= sizeof(rq.hdr))
		virtq_chain_read(q, c, 0, &rq.u, sizeof(rq.u));
	memcpy(&rq.hdr, &rq.u, sizeof(rq.hdr));
	if (rq.hdr.type >= VIRTIO_VIDEO_CMD_QUERY_CAPABILITY &&
	    rq.hdr.type <= VIRTIO_VIDEO_CMD_SET_CONTROL)
		sz = &cmd_sizes[rq.hdr.type - VIRTIO_VIDEO_CMD_QUERY_CAPABILITY];

	if (c->readable >= sizeof(rq.hdr) && !sz)
		err = VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION; /* unknown command */
	else if (!sz || c->readable < sz->req || c->writable < sz->resp)
		err = VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER; /* short request or response */
	else if (rq.hdr.type != VIRTIO_VIDEO_CMD_QUERY_CAPABILITY &&
		 rq.hdr.type != VIRTIO_VIDEO_CMD_STREAM_CREATE &&
		 rq.hdr.type != VIRTIO_VIDEO_CMD_QUERY_CONTROL &&
		 !(rq.s = stream_find(v->streams, rq.hdr.stream_id)))
		err = VIRTIO_VIDEO_RESP_ERR_INVALID_STREAM_ID;
	if (!err) {
		len = dispatch(v, &rq, &err);
		if (len == HELD)
			return HELD;
	}
	if (err) {
		struct virtio_video_cmd_hdr h = {err, rq.hdr.stream_id};

		memcpy(v->resp, &h, sizeof(h));
		len = sizeof(h);
	} else if (len == 0) {
		struct virtio_video_cmd_hdr h = {VIRTIO_VIDEO_RESP_OK_NODATA, rq.hdr.stream_id};

		memcpy(v->resp, &h, sizeof(h));
		len = sizeof(h);
	}
	return (uint32_t)virtq_chain_write(q, c, 0, v->resp, len);
}

static void video_notify(struct virtio_device *d, unsigned qi)
{
	struct video *v = d->priv;
	struct virtq *q = &d->queues[qi];
	int r;

	if (qi == VIDEO_EVENTQ) {
		flush_events(v);
		return;
	}
	if (qi != VIDEO_COMMANDQ)
		return;
	while ((r = virtq_pop(q, &v->chain)) != VIRTQ_EMPTY) {
		uint32_t len;

		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		/* A malformed chain goes back with nothing written. */
		len = r == VIRTQ_OK ? handle(v) : 0;
		if (len != HELD)
			virtio_queue_done(d, qi, v->chain.head, len);
	}
}

/* Drops every stream; held chains are not answered (their rings are gone after a reset). */
static void drop_all(struct video *v)
{
	v->resetting = true;
	for (unsigned i = 0; i < VIDEO_MAX_STREAMS; i++)
		if (v->streams[i])
			destroy_stream(v, v->streams[i]);
	encode_wait_idle(&v->encoder);
	v->nev = 0;
	v->ev_head = 0;
	v->resetting = false;
}

static void video_reset(struct virtio_device *d)
{
	drop_all(d->priv);
}

static void video_destroy(struct virtio_device *d)
{
	struct video *v = d->priv;

	pthread_mutex_lock(&d->lock);
	drop_all(v);
	pthread_mutex_unlock(&d->lock);
	encode_stop(&v->encoder);
	free(v);
}

const struct virtio_device_ops virtio_video_ops = {
	.name = "virtio-video-encoder",
	.policy = "video_device",
	.device_id = VIRTIO_ID_VIDEO_ENCODER,
	.features = (1ull << VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES) |
		    (1ull << VIRTIO_VIDEO_F_RESOURCE_NON_CONTIG) |
		    (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 2,
	.queue_max = 256,
	.queue_size = {[VIDEO_COMMANDQ] = 1024, [VIDEO_EVENTQ] = 256},
	.config_size = sizeof(struct virtio_video_config),
	.config_read = config_read,
	.queue_notify = video_notify,
	.reset = video_reset,
	.destroy = video_destroy,
};

int virtio_video_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	const struct encoder_ops *backend = arg;
	struct video *v;
	struct video_sink sink;
	size_t n;
	int r;

	if (!backend)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->enc = backend;
	v->cfg.version = 0;
	v->cfg.max_caps_length = VIDEO_RESP_MAX;
	v->cfg.max_resp_length = VIDEO_RESP_MAX;
	n = strlen(backend->name);
	memcpy(v->cfg.device_name, backend->name,
	       n < sizeof(v->cfg.device_name) ? n : sizeof(v->cfg.device_name) - 1);
	virtio_device_init(d, &virtio_video_ops, mem);
	d->priv = v;
	v->d = d;
	sink = (struct video_sink){v, complete_buffer, complete_hdr, post_event};
	r = encode_start(&v->encoder, d, backend, &sink);
	if (r) {
		free(v);
		d->priv = NULL;
		return r;
	}
	return 0;
}
