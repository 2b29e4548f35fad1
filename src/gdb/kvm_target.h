/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_KVM_TARGET_H
#define CROSVM_GDB_KVM_TARGET_H

/*
 * gdb_target_ops over KVM vCPU fds and guest memory: registers through
 * KVM_GET/SET_REGS, SREGS and FPU, memory by walking the vCPU's page tables,
 * breakpoints through KVM_SET_GUEST_DEBUG on every vCPU. The vCPUs must be
 * stopped (outside KVM_RUN) while the stub uses it.
 */
#include <stdbool.h>

#include "gdb/stub.h"
#include "memory/guest_memory.h"

struct gdb_kvm_target {
	const int *vcpu_fds;
	unsigned nr_cpus;
	const struct guest_memory *mem;
	int step_cpu; /* the vCPU that single-steps on the next resume, -1 for none */
	struct gdb_debug dbg;
};

extern const struct gdb_target_ops gdb_kvm_target_ops;

/* Re-arms guest debug on every vCPU for the next resume (stepping only step_cpu). */
int gdb_kvm_target_arm(struct gdb_kvm_target *t);

#endif
