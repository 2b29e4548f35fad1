/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_BOOT_PARAMS_H
#define CROSVM_ARCH_X86_64_BOOT_PARAMS_H

#include <asm/bootparam.h>
#include <stdint.h>

#include "memory/guest_memory.h"

struct x86_boot_config {
	const struct setup_header *hdr; /* from a bzImage, or NULL for an ELF kernel */
	uint64_t cmdline_addr;
	uint32_t cmdline_size; /* bytes including the NUL */
	uint64_t initrd_addr, initrd_size;
	uint64_t rsdp_addr;
};

/* Builds the Linux "zero page" at X86_ZERO_PAGE_ADDR. Returns 0 or -errno. */
int x86_write_boot_params(const struct guest_memory *gm, const struct x86_boot_config *cfg);

#endif
