// SPDX-License-Identifier: BSD-3-Clause
#include "devices/serial_stdin.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"

static void signal_evt(int evt)
{
	uint64_t one = 1;

	if (write(evt, &one, sizeof(one)) < 0)
		log_warn("stdin feeder eventfd: %s", strerror(errno));
}

static void rx_space(void *opaque)
{
	signal_evt(((struct serial_stdin *)opaque)->space_evt);
}

/* Waits for stdin (when the port has room) or for room; false when told to stop. */
static bool wait_for(struct serial_stdin *f, bool room)
{
	struct pollfd p[2] = {{.fd = room ? f->in_fd : f->space_evt, .events = POLLIN},
			      {.fd = f->stop_evt, .events = POLLIN}};
	uint64_t cnt;

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return false;
	if (p[1].revents)
		return false;
	if (!room && read(f->space_evt, &cnt, sizeof(cnt)) < 0 && errno != EINTR)
		return false;
	return true;
}

static void *feed(void *arg)
{
	struct serial_stdin *f = arg;
	uint8_t buf[SERIAL_FIFO_SIZE];

	for (;;) {
		size_t room = serial_rx_room(f->s);
		ssize_t n;

		if (!wait_for(f, room))
			break;
		if (!room)
			continue;
		n = read(f->in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the guest simply gets no more input */
		serial_input(f->s, buf, (size_t)n);
	}
	return NULL;
}

int serial_stdin_init(struct serial_stdin *f, struct serial *s, int in_fd)
{
	f->s = s;
	f->in_fd = in_fd;
	f->space_evt = eventfd(0, EFD_CLOEXEC);
	f->stop_evt = eventfd(0, EFD_CLOEXEC);
	if (f->space_evt < 0 || f->stop_evt < 0)
		return -errno;
	return 0;
}

int serial_stdin_start(struct serial_stdin *f)
{
	f->s->rx_space = rx_space;
	f->s->rx_space_opaque = f;
	f->running = pthread_create(&f->thread, NULL, feed, f) == 0;
	return f->running ? 0 : -EAGAIN;
}

void serial_stdin_stop(struct serial_stdin *f)
{
	/* The thread polls stop_evt with stdin: it leaves without further input. */
	if (f->running) {
		signal_evt(f->stop_evt);
		pthread_join(f->thread, NULL);
	}
	f->running = false;
	if (f->s) {
		f->s->rx_space = NULL;
		if (f->space_evt >= 0)
			close(f->space_evt);
		if (f->stop_evt >= 0)
			close(f->stop_evt);
		if (f->in_fd != STDIN_FILENO && f->in_fd >= 0)
			close(f->in_fd);
	}
	f->s = NULL;
}
