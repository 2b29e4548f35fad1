// SPDX-License-Identifier: BSD-3-Clause
#include "arch/x86_64/cpuid.h"

#include <stdint.h>

#define LEAF1_ECX_HYPERVISOR   (1u << 31)
#define LEAF1_EDX_HTT	       (1u << 28)
#define LEAF1_ECX_TSC_DEADLINE (1u << 24)
#define LEAF1_ECX_XSAVE	       (1u << 26)
#define XCR0_X87	       (1ull << 0)
#define XCR0_MPX	       (3ull << 3) /* BNDREGS, BNDCSR */

/* Bits needed to number n items: the APIC ID field width for n cores. */
static unsigned order(unsigned n)
{
	unsigned s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

void x86_cpuid_for_vcpu(struct kvm_cpuid2 *cpuid, unsigned id, unsigned ncpus, bool tsc_deadline)
{
	unsigned core_bits = order(ncpus);

	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* EBX: initial APIC ID [31:24], logical processor count [23:16]. */
			e->ebx = (id << 24) | ((ncpus & 0xff) << 16) | (e->ebx & 0xffff);
			e->ecx |= LEAF1_ECX_HYPERVISOR;
			if (tsc_deadline)
				e->ecx |= LEAF1_ECX_TSC_DEADLINE;
			if (ncpus > 1)
				e->edx |= LEAF1_EDX_HTT;
			else
				e->edx &= ~LEAF1_EDX_HTT;
			break;
		case 4:
			/* Deterministic cache parameters: cores per package - 1 in [31:26]. */
			e->eax = (e->eax & 0x3ff) | ((ncpus - 1) << 26);
			break;
		case 6:
			/* No host power-management features (EPB and friends) in a guest. */
			e->ecx &= ~(1u << 3);
			break;
		case 0xb:
		case 0x1f:
			/* Extended topology: level 0 SMT (1 thread), level 1 core (ncpus). */
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1u << 8) | 0;
			} else if (e->index == 1) {
				e->eax = core_bits;
				e->ebx = ncpus;
				e->ecx = (2u << 8) | 1;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			e->edx = id;
			break;
		case 0x80000008:
			/* AMD: APIC ID core bits [15:12], cores per package - 1 [7:0]. */
			e->ecx = (core_bits << 12) | ((ncpus - 1) & 0xff);
			break;
		case 0x8000001e:
			/* AMD: extended APIC ID; one thread per core, core id = id. */
			e->eax = id;
			e->ebx = id & 0xff;
			e->ecx = 0;
			break;
		default:
			break;
		}
	}
}

uint64_t x86_cpuid_initial_xcr0(const struct kvm_cpuid2 *cpuid)
{
	bool xsave = false;
	uint64_t mask = 0;

	for (uint32_t i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			xsave = e->ecx & LEAF1_ECX_XSAVE;
		else if (e->function == 0xd && e->index == 0)
			mask = e->eax | (uint64_t)e->edx << 32;
	}
	if (!xsave || !(mask & XCR0_X87))
		return 0;
	return mask & ~XCR0_MPX;
}
