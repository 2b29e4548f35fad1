// SPDX-License-Identifier: BSD-3-Clause
/*
 * The encoder thread: input frames and drains become jobs, run one at a time
 * off the command queue's thread so a slow encode never stalls commands. A job
 * starts and ends under the device lock; the frame is gathered from guest pages
 * and encoded without it. Encoded packets wait for output buffers (at most
 * VIDEO_MAX_PKTS per stream: past half of that, the stream's frames wait for the
 * guest to queue output buffers, as a V4L2 mem2mem device does).
 */
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/video/video_priv.h"
#include "util/log.h"

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

static void append_job(struct video *v, struct vjob *j)
{
	struct vjob **p = &v->jobs;

	while (*p)
		p = &(*p)->next;
	*p = j;
	pthread_cond_signal(&v->work);
}

static struct vjob *take_job(struct video *v)
{
	for (struct vjob **p = &v->jobs; *p; p = &(*p)->next) {
		struct vjob *j = *p;

		/* A stream's jobs stay in order: all of them wait while it is backpressured. */
		if (backpressured(j->s))
			continue;
		*p = j->next;
		return j;
	}
	return NULL;
}

static void push_pkt(struct video *v, struct vstream *s, struct vpkt *p)
{
	if (s->npkts == VIDEO_MAX_PKTS) {
		free(p->data);
		log_warn("virtio-video: stream %u: no output buffers for a packet, dropped", s->id);
		video_event(v, VIRTIO_VIDEO_EVENT_ERROR, s->id);
		return;
	}
	s->pkts[s->npkts++] = *p;
}

void encode_deliver(struct video *v, struct vstream *s)
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
		    vres_write(v->d->mem, r, off, p.data, p.size)) {
			/* The packet is lost, so the stream is broken: tell the guest. */
			flags = VIRTIO_VIDEO_BUFFER_FLAG_ERR;
			size = 0;
			video_event(v, VIRTIO_VIDEO_EVENT_ERROR, s->id);
		}
		r->queued = false;
		video_complete_buffer(v, &r->resp, p.timestamp, flags, size);
		free(p.data);
		if ((p.flags & VIRTIO_VIDEO_BUFFER_FLAG_EOS) && s->draining) {
			s->draining = false;
			video_complete_hdr(v, &s->drain_resp, VIRTIO_VIDEO_RESP_OK_NODATA);
		}
	}
	if (was_full && !backpressured(s))
		pthread_cond_signal(&v->work);
}

/* Copies the input frame from the guest's pages into the encoder's frame buffers. */
static int gather(struct video *v, const struct vjob *j, const uint64_t *offs,
		  const uint32_t *strides, const uint32_t *rows, const uint32_t *row_bytes,
		  const struct enc_frame *f)
{
	for (unsigned i = 0; i < 3 && f->data[i] && rows[i]; i++) {
		if (f->linesize[i] < row_bytes[i])
			return -1;
		if (strides[i] == f->linesize[i]) {
			if (vres_read(v->d->mem, j->res, offs[i], f->data[i],
				      (uint64_t)strides[i] * (rows[i] - 1) + row_bytes[i]))
				return -1;
			continue;
		}
		for (uint32_t y = 0; y < rows[i]; y++)
			if (vres_read(v->d->mem, j->res, offs[i] + (uint64_t)y * strides[i],
				      f->data[i] + (size_t)y * f->linesize[i], row_bytes[i]))
				return -1;
	}
	return 0;
}

static bool same_session(const struct enc_params *a, const struct enc_params *b)
{
	return a->codec == b->codec && a->in_format == b->in_format && a->width == b->width &&
	       a->height == b->height && a->mode == b->mode && a->profile == b->profile &&
	       a->level == b->level;
}

/* Opens, re-opens or re-rates the stream's session for p. Runs without the lock. */
static int prepare_session(struct video *v, struct vstream *s, const struct enc_params *p)
{
	if (s->session && !same_session(&s->sess, p)) {
		v->enc->close(s->session);
		s->session = NULL;
	}
	if (!s->session) {
		int r = v->enc->open(p, &s->session);

		if (r)
			return r;
		s->sess = *p;
		return 1; /* a new session: pts restarts */
	}
	if (s->sess.bitrate != p->bitrate || s->sess.peak != p->peak || s->sess.fps != p->fps) {
		int r = v->enc->set_rate(s->session, p);

		if (r) {
			/* The next frame starts a fresh session with these values. */
			v->enc->close(s->session);
			s->session = NULL;
			return r;
		}
		s->sess = *p;
	}
	return 0;
}

static void run_encode(struct video *v, struct vjob *j, struct collected *c)
{
	pthread_mutex_t *lock = &v->d->lock;
	struct vstream *s = j->s;
	struct enc_params p;
	struct enc_frame f;
	uint64_t sizes[3], offs[3] = {0};
	uint32_t strides[3], rows[3], row_bytes[3], flags = 0;
	int64_t pts;
	int r;

	stream_enc_params(s, &p);
	stream_plane_sizes(s, sizes, strides, rows, row_bytes);
	/* Checked when queued; the queue's params may have changed after a DESTROY_ALL. */
	r = vres_planes(j->res, stream_num_planes(s), sizes, offs) ? -1 : 0;
	pthread_mutex_unlock(lock);

	if (!r) {
		r = prepare_session(v, s, &p);
		if (r == 1) {
			s->next_pts = 0;
			r = 0;
		}
	}
	if (!r)
		r = v->enc->frame(s->session, &f);
	if (!r)
		r = gather(v, j, offs, strides, rows, row_bytes, &f);
	pts = s->next_pts++;
	s->ts[pts % VIDEO_TS_RING] = j->timestamp;
	if (!r)
		r = v->enc->encode(s->session, pts, j->key, collect, c);

	pthread_mutex_lock(lock);
	if (r || c->overflow || c->nomem)
		flags = VIRTIO_VIDEO_BUFFER_FLAG_ERR;
	if (!j->cancelled) {
		j->res->queued = false;
		video_complete_buffer(v, &j->res->resp, j->timestamp, flags, 0);
	}
	if (s->dead)
		return;
	/* One error event (and log line) per run of failures, not one per frame. */
	if (flags && !s->reported_error) {
		log_warn("virtio-video: stream %u: encoding failed (%d)", s->id, r);
		video_event(v, VIRTIO_VIDEO_EVENT_ERROR, s->id);
	}
	s->reported_error = flags != 0;
}

