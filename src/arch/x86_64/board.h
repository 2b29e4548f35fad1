/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_BOARD_H
#define CROSVM_ARCH_X86_64_BOARD_H

/*
 * The x86 board: what KVM needs set up for an x86 guest (TSS, identity map,
 * in-kernel irqchip and PIT), the memory layout around the PCI hole, the
 * legacy devices at their usual ports and IRQs, and each vCPU's CPUID and
 * entry state.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "devices/cmos.h"
#include "devices/exit.h"
#include "devices/i8042.h"
#include "devices/pci/pci_root.h"
#include "devices/serial.h"
#include "kvm/kvm.h"
#include "memory/guest_memory.h"

/* After KVM_CREATE_VM: TSS, identity map, irqchip, PIT. 0, or -1 with err. */
int x86_board_init_vm(struct kvm *kvm, char *err, size_t errlen);

/* Guest RAM of bytes: below the PCI hole, the rest above 4 GiB. */
void x86_board_memory_layout(uint64_t bytes, struct gm_layout *layout);

/* How each COM port's output goes out (chosen by the VM from its config). */
struct x86_serial_out {
	enum serial_out_kind kind;
	int fd;
};

/* Which legacy devices there are, and where the COM ports' output goes. */
struct x86_legacy_config {
	struct x86_serial_out out[SERIAL_PORTS];
	bool rtc, i8042;
};

/* The legacy devices, owned by the VM. */
struct x86_legacy {
	struct serial serial[SERIAL_PORTS];
	struct cmos cmos;
	struct i8042 i8042;
	struct acpi_pm acpi_pm;
	struct pci_root pci;
};

/* Sets up and maps the legacy devices on pio; their IRQs (and the ACPI SCI) go to kvm. 0 or -1. */
int x86_legacy_init(struct x86_legacy *b, struct kvm *kvm, struct bus *pio,
		    const struct x86_legacy_config *lc, struct exit_notifier exit,
		    const struct guest_memory *mem);

/* Where the boot vCPU starts: long mode with boot_params, or PVH's 32-bit entry. */
struct x86_entry {
	uint64_t rip;
	bool pvh;
};

/* CPUID with the topology of nr vCPUs, and (vCPU 0 only) the boot entry state. 0 or -errno. */
int x86_board_init_vcpu(struct kvm *kvm, int vcpu_fd, unsigned id, unsigned nr,
			const struct x86_entry *entry);

#endif
