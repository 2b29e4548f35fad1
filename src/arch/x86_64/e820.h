/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_E820_H
#define CROSVM_ARCH_X86_64_E820_H

#include <asm/bootparam.h>

#include "memory/guest_memory.h"

#define E820_TYPE_RAM	   1
#define E820_TYPE_RESERVED 2

/* Fills out[] with the guest's memory map; returns the count, or -1 if max is too small. */
int x86_e820_build(const struct guest_memory *gm, struct boot_e820_entry *out, int max);

#endif
