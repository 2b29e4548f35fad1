// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest-pages resources (VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES + NON_CONTIG):
 * a frame or bitstream buffer made of scattered guest pages. Every entry is
 * checked against guest memory when the resource is created, and every access
 * later goes through gm_read/gm_write again, so a guest cannot point the device
 * outside its memory.
 */
#include "devices/virtio/video/resource.h"

#include <stdlib.h>
#include <string.h>

#define READ_BATCH 256 /* mem entries read from the chain at a time */

uint32_t vres_create(const struct virtq *q, const struct virtq_chain *c,
		     const struct guest_memory *mem, const struct virtio_video_resource_create *rc,
		     struct vres **out)
{
	struct virtio_video_mem_entry batch[READ_BATCH];
	uint64_t total = 0, size = 0;
	struct vres *r;
	uint32_t n = 0;

	if (rc->planes_layout != VIRTIO_VIDEO_PLANES_LAYOUT_SINGLE_BUFFER &&
	    rc->planes_layout != VIRTIO_VIDEO_PLANES_LAYOUT_PER_PLANE)
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	if (rc->num_planes == 0 || rc->num_planes > VIRTIO_VIDEO_MAX_PLANES)
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	for (uint32_t i = 0; i < rc->num_planes; i++)
		total += rc->num_entries[i];
	if (total > VIDEO_MAX_ENTRIES)
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	if (total == 0 || c->readable < sizeof(*rc) + total * sizeof(batch[0]))
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;

	r = calloc(1, sizeof(*r));
	if (r)
		r->entries = calloc(total, sizeof(*r->entries));
	if (!r || !r->entries) {
		free(r);
		return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
	}
	r->refs = 1;
	r->id = rc->resource_id;
	r->layout = rc->planes_layout;
	r->num_planes = rc->num_planes;
	memcpy(r->plane_offsets, rc->plane_offsets, sizeof(r->plane_offsets));
	for (uint32_t p = 0; p < rc->num_planes; p++) {
		r->plane_start[p] = size;
		for (uint32_t k = 0; k < rc->num_entries[p]; k++, n++) {
			const struct virtio_video_mem_entry *e = &batch[n % READ_BATCH];

			if (n % READ_BATCH == 0) {
				uint64_t cnt = total - n < READ_BATCH ? total - n : READ_BATCH;

				if (virtq_chain_read(q, c, sizeof(*rc) + n * sizeof(*e), batch,
						     cnt * sizeof(*e)) != cnt * sizeof(*e))
					goto bad;
			}
			/* Each entry must lie wholly in guest RAM; empty ones mean nothing. */
			if (e->length == 0 || !gm_ptr(mem, e->addr, e->length))
				goto bad;
			r->entries[n] = (struct vres_entry){e->addr, size, e->length};
			size += e->length;
			if (size > VIDEO_MAX_RES_BYTES) {
				vres_put(r);
				return VIRTIO_VIDEO_RESP_ERR_OUT_OF_MEMORY;
			}
		}
	}
	r->nentries = n;
	r->size = size;
	*out = r;
	return 0;
bad:
	vres_put(r);
	return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
}

void vres_put(struct vres *r)
{
	if (r && --r->refs == 0) {
		free(r->entries);
		free(r);
	}
}

/* Where plane i's own pages end (PER_PLANE: a plane may not reach into the next one's). */
static uint64_t plane_end(const struct vres *r, unsigned i)
{
	return i + 1 < r->num_planes ? r->plane_start[i + 1] : r->size;
}

uint32_t vres_planes(const struct vres *r, const struct vlayout *l, uint64_t *offs)
{
	uint64_t at = r->plane_offsets[0];

	if (r->num_planes != 1 && r->num_planes != l->nplanes)
		return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	for (unsigned i = 0; i < l->nplanes; i++) {
		uint64_t lo = 0, hi = r->size;

		if (r->num_planes == 1) {
			/*
			 * One buffer for the whole frame, as V4L2's NV12 and YUV420 are:
			 * the planes follow each other where the format puts them.
			 */
			offs[i] = at;
			at += l->size[i];
		} else if (r->layout == VIRTIO_VIDEO_PLANES_LAYOUT_PER_PLANE) {
			/* Each plane within its own pages. */
			lo = r->plane_start[i];
			hi = plane_end(r, i);
			offs[i] = lo + r->plane_offsets[i];
		} else {
			/*
			 * Offsets into one buffer: in order and not overlapping, or chroma
			 * would be read from the luma (all-zero offsets, say).
			 */
			offs[i] = r->plane_offsets[i];
			if (i && offs[i] < offs[i - 1] + l->size[i - 1])
				return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
		}
		if (offs[i] < lo || offs[i] > hi || l->size[i] > hi - offs[i])
			return VIRTIO_VIDEO_RESP_ERR_INVALID_PARAMETER;
	}
	return 0;
}

/* The entry holding byte off of the resource (off < r->size). */
static uint32_t find_entry(const struct vres *r, uint64_t off)
{
	uint32_t lo = 0, hi = r->nentries;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->entries[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int copy(const struct guest_memory *mem, const struct vres *r, uint64_t off, uint8_t *host,
		uint64_t len, bool to_guest)
{
	uint32_t i;

	if (len == 0)
		return 0;
	if (off > r->size || len > r->size - off)
		return -1;
	for (i = find_entry(r, off); len; i++) {
		const struct vres_entry *e = &r->entries[i];
		uint64_t skip = off - e->off, n = e->len - skip < len ? e->len - skip : len;
		int rc = to_guest ? gm_write(mem, e->addr + skip, host, n)
				  : gm_read(mem, e->addr + skip, host, n);

		if (rc)
			return -1;
		host += n;
		off += n;
		len -= n;
	}
	return 0;
}

int vres_read(const struct guest_memory *mem, const struct vres *r, uint64_t off, void *dst,
	      uint64_t len)
{
	return copy(mem, r, off, dst, len, false);
}

int vres_write(const struct guest_memory *mem, const struct vres *r, uint64_t off, const void *src,
	       uint64_t len)
{
	/* The cast only lets one walker serve both directions; src is never written. */
	return copy(mem, r, off, (uint8_t *)(uintptr_t)src, len, true);
}
