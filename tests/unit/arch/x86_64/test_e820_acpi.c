// SPDX-License-Identifier: BSD-3-Clause
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/boot_params.h"
#include "arch/x86_64/e820.h"
#include "arch/x86_64/layout.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void test_e820_small(void **state)
{
	struct guest_memory gm;
	struct gm_layout l = {.nr = 1, .gpa = {0}, .size = {256ull << 20}};
	struct boot_e820_entry e[8];
	int n;

	assert_int_equal(gm_create(&gm, &l), 0);
	n = x86_e820_build(&gm, e, 8);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, X86_EBDA_START);
	assert_int_equal(e[0].type, E820_TYPE_RAM);
	assert_int_equal(e[2].type, E820_TYPE_RESERVED);
	assert_int_equal(e[3].addr, 0x100000);
	assert_int_equal(e[3].addr + e[3].size, 256ull << 20);
	assert_int_equal(x86_e820_build(&gm, e, 2), -1);
	gm_destroy(&gm);
}

static void test_e820_above_4g(void **state)
{
	struct guest_memory gm;
	struct gm_layout l = {
		.nr = 2, .gpa = {0, X86_4G}, .size = {X86_PCI_HOLE_START, 1ull << 20}};
	struct boot_e820_entry e[8];
	int n;

	assert_int_equal(gm_create(&gm, &l), 0);
	n = x86_e820_build(&gm, e, 8);
	assert_int_equal(n, 5);
	assert_int_equal(e[3].addr + e[3].size, X86_PCI_HOLE_START);
	assert_int_equal(e[4].addr, X86_4G);
	assert_int_equal(e[4].size, 1ull << 20);
	assert_int_equal(e[4].type, E820_TYPE_RAM);
	gm_destroy(&gm);
}

static const uint8_t *table(struct guest_memory *gm, uint64_t addr, const char *sig)
{
	const uint8_t *t = gm_ptr(gm, addr, 36);
	uint32_t len;

	assert_non_null(t);
	assert_memory_equal(t, sig, 4);
	memcpy(&len, t + 4, 4);
	t = gm_ptr(gm, addr, len);
	assert_non_null(t);
	if (strcmp(sig, "FACS"))
		assert_int_equal(sum(t, len), 0);
	return t;
}

static void test_acpi(void **state)
{
	struct guest_memory gm;
	struct gm_layout l = {.nr = 1, .gpa = {0}, .size = {16ull << 20}};
	uint64_t rsdp, xsdt, fadt, madt, dsdt, facs;
	const uint8_t *p, *m;
	uint32_t len, off;
	int lapics = 0, ioapics = 0;

	assert_int_equal(gm_create(&gm, &l), 0);
	assert_int_equal(x86_acpi_build(&gm, 4, true, &rsdp), 0);
	assert_int_equal(rsdp, X86_ACPI_ADDR);
	p = gm_ptr(&gm, rsdp, 36);
	assert_memory_equal(p, "RSD PTR ", 8);
	assert_int_equal(sum(p, 20), 0);
	assert_int_equal(sum(p, 36), 0);
	assert_int_equal(p[15], 2);
	memcpy(&xsdt, p + 24, 8);

	p = table(&gm, xsdt, "XSDT");
	memcpy(&fadt, p + 36, 8);
	memcpy(&madt, p + 44, 8);

	p = table(&gm, fadt, "FACP");
	memcpy(&dsdt, p + 140, 8);
	memcpy(&facs, p + 132, 8);
	assert_int_equal(facs & 63, 0);
	table(&gm, facs, "FACS");
	assert_int_equal(p[46], 9);		     /* SCI */
	assert_int_equal(p[64] | p[65] << 8, 0x604); /* PM1a_CNT_BLK */
	assert_int_equal(p[89], 2);		     /* PM1_CNT_LEN */
	assert_int_equal(p[116], 1);		     /* reset register in I/O space */
	assert_int_equal(p[120] | p[121] << 8, 0xcf9);
	assert_int_equal(p[112] & (1 << 4), 0); /* the fixed-feature power button */
	assert_int_equal(p[109] & (1 << 5), 0); /* a CMOS RTC */
	assert_int_equal(p[108], 0x32);		/* its century register */

	/* DSDT holds Name(_S5_, Package(4){5, 5, 0, 0}). */
	p = table(&gm, dsdt, "DSDT");
	memcpy(&len, p + 4, 4);
	assert_non_null(memmem(p + 36, len - 36, "\x08_S5_\x12\x08\x04\x0a\x05", 10));

	m = table(&gm, madt, "APIC");
	memcpy(&len, m + 4, 4);
	for (off = 44; off < len; off += m[off + 1]) {
		assert_true(m[off + 1] >= 2);
		if (m[off] == 0) {
			assert_int_equal(m[off + 3], lapics); /* APIC ID == index */
			lapics++;
		}
		ioapics += m[off] == 1;
	}
	assert_int_equal(off, len);
	assert_int_equal(lapics, 4);
	assert_int_equal(ioapics, 1);

	/* --no-rtc: the FADT says there is none (IAPC_BOOT_ARCH CMOS RTC Not Present). */
	assert_int_equal(x86_acpi_build(&gm, 1, false, &rsdp), 0);
	p = gm_ptr(&gm, rsdp, 36);
	memcpy(&xsdt, p + 24, 8);
	p = table(&gm, xsdt, "XSDT");
	memcpy(&fadt, p + 36, 8);
	p = table(&gm, fadt, "FACP");
	assert_int_equal(p[109] & (1 << 5), 1 << 5);
	assert_int_equal(p[108], 0);

	assert_int_not_equal(x86_acpi_build(&gm, 0, true, &rsdp), 0);
	gm_destroy(&gm);
}

static void test_boot_params(void **state)
{
	struct guest_memory gm;
	struct gm_layout l = {.nr = 1, .gpa = {0}, .size = {64ull << 20}};
	struct setup_header hdr = {.version = 0x020f, .header = 0x53726448};
	struct x86_boot_config cfg = {.hdr = &hdr,
				      .cmdline_addr = X86_CMDLINE_ADDR,
				      .cmdline_size = 12,
				      .initrd_addr = 0x3000000,
				      .initrd_size = 0x1234,
				      .rsdp_addr = X86_ACPI_ADDR};
	struct boot_params *bp;

	assert_int_equal(gm_create(&gm, &l), 0);
	assert_int_equal(x86_write_boot_params(&gm, &cfg), 0);
	bp = gm_ptr(&gm, X86_ZERO_PAGE_ADDR, sizeof(*bp));
	assert_int_equal(bp->hdr.cmd_line_ptr, X86_CMDLINE_ADDR);
	assert_int_equal(bp->hdr.ramdisk_image, 0x3000000);
	assert_int_equal(bp->hdr.ramdisk_size, 0x1234);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.version, 0x020f);
	assert_int_equal(bp->acpi_rsdp_addr, X86_ACPI_ADDR);
	assert_int_equal(bp->e820_entries, 4);

	/* An ELF kernel gets a minimal header. */
	cfg.hdr = NULL;
	assert_int_equal(x86_write_boot_params(&gm, &cfg), 0);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	gm_destroy(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e820_small),
		cmocka_unit_test(test_e820_above_4g),
		cmocka_unit_test(test_acpi),
		cmocka_unit_test(test_boot_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
