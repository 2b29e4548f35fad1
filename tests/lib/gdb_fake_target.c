// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_fake_target.h"

static uint8_t *cpu_regs(struct gdb_fake *f, unsigned cpu)
{
	if (cpu >= f->nr_cpus || cpu >= GDB_FAKE_MAX_CPUS)
		abort();
	return f->regs[cpu];
}

static int get_regs(void *o, unsigned cpu, uint8_t r[GDB_REGS_SIZE])
{
	memcpy(r, cpu_regs(o, cpu), GDB_REGS_SIZE);
	return 0;
}

static int set_regs(void *o, unsigned cpu, const uint8_t r[GDB_REGS_SIZE])
{
	memcpy(cpu_regs(o, cpu), r, GDB_REGS_SIZE);
	return 0;
}

/* The window's offset of [va, va+len), or -EFAULT outside it (no overflow). */
static int64_t window(struct gdb_fake *f, unsigned cpu, uint64_t va, size_t len)
{
	cpu_regs(f, cpu);
	if (len > GDB_MAX_PACKET)
		abort();
	if (va < f->mem_base || len > f->mem_size || va - f->mem_base > f->mem_size - len)
		return -EFAULT;
	return (int64_t)(va - f->mem_base);
}

static int read_mem(void *o, unsigned cpu, uint64_t va, void *buf, size_t len)
{
	struct gdb_fake *f = o;
	int64_t off = window(f, cpu, va, len);

	if (off < 0)
		return (int)off;
	memcpy(buf, f->mem + off, len);
	return 0;
}

static int write_mem(void *o, unsigned cpu, uint64_t va, const void *buf, size_t len)
{
	struct gdb_fake *f = o;
	int64_t off = window(f, cpu, va, len);

	if (off < 0)
		return (int)off;
	memcpy(f->mem + off, buf, len);
	return 0;
}

static int set_debug(void *o, const struct gdb_debug *d)
{
	struct gdb_fake *f = o;

	for (unsigned i = 0; i < GDB_MAX_HW_BP; i++)
		if (d->hw[i].used && d->hw[i].len != 1 && d->hw[i].len != 2 && d->hw[i].len != 4 &&
		    d->hw[i].len != 8)
			abort();
	f->armed = *d;
	f->set_debug_calls++;
	return 0;
}

const struct gdb_target_ops gdb_fake_ops = {
	.get_regs = get_regs,
	.set_regs = set_regs,
	.read_mem = read_mem,
	.write_mem = write_mem,
	.set_debug = set_debug,
};
