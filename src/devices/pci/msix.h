/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_PCI_MSIX_H
#define CROSVM_DEVICES_PCI_MSIX_H

#include <stdbool.h>
#include <stdint.h>

/*
 * An MSI-X table and pending-bit array. Each vector is delivered through a
 * sink (the VM binds it to a KVM irqfd on an MSI route); a masked vector's
 * message is held in the PBA and sent when it is unmasked.
 */
#define MSIX_MAX_VECTORS 32
#define MSIX_ENTRY_SIZE	 16

struct msix_sink {
	/* The guest (re)programmed vector v: route it to (addr, data). */
	void (*route)(void *opaque, unsigned v, uint64_t addr, uint32_t data);
	/* Deliver vector v's message. */
	void (*fire)(void *opaque, unsigned v);
	void *opaque;
};

struct msix {
	unsigned nr;
	bool enabled, func_masked;
	uint32_t table[MSIX_MAX_VECTORS][4]; /* addr lo, addr hi, data, vector control */
	uint64_t pending;
	struct msix_sink sink;
};

void msix_init(struct msix *m, unsigned nr, struct msix_sink sink);
/* The Message Control word of the capability (bits 15 enable, 14 function mask). */
void msix_write_control(struct msix *m, uint16_t ctrl);
uint16_t msix_control(const struct msix *m);
void msix_table_read(const struct msix *m, uint64_t off, uint8_t *data, uint32_t len);
void msix_table_write(struct msix *m, uint64_t off, const uint8_t *data, uint32_t len);
void msix_pba_read(const struct msix *m, uint64_t off, uint8_t *data, uint32_t len);
/* Signals vector v, or marks it pending while masked. Returns false if MSI-X is off. */
bool msix_notify(struct msix *m, unsigned v);

#endif
