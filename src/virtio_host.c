// SPDX-License-Identifier: BSD-3-Clause
#include "virtio_host.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"

static void route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct virtio_host *h = opaque;
	int r;

	if (v >= h->nr_vectors)
		return;
	r = kvm_set_msi_route(h->kvm, (unsigned)h->vec_gsi[v], addr, data);
	if (r)
		log_warn("%s: MSI route for vector %u: %s", h->dev.ops->name, v, strerror(-r));
}

static void fire(void *opaque, unsigned v)
{
	struct virtio_host *h = opaque;
	uint64_t one = 1;

	if (v < h->nr_vectors && write(h->vec_fd[v], &one, sizeof(one)) < 0)
		log_warn("%s: irqfd write: %s", h->dev.ops->name, strerror(errno));
}

static void bind_notify(struct virtio_host *h, uint64_t base, bool on)
{
	for (unsigned q = 0; q < h->dev.ops->nr_queues; q++) {
		uint64_t addr = base + VPCI_NOTIFY + (uint64_t)q * VPCI_NOTIFY_MULT;
		int r = kvm_ioeventfd(h->kvm, addr, 2, h->worker.kick[q], on);

		if (r)
			log_warn("%s: ioeventfd at %#llx: %s", h->dev.ops->name,
				 (unsigned long long)addr, strerror(-r));
	}
}

/* The guest moved BAR0 or toggled memory decoding: move the kick addresses with it. */
static void bar_changed(void *opaque, uint64_t bar0, bool enabled)
{
	struct virtio_host *h = opaque;

	if (h->notify_base)
		bind_notify(h, h->notify_base, false);
	h->notify_base = 0;
	if (enabled && bar0) {
		bind_notify(h, bar0, true);
		h->notify_base = bar0;
	}
}

/* The same as a guest kick: the device's thread takes the queue up. */
static void kick(void *opaque, unsigned q)
{
	struct virtio_host *h = opaque;
	uint64_t one = 1;

	if (q < VIRTIO_MAX_QUEUES && h->worker.kick[q] > 0 &&
	    write(h->worker.kick[q], &one, sizeof(one)) < 0)
		log_warn("%s: cannot kick queue %u: %s", h->dev.ops->name, q, strerror(errno));
}

int virtio_host_init(struct virtio_host *h, struct kvm *kvm, struct pci_root *root, unsigned slot,
		     uint64_t bar0)
{
	struct virtio_pci_host host = {
		.bar_changed = bar_changed,
		.kick = kick,
		.msix = {route, fire, h},
		.opaque = h,
	};
	int r;

	h->kvm = kvm;
	h->notify_base = 0;
	h->nr_vectors = h->dev.ops->nr_queues + 1;
	for (unsigned v = 0; v < h->nr_vectors; v++) {
		h->vec_gsi[v] = kvm_alloc_msi_gsi(kvm);
		h->vec_fd[v] = eventfd(0, EFD_CLOEXEC);
		if (h->vec_gsi[v] < 0 || h->vec_fd[v] < 0)
			return -ENOSPC;
		r = kvm_irqfd(kvm, h->vec_fd[v], (unsigned)h->vec_gsi[v]);
		if (r)
			return r;
	}
	r = virtio_worker_init(&h->worker, &h->dev);
	if (r)
		return r;
	virtio_pci_init(&h->pci, &h->dev, bar0, host);
	return pci_root_add(root, slot, &h->pci.fn) ? -EBUSY : 0;
}

int virtio_host_start(struct virtio_host *h)
{
	return virtio_worker_start(&h->worker);
}

void virtio_host_stop(struct virtio_host *h)
{
	virtio_worker_stop(&h->worker);
	/* The device lets its work in flight land and flushes what it must (a disk's writes). */
	virtio_device_destroy(&h->dev);
}

void virtio_host_pause(struct virtio_host *h)
{
	virtio_worker_pause(&h->worker);
}

void virtio_host_resume(struct virtio_host *h)
{
	virtio_worker_resume(&h->worker);
}
