// SPDX-License-Identifier: BSD-3-Clause
/*
 * The split-virtqueue walker against a hostile driver. The input is laid out by
 * the test-side guest driver (tests/lib/virtio_driver.h) into fake guest memory:
 *
 *   header (4 bytes): queue size (1 << (b0 % 11)), feature flags (b1: bit 0
 *     EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 raw ring addresses), avail flags (b2),
 *     and how many chains the driver publishes at first (b3)
 *   [bit 2 of b1: desc, avail and used addresses, 8 bytes each, taken as they are]
 *   the descriptor table (16 bytes per entry)
 *   the avail ring entries (2 bytes each) and used_event
 *   the indirect area (INDIRECT_AREA bytes of further descriptor tables)
 *   then one command byte per step: more chains published, read/write sizes.
 *
 * Descriptor addresses are folded into guest memory (or into the indirect area
 * for INDIRECT descriptors) unless their top bit is set, in which case they are
 * used raw, so both the plausible and the absurd stay reachable. Missing input
 * bytes are zero. The device side then pops, reads, writes, pushes and
 * decides on notifications until the queue is empty or broken, and every
 * result is checked against what the descriptors said.
 */
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/queue.h"
#include "fuzz_input.h"
#include "virtio_driver.h"

#define MEM	      (256u << 10)
#define INDIRECT_AREA 4096u
#define SCRATCH	      (16u << 10)
#define MAX_STEPS     64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vdrv drv;
static struct virtq_chain chain;
static uint8_t scratch[SCRATCH];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (vdrv_init(&drv, MEM))
		abort();
	return 0;
}

static void fill_desc(struct input *in, struct vring_desc *d, uint64_t indirect_gpa)
{
	take(in, d, sizeof(*d));
	if (d->addr >> 63)
		return;
	if (d->flags & VRING_DESC_F_INDIRECT)
		d->addr = indirect_gpa + (d->addr % INDIRECT_AREA);
	else
		d->addr %= MEM + 4096; /* a little past the end, too */
	if (!(d->len >> 31))
		d->len %= 2 * SCRATCH;
}

/* A popped chain must be exactly what add_buf() promised: in memory, ordered, summed. */
static void check_chain(const struct virtq *q, const struct virtq_chain *c)
{
	uint64_t r = 0, w = 0;
	bool wseen = false;

	if (c->nbufs == 0 || c->nbufs > VIRTQ_MAX_BUFS || c->head >= q->size)
		abort();
	for (unsigned i = 0; i < c->nbufs; i++) {
		const struct virtq_buf *b = &c->bufs[i];

		if (!gm_ptr(q->mem, b->addr, b->len))
			abort();
		if (!b->writable && wseen)
			abort(); /* readable after writable, even an empty one */
		wseen |= b->writable;
		if (b->writable)
			w += b->len;
		else
			r += b->len;
	}
	if (r != c->readable || w != c->writable)
		abort();
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static uint64_t expect(uint64_t total, uint64_t off, uint64_t len)
{
	if (off >= total)
		return 0;
	return total - off < len ? total - off : len;
}

static void run(struct input *in)
{
	struct vdrv_queue dq;
	struct virtq q;
	uint8_t b0 = take8(in), feat = take8(in), aflags = take8(in), npub = take8(in);
	uint16_t qsize = (uint16_t)(1u << (b0 % 11)), published;
	struct vring_desc *desc;
	struct vring_avail *avail;
	uint64_t ind;
	uint32_t id, len;
	uint16_t pushed = 0;
	bool disjoint;

	drv.heap = 0x1000; /* the driver starts over; stale buffer contents do not matter */
	vdrv_queue_init(&drv, &dq, qsize, &q);
	q.event_idx = feat & 1;
	q.indirect = feat & 2;
	if (feat & 4) {
		take(in, &q.desc_addr, 8);
		take(in, &q.avail_addr, 8);
		take(in, &q.used_addr, 8);
	}
	if (virtq_enable(&q, &drv.mem)) {
		if (q.ready)
			abort();
		return;
	}
	/* From here on, only the rings virtq_enable() accepted are written. */
	memset(vdrv_ptr(&drv, q.used_addr, 6 + 8ull * qsize), 0, 6 + 8ull * qsize);
	dq.desc = q.desc_addr;
	dq.avail = q.avail_addr;
	dq.used = q.used_addr;
	/* Raw addresses may overlap the rings: legal, but then the used ring is not checked. */
	disjoint = !overlap(q.desc_addr, 16ull * qsize, q.avail_addr, 6 + 2ull * qsize) &&
		   !overlap(q.desc_addr, 16ull * qsize, q.used_addr, 6 + 8ull * qsize) &&
		   !overlap(q.avail_addr, 6 + 2ull * qsize, q.used_addr, 6 + 8ull * qsize);
	ind = vdrv_alloc(&drv, INDIRECT_AREA, 16);
	if (!ind)
		abort();

	desc = vdrv_ptr(&drv, dq.desc, 16ull * qsize);
	for (unsigned i = 0; i < qsize; i++)
		fill_desc(in, &desc[i], ind);
	avail = vdrv_ptr(&drv, dq.avail, 6 + 2ull * qsize);
	for (unsigned i = 0; i < qsize; i++)
		take(in, &avail->ring[i], 2);
	take(in, &avail->ring[qsize], 2); /* used_event */
	avail->flags = aflags;
	{
		struct vring_desc *t = vdrv_ptr(&drv, ind, INDIRECT_AREA);

		for (unsigned i = 0; i < INDIRECT_AREA / 16; i++)
			fill_desc(in, &t[i], ind);
	}
	/* Publish npub entries: avail->idx may also run ahead of the ring (an error). */
	published = npub;
	__atomic_store_n(&avail->idx, published, __ATOMIC_RELEASE);

	for (unsigned step = 0; step < MAX_STEPS; step++) {
		uint8_t cmd = take8(in);
		uint64_t off = take8(in), n, got;
		int r;

		if (cmd & 0x80) { /* the driver publishes more */
			published = (uint16_t)(published + (cmd & 7));
			__atomic_store_n(&avail->idx, published, __ATOMIC_RELEASE);
		}
		r = virtq_pop(&q, &chain);
		if (r == VIRTQ_EMPTY)
			break;
		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* the queue is broken: a device would need a reset */
		if (r != VIRTQ_OK) {
			if (r > 0 || r < VIRTQ_ERR_RING || chain.head >= qsize)
				abort();
			virtq_push(&q, chain.head, 0);
		} else {
			check_chain(&q, &chain);
			n = (uint64_t)(cmd & 0x7f) * (SCRATCH / 128);
			got = virtq_chain_read(&q, &chain, off, scratch, n);
			if (got != expect(chain.readable, off, n))
				abort();
			got = virtq_chain_write(&q, &chain, off, scratch, n);
			if (got != expect(chain.writable, off, n))
				abort();
			virtq_push(&q, chain.head, (uint32_t)got);
		}
		pushed++;
		if (disjoint && (!vdrv_get_used(&drv, &dq, &id, &len) || id != chain.head))
			abort();
		(void)virtq_should_notify(&q);
	}
	/* The driver saw exactly what was pushed. */
	if (disjoint && (vdrv_get_used(&drv, &dq, &id, &len) || dq.used_seen != pushed))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	run(&in);
	return 0;
}
