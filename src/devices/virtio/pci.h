/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_PCI_H
#define CROSVM_DEVICES_VIRTIO_PCI_H

#include "devices/pci/msix.h"
#include "devices/pci/pci_root.h"
#include "devices/virtio/device.h"

/*
 * virtio 1.x over PCI, modern interface only: common, notify, ISR and device
 * configuration structures in BAR0 (64-bit memory), plus an MSI-X table and
 * PBA in the same BAR. One MSI-X vector per queue plus one for configuration.
 */
#define VPCI_BAR_SIZE	 0x8000
#define VPCI_COMMON	 0x0000
#define VPCI_ISR	 0x1000
#define VPCI_DEVICE	 0x2000
#define VPCI_NOTIFY	 0x3000
#define VPCI_NOTIFY_MULT 4
#define VPCI_MSIX_TABLE	 0x4000
#define VPCI_MSIX_PBA	 0x5000

/* Hooks to the VMM, set by whoever creates the transport. */
struct virtio_pci_host {
	/* BAR0 moved (or decoding changed): re-register queue-notify ioeventfds. */
	void (*bar_changed)(void *opaque, uint64_t bar0, bool enabled);
	/*
	 * The driver set DRIVER_OK: have the device look at queue q, which may
	 * hold buffers made available (and kicked) before the device could
	 * take them. Optional.
	 */
	void (*kick)(void *opaque, unsigned q);
	struct msix_sink msix;
	void *opaque;
};

struct virtio_pci {
	struct pci_function fn;
	struct pci_config cfg;
	struct virtio_device *dev;
	struct msix msix;
	struct virtio_pci_host host;
	uint8_t msix_cap; /* offset of the MSI-X capability */
	uint32_t dfselect, gfselect;
	uint16_t queue_select;
	uint16_t msix_config;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	uint8_t status;
	uint8_t isr;
	uint8_t config_generation;
	uint64_t bar0;
	bool mem_enabled;
};

void virtio_pci_init(struct virtio_pci *vp, struct virtio_device *dev, uint64_t bar0,
		     struct virtio_pci_host host);
/* BAR0 accesses; offset is from the BAR's base. */
void virtio_pci_bar_read(struct virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len);
void virtio_pci_bar_write(struct virtio_pci *vp, uint64_t off, const uint8_t *data, uint32_t len);
/* Claims an MMIO access if it hits an enabled BAR0; returns false otherwise. */
bool virtio_pci_mmio(struct virtio_pci *vp, uint64_t addr, uint8_t *data, uint32_t len, bool write);

#endif
