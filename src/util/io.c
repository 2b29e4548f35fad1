// SPDX-License-Identifier: BSD-3-Clause
/* Whole-buffer reads and writes over the short counts and signals of the system calls. */
#include "util/io.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes at off, or at the file position when off is negative (pipes, terminals). */
static int out_full(int fd, const void *buf, size_t len, int64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		if (off >= 0)
			off += n;
		len -= (size_t)n;
	}
	return 0;
}

int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	return off > INT64_MAX ? -EINVAL : out_full(fd, buf, len, (int64_t)off);
}

int write_full(int fd, const void *buf, size_t len)
{
	return out_full(fd, buf, len, -1);
}
