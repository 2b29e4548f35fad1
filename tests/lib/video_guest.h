/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_TESTS_VIDEO_GUEST_H
#define CROSVM_TESTS_VIDEO_GUEST_H

/*
 * A test-side virtio-video guest driver on top of virtio_driver: command
 * chains (request + response buffer, kept per descriptor so held commands can
 * complete in any order), event buffers, and guest-pages resources scattered
 * over non-contiguous pages, as the ChromeOS guest driver builds them. Used
 * by the unit tests, the fuzz target and bench/video.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/device.h"
#include "devices/virtio/video/protocol.h"
#include "virtio_driver.h"

#define VG_CMDQ_SIZE 1024
#define VG_EVQ_SIZE  256
#define VG_REQ_MAX   (136u << 10) /* a RESOURCE_CREATE with 8192 entries and more */
#define VG_RESP_MAX  1024
#define VG_PAGE	     4096u

struct vg_used {
	bool done;
	uint32_t len;
};

struct vguest {
	struct vdrv drv;
	struct vdrv_queue cq, eq;
	struct virtio_device *dev;
	uint8_t desc_busy[VG_CMDQ_SIZE];   /* descriptors of chains not yet returned */
	uint16_t chain_len[VG_CMDQ_SIZE];  /* by head */
	uint64_t resp_gpa[VG_CMDQ_SIZE];   /* by head, for vg_submit chains */
	uint64_t req_gpa[VG_CMDQ_SIZE];	   /* by head, allocated on first use */
	struct vg_used used[VG_CMDQ_SIZE]; /* completions seen, by head */
	uint64_t big_req;		   /* one request buffer of VG_REQ_MAX */
	uint16_t next_desc;
	/* The device's interrupts: waiters sleep until one instead of spinning. */
	pthread_mutex_t irq_lock;
	pthread_cond_t irq;
};

/* A resource's pages: entry k is VG_PAGE bytes at gpa[k] (scattered, descending). */
struct vg_buf {
	uint32_t npages;
	uint64_t *gpa;
	uint64_t size;
};

/* Guest memory of mem bytes; the device must then be created on g->drv.mem. */
int vg_init(struct vguest *g, uint64_t mem);
/* Sets up both queues of the created device as a driver would, and DRIVER_OK. */
int vg_attach(struct vguest *g, struct virtio_device *dev);
void vg_destroy(struct vguest *g);

/* Kicks queue q with the device lock held, as the worker thread does. */
void vg_kick(struct vguest *g, unsigned q);

/* Sends req (len bytes) with a resp_len-byte response buffer; returns the head, or -1. */
int vg_submit(struct vguest *g, const void *req, uint32_t len, uint32_t resp_len);
/* Sends an arbitrary chain (buffers given by the caller); returns the head, or -1. */
int vg_submit_bufs(struct vguest *g, const struct vdrv_buf *bufs, unsigned n);
/* Takes completions off the used ring; returns true once head is done. */
bool vg_poll(struct vguest *g, int head);
/* Waits up to ms for head; returns the used length or -1. Copies the response if resp. */
int vg_wait(struct vguest *g, int head, void *resp, uint32_t resp_len, int ms);
/* vg_submit + vg_wait (2 s): the used length, or -1. */
int vg_cmd(struct vguest *g, const void *req, uint32_t len, void *resp, uint32_t resp_len);
/* A command answered with only a header: its response type, or 0 on no answer. */
uint32_t vg_cmd_hdr(struct vguest *g, const void *req, uint32_t len);

/* Posts n 8-byte event buffers and kicks the eventq. */
void vg_post_events(struct vguest *g, unsigned n);
/* The next event the device returned, if any. */
bool vg_get_event(struct vguest *g, struct virtio_video_event *ev);

/* Allocates size bytes as scattered pages. */
int vg_buf_alloc(struct vguest *g, struct vg_buf *b, uint64_t size);
void vg_buf_free(struct vg_buf *b);
void vg_buf_write(struct vguest *g, const struct vg_buf *b, uint64_t off, const void *src,
		  uint64_t len);
void vg_buf_read(struct vguest *g, const struct vg_buf *b, uint64_t off, void *dst, uint64_t len);

/* RESOURCE_CREATE for b as one plane of all its pages; returns the response type. */
uint32_t vg_resource_create(struct vguest *g, uint32_t stream, uint32_t queue_type, uint32_t id,
			    const struct vg_buf *b);
/*
 * RESOURCE_CREATE with nplanes planes, plane p on the pages of bufs[p] (num_entries[p] of
 * them), as the guest driver builds one from V4L2 buffer planes; offsets NULL means all zero.
 */
uint32_t vg_resource_create_planes(struct vguest *g, uint32_t stream, uint32_t queue_type,
				   uint32_t id, const struct vg_buf *bufs, unsigned nplanes,
				   uint32_t layout, const uint32_t *offsets);

/*
 * A generic V4L2 client (v4l2-ctl, GStreamer): it knows V4L2_PIX_FMT_NV12 and
 * _YUV420 as single-buffer formats, so it computes the frame's size from the
 * fourcc and bytesperline (plane_formats[0].stride) and writes the whole frame
 * into buffer plane 0, which it maps with the size the driver reported.
 */
uint64_t vg_v4l2_sizeimage(uint32_t format, uint32_t bytesperline, uint32_t height);
/* REQBUFS of such a client: one buffer per plane of p, each of its plane_size. */
int vg_v4l2_alloc(struct vguest *g, const struct virtio_video_params *p, struct vg_buf *planes);

/* RESOURCE_QUEUE, answered later: returns the head to wait on, or -1. */
int vg_resource_queue(struct vguest *g, uint32_t stream, uint32_t queue_type, uint32_t id,
		      uint64_t ts);

/* Controls and params. */
uint32_t vg_set_control(struct vguest *g, uint32_t stream, uint32_t control, uint32_t val);
uint32_t vg_get_control(struct vguest *g, uint32_t stream, uint32_t control, uint32_t *val);
uint32_t vg_get_params(struct vguest *g, uint32_t stream, uint32_t queue_type,
		       struct virtio_video_params *p);
uint32_t vg_set_params(struct vguest *g, uint32_t stream, const struct virtio_video_params *p);

/*
 * Opens a stream as the guest driver's open() and S_FMT/S_PARM do (spec 8.1):
 * QUERY_CAPABILITY x2, QUERY_CONTROL, STREAM_CREATE, GET_PARAMS x2, GET_CONTROL
 * PROFILE/LEVEL/BITRATE, SET_CONTROL (mode if CBR, profile, level, bitrate,
 * peak), SET_PARAMS OUTPUT and INPUT with GET_PARAMS after each. Returns 0 or -1.
 */
struct vg_stream_cfg {
	uint32_t codec, in_format, width, height, fps;
	uint32_t mode, bitrate, peak, profile, level;
};
int vg_open_stream(struct vguest *g, uint32_t stream, const struct vg_stream_cfg *c,
		   struct virtio_video_params *in, struct virtio_video_params *out);

#endif
