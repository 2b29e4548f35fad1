// SPDX-License-Identifier: BSD-3-Clause
/* VM exit counters (exit_stats.h). */
#include "vm/exit_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/macros.h"

static void add(struct exit_addr_count *t, uint64_t *other, uint64_t addr, uint64_t n)
{
	/* Open addressing; addr + 1 so that address 0 is a key too (0 marks a free slot). */
	unsigned h = (unsigned)((addr * 0x9e3779b97f4a7c15ull) >> 57) % EXIT_ADDR_SLOTS;

	for (unsigned i = 0; i < EXIT_ADDR_SLOTS; i++, h = (h + 1) % EXIT_ADDR_SLOTS) {
		if (t[h].addr == addr + 1) {
			t[h].n += n;
			return;
		}
		if (!t[h].addr) {
			t[h] = (struct exit_addr_count){addr + 1, n};
			return;
		}
	}
	*other += n;
}

void exit_stats_count(struct exit_stats *s, const struct kvm_run *run)
{
	if (run->exit_reason < EXIT_REASONS)
		s->reason[run->exit_reason]++;
	if (run->exit_reason == KVM_EXIT_IO)
		add(s->io, &s->io_other, run->io.port, 1);
	else if (run->exit_reason == KVM_EXIT_MMIO)
		add(s->mmio, &s->mmio_other, run->mmio.phys_addr & ~0xfffull, 1);
}

static const char *reason_name(unsigned r)
{
	switch (r) {
	case KVM_EXIT_IO:
		return "io";
	case KVM_EXIT_MMIO:
		return "mmio";
	case KVM_EXIT_HLT:
		return "hlt";
	case KVM_EXIT_INTR:
		return "intr (signal)";
	case KVM_EXIT_SHUTDOWN:
		return "shutdown";
	case KVM_EXIT_SYSTEM_EVENT:
		return "system event";
	default:
		return NULL;
	}
}

/*
 * Moves the top entries to the front, busiest first. Not qsort: glibc's asks
 * sysconf(_SC_PHYS_PAGES), a sysinfo call that the VMM's seccomp policy (rightly)
 * does not allow, so it killed a sandboxed crosvm at exit.
 */
static void top_first(struct exit_addr_count *t, unsigned n, unsigned top)
{
	for (unsigned i = 0; i < top && i < n; i++) {
		unsigned best = i;
		struct exit_addr_count tmp;

		for (unsigned j = i + 1; j < n; j++)
			if (t[j].n > t[best].n)
				best = j;
		tmp = t[i];
		t[i] = t[best];
		t[best] = tmp;
	}
}

/* The device claiming addr on bus, for the log. */
static const char *claimant(struct bus *bus, uint64_t addr)
{
	const char *name = "(none)";

	pthread_rwlock_rdlock(&bus->lock);
	for (int i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (r->enabled && addr >= r->base && addr - r->base < r->len)
			name = r->name;
	}
	pthread_rwlock_unlock(&bus->lock);
	return name;
}

static void log_top(const char *what, struct exit_addr_count *sum, uint64_t other, struct bus *bus)
{
	char line[1024];
	size_t at = 0;

	top_first(sum, EXIT_ADDR_SLOTS, EXIT_TOP_PRINTED);
	for (unsigned i = 0; i < EXIT_TOP_PRINTED && sum[i].n && at < sizeof(line); i++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%#llx %s %llu",
				       i ? ", " : "", (unsigned long long)(sum[i].addr - 1),
				       claimant(bus, sum[i].addr - 1),
				       (unsigned long long)sum[i].n);
	if (at)
		log_debug("exits by %s: %s%s", what, line,
			  other ? " (more not counted apart)" : "");
}

void exit_stats_add(struct exit_stats *sum, const struct exit_stats *s)
{
	for (unsigned r = 0; r < EXIT_REASONS; r++)
		sum->reason[r] += s->reason[r];
	for (unsigned i = 0; i < EXIT_ADDR_SLOTS; i++) {
		if (s->io[i].addr)
			add(sum->io, &sum->io_other, s->io[i].addr - 1, s->io[i].n);
		if (s->mmio[i].addr)
			add(sum->mmio, &sum->mmio_other, s->mmio[i].addr - 1, s->mmio[i].n);
	}
	sum->io_other += s->io_other;
	sum->mmio_other += s->mmio_other;
}

uint64_t exit_stats_at(const struct exit_addr_count *t, uint64_t addr)
{
	for (unsigned i = 0; i < EXIT_ADDR_SLOTS; i++)
		if (t[i].addr == addr + 1)
			return t[i].n;
	return 0;
}

void exit_stats_log(struct exit_stats *sum, struct bus *pio, struct bus *mmio)
{
	char line[512];
	size_t at = 0;
	uint64_t total = 0;

	for (unsigned r = 0; r < EXIT_REASONS; r++) {
		const char *name = reason_name(r);

		total += sum->reason[r];
		if (!sum->reason[r] || at >= sizeof(line))
			continue;
		if (name)
			at += (size_t)snprintf(line + at, sizeof(line) - at, "%s %s %llu",
					       at ? "," : "", name,
					       (unsigned long long)sum->reason[r]);
		else
			at += (size_t)snprintf(line + at, sizeof(line) - at, "%s reason %u %llu",
					       at ? "," : "", r,
					       (unsigned long long)sum->reason[r]);
	}
	log_debug("exits to the VMM: %llu in all:%s", (unsigned long long)total, line);
	log_top("port", sum->io, sum->io_other, pio);
	log_top("MMIO page", sum->mmio, sum->mmio_other, mmio);
}
