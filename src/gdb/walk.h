/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_WALK_H
#define CROSVM_GDB_WALK_H

/*
 * Guest-virtual to guest-physical translation for the debugger's memory
 * packets: a software walk of the vCPU's page tables (read through the
 * bounds-checked guest-memory API), so it sees what the guest sees without
 * stopping on the first unmapped page.
 */
#include <stdint.h>

#include "memory/guest_memory.h"

/* The control bits that select a paging mode (from KVM_GET_SREGS). */
struct gdb_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/*
 * Translates va. On success stores the physical address in *gpa and how many
 * bytes from va stay in the same page in *left, and returns 0. Returns -EFAULT
 * when va is not mapped (or a table lies outside guest RAM, or va is not
 * canonical), -ENOTSUP for 32-bit non-PAE paging.
 */
int gdb_translate(const struct guest_memory *gm, const struct gdb_paging *pg, uint64_t va,
		  uint64_t *gpa, uint64_t *left);

#endif
