// SPDX-License-Identifier: BSD-3-Clause
#include "arch/x86_64/acpi.h"

#include <errno.h>
#include <string.h>

#include "arch/x86_64/layout.h"
#include "devices/acpi_pm.h"

#define OEM_ID	     "CROSVM"
#define OEM_TABLE_ID "CROSVMC "
#define HDR_LEN	     36
#define FADT_LEN     276
#define FACS_LEN     64
#define MAX_TABLE    4096

#define GAS_SYSTEM_IO 1

/* FADT flags and IA-PC boot architecture flags. */
#define FADT_WBINVD	   (1u << 0)
#define FADT_PROC_C1	   (1u << 2)
#define FADT_PWR_BUTTON	   (1u << 4)
#define FADT_SLP_BUTTON	   (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
#define BOOT_ARCH_NO_VGA   (1u << 2)
#define BOOT_ARCH_NO_RTC   (1u << 5)

/* Reset through the PCI reset control register (handled by the PCI root). */
#define RESET_PORT  0xcf9
#define RESET_VALUE 0x06

static void w8(uint8_t *b, size_t off, uint8_t v)
{
	b[off] = v;
}

static void w16(uint8_t *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, 2);
}

static void w32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void w64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static void gas_io(uint8_t *b, size_t off, uint8_t bits, uint64_t port)
{
	w8(b, off, GAS_SYSTEM_IO);
	w8(b, off + 1, bits);
	w8(b, off + 2, 0);
	w8(b, off + 3, bits == 8 ? 1 : bits == 16 ? 2 : 3);
	w64(b, off + 4, port);
}

static uint8_t checksum(const uint8_t *b, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return (uint8_t)-sum;
}

static void header(uint8_t *b, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(b, sig, 4);
	w32(b, 4, len);
	w8(b, 8, rev);
	memcpy(b + 10, OEM_ID, 6);
	memcpy(b + 16, OEM_TABLE_ID, 8);
	w32(b, 24, 1);
	memcpy(b + 28, "CVMC", 4);
	w32(b, 32, 1);
}

/* Finishes a table (checksum) and copies it to guest memory at *addr, advancing it. */
static int emit(const struct guest_memory *gm, uint64_t *addr, uint8_t *b, uint32_t len, bool sum)
{
	uint64_t at = *addr;

	if (sum)
		b[9] = checksum(b, len);
	if (at + len > X86_ACPI_END || gm_write(gm, at, b, len))
		return -ENOSPC;
	*addr = (at + len + 15) & ~15ull;
	return 0;
}

/* \_S5 sleep package: Name (_S5, Package () { 5, 5, 0, 0 }). */
static const uint8_t aml_s5[] = {
	0x08, '_',
	'S',  '5',
	'_', /* NameOp "_S5_" */
	0x12, 0x08,
	0x04, /* PackageOp, PkgLength 8, 4 elements */
	0x0a, ACPI_S5_SLP_TYP,
	0x0a, ACPI_S5_SLP_TYP, /* BytePrefix 5, BytePrefix 5 */
	0x00, 0x00,	       /* Zero, Zero */
};

/*
 * The PCI root bridge: Device (PCI0) with _HID PNP0A03, _UID 0 and a _CRS of
 * bus 0, the 0xCF8 config ports, all other I/O ports, and the MMIO hole
 * (below the IOAPIC) as the window that BARs live in.
 */
/* One resource descriptor per row reads better than one byte per line. */
/* clang-format off */
static const uint8_t aml_pci_crs[] = {
	/* WordBusNumber: producer, min/max fixed, 0..0, length 1 */
	0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	/* IO (Decode16, 0xCF8, 0xCF8, 1, 8) */
	0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
	/* WordIO: 0x0000-0x0CF7 */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00, 0xf8, 0x0c,
	/* WordIO: 0x0D00-0xFFFF */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3,
	/* DWordMemory: read-write, non-cacheable, the PCI hole up to the IOAPIC */
	0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0,
	0xff, 0xff, 0xbf, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x3e,
	/* EndTag */
	0x79, 0x00,
};
/* clang-format on */

