// SPDX-License-Identifier: BSD-3-Clause
/*
 * The GDB packet decoder fed a byte stream as a debugger (or anything that
 * connects to the port) could send it. It must never hold more than its bound,
 * and every packet it accepts must encode back to a frame that decodes to the
 * same payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gdb_decoder d, again;
static uint8_t frame[2 * GDB_MAX_PACKET + 4];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gdb_decoder_init(&d);
	for (size_t i = 0; i < size; i++) {
		enum gdb_event e = gdb_decoder_feed(&d, data[i]);
		int n;

		if (d.len > GDB_MAX_PACKET)
			abort();
		if (e != GDB_EV_PACKET)
			continue;
		n = gdb_encode(d.buf, d.len, frame, sizeof(frame));
		if (n < 0)
			abort(); /* the worst case (all escaped) fits */
		gdb_decoder_init(&again);
		enum gdb_event last = GDB_EV_NONE;

		for (int k = 0; k < n; k++)
			last = gdb_decoder_feed(&again, frame[k]);
		if (last != GDB_EV_PACKET || again.len != d.len || memcmp(again.buf, d.buf, d.len))
			abort();
	}
	return 0;
}
