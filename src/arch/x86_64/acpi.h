/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_ACPI_H
#define CROSVM_ARCH_X86_64_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/guest_memory.h"

/*
 * Writes RSDP, XSDT, FADT (+FACS), DSDT (with \_S5) and MADT (one local APIC
 * per vCPU, the IOAPIC, ISA overrides) into the BIOS area at X86_ACPI_ADDR.
 * Without rtc the FADT says there is no CMOS RTC. The power button is the
 * fixed-feature one. Returns 0 and the RSDP's address, or -errno.
 */
int x86_acpi_build(const struct guest_memory *gm, unsigned ncpus, bool rtc, uint64_t *rsdp_addr);

#endif
