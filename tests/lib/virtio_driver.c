// SPDX-License-Identifier: BSD-3-Clause
#include "virtio_driver.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RING_AREA (1ull << 20)

static uint64_t last_bufs[VIRTQ_MAX_BUFS];

/* Maps guest memory again inside a PROT_NONE reservation one page larger on each side. */
static int add_guards(struct vdrv *d)
{
	struct guest_memory *gm = &d->mem;
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	uint8_t *r = mmap(NULL, gm->total + 2 * pg, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (r == MAP_FAILED)
		return -errno;
	if (mmap(r + pg, gm->total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, gm->fd, 0) ==
	    MAP_FAILED) {
		int e = -errno;

		munmap(r, gm->total + 2 * pg);
		return e;
	}
	munmap(gm->base, gm->total);
	gm->base = r + pg;
	gm->regions[0].host = gm->base;
	d->guarded = r;
	return 0;
}

int vdrv_init(struct vdrv *d, uint64_t size)
{
	struct gm_layout l = {.nr = 1, .gpa = {0}, .size = {size}};
	int r;

	memset(d, 0, sizeof(*d));
	d->heap = 0x1000; /* gpa 0 stays unused so 0 can mean "allocate" */
	d->heap_end = size;
	r = gm_create(&d->mem, &l);
	if (r == 0 && (r = add_guards(d)))
		gm_destroy(&d->mem);
	return r;
}

void vdrv_destroy(struct vdrv *d)
{
	uint64_t len = d->mem.total + 2 * (uint64_t)sysconf(_SC_PAGESIZE);

	gm_destroy(&d->mem); /* unmaps the middle; the guard pages go with the reservation */
	if (d->guarded)
		munmap(d->guarded, len);
	d->guarded = NULL;
}

uint64_t vdrv_alloc(struct vdrv *d, uint64_t len, uint64_t align)
{
	uint64_t at = (d->heap + align - 1) & ~(align - 1);

	if (at + len > d->heap_end)
		return 0;
	d->heap = at + len;
	return at;
}

void *vdrv_ptr(struct vdrv *d, uint64_t gpa, uint64_t len)
{
	return gm_ptr(&d->mem, gpa, len);
}

void vdrv_queue_init(struct vdrv *d, struct vdrv_queue *vq, uint16_t size, struct virtq *dev)
{
	memset(vq, 0, sizeof(*vq));
	vq->size = size;
	vq->desc = vdrv_alloc(d, 16ull * size, 16);
	vq->avail = vdrv_alloc(d, 6 + 2ull * size, 2);
	vq->used = vdrv_alloc(d, 6 + 8ull * size, 4);
	memset(vdrv_ptr(d, vq->desc, 16ull * size), 0, 16ull * size);
	memset(vdrv_ptr(d, vq->avail, 6 + 2ull * size), 0, 6 + 2ull * size);
	memset(vdrv_ptr(d, vq->used, 6 + 8ull * size), 0, 6 + 8ull * size);
	if (dev) {
		virtq_reset(dev);
		dev->size = size;
		dev->desc_addr = vq->desc;
		dev->avail_addr = vq->avail;
		dev->used_addr = vq->used;
	}
}

void vdrv_set_desc(struct vdrv *d, struct vdrv_queue *vq, uint16_t i, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next)
{
	struct vring_desc *desc = vdrv_ptr(d, vq->desc + 16ull * i, 16);

	desc->addr = addr;
	desc->len = len;
	desc->flags = flags;
	desc->next = next;
}

static uint64_t buf_gpa(struct vdrv *d, const struct vdrv_buf *b)
{
	return b->gpa ? b->gpa : vdrv_alloc(d, b->len ? b->len : 1, 8);
}

uint16_t vdrv_add_chain(struct vdrv *d, struct vdrv_queue *vq, const struct vdrv_buf *bufs,
			unsigned n)
{
	uint16_t head = vq->free_head;

	for (unsigned k = 0; k < n; k++) {
		uint16_t i = (uint16_t)((head + k) % vq->size);
		uint16_t next = (uint16_t)((i + 1) % vq->size);

		last_bufs[k] = buf_gpa(d, &bufs[k]);
		vdrv_set_desc(d, vq, i, last_bufs[k], bufs[k].len,
			      (uint16_t)((bufs[k].writable ? VRING_DESC_F_WRITE : 0) |
					 (k + 1 < n ? VRING_DESC_F_NEXT : 0)),
			      next);
	}
	vq->free_head = (uint16_t)((head + n) % vq->size);
	return head;
}

uint16_t vdrv_add_indirect(struct vdrv *d, struct vdrv_queue *vq, const struct vdrv_buf *bufs,
			   unsigned n)
{
	uint64_t table = vdrv_alloc(d, 16ull * n, 16);
	struct vring_desc *t = vdrv_ptr(d, table, 16ull * n);
	uint16_t head = vq->free_head;

	for (unsigned k = 0; k < n; k++) {
		last_bufs[k] = buf_gpa(d, &bufs[k]);
		t[k].addr = last_bufs[k];
		t[k].len = bufs[k].len;
		t[k].flags = (uint16_t)((bufs[k].writable ? VRING_DESC_F_WRITE : 0) |
					(k + 1 < n ? VRING_DESC_F_NEXT : 0));
		t[k].next = (uint16_t)(k + 1);
	}
	vdrv_set_desc(d, vq, head, table, (uint32_t)(16 * n), VRING_DESC_F_INDIRECT, 0);
	vq->free_head = (uint16_t)((head + 1) % vq->size);
	return head;
}

void vdrv_make_available(struct vdrv *d, struct vdrv_queue *vq, uint16_t head)
{
	struct vring_avail *a = vdrv_ptr(d, vq->avail, 6 + 2ull * vq->size);

	a->ring[vq->avail_idx % vq->size] = head;
	vq->avail_idx++;
	__atomic_store_n(&a->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

bool vdrv_get_used(struct vdrv *d, struct vdrv_queue *vq, uint32_t *id, uint32_t *len)
{
	struct vring_used *u = vdrv_ptr(d, vq->used, 6 + 8ull * vq->size);

	if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == vq->used_seen)
		return false;
	*id = u->ring[vq->used_seen % vq->size].id;
	*len = u->ring[vq->used_seen % vq->size].len;
	vq->used_seen++;
	return true;
}

bool vdrv_wait_used(struct vdrv *d, struct vdrv_queue *vq, struct virtio_device *dev, uint32_t *id,
		    uint32_t *len)
{
	int fd = dev->ops->poll_fd ? dev->ops->poll_fd(dev) : -1;

	/* Runs the device's completion side as its worker thread would, for up to 5 s. */
	for (int tries = 0; tries < 500; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (vdrv_get_used(d, vq, id, len))
			return true;
		if (fd < 0)
			return false;
		if (poll(&p, 1, 10) > 0) {
			pthread_mutex_lock(&dev->lock);
			dev->ops->poll_ready(dev);
			pthread_mutex_unlock(&dev->lock);
		}
	}
	return false;
}

void vdrv_settle(struct virtio_device *dev)
{
	if (dev->ops->quiesce) {
		pthread_mutex_lock(&dev->lock);
		dev->ops->quiesce(dev);
		pthread_mutex_unlock(&dev->lock);
	}
}

uint64_t vdrv_last_buf(unsigned k)
{
	return last_bufs[k];
}
