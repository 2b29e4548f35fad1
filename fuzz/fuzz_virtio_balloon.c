// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-balloon against a hostile driver, through the test-side guest
 * driver. Input: one byte of flags (bit 0: indirect chains, bit 1: EVENT_IDX),
 * then operations, each a byte:
 *   0-2  a chain on queue op (inflate, deflate, stats): a buffer count (1-3),
 *        per buffer a length (2 bytes, < 512) and a writable bit, then the
 *        bytes of its readable buffers (PFNs or stats entries)
 *   3    a config write: offset, width (1/2/4/8), bytes
 *   4    set_target with 8 bytes of size
 *   5    request_stats, then get_stats without waiting
 *   6    a device reset
 * Checked after every step: the device wrote nothing but used-ring entries,
 * except that it may zero pages an inflate chain named; every used length is
 * 0; the driver cannot change num_pages; a report holds only known tags.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/balloon.h"
#include "fuzz_input.h"
#include "virtio_driver.h"

#define MEM	(256u << 10)
#define PAGES	(MEM / BALLOON_PAGE_SIZE)
#define QSIZE	32
#define MAX_OPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vdrv drv;
static struct vdrv_queue dq[3];
static struct virtio_device dev;
static uint8_t before[MEM];
static bool named[PAGES]; /* pages an inflate chain ever named (page 0: what zeroes name) */

static void no_signal(struct virtio_device *d, unsigned q)
{
}

static void no_config(struct virtio_device *d)
{
}

static bool in_used_ring(uint64_t gpa)
{
	for (unsigned q = 0; q < 3; q++)
		if (gpa >= dq[q].used && gpa < dq[q].used + 6 + 8ull * QSIZE)
			return true;
	return false;
}

/* What changed since the snapshot: used rings, and bytes of named pages, to zero. */
static void check_writes(void)
{
	const uint8_t *now = vdrv_ptr(&drv, 0, MEM);

	for (unsigned p = 0; p < PAGES; p++) {
		const uint8_t *a = before + p * BALLOON_PAGE_SIZE, *b = now + p * BALLOON_PAGE_SIZE;

		if (!memcmp(a, b, BALLOON_PAGE_SIZE))
			continue;
		for (unsigned i = 0; i < BALLOON_PAGE_SIZE; i++) {
			uint64_t gpa = (uint64_t)p * BALLOON_PAGE_SIZE + i;

			if (a[i] == b[i] || in_used_ring(gpa) || (named[p] && b[i] == 0))
				continue;
			fprintf(stderr, "device wrote gpa %#llx (page %u named %d) %02x -> %02x\n",
				(unsigned long long)gpa, p, named[p], a[i], b[i]);
			abort();
		}
	}
}

static void check_used(void)
{
	uint32_t id, len;

	for (unsigned q = 0; q < 3; q++)
		while (vdrv_get_used(&drv, &dq[q], &id, &len))
			if (len != 0)
				abort(); /* the device never writes into balloon buffers */
}

/* Builds a chain from the input on queue q; false when the queue's table is used up. */
static bool add_chain(struct input *in, unsigned q, bool indirect, unsigned *used_desc)
{
	struct vdrv_buf b[3];
	uint8_t stream[3 * 512];
	unsigned n = take8(in) % 3u + 1, len = 0;
	uint16_t head;

	/* Never wrap the descriptor table: a chain must not overwrite one in flight. */
	*used_desc += indirect ? 1 : n;
	if (*used_desc > QSIZE)
		return false;
	for (unsigned i = 0; i < n; i++) {
		uint16_t l;

		take(in, &l, 2);
		b[i] = (struct vdrv_buf){0, l % 512u, take8(in) & 1};
	}
	head = indirect ? vdrv_add_indirect(&drv, &dq[q], b, n)
			: vdrv_add_chain(&drv, &dq[q], b, n);
	for (unsigned i = 0; i < n; i++) {
		if (b[i].writable)
			continue;
		take(in, stream + len, b[i].len);
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(i), b[i].len), stream + len, b[i].len);
		len += b[i].len;
	}
	/* The readable bytes, in order, are what the device reads as PFNs. */
	for (unsigned i = 0; q == 0 && i + 4 <= len; i += 4) {
		uint32_t pfn;

		memcpy(&pfn, stream + i, 4);
		pfn = le32toh(pfn);
		if (pfn < PAGES)
			named[pfn] = true;
	}
	vdrv_make_available(&drv, &dq[q], head);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	unsigned used_desc[3] = {0};
	struct balloon_stats st;
	uint8_t flags = take8(&in);

	if (vdrv_init(&drv, MEM) || virtio_balloon_create(&dev, &drv.mem, NULL))
		abort();
	memset(named, 0, sizeof(named));
	named[0] = true; /* a zeroed descriptor or ring entry names PFN 0 */
	dev.signal = no_signal;
	dev.config_changed = no_config;
	dev.driver_ok = true;
	for (unsigned q = 0; q < 3; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		dev.queues[q].indirect = true;
		dev.queues[q].event_idx = flags & 2;
		if (virtq_enable(&dev.queues[q], &drv.mem))
			abort();
	}

	for (unsigned op = 0; op < MAX_OPS && in.left; op++) {
		uint8_t kind = take8(&in) % 7, cfg[8], off, w;
		uint32_t target, after;
		uint64_t bytes;
		int r;

		switch (kind) {
		case 0:
		case 1:
		case 2:
			if (!add_chain(&in, kind, flags & 1, &used_desc[kind]))
				break;
			memcpy(before, vdrv_ptr(&drv, 0, MEM), MEM);
			dev.ops->queue_notify(&dev, kind);
			check_writes();
			break;
		case 3:
			off = take8(&in) % 16;
			w = (uint8_t)(1u << (take8(&in) % 4));
			if (w > 16 - off)
				w = (uint8_t)(16 - off);
			take(&in, cfg, w);
			dev.ops->config_read(&dev, 0, (uint8_t *)&target, 4);
			dev.ops->config_write(&dev, off, cfg, w);
			dev.ops->config_read(&dev, 0, (uint8_t *)&after, 4);
			if (after != target)
				abort(); /* num_pages is the device's */
			break;
		case 4:
			take(&in, &bytes, 8);
			bytes %= 2ull * MEM;
			r = virtio_balloon_set_target(&dev, bytes);
			virtio_balloon_get_stats(&dev, &st, 0);
			if ((r == 0) != (bytes <= MEM) ||
			    (r == 0 && st.target_pages != bytes / BALLOON_PAGE_SIZE))
				abort();
			break;
		case 5:
			memcpy(before, vdrv_ptr(&drv, 0, MEM), MEM);
			virtio_balloon_request_stats(&dev);
			check_writes();
			virtio_balloon_get_stats(&dev, &st, 0);
			if (st.valid >> VIRTIO_BALLOON_S_NR)
				abort();
			break;
		default:
			dev.ops->reset(&dev);
			break;
		}
		check_used();
	}
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
	return 0;
}
