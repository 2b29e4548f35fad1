// SPDX-License-Identifier: BSD-3-Clause
/* Linux x86 boot protocol (Documentation/arch/x86/boot.rst), 64-bit entry. */
#include "loader/loader.h"

#include <stdio.h>
#include <string.h>

#include "arch/x86_64/layout.h"

#define HDR_OFFSET	0x1f1
#define MIN_VERSION	0x020c /* 2.12: xloadflags says whether a 64-bit entry exists */
#define ENTRY64_OFFSET	0x200
#define DEFAULT_CMDLINE 255

/* The header's sizes against the file: a truncated or corrupt image is refused here. */
static int check_sizes(const struct setup_header *h, size_t payload, char *err, size_t errlen)
{
	/* syssize: the protected-mode part in 16-byte units (the file may carry more). */
	uint64_t sys = (uint64_t)h->syssize * 16;

	if (sys == 0 || sys > payload) {
		snprintf(err, errlen,
			 "bzImage truncated: its header gives %llu bytes of kernel after setup, "
			 "the file has %zu",
			 (unsigned long long)sys, payload);
		return -1;
	}
	/* 2.08+: the compressed payload lies inside the protected-mode part. */
	if ((uint64_t)h->payload_offset + h->payload_length > sys || h->payload_length == 0) {
		snprintf(err, errlen,
			 "bzImage corrupt: its payload (%u bytes at %u) is outside "
			 "the kernel",
			 h->payload_length, h->payload_offset);
		return -1;
	}
	/* 2.10+: the memory it needs to decompress in place, at least the payload. */
	if (h->init_size < sys) {
		snprintf(err, errlen, "bzImage corrupt: init_size %u is smaller than the kernel",
			 h->init_size);
		return -1;
	}
	return 0;
}

int bzimage_load(const struct guest_memory *gm, const uint8_t *img, size_t len,
		 struct kernel_info *ki, char *err, size_t errlen)
{
	struct setup_header *h = &ki->hdr;
	size_t hdr_len, setup_size, payload;
	uint64_t load_end;
	void *dst;

	if (len < 0x202 + 1 || kernel_detect(img, len) != KERNEL_FORMAT_BZIMAGE) {
		snprintf(err, errlen, "not a bzImage");
		return -1;
	}
	/* The header runs to the end of the jump at 0x200, whose target byte is at 0x201. */
	hdr_len = 0x202 + img[0x201] - HDR_OFFSET;
	if (hdr_len > sizeof(*h))
		hdr_len = sizeof(*h);
	if (HDR_OFFSET + hdr_len > len) {
		snprintf(err, errlen, "bzImage truncated inside its setup header");
		return -1;
	}
	memset(h, 0, sizeof(*h));
	memcpy(h, img + HDR_OFFSET, hdr_len);

	if (h->version < MIN_VERSION) {
		snprintf(err, errlen, "bzImage boot protocol %u.%02u is too old (need 2.12)",
			 h->version >> 8, h->version & 0xff);
		return -1;
	}
	if (!(h->loadflags & LOADED_HIGH) || !(h->xloadflags & XLF_KERNEL_64)) {
		snprintf(err, errlen, "bzImage has no 64-bit entry point");
		return -1;
	}
	setup_size = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	if (setup_size >= len) {
		snprintf(err, errlen, "bzImage truncated: no protected-mode kernel after setup");
		return -1;
	}
	payload = len - setup_size;
	if (check_sizes(h, payload, err, errlen))
		return -1;
	/* The kernel decompresses in place: it needs init_size bytes from its load address. */
	load_end = X86_KERNEL_ADDR + (h->init_size > payload ? h->init_size : payload);
	dst = gm_ptr(gm, X86_KERNEL_ADDR, load_end - X86_KERNEL_ADDR);
	if (!dst) {
		snprintf(err, errlen, "kernel needs %llu MiB from 1 MiB up, more than guest memory",
			 (unsigned long long)((load_end - X86_KERNEL_ADDR) >> 20) + 1);
		return -1;
	}
	memcpy(dst, img + setup_size, payload);

	h->code32_start = (uint32_t)X86_KERNEL_ADDR;
	ki->has_setup_header = true;
	ki->entry = X86_KERNEL_ADDR + ENTRY64_OFFSET;
	ki->end = load_end;
	ki->initrd_addr_max = h->initrd_addr_max ? h->initrd_addr_max : 0x37ffffff;
	/* Protocol 2.06+ gives the limit; it excludes the terminating NUL. */
	ki->cmdline_max = h->cmdline_size ? h->cmdline_size : DEFAULT_CMDLINE;
	return 0;
}
