// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdbool.h>

#include "gdb/walk.h"

#define CR0_PG	   (1ull << 31)
#define CR4_PAE	   (1ull << 5)
#define CR4_LA57   (1ull << 12)
#define EFER_LMA   (1ull << 10)
#define PTE_P	   (1ull << 0)
#define PTE_PS	   (1ull << 7)
#define PTE_ADDR   0x000ffffffffff000ull
#define PAE_PDPT_A 0x00000000ffffffe0ull /* PAE CR3: a 32-byte aligned table below 4G */

int gdb_translate(const struct guest_memory *gm, const struct gdb_paging *pg, uint64_t va,
		  uint64_t *gpa, uint64_t *left)
{
	uint64_t table;
	int level;
	bool longmode;

	if (!(pg->cr0 & CR0_PG)) {
		*gpa = va;
		*left = 4096 - (va & 4095);
		return 0;
	}
	if (!(pg->cr4 & CR4_PAE))
		return -ENOTSUP;
	longmode = pg->efer & EFER_LMA;
	if (longmode) {
		int bits = pg->cr4 & CR4_LA57 ? 57 : 48;
		int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);

		if ((uint64_t)s != va) /* non-canonical: no walk maps it */
			return -EFAULT;
		level = pg->cr4 & CR4_LA57 ? 5 : 4;
		table = pg->cr3 & PTE_ADDR;
	} else {
		va &= 0xffffffffull;
		level = 3;
		table = pg->cr3 & PAE_PDPT_A;
	}
	for (;; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t idx = (va >> shift) & (!longmode && level == 3 ? 3 : 511);
		uint64_t pte;

		if (gm_read(gm, table + idx * 8, &pte, sizeof(pte)))
			return -EFAULT;
		if (!(pte & PTE_P))
			return -EFAULT;
		/* 1G pages exist only in long mode; a PAE PDPTE's bit 7 is reserved. */
		if (level == 1 || ((level == 2 || (level == 3 && longmode)) && (pte & PTE_PS))) {
			uint64_t size = 1ull << shift;

			*gpa = (pte & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			*left = size - (va & (size - 1));
			return 0;
		}
		table = pte & PTE_ADDR;
	}
}
