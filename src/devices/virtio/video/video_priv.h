/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_PRIV_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_PRIV_H

/*
 * virtio-video encoder internals shared by its files. Locking: everything here
 * is guarded by the virtio device's lock (d->lock), which the worker thread
 * holds around queue_notify and the encoder thread takes around each job's
 * start and end. Only the encoder thread calls into an encoder session, and
 * only while the stream is its busy job's (see encode.c).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/device.h"
#include "devices/virtio/video/encoder.h"
#include "devices/virtio/video/protocol.h"

/* Limits on what a guest can make the device hold (past them: ERR_OUT_OF_MEMORY). */
#define VIDEO_MAX_STREAMS   16
#define VIDEO_MAX_RESOURCES 32		/* per queue of a stream (V4L2's VIDEO_MAX_FRAME) */
#define VIDEO_MAX_ENTRIES   8192	/* mem entries per resource */
#define VIDEO_MAX_RES_BYTES (64u << 20) /* bytes per resource */
/* Frame sizes and rates accepted; sizes are even because 4:2:0 chroma halves them. */
#define VIDEO_MIN_DIM	   16
#define VIDEO_MAX_WIDTH	   4096
#define VIDEO_MAX_HEIGHT   4096
#define VIDEO_MAX_FPS	   240
#define VIDEO_CAPS_FPS_MAX 60	/* advertised range: 1-60, what V4L2 clients ask for */
#define VIDEO_MIN_BITRATE  1000 /* libavcodec takes kbit/s: below this there is no rate */
#define VIDEO_MAX_BITRATE  1000000000u
#define VIDEO_MAX_EVENTS   64 /* events waiting for eventq buffers */
#define VIDEO_MAX_PKTS	   16 /* encoded packets waiting for output buffers, per stream */
#define VIDEO_TS_RING	   64 /* frames in flight whose guest timestamp is remembered */
#define VIDEO_MAX_OUT_SIZE (16u << 20)
#define VIDEO_MIN_OUT_SIZE 4096

#define VIDEO_RESP_MAX	1024 /* max_caps_length and max_resp_length */
#define VIDEO_COMMANDQ	0
#define VIDEO_EVENTQ	1
#define VIDEO_RESP_SEGS 24 /* a held response is at most 24 bytes: one byte per segment */

/* Where the response of a command answered later goes. */
struct vresp {
	uint16_t head;
	uint32_t stream_id;
	uint8_t nseg;
	struct {
		uint64_t addr;
		uint32_t len;
	} seg[VIDEO_RESP_SEGS];
};

struct vres_entry {
	uint64_t addr;
	uint64_t off; /* where it starts in the resource's byte space */
	uint32_t len;
};

/* A guest-pages resource: its entries, concatenated, form one byte space. */
struct vres {
	uint32_t id;
	unsigned refs; /* the stream's table, plus an encoder job using it */
	uint32_t layout;
	uint32_t num_planes;
	uint32_t plane_offsets[VIRTIO_VIDEO_MAX_PLANES];
	uint64_t plane_start[VIRTIO_VIDEO_MAX_PLANES]; /* where plane i's entries begin */
	uint32_t nentries;
	uint64_t size;
	struct vres_entry *entries;
	bool queued;
	struct vresp resp; /* the held RESOURCE_QUEUE, while queued */
};

struct vpkt {
	uint8_t *data;
	uint32_t size;
	uint64_t timestamp;
	uint32_t flags;
};

enum vq_idx { VQ_IN = 0, VQ_OUT = 1 };

struct vstream {
	uint32_t id;
	/* INPUT params */
	uint32_t in_format, width, height, stride, fps;
	/* OUTPUT params and controls */
	uint32_t out_format, out_size;
	uint32_t mode, bitrate, peak, profile, level;
	bool force_key;

	struct vres *res[2][VIDEO_MAX_RESOURCES];
	unsigned nres[2];
	struct vres *outq[VIDEO_MAX_RESOURCES]; /* queued output buffers, oldest first */
	unsigned noutq;
	struct vpkt pkts[VIDEO_MAX_PKTS]; /* packets waiting for output buffers, oldest first */
	unsigned npkts;
	bool draining;
	struct vresp drain_resp;

