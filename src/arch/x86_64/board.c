// SPDX-License-Identifier: BSD-3-Clause
#include "arch/x86_64/board.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/regs.h"
#include "util/log.h"

static const uint16_t serial_ports[SERIAL_PORTS] = X86_COM_PORTS;
static const uint8_t serial_irqs[SERIAL_PORTS] = {4, 3, 4, 3};
static const char *const serial_names[SERIAL_PORTS] = {"COM1", "COM2", "COM3", "COM4"};

static int ioctl_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

int x86_board_init_vm(struct kvm *kvm, char *err, size_t errlen)
{
	struct kvm_pit_config pit = {0};
	uint64_t ident = X86_IDENTITY_MAP;

	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)X86_TSS_ADDR) < 0)
		return ioctl_fail(err, errlen, "KVM_SET_TSS_ADDR");
	if (ioctl(kvm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
		return ioctl_fail(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return ioctl_fail(err, errlen, "KVM_CREATE_IRQCHIP");
	if (ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return ioctl_fail(err, errlen, "KVM_CREATE_PIT2");
	return 0;
}

void x86_board_memory_layout(uint64_t bytes, struct gm_layout *layout)
{
	memset(layout, 0, sizeof(*layout));
	layout->gpa[0] = 0;
	layout->size[0] = bytes < X86_PCI_HOLE_START ? bytes : X86_PCI_HOLE_START;
	layout->nr = 1;
	if (bytes > X86_PCI_HOLE_START) {
		layout->gpa[1] = X86_4G;
		layout->size[1] = bytes - X86_PCI_HOLE_START;
		layout->nr = 2;
	}
}

static void irq_set(void *opaque, unsigned gsi, bool level)
{
	int r = kvm_irq_line(opaque, gsi, level);

	if (r)
		log_warn("KVM_IRQ_LINE %u: %s", gsi, strerror(-r));
}

int x86_legacy_init(struct x86_legacy *b, struct kvm *kvm, struct bus *pio,
		    const struct x86_legacy_config *lc, struct exit_notifier exit,
		    const struct guest_memory *mem)
{
	struct irq_line sci = {irq_set, kvm, ACPI_SCI_IRQ};
	uint64_t low = mem->regions[0].size;
	uint64_t high = mem->nr_regions > 1 ? mem->regions[1].size : 0;
	int r = 0;

	for (int i = 0; i < SERIAL_PORTS; i++) {
		struct irq_line irq = {irq_set, kvm, serial_irqs[i]};

		serial_init(&b->serial[i], serial_names[i], irq, lc->out[i].kind, lc->out[i].fd);
		r |= bus_add(pio, serial_ports[i], 8, serial_names[i], &serial_bus_ops,
			     &b->serial[i]);
	}
	/* Without them (--no-rtc, --no-i8042) their ports read as nothing is there. */
	cmos_init(&b->cmos, low, high);
	if (lc->rtc)
		r |= bus_add(pio, 0x70, 2, "cmos", &cmos_bus_ops, &b->cmos);
	i8042_init(&b->i8042, exit);
	if (lc->i8042)
		r |= bus_add(pio, 0x60, 5, "i8042", &i8042_bus_ops, &b->i8042);
	acpi_pm_init(&b->acpi_pm, exit, sci);
	r |= bus_add(pio, ACPI_PM_BASE, ACPI_PM_LEN, "acpi-pm", &acpi_pm_bus_ops, &b->acpi_pm);
	pci_root_init(&b->pci, exit);
	r |= bus_add(pio, 0xcf8, 8, "pci-root", &pci_root_bus_ops, &b->pci);
	return r ? -1 : 0;
}

/*
 * KVM keeps CPUID leaf 0xD's EBX (the XSAVE area size for the current XCR0)
 * in step with the guest's XSETBV only when XSETBV exits to it, and a nested
 * hypervisor may not intercept it (QEMU 7.2's TCG SVM does not). The guest
 * then reads the size for x87 alone, 576, finds its own sum (2696 for
 * x87|SSE|AVX|PKRU) differs, warns and runs without XSAVE. Starting XCR0
 * at the components the guest will enable makes EBX right from the start;
 * a guest that never sets CR4.OSXSAVE cannot observe XCR0. A kernel that
 * refuses the value leaves the reset XCR0, as before.
 */
static void set_initial_xcr0(int vcpu_fd, uint64_t xcr0)
{
	struct kvm_xcrs xcrs = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = xcr0}}};

	if (xcr0 && ioctl(vcpu_fd, KVM_SET_XCRS, &xcrs) < 0)
		log_debug("vcpu: KVM_SET_XCRS 0x%llx: %s", (unsigned long long)xcr0,
			  strerror(errno));
}

int x86_board_init_vcpu(struct kvm *kvm, int vcpu_fd, unsigned id, unsigned nr,
			const struct x86_entry *entry)
{
	size_t size = sizeof(struct kvm_cpuid2) +
		      kvm->supported_cpuid->nent * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = malloc(size);
	bool tsc_deadline = ioctl(kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	int r = 0;

	if (!cpuid)
		return -ENOMEM;
	memcpy(cpuid, kvm->supported_cpuid, size);
	x86_cpuid_for_vcpu(cpuid, id, nr, tsc_deadline);
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		r = -errno;
	if (!r)
		set_initial_xcr0(vcpu_fd, x86_cpuid_initial_xcr0(cpuid));
	free(cpuid);
	if (!r)
		r = x86_setup_vcpu_common(vcpu_fd);
	/* Only the boot vCPU starts here; the others wait for INIT/SIPI from the guest. */
	if (!r && id == 0)
		r = entry->pvh ? x86_setup_pvh_vcpu(vcpu_fd, entry->rip, X86_PVH_INFO_ADDR)
			       : x86_setup_boot_vcpu(vcpu_fd, entry->rip, X86_ZERO_PAGE_ADDR);
	return r;
}
