// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdb/stub.h"
#include "gdb_fake_target.h"

/* Two vCPUs and 64 KiB of "virtual" memory at 0x10000. */
#define MEM_BASE 0x10000u
#define MEM_SIZE 0x10000u

static uint8_t mem[MEM_SIZE];
static struct gdb_fake fake = {
	.nr_cpus = 2, .mem_base = MEM_BASE, .mem_size = MEM_SIZE, .mem = mem};
static struct gdb_session s;
static char reply[GDB_MAX_PACKET + 1];

static enum gdb_action cmd(const char *p)
{
	size_t n;
	enum gdb_action a = gdb_handle(&s, p, strlen(p), reply, sizeof(reply), &n);

	assert_true(n < sizeof(reply));
	assert_int_equal(strlen(reply), n);
	return a;
}

static int setup(void **state)
{
	for (unsigned c = 0; c < 2; c++)
		for (unsigned i = 0; i < GDB_REGS_SIZE; i++)
			fake.regs[c][i] = (uint8_t)(i + c * 7);
	for (unsigned i = 0; i < MEM_SIZE; i++)
		mem[i] = (uint8_t)(i * 3);
	memset(&fake.armed, 0, sizeof(fake.armed));
	fake.set_debug_calls = 0;
	gdb_session_init(&s, &gdb_fake_ops, &fake, 2);
	return 0;
}

static void test_layout(void **state)
{
	unsigned off = 0;

	for (unsigned i = 0; i < GDB_NR_REGS; i++) {
		assert_int_equal(gdb_regs[i].offset, off);
		off += gdb_regs[i].bits / 8;
	}
	assert_int_equal(off, GDB_REGS_SIZE);
	assert_string_equal(gdb_regs[16].name, "rip");
}

static void test_target_xml(void **state)
{
	static char xml[8192];
	size_t n = gdb_target_xml(xml, sizeof(xml));
	char want[64];

	assert_true(n < sizeof(xml));
	assert_non_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	assert_non_null(strstr(xml, "org.gnu.gdb.i386.core"));
	assert_non_null(strstr(xml, "org.gnu.gdb.i386.sse"));
	/* every register with its number, in the order of `g` */
	for (unsigned i = 0; i < GDB_NR_REGS; i++) {
		snprintf(want, sizeof(want), "name=\"%s\" bitsize=\"%u\"", gdb_regs[i].name,
			 gdb_regs[i].bits);
		assert_non_null(strstr(xml, want));
	}
	/* a too-small buffer reports the length it needs */
	assert_int_equal(gdb_target_xml(xml, 10), n);
}

static void test_qxfer_pieces(void **state)
{
	static char xml[8192], got[8192];
	size_t n = gdb_target_xml(xml, sizeof(xml)), have = 0;
	char q[80];

	for (;;) {
		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,100", have);
		cmd(q);
		assert_true(reply[0] == 'm' || reply[0] == 'l');
		memcpy(got + have, reply + 1, strlen(reply + 1));
		have += strlen(reply + 1);
		if (reply[0] == 'l')
			break;
		assert_int_equal(strlen(reply + 1), 0x100);
	}
	assert_int_equal(have, n);
	assert_memory_equal(got, xml, n);
	cmd("qXfer:features:read:other.xml:0,100");
	assert_string_equal(reply, "E00");
	cmd("qXfer:features:read:target.xml:zz");
	assert_string_equal(reply, "E01");
}

static void test_supported_threads(void **state)
{
	cmd("qSupported:multiprocess+;swbreak+;hwbreak+");
	assert_non_null(strstr(reply, "PacketSize=1000"));
	assert_non_null(strstr(reply, "qXfer:features:read+"));
	cmd("qfThreadInfo");
	assert_string_equal(reply, "m1,2");
	cmd("qsThreadInfo");
	assert_string_equal(reply, "l");
	s.stop_cpu = 1;
	cmd("qC");
	assert_string_equal(reply, "QC2");
	cmd("?");
	assert_string_equal(reply, "T05thread:2;");
	assert_int_equal(cmd("Hg3"), GDB_ACT_REPLY);
	assert_string_equal(reply, "E01");
	cmd("Hg2");
	assert_string_equal(reply, "OK");
	assert_int_equal(s.g_cpu, 1);
	cmd("Hc-1");
	assert_string_equal(reply, "OK");
	cmd("T1");
	assert_string_equal(reply, "OK");
	cmd("T9");
	assert_string_equal(reply, "E01");
}

