// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-blk (device id 2): reads, writes, flush, GET_ID, discard and
 * write-zeroes on a raw image. Every request is checked against the chain's
 * shape and the disk's size before any I/O; a bad one gets an error status.
 */
#define _GNU_SOURCE
#include "devices/virtio/blk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR		512ull
#define SEG_MAX		126 /* data segments per request (queue size minus header/status) */
#define SIZE_MAX_BYTES	(1u << 20)
#define MAX_DISCARD_SEG 32
#define HDR_LEN		16

struct blk {
	struct virtio_device_ops ops; /* blk_ops with this disk's features */
	struct blk_disk disk;
	struct virtio_blk_config cfg;
	struct virtq_chain chain;
};

static void blk_config_read(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len)
{
	struct blk *b = d->priv;

	memcpy(data, (uint8_t *)&b->cfg + off, len);
}

/* Moves len bytes between the file at pos and the chain's data buffers (skipping skip bytes). */
static int do_io(struct blk *b, const struct virtq *q, bool to_guest, uint64_t skip, uint64_t len,
		 uint64_t pos)
{
	const struct virtq_chain *c = &b->chain;

	for (unsigned i = 0; i < c->nbufs && len; i++) {
		const struct virtq_buf *buf = &c->bufs[i];
		uint64_t n;
		uint8_t *p;

		if (buf->writable != to_guest)
			continue;
		if (skip >= buf->len) {
			skip -= buf->len;
			continue;
		}
		n = buf->len - skip;
		if (n > len)
			n = len;
		p = gm_ptr(q->mem, buf->addr + skip, n);
		if (!p)
			return -EFAULT;
		while (n) {
			ssize_t r = to_guest ? pread(b->disk.fd, p, n, (off_t)pos)
					     : pwrite(b->disk.fd, p, n, (off_t)pos);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return r < 0 ? -errno : -EIO; /* short read past EOF, ENOSPC, EIO */
			p += r;
			n -= (uint64_t)r;
			pos += (uint64_t)r;
			len -= (uint64_t)r;
		}
		skip = 0;
	}
	return len ? -EINVAL : 0;
}

static bool in_range(const struct blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = b->disk.size / SECTOR;

	return sector <= sectors && bytes / SECTOR <= sectors - sector;
}

