// SPDX-License-Identifier: BSD-3-Clause
/*
 * The encoder thread: input frames and drains become jobs, run one at a time
 * off the command queue's thread so a slow encode never stalls commands. A job
 * starts and ends under the device lock; the frame is gathered from guest pages
 * and encoded without it. Encoded packets wait for output buffers (at most
 * VIDEO_MAX_PKTS per stream: past half of that, the stream's frames wait for the
 * guest to queue output buffers, as a V4L2 mem2mem device does). Answers and
 * events go to the device through its sink; stream values come from the
 * stream's own derived copy, so nothing here calls video.c or stream.c.
 */
#include "devices/virtio/video/encode.h"

#include <stdlib.h>
#include <string.h>

#include "devices/virtio/video/derive.h"
#include "devices/virtio/video/resource.h"
#include "util/log.h"

enum vjob_kind { JOB_ENCODE, JOB_FLUSH };

struct vjob {
	struct vjob *next;
	enum vjob_kind kind;
	struct vstream *s;
	struct vres *res; /* ENCODE: the input resource (a reference) */
	uint64_t timestamp;
	bool key;
	bool cancelled; /* its chain was already answered (QUEUE_CLEAR, DESTROY) */
};

struct collected {
	struct vpkt pkts[VIDEO_MAX_PKTS];
	unsigned n;
	int64_t pts[VIDEO_MAX_PKTS];
	bool overflow, nomem;
};

static void collect(void *arg, const struct enc_packet *pkt)
{
	struct collected *c = arg;
	struct vpkt *p;

	if (c->n == VIDEO_MAX_PKTS || pkt->size > VIDEO_MAX_OUT_SIZE) {
		c->overflow = true;
		return;
	}
	p = &c->pkts[c->n];
	p->data = malloc(pkt->size ? pkt->size : 1);
	if (!p->data) {
		c->nomem = true;
		return;
	}
	memcpy(p->data, pkt->data, pkt->size);
	p->size = (uint32_t)pkt->size;
	p->flags = pkt->key ? VIRTIO_VIDEO_BUFFER_FLAG_IFRAME : 0;
	c->pts[c->n++] = pkt->pts;
}

static bool backpressured(const struct vstream *s)
{
	return s->npkts >= VIDEO_MAX_PKTS / 2;
}

static void append_job(struct encode_thread *e, struct vjob *j)
{
	struct vjob **p = &e->jobs;

	while (*p)
		p = &(*p)->next;
	*p = j;
	pthread_cond_signal(&e->work);
}

static struct vjob *take_job(struct encode_thread *e)
{
	for (struct vjob **p = &e->jobs; *p; p = &(*p)->next) {
		struct vjob *j = *p;

		/* A stream's jobs stay in order: all of them wait while it is backpressured. */
		if (backpressured(j->s))
			continue;
		*p = j->next;
		return j;
	}
	return NULL;
}

static void error_event(struct encode_thread *e, const struct vstream *s)
{
	e->sink.event(e->sink.ctx, VIRTIO_VIDEO_EVENT_ERROR, s->id);
}

static void push_pkt(struct encode_thread *e, struct vstream *s, struct vpkt *p)
{
	if (s->npkts == VIDEO_MAX_PKTS) {
		free(p->data);
		log_warn("virtio-video: stream %u: no output buffers for a packet, dropped", s->id);
		error_event(e, s);
		return;
	}
	s->pkts[s->npkts++] = *p;
}

