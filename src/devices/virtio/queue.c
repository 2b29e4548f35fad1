// SPDX-License-Identifier: BSD-3-Clause
#include "devices/virtio/queue.h"

#include <linux/virtio_ring.h>
#include <string.h>

/* The guest writes these rings concurrently: every shared field is read once, atomically. */
#define LOAD16(p)	  __atomic_load_n((p), __ATOMIC_RELAXED)
#define LOAD16_ACQ(p)	  __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE16_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

int virtq_enable(struct virtq *q, const struct guest_memory *mem)
{
	uint64_t n = q->size;

	q->ready = false;
	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return -1;
	/* Alignment per the spec: descriptors 16, avail 2, used 4. */
	if ((q->desc_addr & 15) || (q->avail_addr & 1) || (q->used_addr & 3))
		return -1;
	q->desc = gm_ptr(mem, q->desc_addr, 16 * n);
	q->avail = gm_ptr(mem, q->avail_addr, 6 + 2 * n);
	q->used = gm_ptr(mem, q->used_addr, 6 + 8 * n);
	if (!q->desc || !q->avail || !q->used)
		return -1;
	q->mem = mem;
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled_valid = false;
	q->ready = true;
	return 0;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

static int add_buf(const struct virtq *q, struct virtq_chain *c, const struct vring_desc *d)
{
	uint64_t addr = d->addr;
	uint32_t len = d->len;
	bool w = d->flags & VRING_DESC_F_WRITE;

	if (c->nbufs >= VIRTQ_MAX_BUFS)
		return VIRTQ_ERR_LOOP;
	if (!gm_ptr(q->mem, addr, len))
		return VIRTQ_ERR_MEMORY;
	/* Order holds for every buffer before, so the last one says if any was writable. */
	if (!w && c->nbufs && c->bufs[c->nbufs - 1].writable)
		return VIRTQ_ERR_ORDER;
	c->bufs[c->nbufs++] = (struct virtq_buf){addr, len, w};
	if (w)
		c->writable += len;
	else
		c->readable += len;
	return VIRTQ_OK;
}

/* Walks an indirect table: its own index space, at most len/16 entries, no nesting. */
static int walk_indirect(const struct virtq *q, struct virtq_chain *c, const struct vring_desc *d)
{
	const struct vring_desc *table;
	uint32_t n = d->len / 16, i = 0, steps = 0;

	if (!q->indirect || d->len == 0 || (d->len & 15) || (d->flags & VRING_DESC_F_NEXT))
		return VIRTQ_ERR_INDIRECT;
	table = gm_ptr(q->mem, d->addr, d->len);
	if (!table)
		return VIRTQ_ERR_MEMORY;
	for (;;) {
		struct vring_desc e;
		int r;

		memcpy(&e, &table[i], sizeof(e)); /* one snapshot: the guest may be rewriting it */
		if (e.flags & VRING_DESC_F_INDIRECT)
			return VIRTQ_ERR_INDIRECT;
		r = add_buf(q, c, &e);
		if (r)
			return r;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return VIRTQ_OK;
		if (++steps >= n)
			return VIRTQ_ERR_LOOP;
		i = e.next;
		if (i >= n)
			return VIRTQ_ERR_INDEX;
	}
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	uint16_t avail_idx, head, i;
	unsigned steps = 0;

	if (!q->ready)
		return VIRTQ_EMPTY;
	avail_idx = LOAD16_ACQ(&q->avail->idx);
	if (avail_idx == q->last_avail) {
		if (!q->event_idx)
			return VIRTQ_EMPTY;
		/*
		 * Ask for a kick at the next entry, then look again: the store
		 * must be visible before the load (a full fence, as the driver
		 * has between its avail index write and its avail_event read),
		 * or an entry added in between is seen by neither side.
		 */
		STORE16_REL((uint16_t *)&q->used->ring[q->size], q->last_avail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = LOAD16_ACQ(&q->avail->idx);
		if (avail_idx == q->last_avail)
			return VIRTQ_EMPTY;
	}
	if ((uint16_t)(avail_idx - q->last_avail) > q->size)
		return VIRTQ_ERR_RING;
	head = LOAD16(&q->avail->ring[q->last_avail % q->size]);
	q->last_avail++;
	if (q->event_idx) /* ask for a kick as soon as there is more */
		STORE16_REL((uint16_t *)&q->used->ring[q->size], q->last_avail);

	c->head = head;
	c->nbufs = 0;
	c->readable = c->writable = 0;
	if (head >= q->size)
		return VIRTQ_ERR_HEAD;
	i = head;
	for (;;) {
		struct vring_desc d;
		int r;

		memcpy(&d, &q->desc[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* An indirect descriptor must be the only one in its chain. */
			if (steps != 0)
				return VIRTQ_ERR_INDIRECT;
			return walk_indirect(q, c, &d);
		}
		r = add_buf(q, c, &d);
		if (r)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return VIRTQ_OK;
		if (++steps >= q->size)
			return VIRTQ_ERR_LOOP;
		i = d.next;
		if (i >= q->size)
			return VIRTQ_ERR_INDEX;
	}
}

void virtq_unpop(struct virtq *q, uint16_t n)
{
	if (!q->ready)
		return;
	q->last_avail = (uint16_t)(q->last_avail - n);
	/*
	 * The entries put back are no news to the driver: what the device waits
	 * for is the next one the driver adds. A full fence, as in virtq_pop(),
	 * so an entry added meanwhile kicks (the driver sees the old event).
	 */
	if (q->event_idx) {
		STORE16_REL((uint16_t *)&q->used->ring[q->size], LOAD16_ACQ(&q->avail->idx));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!q->ready)
		return;
	e = &q->used->ring[q->used_idx % q->size];
	__atomic_store_n(&e->id, (uint32_t)head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	q->used_idx++;
	/* The element must be visible before the index that publishes it. */
	STORE16_REL(&q->used->idx, q->used_idx);
}

bool virtq_should_notify(struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx;
	bool valid = q->signalled_valid;

	if (!q->ready)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->signalled = now;
	q->signalled_valid = true;
	if (q->event_idx) {
		uint16_t used_event = LOAD16((uint16_t *)&q->avail->ring[q->size]);

		return !valid || vring_need_event(used_event, now, old);
	}
	return !(LOAD16(&q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

static uint64_t chain_copy(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
			   uint8_t *host, uint64_t len, bool to_guest)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < c->nbufs && done < len; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		uint64_t n;
		uint8_t *g;

		if (b->writable != to_guest)
			continue;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		n = b->len - off;
		if (n > len - done)
			n = len - done;
		g = gm_ptr(q->mem, b->addr + off, n); /* checked at pop; re-checked, cheap */
		if (!g)
			break;
		if (to_guest)
			memcpy(g, host + done, n);
		else
			memcpy(host + done, g, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t virtq_chain_read(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
			  void *dst, uint64_t len)
{
	return chain_copy(q, c, off, dst, len, false);
}

uint64_t virtq_chain_write(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
			   const void *src, uint64_t len)
{
	return chain_copy(q, c, off, (uint8_t *)src, len, true);
}
