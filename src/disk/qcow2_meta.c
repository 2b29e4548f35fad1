// SPDX-License-Identifier: BSD-3-Clause
/*
 * Where a qcow2 image keeps its metadata: a small LRU cache of table clusters
 * and the sorted set of every metadata cluster, so that no allocation or
 * in-place data write ever lands on a table (an image whose refcounts or L2
 * entries say otherwise is corrupt, and is refused rather than made worse).
 */
#include "disk/qcow2_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/io.h"

int qcow2_cache_get(struct qcow2 *q, struct qcow2_slot *slots, unsigned n, uint64_t off,
		    struct qcow2_slot **out)
{
	struct qcow2_slot *victim = &slots[0];
	int r;

	for (unsigned i = 0; i < n; i++) {
		if (slots[i].offset == off) {
			slots[i].used = ++q->clock;
			*out = &slots[i];
			return 0;
		}
		if (slots[i].used < victim->used)
			victim = &slots[i];
	}
	/* Entries are written through, so eviction never writes. */
	victim->offset = 0;
	r = pread_full(q->fd, victim->data, q->cluster_size, off);
	if (r)
		return r;
	victim->offset = off;
	victim->used = ++q->clock;
	*out = victim;
	return 0;
}

void qcow2_cache_forget(struct qcow2_slot *slots, unsigned n, uint64_t off)
{
	for (unsigned i = 0; i < n; i++)
		if (slots[i].offset == off)
			slots[i].offset = 0;
}

/* Index of the first element >= c. */
static size_t meta_pos(const struct qcow2 *q, uint64_t c)
{
	size_t lo = 0, hi = q->nr_meta;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (q->meta[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool qcow2_is_meta(const struct qcow2 *q, uint64_t cluster)
{
	size_t i = meta_pos(q, cluster);

	return i < q->nr_meta && q->meta[i] == cluster;
}

int qcow2_meta_add(struct qcow2 *q, uint64_t off, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		uint64_t c = off + k * q->cluster_size;
		size_t i = meta_pos(q, c);

		if (i < q->nr_meta && q->meta[i] == c)
			continue;
		if (q->nr_meta == q->meta_cap) {
			size_t cap = q->meta_cap ? q->meta_cap * 2 : 64;
			uint64_t *m = realloc(q->meta, cap * sizeof(*m));

			if (!m)
				return -ENOMEM;
			q->meta = m;
			q->meta_cap = cap;
		}
		for (size_t j = q->nr_meta; j > i; j--)
			q->meta[j] = q->meta[j - 1];
		q->meta[i] = c;
		q->nr_meta++;
	}
	return 0;
}

void qcow2_meta_del(struct qcow2 *q, uint64_t off, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		size_t i = meta_pos(q, off + k * q->cluster_size);

		if (i == q->nr_meta || q->meta[i] != off + k * q->cluster_size)
			continue;
		for (; i + 1 < q->nr_meta; i++)
			q->meta[i] = q->meta[i + 1];
		q->nr_meta--;
	}
}

/* A metadata cluster while the map is built: what it is, for the error line. */
struct meta_item {
	uint64_t off;
	const char *what;
	uint64_t index;
};

static int by_offset(const void *a, const void *b)
{
	const struct meta_item *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static void put(struct meta_item *items, size_t *n, uint64_t off, const char *what, uint64_t i)
{
	items[(*n)++] = (struct meta_item){off, what, i};
}

int qcow2_meta_build(struct qcow2 *q, char *err, size_t errlen)
{
	uint64_t cs = q->cluster_size;
	uint64_t l1_clusters = ((uint64_t)q->l1_size * 8 + cs - 1) / cs;
	size_t max = 1 + l1_clusters + q->rt_clusters + q->rt_entries + q->l1_size, n = 0;
	struct meta_item *items = malloc(max * sizeof(*items));

	if (!items) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	put(items, &n, 0, "header", 0);
	for (uint64_t k = 0; k < l1_clusters; k++)
		put(items, &n, q->l1_offset + k * cs, "L1 table", 0);
	for (uint64_t k = 0; k < q->rt_clusters; k++)
		put(items, &n, q->rt_offset + k * cs, "refcount table", 0);
	for (uint64_t i = 0; i < q->rt_entries; i++)
		if (q->rt[i] & RT_OFFSET)
			put(items, &n, q->rt[i] & RT_OFFSET, "refcount block", i);
	for (uint64_t i = 0; i < q->l1_size; i++)
		if (q->l1[i] & L1E_OFFSET)
			put(items, &n, q->l1[i] & L1E_OFFSET, "L2 table", i);
	qsort(items, n, sizeof(*items), by_offset);
	free(q->meta);
	q->meta = malloc(n * sizeof(*q->meta));
	if (!q->meta) {
		free(items);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->meta_cap = n;
	q->nr_meta = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && items[i].off == items[i - 1].off) {
			snprintf(err, errlen, "qcow2 %s %llu and %s %llu overlap at 0x%llx",
				 items[i - 1].what, (unsigned long long)items[i - 1].index,
				 items[i].what, (unsigned long long)items[i].index,
				 (unsigned long long)items[i].off);
			free(items);
			return -1;
		}
		q->meta[q->nr_meta++] = items[i].off;
	}
	free(items);
	return 0;
}