static void test_registers(void **state)
{
	char hex[2 * GDB_REGS_SIZE + 2];
	char pkt[2 * GDB_REGS_SIZE + 4];

	/* g carries the registers up to mxcsr; the control registers follow only in p */
	cmd("g");
	gdb_hex_encode(fake.regs[0], GDB_G_SIZE, hex);
	hex[2 * GDB_G_SIZE] = 0;
	assert_string_equal(reply, hex);
	assert_int_equal(gdb_regs[GDB_G_REGS].offset, GDB_G_SIZE);
	/* rip is register 0x10 at offset 128 */
	cmd("p10");
	gdb_hex_encode(fake.regs[0] + 128, 8, hex);
	hex[16] = 0;
	assert_string_equal(reply, hex);
	cmd("P10=efbeadde00000000");
	assert_string_equal(reply, "OK");
	assert_int_equal(fake.regs[0][128], 0xef);
	assert_int_equal(fake.regs[0][131], 0xde);
	cmd("P10=efbe");
	assert_string_equal(reply, "E01");
	/* cr3 is register 0x3d, past the end of g */
	assert_string_equal(gdb_regs[0x3d].name, "cr3");
	cmd("p3d");
	gdb_hex_encode(fake.regs[0] + gdb_regs[0x3d].offset, 8, hex);
	hex[16] = 0;
	assert_string_equal(reply, hex);
	cmd("P40=010d000000000000");
	assert_string_equal(reply, "OK");
	assert_int_equal(fake.regs[0][GDB_REGS_SIZE - 8], 0x01);
	assert_int_equal(fake.regs[0][GDB_REGS_SIZE - 7], 0x0d);
	cmd("p41");
	assert_string_equal(reply, "E01");
	/* G writes the g part of the Hg vCPU's file and leaves the control registers */
	cmd("Hg2");
	memset(hex, 'a', 2 * GDB_G_SIZE);
	hex[2 * GDB_G_SIZE] = 0;
	snprintf(pkt, sizeof(pkt), "G%s", hex);
	cmd(pkt);
	assert_string_equal(reply, "OK");
	assert_int_equal(fake.regs[1][0], 0xaa);
	assert_int_equal(fake.regs[1][GDB_G_SIZE - 1], 0xaa);
	assert_int_equal(fake.regs[1][GDB_G_SIZE], (uint8_t)(GDB_G_SIZE + 7));
	assert_int_equal(fake.regs[0][0], 0);
	cmd("G00");
	assert_string_equal(reply, "E01");
	memset(hex, 'a', 2 * GDB_REGS_SIZE);
	hex[2 * GDB_REGS_SIZE] = 0;
	snprintf(pkt, sizeof(pkt), "G%s", hex);
	cmd(pkt);
	assert_string_equal(reply, "E01");
}

static void test_memory(void **state)
{
	cmd("m10002,3");
	assert_string_equal(reply, "06090c");
	cmd("m100,4");
	assert_string_equal(reply, "E14");
	cmd("m10000");
	assert_string_equal(reply, "E01");
	cmd("M10000,2:abcd");
	assert_string_equal(reply, "OK");
	assert_int_equal(mem[0], 0xab);
	assert_int_equal(mem[1], 0xcd);
	cmd("M10000,2:ab");
	assert_string_equal(reply, "E01");
	cmd("M1,1:00");
	assert_string_equal(reply, "E14");
	/* X carries raw bytes, including a NUL */
	const char x[] = "X10010,3:a\0z";
	size_t n;

	gdb_handle(&s, x, sizeof(x) - 1, reply, sizeof(reply), &n);
	assert_string_equal(reply, "OK");
	assert_memory_equal(mem + 0x10, "a\0z", 3);
	/* an oversized read is cut to what a reply holds */
	cmd("m10000,ffff");
	assert_true(strlen(reply) <= GDB_MAX_PACKET);
}

static void test_sw_breakpoints(void **state)
{
	cmd("Z0,10020,1");
	assert_string_equal(reply, "OK");
	assert_int_equal(mem[0x20], 0xcc);
	assert_true(fake.armed.sw_bp);
	assert_true(gdb_is_sw_bp(&s, 0x10020));
	/* memory reads see the int3; removing it restores the byte */
	cmd("z0,10020,1");
	assert_string_equal(reply, "OK");
	assert_int_equal(mem[0x20], (uint8_t)(0x20 * 3));
	assert_false(fake.armed.sw_bp);
	cmd("z0,10020,1");
	assert_string_equal(reply, "E01");
	cmd("Z0,5,1");
	assert_string_equal(reply, "E01");
	/* detach takes out what is still planted */
	cmd("Z0,10030,1");
	assert_int_equal(cmd("D"), GDB_ACT_DETACH);
	assert_string_equal(reply, "OK");
	assert_int_equal(mem[0x30], (uint8_t)(0x30 * 3));
	assert_false(fake.armed.sw_bp);
}

