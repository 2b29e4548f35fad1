// SPDX-License-Identifier: BSD-3-Clause
#include "arch/x86_64/regs.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86_64/layout.h"
#include "util/log.h"

#define PTE_PRESENT 0x1ull
#define PTE_RW	    0x2ull
#define PTE_PS	    0x80ull

#define CR0_PE	 0x1ull
#define CR0_ET	 0x10ull
#define CR0_PG	 0x80000000ull
#define CR4_PAE	 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MISC_ENABLE_FAST_STRING 0x1ull

#define APIC_LVT0	 0x350
#define APIC_LVT1	 0x360
#define APIC_MODE_NMI	 0x4
#define APIC_MODE_EXTINT 0x7

/* GDT: null, 64-bit code, data, TSS, 32-bit code; selectors 0x08, 0x10, 0x18, 0x20. */
static const uint64_t boot_gdt[] = {
	0x0000000000000000ull, 0x00af9b000000ffffull, 0x00cf93000000ffffull,
	0x008f8b000000ffffull, 0x00cf9b000000ffffull,
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int x86_write_boot_tables(const struct guest_memory *gm)
{
	uint64_t e;

	if (gm_write(gm, X86_GDT_ADDR, boot_gdt, sizeof(boot_gdt)))
		return -EFAULT;
	e = X86_PDPT_ADDR | PTE_PRESENT | PTE_RW;
	if (gm_write(gm, X86_PML4_ADDR, &e, sizeof(e)))
		return -EFAULT;
	for (uint64_t i = 0; i < 4; i++) {
		e = (X86_PD_ADDR + i * 0x1000) | PTE_PRESENT | PTE_RW;
		if (gm_write(gm, X86_PDPT_ADDR + i * 8, &e, sizeof(e)))
			return -EFAULT;
	}
	for (uint64_t i = 0; i < 4ull * 512; i++) {
		e = (i << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
		if (gm_write(gm, X86_PD_ADDR + i * 8, &e, sizeof(e)))
			return -EFAULT;
	}
	return 0;
}

int x86_setup_vcpu_common(int fd)
{
	/* A union, not a struct: a flexible-array struct may not be followed by fields (C11). */
	union {
		struct kvm_msrs hdr;
		uint8_t raw[sizeof(struct kvm_msrs) + 9 * sizeof(struct kvm_msr_entry)];
	} msrs = {0};
	struct kvm_msr_entry *e = msrs.hdr.entries;
	static const uint32_t zero_msrs[] = {MSR_IA32_SYSENTER_CS,
					     MSR_IA32_SYSENTER_ESP,
					     MSR_IA32_SYSENTER_EIP,
					     MSR_STAR,
					     MSR_LSTAR,
					     MSR_CSTAR,
					     MSR_SYSCALL_MASK,
					     MSR_KERNEL_GS_BASE};
	struct kvm_fpu fpu = {0};
	struct kvm_lapic_state lapic;
	uint32_t *lvt;
	unsigned n = 0;
	int r;

	for (unsigned i = 0; i < sizeof(zero_msrs) / sizeof(zero_msrs[0]); i++)
		e[n++].index = zero_msrs[i];
	e[n].index = MSR_IA32_MISC_ENABLE;
	e[n++].data = MISC_ENABLE_FAST_STRING;
	msrs.hdr.nmsrs = n;
	r = ioctl(fd, KVM_SET_MSRS, &msrs);
	if (r < 0)
		return -errno;

	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	r = xioctl(fd, KVM_SET_FPU, &fpu);
	if (r)
		return r;

	/* LINT0 delivers the legacy PIC's ExtINT, LINT1 NMIs, as a BIOS leaves them. */
	r = xioctl(fd, KVM_GET_LAPIC, &lapic);
	if (r)
		return r;
	lvt = (uint32_t *)(void *)(lapic.regs + APIC_LVT0);
	*lvt = (*lvt & ~0x700u) | (APIC_MODE_EXTINT << 8);
	lvt = (uint32_t *)(void *)(lapic.regs + APIC_LVT1);
	*lvt = (*lvt & ~0x700u) | (APIC_MODE_NMI << 8);
	return xioctl(fd, KVM_SET_LAPIC, &lapic);
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

/* Flat segments from the boot GDT, the TSS, no IDT: what both entries share. */
static void boot_segments(struct kvm_sregs *sregs, bool long_mode)
{
	flat_segment(&sregs->cs, long_mode ? 0x08 : 0x20, 0xb, long_mode);
	flat_segment(&sregs->ds, 0x10, 0x3, false);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	memset(&sregs->tr, 0, sizeof(sregs->tr));
	sregs->tr.selector = 0x18;
	sregs->tr.limit = 0xfffff;
	sregs->tr.type = 0xb;
	sregs->tr.present = 1;
	sregs->gdt.base = X86_GDT_ADDR;
	sregs->gdt.limit = sizeof(boot_gdt) - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
}

/*
 * The boot vCPU's registers: long mode with our identity map and RSI =
 * boot_params, or the PVH ABI's protected mode with paging and long mode off
 * (the kernel sets them up) and EBX = start_info.
 */
static int setup_boot(int fd, uint64_t entry, bool long_mode, uint64_t info)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {0};
	int r;

	r = xioctl(fd, KVM_GET_SREGS, &sregs);
	if (r)
		return r;
	boot_segments(&sregs, long_mode);
	if (long_mode) {
		sregs.cr3 = X86_PML4_ADDR;
		sregs.cr4 |= CR4_PAE;
		sregs.cr0 |= CR0_PE | CR0_PG | CR0_ET;
		sregs.efer |= EFER_LME | EFER_LMA;
	} else {
		sregs.cr0 = (sregs.cr0 | CR0_PE | CR0_ET) & ~(uint64_t)CR0_PG;
		sregs.cr4 &= ~(uint64_t)CR4_PAE;
		sregs.efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
	}
	r = xioctl(fd, KVM_SET_SREGS, &sregs);
	if (r)
		return r;
	regs.rflags = 0x2;
	regs.rip = entry;
	if (long_mode) {
		regs.rsp = X86_BOOT_STACK;
		regs.rbp = X86_BOOT_STACK;
		regs.rsi = info;
	} else {
		regs.rbx = info;
	}
	return xioctl(fd, KVM_SET_REGS, &regs);
}

int x86_setup_pvh_vcpu(int fd, uint64_t entry, uint64_t start_info)
{
	return setup_boot(fd, entry, false, start_info);
}

int x86_setup_boot_vcpu(int fd, uint64_t entry, uint64_t boot_params)
{
	return setup_boot(fd, entry, true, boot_params);
}

void x86_log_regs(int fd, unsigned id)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (xioctl(fd, KVM_GET_REGS, &r) || xioctl(fd, KVM_GET_SREGS, &s)) {
		log_err("vcpu %u: registers unavailable", id);
		return;
	}
	log_err("vcpu %u: rip=%#llx rsp=%#llx rflags=%#llx rax=%#llx rbx=%#llx rcx=%#llx rdx=%#llx",
		id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx);
	log_err("vcpu %u: rsi=%#llx rdi=%#llx rbp=%#llx r8=%#llx r9=%#llx r10=%#llx r11=%#llx", id,
		r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11);
	log_err("vcpu %u: r12=%#llx r13=%#llx r14=%#llx r15=%#llx", id, r.r12, r.r13, r.r14, r.r15);
	log_err("vcpu %u: cr0=%#llx cr2=%#llx cr3=%#llx cr4=%#llx efer=%#llx cs=%#x ss=%#x", id,
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector, s.ss.selector);
	/*
	 * On AMD (SVM) KVM resets a vCPU that shut down before it reports the exit:
	 * these registers are then the reset state, not where the guest faulted.
	 */
	if (r.rip == 0xfff0 && s.cs.base == 0xffff0000)
		log_err("vcpu %u: (the reset state: on AMD, KVM resets a vCPU that shut down, so "
			"the faulting state is lost)",
			id);
}
