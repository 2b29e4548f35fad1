/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DISK_DISK_H
#define CROSVM_DISK_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "disk/aio.h"
#include "disk/image.h"
#include "disk/qcow2.h"

/* One opened disk image, as a virtio-blk device takes it. */
struct blk_disk {
	uint64_t size; /* bytes; the guest sees size / 512 sectors */
	bool read_only;
	bool sparse;		/* discard punches holes */
	uint32_t block_size;	/* logical block size reported to the guest */
	char id[20];		/* GET_ID answer (not NUL-terminated when 20 long) */
	enum aio_engine engine; /* for raw images; a format may run its own */
	/* The opened image (raw, qcow2): it owns the fds. */
	struct disk_image image;
	/* Every fd the image holds (its file first, then a backing chain's), for a device process.
	 */
	int fds[1 + QCOW2_MAX_BACKING];
	unsigned nr_fds;
};

/*
 * Opens and locks the image of dc (exclusively for a writer: two VMMs writing
 * one image corrupt it). Returns 0, or -1 with a line naming the flag, the
 * file and the reason in err.
 */
int disk_open(const struct disk_config *dc, struct blk_disk *d, char *err, size_t errlen);
/* The flag that named dc on the command line (--root, --rwdisk, ...). */
const char *disk_flag(const struct disk_config *dc);

#endif