	/* Encoder state: touched by the encoder thread while it runs a job of this stream. */
	struct enc_session *session;
	struct enc_params sess;
	int64_t next_pts;
	uint64_t ts[VIDEO_TS_RING];
	bool reported_error;
	bool dead; /* destroyed while the encoder thread had it: it frees it */
};

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

struct video {
	struct virtio_device *d;
	const struct encoder_ops *enc;
	struct virtio_video_config cfg;
	struct vstream *streams[VIDEO_MAX_STREAMS];

	struct vjob *jobs; /* FIFO */
	struct vjob *busy; /* the job the encoder thread runs, outside the lock */
	pthread_t thread;
	pthread_cond_t work, idle;
	bool stop, thread_running;

	struct virtio_video_event events[VIDEO_MAX_EVENTS];
	unsigned ev_head, nev;

	bool resetting; /* held chains die with the rings: answer nothing */
	struct virtq_chain chain;
	uint8_t resp[VIDEO_RESP_MAX];
};

/* video.c */
void video_event(struct video *v, uint32_t type, uint32_t stream_id);
void video_complete(struct video *v, const struct vresp *r, const void *buf, uint32_t len);
void video_complete_hdr(struct video *v, const struct vresp *r, uint32_t type);
void video_complete_buffer(struct video *v, const struct vresp *r, uint64_t ts, uint32_t flags,
			   uint32_t size);
bool video_hold(struct video *v, uint32_t stream_id, struct vresp *r);

/* caps.c: what the device offers. */
bool caps_coded_format(const struct video *v, uint32_t format);
bool caps_raw_format(uint32_t format);
uint32_t caps_default_profile(uint32_t format);
bool caps_profile_valid(uint32_t format, uint32_t profile);
/* Builds the QUERY_CAPABILITY / QUERY_CONTROL responses into v->resp; return length or 0. */
uint32_t caps_query_capability(struct video *v, uint32_t stream_id, uint32_t queue_type);
uint32_t caps_query_control(struct video *v, uint32_t stream_id, uint32_t control, uint32_t format,
			    uint32_t *err);

/* resource.c */
uint32_t vres_create(struct video *v, const struct virtq_chain *c,
		     const struct virtio_video_resource_create *rc, struct vres **out);
void vres_put(struct vres *r);
/* Where each of the n planes of sizes[] starts in r; returns 0 or an error code if one does not
 * fit. */
uint32_t vres_planes(const struct vres *r, unsigned n, const uint64_t *sizes, uint64_t *offs);
int vres_read(const struct guest_memory *mem, const struct vres *r, uint64_t off, void *dst,
	      uint64_t len);
int vres_write(const struct guest_memory *mem, const struct vres *r, uint64_t off, const void *src,
	       uint64_t len);

/* stream.c */
struct vstream *stream_find(struct video *v, uint32_t id);
uint32_t stream_create(struct video *v, uint32_t id, uint32_t coded_format);
void stream_destroy(struct video *v, struct vstream *s);
void stream_cancel_queue(struct video *v, struct vstream *s, enum vq_idx q);
void stream_free_resources(struct video *v, struct vstream *s, enum vq_idx q);
void stream_get_params(const struct vstream *s, uint32_t queue_type, struct virtio_video_params *p);
uint32_t stream_set_params(struct video *v, struct vstream *s, const struct virtio_video_params *p);
uint32_t stream_get_control(const struct vstream *s, uint32_t control, uint32_t *val);
uint32_t stream_set_control(struct vstream *s, uint32_t control, bool has_val, uint32_t val);
void stream_plane_sizes(const struct vstream *s, uint64_t sizes[3], uint32_t strides[3],
			uint32_t rows[3], uint32_t row_bytes[3]);
unsigned stream_num_planes(const struct vstream *s);
void stream_enc_params(const struct vstream *s, struct enc_params *p);

/* encode.c */
int encode_start(struct video *v);
void encode_stop(struct video *v);
uint32_t encode_queue_input(struct video *v, struct vstream *s, struct vres *r, uint64_t ts);
uint32_t encode_queue_output(struct video *v, struct vstream *s, struct vres *r);
uint32_t encode_drain(struct video *v, struct vstream *s);
void encode_deliver(struct video *v, struct vstream *s);
void encode_cancel_stream(struct video *v, struct vstream *s, bool input_only);
void encode_wait_idle(struct video *v);
void encode_free_session(struct video *v, struct vstream *s);

#endif
