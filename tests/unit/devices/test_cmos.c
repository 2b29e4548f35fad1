// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/cmos.h"

static struct cmos c;

/* 2026-11-26 15:04:05 UTC, a Thursday. */
static time_t fixed_now(void)
{
	return 1795705445;
}

static uint8_t reg(uint8_t idx)
{
	uint8_t v;

	cmos_bus_ops.write(&c, 0, &idx, 1);
	cmos_bus_ops.read(&c, 1, &v, 1);
	return v;
}

static void set(uint8_t idx, uint8_t v)
{
	cmos_bus_ops.write(&c, 0, &idx, 1);
	cmos_bus_ops.write(&c, 1, &v, 1);
}

static int setup(void **state)
{
	cmos_init(&c, 3ull << 30, 1ull << 30);
	c.now = fixed_now;
	return 0;
}

static void test_bcd(void **state)
{
	assert_int_equal(reg(0x00), 0x05);
	assert_int_equal(reg(0x02), 0x04);
	assert_int_equal(reg(0x04), 0x15);
	assert_int_equal(reg(0x06), 0x05); /* Thursday = 5 */
	assert_int_equal(reg(0x07), 0x26);
	assert_int_equal(reg(0x08), 0x11);
	assert_int_equal(reg(0x09), 0x26);
	assert_int_equal(reg(0x32), 0x20);
}

static void test_binary_and_12h(void **state)
{
	set(0x0b, 0x04); /* binary, 12-hour */
	assert_int_equal(reg(0x07), 26);
	assert_int_equal(reg(0x04), 0x80 | 3); /* 3 PM */
	set(0x0b, 0x00);		       /* BCD, 12-hour */
	assert_int_equal(reg(0x04), 0x83);
	set(0x0b, 0x06);
	assert_int_equal(reg(0x04), 15);
	assert_int_equal(reg(0x0b), 0x06);
}

static void test_status_regs(void **state)
{
	assert_int_equal(reg(0x0a) & 0x80, 0); /* never update-in-progress */
	assert_int_equal(reg(0x0d), 0x80);     /* valid RAM and time */
	set(0x0d, 0);
	assert_int_equal(reg(0x0d), 0x80);
	assert_int_equal(reg(0x0c), 0);
	/* Writes to the clock do not change it; NMI bit in the index is ignored. */
	set(0x00, 0x59);
	assert_int_equal(reg(0x80), 0x05);
	/* Plain CMOS RAM keeps what is written. */
	set(0x40, 0xab);
	assert_int_equal(reg(0x40), 0xab);
}

static void test_memory_bytes(void **state)
{
	/* 3 GiB below 4G: (3G - 16M) / 64K = 0xbf00; above 4G: 1G / 64K = 0x4000. */
	assert_int_equal(reg(0x34) | reg(0x35) << 8, 0xbf00);
	assert_int_equal(reg(0x5b) | reg(0x5c) << 8 | reg(0x5d) << 16, 0x4000);
	assert_int_equal(reg(0x17) | reg(0x18) << 8, 0xffff);
	assert_int_equal(reg(0x15) | reg(0x16) << 8, 640);
}

static void test_small_memory(void **state)
{
	cmos_init(&c, 64ull << 20, 0);
	assert_int_equal(reg(0x17) | reg(0x18) << 8, 63 * 1024);
	assert_int_equal(reg(0x34) | reg(0x35) << 8, (48 << 20) >> 16);
	assert_int_equal(reg(0x5b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bcd, setup),
		cmocka_unit_test_setup(test_binary_and_12h, setup),
		cmocka_unit_test_setup(test_status_regs, setup),
		cmocka_unit_test_setup(test_memory_bytes, setup),
		cmocka_unit_test_setup(test_small_memory, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
