// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/acpi_pm.h"

static struct acpi_pm pm;
static int poweroffs;

static void on_exit_req(void *opaque, enum vm_exit_reason r)
{
	if (r == VM_EXIT_POWEROFF)
		poweroffs++;
}

static int setup(void **state)
{
	poweroffs = 0;
	acpi_pm_init(&pm, (struct exit_notifier){on_exit_req, NULL});
	return 0;
}

static uint16_t rd16(unsigned off)
{
	uint8_t b[2];

	acpi_pm_bus_ops.read(&pm, off, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static void wr16(unsigned off, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	acpi_pm_bus_ops.write(&pm, off, b, 2);
}

static void test_sci_en(void **state)
{
	assert_int_equal(rd16(ACPI_PM1_CNT) & 1, 1);
	wr16(ACPI_PM1_CNT, 0);
	assert_int_equal(rd16(ACPI_PM1_CNT) & 1, 1);
}

static void test_s5(void **state)
{
	/* SLP_TYP without SLP_EN, or another sleep type, does nothing. */
	wr16(ACPI_PM1_CNT, ACPI_S5_SLP_TYP << 10);
	wr16(ACPI_PM1_CNT, (1 << 13) | (3 << 10));
	assert_int_equal(poweroffs, 0);
	wr16(ACPI_PM1_CNT, (1 << 13) | (ACPI_S5_SLP_TYP << 10));
	assert_int_equal(poweroffs, 1);
}

static void test_status_w1c(void **state)
{
	wr16(ACPI_PM1_EVT + 2, 0x0100); /* enable: power button */
	assert_int_equal(rd16(ACPI_PM1_EVT + 2), 0x0100);
	pm.regs[0] = 0x01;
	wr16(ACPI_PM1_EVT, 0x0001);
	assert_int_equal(rd16(ACPI_PM1_EVT), 0);
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
