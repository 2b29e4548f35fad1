/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_PCI_ROOT_H
#define CROSVM_DEVICES_PCI_ROOT_H

#include <pthread.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/exit.h"

/* A function's 256-byte configuration space; wmask marks the bits the guest may change. */
struct pci_config {
	uint8_t data[256];
	uint8_t wmask[256];
};

/* A PCI function on bus 0; later devices (virtio-pci) implement these two calls. */
struct pci_function {
	void (*cfg_read)(struct pci_function *fn, unsigned offset, uint8_t *data, unsigned len);
	void (*cfg_write)(struct pci_function *fn, unsigned offset, const uint8_t *data,
			  unsigned len);
};

void pci_config_init(struct pci_config *cfg, uint16_t vendor, uint16_t device, uint32_t class_code,
		     uint8_t header_type);
void pci_config_read(const struct pci_config *cfg, unsigned offset, uint8_t *data, unsigned len);
void pci_config_write(struct pci_config *cfg, unsigned offset, const uint8_t *data, unsigned len);

#define PCI_ROOT_SLOTS 32

/*
 * Configuration mechanism #1: address at 0xCF8, data at 0xCFC-0xCFF, and the
 * reset control register at 0xCF9. Mapped at 0xCF8 with length 8.
 */
struct pci_root {
	pthread_mutex_t lock;
	uint32_t address;
	uint8_t reset_ctl;
	struct pci_function *slots[PCI_ROOT_SLOTS];
	struct pci_function host_bridge;
	struct pci_config host_bridge_cfg;
	struct exit_notifier exit;
	/* Data-port accesses by what they addressed (pci_root_log_stats), under lock. */
	uint64_t hits[PCI_ROOT_SLOTS], other_bus, other_function, empty_slot;
};

extern const struct bus_ops pci_root_bus_ops;

void pci_root_init(struct pci_root *root, struct exit_notifier exit);
/* Logs (debug) the guest's config accesses: per present slot, and how many probed nothing. */
void pci_root_log_stats(struct pci_root *root);
/* Plugs fn into slot (device number) on bus 0, function 0; -1 if taken or out of range. */
int pci_root_add(struct pci_root *root, unsigned slot, struct pci_function *fn);

#endif
