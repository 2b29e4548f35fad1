/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_PVH_H
#define CROSVM_ARCH_X86_64_PVH_H

#include <stdint.h>

#include "arch/x86_64/boot_params.h"
#include "memory/guest_memory.h"

/*
 * The PVH boot protocol's start of day (Xen's hvm_start_info, version 1, which
 * Linux's PVH entry reads, also outside Xen): the command line, the initrd as
 * module 0, the RSDP and the memory map. The layouts are Xen's public ABI
 * (xen/include/public/arch-x86/hvm/start_info.h); no installed header has them.
 */
#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type; /* as e820's */
	uint32_t reserved;
};

/* Writes the start info for cfg at X86_PVH_INFO_ADDR (its address for EBX). Returns 0 or -errno. */
int x86_write_pvh_start_info(const struct guest_memory *gm, const struct x86_boot_config *cfg);

#endif
