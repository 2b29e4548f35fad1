// SPDX-License-Identifier: BSD-3-Clause
#include "loader/loader.h"

#include <stdio.h>

#define PAGE_MASK 0xfffull

int initrd_place(const struct guest_memory *gm, const struct kernel_info *ki, uint64_t size,
		 uint64_t *addr, char *err, size_t errlen)
{
	uint64_t top = gm_region_end(gm, 0);
	uint64_t at;

	/* Stay in the low RAM region and below what the kernel can address. */
	if (ki->initrd_addr_max < UINT64_MAX && top > ki->initrd_addr_max + 1)
		top = ki->initrd_addr_max + 1;
	if (size == 0 || size > top ||
	    ((top - size) & ~PAGE_MASK) < ((ki->end + PAGE_MASK) & ~PAGE_MASK)) {
		snprintf(err, errlen,
			 "initrd (%llu KiB) does not fit in guest memory between the kernel's end "
			 "(%#llx) and %#llx; raise --mem",
			 (unsigned long long)(size >> 10), (unsigned long long)ki->end,
			 (unsigned long long)top);
		return -1;
	}
	at = (top - size) & ~PAGE_MASK;
	if (!gm_ptr(gm, at, size)) {
		snprintf(err, errlen, "initrd does not fit in guest memory");
		return -1;
	}
	*addr = at;
	return 0;
}