static void run_flush(struct video *v, struct vjob *j, struct collected *c)
{
	struct vstream *s = j->s;
	int r = 0;

	pthread_mutex_unlock(&v->d->lock);
	if (s->session) {
		r = v->enc->flush(s->session, collect, c);
		/* A flushed libavcodec encoder takes no more frames: the next frame re-opens. */
		v->enc->close(s->session);
		s->session = NULL;
	}
	pthread_mutex_lock(&v->d->lock);
	if ((r || c->overflow || c->nomem) && !s->dead)
		video_event(v, VIRTIO_VIDEO_EVENT_ERROR, s->id);
}

static void finish(struct video *v, struct vjob *j, struct collected *c)
{
	struct vstream *s = j->s;

	for (unsigned i = 0; i < c->n; i++) {
		struct vpkt *p = &c->pkts[i];

		if (s->dead) {
			free(p->data);
			continue;
		}
		p->timestamp = c->pts[i] >= 0 ? s->ts[c->pts[i] % VIDEO_TS_RING] : j->timestamp;
		push_pkt(v, s, p);
	}
	if (s->dead) {
		encode_free_session(v, s);
		free(s);
		return;
	}
	if (j->kind == JOB_FLUSH && !j->cancelled) {
		/* The end of the stream: an empty buffer flagged EOS after every packet. */
		struct vpkt eos = {malloc(1), 0, 0, VIRTIO_VIDEO_BUFFER_FLAG_EOS};

		if (eos.data)
			push_pkt(v, s, &eos);
	}
	encode_deliver(v, s);
}

static void *encoder_main(void *arg)
{
	struct video *v = arg;
	struct collected *c = malloc(sizeof(*c));

	pthread_mutex_lock(&v->d->lock);
	while (c && !v->stop) {
		struct vjob *j = take_job(v);

		if (!j) {
			pthread_cond_wait(&v->work, &v->d->lock);
			continue;
		}
		v->busy = j;
		memset(c, 0, sizeof(*c));
		if (j->kind == JOB_ENCODE)
			run_encode(v, j, c);
		else
			run_flush(v, j, c);
		v->busy = NULL;
		finish(v, j, c);
		vres_put(j->res);
		free(j);
		pthread_cond_broadcast(&v->idle);
	}
	pthread_mutex_unlock(&v->d->lock);
	free(c);
	return NULL;
}

int encode_start(struct video *v)
{
	int r;

	pthread_cond_init(&v->work, NULL);
	pthread_cond_init(&v->idle, NULL);
	r = pthread_create(&v->thread, NULL, encoder_main, v);
	if (r)
		return -r;
	v->thread_running = true;
	return 0;
}

void encode_stop(struct video *v)
{
	if (v->thread_running) {
		pthread_mutex_lock(&v->d->lock);
		v->stop = true;
		pthread_cond_signal(&v->work);
		pthread_mutex_unlock(&v->d->lock);
		pthread_join(v->thread, NULL);
		v->thread_running = false;
	}
	pthread_cond_destroy(&v->work);
	pthread_cond_destroy(&v->idle);
}

uint32_t encode_queue_input(struct video *v, struct vstream *s, struct vres *r, uint64_t ts)
{
	struct vjob *j = calloc(1, sizeof(*j));

	if (!j)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	r->refs++;
	r->queued = true;
	*j = (struct vjob){
		.kind = JOB_ENCODE, .s = s, .res = r, .timestamp = ts, .key = s->force_key};
	s->force_key = false;
	append_job(v, j);
	return 0;
}

uint32_t encode_queue_output(struct video *v, struct vstream *s, struct vres *r)
{
	r->queued = true;
	s->outq[s->noutq++] = r; /* each resource is queued at most once: noutq <= nres */
	encode_deliver(v, s);
	return 0;
}

uint32_t encode_drain(struct video *v, struct vstream *s)
{
	struct vjob *j = calloc(1, sizeof(*j));

	if (!j)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	*j = (struct vjob){.kind = JOB_FLUSH, .s = s};
	s->draining = true;
	append_job(v, j);
	return 0;
}

void encode_cancel_stream(struct video *v, struct vstream *s, bool input_only)
{
	struct vjob **p = &v->jobs;

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
	if (v->busy && v->busy->s == s && (v->busy->kind == JOB_ENCODE || !input_only))
		v->busy->cancelled = true;
}

void encode_wait_idle(struct video *v)
{
	while (v->busy)
		pthread_cond_wait(&v->idle, &v->d->lock);
}

void encode_free_session(struct video *v, struct vstream *s)
{
	if (s->session)
		v->enc->close(s->session);
	s->session = NULL;
}
