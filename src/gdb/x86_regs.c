// SPDX-License-Identifier: BSD-3-Clause
#include <string.h>

#include "gdb/x86_regs.h"

static void put64(uint8_t *file, unsigned reg, uint64_t v)
{
	memcpy(file + gdb_regs[reg].offset, &v, 8);
}

static void put32(uint8_t *file, unsigned reg, uint32_t v)
{
	memcpy(file + gdb_regs[reg].offset, &v, 4);
}

static uint64_t get64(const uint8_t *file, unsigned reg)
{
	uint64_t v;

	memcpy(&v, file + gdb_regs[reg].offset, 8);
	return v;
}

static uint32_t get32(const uint8_t *file, unsigned reg)
{
	uint32_t v;

	memcpy(&v, file + gdb_regs[reg].offset, 4);
	return v;
}

/* Register numbers in gdb_regs[]. */
enum {
	R_RIP = 16,
	R_EFLAGS,
	R_CS,
	R_SS,
	R_DS,
	R_ES,
	R_FS,
	R_GS,
	R_FS_BASE,
	R_GS_BASE,
	R_ST0,
	R_FCTRL = R_ST0 + 8,
	R_FSTAT,
	R_FTAG,
	R_FISEG,
	R_FIOFF,
	R_FOSEG,
	R_FOOFF,
	R_FOP,
	R_XMM0,
	R_MXCSR = R_XMM0 + 16,
	R_CR0,
	R_CR2,
	R_CR3,
	R_CR4,
	R_CR8,
	R_EFER,
};

/*
 * The full x87 tag word from FXSAVE's abridged one (bit per physical register,
 * set = not empty): 00 valid, 01 zero, 10 special, 11 empty, as FSTENV reports.
 */
static uint16_t full_tag(const struct kvm_fpu *f)
{
	unsigned top = (f->fsw >> 11) & 7;
	uint16_t tag = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		const uint8_t *st = f->fpr[(phys - top) & 7]; /* ST(i) is physical (top + i) */
		uint64_t mant;
		uint16_t exp;
		unsigned t;

		memcpy(&mant, st, 8);
		memcpy(&exp, st + 8, 2);
		exp &= 0x7fff;
		if (!(f->ftwx & (1u << phys)))
			t = 3;
		else if (exp == 0x7fff || (exp != 0 && !(mant >> 63)))
			t = 2;
		else if (exp == 0)
			t = mant ? 2 : 1;
		else
			t = 0;
		tag |= (uint16_t)(t << (2 * phys));
	}
	return tag;
}

void gdb_x86_to_file(const struct kvm_regs *r, const struct kvm_sregs *s, const struct kvm_fpu *f,
		     uint8_t file[GDB_REGS_SIZE])
{
	/* gdb's order: rax rbx rcx rdx rsi rdi rbp rsp (kvm_regs has rsp before rbp) */
	const uint64_t gpr[16] = {r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
				  r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};

	memset(file, 0, GDB_REGS_SIZE);
	for (unsigned i = 0; i < 16; i++)
		put64(file, i, gpr[i]);
	put64(file, R_RIP, r->rip);
	put32(file, R_EFLAGS, (uint32_t)r->rflags);
	put32(file, R_CS, s->cs.selector);
	put32(file, R_SS, s->ss.selector);
	put32(file, R_DS, s->ds.selector);
	put32(file, R_ES, s->es.selector);
	put32(file, R_FS, s->fs.selector);
	put32(file, R_GS, s->gs.selector);
	put64(file, R_FS_BASE, s->fs.base);
	put64(file, R_GS_BASE, s->gs.base);
	for (unsigned i = 0; i < 8; i++)
		memcpy(file + gdb_regs[R_ST0 + i].offset, f->fpr[i], 10);
	put32(file, R_FCTRL, f->fcw);
	put32(file, R_FSTAT, f->fsw);
	put32(file, R_FTAG, full_tag(f));
	/* 64-bit FXSAVE: the upper half of the instruction pointer is where the selector was */
	put32(file, R_FISEG, (uint32_t)(f->last_ip >> 32));
	put32(file, R_FIOFF, (uint32_t)f->last_ip);
	put32(file, R_FOSEG, (uint32_t)(f->last_dp >> 32));
	put32(file, R_FOOFF, (uint32_t)f->last_dp);
	put32(file, R_FOP, f->last_opcode);
	for (unsigned i = 0; i < 16; i++)
		memcpy(file + gdb_regs[R_XMM0 + i].offset, f->xmm[i], 16);
	put32(file, R_MXCSR, f->mxcsr);
	put64(file, R_CR0, s->cr0);
	put64(file, R_CR2, s->cr2);
	put64(file, R_CR3, s->cr3);
	put64(file, R_CR4, s->cr4);
	put64(file, R_CR8, s->cr8);
	put64(file, R_EFER, s->efer);
}

