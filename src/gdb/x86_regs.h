/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_X86_REGS_H
#define CROSVM_GDB_X86_REGS_H

/*
 * KVM's x86 vCPU state <-> the flat register file of `g` (gdb/stub.h), and the
 * debug registers for a set of hardware breakpoints. Pure conversions, so the
 * KVM binding only does the ioctls.
 */
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "gdb/stub.h"

void gdb_x86_to_file(const struct kvm_regs *r, const struct kvm_sregs *s, const struct kvm_fpu *f,
		     uint8_t file[GDB_REGS_SIZE]);

/*
 * Writes the file back into r, s and f (read from the vCPU first, so what the
 * file does not carry stays). Segment selectors are not written: a selector
 * without its descriptor would desynchronise the hidden segment state.
 */
void gdb_x86_from_file(const uint8_t file[GDB_REGS_SIZE], struct kvm_regs *r, struct kvm_sregs *s,
		       struct kvm_fpu *f);

/*
 * The KVM_SET_GUEST_DEBUG argument for dbg, single-stepping when step.
 * x86 has no read-only watchpoint: a read watchpoint traps reads and writes.
 */
void gdb_x86_guest_debug(const struct gdb_debug *dbg, bool step, struct kvm_guest_debug *out);

#endif