/* Moves waiting packets into queued output buffers, oldest first, answering each. */
static void deliver(struct encode_thread *e, struct vstream *s)
{
	bool was_full = backpressured(s);

	while (s->npkts && s->noutq) {
		struct vpkt p = s->pkts[0];
		struct vres *r = s->outq[0];
		uint64_t off = r->plane_offsets[0];
		uint32_t flags = p.flags, size = p.size;

		memmove(s->pkts, s->pkts + 1, --s->npkts * sizeof(s->pkts[0]));
		for (unsigned i = 1; i < s->noutq; i++)
			s->outq[i - 1] = s->outq[i];
		s->noutq--;
		if (off > r->size || p.size > r->size - off ||
		    vres_write(e->d->mem, r, off, p.data, p.size)) {
			/* The packet is lost, so the stream is broken: tell the guest. */
			flags = VIRTIO_VIDEO_BUFFER_FLAG_ERR;
			size = 0;
			error_event(e, s);
		}
		r->queued = false;
		e->sink.buffer_done(e->sink.ctx, &r->resp, p.timestamp, flags, size);
		free(p.data);
		if ((p.flags & VIRTIO_VIDEO_BUFFER_FLAG_EOS) && s->draining) {
			s->draining = false;
			e->sink.cmd_done(e->sink.ctx, &s->drain_resp, VIRTIO_VIDEO_RESP_OK_NODATA);
		}
	}
	if (was_full && !backpressured(s))
		pthread_cond_signal(&e->work);
}

/* Copies the input frame from the guest's pages into the encoder's frame buffers. */
static int gather(const struct encode_thread *e, const struct vjob *j, const uint64_t *offs,
		  const struct vlayout *l, const struct enc_frame *f)
{
	const struct guest_memory *mem = e->d->mem;

	for (unsigned i = 0; i < 3 && f->data[i] && l->rows[i]; i++) {
		uint32_t stride = l->stride[i], rows = l->rows[i], row_bytes = l->row_bytes[i];

		if (f->linesize[i] < row_bytes)
			return -1;
		if (stride == f->linesize[i]) {
			if (vres_read(mem, j->res, offs[i], f->data[i],
				      (uint64_t)stride * (rows - 1) + row_bytes))
				return -1;
			continue;
		}
		for (uint32_t y = 0; y < rows; y++)
			if (vres_read(mem, j->res, offs[i] + (uint64_t)y * stride,
				      f->data[i] + (size_t)y * f->linesize[i], row_bytes))
				return -1;
	}
	return 0;
}

static bool same_session(const struct enc_params *a, const struct enc_params *b)
{
	return a->codec == b->codec && a->in_format == b->in_format && a->width == b->width &&
	       a->height == b->height && a->mode == b->mode && a->profile == b->profile &&
	       a->level_idc == b->level_idc;
}

/* Opens, re-opens or re-rates the stream's session for p. Runs without the lock. */
static int prepare_session(struct encode_thread *e, struct vstream *s, const struct enc_params *p)
{
	if (s->session && !same_session(&s->sess, p)) {
		e->ops->close(s->session);
		s->session = NULL;
	}
	if (!s->session) {
		int r = e->ops->open(p, &s->session);

		if (r)
			return r;
		s->sess = *p;
		return 1; /* a new session: pts restarts */
	}
	if (s->sess.bitrate != p->bitrate || s->sess.peak != p->peak || s->sess.fps != p->fps) {
		int r = e->ops->set_rate(s->session, p);

		if (r) {
			/* The next frame starts a fresh session with these values. */
			e->ops->close(s->session);
			s->session = NULL;
			return r;
		}
		s->sess = *p;
	}
	return 0;
}

