/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DISK_IMAGE_H
#define CROSVM_DISK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/aio.h"

struct disk_image;

/*
 * An opened disk image of some format (raw, qcow2): guest offsets in, the
 * format maps them. Every call returns 0 or -errno.
 */
struct disk_image_ops {
	const char *name;
	/*
	 * The engine for the device's data I/O (reads, writes, flushes): raw
	 * hands its fd to io_uring or the thread pool (engine picks); a format
	 * that maps offsets itself runs them through its read/write/flush ops.
	 * It keeps a pointer to im.
	 */
	int (*aio_create)(const struct disk_image *im, unsigned depth, enum aio_engine engine,
			  struct aio **out);
	int (*read)(void *img, void *buf, size_t len, uint64_t off);
	int (*write)(void *img, const void *buf, size_t len, uint64_t off);
	/* The range reads back as zeros; unmap lets the format free its storage. */
	int (*write_zeroes)(void *img, uint64_t off, uint64_t len, bool unmap);
	/* A hint that the range is unused; it may read back as zeros or unchanged. */
	int (*discard)(void *img, uint64_t off, uint64_t len);
	int (*flush)(void *img);
	/* A new virtual size; -ENOTSUP where the format or the file cannot change it. */
	int (*resize)(void *img, uint64_t size);
	/* Closes the image and every fd it owns. */
	void (*close)(void *img);
};

struct disk_image {
	const struct disk_image_ops *ops;
	void *img;
};

#endif
