/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_CONSOLE_H
#define CROSVM_DEVICES_VIRTIO_CONSOLE_H

#include "devices/virtio/device.h"

extern const struct virtio_device_ops virtio_console_ops;

/* What a console writes to and reads from; -1 for none (output dropped, no input). */
struct console_arg {
	int out_fd;
	int in_fd;
};

/* arg is a struct console_arg (its descriptors stay the caller's). Returns 0 or -errno. */
int virtio_console_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg);

#endif
