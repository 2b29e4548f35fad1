// SPDX-License-Identifier: BSD-3-Clause
#define _GNU_SOURCE
#include "video_guest.h"

#include <linux/virtio_ring.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ_SLOT 8192u

/* The interrupt: called with the device lock held, from whichever thread completed. */
static void on_signal(struct virtio_device *d, unsigned q)
{
	struct vguest *g = d->transport;

	pthread_mutex_lock(&g->irq_lock);
	pthread_cond_broadcast(&g->irq);
	pthread_mutex_unlock(&g->irq_lock);
}

int vg_init(struct vguest *g, uint64_t mem)
{
	pthread_condattr_t a;

	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->irq_lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&g->irq, &a);
	pthread_condattr_destroy(&a);
	return vdrv_init(&g->drv, mem);
}

int vg_attach(struct vguest *g, struct virtio_device *dev)
{
	g->dev = dev;
	vdrv_queue_init(&g->drv, &g->cq, VG_CMDQ_SIZE, &dev->queues[0]);
	vdrv_queue_init(&g->drv, &g->eq, VG_EVQ_SIZE, &dev->queues[1]);
	g->big_req = vdrv_alloc(&g->drv, VG_REQ_MAX, 16);
	dev->signal = on_signal;
	dev->transport = g;
	dev->acked_features = dev->ops->features;
	for (unsigned q = 0; q < 2; q++) {
		dev->queues[q].indirect = true;
		if (virtq_enable(&dev->queues[q], &g->drv.mem))
			return -1;
	}
	pthread_mutex_lock(&dev->lock);
	dev->driver_ok = true;
	pthread_mutex_unlock(&dev->lock);
	return g->big_req ? 0 : -1;
}

void vg_destroy(struct vguest *g)
{
	vdrv_destroy(&g->drv);
	pthread_cond_destroy(&g->irq);
	pthread_mutex_destroy(&g->irq_lock);
}

void vg_kick(struct vguest *g, unsigned q)
{
	pthread_mutex_lock(&g->dev->lock);
	if (g->dev->driver_ok && g->dev->queues[q].ready)
		g->dev->ops->queue_notify(g->dev, q);
	pthread_mutex_unlock(&g->dev->lock);
}

/* n free descriptors in a row (the ring's next indexes wrap); returns the first or -1. */
static int find_descs(struct vguest *g, unsigned n)
{
	for (unsigned tries = 0; tries < VG_CMDQ_SIZE; tries++) {
		unsigned start = (g->next_desc + tries) % VG_CMDQ_SIZE, k;

		for (k = 0; k < n && !g->desc_busy[(start + k) % VG_CMDQ_SIZE]; k++)
			;
		if (k == n)
			return (int)start;
	}
	return -1;
}

int vg_submit_bufs(struct vguest *g, const struct vdrv_buf *bufs, unsigned n)
{
	int head = find_descs(g, n);

	if (head < 0 || n == 0)
		return -1;
	g->cq.free_head = (uint16_t)head;
	vdrv_add_chain(&g->drv, &g->cq, bufs, n);
	for (unsigned k = 0; k < n; k++)
		g->desc_busy[(head + k) % VG_CMDQ_SIZE] = 1;
	g->chain_len[head] = (uint16_t)n;
	g->used[head].done = false;
	g->next_desc = (uint16_t)((head + n) % VG_CMDQ_SIZE);
	vdrv_make_available(&g->drv, &g->cq, (uint16_t)head);
	vg_kick(g, 0);
	return head;
}

