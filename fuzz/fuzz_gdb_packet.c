// SPDX-License-Identifier: BSD-3-Clause
/*
 * The GDB packet decoder and command set fed a byte stream as a debugger (or
 * anything that connects to the port) could send it. The decoder must never
 * hold more than its bound, every packet it accepts must encode back to a frame
 * that decodes to the same payload, and every command must answer within the
 * reply buffer, touching the (fake) target only inside what it reported.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"
#include "gdb/stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR_CPUS	 2
#define MEM_BASE 0xffffffff81000000ull
#define MEM_SIZE 0x2000u

static struct gdb_decoder d, again;
static uint8_t frame[2 * GDB_MAX_PACKET + 4];
static char reply[GDB_MAX_PACKET + 1];
static uint8_t regs[NR_CPUS][GDB_REGS_SIZE];
static uint8_t mem[MEM_SIZE];
static struct gdb_session s;

static int get_regs(void *o, unsigned cpu, uint8_t r[GDB_REGS_SIZE])
{
	if (cpu >= NR_CPUS)
		abort();
	memcpy(r, regs[cpu], GDB_REGS_SIZE);
	return 0;
}

static int set_regs(void *o, unsigned cpu, const uint8_t r[GDB_REGS_SIZE])
{
	if (cpu >= NR_CPUS)
		abort();
	memcpy(regs[cpu], r, GDB_REGS_SIZE);
	return 0;
}

static int in_mem(uint64_t va, size_t len)
{
	return va >= MEM_BASE && len <= MEM_SIZE && va - MEM_BASE <= MEM_SIZE - len;
}

static int read_mem(void *o, unsigned cpu, uint64_t va, void *buf, size_t len)
{
	if (cpu >= NR_CPUS || len > GDB_MAX_PACKET)
		abort();
	if (!in_mem(va, len))
		return -EFAULT;
	memcpy(buf, mem + (va - MEM_BASE), len);
	return 0;
}

static int write_mem(void *o, unsigned cpu, uint64_t va, const void *buf, size_t len)
{
	if (cpu >= NR_CPUS || len > GDB_MAX_PACKET)
		abort();
	if (!in_mem(va, len))
		return -EFAULT;
	memcpy(mem + (va - MEM_BASE), buf, len);
	return 0;
}

static int set_debug(void *o, const struct gdb_debug *dbg)
{
	for (unsigned i = 0; i < GDB_MAX_HW_BP; i++)
		if (dbg->hw[i].used && dbg->hw[i].len != 1 && dbg->hw[i].len != 2 &&
		    dbg->hw[i].len != 4 && dbg->hw[i].len != 8)
			abort();
	return 0;
}

static const struct gdb_target_ops ops = {
	.get_regs = get_regs,
	.set_regs = set_regs,
	.read_mem = read_mem,
	.write_mem = write_mem,
	.set_debug = set_debug,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gdb_decoder_init(&d);
	gdb_session_init(&s, &ops, NULL, NR_CPUS);
	memset(mem, 0x90, sizeof(mem));
	for (size_t i = 0; i < size; i++) {
		enum gdb_event e = gdb_decoder_feed(&d, data[i]);
		enum gdb_event last = GDB_EV_NONE;
		size_t rlen;
		int n;

		if (d.len > GDB_MAX_PACKET)
			abort();
		if (e != GDB_EV_PACKET)
			continue;
		n = gdb_encode(d.buf, d.len, frame, sizeof(frame));
		if (n < 0)
			abort(); /* the worst case (all escaped) fits */
		gdb_decoder_init(&again);
		for (int k = 0; k < n; k++)
			last = gdb_decoder_feed(&again, frame[k]);
		if (last != GDB_EV_PACKET || again.len != d.len || memcmp(again.buf, d.buf, d.len))
			abort();
		gdb_handle(&s, (const char *)d.buf, d.len, reply, sizeof(reply), &rlen);
		if (rlen >= sizeof(reply) || s.g_cpu >= NR_CPUS || s.run_cpu >= NR_CPUS ||
		    s.nr_sw > GDB_MAX_SW_BP)
			abort();
	}
	return 0;
}
