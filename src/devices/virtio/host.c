// SPDX-License-Identifier: BSD-3-Clause
/* The KVM side of a virtio-pci device, shared by both device hosts. */
#include "devices/virtio/host.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/pci.h"
#include "util/log.h"

void virtio_host_route(struct virtio_host *h, unsigned v, uint64_t addr, uint32_t data)
{
	int r;

	if (v >= h->nr_vectors)
		return;
	r = kvm_set_msi_route(h->env.kvm, (unsigned)h->vec_gsi[v], addr, data);
	if (r)
		log_warn("%s: MSI route for vector %u: %s", h->name, v, strerror(-r));
}

void virtio_host_fire(struct virtio_host *h, unsigned v)
{
	uint64_t one = 1;

	if (v < h->nr_vectors && write(h->vec_fd[v], &one, sizeof(one)) < 0)
		log_warn("%s: irqfd write: %s", h->name, strerror(errno));
}

void virtio_host_kick(struct virtio_host *h, unsigned q)
{
	uint64_t one = 1;

	if (q < h->nr_queues && write(h->worker.kick[q], &one, sizeof(one)) < 0)
		log_warn("%s: cannot kick queue %u: %s", h->name, q, strerror(errno));
}

static void bind_notify(struct virtio_host *h, uint64_t base, bool on)
{
	for (unsigned q = 0; q < h->nr_queues; q++) {
		uint64_t addr = base + VPCI_NOTIFY + (uint64_t)q * VPCI_NOTIFY_MULT;
		int r = kvm_ioeventfd(h->env.kvm, addr, 2, h->worker.kick[q], on);

		if (r)
			log_warn("%s: ioeventfd at %#llx: %s", h->name, (unsigned long long)addr,
				 strerror(-r));
	}
}

void virtio_host_bar_moved(struct virtio_host *h, uint64_t bar0, bool enabled)
{
	if (h->notify_base)
		bind_notify(h, h->notify_base, false);
	h->notify_base = 0;
	enabled = enabled && bar0;
	if (bus_move(h->env.mmio, h, bar0, enabled)) {
		log_warn("%s: BAR0 at %#llx overlaps another device: not decoded", h->name,
			 (unsigned long long)bar0);
		return;
	}
	if (enabled) {
		bind_notify(h, bar0, true);
		h->notify_base = bar0;
	}
}

int virtio_host_init(struct virtio_host *h, const struct virtio_host_ops *ops,
		     const struct virtio_host_env *env, const struct virtio_spec *spec,
		     const struct bus_ops *bar_ops)
{
	int r;

	h->ops = ops;
	h->env = *env;
	h->spec = *spec;
	h->name = spec->ops->name;
	h->nr_queues = spec->ops->nr_queues;
	h->nr_vectors = h->nr_queues + 1;
	for (unsigned v = 0; v < MSIX_MAX_VECTORS; v++)
		h->vec_fd[v] = -1;
	for (unsigned v = 0; v < h->nr_vectors; v++) {
		h->vec_gsi[v] = kvm_alloc_msi_gsi(env->kvm);
		h->vec_fd[v] = eventfd(0, EFD_CLOEXEC);
		if (h->vec_gsi[v] < 0 || h->vec_fd[v] < 0)
			return -ENOSPC;
		r = kvm_irqfd(env->kvm, h->vec_fd[v], (unsigned)h->vec_gsi[v]);
		if (r)
			return r;
	}
	r = virtio_worker_init(&h->worker, NULL, h->nr_queues);
	if (r)
		return r;
	if (bus_add(env->mmio, spec->bar0, VPCI_BAR_SIZE, h->name, bar_ops, h))
		return -EBUSY;
	bus_move(env->mmio, h, spec->bar0, false);
	return 0;
}

void virtio_spec_close_fds(const struct virtio_spec *spec)
{
	for (unsigned i = 0; i < spec->nr_fds; i++)
		if (spec->fds[i] >= 0)
			close(spec->fds[i]);
}

void virtio_host_close_spec_fds(struct virtio_host *h)
{
	virtio_spec_close_fds(&h->spec);
	h->spec.nr_fds = 0;
}

void virtio_host_release(struct virtio_host *h)
{
	virtio_host_close_spec_fds(h);
	for (unsigned v = 0; v < MSIX_MAX_VECTORS; v++)
		if (h->vec_fd[v] >= 0)
			close(h->vec_fd[v]);
	virtio_worker_release(&h->worker);
}

int virtio_host_create_device(struct virtio_host *h, struct virtio_device *dev,
			      struct virtio_pci *pci, const struct virtio_pci_host *hooks)
{
	int r = h->spec.create(dev, h->env.mem, h->spec.arg);

	if (r)
		return r;
	h->worker.dev = dev;
	virtio_pci_init(pci, dev, h->spec.bar0, *hooks);
	return 0;
}

void virtio_host_destroy_device(struct virtio_host *h, struct virtio_device *dev)
{
	virtio_worker_stop(&h->worker);
	if (h->worker.dev)
		virtio_device_destroy(dev);
	h->worker.dev = NULL;
}
