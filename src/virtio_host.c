// SPDX-License-Identifier: BSD-3-Clause
#include "virtio_host.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "util/log.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "virtio_sandbox.h"
#endif

void virtio_host_route(struct virtio_host *h, unsigned v, uint64_t addr, uint32_t data)
{
	int r;

	if (v >= h->nr_vectors)
		return;
	r = kvm_set_msi_route(h->kvm, (unsigned)h->vec_gsi[v], addr, data);
	if (r)
		log_warn("%s: MSI route for vector %u: %s", h->name, v, strerror(-r));
}

static void route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	virtio_host_route(opaque, v, addr, data);
}

void virtio_host_fire(struct virtio_host *h, unsigned v)
{
	uint64_t one = 1;

	if (v < h->nr_vectors && write(h->vec_fd[v], &one, sizeof(one)) < 0)
		log_warn("%s: irqfd write: %s", h->name, strerror(errno));
}

void virtio_host_bind_notify(struct virtio_host *h, uint64_t base, bool on)
{
	for (unsigned q = 0; q < h->nr_queues; q++) {
		uint64_t addr = base + VPCI_NOTIFY + (uint64_t)q * VPCI_NOTIFY_MULT;
		int r = kvm_ioeventfd(h->kvm, addr, 2, h->worker.kick[q], on);

		if (r)
			log_warn("%s: ioeventfd at %#llx: %s", h->name, (unsigned long long)addr,
				 strerror(-r));
	}
}

/* The guest moved BAR0 or toggled memory decoding: move the kick addresses with it. */
void virtio_host_move_notify(struct virtio_host *h, uint64_t bar0, bool enabled)
{
	if (h->notify_base)
		virtio_host_bind_notify(h, h->notify_base, false);
	h->notify_base = 0;
	if (enabled && bar0) {
		virtio_host_bind_notify(h, bar0, true);
		h->notify_base = bar0;
	}
}

static void bar_changed(void *opaque, uint64_t bar0, bool enabled)
{
	virtio_host_move_notify(opaque, bar0, enabled);
}

static void fire(void *opaque, unsigned v)
{
	virtio_host_fire(opaque, v);
}

void virtio_host_kick(struct virtio_host *h, unsigned q)
{
	uint64_t one = 1;

	if (q < h->nr_queues && write(h->worker.kick[q], &one, sizeof(one)) < 0)
		log_warn("%s: cannot kick queue %u: %s", h->name, q, strerror(errno));
}

static void kick(void *opaque, unsigned q)
{
	virtio_host_kick(opaque, q);
}

int virtio_host_create_device(struct virtio_host *h, const struct guest_memory *mem,
			      struct virtio_pci_host host)
{
	int r = h->spec.create(&h->dev, mem, h->spec.arg);

	if (r)
		return r;
	h->worker.dev = &h->dev;
	virtio_pci_init(&h->pci, &h->dev, h->bar0_init, host);
	return 0;
}

int virtio_host_init(struct virtio_host *h, struct kvm *kvm, struct pci_root *root, unsigned slot,
		     uint64_t bar0, const struct virtio_spec *spec, const struct guest_memory *mem,
		     bool sandbox)
{
	struct virtio_pci_host host = {
		.bar_changed = bar_changed,
		.kick = kick,
		.msix = {route, fire, h},
		.opaque = h,
	};
	int r;

	memset(h, 0, sizeof(*h));
	h->kvm = kvm;
	h->spec = *spec;
	h->name = spec->ops->name;
	h->nr_queues = spec->ops->nr_queues;
	h->nr_vectors = h->nr_queues + 1;
	h->bar0_init = h->bar0 = bar0;
	for (unsigned v = 0; v < h->nr_vectors; v++) {
		h->vec_gsi[v] = kvm_alloc_msi_gsi(kvm);
		h->vec_fd[v] = eventfd(0, EFD_CLOEXEC);
		if (h->vec_gsi[v] < 0 || h->vec_fd[v] < 0)
			return -ENOSPC;
		r = kvm_irqfd(kvm, h->vec_fd[v], (unsigned)h->vec_gsi[v]);
		if (r)
			return r;
	}
	r = virtio_worker_init(&h->worker, &h->dev, h->nr_queues);
	if (r)
		return r;
#ifdef CROSVM_HAVE_SECCOMP
	if (sandbox) {
		virtio_sandbox_init_proxy(h);
		return pci_root_add(root, slot, &h->proxy_fn) ? -EBUSY : 0;
	}
#else
	(void)sandbox;
#endif
	r = virtio_host_create_device(h, mem, host);
	if (r)
		return r;
	return pci_root_add(root, slot, &h->pci.fn) ? -EBUSY : 0;
}

int virtio_host_start(struct virtio_host *h, const struct guest_memory *mem,
		      const struct sandbox_config *sb)
{
#ifdef CROSVM_HAVE_SECCOMP
	if (sb)
		return virtio_sandbox_spawn(h, mem, sb) ? -ECHILD : 0;
#else
	(void)mem;
	(void)sb;
#endif
	return virtio_worker_start(&h->worker);
}

bool virtio_host_mmio(struct virtio_host *h, uint64_t addr, uint8_t *data, uint32_t len, bool write)
{
#ifdef CROSVM_HAVE_SECCOMP
	if (h->proc)
		return virtio_sandbox_mmio(h, addr, data, len, write);
#endif
	return virtio_pci_mmio(&h->pci, addr, data, len, write);
}

int virtio_host_exec(struct virtio_host *h, enum vhost_op op, uint64_t arg,
		     struct balloon_stats *stats)
{
	int r;

	switch (op) {
	case VHOST_OP_PAUSE:
		virtio_worker_pause(&h->worker);
		return 0;
	case VHOST_OP_RESUME:
		virtio_worker_resume(&h->worker);
		return 0;
	case VHOST_OP_STOP:
		virtio_worker_stop(&h->worker);
		/* The device lets its work in flight land and flushes what it must (a disk's
		 * writes). */
		virtio_device_destroy(&h->dev);
		return 0;
	case VHOST_OP_BLK_RESIZE:
		if (h->dev.ops->device_id != VIRTIO_ID_BLOCK)
			return -ENOTTY;
		return virtio_blk_resize(&h->dev, arg);
	case VHOST_OP_BALLOON_TARGET:
		if (h->dev.ops->device_id != VIRTIO_ID_BALLOON)
			return -ENOTTY;
		return virtio_balloon_set_target(&h->dev, arg);
	case VHOST_OP_BALLOON_STATS:
		if (h->dev.ops->device_id != VIRTIO_ID_BALLOON || !stats)
			return -ENOTTY;
		r = virtio_balloon_request_stats(&h->dev);
		if (r)
			return r;
		return virtio_balloon_get_stats(&h->dev, stats, VHOST_STATS_TIMEOUT_MS);
	}
	return -EINVAL;
}

int virtio_host_control(struct virtio_host *h, enum vhost_op op, uint64_t arg,
			struct balloon_stats *stats)
{
#ifdef CROSVM_HAVE_SECCOMP
	if (h->proc)
		return virtio_sandbox_call(h, op, arg, stats);
#endif
	return virtio_host_exec(h, op, arg, stats);
}

void virtio_host_stop(struct virtio_host *h)
{
#ifdef CROSVM_HAVE_SECCOMP
	if (h->proc) {
		virtio_sandbox_stop(h);
		return;
	}
#endif
	virtio_host_exec(h, VHOST_OP_STOP, 0, NULL);
}
