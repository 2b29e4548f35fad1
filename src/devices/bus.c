// SPDX-License-Identifier: BSD-3-Clause
#include "devices/bus.h"

#include <string.h>

void bus_init(struct bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
}

/* Whether [base, base + len) meets an enabled range other than self (NULL: none). */
static bool overlaps(const struct bus *bus, const struct bus_range *self, uint64_t base,
		     uint64_t len)
{
	for (int i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (r != self && r->enabled && base < r->base + r->len && r->base < base + len)
			return true;
	}
	return false;
}

int bus_add(struct bus *bus, uint64_t base, uint64_t len, const char *name,
	    const struct bus_ops *ops, void *opaque)
{
	int r = -1;

	if (len == 0 || base + len < base)
		return -1;
	pthread_rwlock_wrlock(&bus->lock);
	if (bus->nr < BUS_MAX_RANGES && !overlaps(bus, NULL, base, len)) {
		bus->ranges[bus->nr++] = (struct bus_range){base, len, name, ops, opaque, true};
		r = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return r;
}

int bus_move(struct bus *bus, const void *opaque, uint64_t base, bool enabled)
{
	int r = -1;

	pthread_rwlock_wrlock(&bus->lock);
	for (int i = 0; i < bus->nr; i++) {
		struct bus_range *b = &bus->ranges[i];

		if (b->opaque != opaque)
			continue;
		b->base = base;
		r = 0;
		if (base + b->len < base || (enabled && overlaps(bus, b, base, b->len))) {
			enabled = false;
			r = -1;
		}
		b->enabled = enabled;
		break;
	}
	pthread_rwlock_unlock(&bus->lock);
	return r;
}

/* Copies the range out, so the handler runs without the lock. */
static bool lookup(struct bus *bus, uint64_t addr, uint32_t len, struct bus_range *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&bus->lock);
	for (int i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (r->enabled && addr >= r->base && addr - r->base < r->len) {
			found = len <= r->len - (addr - r->base);
			*out = *r;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return found;
}

bool bus_read(struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len)
{
	struct bus_range r;

	if (!lookup(bus, addr, len, &r) || !r.ops->read) {
		memset(data, 0xff, len);
		return false;
	}
	r.ops->read(r.opaque, addr - r.base, data, len);
	return true;
}

bool bus_write(struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len)
{
	struct bus_range r;

	if (!lookup(bus, addr, len, &r) || !r.ops->write)
		return false;
	r.ops->write(r.opaque, addr - r.base, data, len);
	return true;
}
