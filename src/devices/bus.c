// SPDX-License-Identifier: BSD-3-Clause
#include "devices/bus.h"

#include <string.h>

int bus_add(struct bus *bus, uint64_t base, uint64_t len, const char *name,
	    const struct bus_ops *ops, void *opaque)
{
	if (bus->nr >= BUS_MAX_RANGES || len == 0 || base + len < base)
		return -1;
	for (int i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (base < r->base + r->len && r->base < base + len)
			return -1;
	}
	bus->ranges[bus->nr++] = (struct bus_range){base, len, name, ops, opaque};
	return 0;
}

static const struct bus_range *lookup(const struct bus *bus, uint64_t addr, uint32_t len)
{
	for (int i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (addr >= r->base && addr - r->base < r->len) {
			if (len > r->len - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

bool bus_read(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len)
{
	const struct bus_range *r = lookup(bus, addr, len);

	if (!r || !r->ops->read) {
		memset(data, 0xff, len);
		return false;
	}
	r->ops->read(r->opaque, addr - r->base, data, len);
	return true;
}

bool bus_write(const struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len)
{
	const struct bus_range *r = lookup(bus, addr, len);

	if (!r || !r->ops->write)
		return false;
	r->ops->write(r->opaque, addr - r->base, data, len);
	return true;
}
