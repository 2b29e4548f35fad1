/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_ACPI_PM_H
#define CROSVM_DEVICES_ACPI_PM_H

#include <pthread.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/exit.h"

/*
 * ACPI fixed-hardware PM1a event (status + enable) and control blocks. The
 * guest's poweroff writes SLP_TYP=S5 with SLP_EN to PM1a_CNT.
 */
#define ACPI_PM_BASE	0x600
#define ACPI_PM1_EVT	0x0 /* offset: 2-byte status, 2-byte enable */
#define ACPI_PM1_CNT	0x4 /* offset: 2-byte control */
#define ACPI_PM_LEN	0x8
#define ACPI_S5_SLP_TYP 5
#define ACPI_SCI_IRQ	9

struct acpi_pm {
	pthread_mutex_t lock;
	uint8_t regs[ACPI_PM_LEN];
	struct exit_notifier exit;
};

extern const struct bus_ops acpi_pm_bus_ops;

void acpi_pm_init(struct acpi_pm *pm, struct exit_notifier exit);

#endif