int vg_submit(struct vguest *g, const void *req, uint32_t len, uint32_t resp_len)
{
	struct vdrv_buf b[2];
	int head = find_descs(g, 2);
	uint64_t rq;

	if (head < 0 || len > VG_REQ_MAX || resp_len > VG_RESP_MAX)
		return -1;
	if (!g->req_gpa[head])
		g->req_gpa[head] = vdrv_alloc(&g->drv, REQ_SLOT, 16);
	if (!g->resp_gpa[head])
		g->resp_gpa[head] = vdrv_alloc(&g->drv, VG_RESP_MAX, 16);
	if (!g->req_gpa[head] || !g->resp_gpa[head])
		return -1;
	rq = len > REQ_SLOT ? g->big_req : g->req_gpa[head];
	memcpy(vdrv_ptr(&g->drv, rq, len), req, len);
	memset(vdrv_ptr(&g->drv, g->resp_gpa[head], VG_RESP_MAX), 0xa5, VG_RESP_MAX);
	b[0] = (struct vdrv_buf){rq, len, false};
	b[1] = (struct vdrv_buf){g->resp_gpa[head], resp_len, true};
	return vg_submit_bufs(g, b, resp_len ? 2 : 1);
}

bool vg_poll(struct vguest *g, int head)
{
	uint32_t id, len;

	while (vdrv_get_used(&g->drv, &g->cq, &id, &len))
		if (id < VG_CMDQ_SIZE)
			g->used[id] = (struct vg_used){true, len};
	return head >= 0 && head < VG_CMDQ_SIZE && g->used[head].done;
}

int vg_wait(struct vguest *g, int head, void *resp, uint32_t resp_len, int ms)
{
	struct timespec end;
	uint32_t len;
	bool done;

	if (head < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	/* Polled under irq_lock: a completion after the poll signals after it, never lost. */
	pthread_mutex_lock(&g->irq_lock);
	while (!(done = vg_poll(g, head)))
		if (pthread_cond_timedwait(&g->irq, &g->irq_lock, &end))
			break;
	if (!done)
		done = vg_poll(g, head);
	pthread_mutex_unlock(&g->irq_lock);
	if (!done)
		return -1;
	len = g->used[head].len;
	if (resp && g->resp_gpa[head])
		memcpy(resp, vdrv_ptr(&g->drv, g->resp_gpa[head], resp_len),
		       len < resp_len ? len : resp_len);
	g->used[head].done = false;
	for (unsigned k = 0; k < g->chain_len[head]; k++)
		g->desc_busy[(head + k) % VG_CMDQ_SIZE] = 0;
	return (int)len;
}

int vg_cmd(struct vguest *g, const void *req, uint32_t len, void *resp, uint32_t resp_len)
{
	int head = vg_submit(g, req, len, resp_len);

	return head < 0 ? -1 : vg_wait(g, head, resp, resp_len, 2000);
}

uint32_t vg_cmd_hdr(struct vguest *g, const void *req, uint32_t len)
{
	struct virtio_video_cmd_hdr h = {0, 0};

	if (vg_cmd(g, req, len, &h, sizeof(h)) != sizeof(h))
		return 0;
	return h.type;
}

void vg_post_events(struct vguest *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct vdrv_buf b = {0, sizeof(struct virtio_video_event), true};

		vdrv_make_available(&g->drv, &g->eq, vdrv_add_chain(&g->drv, &g->eq, &b, 1));
	}
	vg_kick(g, 1);
}

bool vg_get_event(struct vguest *g, struct virtio_video_event *ev)
{
	uint32_t id, len;
	struct vring_desc *d;

	if (!vdrv_get_used(&g->drv, &g->eq, &id, &len))
		return false;
	d = vdrv_ptr(&g->drv, g->eq.desc + 16ull * (id % VG_EVQ_SIZE), 16);
	memset(ev, 0, sizeof(*ev));
	if (len >= sizeof(*ev))
		memcpy(ev, vdrv_ptr(&g->drv, d->addr, sizeof(*ev)), sizeof(*ev));
	return true;
}

int vg_buf_alloc(struct vguest *g, struct vg_buf *b, uint64_t size)
{
	uint64_t base;

	b->npages = (uint32_t)((size + VG_PAGE - 1) / VG_PAGE);
	b->size = (uint64_t)b->npages * VG_PAGE;
	b->gpa = calloc(b->npages, sizeof(*b->gpa));
	base = vdrv_alloc(&g->drv, 2ull * b->npages * VG_PAGE, VG_PAGE);
	if (!b->gpa || !base)
		return -1;
	/* Every other page, last first: no two entries are adjacent or in order. */
	for (uint32_t k = 0; k < b->npages; k++)
		b->gpa[k] = base + (2ull * (b->npages - 1 - k) + 1) * VG_PAGE;
	return 0;
}

