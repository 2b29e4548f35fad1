// SPDX-License-Identifier: BSD-3-Clause
#include "devices/virtio/worker.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int virtio_worker_init(struct virtio_worker *w, struct virtio_device *dev, unsigned nr_queues)
{
	memset(w, 0, sizeof(*w));
	w->dev = dev;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		w->kick[q] = -1;
	w->stop_evt = eventfd(0, EFD_CLOEXEC);
	w->wake_evt = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->stop_evt < 0 || w->wake_evt < 0)
		return -errno;
	for (unsigned q = 0; q < nr_queues && q < VIRTIO_MAX_QUEUES; q++) {
		w->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (w->kick[q] < 0)
			return -errno;
	}
	return 0;
}

static void *worker_thread(void *arg)
{
	struct virtio_worker *w = arg;
	struct virtio_device *d = w->dev;
	unsigned nq = d->ops->nr_queues;
	struct pollfd p[VIRTIO_MAX_QUEUES + 3];

	for (unsigned q = 0; q < nq; q++)
		p[q] = (struct pollfd){.fd = w->kick[q], .events = POLLIN};
	p[nq] = (struct pollfd){.fd = w->stop_evt, .events = POLLIN};
	p[nq + 2] = (struct pollfd){.fd = w->wake_evt, .events = POLLIN};
	for (;;) {
		uint64_t cnt;

		/*
		 * A negative fd is ignored by poll(): devices without async work
		 * cost nothing, and a paused device's completions wait. Asked each
		 * time: a device may have nothing to wait for right now (a console
		 * with no receive buffer must not wake on its input).
		 */
		pthread_mutex_lock(&d->lock);
		p[nq + 1] = (struct pollfd){
			.fd = w->paused || !d->ops->poll_fd ? -1 : d->ops->poll_fd(d),
			.events = POLLIN};
		pthread_mutex_unlock(&d->lock);
		if (poll(p, nq + 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[nq].revents)
			break;
		if (p[nq + 2].revents & POLLIN && read(w->wake_evt, &cnt, sizeof(cnt)) < 0)
			continue;
		for (unsigned q = 0; q < nq; q++) {
			if (!(p[q].revents & POLLIN) || read(w->kick[q], &cnt, sizeof(cnt)) < 0)
				continue;
			pthread_mutex_lock(&d->lock);
			if (w->paused)
				w->pending[q] = true;
			else if (d->driver_ok && d->queues[q].ready)
				d->ops->queue_notify(d, q);
			pthread_mutex_unlock(&d->lock);
		}
		if (p[nq + 1].fd >= 0 && p[nq + 1].revents & POLLIN) {
			pthread_mutex_lock(&d->lock);
			d->ops->poll_ready(d);
			pthread_mutex_unlock(&d->lock);
		}
	}
	return NULL;
}

int virtio_worker_start(struct virtio_worker *w)
{
	int r = pthread_create(&w->thread, NULL, worker_thread, w);

	if (r)
		return -r;
	w->running = true;
	return 0;
}

void virtio_worker_stop(struct virtio_worker *w)
{
	uint64_t one = 1;

	if (!w->running)
		return;
	if (write(w->stop_evt, &one, sizeof(one)) == sizeof(one))
		pthread_join(w->thread, NULL);
	w->running = false;
}

void virtio_worker_pause(struct virtio_worker *w)
{
	struct virtio_device *d = w->dev;

	pthread_mutex_lock(&d->lock);
	if (d->ops->quiesce)
		d->ops->quiesce(d);
	w->paused = true;
	pthread_mutex_unlock(&d->lock);
}

void virtio_worker_resume(struct virtio_worker *w)
{
	struct virtio_device *d = w->dev;
	uint64_t one = 1;

	pthread_mutex_lock(&d->lock);
	w->paused = false;
	for (unsigned q = 0; q < d->ops->nr_queues; q++) {
		if (w->pending[q] && d->driver_ok && d->queues[q].ready)
			d->ops->queue_notify(d, q);
		w->pending[q] = false;
	}
	pthread_mutex_unlock(&d->lock);
	/* The thread may sleep without the completion fd in its set: wake it. */
	if (write(w->wake_evt, &one, sizeof(one)) < 0)
		return;
}

void virtio_worker_release(struct virtio_worker *w)
{
	int *fds[] = {&w->stop_evt, &w->wake_evt};

	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (w->kick[q] >= 0)
			close(w->kick[q]);
	for (unsigned i = 0; i < 2; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		w->kick[q] = -1;
	w->stop_evt = w->wake_evt = -1;
}
