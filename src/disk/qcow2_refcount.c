// SPDX-License-Identifier: BSD-3-Clause
/*
 * qcow2 refcounts: entries of 1 to 64 bits (refcount_order 0..6), blocks
 * made as allocation reaches them, the table grown (and moved) when the file
 * outgrows what it covers, and free clusters found again for new allocations.
 * Every change is ordered so that a crash leaves at worst leaked clusters,
 * never a table pointing at a cluster counted free.
 */
#define _GNU_SOURCE
#include "disk/qcow2_int.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/io.h"

/* log2 of the refcounts in one block. */
static uint32_t block_bits(const struct qcow2 *q)
{
	return q->cluster_bits + 3 - q->refcount_order;
}

static uint64_t table_index(const struct qcow2 *q, uint64_t host)
{
	return (host >> q->cluster_bits) >> block_bits(q);
}

static uint64_t refcount_max(const struct qcow2 *q)
{
	return q->refcount_order == 6 ? UINT64_MAX : (1ull << q->refcount_bits) - 1;
}

/*
 * Entry i of a block. Narrower than a byte, entries pack from the least
 * significant bit up; wider, they are big-endian.
 */
static uint64_t entry_get(const struct qcow2 *q, const uint8_t *blk, uint64_t i)
{
	uint64_t v = 0;

	if (q->refcount_order < 3) {
		uint64_t bit = i << q->refcount_order;

		return (blk[bit >> 3] >> (bit & 7)) & refcount_max(q);
	}
	for (uint32_t k = 0; k < q->refcount_bits / 8; k++)
		v = v << 8 | blk[i * (q->refcount_bits / 8) + k];
	return v;
}

/* Sets entry i; *at and *len say which bytes changed. */
static void entry_put(const struct qcow2 *q, uint8_t *blk, uint64_t i, uint64_t v, uint64_t *at,
		      uint32_t *len)
{
	if (q->refcount_order < 3) {
		uint64_t bit = i << q->refcount_order;
		uint8_t mask = (uint8_t)(refcount_max(q) << (bit & 7));

		blk[bit >> 3] = (uint8_t)((blk[bit >> 3] & ~mask) | ((v << (bit & 7)) & mask));
		*at = bit >> 3;
		*len = 1;
		return;
	}
	*len = q->refcount_bits / 8;
	*at = i * *len;
	for (uint32_t k = *len; k--; v >>= 8)
		blk[*at + k] = (uint8_t)v;
}

int qcow2_refcount_get(struct qcow2 *q, uint64_t host, uint64_t *rc)
{
	uint64_t cl = host >> q->cluster_bits, idx = table_index(q, host);
	struct qcow2_slot *s;
	int r;

	*rc = 0;
	if (idx >= q->rt_entries || !(q->rt[idx] & RT_OFFSET))
		return 0;
	r = qcow2_cache_get(q, q->rb, QCOW2_RB_CACHE, q->rt[idx] & RT_OFFSET, &s);
	if (r)
		return r;
	*rc = entry_get(q, s->data, cl & ((1ull << block_bits(q)) - 1));
	return 0;
}

static int refcount_set(struct qcow2 *q, uint64_t host, uint64_t rc);

/* Writes the table entry idx (in memory and in the file). */
static int set_table_entry(struct qcow2 *q, uint64_t idx, uint64_t blk)
{
	uint64_t be = htobe64(blk);

	q->rt[idx] = blk;
	return pwrite_full(q->fd, &be, 8, q->rt_offset + idx * 8);
}

/*
 * A new, empty refcount block for table entry idx, appended to the file. It
 * counts itself when it falls in its own range; else its refcount goes in
 * another block, made the same way.
 */
