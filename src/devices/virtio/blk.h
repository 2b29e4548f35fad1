/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_BLK_H
#define CROSVM_DEVICES_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "disk/disk.h"
#include "devices/virtio/device.h"

/* The ops every such device starts from (name, queues, policy): the VMM sizes its side by them. */
extern const struct virtio_device_ops virtio_blk_ops;

/* arg is a const struct blk_disk *; takes ownership of its image (on success). 0 or -errno. */
int virtio_blk_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg);

/* The device's control request (its ops' control): RESIZE grows the disk to size bytes. */
enum blk_control_cmd { BLK_CONTROL_RESIZE = 1 };

struct blk_control {
	uint32_t cmd;
	uint32_t reserved;
	uint64_t size;
};

/*
 * Grows a writable disk's image to new_size bytes (a multiple of 512) and
 * tells the driver with a config-change interrupt. Any thread. Returns 0, or
 * -EROFS (read-only), -ERANGE (smaller than now), -EINVAL, -ENOTSUP (the
 * image cannot grow: a block device) or the image's error.
 */
int virtio_blk_resize(struct virtio_device *d, uint64_t new_size);

#endif
