/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_TESTS_LIB_PORT_BUS_H
#define CROSVM_TESTS_LIB_PORT_BUS_H

/*
 * A legacy device on a port bus of its own, reached as a vCPU's port I/O
 * reaches it (through the bus), with the VM exits it asks for counted.
 */
#include <stdint.h>

#include "devices/bus.h"
#include "devices/exit.h"

struct port_bus {
	struct bus bus;
	int exits[VM_EXIT_DEVICE + 1]; /* requests per reason */
};

void pb_init(struct port_bus *pb);
/* Maps ops/dev at [base, base + len); aborts if the bus refuses. */
void pb_add(struct port_bus *pb, uint64_t base, uint64_t len, const struct bus_ops *ops, void *dev);
/* Counts into pb->exits. */
struct exit_notifier pb_exit_notifier(struct port_bus *pb);

uint8_t pb_in8(struct port_bus *pb, uint64_t port);
uint16_t pb_in16(struct port_bus *pb, uint64_t port);
uint32_t pb_in32(struct port_bus *pb, uint64_t port);
void pb_out8(struct port_bus *pb, uint64_t port, uint8_t v);
void pb_out16(struct port_bus *pb, uint64_t port, uint16_t v);
void pb_out32(struct port_bus *pb, uint64_t port, uint32_t v);

#endif