/* Appends an AML PkgLength for a body of n bytes (the encoding counts itself). */
static size_t pkg_length(uint8_t *out, size_t n)
{
	if (n + 1 < 0x40) {
		out[0] = (uint8_t)(n + 1);
		return 1;
	}
	n += 2;
	out[0] = (uint8_t)(0x40 | (n & 0xf));
	out[1] = (uint8_t)(n >> 4);
	return 2;
}

/* Builds the DSDT body into b; returns its length. */
static size_t build_dsdt_aml(uint8_t *b)
{
	uint8_t dev[256], crs[128];
	size_t n = 0, d = 0, c = 0;

	memcpy(b, aml_s5, sizeof(aml_s5));
	n = sizeof(aml_s5);

	/* _CRS buffer: BufferOp PkgLength BytePrefix(size) bytes */
	crs[c++] = 0x0a;
	crs[c++] = (uint8_t)sizeof(aml_pci_crs);
	memcpy(crs + c, aml_pci_crs, sizeof(aml_pci_crs));
	c += sizeof(aml_pci_crs);

	memcpy(dev + d, "PCI0", 4);
	d += 4;
	memcpy(dev + d, "\x08_HID\x0c\x41\xd0\x0a\x03", 10); /* EisaId ("PNP0A03") */
	d += 10;
	memcpy(dev + d, "\x08_UID\x00", 6);
	d += 6;
	memcpy(dev + d, "\x08_CRS\x11", 6);
	d += 6;
	d += pkg_length(dev + d, c);
	memcpy(dev + d, crs, c);
	d += c;

	b[n++] = 0x5b; /* DeviceOp */
	b[n++] = 0x82;
	n += pkg_length(b + n, d);
	memcpy(b + n, dev, d);
	return n + d;
}

static uint32_t build_madt(uint8_t *b, unsigned ncpus)
{
	uint32_t off = HDR_LEN;

	w32(b, off, (uint32_t)X86_LAPIC_ADDR);
	w32(b, off + 4, 1); /* PCAT_COMPAT: there are 8259 PICs too */
	off += 8;
	for (unsigned i = 0; i < ncpus; i++) {
		w8(b, off, 0); /* processor local APIC */
		w8(b, off + 1, 8);
		w8(b, off + 2, (uint8_t)i);
		w8(b, off + 3, (uint8_t)i);
		w32(b, off + 4, 1); /* enabled */
		off += 8;
	}
	w8(b, off, 1); /* I/O APIC */
	w8(b, off + 1, 12);
	w8(b, off + 2, (uint8_t)ncpus);
	w8(b, off + 3, 0);
	w32(b, off + 4, (uint32_t)X86_IOAPIC_ADDR);
	w32(b, off + 8, 0);
	off += 12;
	/*
	 * No override for ISA IRQ 0: KVM's default routing sends the in-kernel
	 * PIT to IOAPIC pin 0, so the identity mapping is the truth here.
	 */
	/* SCI: level-triggered, active high. */
	w8(b, off, 2);
	w8(b, off + 1, 10);
	w8(b, off + 2, 0);
	w8(b, off + 3, ACPI_SCI_IRQ);
	w32(b, off + 4, ACPI_SCI_IRQ);
	w16(b, off + 8, 0x000d);
	off += 10;
	/* Local APIC NMI on LINT1 for all processors. */
	w8(b, off, 4);
	w8(b, off + 1, 6);
	w8(b, off + 2, 0xff);
	w16(b, off + 3, 0);
	w8(b, off + 5, 1);
	off += 6;
	header(b, "APIC", off, 4);
	return off;
}

