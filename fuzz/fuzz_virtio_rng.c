// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-rng's queue handling against a hostile driver: chains built by the
 * test-side guest driver, well-formed, malformed and indirect, checked
 * against a model of what each one is. Input: a header byte (bits 0-2: queue
 * size 1 << n; bit 3: EVENT_IDX, bit 4: INDIRECT_DESC negotiated, bit 5: the
 * driver sets NO_INTERRUPT), then per chain:
 *
 *   shape (1): bits 0-2 buffers - 1, bit 3 indirect, bits 4-6 a defect
 *     (see enum defect), bit 7 kick after publishing it
 *   per buffer: len (2, up to 2 KiB) and mode (1): bit 0 device-writable,
 *     bits 1-2 where it is (driver heap, outside guest memory, straddling
 *     its end, or a raw address in it taken from 4 more bytes)
 *
 * After every kick the device must have returned exactly the chains
 * published up to then, in order: a well-formed one filled to its last
 * writable byte (used length = its writable bytes), a malformed one with
 * length 0; and no guest byte may change outside the used ring and the
 * writable buffers of well-formed chains. Guest memory lies between guard
 * pages, so touching a byte just outside it faults. A writable buffer at a
 * raw address may land on the rings themselves: after that only the
 * structural checks (heads, guard pages, sanitizers) still apply.
 */
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/rng.h"
#include "fuzz_input.h"
#include "virtio_driver.h"

#define MEM	  (64u << 10)
#define MAX_BUFS  8
#define MAX_QSIZE 128
#define MAX_KICKS 16

/* What a chain's builder may get wrong on purpose; each makes it malformed. */
enum defect {
	D_NONE,
	D_NEXT_OUT,  /* direct: the last descriptor chains to an index past the table */
	D_LOOP,	     /* the last descriptor (or table entry) chains back to the first */
	D_LATE_IND,  /* direct: an INDIRECT descriptor after the first; indirect: NEXT on it too */
	D_BAD_HEAD,  /* the avail ring names a head past the table (the device must stop) */
	D_AVAIL_RUN, /* avail->idx runs more than a ring ahead (the device must stop) */
	D_TABLE_LEN, /* indirect: table length not a multiple of 16, or the table outside memory */
	D_NESTED,    /* indirect: a table entry that is itself INDIRECT */
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct chain {
	uint16_t head;
	bool valid;
	uint32_t writable;
	unsigned nw;
	struct vdrv_buf w[MAX_BUFS]; /* its writable buffers */
};

static struct vdrv drv;
static struct vdrv_queue dq;
static struct virtio_device dev;
static struct chain chains[MAX_QSIZE];
static uint8_t before[MEM];
static uint8_t may_change[MEM];
static unsigned signals;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (vdrv_init(&drv, MEM))
		abort();
	return 0;
}

static void count_signal(struct virtio_device *d, unsigned q)
{
	if (q != 0)
		abort();
	signals++;
}

static bool in_mem(uint64_t gpa, uint64_t len)
{
	return gpa < MEM && len <= MEM - gpa;
}

/* One buffer from the input; returns false when the driver's heap ran out. */
static bool take_buf(struct input *in, struct vdrv_buf *b, bool *raw_w)
{
	uint16_t len;
	uint8_t mode;
	uint32_t raw;

	take(in, &len, 2);
	mode = take8(in);
	b->len = len % 2049u;
	b->writable = mode & 1;
	switch ((mode >> 1) & 3) {
	case 0:
		b->gpa = vdrv_alloc(&drv, b->len ? b->len : 1, 8);
		return b->gpa != 0;
	case 1:
		b->gpa = (mode & 8) ? (1ull << 63) | len : MEM + len;
		return true;
	case 2:
		b->gpa = MEM - b->len / 2; /* b->len 0 or 1: just past the end */
		return true;
	default:
		take(in, &raw, 4);
		b->gpa = raw % (MEM + 64);
		*raw_w |= b->writable && in_mem(b->gpa, b->len);
		return true;
	}
}

static uint16_t flags_of(const struct vdrv_buf *b, bool more)
{
	return (uint16_t)((b->writable ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0));
}

/*
 * Builds one chain as the input says, and what it should come back as. Returns
 * false when there is no room for it (descriptors or heap), so nothing is published.
 */
