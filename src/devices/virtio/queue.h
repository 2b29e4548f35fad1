/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_QUEUE_H
#define CROSVM_DEVICES_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/guest_memory.h"

/*
 * A split virtqueue (virtio 1.x, section 2.7) seen from the device. All ring
 * memory is guest memory: ring addresses are validated once when the queue is
 * enabled, and every descriptor a chain names is checked before a device sees
 * it. A malformed chain is reported as an error, never followed.
 */
#define VIRTQ_MAX_SIZE 1024
#define VIRTQ_MAX_BUFS VIRTQ_MAX_SIZE /* a chain can never be longer than its table */

struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool writable; /* device-writable ("in" to the driver) */
};

struct virtq_chain {
	uint16_t head;
	unsigned nbufs;
	uint64_t readable, writable; /* total bytes of each kind */
	struct virtq_buf bufs[VIRTQ_MAX_BUFS];
};

struct virtq {
	/* Set by the transport from the driver's configuration. */
	uint16_t size;
	uint64_t desc_addr, avail_addr, used_addr;
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC negotiated */

	/* Device state, valid once virtq_enable() succeeded. */
	bool ready;
	const struct guest_memory *mem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail; /* next available entry to take */
	uint16_t used_idx;   /* next used entry to fill */
	uint16_t signalled;  /* used index at the last interrupt */
	bool signalled_valid;
};

enum virtq_error {
	VIRTQ_OK = 0,
	VIRTQ_EMPTY = 1,
	VIRTQ_ERR_HEAD = -1,	 /* head index out of range: cannot even be returned */
	VIRTQ_ERR_INDEX = -2,	 /* a next index out of range */
	VIRTQ_ERR_LOOP = -3,	 /* longer than the table: a loop */
	VIRTQ_ERR_MEMORY = -4,	 /* a buffer outside guest memory */
	VIRTQ_ERR_ORDER = -5,	 /* a readable buffer after a writable one */
	VIRTQ_ERR_INDIRECT = -6, /* bad indirect table (size, nesting, NEXT+INDIRECT) */
	VIRTQ_ERR_RING = -7,	 /* the driver's avail index ran ahead by more than size */
};

/* Validates size and ring addresses against guest memory; returns 0 or -1. */
int virtq_enable(struct virtq *q, const struct guest_memory *mem);
void virtq_reset(struct virtq *q);

/*
 * Takes the next available chain. Returns VIRTQ_OK with chain filled,
 * VIRTQ_EMPTY, or an error. On an error other than HEAD and RING the head is
 * in chain->head and must still be returned with virtq_push() (length 0).
 */
int virtq_pop(struct virtq *q, struct virtq_chain *chain);
/*
 * Puts back the last n chains popped and not returned, to be popped again
 * (a receive buffer too few for a frame). With EVENT_IDX it asks for a kick
 * when the driver adds beyond what is there now.
 */
void virtq_unpop(struct virtq *q, uint16_t n);
/* Returns a chain to the driver with len bytes written. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Whether the driver wants an interrupt for what was pushed since the last one. */
bool virtq_should_notify(struct virtq *q);

/* Copies between a chain's buffers and host memory; return bytes copied. */
uint64_t virtq_chain_read(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
			  void *dst, uint64_t len);
uint64_t virtq_chain_write(const struct virtq *q, const struct virtq_chain *c, uint64_t off,
			   const void *src, uint64_t len);

#endif
