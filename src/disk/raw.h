/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DISK_RAW_H
#define CROSVM_DISK_RAW_H

#include <stdbool.h>

#include "disk/image.h"

/*
 * A raw image over fd (a file or a block device): guest offset = file offset.
 * sparse lets discard and write-zeroes with unmap punch holes. On success the
 * image owns fd. Returns 0 or -errno.
 */
int raw_image_open(int fd, bool sparse, struct disk_image *out);

#endif