static int new_block(struct qcow2 *q, uint64_t idx)
{
	uint64_t blk = q->next_free, at;
	struct qcow2_slot *s;
	uint32_t len;
	int r;

	if (blk >= MAX_FILE_OFFSET)
		return -ENOSPC;
	r = qcow2_meta_add(q, blk, 1);
	if (r)
		return r;
	q->next_free += q->cluster_size;
	/* The cache's LRU slot takes the block without reading it. */
	qcow2_cache_forget(q->rb, QCOW2_RB_CACHE, blk);
	s = &q->rb[0];
	for (unsigned i = 1; i < QCOW2_RB_CACHE; i++)
		if (q->rb[i].used < s->used)
			s = &q->rb[i];
	s->offset = 0;
	memset(s->data, 0, q->cluster_size);
	if (table_index(q, blk) == idx)
		entry_put(q, s->data, (blk >> q->cluster_bits) & ((1ull << block_bits(q)) - 1), 1,
			  &at, &len);
	r = pwrite_full(q->fd, s->data, q->cluster_size, blk);
	/* The block is on disk before the table points at it. */
	if (!r && fdatasync(q->fd) < 0)
		r = -errno;
	if (r)
		return r;
	s->offset = blk;
	s->used = ++q->clock;
	r = set_table_entry(q, idx, blk);
	if (r || table_index(q, blk) == idx)
		return r;
	return refcount_set(q, blk, 1);
}

/* Refcount blocks the clusters [from, to) lack, by table index (to > from). */
static uint64_t missing_blocks(const struct qcow2 *q, uint64_t from, uint64_t to, uint64_t *list)
{
	uint64_t n = 0;

	for (uint64_t i = table_index(q, from); i <= table_index(q, to - 1); i++) {
		if (i < q->rt_entries && (q->rt[i] & RT_OFFSET))
			continue;
		if (list)
			list[n] = i;
		n++;
	}
	return n;
}

/*
 * Replaces the refcount table with one that covers host, as qemu does: at
 * the end of the file go the refcount blocks that count the new area, then
 * the new table (the old entries, those blocks, room to grow); once they are
 * stable the header is switched to it in one write, and the old table's
 * clusters are freed.
 */
static int grow_table(struct qcow2 *q, uint64_t host)
{
	uint64_t cs = q->cluster_size, start = q->next_free, nb = 0, tcl = 0, end, entries;
	uint64_t old = q->rt_offset, old_clusters = q->rt_clusters, *list = NULL, *rt = NULL;
	uint8_t *area = NULL, hdr[12];
	int r = -ENOMEM;

	for (;;) {
		uint64_t want, ntcl, nnb;

		end = start + (nb + tcl) * cs;
		want = table_index(q, end - 1 > host ? end - 1 : host) + 1;
		if (want < q->rt_entries + q->rt_entries / 2)
			want = q->rt_entries + q->rt_entries / 2;
		ntcl = (want * 8 + cs - 1) / cs;
		nnb = end > start ? missing_blocks(q, start, end, NULL) : 0;
		if (ntcl <= tcl && nnb <= nb)
			break;
		tcl = ntcl > tcl ? ntcl : tcl;
		nb = nnb > nb ? nnb : nb;
	}
	entries = tcl * cs / 8;
	if (!tcl || tcl * cs > MAX_TABLE_BYTES || tcl > UINT32_MAX || end > MAX_FILE_OFFSET)
		return -ENOSPC;
	list = calloc(nb ? nb : 1, sizeof(*list));
	rt = calloc(entries, sizeof(*rt));
	area = calloc(nb + tcl, cs);
	if (!list || !rt || !area)
		goto out;
	missing_blocks(q, start, end, list);
	memcpy(rt, q->rt, q->rt_entries * 8);
	for (uint64_t k = 0; k < nb; k++)
		rt[list[k]] = start + k * cs;
	/* The new area counts itself: each of its clusters once, in its block. */
	for (uint64_t c = start; c < end; c += cs) {
		uint64_t i = table_index(q, c), k = 0, at;
		uint32_t len;

		while (k < nb && list[k] != i)
			k++;
		if (k == nb) {
			r = -EIO; /* the new area has an old block: the image is inconsistent */
			goto out;
		}
		entry_put(q, area + k * cs, (c >> q->cluster_bits) & ((1ull << block_bits(q)) - 1),
			  1, &at, &len);
	}
	for (uint64_t i = 0; i < entries; i++) {
		uint64_t be = htobe64(rt[i]);

		memcpy(area + nb * cs + i * 8, &be, 8);
	}
	r = qcow2_meta_add(q, start, nb + tcl);
	if (!r)
		r = pwrite_full(q->fd, area, (nb + tcl) * cs, start);
	if (!r && fdatasync(q->fd) < 0)
		r = -errno;
	if (r) {
		qcow2_meta_del(q, start, nb + tcl);
		goto out;
	}
	q->next_free = end;
	{
		uint64_t be = htobe64(start + nb * cs);
		uint32_t be32v = htobe32((uint32_t)tcl);

		memcpy(hdr, &be, 8);
		memcpy(hdr + 8, &be32v, 4);
	}
	/* The header switches only to a table that is stable, and is stable before the old goes. */
	r = pwrite_full(q->fd, hdr, sizeof(hdr), HDR_RT_OFFSET);
	if (!r && fdatasync(q->fd) < 0)
		r = -errno;
	if (r)
		goto out;
	free(q->rt);
	q->rt = rt;
	rt = NULL;
	q->rt_offset = start + nb * cs;
	q->rt_clusters = (uint32_t)tcl;
	q->rt_entries = entries;
	qcow2_meta_del(q, old, old_clusters);
	r = qcow2_refcount_add(q, old, old_clusters * cs, -1);
out:
	free(list);
	free(rt);
	free(area);
	return r;
}

