// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/acpi_pm.h"
#include "port_bus.h"

static struct acpi_pm pm;
static struct port_bus pb;

#define poweroffs pb.exits[VM_EXIT_POWEROFF]

static int setup(void **state)
{
	pb_init(&pb);
	acpi_pm_init(&pm, pb_exit_notifier(&pb));
	pb_add(&pb, 0, ACPI_PM_LEN, &acpi_pm_bus_ops, &pm);
	return 0;
}

static void test_sci_en(void **state)
{
	assert_int_equal(pb_in16(&pb, ACPI_PM1_CNT) & 1, 1);
	pb_out16(&pb, ACPI_PM1_CNT, 0);
	assert_int_equal(pb_in16(&pb, ACPI_PM1_CNT) & 1, 1);
}

static void test_s5(void **state)
{
	/* SLP_TYP without SLP_EN, or another sleep type, does nothing. */
	pb_out16(&pb, ACPI_PM1_CNT, ACPI_S5_SLP_TYP << 10);
	pb_out16(&pb, ACPI_PM1_CNT, (1 << 13) | (3 << 10));
	assert_int_equal(poweroffs, 0);
	pb_out16(&pb, ACPI_PM1_CNT, (1 << 13) | (ACPI_S5_SLP_TYP << 10));
	assert_int_equal(poweroffs, 1);
}

static void test_status_w1c(void **state)
{
	pb_out16(&pb, ACPI_PM1_EVT + 2, 0x0100); /* enable: power button */
	assert_int_equal(pb_in16(&pb, ACPI_PM1_EVT + 2), 0x0100);
	pm.regs[0] = 0x01;
	pb_out16(&pb, ACPI_PM1_EVT, 0x0001);
	assert_int_equal(pb_in16(&pb, ACPI_PM1_EVT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sci_en, setup),
		cmocka_unit_test_setup(test_s5, setup),
		cmocka_unit_test_setup(test_status_w1c, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
