/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_SERIAL_H
#define CROSVM_DEVICES_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"

/* A 16550A UART as Linux's 8250 driver expects it (one per COM port). */
#define SERIAL_FIFO_SIZE 64

/* SINK drops it, FD writes each byte, SYSLOG and DATAGRAM (a connected socket) send each line. */
enum serial_out_kind { SERIAL_OUT_SINK, SERIAL_OUT_FD, SERIAL_OUT_SYSLOG, SERIAL_OUT_DATAGRAM };

struct serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_enabled;
	bool thri_pending;
	bool irq_level;
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned rx_head, rx_count;
	struct irq_line irq;

	enum serial_out_kind out_kind;
	int out_fd;
	char line[256]; /* syslog and datagram output is sent a line at a time */
	size_t line_len;
	const char *name;

	/* Called (with the lock held) when the guest frees FIFO space after it was full. */
	void (*rx_space)(void *opaque);
	void *rx_space_opaque;
};

extern const struct bus_ops serial_bus_ops;

void serial_init(struct serial *s, const char *name, struct irq_line irq, enum serial_out_kind kind,
		 int out_fd);
/* Host input for the guest: queues up to n bytes, returns how many were taken. */
size_t serial_input(struct serial *s, const uint8_t *buf, size_t n);
/* Free FIFO space right now. */
size_t serial_rx_room(struct serial *s);

#endif
