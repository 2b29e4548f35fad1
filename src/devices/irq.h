/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_IRQ_H
#define CROSVM_DEVICES_IRQ_H

#include <stdbool.h>

/* An interrupt line as a device sees it: the VM wires it to KVM_IRQ_LINE, tests to a recorder. */
struct irq_line {
	void (*set_level)(void *opaque, unsigned gsi, bool level);
	void *opaque;
	unsigned gsi;
};

static inline void irq_line_set(const struct irq_line *irq, bool level)
{
	if (irq->set_level)
		irq->set_level(irq->opaque, irq->gsi, level);
}

#endif
