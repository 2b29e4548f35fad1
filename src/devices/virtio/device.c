// SPDX-License-Identifier: BSD-3-Clause
#include "devices/virtio/device.h"

#include <string.h>

void virtio_queue_done(struct virtio_device *d, unsigned q, uint16_t head, uint32_t len)
{
	virtq_push(&d->queues[q], head, len);
	if (virtq_should_notify(&d->queues[q]))
		d->signal(d, q);
}

void virtio_device_init(struct virtio_device *d, const struct virtio_device_ops *ops,
			const struct guest_memory *mem)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->mem = mem;
	pthread_mutex_init(&d->lock, NULL);
}

void virtio_device_destroy(struct virtio_device *d)
{
	if (d->ops && d->ops->destroy)
		d->ops->destroy(d);
	d->priv = NULL;
}