void vg_buf_free(struct vg_buf *b)
{
	free(b->gpa);
	b->gpa = NULL;
}

static void buf_copy(struct vguest *g, const struct vg_buf *b, uint64_t off, uint8_t *host,
		     uint64_t len, bool to_guest)
{
	while (len) {
		uint64_t page = off / VG_PAGE, in = off % VG_PAGE;
		uint64_t n = VG_PAGE - in < len ? VG_PAGE - in : len;
		uint8_t *p;

		/* Past the buffer's pages: where a real client would fault. */
		if (page >= b->npages) {
			fprintf(stderr,
				"video_guest: %s past the end of a %" PRIu64 "-byte buffer\n",
				to_guest ? "write" : "read", b->size);
			abort();
		}
		p = vdrv_ptr(&g->drv, b->gpa[page] + in, n);
		if (to_guest)
			memcpy(p, host, n);
		else
			memcpy(host, p, n);
		host += n;
		off += n;
		len -= n;
	}
}

void vg_buf_write(struct vguest *g, const struct vg_buf *b, uint64_t off, const void *src,
		  uint64_t len)
{
	buf_copy(g, b, off, (uint8_t *)(uintptr_t)src, len, true);
}

void vg_buf_read(struct vguest *g, const struct vg_buf *b, uint64_t off, void *dst, uint64_t len)
{
	buf_copy(g, b, off, dst, len, false);
}

uint32_t vg_resource_create_planes(struct vguest *g, uint32_t stream, uint32_t queue_type,
				   uint32_t id, const struct vg_buf *bufs, unsigned nplanes,
				   uint32_t layout, const uint32_t *offsets)
{
	size_t n = 0, len;
	struct virtio_video_resource_create *rc;
	struct virtio_video_mem_entry *e;
	uint32_t type;

	if (nplanes == 0 || nplanes > VIRTIO_VIDEO_MAX_PLANES)
		return 0;
	for (unsigned p = 0; p < nplanes; p++)
		n += bufs[p].npages;
	len = sizeof(*rc) + n * sizeof(*e);
	rc = calloc(1, len);
	if (!rc)
		return 0;
	e = (struct virtio_video_mem_entry *)(rc + 1);
	rc->hdr = (struct virtio_video_cmd_hdr){VIRTIO_VIDEO_CMD_RESOURCE_CREATE, stream};
	rc->queue_type = queue_type;
	rc->resource_id = id;
	rc->planes_layout = layout;
	rc->num_planes = nplanes;
	for (unsigned p = 0; p < nplanes; p++) {
		rc->num_entries[p] = bufs[p].npages;
		rc->plane_offsets[p] = offsets ? offsets[p] : 0;
		for (uint32_t k = 0; k < bufs[p].npages; k++)
			*e++ = (struct virtio_video_mem_entry){bufs[p].gpa[k], VG_PAGE, {0}};
	}
	type = vg_cmd_hdr(g, rc, (uint32_t)len);
	free(rc);
	return type;
}

uint32_t vg_resource_create(struct vguest *g, uint32_t stream, uint32_t queue_type, uint32_t id,
			    const struct vg_buf *b)
{
	return vg_resource_create_planes(g, stream, queue_type, id, b, 1,
					 VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER, NULL);
}

uint64_t vg_v4l2_sizeimage(uint32_t format, uint32_t bytesperline, uint32_t height)
{
	uint64_t luma = (uint64_t)bytesperline * height, ch = (height + 1) / 2;

	if (format == VIRTIO_VIDEO_FORMAT_NV12)
		return luma + (uint64_t)bytesperline * ch; /* interleaved Cb Cr */
	if (format == VIRTIO_VIDEO_FORMAT_YUV420)
		return luma + 2 * (uint64_t)(bytesperline / 2) * ch;
	return 0;
}

