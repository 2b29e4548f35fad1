/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_TESTS_VIRTIO_DRIVER_H
#define CROSVM_TESTS_VIRTIO_DRIVER_H

/*
 * A test-side virtio "guest driver": fake guest memory, split rings laid out
 * as a driver would, request building, kick, and reading back used buffers.
 * Unit tests and fuzz targets drive devices through it exactly as a guest
 * would; it can also build deliberately malformed chains.
 */
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/device.h"
#include "devices/virtio/queue.h"
#include "memory/guest_memory.h"

struct vdrv_buf {
	uint64_t gpa; /* 0: allocate from the driver's heap */
	uint32_t len;
	bool writable;
};

struct vdrv_queue {
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t free_head; /* descriptors are handed out linearly, then wrap */
	uint16_t avail_idx;
	uint16_t used_seen;
};

struct vdrv {
	struct guest_memory mem;
	uint64_t heap, heap_end; /* bump allocator in guest memory */
	uint8_t *guarded;	 /* the reservation around mem: a guard page either side */
};

/*
 * Guest memory of size bytes (a multiple of the page size) at gpa 0, between two
 * inaccessible pages, so a device touching a byte just outside it faults.
 */
int vdrv_init(struct vdrv *d, uint64_t size);
void vdrv_destroy(struct vdrv *d);
uint64_t vdrv_alloc(struct vdrv *d, uint64_t len, uint64_t align);
void *vdrv_ptr(struct vdrv *d, uint64_t gpa, uint64_t len);

/* Lays out rings for a queue of size entries and configures the device-side virtq to match. */
void vdrv_queue_init(struct vdrv *d, struct vdrv_queue *vq, uint16_t size, struct virtq *dev);
/* Builds a chain of n buffers (descriptors head..head+n-1) and returns the head index. */
uint16_t vdrv_add_chain(struct vdrv *d, struct vdrv_queue *vq, const struct vdrv_buf *bufs,
			unsigned n);
/* Builds an indirect chain: one descriptor pointing at a table of the n buffers. */
uint16_t vdrv_add_indirect(struct vdrv *d, struct vdrv_queue *vq, const struct vdrv_buf *bufs,
			   unsigned n);
/* Raw access for malformed chains. */
void vdrv_set_desc(struct vdrv *d, struct vdrv_queue *vq, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next);
/* Puts head in the avail ring and publishes it (the "kick" is the caller's notify). */
void vdrv_make_available(struct vdrv *d, struct vdrv_queue *vq, uint16_t head);
/* Next used element, if any: returns true and fills id/len. */
bool vdrv_get_used(struct vdrv *d, struct vdrv_queue *vq, uint32_t *id, uint32_t *len);
/*
 * Like vdrv_get_used, but first lets a device with asynchronous work finish it
 * (polling its poll_fd and running poll_ready); false after 5 s without one.
 */
bool vdrv_wait_used(struct vdrv *d, struct vdrv_queue *vq, struct virtio_device *dev, uint32_t *id,
		    uint32_t *len);
/* Lets a device with asynchronous work complete all of it (no waiting when it has none). */
void vdrv_settle(struct virtio_device *dev);
/* The gpa of buffer k of the last chain built with heap buffers. */
uint64_t vdrv_last_buf(unsigned k);

#endif
