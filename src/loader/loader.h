/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_LOADER_LOADER_H
#define CROSVM_LOADER_LOADER_H

#include <asm/bootparam.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory/guest_memory.h"

/*
 * What a loaded kernel tells the rest of the boot: where to enter, where it
 * ends, and the limits it puts on the command line and the initrd. The image
 * bytes are untrusted input: every field is checked before use.
 */
struct kernel_info {
	uint64_t entry;
	/*
	 * Entered through the Xen PVH ELF note (XEN_ELFNOTE_PHYS32_ENTRY): 32-bit
	 * protected mode, paging off, EBX = hvm_start_info. Otherwise 64-bit long
	 * mode with RSI = boot_params.
	 */
	bool pvh;
	uint64_t end;	       /* first byte above the kernel's load (and init) area */
	bool has_setup_header; /* bzImage: hdr is valid and goes into boot_params */
	struct setup_header hdr;
	uint64_t initrd_addr_max; /* highest address the initrd may end at (inclusive) */
	uint32_t cmdline_max;	  /* longest command line, without the NUL */
};

enum kernel_format { KERNEL_FORMAT_UNKNOWN, KERNEL_FORMAT_BZIMAGE, KERNEL_FORMAT_ELF };

enum kernel_format kernel_detect(const uint8_t *img, size_t len);
/* Each returns 0, or -1 with a one-line reason in err. */
int bzimage_load(const struct guest_memory *gm, const uint8_t *img, size_t len,
		 struct kernel_info *ki, char *err, size_t errlen);
int elf_load(const struct guest_memory *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
	     char *err, size_t errlen);
int kernel_load(const struct guest_memory *gm, const uint8_t *img, size_t len,
		struct kernel_info *ki, char *err, size_t errlen);

/*
 * Picks the initrd's address: as high as the kernel allows in low RAM, page
 * aligned, above the kernel. Returns 0, or -1 with a reason when it cannot fit.
 */
int initrd_place(const struct guest_memory *gm, const struct kernel_info *ki, uint64_t size,
		 uint64_t *addr, char *err, size_t errlen);

#endif