int vg_v4l2_alloc(struct vguest *g, const struct virtio_video_params *p, struct vg_buf *planes)
{
	if (p->num_planes < 1 || p->num_planes > VIRTIO_VIDEO_MAX_PLANES)
		return -1;
	for (unsigned i = 0; i < p->num_planes; i++)
		if (vg_buf_alloc(g, &planes[i], p->plane_formats[i].plane_size))
			return -1;
	return 0;
}

int vg_resource_queue(struct vguest *g, uint32_t stream, uint32_t queue_type, uint32_t id,
		      uint64_t ts)
{
	struct virtio_video_resource_queue q = {
		.hdr = {VIRTIO_VIDEO_CMD_RESOURCE_QUEUE, stream},
		.queue_type = queue_type,
		.resource_id = id,
		.timestamp = ts,
		.num_data_sizes = 1,
	};

	return vg_submit(g, &q, sizeof(q), sizeof(struct virtio_video_resource_queue_resp));
}

uint32_t vg_set_control(struct vguest *g, uint32_t stream, uint32_t control, uint32_t val)
{
	struct virtio_video_control_cmd c = {.hdr = {VIRTIO_VIDEO_CMD_SET_CONTROL, stream},
					     .control = control,
					     .val = {val, {0}}};

	return vg_cmd_hdr(g, &c, sizeof(c));
}

uint32_t vg_get_control(struct vguest *g, uint32_t stream, uint32_t control, uint32_t *val)
{
	struct virtio_video_control_cmd c = {.hdr = {VIRTIO_VIDEO_CMD_GET_CONTROL, stream},
					     .control = control};
	struct virtio_video_get_control_resp r = {.hdr = {0, 0}};

	if (vg_cmd(g, &c, 16, &r, sizeof(r)) < 8)
		return 0;
	*val = r.val.value;
	return r.hdr.type;
}

uint32_t vg_get_params(struct vguest *g, uint32_t stream, uint32_t queue_type,
		       struct virtio_video_params *p)
{
	struct virtio_video_get_params c = {.hdr = {VIRTIO_VIDEO_CMD_GET_PARAMS, stream},
					    .queue_type = queue_type};
	struct virtio_video_params_cmd r = {.hdr = {0, 0}};

	if (vg_cmd(g, &c, sizeof(c), &r, sizeof(r)) < 8)
		return 0;
	*p = r.params;
	return r.hdr.type;
}

uint32_t vg_set_params(struct vguest *g, uint32_t stream, const struct virtio_video_params *p)
{
	struct virtio_video_params_cmd c = {.hdr = {VIRTIO_VIDEO_CMD_SET_PARAMS, stream},
					    .params = *p};

	return vg_cmd_hdr(g, &c, sizeof(c));
}

static bool params_pair(struct vguest *g, uint32_t stream, struct virtio_video_params *in,
			struct virtio_video_params *out)
{
	return vg_get_params(g, stream, VIRTIO_VIDEO_QUEUE_TYPE_INPUT, in) ==
		       VIRTIO_VIDEO_RESP_OK_GET_PARAMS &&
	       vg_get_params(g, stream, VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT, out) ==
		       VIRTIO_VIDEO_RESP_OK_GET_PARAMS;
}

