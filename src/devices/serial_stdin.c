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

static void rx_space(void *opaque)
{
	struct serial_stdin *f = opaque;
	uint64_t one = 1;

	if (write(f->space_evt, &one, sizeof(one)) < 0)
		log_warn("rx eventfd: %s", strerror(errno));
}

/* Waits for stdin (when the port has room) or for room; false when told to stop. */
static bool wait_for(struct serial_stdin *f, bool room)
{
	struct pollfd p[2] = {{.fd = room ? STDIN_FILENO : f->space_evt, .events = POLLIN},
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
		n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the guest simply gets no more input */
		serial_input(f->s, buf, (size_t)n);
	}
	return NULL;
}

int serial_stdin_init(struct serial_stdin *f, struct serial *s)
{
	f->s = s;
	f->space_evt = eventfd(0, EFD_CLOEXEC);
	f->stop_evt = eventfd(0, EFD_CLOEXEC);
	if (f->space_evt < 0 || f->stop_evt < 0)
		return -errno;
	return 0;
}

int serial_stdin_start(struct serial_stdin *f)
{
	int r;

	f->s->rx_space = rx_space;
	f->s->rx_space_opaque = f;
	r = pthread_create(&f->thread, NULL, feed, f);
	if (r)
		return -r;
	f->running = true;
	return 0;
}

void serial_stdin_stop(struct serial_stdin *f)
{
	uint64_t one = 1;

	if (f->running && write(f->stop_evt, &one, sizeof(one)) == sizeof(one))
		pthread_join(f->thread, NULL);
	f->running = false;
	if (f->s) {
		f->s->rx_space = NULL;
		if (f->space_evt >= 0)
			close(f->space_evt);
		if (f->stop_evt >= 0)
			close(f->stop_evt);
	}
	f->s = NULL;
}
