/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_BUS_H
#define CROSVM_DEVICES_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Maps an address range (port I/O or MMIO) to a device. Handlers get the offset
 * inside the range; accesses that straddle a range end are refused by the bus.
 * Devices do their own locking: they are called from every vCPU thread, and
 * without the bus's lock (a handler may move a range, as a BAR write does).
 */
struct bus_ops {
	void (*read)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len);
	void (*write)(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len);
};

struct bus_range {
	uint64_t base, len;
	const char *name;
	const struct bus_ops *ops;
	void *opaque;
	bool enabled; /* a disabled range (a BAR with decoding off) claims nothing */
};

#define BUS_MAX_RANGES 64

struct bus {
	pthread_rwlock_t lock; /* ranges move while vCPUs look them up */
	int nr;
	struct bus_range ranges[BUS_MAX_RANGES];
};

void bus_init(struct bus *bus);
void bus_destroy(struct bus *bus);
/* Returns 0, or -1 when the range overlaps another or the bus is full. */
int bus_add(struct bus *bus, uint64_t base, uint64_t len, const char *name,
	    const struct bus_ops *ops, void *opaque);
/*
 * Moves the range of opaque to base and enables or disables it (a BAR the
 * guest reprogrammed). Returns 0; -1 when no range has that opaque, or when
 * the new place overlaps another enabled range (the range is then disabled).
 */
int bus_move(struct bus *bus, const void *opaque, uint64_t base, bool enabled);
/* false when no device claims the access (reads then see all ones). */
bool bus_read(struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len);
bool bus_write(struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len);

#endif