static bool build(struct input *in, struct chain *c, uint8_t shape, bool indirect_ok, bool *raw_w,
		  enum defect *defect)
{
	struct vdrv_buf b[MAX_BUFS];
	unsigned n = (shape & 7) + 1;
	bool ind = shape & 8, rw_seen = false;
	enum defect d = (enum defect)((shape >> 4) & 7);
	unsigned ndesc = ind ? 1 : n + (d == D_LATE_IND);

	c->valid = !ind || indirect_ok;
	c->writable = 0;
	c->nw = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!take_buf(in, &b[i], raw_w))
			return false;
		if (!in_mem(b[i].gpa, b[i].len) || (rw_seen && !b[i].writable))
			c->valid = false; /* outside memory, or readable after writable */
		rw_seen |= b[i].writable;
		if (b[i].writable) {
			c->writable += b[i].len;
			c->w[c->nw++] = b[i];
		}
	}
	if ((unsigned)dq.free_head + ndesc > dq.size)
		return false; /* descriptors are never reused, so heads stay unique */
	c->head = dq.free_head;
	*defect = d;
	if (ind) {
		uint64_t table = vdrv_alloc(&drv, 16ull * n, 16);
		struct vring_desc *t;
		uint32_t tlen = 16 * n;
		uint16_t hflags = VRING_DESC_F_INDIRECT;

		if (!table)
			return false;
		t = vdrv_ptr(&drv, table, 16ull * n);
		for (unsigned k = 0; k < n; k++)
			t[k] = (struct vring_desc){b[k].gpa, b[k].len, flags_of(&b[k], k + 1 < n),
						   (uint16_t)(k + 1)};
		if (d == D_LOOP || d == D_NEXT_OUT) {
			t[n - 1].flags |= VRING_DESC_F_NEXT;
			t[n - 1].next = d == D_LOOP ? 0 : (uint16_t)n;
		}
		if (d == D_NESTED)
			t[n - 1].flags |= VRING_DESC_F_INDIRECT;
		if (d == D_LATE_IND)
			hflags |= VRING_DESC_F_NEXT;
		if (d == D_TABLE_LEN && (shape & 1))
			tlen += 8;
		else if (d == D_TABLE_LEN)
			table = MEM - 8;
		vdrv_set_desc(&drv, &dq, c->head, table, tlen, hflags, 0);
	} else {
		for (unsigned k = 0; k < n; k++)
			vdrv_set_desc(&drv, &dq, (uint16_t)(c->head + k), b[k].gpa, b[k].len,
				      flags_of(&b[k], k + 1 < n), (uint16_t)(c->head + k + 1));
		if (d == D_NEXT_OUT || d == D_LOOP) {
			uint16_t last = (uint16_t)(c->head + n - 1);

			vdrv_set_desc(&drv, &dq, last, b[n - 1].gpa, b[n - 1].len,
				      flags_of(&b[n - 1], true),
				      d == D_LOOP ? c->head : (uint16_t)(dq.size + (shape & 1)));
		}
		if (d == D_LATE_IND) {
			uint16_t last = (uint16_t)(c->head + n - 1);

			vdrv_set_desc(&drv, &dq, last, b[n - 1].gpa, b[n - 1].len,
				      flags_of(&b[n - 1], true), (uint16_t)(last + 1));
			vdrv_set_desc(&drv, &dq, (uint16_t)(last + 1), b[0].gpa, 16,
				      VRING_DESC_F_INDIRECT, 0);
		}
	}
	dq.free_head = (uint16_t)(dq.free_head + ndesc);
	if (d == D_NEXT_OUT || d == D_LOOP || d == D_LATE_IND ||
	    (ind && (d == D_TABLE_LEN || d == D_NESTED)))
		c->valid = false; /* the others are no defect of the chain itself */
	return true;
}

static void mark(uint64_t gpa, uint64_t len)
{
	memset(may_change + gpa, 1, len);
}

