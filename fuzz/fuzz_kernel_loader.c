// SPDX-License-Identifier: BSD-3-Clause
/*
 * kernel_load() on arbitrary bytes (bzImage and ELF64 paths), then initrd_place()
 * for the loaded kernel. Guest memory is small and split in two regions, like a
 * VM with RAM above 4 GiB, so region edges are reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define LOW_SIZE  (8ull << 20)
#define HIGH_GPA  (1ull << 32)
#define HIGH_SIZE (64ull << 10)

static struct guest_memory gm;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gm_layout l = {.nr = 2, .gpa = {0, HIGH_GPA}, .size = {LOW_SIZE, HIGH_SIZE}};

	if (gm_create(&gm, &l))
		abort();
	return 0;
}

static void check_err(const char *err, size_t errlen)
{
	/* Every failure must leave a one-line, terminated reason. */
	if (!memchr(err, '\0', errlen) || !err[0] || strchr(err, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_info ki;
	char err[256];
	uint64_t initrd_size, addr = 0;

	memset(err, 0, sizeof(err));
	if (kernel_load(&gm, data, size, &ki, err, sizeof(err))) {
		check_err(err, sizeof(err));
		return 0;
	}
	/* What the rest of the boot relies on. */
	if (!gm_ptr(&gm, ki.entry, 1) || ki.cmdline_max == 0)
		abort();

	/* The initrd size comes from the image's last bytes (any size up to 4 GiB). */
	initrd_size = 1;
	if (size >= 4) {
		uint32_t v;

		memcpy(&v, data + size - 4, 4);
		initrd_size = v;
	}
	memset(err, 0, sizeof(err));
	if (initrd_place(&gm, &ki, initrd_size, &addr, err, sizeof(err))) {
		check_err(err, sizeof(err));
		return 0;
	}
	/* Placed: page aligned, above the kernel, below its limit, wholly in guest memory. */
	if ((addr & 0xfff) || addr < ki.end || !gm_ptr(&gm, addr, initrd_size) ||
	    addr + initrd_size - 1 > ki.initrd_addr_max)
		abort();
	return 0;
}
