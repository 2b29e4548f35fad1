/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VM_SECCOMP_H
#define CROSVM_VM_SECCOMP_H

#include <stdbool.h>

#include "config.h"

/*
 * The VMM's own filters (beyond crosvm, as Firecracker does): once the VM is
 * built and its devices are in their processes, the main thread runs under
 * main.policy and each vCPU thread under vcpu.policy too.
 */

/* Compiles both filters; returns 0, or -1 with the reason logged. */
int vm_seccomp_prepare(const struct vm_config *cfg);
struct vm;
/*
 * With the sandbox: compiles the VMM's filters and checks every device's
 * policy, before KVM is opened. Returns 0 or EXIT_BAD_INPUT (the file and
 * line logged).
 */
int vm_seccomp_check(const struct vm *vm);
/* The calling (main) thread and the threads it starts from now on; 0 or -errno. */
int vm_seccomp_enter_main(void);
/* A vCPU thread, before its first KVM_RUN (a no-op without vm_seccomp_prepare); 0 or -errno. */
int vm_seccomp_enter_vcpu(void);

#endif
