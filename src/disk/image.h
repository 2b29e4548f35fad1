/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DISK_IMAGE_H
#define CROSVM_DISK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A disk image format that maps guest offsets itself (qcow2). Raw disks have
 * none: their I/O goes straight to the fd through the async engines.
 * Every call returns 0 or -errno.
 */
struct disk_image_ops {
	const char *name;
	int (*read)(void *img, void *buf, size_t len, uint64_t off);
	int (*write)(void *img, const void *buf, size_t len, uint64_t off);
	int (*write_zeroes)(void *img, uint64_t off, uint64_t len);
	int (*discard)(void *img, uint64_t off, uint64_t len);
	int (*flush)(void *img);
	void (*close)(void *img);
};

struct disk_image {
	const struct disk_image_ops *ops; /* NULL: raw */
	void *img;
};

#endif
