/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_REGS_H
#define CROSVM_ARCH_X86_64_REGS_H

#include <stdint.h>

#include "memory/guest_memory.h"

/* Writes the boot GDT and identity-mapped page tables (low 4 GiB) into guest memory. */
int x86_write_boot_tables(const struct guest_memory *gm);

/* MSRs, FPU and local APIC LINT setup that every vCPU gets. */
int x86_setup_vcpu_common(int vcpu_fd);
/* The boot vCPU: 64-bit long mode at entry, RSI = boot_params. */
int x86_setup_boot_vcpu(int vcpu_fd, uint64_t entry, uint64_t boot_params);
/* The boot vCPU for the PVH entry: 32-bit protected mode, paging off, EBX = start_info. */
int x86_setup_pvh_vcpu(int vcpu_fd, uint64_t entry, uint64_t start_info);
/* Logs the general and segment registers (after a crash). */
void x86_log_regs(int vcpu_fd, unsigned id);

#endif
