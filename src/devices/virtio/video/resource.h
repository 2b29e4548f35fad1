/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_RESOURCE_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_RESOURCE_H

/* resource.c: guest-pages resources. Calls nothing above it. */
#include <stdint.h>

#include "devices/virtio/queue.h"
#include "devices/virtio/video/protocol.h"
#include "devices/virtio/video/types.h"
#include "memory/guest_memory.h"

/* RESOURCE_CREATE rc, its mem entries read from chain c of queue q; returns 0 or an error code. */
uint32_t vres_create(const struct virtq *q, const struct virtq_chain *c,
		     const struct guest_memory *mem, const struct virtio_video_resource_create *rc,
		     struct vres **out);
void vres_put(struct vres *r);
/* Where each of the n planes of sizes[] starts in r; returns 0 or an error code if one does not
 * fit. */
uint32_t vres_planes(const struct vres *r, unsigned n, const uint64_t *sizes, uint64_t *offs);
int vres_read(const struct guest_memory *mem, const struct vres *r, uint64_t off, void *dst,
	      uint64_t len);
int vres_write(const struct guest_memory *mem, const struct vres *r, uint64_t off, const void *src,
	       uint64_t len);

#endif
