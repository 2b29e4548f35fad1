// SPDX-License-Identifier: BSD-3-Clause
/* virtio-rng (device id 4): fills whatever the driver offers with getrandom() bytes. */
#include "devices/virtio/rng.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <sys/random.h>

#define RNG_CHUNK 4096

static void rng_notify(struct virtio_device *d, unsigned qi)
{
	struct virtq *q = &d->queues[qi];
	struct virtq_chain *c = d->priv;
	uint8_t buf[RNG_CHUNK];
	int r;

	while ((r = virtq_pop(q, c)) != VIRTQ_EMPTY) {
		/* The used length is 32 bits: fill no more than it can report. */
		uint64_t done = 0, total = c->writable < UINT32_MAX ? c->writable : UINT32_MAX;

		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		/* A malformed chain is returned untouched; a good one filled to its end. */
		while (r == VIRTQ_OK && done < total) {
			uint64_t want = total - done;
			ssize_t n = getrandom(buf, want < sizeof(buf) ? want : sizeof(buf), 0);

			if (n < 0 && errno == EINTR)
				continue; /* a signal is no reason to hand back a short chain */
			if (n <= 0)
				break;
			done += virtq_chain_write(q, c, done, buf, (uint64_t)n);
		}
		virtio_queue_done(d, qi, c->head, (uint32_t)done);
	}
}

static void rng_destroy(struct virtio_device *d)
{
	free(d->priv);
}

const struct virtio_device_ops virtio_rng_ops = {
	.name = "virtio-rng",
	.policy = "rng_device",
	.device_id = VIRTIO_ID_RNG,
	.features = (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 1,
	.queue_max = 256,
	.config_size = 0,
	.queue_notify = rng_notify,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	(void)arg;
	virtio_device_init(d, &virtio_rng_ops, mem);
	d->priv = malloc(sizeof(struct virtq_chain));
	return d->priv ? 0 : -ENOMEM;
}
