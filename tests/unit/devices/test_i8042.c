// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/i8042.h"
#include "port_bus.h"

static struct i8042 k;
static struct port_bus pb;

#define resets pb.exits[VM_EXIT_RESET]

static int setup(void **state)
{
	pb_init(&pb);
	i8042_init(&k, pb_exit_notifier(&pb));
	pb_add(&pb, 0, 5, &i8042_bus_ops, &k);
	return 0;
}

static void test_self_test(void **state)
{
	assert_int_equal(pb_in8(&pb, 4) & 0x03, 0); /* nothing to read, input buffer empty */
	pb_out8(&pb, 4, 0xaa);
	assert_int_equal(pb_in8(&pb, 4) & 0x01, 1);
	assert_int_equal(pb_in8(&pb, 0), 0x55);
	assert_int_equal(pb_in8(&pb, 4) & 0x01, 0);
	pb_out8(&pb, 4, 0xab);
	assert_int_equal(pb_in8(&pb, 0), 0x00);
}

static void test_ctr(void **state)
{
	pb_out8(&pb, 4, 0x60);
	pb_out8(&pb, 0, 0x61);
	pb_out8(&pb, 4, 0x20);
	assert_int_equal(pb_in8(&pb, 0), 0x61);
	pb_out8(&pb, 4, 0xad);
	pb_out8(&pb, 4, 0x20);
	assert_int_equal(pb_in8(&pb, 0) & 0x10, 0x10);
	pb_out8(&pb, 4, 0xae);
	pb_out8(&pb, 4, 0x20);
	assert_int_equal(pb_in8(&pb, 0) & 0x10, 0);
	assert_int_equal(resets, 0);
}

static void test_reset_fe(void **state)
{
	pb_out8(&pb, 4, 0xfe);
	assert_int_equal(resets, 1);
}

static void test_pulse_other_lines(void **state)
{
	pb_out8(&pb, 4, 0xff); /* pulses nothing */
	pb_out8(&pb, 4, 0xfd); /* bit 0 set: not the reset line */
	assert_int_equal(resets, 0);
	pb_out8(&pb, 4, 0xf0);
	assert_int_equal(resets, 1);
}

static void test_reset_output_port(void **state)
{
	pb_out8(&pb, 4, 0xd0);
	assert_int_equal(pb_in8(&pb, 0) & 1, 1);
	pb_out8(&pb, 4, 0xd1);
	pb_out8(&pb, 0, 0x03);
	assert_int_equal(resets, 0);
	pb_out8(&pb, 4, 0xd1);
	pb_out8(&pb, 0, 0x02);
	assert_int_equal(resets, 1);
}

static void test_keyboard_bytes_ignored(void **state)
{
	pb_out8(&pb, 0, 0xff); /* to the keyboard, which is absent */
	assert_int_equal(pb_in8(&pb, 4) & 1, 0);
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
