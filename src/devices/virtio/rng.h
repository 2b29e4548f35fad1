/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_RNG_H
#define CROSVM_DEVICES_VIRTIO_RNG_H

#include "devices/virtio/device.h"

/* The ops every such device starts from (name, queues, policy): the VMM sizes its side by them. */
extern const struct virtio_device_ops virtio_rng_ops;

/* arg is unused. Returns 0 or -errno. */
int virtio_rng_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg);

#endif
