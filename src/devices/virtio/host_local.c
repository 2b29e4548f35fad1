// SPDX-License-Identifier: BSD-3-Clause
#include "devices/virtio/host_local.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "devices/virtio/pci.h"
#include "util/macros.h"

struct virtio_local {
	struct virtio_host h; /* what the VMM holds; the bus and the hooks are given &h */
	struct virtio_device dev;
	struct virtio_pci pci;
	bool created;
};

static struct virtio_local *to_local(void *h)
{
	return container_of(h, struct virtio_local, h);
}

static void bar_read(void *opaque, uint64_t off, uint8_t *data, uint32_t len)
{
	virtio_pci_bar_read(&to_local(opaque)->pci, off, data, len);
}

static void bar_write(void *opaque, uint64_t off, const uint8_t *data, uint32_t len)
{
	virtio_pci_bar_write(&to_local(opaque)->pci, off, data, len);
}

static const struct bus_ops local_bar_ops = {bar_read, bar_write};

static void hook_route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	virtio_host_route(opaque, v, addr, data);
}

static void hook_fire(void *opaque, unsigned v)
{
	virtio_host_fire(opaque, v);
}

static void hook_kick(void *opaque, unsigned q)
{
	virtio_host_kick(opaque, q);
}

static void hook_bar_changed(void *opaque, uint64_t bar0, bool enabled)
{
	virtio_host_bar_moved(opaque, bar0, enabled);
}

static int local_start(struct virtio_host *h)
{
	return virtio_worker_start(&h->worker);
}

static int local_control(struct virtio_host *h, const void *req, uint32_t len, void *reply,
			 uint32_t *reply_len)
{
	struct virtio_local *l = to_local(h);

	*reply_len = 0;
	if (!l->dev.ops->control)
		return -ENOTTY;
	return l->dev.ops->control(&l->dev, req, len, reply, reply_len);
}

static int local_pause(struct virtio_host *h)
{
	virtio_worker_pause(&h->worker);
	return 0;
}

static int local_resume(struct virtio_host *h)
{
	virtio_worker_resume(&h->worker);
	return 0;
}

static void local_stop(struct virtio_host *h)
{
	struct virtio_local *l = to_local(h);

	if (l->created)
		virtio_host_destroy_device(h, &l->dev);
	l->created = false;
}

static void local_free(struct virtio_host *h)
{
	local_stop(h);
	virtio_host_release(h);
	free(h);
}

/* start, control, pause, resume, stop, free */
static const struct virtio_host_ops local_ops = {local_start,  local_control, local_pause,
						 local_resume, local_stop,    local_free};

int virtio_local_new(const struct virtio_host_env *env, const struct virtio_spec *spec,
		     struct virtio_host **out)
{
	struct virtio_local *l = calloc(1, sizeof(*l));
	struct virtio_pci_host hooks = {
		.bar_changed = hook_bar_changed,
		.kick = hook_kick,
		.msix = {hook_route, hook_fire, &l->h},
		.opaque = &l->h,
	};
	int r;

	if (!l) {
		virtio_spec_close_fds(spec);
		return -ENOMEM;
	}
	r = virtio_host_init(&l->h, &local_ops, env, spec, &local_bar_ops);
	if (!r)
		r = virtio_host_create_device(&l->h, &l->dev, &l->pci, &hooks);
	if (!r) {
		l->created = true;
		l->h.spec.nr_fds = 0; /* the device owns its descriptors now */
		r = pci_root_add(env->pci, spec->slot, &l->pci.fn) ? -EBUSY : 0;
	}
	if (r) {
		local_free(&l->h);
		return r;
	}
	*out = &l->h;
	return 0;
}
