/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_ACPI_PM_H
#define CROSVM_DEVICES_ACPI_PM_H

#include <pthread.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/exit.h"
#include "devices/irq.h"

/*
 * ACPI fixed-hardware PM1a event (status + enable) and control blocks. The
 * guest's poweroff writes SLP_TYP=S5 with SLP_EN to PM1a_CNT. The power button
 * is the fixed-feature one: a press sets PWRBTN_STS, and the SCI is raised (a
 * level) while any status bit is set whose enable bit is too.
 */
#define ACPI_PM_BASE	0x600
#define ACPI_PM1_EVT	0x0 /* offset: 2-byte status, 2-byte enable */
#define ACPI_PM1_CNT	0x4 /* offset: 2-byte control */
#define ACPI_PM_LEN	0x8
#define ACPI_S5_SLP_TYP 5
#define ACPI_SCI_IRQ	9
#define ACPI_PWRBTN	0x0100 /* PWRBTN_STS in PM1_STS, PWRBTN_EN in PM1_EN */

struct acpi_pm {
	pthread_mutex_t lock;
	uint8_t regs[ACPI_PM_LEN];
	struct exit_notifier exit;
	struct irq_line sci;
	bool sci_level;
};

extern const struct bus_ops acpi_pm_bus_ops;

void acpi_pm_init(struct acpi_pm *pm, struct exit_notifier exit, struct irq_line sci);
/* A press of the power button (any thread): the guest sees it when it has enabled it. */
void acpi_pm_power_button(struct acpi_pm *pm);

#endif
