// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-console (device id 3), one port, no multiport: what the guest writes
 * to /dev/hvcN (transmitq) goes to the output descriptor; what the input
 * descriptor gives goes into the buffers the guest posted on receiveq. The
 * input is read only while a receive buffer is waiting, so a guest that reads
 * nothing never makes the device read (or spin on) its input.
 */
#include "devices/virtio/console.h"

#include <errno.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/io.h"

#define RXQ	     0
#define TXQ	     1
#define CHUNK	     4096
#define TX_MAX_CHAIN (1u << 20) /* bytes taken from one transmit chain */

struct console {
	struct console_arg io;
	bool in_eof;
	bool rx_held; /* a receive chain popped and waiting for input */
	struct virtq_chain rx, tx;
};

static struct console *to_console(struct virtio_device *d)
{
	return d->priv;
}

static void transmit(struct virtio_device *d)
{
	struct console *c = to_console(d);
	struct virtq *q = &d->queues[TXQ];
	uint8_t buf[CHUNK];
	int r;

	while ((r = virtq_pop(q, &c->tx)) != VIRTQ_EMPTY) {
		uint64_t total = c->tx.readable < TX_MAX_CHAIN ? c->tx.readable : TX_MAX_CHAIN;

		if (r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			break; /* nothing can be returned: wait for a reset */
		for (uint64_t off = 0; r == VIRTQ_OK && off < total;) {
			uint64_t n = virtq_chain_read(q, &c->tx, off, buf,
						      total - off < CHUNK ? total - off : CHUNK);

			if (!n)
				break;
			/*
			 * Written whole (a console blocks like a terminal); an output
			 * that went away drops what follows: the guest never waits.
			 */
			if (c->io.out_fd >= 0 && write_full(c->io.out_fd, buf, n))
				c->io.out_fd = -1;
			off += n;
		}
		virtio_queue_done(d, TXQ, c->tx.head, 0);
	}
}

/* Holds the next receive chain, if the guest posted one (malformed ones go back empty). */
static void hold_rx(struct virtio_device *d)
{
	struct console *c = to_console(d);
	struct virtq *q = &d->queues[RXQ];

	while (!c->rx_held && q->ready) {
		int r = virtq_pop(q, &c->rx);

		if (r == VIRTQ_EMPTY || r == VIRTQ_ERR_HEAD || r == VIRTQ_ERR_RING)
			return;
		if (r == VIRTQ_OK && c->rx.writable)
			c->rx_held = true;
		else
			virtio_queue_done(d, RXQ, c->rx.head, 0);
	}
}

static void console_notify(struct virtio_device *d, unsigned qi)
{
	if (qi == TXQ)
		transmit(d);
	else
		hold_rx(d);
}

/* The input is waited on only while a receive buffer can take what it gives. */
static int console_poll_fd(struct virtio_device *d)
{
	struct console *c = to_console(d);

	return c->rx_held && !c->in_eof ? c->io.in_fd : -1;
}

static void console_poll_ready(struct virtio_device *d)
{
	struct console *c = to_console(d);
	uint8_t buf[CHUNK];
	uint64_t room;
	ssize_t n;

	if (!c->rx_held || c->in_eof || c->io.in_fd < 0)
		return;
	room = c->rx.writable < sizeof(buf) ? c->rx.writable : sizeof(buf);
	/* poll said readable: one read does not block. */
	n = read(c->io.in_fd, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		c->in_eof = true; /* the end of a file, or an input that failed */
		return;
	}
	virtio_queue_done(
		d, RXQ, c->rx.head,
		(uint32_t)virtq_chain_write(&d->queues[RXQ], &c->rx, 0, buf, (uint64_t)n));
	c->rx_held = false;
	hold_rx(d);
}

static void console_reset(struct virtio_device *d)
{
	to_console(d)->rx_held = false; /* the queue it came from is gone */
}

static void console_config_read(struct virtio_device *d, uint32_t off, uint8_t *data, uint32_t len)
{
	/* No size, no ports, no emergency write offered: all zero. */
	for (uint32_t i = 0; i < len; i++)
		data[i] = 0;
}

static void console_destroy(struct virtio_device *d)
{
	free(d->priv);
}

const struct virtio_device_ops virtio_console_ops = {
	.name = "virtio-console",
	.policy = "console_device",
	.device_id = VIRTIO_ID_CONSOLE,
	.features = (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 2,
	.queue_max = 256,
	.config_size = sizeof(struct virtio_console_config),
	.config_read = console_config_read,
	.queue_notify = console_notify,
	.poll_fd = console_poll_fd,
	.poll_ready = console_poll_ready,
	.reset = console_reset,
	.destroy = console_destroy,
};

int virtio_console_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg)
{
	const struct console_arg *io = arg;
	struct console *c;

	if (!io)
		return -EINVAL;
	virtio_device_init(d, &virtio_console_ops, mem);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->io = *io;
	d->priv = c;
	return 0;
}
