// SPDX-License-Identifier: BSD-3-Clause
#include "devices/acpi_pm.h"

#include <string.h>

#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_EN 0x2000

void acpi_pm_init(struct acpi_pm *pm, struct exit_notifier exit, struct irq_line sci)
{
	memset(pm, 0, sizeof(*pm));
	pthread_mutex_init(&pm->lock, NULL);
	pm->exit = exit;
	pm->sci = sci;
	/* There is no SMI command port: the machine is always in ACPI mode. */
	pm->regs[ACPI_PM1_CNT] = PM1_CNT_SCI_EN;
}

static uint16_t reg16(const struct acpi_pm *pm, unsigned off)
{
	return (uint16_t)(pm->regs[off] | pm->regs[off + 1] << 8);
}

/* The SCI follows (status & enable); called with the lock held. */
static void update_sci(struct acpi_pm *pm)
{
	bool level = (reg16(pm, ACPI_PM1_EVT) & reg16(pm, ACPI_PM1_EVT + 2)) != 0;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		irq_line_set(&pm->sci, level);
	}
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->regs[ACPI_PM1_EVT + 1] |= ACPI_PWRBTN >> 8;
	update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	memcpy(data, pm->regs + offset, len);
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct acpi_pm *pm = opaque;
	uint16_t cnt;

	pthread_mutex_lock(&pm->lock);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t o = offset + i;

		if (o < 2)
			pm->regs[o] &= (uint8_t)~data[i]; /* status bits are write-1-to-clear */
		else
			pm->regs[o] = data[i];
	}
	pm->regs[ACPI_PM1_CNT] |= PM1_CNT_SCI_EN;
	update_sci(pm);
	cnt = reg16(pm, ACPI_PM1_CNT);
	if ((cnt & PM1_CNT_SLP_EN) && ((cnt >> 10) & 7) == ACPI_S5_SLP_TYP) {
		pm->regs[ACPI_PM1_CNT + 1] &= (uint8_t) ~(PM1_CNT_SLP_EN >> 8);
		exit_request(&pm->exit, VM_EXIT_POWEROFF);
	}
	pthread_mutex_unlock(&pm->lock);
}

const struct bus_ops acpi_pm_bus_ops = {acpi_pm_read, acpi_pm_write};
