/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DISK_QCOW2_INT_H
#define CROSVM_DISK_QCOW2_INT_H

/* The insides of a struct qcow2, shared by the qcow2_*.c files only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/qcow2.h"

#define QCOW2_MAGIC	  0x514649fbu
#define L1E_OFFSET	  0x00fffffffffffe00ull
#define L2E_OFFSET	  0x00fffffffffffe00ull
#define OFLAG_COPIED	  (1ull << 63)
#define OFLAG_COMPRESSED  (1ull << 62)
#define OFLAG_ZERO	  1ull
#define RT_OFFSET	  0xfffffffffffffe00ull
#define INCOMPAT_DIRTY	  1ull
#define INCOMPAT_CORRUPT  2ull
#define EXT_END		  0
#define EXT_BACKING_FMT	  0xe2792acau
#define EXT_FEATURE_NAMES 0x6803f857u
/* Header fields rewritten in place. */
#define HDR_SIZE      24
#define HDR_L1_SIZE   36
#define HDR_L1_OFFSET 40
#define HDR_RT_OFFSET 48
/* Tables larger than this are refused: 32 MiB of L1 covers far more than any real disk. */
#define MAX_TABLE_BYTES (32ull << 20)
#define MAX_FILE_OFFSET (1ull << 56)
/* Refcount blocks held in memory (LRU, written through like the L2 tables). */
#define QCOW2_RB_CACHE 4

/* One cached table cluster (L2 table or refcount block). */
struct qcow2_slot {
	uint64_t offset; /* host offset of the cluster; 0 = empty slot */
	uint64_t used;	 /* LRU stamp */
	void *data;	 /* the cluster as on disk (big-endian entries) */
};

struct qcow2 {
	int fd;
	bool writable;
	uint32_t version;
	uint32_t cluster_bits;
	uint64_t cluster_size;
	uint64_t size;
	uint32_t l1_size;
	uint64_t l1_offset;
	uint64_t *l1; /* host order */
	uint64_t rt_offset;
	uint32_t rt_clusters;
	uint64_t rt_entries;
	uint64_t *rt; /* host order */
	uint32_t refcount_bits;
	uint32_t refcount_order; /* refcount_bits = 1 << refcount_order */
	uint64_t next_free;	 /* the end of the file: where appended clusters go */
	uint64_t free_cursor;	 /* no free cluster below it (a discard moves it back) */
	/* Every metadata cluster (header, tables, refcount blocks), sorted, unique. */
	uint64_t *meta;
	size_t nr_meta, meta_cap;
	struct qcow2_slot l2[QCOW2_L2_CACHE];
	struct qcow2_slot rb[QCOW2_RB_CACHE];
	uint64_t clock;
	uint8_t *cbuf; /* one cluster of compressed input */
	uint8_t *dbuf; /* one cluster of output */
	/* The backing image: a qcow2 or a raw fd (backing_fd >= 0). */
	struct qcow2 *backing;
	int backing_fd;
	uint64_t backing_size;
};

/* qcow2_meta.c: the cluster cache and the map of metadata clusters. */

/* The cached cluster at off, read on a miss (the LRU slot of slots[n] is reused). */
int qcow2_cache_get(struct qcow2 *q, struct qcow2_slot *slots, unsigned n, uint64_t off,
		    struct qcow2_slot **out);
/* Forgets a cluster that is about to hold something else. */
void qcow2_cache_forget(struct qcow2_slot *slots, unsigned n, uint64_t off);
/*
 * Builds the map from the header's tables; -1 with a reason in err when two
 * structures share a cluster.
 */
int qcow2_meta_build(struct qcow2 *q, char *err, size_t errlen);
bool qcow2_is_meta(const struct qcow2 *q, uint64_t cluster);
/* Adds or drops the n clusters from off; 0 or -ENOMEM. */
int qcow2_meta_add(struct qcow2 *q, uint64_t off, uint64_t n);
void qcow2_meta_del(struct qcow2 *q, uint64_t off, uint64_t n);

/* qcow2_refcount.c */

int qcow2_refcount_get(struct qcow2 *q, uint64_t host, uint64_t *rc);
/* Adds delta to every cluster overlapping [host, host + len). */
int qcow2_refcount_add(struct qcow2 *q, uint64_t host, uint64_t len, int delta);
/* A cluster for new data or a table, its refcount set to 1: a free one, else appended. */
int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host);
/* n contiguous new clusters at the end of the file (a table), each counted once. */
int qcow2_alloc_append(struct qcow2 *q, uint64_t n, uint64_t *host);

#endif