/* Checks what one kick gave back against the model: chains [from, to) were processed. */
static void check_kick(unsigned from, unsigned to, unsigned nsig, bool no_irq, bool event_idx)
{
	uint32_t id, len;
	const uint8_t *now = vdrv_ptr(&drv, 0, MEM);

	memset(may_change, 0, sizeof(may_change));
	mark(dq.used, 6 + 8ull * dq.size);
	for (unsigned i = from; i < to; i++) {
		const struct chain *c = &chains[i];

		if (!vdrv_get_used(&drv, &dq, &id, &len) || id != c->head)
			abort(); /* not returned, or out of order */
		if (len != (c->valid ? c->writable : 0))
			abort(); /* a good chain is filled to its end, a bad one untouched */
		for (unsigned k = 0; c->valid && k < c->nw; k++)
			mark(c->w[k].gpa, c->w[k].len);
	}
	if (vdrv_get_used(&drv, &dq, &id, &len))
		abort(); /* more than was published */
	for (unsigned i = 0; i < MEM; i += 4096) {
		if (!memcmp(now + i, before + i, 4096))
			continue; /* most pages are not touched: skip them quickly */
		for (unsigned k = i; k < i + 4096; k++)
			if (now[k] != before[k] && !may_change[k])
				abort(); /* outside the used ring and good chains' buffers */
	}
	for (unsigned i = from; i < to; i++)
		for (unsigned k = 0; chains[i].valid && k < chains[i].nw; k++) {
			const struct vdrv_buf *w = &chains[i].w[k];

			/* 16 random bytes equal to what was there: 2^-128, so it was not filled. */
			if (w->len >= 16 && !memcmp(now + w->gpa, before + w->gpa, w->len))
				abort();
		}
	if (!event_idx && nsig != (no_irq ? 0 : to - from))
		abort(); /* without EVENT_IDX: one interrupt per chain unless suppressed */
}

/* The driver kicks; chains [from, to) should come back. */
static void kick(unsigned from, unsigned to, uint8_t hdr, bool raw_w)
{
	unsigned s0 = signals;

	memcpy(before, vdrv_ptr(&drv, 0, MEM), MEM);
	dev.ops->queue_notify(&dev, 0);
	if (!raw_w)
		check_kick(from, to, signals - s0, hdr & 32, hdr & 8);
}

static int finish(void)
{
	virtio_device_destroy(&dev);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t hdr = take8(&in);
	uint16_t qsize = (uint16_t)(1u << (hdr & 7));
	bool raw_w = false;
	unsigned nchains = 0, done = 0, kicks = 0;
	struct vring_avail *avail;

	memset(vdrv_ptr(&drv, 0, MEM), 0, MEM);
	drv.heap = 0x1000;
	if (virtio_rng_create(&dev, &drv.mem, NULL))
		abort();
	vdrv_queue_init(&drv, &dq, qsize, &dev.queues[0]);
	dev.queues[0].event_idx = hdr & 8;
	dev.queues[0].indirect = hdr & 16;
	dev.signal = count_signal;
	dev.driver_ok = true;
	if (virtq_enable(&dev.queues[0], &drv.mem))
		abort();
	avail = vdrv_ptr(&drv, dq.avail, 6 + 2ull * qsize);
	if (hdr & 32)
		avail->flags = VRING_AVAIL_F_NO_INTERRUPT;

	while (in.left && nchains < qsize && kicks < MAX_KICKS) {
		uint8_t shape = take8(&in);
		struct chain *c = &chains[nchains];
		enum defect d = D_NONE;

		if (!build(&in, c, shape, hdr & 16, &raw_w, &d))
			break;
		if (d == D_BAD_HEAD) {
			/* The device cannot return it: it stops there, and so does this input. */
			vdrv_make_available(&drv, &dq, (uint16_t)(qsize + (shape & 1)));
			kick(done, nchains, hdr, raw_w);
			return finish();
		}
		vdrv_make_available(&drv, &dq, c->head);
		nchains++;
		if (d == D_AVAIL_RUN) {
			/* An index over a ring ahead: nothing is taken, the queue is broken. */
			__atomic_store_n(&avail->idx, (uint16_t)(dq.avail_idx + qsize + 1),
					 __ATOMIC_RELEASE);
			kick(done, done, hdr, raw_w);
			return finish();
		}
		if ((shape & 0x80) || !in.left) {
			kick(done, nchains, hdr, raw_w);
			kicks++;
			done = nchains;
		}
	}
	if (done < nchains)
		kick(done, nchains, hdr, raw_w);
	return finish();
}
