// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-blk (device id 2): reads, writes, flush, GET_ID, discard and
 * write-zeroes on a disk image of any format (src/disk/image.h). Every request is checked against
 * the chain's shape and the disk's size before any I/O; a bad one gets an error status.
 */
#define _GNU_SOURCE
#include "devices/virtio/blk.h"

#include "disk/aio.h"
#include "util/log.h"

#include <errno.h>
#include <stddef.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR		512ull
#define SEG_MAX		126 /* data segments per request (queue size minus header/status) */
#define SIZE_MAX_BYTES	(1u << 20)
#define MAX_DISCARD_SEG 32
#define HDR_LEN		16
#define BLK_INFLIGHT	64 /* requests in flight per disk */

/* One request in flight: the chain it answers and where its data lives in the host. */
struct blk_req {
	struct aio_req io;
	uint16_t head;
	uint32_t written; /* data bytes for the guest, reported in the used length */
	uint64_t status_gpa;
	struct iovec iov[SEG_MAX + 2];
};

_Static_assert(offsetof(struct blk_req, io) == 0, "a completed aio_req is its blk_req");

struct blk {
	struct virtio_device_ops ops; /* virtio_blk_ops with this disk's features */
	struct blk_disk disk;
	struct virtio_blk_config cfg;
	struct aio *aio;
	struct virtq_chain chain;
	unsigned nfree;
	struct blk_req *free[BLK_INFLIGHT];
	struct blk_req reqs[BLK_INFLIGHT];
};

static void blk_config_read(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len)
{
	struct blk *b = d->priv;

	memcpy(data, (uint8_t *)&b->cfg + off, len);
}

/*
 * Maps len data bytes of the chain's buffers of one direction (after skip
 * bytes) to host iovecs. Returns the count, or -1 when there are more segments
 * than seg_max allows or a buffer is not plain RAM.
 */
static int chain_iov(const struct virtq *q, const struct virtq_chain *c, bool to_guest,
		     uint64_t skip, uint64_t len, struct iovec *iov, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nbufs && len; i++) {
		const struct virtq_buf *buf = &c->bufs[i];
		uint64_t part;
		void *p;

		if (buf->writable != to_guest)
			continue;
		if (skip >= buf->len) {
			skip -= buf->len;
			continue;
		}
		part = buf->len - skip;
		if (part > len)
			part = len;
		p = gm_ptr(q->mem, buf->addr + skip, part);
		if (!p || n == max)
			return -1;
		iov[n++] = (struct iovec){.iov_base = p, .iov_len = part};
		len -= part;
		skip = 0;
	}
	return len ? -1 : (int)n;
}

/* Where the status byte goes: the chain's last writable byte. */
static uint64_t status_addr(const struct virtq_chain *c)
{
	for (unsigned i = c->nbufs; i--;)
		if (c->bufs[i].writable && c->bufs[i].len)
			return c->bufs[i].addr + c->bufs[i].len - 1;
	return 0;
}

static bool in_range(const struct blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = b->disk.size / SECTOR;

	return sector <= sectors && bytes / SECTOR <= sectors - sector;
}

