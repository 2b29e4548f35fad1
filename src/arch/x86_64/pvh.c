// SPDX-License-Identifier: BSD-3-Clause
/* The PVH start info: what boot_params is to the 64-bit entry, for the PVH entry. */
#include "arch/x86_64/pvh.h"

#include <errno.h>
#include <string.h>

#include "arch/x86_64/e820.h"
#include "arch/x86_64/layout.h"

/* One page at X86_PVH_INFO_ADDR: the start info, module 0, then the memory map. */
#define MODLIST_OFF 0x40
#define MEMMAP_OFF  0x80
#define MEMMAP_MAX  64

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is Xen's ABI");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entries are Xen's ABI");
_Static_assert(MEMMAP_OFF + MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <= 0x1000,
	       "the start info fits its page");

int x86_write_pvh_start_info(const struct guest_memory *gm, const struct x86_boot_config *cfg)
{
	struct boot_e820_entry e820[MEMMAP_MAX];
	struct hvm_memmap_table_entry map[MEMMAP_MAX];
	struct hvm_start_info si = {
		.magic = HVM_START_MAGIC,
		.version = 1,
		.cmdline_paddr = cfg->cmdline_addr,
		.rsdp_paddr = cfg->rsdp_addr,
		.memmap_paddr = X86_PVH_INFO_ADDR + MEMMAP_OFF,
	};
	int n = x86_e820_build(gm, e820, MEMMAP_MAX);

	if (n < 0)
		return -E2BIG;
	for (int i = 0; i < n; i++)
		map[i] = (struct hvm_memmap_table_entry){e820[i].addr, e820[i].size, e820[i].type,
							 0};
	si.memmap_entries = (uint32_t)n;
	if (cfg->initrd_size) {
		struct hvm_modlist_entry m = {cfg->initrd_addr, cfg->initrd_size, 0, 0};

		si.nr_modules = 1;
		si.modlist_paddr = X86_PVH_INFO_ADDR + MODLIST_OFF;
		if (gm_write(gm, si.modlist_paddr, &m, sizeof(m)))
			return -EFAULT;
	}
	if (gm_write(gm, si.memmap_paddr, map, (size_t)n * sizeof(map[0])) ||
	    gm_write(gm, X86_PVH_INFO_ADDR, &si, sizeof(si)))
		return -EFAULT;
	return 0;
}
