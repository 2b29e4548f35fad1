// SPDX-License-Identifier: BSD-3-Clause
/*
 * qcow2_open() on arbitrary bytes (header, extensions, L1 and refcount
 * tables), then reads, writes, discards and a resize over what it accepted, so L2
 * entries, compressed descriptors and refcount blocks from the input are
 * followed too. The image lives in a memfd; relative backing names resolve
 * into a directory that does not exist.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk/qcow2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const char *err, size_t errlen)
{
	/* Every failure must leave a one-line, terminated reason. */
	if (!memchr(err, '\0', errlen) || !err[0] || strchr(err, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[8192];
	struct qcow2 *q = NULL;
	char err[256];
	/* The last byte picks the mode, so the corpus' images stay whole. */
	bool writable = size && (data[size - 1] & 1);
	int fd = memfd_create("fuzz-qcow2", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	memset(err, 0, sizeof(err));
	if (qcow2_open(fd, "/nonexistent-fuzz/img.qcow2", writable, &q, err, sizeof(err))) {
		check_err(err, sizeof(err));
		return 0;
	}
	/* A few offsets spread over the disk, taken from the input's first bytes. */
	for (unsigned i = 0; i < 4; i++) {
		uint64_t vsize = qcow2_size(q), off = 0;
		size_t len = sizeof(buf) >> i;

		for (unsigned k = 0; k < 8 && k + i * 8 < size; k++)
			off = off << 8 | data[k + i * 8];
		if (vsize == 0)
			break;
		off %= vsize;
		if (len > vsize - off)
			len = (size_t)(vsize - off);
		(void)qcow2_read(q, buf, len, off);
		if (writable) {
			memset(buf, 0xa5, len);
			(void)qcow2_write(q, buf, len, off);
			(void)qcow2_read(q, buf, len, off);
			(void)qcow2_discard(q, off, len);
			(void)qcow2_write_zeroes(q, off / 2, len);
		}
	}
	/* Grown by up to 255 MiB (the L1 table may move), then touched at the new end. */
	if (writable && size && qcow2_resize(q, qcow2_size(q) + ((uint64_t)data[0] << 20)) == 0 &&
	    qcow2_size(q) >= 512) {
		memset(buf, 0x5a, 512);
		(void)qcow2_write(q, buf, 512, qcow2_size(q) - 512);
		(void)qcow2_read(q, buf, 512, qcow2_size(q) - 512);
	}
	(void)qcow2_flush(q);
	qcow2_close(q); /* closes fd */
	return 0;
}
