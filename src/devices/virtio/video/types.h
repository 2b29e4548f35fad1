/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_TYPES_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_TYPES_H

/*
 * The virtio-video encoder's shared state and limits: types only, no
 * functions (each file's header declares what it exports; video.h says which
 * way the calls go). Locking: everything here is guarded by the virtio
 * device's lock (d->lock), which the worker thread holds around queue_notify
 * and the encoder thread takes around each job's start and end. Only the
 * encoder thread calls into an encoder session, and only while the stream is
 * its busy job's (see encode.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/video/encoder.h"
#include "devices/virtio/video/protocol.h"

/* Limits on what a guest can make the device hold (past them: ERR_OUT_OF_MEMORY). */
#define VIDEO_MAX_STREAMS   16
#define VIDEO_DEFAULT_FPS   30		/* a stream's rate until the guest sets one */
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
#define VIDEO_RESP_SEGS 24   /* a held response is at most 24 bytes: one byte per segment */

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

/* An input frame's planes (at most 3 used): their sizes and how their rows lie. */
struct vlayout {
	unsigned nplanes;
	uint64_t size[3];
	uint32_t stride[3], rows[3], row_bytes[3];
};

struct vstream {
	uint32_t id;
	/* stream.c: INPUT params (wire values) */
	uint32_t in_format, width, height, stride, fps;
	/* stream.c: OUTPUT params and controls (wire values) */
	uint32_t out_format, out_size;
	uint32_t mode, bitrate, peak, profile, level;
	bool force_key; /* taken by the next input frame */

	/* video.c adds resources, stream.c frees them. */
	struct vres *res[2][VIDEO_MAX_RESOURCES];
	unsigned nres[2];

	/* encode.c: buffers queued and packets in flight. */
	struct vres *outq[VIDEO_MAX_RESOURCES]; /* queued output buffers, oldest first */
	unsigned noutq;
	struct vpkt pkts[VIDEO_MAX_PKTS]; /* packets waiting for output buffers, oldest first */
	unsigned npkts;
	bool draining;
	struct vresp drain_resp;

	/* encode.c: touched by the encoder thread while it runs a job of this stream. */
	struct enc_session *session;
	struct enc_params sess;
	int64_t next_pts;
	uint64_t ts[VIDEO_TS_RING];
	bool reported_error;
	bool dead; /* destroyed while the encoder thread had it: it frees it */
};

#endif
