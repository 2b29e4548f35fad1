// SPDX-License-Identifier: BSD-3-Clause
#include "loader/loader.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

enum kernel_format kernel_detect(const uint8_t *img, size_t len)
{
	if (len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG))
		return KERNEL_FORMAT_ELF;
	/* Boot sector signature 0xAA55 at 0x1fe and "HdrS" at 0x202. */
	if (len >= 0x206 && img[0x1fe] == 0x55 && img[0x1ff] == 0xaa &&
	    !memcmp(img + 0x202, "HdrS", 4))
		return KERNEL_FORMAT_BZIMAGE;
	return KERNEL_FORMAT_UNKNOWN;
}

int kernel_load(const struct guest_memory *gm, const uint8_t *img, size_t len,
		struct kernel_info *ki, char *err, size_t errlen)
{
	memset(ki, 0, sizeof(*ki));
	switch (kernel_detect(img, len)) {
	case KERNEL_FORMAT_ELF:
		return elf_load(gm, img, len, ki, err, errlen);
	case KERNEL_FORMAT_BZIMAGE:
		return bzimage_load(gm, img, len, ki, err, errlen);
	default:
		snprintf(err, errlen,
			 "not a Linux kernel (neither a bzImage nor an ELF64 vmlinux)");
		return -1;
	}
}
