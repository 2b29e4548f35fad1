// SPDX-License-Identifier: BSD-3-Clause
#include "arch/x86_64/e820.h"

#include "arch/x86_64/layout.h"

static int add(struct boot_e820_entry *out, int n, int max, uint64_t addr, uint64_t end,
	       uint32_t type)
{
	if (n < 0 || end <= addr)
		return n;
	if (n >= max)
		return -1;
	out[n] = (struct boot_e820_entry){.addr = addr, .size = end - addr, .type = type};
	return n + 1;
}

int x86_e820_build(const struct guest_memory *gm, struct boot_e820_entry *out, int max)
{
	int n = 0;

	for (int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];
		uint64_t end = r->gpa + r->size;

		if (r->gpa == 0) {
			/* Low memory: the EBDA and the BIOS area (ACPI tables) are reserved. */
			n = add(out, n, max, 0, X86_EBDA_START, E820_TYPE_RAM);
			n = add(out, n, max, X86_EBDA_START, 0xa0000, E820_TYPE_RESERVED);
			n = add(out, n, max, X86_ACPI_ADDR, X86_ACPI_END, E820_TYPE_RESERVED);
			n = add(out, n, max, X86_HIGH_MEM_START, end, E820_TYPE_RAM);
		} else {
			n = add(out, n, max, r->gpa, end, E820_TYPE_RAM);
		}
	}
	return n;
}
