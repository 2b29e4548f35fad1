// SPDX-License-Identifier: BSD-3-Clause
/*
 * A new, empty qcow2 v3 image: 64 KiB clusters, 16-bit refcounts, header in
 * cluster 0, refcount table in 1, its first block in 2, the L1 table after.
 */
#define _GNU_SOURCE
#include "disk/qcow2.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/io.h"

#define CB 16
#define CS (1ull << CB)

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static int backing_size(const char *path, const char *name, uint64_t *size, bool *qcow2, char *err,
			size_t errlen)
{
	char full[4096], dir[4096];
	const char *slash = strrchr(path, '/');
	struct qcow2 *q;
	int fd;

	if (name[0] == '/' || !slash) {
		snprintf(full, sizeof(full), "%s", name);
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, name) >= sizeof(full)) {
			snprintf(err, errlen, "backing file name too long");
			return -1;
		}
	}
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "backing file '%s': %s", full, strerror(errno));
		return -1;
	}
	*qcow2 = qcow2_probe(fd);
	if (!*qcow2) {
		off_t end = lseek(fd, 0, SEEK_END);
		close(fd);
		*size = end < 0 ? 0 : (uint64_t)end;
		return 0;
	}
	/* Opening it checks the whole chain below it too. */
	if (qcow2_open(fd, full, false, &q, err, errlen))
		return -1;
	*size = qcow2_size(q);
	qcow2_close(q);
	return 0;
}

int qcow2_create(const char *path, uint64_t size, const char *backing, char *err, size_t errlen)
{
	uint64_t l1_entries, l1_clusters, nclusters, bsize = 0;
	size_t blen = backing ? strlen(backing) : 0, off;
	bool bq = false;
	uint8_t *img;
	int fd, r = 0;

	if (backing && (blen == 0 || blen > 1023)) {
		snprintf(err, errlen, "backing file name must be 1 to 1023 bytes");
		return -1;
	}
	if (backing && backing_size(path, backing, &bsize, &bq, err, errlen))
		return -1;
	if (size == 0)
		size = bsize;
	if (size == 0 || size > (1ull << 50)) {
		snprintf(err, errlen, "size must be from 1 byte to 1P");
		return -1;
	}
	size = (size + 511) & ~511ull;
	l1_entries = (size + (CS * (CS / 8)) - 1) / (CS * (CS / 8));
	l1_clusters = (l1_entries * 8 + CS - 1) / CS;
	nclusters = 3 + l1_clusters;
	img = calloc(nclusters, CS);
	if (!img) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	put32(img, 0x514649fbu);
	put32(img + 4, 3);
	put32(img + 20, CB);
	put64(img + 24, size);
	put32(img + 36, (uint32_t)l1_entries);
	put64(img + 40, 3 * CS);
	put64(img + 48, CS);
	put32(img + 56, 1);
	put32(img + 96, 4);
	put32(img + 100, 104);
	off = 104;
	if (backing) {
		const char *fmt = bq ? "qcow2" : "raw";
		put32(img + off, 0xe2792acau);
		put32(img + off + 4, (uint32_t)strlen(fmt));
		memcpy(img + off + 8, fmt, strlen(fmt));
		off += 16;
	}
	off += 8; /* the end-of-extensions marker: type 0, length 0 */
	if (backing) {
		put64(img + 8, off);
		put32(img + 16, (uint32_t)blen);
		memcpy(img + off, backing, blen);
	}
	put64(img + CS, 2 * CS); /* refcount table entry 0 -> block at cluster 2 */
	for (uint64_t c = 0; c < nclusters; c++) {
		img[2 * CS + c * 2] = 0;
		img[2 * CS + c * 2 + 1] = 1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "'%s': %s", path, strerror(errno));
		free(img);
		return -1;
	}
	r = write_full(fd, img, nclusters * CS);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (r) {
		snprintf(err, errlen, "'%s': %s", path, strerror(-r));
		r = -1;
		unlink(path);
	}
	close(fd);
	free(img);
	return r;
}
