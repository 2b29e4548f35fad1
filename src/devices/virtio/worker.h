/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_WORKER_H
#define CROSVM_DEVICES_VIRTIO_WORKER_H

#include <pthread.h>

#include "devices/virtio/device.h"

/*
 * The thread a device's queue work runs on: it waits on each queue's kick
 * eventfd (bound to the notify address with KVM ioeventfd), so vCPUs never do
 * device work.
 */
struct virtio_worker {
	struct virtio_device *dev;
	int kick[VIRTIO_MAX_QUEUES];
	int stop_evt;
	int wake_evt; /* re-reads the paused state */
	pthread_t thread;
	bool running;
	/* Under the device lock: while paused, kicks are remembered, not served. */
	bool paused;
	bool pending[VIRTIO_MAX_QUEUES];
};

/*
 * Creates the kick eventfds of nr_queues queues; returns 0 or -errno. dev may
 * be created later (in a device process), before the worker starts.
 */
int virtio_worker_init(struct virtio_worker *w, struct virtio_device *dev, unsigned nr_queues);
int virtio_worker_start(struct virtio_worker *w);
/* Closes the eventfds (the thread is stopped, or never started). */
void virtio_worker_release(struct virtio_worker *w);
void virtio_worker_stop(struct virtio_worker *w);
/* Completes the device's work in flight, then serves no queue until resumed. */
void virtio_worker_pause(struct virtio_worker *w);
/* Serves what was kicked while paused, and goes on. */
void virtio_worker_resume(struct virtio_worker *w);

#endif
