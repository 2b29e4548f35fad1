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
/*
 * Where each plane of a frame laid out as l starts in r (offs[l->nplanes]); returns 0, or
 * ERR_INVALID_PARAMETER if r's planes cannot hold it: a plane outside the resource (or, per
 * plane, outside its own pages), single-buffer planes out of order or overlapping, or a plane
 * count that is neither 1 nor the format's.
 */
uint32_t vres_planes(const struct vres *r, const struct vlayout *l, uint64_t *offs);
int vres_read(const struct guest_memory *mem, const struct vres *r, uint64_t off, void *dst,
	      uint64_t len);
int vres_write(const struct guest_memory *mem, const struct vres *r, uint64_t off, const void *src,
	       uint64_t len);

#endif
