/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VIRTIO_HOST_H
#define CROSVM_VIRTIO_HOST_H

#include "devices/virtio/pci.h"
#include "devices/virtio/worker.h"
#include "kvm/kvm.h"

/*
 * The VMM side of one virtio-pci device: its MSI-X vectors as KVM irqfds on
 * MSI routes, its queue-notify addresses as KVM ioeventfds feeding the
 * device's worker thread. The device itself sees none of this.
 */
struct virtio_host {
	struct kvm *kvm;
	struct virtio_device dev;
	struct virtio_pci pci;
	struct virtio_worker worker;
	unsigned nr_vectors;
	int vec_gsi[MSIX_MAX_VECTORS];
	int vec_fd[MSIX_MAX_VECTORS];
	uint64_t notify_base; /* where the ioeventfds are bound, 0 when unbound */
};

/* dev must be initialised (ops, mem); plugs it into slot of the PCI root at bar0. */
int virtio_host_init(struct virtio_host *h, struct kvm *kvm, struct pci_root *root, unsigned slot,
		     uint64_t bar0);
int virtio_host_start(struct virtio_host *h);
/* Stops the device's thread and destroys the device (flushing writable disks). */
void virtio_host_stop(struct virtio_host *h);
/* Suspend/resume of the device's queue processing (crosvm suspend/resume). */
void virtio_host_pause(struct virtio_host *h);
void virtio_host_resume(struct virtio_host *h);

#endif
