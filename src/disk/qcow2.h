/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DISK_QCOW2_H
#define CROSVM_DISK_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* L2 tables held in memory per image (LRU); bounds the cache at 16 clusters. */
#define QCOW2_L2_CACHE 16
/* Longest backing chain followed. */
#define QCOW2_MAX_BACKING 16

struct qcow2;

/* True when fd starts with the qcow2 magic. */
bool qcow2_probe(int fd);
/*
 * Opens the qcow2 image on fd (kept open and owned by the image; path
 * resolves relative backing names). Read-only backing files are opened as
 * the chain needs. Returns 0, or -1 with a one-line reason in err.
 */
int qcow2_open(int fd, const char *path, bool writable, struct qcow2 **out, char *err,
	       size_t errlen);
void qcow2_close(struct qcow2 *q);
uint64_t qcow2_size(const struct qcow2 *q);
/* Guest-offset I/O; 0 or -errno. Ranges past the virtual size fail. */
int qcow2_read(struct qcow2 *q, void *buf, size_t len, uint64_t off);
int qcow2_write(struct qcow2 *q, const void *buf, size_t len, uint64_t off);
/* Whole clusters become zero clusters (v3) or unallocated (v2, no backing). */
int qcow2_write_zeroes(struct qcow2 *q, uint64_t off, uint64_t len);
int qcow2_discard(struct qcow2 *q, uint64_t off, uint64_t len);
int qcow2_flush(struct qcow2 *q);
/*
 * Grows the virtual size (the L1 table moves to a larger one when it must);
 * shrinking is -ENOTSUP, a read-only image -EROFS.
 */
int qcow2_resize(struct qcow2 *q, uint64_t size);
/* The fds of the image and its backing chain (at most 1 + QCOW2_MAX_BACKING); returns the count. */
unsigned qcow2_fds(const struct qcow2 *q, int *fds);

/*
 * Creates a new qcow2 v3 image at path (which must not exist). size 0 takes
 * the backing file's size; backing (relative to path's directory) may be NULL.
 */
int qcow2_create(const char *path, uint64_t size, const char *backing, char *err, size_t errlen);

/* The image interface (src/disk/image.h) over a struct qcow2. */
extern const struct disk_image_ops qcow2_image_ops;

#endif
