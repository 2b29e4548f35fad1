// SPDX-License-Identifier: BSD-3-Clause
#include "port_bus.h"

#include <stdlib.h>
#include <string.h>

static void count_exit(void *opaque, enum vm_exit_reason reason)
{
	struct port_bus *pb = opaque;

	if ((unsigned)reason <= VM_EXIT_DEVICE)
		pb->exits[reason]++;
}

void pb_init(struct port_bus *pb)
{
	memset(pb, 0, sizeof(*pb));
	bus_init(&pb->bus);
}

void pb_add(struct port_bus *pb, uint64_t base, uint64_t len, const struct bus_ops *ops, void *dev)
{
	if (bus_add(&pb->bus, base, len, "device", ops, dev))
		abort();
}

struct exit_notifier pb_exit_notifier(struct port_bus *pb)
{
	return (struct exit_notifier){count_exit, pb};
}

/* Little-endian, as x86 port I/O carries it. */
static uint32_t in(struct port_bus *pb, uint64_t port, uint32_t len)
{
	uint8_t b[4];
	uint32_t v = 0;

	bus_read(&pb->bus, port, b, len);
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static void out(struct port_bus *pb, uint64_t port, uint32_t v, uint32_t len)
{
	uint8_t b[4];

	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	bus_write(&pb->bus, port, b, len);
}

uint8_t pb_in8(struct port_bus *pb, uint64_t port)
{
	return (uint8_t)in(pb, port, 1);
}

uint16_t pb_in16(struct port_bus *pb, uint64_t port)
{
	return (uint16_t)in(pb, port, 2);
}

uint32_t pb_in32(struct port_bus *pb, uint64_t port)
{
	return in(pb, port, 4);
}

void pb_out8(struct port_bus *pb, uint64_t port, uint8_t v)
{
	out(pb, port, v, 1);
}

void pb_out16(struct port_bus *pb, uint64_t port, uint16_t v)
{
	out(pb, port, v, 2);
}

void pb_out32(struct port_bus *pb, uint64_t port, uint32_t v)
{
	out(pb, port, v, 4);
}
