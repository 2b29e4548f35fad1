// SPDX-License-Identifier: BSD-3-Clause
#include "arch/x86_64/boot_params.h"

#include <errno.h>
#include <string.h>

#include "arch/x86_64/e820.h"
#include "arch/x86_64/layout.h"

#define HDR_MAGIC	  0x53726448 /* "HdrS" */
#define LOADER_UNDEFINED  0xff
#define LOADFLAG_CAN_HEAP 0x80
#define HEAP_END_PTR	  0xfe00

int x86_write_boot_params(const struct guest_memory *gm, const struct x86_boot_config *cfg)
{
	static struct boot_params bp;
	int n;

	memset(&bp, 0, sizeof(bp));
	if (cfg->hdr) {
		bp.hdr = *cfg->hdr;
	} else {
		/* An ELF kernel has no header of its own: describe a minimal one. */
		bp.hdr.boot_flag = 0xaa55;
		bp.hdr.header = HDR_MAGIC;
		bp.hdr.kernel_alignment = 0x1000000;
	}
	bp.hdr.type_of_loader = LOADER_UNDEFINED;
	bp.hdr.loadflags |= LOADFLAG_CAN_HEAP;
	bp.hdr.heap_end_ptr = HEAP_END_PTR;
	bp.hdr.cmd_line_ptr = (uint32_t)cfg->cmdline_addr;
	bp.ext_cmd_line_ptr = (uint32_t)(cfg->cmdline_addr >> 32);
	bp.hdr.cmdline_size = cfg->cmdline_size;
	bp.hdr.ramdisk_image = (uint32_t)cfg->initrd_addr;
	bp.hdr.ramdisk_size = (uint32_t)cfg->initrd_size;
	bp.ext_ramdisk_image = (uint32_t)(cfg->initrd_addr >> 32);
	bp.ext_ramdisk_size = (uint32_t)(cfg->initrd_size >> 32);
	bp.acpi_rsdp_addr = cfg->rsdp_addr;

	n = x86_e820_build(gm, bp.e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return -E2BIG;
	bp.e820_entries = (uint8_t)n;
	return gm_write(gm, X86_ZERO_PAGE_ADDR, &bp, sizeof(bp));
}