static void run_encode(struct encode_thread *e, struct vjob *j, struct collected *c)
{
	pthread_mutex_t *lock = &e->d->lock;
	struct vstream *s = j->s;
	/* The stream's values as they are now: they may change while this frame encodes. */
	struct enc_params p;
	struct vlayout l;
	struct enc_frame f;
	uint64_t offs[3] = {0};
	uint32_t flags = 0;
	int64_t pts;
	int r;

	vstream_enc_params(s, &p);
	vstream_layout(s, &l);
	/* Checked at RESOURCE_CREATE: here for the offsets. */
	r = vres_planes(j->res, &l, offs) ? -1 : 0;
	pthread_mutex_unlock(lock);

	if (!r) {
		r = prepare_session(e, s, &p);
		if (r == 1) {
			s->next_pts = 0;
			r = 0;
		}
	}
	if (!r)
		r = e->ops->frame(s->session, &f);
	if (!r)
		r = gather(e, j, offs, &l, &f);
	pts = s->next_pts++;
	s->ts[pts % VIDEO_TS_RING] = j->timestamp;
	if (!r)
		r = e->ops->encode(s->session, pts, j->key, collect, c);

	pthread_mutex_lock(lock);
	if (r || c->overflow || c->nomem)
		flags = VIRTIO_VIDEO_BUFFER_FLAG_ERR;
	if (!j->cancelled) {
		j->res->queued = false;
		e->sink.buffer_done(e->sink.ctx, &j->res->resp, j->timestamp, flags, 0);
	}
	if (s->dead)
		return;
	/* One error event (and log line) per run of failures, not one per frame. */
	if (flags && !s->reported_error) {
		log_warn("virtio-video: stream %u: encoding failed (%d)", s->id, r);
		error_event(e, s);
	}
	s->reported_error = flags != 0;
}

static void run_flush(struct encode_thread *e, struct vjob *j, struct collected *c)
{
	struct vstream *s = j->s;
	int r = 0;

	pthread_mutex_unlock(&e->d->lock);
	if (s->session) {
		r = e->ops->flush(s->session, collect, c);
		/* A flushed libavcodec encoder takes no more frames: the next frame re-opens. */
		e->ops->close(s->session);
		s->session = NULL;
	}
	pthread_mutex_lock(&e->d->lock);
	if ((r || c->overflow || c->nomem) && !s->dead)
		error_event(e, s);
}

static void free_session(const struct encode_thread *e, struct vstream *s)
{
	if (s->session)
		e->ops->close(s->session);
	s->session = NULL;
}

static void finish(struct encode_thread *e, struct vjob *j, struct collected *c)
{
	struct vstream *s = j->s;

	for (unsigned i = 0; i < c->n; i++) {
		struct vpkt *p = &c->pkts[i];

		if (s->dead) {
			free(p->data);
			continue;
		}
		p->timestamp = c->pts[i] >= 0 ? s->ts[c->pts[i] % VIDEO_TS_RING] : j->timestamp;
		push_pkt(e, s, p);
	}
	if (s->dead) {
		free_session(e, s);
		free(s);
		return;
	}
	if (j->kind == JOB_FLUSH && !j->cancelled) {
		/* The end of the stream: an empty buffer flagged EOS after every packet. */
		struct vpkt eos = {malloc(1), 0, 0, VIRTIO_VIDEO_BUFFER_FLAG_EOS};

		if (eos.data)
			push_pkt(e, s, &eos);
	}
	deliver(e, s);
}

static void *encoder_main(void *arg)
{
	struct encode_thread *e = arg;
	struct collected *c = malloc(sizeof(*c));

	pthread_mutex_lock(&e->d->lock);
	while (c && !e->stop) {
		struct vjob *j = take_job(e);

		if (!j) {
			pthread_cond_wait(&e->work, &e->d->lock);
			continue;
		}
		e->busy = j;
		memset(c, 0, sizeof(*c));
		if (j->kind == JOB_ENCODE)
			run_encode(e, j, c);
		else
			run_flush(e, j, c);
		e->busy = NULL;
		finish(e, j, c);
		vres_put(j->res);
		free(j);
		pthread_cond_broadcast(&e->idle);
	}
	pthread_mutex_unlock(&e->d->lock);
	free(c);
	return NULL;
}

int encode_start(struct encode_thread *e, struct virtio_device *d, const struct encoder_ops *ops,
		 const struct video_sink *sink)
{
	int r;

	e->d = d;
	e->ops = ops;
	e->sink = *sink;
	pthread_cond_init(&e->work, NULL);
	pthread_cond_init(&e->idle, NULL);
	r = pthread_create(&e->thread, NULL, encoder_main, e);
	if (r) {
		pthread_cond_destroy(&e->work);
		pthread_cond_destroy(&e->idle);
		return -r;
	}
	e->thread_running = true;
	return 0;
}