/* Zeroes a range on a file system without FALLOC_FL_ZERO_RANGE (tmpfs, some network fs). */
static int write_zeroes_slow(int fd, uint64_t pos, uint64_t len)
{
	static const uint8_t zero[64 * 1024];

	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)pos, (off_t)len) == 0)
		return 0; /* a hole reads back as zeroes */
	while (len) {
		ssize_t r = pwrite(fd, zero, len < sizeof(zero) ? len : sizeof(zero), (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		pos += (uint64_t)r;
		len -= (uint64_t)r;
	}
	return 0;
}

static uint8_t discard_or_zero(struct blk *b, const struct virtq *q, uint32_t type, uint64_t nbytes)
{
	struct virtio_blk_discard_write_zeroes seg;
	uint64_t n = nbytes / sizeof(seg);

	if (b->disk.read_only)
		return VIRTIO_BLK_S_IOERR;
	if (n == 0 || n > MAX_DISCARD_SEG || nbytes % sizeof(seg))
		return VIRTIO_BLK_S_UNSUPP;
	for (uint64_t i = 0; i < n; i++) {
		int mode;

		if (virtq_chain_read(q, &b->chain, HDR_LEN + i * sizeof(seg), &seg, sizeof(seg)) !=
		    sizeof(seg))
			return VIRTIO_BLK_S_IOERR;
		if (!in_range(b, seg.sector, (uint64_t)seg.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		if (type == VIRTIO_BLK_T_DISCARD) {
			if (!b->disk.sparse)
				continue; /* discard is a hint: nothing to do on a dense image */
			mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		} else if ((seg.flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) && b->disk.sparse) {
			mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		} else {
			mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		}
		if (fallocate(b->disk.fd, mode, (off_t)(seg.sector * SECTOR),
			      (off_t)((uint64_t)seg.num_sectors * SECTOR)) == 0)
			continue;
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return VIRTIO_BLK_S_IOERR;
		if (type == VIRTIO_BLK_T_DISCARD)
			continue; /* a hint the file system cannot take */
		if (write_zeroes_slow(b->disk.fd, seg.sector * SECTOR,
				      (uint64_t)seg.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* Handles one chain; returns the bytes written to the guest (including the status byte). */
static uint32_t handle(struct blk *b, const struct virtq *q)
{
	const struct virtq_chain *c = &b->chain;
	struct virtio_blk_outhdr hdr;
	uint64_t data_in, data_out;
	uint32_t written = 0;
	uint8_t status;

	/* The status byte is the last writable byte; without it nothing can be answered. */
	if (c->writable < 1)
		return 0;
	data_in = c->writable - 1;
	if (c->readable < HDR_LEN || virtq_chain_read(q, c, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	data_out = c->readable - HDR_LEN;

	switch (hdr.type & ~VIRTIO_BLK_T_BARRIER) {
	case VIRTIO_BLK_T_IN:
		if (data_in % SECTOR || !in_range(b, hdr.sector, data_in) ||
		    do_io(b, q, true, 0, data_in, hdr.sector * SECTOR)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		written = (uint32_t)data_in;
		status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_OUT:
		if (b->disk.read_only || data_out % SECTOR || !in_range(b, hdr.sector, data_out) ||
		    do_io(b, q, false, HDR_LEN, data_out, hdr.sector * SECTOR))
			status = VIRTIO_BLK_S_IOERR;
		else
			status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = (b->disk.read_only || fdatasync(b->disk.fd) == 0) ? VIRTIO_BLK_S_OK
									   : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t n = data_in < VIRTIO_BLK_ID_BYTES ? data_in : VIRTIO_BLK_ID_BYTES;

		written = (uint32_t)virtq_chain_write(q, c, 0, b->disk.id, n);
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = discard_or_zero(b, q, hdr.type & ~VIRTIO_BLK_T_BARRIER, data_out);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	virtq_chain_write(q, c, data_in, &status, 1);
	return written + 1;
}

static void blk_notify(struct virtio_device *d, unsigned qi)
{
	struct blk *b = d->priv;
	struct virtq *q = &d->queues[qi];
	int r;

	while ((r = virtq_pop(q, &b->chain)) != VIRTQ_EMPTY) {
		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		/* A malformed chain goes back with nothing written: the driver sees an error. */
		virtio_queue_done(d, qi, b->chain.head, r == VIRTQ_OK ? handle(b, q) : 0);
	}
}

static void blk_destroy(struct virtio_device *d)
{
	struct blk *b = d->priv;

	if (b->disk.fd >= 0)
		close(b->disk.fd);
	free(b);
}

/* A read-only disk offers RO instead of the features that write. */
#define BLK_RW_ONLY                                                      \
	((1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) | \
	 (1ull << VIRTIO_BLK_F_WRITE_ZEROES))

static const struct virtio_device_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_SIZE_MAX) |
		    (1ull << VIRTIO_BLK_F_BLK_SIZE) | BLK_RW_ONLY |
		    (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 1,
	.queue_max = 128,
	.config_size = sizeof(struct virtio_blk_config),
	.config_read = blk_config_read,
	.queue_notify = blk_notify,
	.destroy = blk_destroy,
};

int virtio_blk_init(struct virtio_device *d, const struct guest_memory *mem,
		    const struct blk_disk *disk)
{
	struct blk *b = calloc(1, sizeof(*b));

	if (!b)
		return -1;
	b->disk = *disk;
	b->cfg.capacity = disk->size / SECTOR;
	b->cfg.size_max = SIZE_MAX_BYTES;
	b->cfg.seg_max = SEG_MAX;
	b->cfg.blk_size = disk->block_size ? disk->block_size : (uint32_t)SECTOR;
	b->cfg.max_discard_sectors = UINT32_MAX;
	b->cfg.max_discard_seg = MAX_DISCARD_SEG;
	b->cfg.discard_sector_alignment = b->cfg.blk_size / SECTOR;
	b->cfg.max_write_zeroes_sectors = UINT32_MAX;
	b->cfg.max_write_zeroes_seg = MAX_DISCARD_SEG;
	b->cfg.write_zeroes_may_unmap = disk->sparse;
	b->ops = blk_ops;
	if (disk->read_only)
		b->ops.features = (blk_ops.features & ~BLK_RW_ONLY) | (1ull << VIRTIO_BLK_F_RO);
	virtio_device_init(d, &b->ops, mem);
	d->priv = b;
	return 0;
}
