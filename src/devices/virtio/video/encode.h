/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_ENCODE_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_ENCODE_H

/*
 * encode.c: the encoder thread and what is queued on a stream. It calls only
 * resource.c and the backend; answers and events go up through the sink the
 * device passes in, never by calling video.c or stream.c. All calls but
 * encode_start and encode_stop are made with the device lock held.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/device.h"
#include "devices/virtio/video/encoder.h"
#include "devices/virtio/video/types.h"

/* What the encoder tells the device above it; called with the device lock held. */
struct video_sink {
	void *ctx;
	/* Answer a held RESOURCE_QUEUE. */
	void (*buffer_done)(void *ctx, const struct vresp *r, uint64_t ts, uint32_t flags,
			    uint32_t size);
	/* Answer a held command with a bare header of type (a drain). */
	void (*cmd_done)(void *ctx, const struct vresp *r, uint32_t type);
	void (*event)(void *ctx, uint32_t type, uint32_t stream_id);
};

struct vjob;

struct encode_thread {
	struct virtio_device *d; /* its lock guards all of this; its memory has the buffers */
	const struct encoder_ops *ops;
	struct video_sink sink;
	struct vjob *jobs; /* FIFO */
	struct vjob *busy; /* the job the encoder thread runs, outside the lock */
	pthread_t thread;
	pthread_cond_t work, idle;
	bool stop, thread_running;
};

/* Starts the thread; returns 0 or a negative errno. */
int encode_start(struct encode_thread *e, struct virtio_device *d, const struct encoder_ops *ops,
		 const struct video_sink *sink);
void encode_stop(struct encode_thread *e);
/* Each returns 0 or an error code; r is then queued, its response held in r->resp. */
uint32_t encode_queue_input(struct encode_thread *e, struct vstream *s, struct vres *r,
			    uint64_t ts);
uint32_t encode_queue_output(struct encode_thread *e, struct vstream *s, struct vres *r);
/* Returns 0 or an error code; the drain is then answered in s->drain_resp. */
uint32_t encode_drain(struct encode_thread *e, struct vstream *s);
/* Answers queue q's queued buffers with ERR, drops what waits for them, and ends a drain. */
void encode_cancel_queue(struct encode_thread *e, struct vstream *s, enum vq_idx q);
/* Drops s's jobs and frees s, now or when the encoder thread is done with it. */
void encode_release_stream(struct encode_thread *e, struct vstream *s);
void encode_wait_idle(struct encode_thread *e);

#endif