void gdb_x86_from_file(const uint8_t file[GDB_REGS_SIZE], struct kvm_regs *r, struct kvm_sregs *s,
		       struct kvm_fpu *f)
{
	__u64 *gpr[16] = {&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp, &r->rsp,
			  &r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
	uint32_t tag = get32(file, R_FTAG);

	for (unsigned i = 0; i < 16; i++)
		*gpr[i] = get64(file, i);
	r->rip = get64(file, R_RIP);
	r->rflags = get32(file, R_EFLAGS);
	s->fs.base = get64(file, R_FS_BASE);
	s->gs.base = get64(file, R_GS_BASE);
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->fpr[i], file + gdb_regs[R_ST0 + i].offset, 10);
	f->fcw = (uint16_t)get32(file, R_FCTRL);
	f->fsw = (uint16_t)get32(file, R_FSTAT);
	f->ftwx = 0;
	for (unsigned phys = 0; phys < 8; phys++)
		if (((tag >> (2 * phys)) & 3) != 3)
			f->ftwx |= (uint8_t)(1u << phys);
	f->last_ip = (uint64_t)get32(file, R_FISEG) << 32 | get32(file, R_FIOFF);
	f->last_dp = (uint64_t)get32(file, R_FOSEG) << 32 | get32(file, R_FOOFF);
	f->last_opcode = (uint16_t)get32(file, R_FOP);
	for (unsigned i = 0; i < 16; i++)
		memcpy(f->xmm[i], file + gdb_regs[R_XMM0 + i].offset, 16);
	f->mxcsr = get32(file, R_MXCSR);
	/* KVM checks these as the guest's own MOV to CR would be checked. */
	s->cr0 = get64(file, R_CR0);
	s->cr2 = get64(file, R_CR2);
	s->cr3 = get64(file, R_CR3);
	s->cr4 = get64(file, R_CR4);
	s->cr8 = get64(file, R_CR8);
	s->efer = get64(file, R_EFER);
}

void gdb_x86_guest_debug(const struct gdb_debug *dbg, bool step, struct kvm_guest_debug *out)
{
	uint64_t dr7 = 0;
	bool hw = false;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < GDB_MAX_HW_BP; i++) {
		const struct gdb_hw_bp *h = &dbg->hw[i];
		/* DR7 R/W: 00 execute, 01 write, 11 read or write; LEN: 00 1, 01 2, 11 4, 10 8 */
		uint64_t rw = h->type == GDB_HW_EXEC ? 0 : h->type == GDB_HW_WRITE ? 1 : 3;
		uint64_t len = h->len == 2 ? 1 : h->len == 4 ? 3 : h->len == 8 ? 2 : 0;

		if (!h->used)
			continue;
		hw = true;
		out->arch.debugreg[i] = h->addr;
		dr7 |= 1ull << (2 * i); /* L0..L3 */
		dr7 |= (rw | len << 2) << (16 + 4 * i);
	}
	if (hw)
		dr7 |= 1ull << 9; /* GE: exact data breakpoints, as debuggers set it */
	out->arch.debugreg[7] = dr7;
	if (!dbg->sw_bp && !hw && !step)
		return; /* control 0: guest debug off */
	out->control = KVM_GUESTDBG_ENABLE;
	if (dbg->sw_bp)
		out->control |= KVM_GUESTDBG_USE_SW_BP;
	if (hw)
		out->control |= KVM_GUESTDBG_USE_HW_BP;
	if (step)
		out->control |= KVM_GUESTDBG_SINGLESTEP;
}
