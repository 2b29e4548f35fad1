/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_DEVICE_H
#define CROSVM_DEVICES_VIRTIO_DEVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/queue.h"
#include "memory/guest_memory.h"

/*
 * What a virtio device is given, and all it may use (DESIGN.md rule 2):
 * guest memory, its queues, an interrupt per queue (signal), and its config
 * space. Nothing here knows about PCI or KVM, so the same device code can run
 * in the VMM process or in a jailed one.
 */
#define VIRTIO_MAX_QUEUES 8

struct virtio_device;

struct virtio_device_ops {
	const char *name;
	const char *policy; /* its seccomp policy, seccomp/x86_64/<policy>.policy */
	uint32_t device_id;
	uint64_t features; /* device-specific and ring features offered */
	unsigned nr_queues;
	uint16_t queue_max;
	uint16_t queue_size[VIRTIO_MAX_QUEUES]; /* per queue, when it differs from queue_max */
	uint32_t config_size;
	void (*config_read)(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len);
	void (*config_write)(struct virtio_device *d, uint32_t off, const uint8_t *data,
			     uint32_t len);
	/* The driver kicked queue q (runs on the device's own thread, lock held). */
	void (*queue_notify)(struct virtio_device *d, unsigned q);
	/*
	 * Optional: a descriptor the device's thread also waits on (completions
	 * of asynchronous work, input), asked before every wait (lock held; -1:
	 * none now), and what to do when it is readable (lock held).
	 */
	int (*poll_fd)(struct virtio_device *d);
	void (*poll_ready)(struct virtio_device *d);
	/* Optional: completes all work in flight, answering the driver (lock held). */
	void (*quiesce)(struct virtio_device *d);
	/* The driver reset the device (lock held); work in flight must not complete after it. */
	void (*reset)(struct virtio_device *d);
	/* Releases what the device's init took (memory, files); optional. */
	void (*destroy)(struct virtio_device *d);
	/*
	 * Optional: one request of the device's own control commands (a disk
	 * resize, a balloon target, ...). req and reply are bytes only the device
	 * and its control-socket command understand; nothing between them looks
	 * inside. Any thread, lock not held; reply has VIRTIO_CONTROL_MAX bytes.
	 * Returns 0 or -errno, and sets *reply_len (0 when there is no reply).
	 */
	int (*control)(struct virtio_device *d, const void *req, uint32_t len, void *reply,
		       uint32_t *reply_len);
};

/* The largest control request or reply a device takes or gives. */
#define VIRTIO_CONTROL_MAX 256

/*
 * Every device exports its ops table and a constructor of this type:
 * int virtio_X_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg),
 * returning 0 or -errno; arg is the device's own (a disk, an encoder backend).
 */
typedef int (*virtio_create_fn)(struct virtio_device *d, const struct guest_memory *mem,
				const void *arg);

struct virtio_device {
	const struct virtio_device_ops *ops;
	void *priv;
	const struct guest_memory *mem;
	pthread_mutex_t lock; /* taken by the transport and around queue_notify */
	uint64_t acked_features;
	bool driver_ok;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	/* Set by the transport: raise queue q's interrupt if the driver wants one. */
	void (*signal)(struct virtio_device *d, unsigned q);
	/*
	 * Set by the transport: the device changed its config space on its own
	 * (lock held); raises the configuration-change interrupt. NULL until a
	 * transport is attached.
	 */
	void (*config_changed)(struct virtio_device *d);
	void *transport;
};

void virtio_device_init(struct virtio_device *d, const struct virtio_device_ops *ops,
			const struct guest_memory *mem);
/* Undoes the device's init. */
void virtio_device_destroy(struct virtio_device *d);
/* Returns popped chains with len bytes written, then signals once if needed. */
void virtio_queue_done(struct virtio_device *d, unsigned q, uint16_t head, uint32_t len);

#endif