void encode_stop(struct encode_thread *e)
{
	if (e->thread_running) {
		pthread_mutex_lock(&e->d->lock);
		e->stop = true;
		pthread_cond_signal(&e->work);
		pthread_mutex_unlock(&e->d->lock);
		pthread_join(e->thread, NULL);
		e->thread_running = false;
	}
	pthread_cond_destroy(&e->work);
	pthread_cond_destroy(&e->idle);
}

uint32_t encode_queue_input(struct encode_thread *e, struct vstream *s, struct vres *r, uint64_t ts)
{
	struct vjob *j = calloc(1, sizeof(*j));

	if (!j)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	r->refs++;
	r->queued = true;
	*j = (struct vjob){
		.kind = JOB_ENCODE, .s = s, .res = r, .timestamp = ts, .key = s->force_key};
	s->force_key = false;
	append_job(e, j);
	return 0;
}

uint32_t encode_queue_output(struct encode_thread *e, struct vstream *s, struct vres *r)
{
	r->queued = true;
	s->outq[s->noutq++] = r; /* each resource is queued at most once: noutq <= nres */
	deliver(e, s);
	return 0;
}

uint32_t encode_drain(struct encode_thread *e, struct vstream *s)
{
	struct vjob *j = calloc(1, sizeof(*j));

	if (!j)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	*j = (struct vjob){.kind = JOB_FLUSH, .s = s};
	s->draining = true;
	append_job(e, j);
	return 0;
}

/* Drops s's waiting jobs (input_only: its frames, not its drain); a running one is marked. */
static void cancel_jobs(struct encode_thread *e, const struct vstream *s, bool input_only)
{
	struct vjob **p = &e->jobs;

	while (*p) {
		struct vjob *j = *p;

		if (j->s == s && (j->kind == JOB_ENCODE || !input_only)) {
			*p = j->next;
			vres_put(j->res);
			free(j);
		} else {
			p = &j->next;
		}
	}
	if (e->busy && e->busy->s == s && (e->busy->kind == JOB_ENCODE || !input_only))
		e->busy->cancelled = true;
}

void encode_cancel_queue(struct encode_thread *e, struct vstream *s, enum vq_idx q)
{
	for (unsigned i = 0; i < s->nres[q]; i++) {
		struct vres *r = s->res[q][i];

		if (r->queued) {
			r->queued = false;
			e->sink.buffer_done(e->sink.ctx, &r->resp, 0, VIRTIO_VIDEO_BUFFER_FLAG_ERR,
					    0);
		}
	}
	if (q == VQ_OUT) {
		s->noutq = 0;
		for (unsigned i = 0; i < s->npkts; i++)
			free(s->pkts[i].data);
		s->npkts = 0;
	}
	/* Clearing either queue ends a drain, so its flush goes too. */
	cancel_jobs(e, s, q == VQ_IN && !s->draining);
	if (s->draining) {
		/* A cleared queue ends the drain (V4L2 STREAMOFF): it will not complete. */
		s->draining = false;
		e->sink.cmd_done(e->sink.ctx, &s->drain_resp,
				 VIRTIO_VIDEO_RESP_ERR_INVALID_OPERATION);
	}
}

void encode_release_stream(struct encode_thread *e, struct vstream *s)
{
	cancel_jobs(e, s, false);
	if (e->busy && e->busy->s == s) {
		s->dead = true; /* the encoder thread is using it: it frees it when done */
		return;
	}
	free_session(e, s);
	free(s);
}

void encode_wait_idle(struct encode_thread *e)
{
	while (e->busy)
		pthread_cond_wait(&e->idle, &e->d->lock);
}