static void build_fadt(uint8_t *b, uint64_t facs, uint64_t dsdt, bool rtc)
{
	header(b, "FACP", FADT_LEN, 6);
	w32(b, 36, (uint32_t)facs);
	w32(b, 40, (uint32_t)dsdt);
	w16(b, 46, ACPI_SCI_IRQ);
	w32(b, 56, ACPI_PM_BASE + ACPI_PM1_EVT);
	w32(b, 64, ACPI_PM_BASE + ACPI_PM1_CNT);
	w8(b, 88, 4);
	w8(b, 89, 2);
	w16(b, 96, 101);	    /* C2 latency > 100: no C2 */
	w16(b, 98, 1001);	    /* C3 latency > 1000: no C3 */
	w8(b, 108, rtc ? 0x32 : 0); /* CMOS century register */
	w16(b, 109, BOOT_ARCH_NO_VGA | (rtc ? 0 : BOOT_ARCH_NO_RTC));
	/* No FADT_PWR_BUTTON: the power button is the fixed-feature one (PM1 PWRBTN). */
	w32(b, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RESET_REG_SUP);
	gas_io(b, 116, 8, RESET_PORT);
	w8(b, 128, RESET_VALUE);
	w8(b, 131, 3); /* FADT minor version: 6.3 */
	w64(b, 132, facs);
	w64(b, 140, dsdt);
	gas_io(b, 148, 32, ACPI_PM_BASE + ACPI_PM1_EVT);
	gas_io(b, 172, 16, ACPI_PM_BASE + ACPI_PM1_CNT);
	memcpy(b + 268, "CROSVMC ", 8);
}

int x86_acpi_build(const struct guest_memory *gm, unsigned ncpus, bool rtc, uint64_t *rsdp_addr)
{
	static uint8_t b[MAX_TABLE];
	uint64_t addr = X86_ACPI_ADDR + 64; /* the RSDP goes first */
	uint64_t facs, dsdt, fadt, madt, xsdt;
	uint32_t len;
	int r;

	if (ncpus == 0 || ncpus > 254)
		return -EINVAL;

	/* FACS: 64-byte aligned, no checksum. */
	facs = (addr + 63) & ~63ull;
	addr = facs;
	memset(b, 0, FACS_LEN);
	memcpy(b, "FACS", 4);
	w32(b, 4, FACS_LEN);
	w8(b, 32, 2);
	if ((r = emit(gm, &addr, b, FACS_LEN, false)))
		return r;

	dsdt = addr;
	memset(b, 0, sizeof(b));
	len = HDR_LEN + (uint32_t)build_dsdt_aml(b + HDR_LEN);
	header(b, "DSDT", len, 2);
	if ((r = emit(gm, &addr, b, len, true)))
		return r;

	fadt = addr;
	memset(b, 0, sizeof(b));
	build_fadt(b, facs, dsdt, rtc);
	if ((r = emit(gm, &addr, b, FADT_LEN, true)))
		return r;

	madt = addr;
	memset(b, 0, sizeof(b));
	len = build_madt(b, ncpus);
	if ((r = emit(gm, &addr, b, len, true)))
		return r;

	xsdt = addr;
	memset(b, 0, sizeof(b));
	header(b, "XSDT", HDR_LEN + 16, 1);
	w64(b, HDR_LEN, fadt);
	w64(b, HDR_LEN + 8, madt);
	if ((r = emit(gm, &addr, b, HDR_LEN + 16, true)))
		return r;

	/* RSDP (ACPI 2.0): checksum over the first 20 bytes, extended one over all 36. */
	memset(b, 0, 36);
	memcpy(b, "RSD PTR ", 8);
	memcpy(b + 9, OEM_ID, 6);
	w8(b, 15, 2);
	w32(b, 20, 36);
	w64(b, 24, xsdt);
	b[8] = checksum(b, 20);
	b[32] = checksum(b, 36);
	if (gm_write(gm, X86_ACPI_ADDR, b, 36))
		return -EFAULT;
	*rsdp_addr = X86_ACPI_ADDR;
	return 0;
}
