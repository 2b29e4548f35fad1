// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/i8042.h"

static struct i8042 k;
static int resets;

static void on_exit_req(void *opaque, enum vm_exit_reason r)
{
	if (r == VM_EXIT_RESET)
		resets++;
}

static int setup(void **state)
{
	resets = 0;
	i8042_init(&k, (struct exit_notifier){on_exit_req, NULL});
	return 0;
}

static uint8_t rd(unsigned port)
{
	uint8_t v;

	i8042_bus_ops.read(&k, port, &v, 1);
	return v;
}

static void wr(unsigned port, uint8_t v)
{
	i8042_bus_ops.write(&k, port, &v, 1);
}

static void test_self_test(void **state)
{
	assert_int_equal(rd(4) & 0x03, 0); /* nothing to read, input buffer empty */
	wr(4, 0xaa);
	assert_int_equal(rd(4) & 0x01, 1);
	assert_int_equal(rd(0), 0x55);
	assert_int_equal(rd(4) & 0x01, 0);
	wr(4, 0xab);
	assert_int_equal(rd(0), 0x00);
}

static void test_ctr(void **state)
{
	wr(4, 0x60);
	wr(0, 0x61);
	wr(4, 0x20);
	assert_int_equal(rd(0), 0x61);
	wr(4, 0xad);
	wr(4, 0x20);
	assert_int_equal(rd(0) & 0x10, 0x10);
	wr(4, 0xae);
	wr(4, 0x20);
	assert_int_equal(rd(0) & 0x10, 0);
	assert_int_equal(resets, 0);
}

static void test_reset_fe(void **state)
{
	wr(4, 0xfe);
	assert_int_equal(resets, 1);
}

static void test_pulse_other_lines(void **state)
{
	wr(4, 0xff); /* pulses nothing */
	wr(4, 0xfd); /* bit 0 set: not the reset line */
	assert_int_equal(resets, 0);
	wr(4, 0xf0);
	assert_int_equal(resets, 1);
}

static void test_reset_output_port(void **state)
{
	wr(4, 0xd0);
	assert_int_equal(rd(0) & 1, 1);
	wr(4, 0xd1);
	wr(0, 0x03);
	assert_int_equal(resets, 0);
	wr(4, 0xd1);
	wr(0, 0x02);
	assert_int_equal(resets, 1);
}

static void test_keyboard_bytes_ignored(void **state)
{
	wr(0, 0xff); /* to the keyboard, which is absent */
	assert_int_equal(rd(4) & 1, 0);
	assert_int_equal(resets, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_self_test, setup),
		cmocka_unit_test_setup(test_ctr, setup),
		cmocka_unit_test_setup(test_reset_fe, setup),
		cmocka_unit_test_setup(test_pulse_other_lines, setup),
		cmocka_unit_test_setup(test_reset_output_port, setup),
		cmocka_unit_test_setup(test_keyboard_bytes_ignored, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
