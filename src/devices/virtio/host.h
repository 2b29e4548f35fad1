/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_HOST_H
#define CROSVM_DEVICES_VIRTIO_HOST_H

/*
 * The device host: how the VMM reaches one virtio-pci device, wherever it
 * runs. Two implementations: in this process (host_local.c, for
 * --disable-sandbox) and proxied to a jailed device process
 * (sandbox/host_proxy.c). Both plug a PCI function into the root and a BAR
 * into the MMIO bus; the rest of the VMM only calls the ops below, and knows
 * no particular device.
 *
 * Shared here is the VMM's KVM side of the device: its MSI-X vectors as KVM
 * irqfds on MSI routes, its queue-notify addresses as KVM ioeventfds feeding
 * the device's worker thread. The device itself sees none of this.
 */
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_root.h"
#include "devices/virtio/device.h"
#include "devices/virtio/worker.h"
#include "kvm/kvm.h"
#include "util/event_loop.h"

/* A disk image with a full backing chain is the most a device needs. */
#define VIRTIO_SPEC_FDS 17

/* How to build one device, in whichever process will run it. */
struct virtio_spec {
	const struct virtio_device_ops *ops; /* name, queue count, policy */
	virtio_create_fn create;
	const void *arg;
	/*
	 * Descriptors the device needs besides its queues and interrupts (a disk
	 * image). The host owns them from virtio_X_new() on, success or not.
	 */
	int fds[VIRTIO_SPEC_FDS];
	unsigned nr_fds;
	bool memfd; /* the device's process also keeps the guest memory's descriptor */
	unsigned slot;
	uint64_t bar0;
};

/* What a host plugs into, and whom it tells when its device fails. */
struct virtio_host_env {
	struct kvm *kvm;
	struct pci_root *pci;
	struct bus *mmio;
	struct event_loop *loop;
	const struct guest_memory *mem;
	void (*failed)(void *opaque); /* any thread: the device died or broke its protocol */
	void *opaque;
};

struct virtio_host;

struct virtio_host_ops {
	/* Starts the device: its thread here, or its jailed process. 0 or -errno. */
	int (*start)(struct virtio_host *h);
	/*
	 * One of the device's control requests (see virtio_device_ops.control);
	 * reply holds VIRTIO_CONTROL_MAX bytes. Returns the device's 0 or -errno,
	 * or -EPIPE / -ETIMEDOUT / -EPROTO for a dead or misbehaving process.
	 */
	int (*control)(struct virtio_host *h, const void *req, uint32_t len, void *reply,
		       uint32_t *reply_len);
	/* Completes work in flight, then serves no queue / serves them again. */
	int (*pause)(struct virtio_host *h);
	int (*resume)(struct virtio_host *h);
	/* Stops and destroys the device (a disk flushes); a process is reaped. */
	void (*stop)(struct virtio_host *h);
	/* Frees the host (after stop, or when it never started). */
	void (*free)(struct virtio_host *h);
};

struct virtio_host {
	const struct virtio_host_ops *ops;
	const char *name;
	struct virtio_spec spec;
	struct virtio_host_env env;
	unsigned nr_queues;
	unsigned nr_vectors;
	int vec_gsi[MSIX_MAX_VECTORS];
	int vec_fd[MSIX_MAX_VECTORS];
	/* Its kick eventfds are made here; the thread runs where the device does. */
	struct virtio_worker worker;
	uint64_t notify_base; /* where the ioeventfds are bound, 0 when unbound */
};

/*
 * The part both implementations share: vectors, irqfds and kick eventfds,
 * and BAR0 on the MMIO bus (disabled until the guest enables decoding) with
 * bar_ops and h as its opaque. Returns 0 or -errno.
 */
int virtio_host_init(struct virtio_host *h, const struct virtio_host_ops *ops,
		     const struct virtio_host_env *env, const struct virtio_spec *spec,
		     const struct bus_ops *bar_ops);
/* Closes what virtio_host_init made, and the spec's descriptors still held. */
void virtio_host_release(struct virtio_host *h);
/* Closes a spec's descriptors (a host that could not be made). */
void virtio_spec_close_fds(const struct virtio_spec *spec);
/* Closes the host's copies of them (they went to the device's process). */
void virtio_host_close_spec_fds(struct virtio_host *h);

/* Points vector v's MSI route at (addr, data). */
void virtio_host_route(struct virtio_host *h, unsigned v, uint64_t addr, uint32_t data);
/* Signals vector v (its irqfd) / kicks queue q (its ioeventfd's eventfd). */
void virtio_host_fire(struct virtio_host *h, unsigned v);
void virtio_host_kick(struct virtio_host *h, unsigned q);
/* BAR0 moved or decoding toggled: moves the bus range and the kick ioeventfds with it. */
void virtio_host_bar_moved(struct virtio_host *h, uint64_t bar0, bool enabled);

struct virtio_pci;
struct virtio_pci_host;
/*
 * In whichever process runs the device: creates it from the spec and
 * attaches its transport with the given hooks. The device then owns the
 * spec's descriptors. Returns 0 or -errno.
 */
int virtio_host_create_device(struct virtio_host *h, struct virtio_device *dev,
			      struct virtio_pci *pci, const struct virtio_pci_host *hooks);
/* Stops the worker and destroys the device: it lets its work in flight land and flushes. */
void virtio_host_destroy_device(struct virtio_host *h, struct virtio_device *dev);

#endif