static uint8_t discard_or_zero(struct blk *b, const struct virtq *q, uint32_t type, uint64_t nbytes)
{
	const struct disk_image *im = &b->disk.image;
	struct virtio_blk_discard_write_zeroes seg;
	uint64_t n = nbytes / sizeof(seg), pos, len;

	if (b->disk.read_only)
		return VIRTIO_BLK_S_IOERR;
	if (n == 0 || n > MAX_DISCARD_SEG || nbytes % sizeof(seg))
		return VIRTIO_BLK_S_UNSUPP;
	for (uint64_t i = 0; i < n; i++) {
		if (virtq_chain_read(q, &b->chain, HDR_LEN + i * sizeof(seg), &seg, sizeof(seg)) !=
		    sizeof(seg))
			return VIRTIO_BLK_S_IOERR;
		if (!in_range(b, seg.sector, (uint64_t)seg.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		pos = seg.sector * SECTOR;
		len = (uint64_t)seg.num_sectors * SECTOR;
		if (type == VIRTIO_BLK_T_DISCARD
			    ? im->ops->discard(im->img, pos, len)
			    : im->ops->write_zeroes(im->img, pos, len,
						    seg.flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* Completes a request: status byte, then the chain back to the driver. */
static void finish(struct virtio_device *d, struct blk *b, struct blk_req *rq, uint8_t status)
{
	/* The address was checked when the chain was popped. */
	gm_write(d->mem, rq->status_gpa, &status, 1);
	virtio_queue_done(d, 0, rq->head, (status == VIRTIO_BLK_S_OK ? rq->written : 0) + 1);
	b->free[b->nfree++] = rq;
}

/* Starts the data transfer or flush of a request; false if it could not be queued. */
static bool start_io(struct blk *b, const struct virtq *q, struct blk_req *rq, enum aio_op op,
		     uint64_t skip, uint64_t len, uint64_t pos)
{
	int n = 0;

	if (op != AIO_FDATASYNC) {
		n = chain_iov(q, &b->chain, op == AIO_READ, skip, len, rq->iov, SEG_MAX + 2);
		if (n < 0)
			return false;
	}
	rq->io = (struct aio_req){.op = op, .pos = pos, .iov = rq->iov, .iovcnt = (unsigned)n};
	return aio_submit(b->aio, &rq->io) == 0;
}

/*
 * Handles the chain in b->chain with request slot rq. Reads, writes and
 * flushes go to the I/O engine and complete later; everything else (and every
 * malformed request) is answered at once.
 */
static void handle(struct virtio_device *d, struct blk *b, const struct virtq *q,
		   struct blk_req *rq)
{
	const struct virtq_chain *c = &b->chain;
	struct virtio_blk_outhdr hdr;
	uint64_t data_in, data_out;
	uint8_t status;

	rq->head = c->head;
	rq->written = 0;
	rq->status_gpa = status_addr(c);
	data_in = c->writable - 1;
	if (c->readable < HDR_LEN || virtq_chain_read(q, c, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	data_out = c->readable - HDR_LEN;

	switch (hdr.type & ~VIRTIO_BLK_T_BARRIER) {
	case VIRTIO_BLK_T_IN:
		if (data_in % SECTOR || !in_range(b, hdr.sector, data_in) || data_in > UINT32_MAX) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		rq->written = (uint32_t)data_in;
		if (start_io(b, q, rq, AIO_READ, 0, data_in, hdr.sector * SECTOR))
			return;
		status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_OUT:
		if (!b->disk.read_only && data_out % SECTOR == 0 &&
		    in_range(b, hdr.sector, data_out) &&
		    start_io(b, q, rq, AIO_WRITE, HDR_LEN, data_out, hdr.sector * SECTOR))
			return;
		status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (b->disk.read_only) {
			status = VIRTIO_BLK_S_OK;
			break;
		}
		if (start_io(b, q, rq, AIO_FDATASYNC, 0, 0, 0))
			return;
		status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t n = data_in < VIRTIO_BLK_ID_BYTES ? data_in : VIRTIO_BLK_ID_BYTES;

		rq->written = (uint32_t)virtq_chain_write(q, c, 0, b->disk.id, n);
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		/* Quick and rare (fallocate, or a few metadata writes): on the device thread. */
		status = discard_or_zero(b, q, hdr.type & ~VIRTIO_BLK_T_BARRIER, data_out);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	finish(d, b, rq, status);
}

static void blk_notify(struct virtio_device *d, unsigned qi)
{
	struct blk *b = d->priv;
	struct virtq *q = &d->queues[qi];
	int r;

	/* With every slot busy, the rest waits in the ring until completions free one. */
	while (b->nfree && (r = virtq_pop(q, &b->chain)) != VIRTQ_EMPTY) {
		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		/* A malformed chain, or one without room for the status byte, goes back empty. */
		if (r != VIRTQ_OK || b->chain.writable < 1) {
			virtio_queue_done(d, qi, b->chain.head, 0);
			continue;
		}
		handle(d, b, q, b->free[--b->nfree]);
	}
	aio_submit_all(b->aio);
}

static int blk_poll_fd(struct virtio_device *d)
{
	struct blk *b = d->priv;

	return aio_event_fd(b->aio);
}

static void blk_poll_ready(struct virtio_device *d)
{
	struct blk *b = d->priv;
	struct aio_req *io;

	while ((io = aio_reap(b->aio))) {
		struct blk_req *rq = (struct blk_req *)io; /* io is the first member */

		finish(d, b, rq, io->result ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
	}
	if (d->driver_ok && d->queues[0].ready)
		blk_notify(d, 0); /* slots were freed: take what waited */
}

static void blk_quiesce(struct virtio_device *d)
{
	struct blk *b = d->priv;

	/* Completing frees slots, which may start more from the ring: until nothing is left. */
	while (aio_in_flight(b->aio)) {
		aio_wait(b->aio);
		blk_poll_ready(d);
	}
}

/* Lets every request in flight land, without answering: the rings are going away. */
static void blk_reset(struct virtio_device *d)
{
	struct blk *b = d->priv;

	while (aio_in_flight(b->aio)) {
		struct aio_req *io;

		aio_wait(b->aio);
		while ((io = aio_reap(b->aio)))
			b->free[b->nfree++] = (struct blk_req *)io;
	}
}

static void blk_destroy(struct virtio_device *d)
{
	struct blk *b = d->priv;
	const struct disk_image *im = &b->disk.image;
	int r;

	aio_destroy(b->aio);
	/* An orderly stop leaves every completed write on stable storage. */
	if (!b->disk.read_only && (r = im->ops->flush(im->img)))
		log_warn("virtio-blk: flushing the disk on stop: %s", strerror(-r));
	im->ops->close(im->img); /* closes its fds too */
	free(b);
}

int virtio_blk_resize(struct virtio_device *d, uint64_t new_size)
{
	struct blk *b = d->priv;
	int r = 0;

	if (new_size % SECTOR)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (b->disk.read_only)
		r = -EROFS;
	else if (new_size < b->disk.size)
		r = -ERANGE; /* shrinking would cut off what the guest wrote */
	else
		r = b->disk.image.ops->resize(b->disk.image.img, new_size);
	if (r == 0 && new_size != b->disk.size) {
		b->disk.size = new_size;
		b->cfg.capacity = new_size / SECTOR;
		if (d->config_changed)
			d->config_changed(d);
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

/* A read-only disk offers RO instead of the features that write. */
#define BLK_RW_ONLY                                                      \
	((1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) | \
	 (1ull << VIRTIO_BLK_F_WRITE_ZEROES))

static int blk_control(struct virtio_device *d, const void *req, uint32_t len, void *reply,
		       uint32_t *reply_len)
{
	struct blk_control c;

	(void)reply;
	*reply_len = 0;
	if (len != sizeof(c))
		return -EINVAL;
	memcpy(&c, req, sizeof(c));
	if (c.cmd != BLK_CONTROL_RESIZE)
		return -EINVAL;
	return virtio_blk_resize(d, c.size);
}

const struct virtio_device_ops virtio_blk_ops = {
	.name = "virtio-blk",
	.policy = "block_device",
	.device_id = VIRTIO_ID_BLOCK,
	.features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_SIZE_MAX) |
		    (1ull << VIRTIO_BLK_F_BLK_SIZE) | BLK_RW_ONLY |
		    (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 1,
	.queue_max = 128,
	.config_size = sizeof(struct virtio_blk_config),
	.config_read = blk_config_read,
	.queue_notify = blk_notify,
	.poll_fd = blk_poll_fd,
	.poll_ready = blk_poll_ready,
	.quiesce = blk_quiesce,
	.reset = blk_reset,
	.destroy = blk_destroy,
	.control = blk_control,
};

int virtio_blk_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	const struct blk_disk *disk = arg;
	struct blk *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->disk = *disk;
	/* The engine keeps a pointer to the image: the device's own copy. */
	r = b->disk.image.ops->aio_create(&b->disk.image, BLK_INFLIGHT, disk->engine, &b->aio);
	if (r) {
		free(b);
		return r;
	}
	for (unsigned i = 0; i < BLK_INFLIGHT; i++)
		b->free[b->nfree++] = &b->reqs[i];
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
	b->ops = virtio_blk_ops;
	if (disk->read_only)
		b->ops.features =
			(virtio_blk_ops.features & ~BLK_RW_ONLY) | (1ull << VIRTIO_BLK_F_RO);
	virtio_device_init(d, &b->ops, mem);
	d->priv = b;
	return 0;
}
