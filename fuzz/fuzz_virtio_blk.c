// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-blk request handling against a hostile driver, through the test-side
 * guest driver. Input: one byte of flags (bit 0: read-only disk, bit 1:
 * indirect chains), then per request: a buffer count (1-4), per buffer a
 * length (2 bytes) and a writable bit, then the bytes of its readable buffers
 * (the first 16 are the request header the device parses). After the device
 * ran, every used length must fit the chain's writable bytes, the disk must
 * keep its size, and a read-only disk its contents.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "disk/raw.h"
#include "fuzz_input.h"
#include "virtio_driver.h"

#define MEM	  (512u << 10)
#define DISK_SIZE (64u << 10)
#define QSIZE	  16
#define MAX_REQS  8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t disk_sum(int fd)
{
	static uint8_t buf[DISK_SIZE];
	uint64_t s = 0;

	if (pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		abort();
	for (size_t i = 0; i < sizeof(buf); i++)
		s = s * 31 + buf[i];
	return s;
}

static void no_signal(struct virtio_device *d, unsigned q)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct vdrv drv;
	struct vdrv_queue dq;
	struct virtio_device dev;
	struct blk_disk disk = {.size = DISK_SIZE, .sparse = true};
	uint8_t flags;
	uint64_t before;
	int fd;
	unsigned nreq = 0, used_desc = 0;
	uint32_t writable[MAX_REQS], id, len;
	uint16_t heads[MAX_REQS];

	take(&in, &flags, 1);
	disk.read_only = flags & 1;
	fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, DISK_SIZE) || vdrv_init(&drv, MEM))
		abort();
	if (pwrite(fd, data, size < DISK_SIZE ? size : DISK_SIZE, 0) < 0)
		abort();
	before = disk_sum(fd);
	if (raw_image_open(fd, true, &disk.image))
		abort();
	if (virtio_blk_create(&dev, &drv.mem, &disk))
		abort();
	vdrv_queue_init(&drv, &dq, QSIZE, &dev.queues[0]);
	dev.queues[0].indirect = true;
	dev.queues[0].event_idx = flags & 4;
	dev.signal = no_signal;
	dev.driver_ok = true;
	if (virtq_enable(&dev.queues[0], &drv.mem))
		abort();

	while (in.left && nreq < MAX_REQS) {
		struct vdrv_buf b[4];
		uint8_t n;

		take(&in, &n, 1);
		n = (uint8_t)(n % 4 + 1);
		/* Never wrap the descriptor table: heads must stay unique. */
		used_desc += (flags & 2) ? 1 : n;
		if (used_desc > QSIZE)
			break;
		writable[nreq] = 0;
		for (unsigned i = 0; i < n; i++) {
			uint16_t l;
			uint8_t w;

			take(&in, &l, 2);
			take(&in, &w, 1);
			b[i] = (struct vdrv_buf){0, l % 8192u, w & 1};
			if (b[i].writable)
				writable[nreq] += b[i].len;
		}
		heads[nreq] = (flags & 2) ? vdrv_add_indirect(&drv, &dq, b, n)
					  : vdrv_add_chain(&drv, &dq, b, n);
		for (unsigned i = 0; i < n; i++)
			if (!b[i].writable)
				take(&in, vdrv_ptr(&drv, vdrv_last_buf(i), b[i].len), b[i].len);
		vdrv_make_available(&drv, &dq, heads[nreq]);
		nreq++;
	}
	dev.ops->queue_notify(&dev, 0);
	vdrv_settle(&dev);

	for (unsigned i = 0; i < nreq; i++) {
		if (!vdrv_get_used(&drv, &dq, &id, &len))
			break; /* a broken chain may stop the queue; that is allowed */
		for (unsigned k = 0; k < nreq; k++)
			if (heads[k] == id && len > writable[k])
				abort(); /* claimed more than the driver offered */
	}
	if (lseek(fd, 0, SEEK_END) != DISK_SIZE)
		abort();
	if (disk.read_only && disk_sum(fd) != before)
		abort();
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
	return 0;
}
