/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_ARCH_X86_64_LAYOUT_H
#define CROSVM_ARCH_X86_64_LAYOUT_H

/* Guest-physical layout of an x86_64 VM. */
#define X86_GDT_ADDR	   0x500ull
#define X86_PVH_INFO_ADDR  0x6000ull /* struct hvm_start_info (pvh.c) */
#define X86_ZERO_PAGE_ADDR 0x7000ull /* struct boot_params */
#define X86_BOOT_STACK	   0x8ff0ull
#define X86_PML4_ADDR	   0x9000ull
#define X86_PDPT_ADDR	   0xa000ull
#define X86_PD_ADDR	   0xb000ull /* four pages: the low 4 GiB in 2 MiB pages */
#define X86_CMDLINE_ADDR   0x20000ull
#define X86_CMDLINE_MAX	   0x10000ull
#define X86_EBDA_START	   0x9fc00ull
#define X86_ACPI_ADDR	   0xe0000ull /* RSDP first, then the other tables */
#define X86_ACPI_END	   0x100000ull
#define X86_KERNEL_ADDR	   0x100000ull /* where a bzImage's protected-mode part goes */
#define X86_HIGH_MEM_START 0x100000ull
#define X86_PCI_HOLE_START 0xc0000000ull /* MMIO below 4 GiB: PCI BARs, IOAPIC, LAPIC */
#define X86_4G		   0x100000000ull
#define X86_IOAPIC_ADDR	   0xfec00000ull
#define X86_LAPIC_ADDR	   0xfee00000ull
#define X86_TSS_ADDR	   0xfffbd000ull
#define X86_IDENTITY_MAP   0xfffbc000ull

/* The COM ports' I/O bases (COM1..COM4), as the board maps them and earlycon= names them. */
#define X86_COM_PORTS                      \
	{                                  \
		0x3f8, 0x2f8, 0x3e8, 0x2e8 \
	}

#endif
