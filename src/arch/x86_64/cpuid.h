/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_CPUID_H
#define CROSVM_ARCH_X86_64_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>

/*
 * Adjusts a copy of KVM's supported CPUID for one vCPU: its APIC ID and a
 * topology of one socket with ncpus single-thread cores. tsc_deadline: KVM
 * emulates the TSC-deadline timer (KVM_CAP_TSC_DEADLINE_TIMER), which its
 * supported-CPUID list never reports by itself.
 */
void x86_cpuid_for_vcpu(struct kvm_cpuid2 *cpuid, unsigned id, unsigned ncpus, bool tsc_deadline);

#endif