/* Writes one refcount, making its block (and a larger table) when missing. */
static int refcount_set(struct qcow2 *q, uint64_t host, uint64_t rc)
{
	uint64_t cl = host >> q->cluster_bits, idx = table_index(q, host), at;
	struct qcow2_slot *s;
	uint32_t len;
	int r;

	if (rc > refcount_max(q))
		return -EOVERFLOW;
	if (idx >= q->rt_entries) {
		r = grow_table(q, host);
		if (r)
			return r;
	}
	if (!(q->rt[idx] & RT_OFFSET)) {
		r = new_block(q, idx);
		if (r)
			return r;
	}
	r = qcow2_cache_get(q, q->rb, QCOW2_RB_CACHE, q->rt[idx] & RT_OFFSET, &s);
	if (r)
		return r;
	entry_put(q, s->data, cl & ((1ull << block_bits(q)) - 1), rc, &at, &len);
	r = pwrite_full(q->fd, (uint8_t *)s->data + at, len, s->offset + at);
	if (!r && rc == 0 && host < q->free_cursor)
		q->free_cursor = host & ~(q->cluster_size - 1);
	return r;
}

int qcow2_refcount_add(struct qcow2 *q, uint64_t host, uint64_t len, int delta)
{
	uint64_t first = host & ~(q->cluster_size - 1);

	for (uint64_t c = first; c < host + len; c += q->cluster_size) {
		uint64_t rc;
		int r = qcow2_refcount_get(q, c, &rc);

		if (r)
			return r;
		if (delta < 0 && rc == 0)
			return -EIO; /* freeing a free cluster: the image is inconsistent */
		r = refcount_set(q, c, rc + (uint64_t)(int64_t)delta);
		if (r)
			return r;
	}
	return 0;
}

int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host)
{
	uint64_t c;
	int r;

	/* A free cluster inside the file first (left by discards and rewrites). */
	for (; q->free_cursor < q->next_free; q->free_cursor += q->cluster_size) {
		uint64_t rc;

		c = q->free_cursor;
		r = qcow2_refcount_get(q, c, &rc);
		if (r)
			return r;
		if (rc)
			continue;
		/* Counted free yet holding metadata: corrupt refcounts; never overwrite it. */
		if (qcow2_is_meta(q, c))
			return -EIO;
		/* Before the set: a table move inside it may free clusters below. */
		q->free_cursor = c + q->cluster_size;
		r = refcount_set(q, c, 1);
		if (r)
			return r;
		*host = c;
		return 0;
	}
	return qcow2_alloc_append(q, 1, host);
}

int qcow2_alloc_append(struct qcow2 *q, uint64_t n, uint64_t *host)
{
	uint64_t c = q->next_free;
	int r;

	if (c >= MAX_FILE_OFFSET || n > (MAX_FILE_OFFSET - c) / q->cluster_size)
		return -ENOSPC;
	/* Claimed first: blocks and tables made while counting them go after. */
	q->next_free += n * q->cluster_size;
	if (q->free_cursor < q->next_free && q->free_cursor >= c)
		q->free_cursor = q->next_free;
	for (uint64_t k = 0; k < n; k++) {
		r = refcount_set(q, c + k * q->cluster_size, 1);
		if (r)
			return r;
	}
	*host = c;
	return 0;
}
