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
#include "gdb_fake_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR_CPUS	 2
#define MEM_BASE 0xffffffff81000000ull
#define MEM_SIZE 0x2000u

static struct gdb_decoder d, again;
static uint8_t frame[2 * GDB_MAX_PACKET + 4];
static char reply[GDB_MAX_PACKET + 1];
static uint8_t mem[MEM_SIZE];
static struct gdb_fake fake = {
	.nr_cpus = NR_CPUS, .mem_base = MEM_BASE, .mem_size = MEM_SIZE, .mem = mem};
static struct gdb_session s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gdb_decoder_init(&d);
	gdb_session_init(&s, &gdb_fake_ops, &fake, NR_CPUS);
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
