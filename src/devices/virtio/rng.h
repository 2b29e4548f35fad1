/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_RNG_H
#define CROSVM_DEVICES_VIRTIO_RNG_H

#include "devices/virtio/device.h"

int virtio_rng_init(struct virtio_device *d, const struct guest_memory *mem);

#endif
