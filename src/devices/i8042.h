/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_I8042_H
#define CROSVM_DEVICES_I8042_H

#include <pthread.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/exit.h"

/*
 * An 8042 keyboard controller with no keyboard behind it: enough of the
 * controller command set for a driver to probe it, and the CPU reset line
 * (command 0xFE, or output-port bit 0 cleared) that stops the VM.
 * Mapped at 0x60 with length 5 so port 0x64 is offset 4.
 */
struct i8042 {
	pthread_mutex_t lock;
	uint8_t ctr; /* controller configuration ("command byte") */
	uint8_t out_port;
	uint8_t pending_cmd; /* command waiting for its data byte on 0x60, or 0 */
	uint8_t out[4];	     /* bytes the guest reads from 0x60 */
	unsigned out_head, out_count;
	struct exit_notifier exit;
};

extern const struct bus_ops i8042_bus_ops;

void i8042_init(struct i8042 *k, struct exit_notifier exit);

#endif
