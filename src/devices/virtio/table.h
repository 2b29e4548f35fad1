/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_TABLE_H
#define CROSVM_DEVICES_VIRTIO_TABLE_H

/*
 * Every virtio device the VMM can add, one row each, in PCI slot order. A row
 * says how many the config asks for, how to make each one's argument before
 * the VM exists, how to build the device, and which control-socket requests
 * it serves. Adding a device is its folder, its policy and a row here.
 */
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "devices/virtio/command.h"
#include "devices/virtio/host.h"

struct virtio_row {
	const struct virtio_device_ops *ops;
	virtio_create_fn create;
	/* How many of it the config asks for. */
	unsigned (*count)(const struct vm_config *cfg);
	/*
	 * Makes device i's argument and descriptors in spec (opens a disk);
	 * memory the argument needs goes in *owned, freed with the device. 0, or
	 * -1 with a one-line reason in err.
	 */
	int (*prepare)(const struct vm_config *cfg, unsigned i, struct virtio_spec *spec,
		       void **owned, char *err, size_t errlen);
	bool memfd;			       /* its process keeps the guest memory's descriptor */
	const struct virtio_command *commands; /* ends with a zero req_type; NULL: none */
};

extern const struct virtio_row virtio_rows[];
extern const unsigned virtio_nr_rows;

/* The devices' control-socket commands (their folders' *_command.c). */
extern const struct virtio_command virtio_blk_commands[];
extern const struct virtio_command virtio_balloon_commands[];

#endif
