/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_CPUID_H
#define CROSVM_ARCH_X86_64_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Adjusts a copy of KVM's supported CPUID for one vCPU: its APIC ID and a
 * topology of one socket with ncpus single-thread cores. tsc_deadline: KVM
 * emulates the TSC-deadline timer (KVM_CAP_TSC_DEADLINE_TIMER), which its
 * supported-CPUID list never reports by itself.
 */
void x86_cpuid_for_vcpu(struct kvm_cpuid2 *cpuid, unsigned id, unsigned ncpus, bool tsc_deadline);

/*
 * The XCR0 a vCPU starts with: every user state component the CPUID offers
 * (leaf 0xD.0) but MPX, which Linux no longer enables; 0 without XSAVE. See
 * x86_board_init_vcpu for why it is not the architectural reset value (x87).
 */
uint64_t x86_cpuid_initial_xcr0(const struct kvm_cpuid2 *cpuid);

#endif
