/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VIRTIO_HOST_H
#define CROSVM_VIRTIO_HOST_H

#include <stdbool.h>
#include <sys/types.h>

#include "devices/virtio/balloon.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/worker.h"
#include "kvm/kvm.h"

/*
 * The VMM side of one virtio-pci device: its MSI-X vectors as KVM irqfds on
 * MSI routes, its queue-notify addresses as KVM ioeventfds feeding the
 * device's worker thread. The device itself sees none of this.
 *
 * The device and its transport live either in this process (--disable-sandbox)
 * or in a jailed device process (virtio_sandbox.c), which the VMM reaches over
 * a socket for config-space and BAR accesses and for the operations below.
 */

/* How to build the device, in whichever process will run it. */
struct virtio_spec {
	const struct virtio_device_ops *ops; /* name, queue count, policy */
	int (*create)(struct virtio_device *d, const struct guest_memory *mem, const void *arg);
	const void *arg;
	/* Descriptors the device needs besides its queues and interrupts (a disk image). */
	int fds[2];
	unsigned nr_fds;
};

/* How long BALLOON_STATS waits for the guest's answer. */
#define VHOST_STATS_TIMEOUT_MS 5000

/* Operations the VMM asks of a running device. */
enum vhost_op {
	VHOST_OP_PAUSE = 1,	 /* complete work in flight, then serve no queue */
	VHOST_OP_RESUME,	 /* serve the queues again */
	VHOST_OP_STOP,		 /* stop and destroy the device (flushing a disk) */
	VHOST_OP_BLK_RESIZE,	 /* arg: new size in bytes */
	VHOST_OP_BALLOON_TARGET, /* arg: balloon size in bytes */
	VHOST_OP_BALLOON_STATS,	 /* ask the guest for statistics and wait for them */
};

struct device_proc;

struct virtio_host {
	struct kvm *kvm;
	struct virtio_spec spec;
	const char *name;
	unsigned nr_queues;
	uint64_t bar0_init;

	/* The device and its transport; in a device process, only that process's copy is live. */
	struct virtio_device dev;
	struct virtio_pci pci;
	struct virtio_worker worker; /* its kick eventfds are created by the VMM */

	unsigned nr_vectors;
	int vec_gsi[MSIX_MAX_VECTORS];
	int vec_fd[MSIX_MAX_VECTORS];
	uint64_t notify_base; /* where the ioeventfds are bound, 0 when unbound */

	/* Sandboxed: the device process, and the VMM's view of BAR0 for routing MMIO. */
	struct device_proc *proc;
	struct pci_function proxy_fn;
	uint64_t bar0;
	bool mem_enabled;
};

/*
 * Sets up the VMM's side (vectors, kick eventfds) and plugs the device into
 * slot of the PCI root at bar0. Without sandbox the device is created here;
 * with it, virtio_host_start() creates it in its own process.
 */
int virtio_host_init(struct virtio_host *h, struct kvm *kvm, struct pci_root *root, unsigned slot,
		     uint64_t bar0, const struct virtio_spec *spec, const struct guest_memory *mem,
		     bool sandbox);
struct sandbox_config;
/* Starts the device: its thread here, or (sb != NULL) its jailed process. 0 or -errno. */
int virtio_host_start(struct virtio_host *h, const struct guest_memory *mem,
		      const struct sandbox_config *sb);
/* MMIO from a vCPU: true if the access hit this device's BAR0. */
bool virtio_host_mmio(struct virtio_host *h, uint64_t addr, uint8_t *data, uint32_t len,
		      bool write);
/*
 * Runs op on the device (here or in its process). Returns 0 or -errno; the
 * device's own errors come back as they are (-ERANGE, -EROFS, ...), a dead or
 * unanswering device process as -EPIPE / -ETIMEDOUT. stats: BALLOON_STATS only.
 */
int virtio_host_control(struct virtio_host *h, enum vhost_op op, uint64_t arg,
			struct balloon_stats *stats);
/* Stops the device and destroys it (flushing writable disks); reaps its process. */
void virtio_host_stop(struct virtio_host *h);

/* The device side: runs op on the live device (in whichever process holds it). */
int virtio_host_exec(struct virtio_host *h, enum vhost_op op, uint64_t arg,
		     struct balloon_stats *stats);
/* Creates the device and attaches its transport, with msix/bar hooks from sink and host. */
int virtio_host_create_device(struct virtio_host *h, const struct guest_memory *mem,
			      struct virtio_pci_host host);
/* BAR0 moved or decoding toggled: rebinds the queue-notify ioeventfds to it (or unbinds). */
void virtio_host_move_notify(struct virtio_host *h, uint64_t bar0, bool enabled);
/* Binds (on) or unbinds the queue-notify ioeventfds at base. */
void virtio_host_bind_notify(struct virtio_host *h, uint64_t base, bool on);
/* Signals vector v (its irqfd) / kicks queue q (its ioeventfd's eventfd). */
void virtio_host_fire(struct virtio_host *h, unsigned v);
void virtio_host_kick(struct virtio_host *h, unsigned q);
/* Points vector v's MSI route at (addr, data). */
void virtio_host_route(struct virtio_host *h, unsigned v, uint64_t addr, uint32_t data);

#endif