static void test_hw_breakpoints(void **state)
{
	cmd("Z1,ffffffff81000000,1");
	assert_string_equal(reply, "OK");
	assert_true(fake.armed.hw[0].used);
	assert_int_equal(fake.armed.hw[0].type, GDB_HW_EXEC);
	cmd("Z2,ffffffff82000008,8");
	assert_string_equal(reply, "OK");
	assert_int_equal(fake.armed.hw[1].type, GDB_HW_WRITE);
	assert_int_equal(fake.armed.hw[1].len, 8);
	cmd("Z3,1000,4");
	cmd("Z4,2000,2");
	assert_int_equal(fake.armed.hw[3].type, GDB_HW_ACCESS);
	/* a fifth does not fit in DR0-DR3 */
	cmd("Z1,3000,1");
	assert_string_equal(reply, "E01");
	/* misaligned or odd lengths */
	cmd("z4,2000,2");
	cmd("Z2,1001,4");
	assert_string_equal(reply, "E01");
	cmd("Z2,1000,3");
	assert_string_equal(reply, "E01");
	cmd("z2,ffffffff82000008,8");
	assert_string_equal(reply, "OK");
	assert_false(fake.armed.hw[1].used);
	cmd("Z5,0,1");
	assert_string_equal(reply, "");
}

static void test_resume(void **state)
{
	assert_int_equal(cmd("c"), GDB_ACT_CONTINUE);
	assert_int_equal(cmd("s"), GDB_ACT_STEP);
	assert_int_equal(cmd("vCont?"), GDB_ACT_REPLY);
	assert_string_equal(reply, "vCont;c;C;s;S");
	assert_int_equal(cmd("vCont;c"), GDB_ACT_CONTINUE);
	assert_int_equal(cmd("vCont;s:2;c"), GDB_ACT_STEP);
	assert_int_equal(s.run_cpu, 1);
	assert_false(s.step_alone);
	/* gdb's step over a breakpoint: no other vCPU may run past it meanwhile */
	assert_int_equal(cmd("vCont;s:1"), GDB_ACT_STEP);
	assert_int_equal(s.run_cpu, 0);
	assert_true(s.step_alone);
	assert_int_equal(cmd("vCont;s:2;c:1"), GDB_ACT_STEP);
	assert_false(s.step_alone);
	assert_int_equal(cmd("vCont;x"), GDB_ACT_REPLY);
	assert_string_equal(reply, "E01");
	assert_int_equal(cmd("vCont;s:7"), GDB_ACT_REPLY);
	assert_int_equal(cmd("k"), GDB_ACT_KILL);
	/* c ADDR moves rip first */
	assert_int_equal(cmd("c10040"), GDB_ACT_CONTINUE);
	assert_int_equal(fake.regs[0][128], 0x40);
	assert_int_equal(fake.regs[0][129], 0x00);
	assert_int_equal(fake.regs[0][130], 0x01);
}

static void test_unknown_and_stop_replies(void **state)
{
	cmd("qOffsets");
	assert_string_equal(reply, "");
	cmd("vMustReplyEmpty");
	assert_string_equal(reply, "");
	cmd("!");
	assert_string_equal(reply, "");
	s.stop_cpu = 0;
	s.stop_reason = GDB_STOP_SWBREAK;
	cmd("?");
	assert_string_equal(reply, "T05thread:1;swbreak:;");
	s.stop_reason = GDB_STOP_WATCH;
	s.stop_addr = 0xffffffff82000008ull;
	cmd("?");
	assert_string_equal(reply, "T05thread:1;watch:ffffffff82000008;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout, setup),
		cmocka_unit_test_setup(test_target_xml, setup),
		cmocka_unit_test_setup(test_qxfer_pieces, setup),
		cmocka_unit_test_setup(test_supported_threads, setup),
		cmocka_unit_test_setup(test_registers, setup),
		cmocka_unit_test_setup(test_memory, setup),
		cmocka_unit_test_setup(test_sw_breakpoints, setup),
		cmocka_unit_test_setup(test_hw_breakpoints, setup),
		cmocka_unit_test_setup(test_resume, setup),
		cmocka_unit_test_setup(test_unknown_and_stop_replies, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
