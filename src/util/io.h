/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_IO_H
#define CROSVM_UTIL_IO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Whole-buffer I/O: each call retries on EINTR and short transfers until every
 * byte moved, and returns 0 or -errno.
 */

/* Reads len bytes at off; bytes past the end of the file read as zeros, as a hole does. */
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
/* Writes at the file position (pipes, terminals); -EIO when the fd takes no more bytes. */
int write_full(int fd, const void *buf, size_t len);

#endif
