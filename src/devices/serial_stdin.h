/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_SERIAL_STDIN_H
#define CROSVM_DEVICES_SERIAL_STDIN_H

#include <pthread.h>
#include <stdbool.h>

#include "devices/serial.h"

/*
 * Host input -> one serial port, never faster than the guest drains its FIFO:
 * stdin, or a file or FIFO (--serial input=), read until its end.
 */
struct serial_stdin {
	struct serial *s; /* NULL: not started */
	int in_fd;	  /* STDIN_FILENO, or a descriptor it owns */
	int space_evt;	  /* the port has room again */
	int stop_evt;
	pthread_t thread;
	bool running;
};

/*
 * Makes the eventfds (before any seccomp filter forbids it); 0 or -errno. It
 * owns in_fd from here on (unless it is stdin), also on failure.
 */
int serial_stdin_init(struct serial_stdin *f, struct serial *s, int in_fd);
/* Hooks the port's rx_space and starts the feeding thread. 0 or -errno. */
int serial_stdin_start(struct serial_stdin *f);
/* Stops and joins the thread (before the port goes away); closes what it owns. Idempotent. */
void serial_stdin_stop(struct serial_stdin *f);

#endif