int vg_open_stream(struct vguest *g, uint32_t stream, const struct vg_stream_cfg *c,
		   struct virtio_video_params *in, struct virtio_video_params *out)
{
	static uint8_t caps[VG_RESP_MAX];
	struct virtio_video_query_capability qc = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CAPABILITY, 0}};
	struct virtio_video_query_control qctl = {.hdr = {VIRTIO_VIDEO_CMD_QUERY_CONTROL, 0},
						  .control = VIRTIO_VIDEO_CONTROL_PROFILE,
						  .format = c->codec};
	struct virtio_video_stream_create sc = {.hdr = {VIRTIO_VIDEO_CMD_STREAM_CREATE, stream},
						.in_mem_type = VIRTIO_VIDEO_MEM_TYPE_GUEST_PAGES,
						.out_mem_type = VIRTIO_VIDEO_MEM_TYPE_GUEST_PAGES,
						.coded_format = c->codec};
	bool h264 = c->codec == VIRTIO_VIDEO_FORMAT_H264;
	uint32_t val;

	/* Probe: capabilities of both queues, then the controls of the coded format. */
	for (uint32_t q = VIRTIO_VIDEO_QUEUE_TYPE_INPUT; q <= VIRTIO_VIDEO_QUEUE_TYPE_OUTPUT; q++) {
		qc.queue_type = q;
		if (vg_cmd(g, &qc, sizeof(qc), caps, sizeof(caps)) < 16 ||
		    ((struct virtio_video_cmd_hdr *)caps)->type !=
			    VIRTIO_VIDEO_RESP_OK_QUERY_CAPABILITY)
			return -1;
	}
	if (vg_cmd(g, &qctl, sizeof(qctl), caps, sizeof(caps)) < 16 ||
	    ((struct virtio_video_cmd_hdr *)caps)->type != VIRTIO_VIDEO_RESP_OK_QUERY_CONTROL)
		return -1;
	qctl.control = VIRTIO_VIDEO_CONTROL_LEVEL;
	if (h264 && vg_cmd(g, &qctl, sizeof(qctl), caps, sizeof(caps)) < 16)
		return -1;

	/* open(): create, read both queues' params and the controls. */
	if (vg_cmd_hdr(g, &sc, sizeof(sc)) != VIRTIO_VIDEO_RESP_OK_NODATA ||
	    !params_pair(g, stream, in, out))
		return -1;
	if (vg_get_control(g, stream, VIRTIO_VIDEO_CONTROL_PROFILE, &val) !=
		    VIRTIO_VIDEO_RESP_OK_GET_CONTROL ||
	    (h264 && vg_get_control(g, stream, VIRTIO_VIDEO_CONTROL_LEVEL, &val) !=
			     VIRTIO_VIDEO_RESP_OK_GET_CONTROL) ||
	    vg_get_control(g, stream, VIRTIO_VIDEO_CONTROL_BITRATE, &val) !=
		    VIRTIO_VIDEO_RESP_OK_GET_CONTROL)
		return -1;
	/* The control handler's set-up; mode only when CBR (the driver never sends 0). */
	if (c->mode == VIRTIO_VIDEO_BITRATE_MODE_CBR &&
	    vg_set_control(g, stream, VIRTIO_VIDEO_CONTROL_BITRATE_MODE, c->mode) !=
		    VIRTIO_VIDEO_RESP_OK_NODATA)
		return -1;
	if ((c->profile && vg_set_control(g, stream, VIRTIO_VIDEO_CONTROL_PROFILE, c->profile) !=
				   VIRTIO_VIDEO_RESP_OK_NODATA) ||
	    (h264 && c->level &&
	     vg_set_control(g, stream, VIRTIO_VIDEO_CONTROL_LEVEL, c->level) !=
		     VIRTIO_VIDEO_RESP_OK_NODATA) ||
	    vg_set_control(g, stream, VIRTIO_VIDEO_CONTROL_BITRATE, c->bitrate) !=
		    VIRTIO_VIDEO_RESP_OK_NODATA ||
	    vg_set_control(g, stream, VIRTIO_VIDEO_CONTROL_BITRATE_PEAK,
			   c->peak ? c->peak : c->bitrate) != VIRTIO_VIDEO_RESP_OK_NODATA)
		return -1;

	/* S_FMT capture, S_FMT output, S_PARM: each followed by GET_PARAMS of both queues. */
	out->format = c->codec;
	out->frame_width = c->width;
	out->frame_height = c->height;
	if (vg_set_params(g, stream, out) != VIRTIO_VIDEO_RESP_OK_NODATA ||
	    !params_pair(g, stream, in, out))
		return -1;
	in->format = c->in_format;
	in->frame_width = c->width;
	in->frame_height = c->height;
	in->plane_formats[0].stride = c->width;
	if (vg_set_params(g, stream, in) != VIRTIO_VIDEO_RESP_OK_NODATA ||
	    !params_pair(g, stream, in, out))
		return -1;
	in->frame_rate = c->fps;
	if (vg_set_params(g, stream, in) != VIRTIO_VIDEO_RESP_OK_NODATA ||
	    !params_pair(g, stream, in, out))
		return -1;
	return 0;
}
