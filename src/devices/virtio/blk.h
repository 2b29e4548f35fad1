/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_BLK_H
#define CROSVM_DEVICES_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/block/aio.h"
#include "devices/virtio/device.h"

/* One disk image behind a virtio-blk device. */
struct blk_disk {
	int fd;
	uint64_t size; /* bytes; the guest sees size / 512 sectors */
	bool read_only;
	bool sparse;	     /* discard punches holes */
	uint32_t block_size; /* logical block size reported to the guest */
	char id[20];	     /* GET_ID answer (not NUL-terminated when 20 long) */
	enum aio_engine engine;
};

/* The ops every such device starts from (name, queues, policy): the VMM sizes its side by them. */
extern const struct virtio_device_ops virtio_blk_ops;

/* Takes ownership of disk->fd (on success). Returns 0 or -errno. */
int virtio_blk_init(struct virtio_device *d, const struct guest_memory *mem,
		    const struct blk_disk *disk);

/*
 * Grows a writable disk's image file to new_size bytes (a multiple of 512) and
 * tells the driver with a config-change interrupt. Any thread. Returns 0, or
 * -EROFS (read-only), -ERANGE (smaller than now), -EINVAL, -ENOTSUP (not a
 * regular file) or the ftruncate error.
 */
int virtio_blk_resize(struct virtio_device *d, uint64_t new_size);

#endif
