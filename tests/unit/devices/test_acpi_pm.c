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
static int sci_level, sci_changes;

static void sci_set(void *opaque, unsigned gsi, bool level)
{
	assert_int_equal(gsi, ACPI_SCI_IRQ);
	sci_level = level;
	sci_changes++;
}

#define poweroffs pb.exits[VM_EXIT_POWEROFF]

static int setup(void **state)
{
	pb_init(&pb);
	sci_level = sci_changes = 0;
	acpi_pm_init(&pm, pb_exit_notifier(&pb), (struct irq_line){sci_set, NULL, ACPI_SCI_IRQ});
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

/* A press sets PWRBTN_STS; the SCI is high while it is set and enabled, until the guest clears it.
 */
static void test_power_button(void **state)
{
	/* Not enabled yet (no button driver): the status is set, no SCI. */
	acpi_pm_power_button(&pm);
	assert_int_equal(pb_in16(&pb, ACPI_PM1_EVT), ACPI_PWRBTN);
	assert_int_equal(sci_changes, 0);
	/* The driver enables it with the status still set: the SCI rises then. */
	pb_out16(&pb, ACPI_PM1_EVT + 2, ACPI_PWRBTN);
	assert_int_equal(sci_level, 1);
	/* Writing 0 clears nothing; writing the bit back clears it and lowers the SCI. */
	pb_out16(&pb, ACPI_PM1_EVT, 0);
	assert_int_equal(sci_level, 1);
	pb_out16(&pb, ACPI_PM1_EVT, ACPI_PWRBTN);
	assert_int_equal(pb_in16(&pb, ACPI_PM1_EVT), 0);
	assert_int_equal(sci_level, 0);
	assert_int_equal(sci_changes, 2);
	/* Enabled: a press raises it at once, and a second press keeps it one level. */
	acpi_pm_power_button(&pm);
	assert_int_equal(sci_level, 1);
	acpi_pm_power_button(&pm);
	assert_int_equal(sci_changes, 3);
	/* Disabling it lowers the line with the status still set. */
	pb_out16(&pb, ACPI_PM1_EVT + 2, 0);
	assert_int_equal(sci_level, 0);
	assert_int_equal(pb_in16(&pb, ACPI_PM1_EVT), ACPI_PWRBTN);
	/* Byte writes reach the high byte too. */
	pb_out8(&pb, ACPI_PM1_EVT + 1, ACPI_PWRBTN >> 8);
	assert_int_equal(pb_in16(&pb, ACPI_PM1_EVT), 0);
	assert_int_equal(poweroffs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sci_en, setup),
		cmocka_unit_test_setup(test_s5, setup),
		cmocka_unit_test_setup(test_status_w1c, setup),
		cmocka_unit_test_setup(test_power_button, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
