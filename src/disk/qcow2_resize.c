// SPDX-License-Identifier: BSD-3-Clause
/*
 * Growing a qcow2 image: a new virtual size in the header, and where the L1
 * table no longer covers it, a larger L1 table written first at the end of
 * the file, then the header switched to it in one write, then the old freed.
 */
#define _GNU_SOURCE
#include "disk/qcow2_int.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/io.h"

/* L1 entries that cover size bytes. */
static uint64_t l1_needed(const struct qcow2 *q, uint64_t size)
{
	uint64_t clusters = (size + q->cluster_size - 1) >> q->cluster_bits;

	return (clusters + q->cluster_size / 8 - 1) / (q->cluster_size / 8);
}

/* Header bytes 24..47: size, encryption (none), L1 entries, L1 offset. */
static int write_header(struct qcow2 *q, uint64_t size, uint32_t l1_size, uint64_t l1_offset)
{
	uint8_t h[24] = {0};
	uint64_t v = htobe64(size);
	uint32_t n = htobe32(l1_size);
	int r;

	memcpy(h, &v, 8);
	memcpy(h + (HDR_L1_SIZE - HDR_SIZE), &n, 4);
	v = htobe64(l1_offset);
	memcpy(h + (HDR_L1_OFFSET - HDR_SIZE), &v, 8);
	r = pwrite_full(q->fd, h, sizeof(h), HDR_SIZE);
	if (!r && fdatasync(q->fd) < 0)
		r = -errno;
	return r;
}

int qcow2_resize(struct qcow2 *q, uint64_t size)
{
	uint64_t need, cs = q->cluster_size, bytes, old = q->l1_offset, old_clusters, off;
	uint64_t *l1 = NULL, *be = NULL;
	int r;

	if (!q->writable)
		return -EROFS;
	if (size < q->size)
		return -ENOTSUP; /* clusters past the new end would have to be freed */
	if (size > MAX_FILE_OFFSET)
		return -EFBIG;
	need = l1_needed(q, size);
	if (need <= q->l1_size) {
		r = write_header(q, size, q->l1_size, q->l1_offset);
		if (!r)
			q->size = size;
		return r;
	}
	bytes = need * 8;
	if (bytes > MAX_TABLE_BYTES || need > UINT32_MAX)
		return -EFBIG;
	l1 = calloc(need, 8);
	be = calloc((bytes + cs - 1) / cs, cs);
	if (!l1 || !be) {
		free(l1);
		free(be);
		return -ENOMEM;
	}
	memcpy(l1, q->l1, (size_t)q->l1_size * 8);
	for (uint64_t i = 0; i < need; i++)
		be[i] = htobe64(l1[i]);
	r = qcow2_alloc_append(q, (bytes + cs - 1) / cs, &off);
	if (!r)
		r = qcow2_meta_add(q, off, (bytes + cs - 1) / cs);
	if (!r)
		r = pwrite_full(q->fd, be, (bytes + cs - 1) / cs * cs, off);
	/* The new table and its refcounts are stable before the header names it. */
	if (!r && fdatasync(q->fd) < 0)
		r = -errno;
	if (!r)
		r = write_header(q, size, (uint32_t)need, off);
	free(be);
	if (r) {
		free(l1);
		return r;
	}
	old_clusters = ((uint64_t)q->l1_size * 8 + cs - 1) / cs;
	free(q->l1);
	q->l1 = l1;
	q->l1_size = (uint32_t)need;
	q->l1_offset = off;
	q->size = size;
	qcow2_meta_del(q, old, old_clusters);
	return qcow2_refcount_add(q, old, old_clusters * cs, -1);
}
