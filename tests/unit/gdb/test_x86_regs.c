// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gdb/x86_regs.h"

static uint64_t get64(const uint8_t *file, unsigned off)
{
	uint64_t v;

	memcpy(&v, file + off, 8);
	return v;
}

static uint32_t get32(const uint8_t *file, unsigned off)
{
	uint32_t v;

	memcpy(&v, file + off, 4);
	return v;
}

static void fill(struct kvm_regs *r, struct kvm_sregs *s, struct kvm_fpu *f)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	memset(f, 0, sizeof(*f));
	r->rax = 0x1111;
	r->rbp = 0xbbbb;
	r->rsp = 0x5555;
	r->r15 = 0xf15;
	r->rip = 0xffffffff81000000ull;
	r->rflags = 0x246;
	s->cs.selector = 0x10;
	s->ss.selector = 0x18;
	s->gs.selector = 0x2b;
	s->fs.base = 0x7f0000001000ull;
	s->gs.base = 0xffff888007a00000ull;
	s->cr0 = 0x80050033ull;
	s->cr2 = 0xdead000ull;
	s->cr3 = 0x2a0c000ull;
	s->cr4 = 0x3506f0ull;
	s->cr8 = 0x2;
	s->efer = 0xd01;
	f->fcw = 0x37f;
	f->fsw = 3u << 11; /* top = 3 */
	/* ST(0) = 1.0 (physical 3), ST(1) = +0 (physical 4); the rest empty */
	f->fpr[0][7] = 0x80;
	f->fpr[0][8] = 0xff;
	f->fpr[0][9] = 0x3f;
	f->ftwx = (1u << 3) | (1u << 4);
	f->last_ip = 0x123456789abcull;
	f->last_opcode = 0x5d9;
	f->xmm[15][0] = 0x42;
	f->mxcsr = 0x1f80;
}

static void test_to_file(void **state)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;
	uint8_t file[GDB_REGS_SIZE];

	fill(&r, &s, &f);
	gdb_x86_to_file(&r, &s, &f, file);
	assert_true(get64(file, 0) == 0x1111);
	/* gdb's rbp (6) and rsp (7) are swapped relative to kvm_regs */
	assert_true(get64(file, gdb_regs[6].offset) == 0xbbbb);
	assert_true(get64(file, gdb_regs[7].offset) == 0x5555);
	assert_true(get64(file, gdb_regs[15].offset) == 0xf15);
	assert_true(get64(file, gdb_regs[16].offset) == 0xffffffff81000000ull);
	assert_int_equal(get32(file, gdb_regs[17].offset), 0x246);
	assert_int_equal(get32(file, gdb_regs[18].offset), 0x10);
	assert_int_equal(get32(file, gdb_regs[19].offset), 0x18);
	assert_int_equal(get32(file, gdb_regs[23].offset), 0x2b);
	assert_true(get64(file, gdb_regs[24].offset) == 0x7f0000001000ull);
	assert_true(get64(file, gdb_regs[25].offset) == 0xffff888007a00000ull);
	assert_int_equal(file[gdb_regs[26].offset + 9], 0x3f); /* st0's exponent */
	assert_int_equal(get32(file, gdb_regs[34].offset), 0x37f);
	/* physical 3 valid (00), 4 zero (01), the others empty (11) */
	assert_int_equal(get32(file, gdb_regs[36].offset), 0xfd3f);
	assert_int_equal(get32(file, gdb_regs[37].offset), 0x1234);
	assert_int_equal(get32(file, gdb_regs[38].offset), 0x56789abc);
	assert_int_equal(get32(file, gdb_regs[41].offset), 0x5d9);
	assert_int_equal(file[gdb_regs[57].offset], 0x42);
	assert_int_equal(get32(file, gdb_regs[58].offset), 0x1f80);
	/* then cr0 cr2 cr3 cr4 cr8 efer, as p reads them */
	assert_string_equal(gdb_regs[59].name, "cr0");
	assert_true(get64(file, gdb_regs[59].offset) == 0x80050033ull);
	assert_true(get64(file, gdb_regs[60].offset) == 0xdead000ull);
	assert_true(get64(file, gdb_regs[61].offset) == 0x2a0c000ull);
	assert_true(get64(file, gdb_regs[62].offset) == 0x3506f0ull);
	assert_true(get64(file, gdb_regs[63].offset) == 0x2ull);
	assert_string_equal(gdb_regs[64].name, "efer");
	assert_true(get64(file, gdb_regs[64].offset) == 0xd01ull);
}

static void test_roundtrip(void **state)
{
	struct kvm_regs r, r2;
	struct kvm_sregs s, s2;
	struct kvm_fpu f, f2;
	uint8_t file[GDB_REGS_SIZE];
	uint64_t v = 0x4242;

	fill(&r, &s, &f);
	gdb_x86_to_file(&r, &s, &f, file);
	r2 = r;
	s2 = s;
	f2 = f;
	memcpy(file + gdb_regs[7].offset, &v, 8);    /* rsp */
	memset(file + gdb_regs[18].offset, 0xee, 4); /* cs: not written */
	gdb_x86_from_file(file, &r2, &s2, &f2);
	assert_true(r2.rsp == 0x4242);
	assert_true(r2.rbp == 0xbbbb);
	assert_true(r2.rip == r.rip);
	assert_int_equal(s2.cs.selector, 0x10);
	assert_true(s2.gs.base == s.gs.base);
	assert_int_equal(f2.ftwx, f.ftwx);
	assert_true(f2.last_ip == f.last_ip);
	assert_memory_equal(f2.xmm, f.xmm, sizeof(f.xmm));
	assert_int_equal(f2.mxcsr, f.mxcsr);
	assert_true(s2.cr3 == s.cr3 && s2.cr0 == s.cr0 && s2.efer == s.efer);
	/* a P of cr3 reaches the sregs */
	v = 0x1234000;
	memcpy(file + gdb_regs[61].offset, &v, 8);
	gdb_x86_from_file(file, &r2, &s2, &f2);
	assert_true(s2.cr3 == 0x1234000ull);
}

static void test_guest_debug(void **state)
{
	struct gdb_debug d;
	struct kvm_guest_debug g;

	memset(&d, 0, sizeof(d));
	gdb_x86_guest_debug(&d, false, &g);
	assert_int_equal(g.control, 0);
	gdb_x86_guest_debug(&d, true, &g);
	assert_int_equal(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);

	d.sw_bp = true;
	d.hw[0] = (struct gdb_hw_bp){true, GDB_HW_EXEC, 0xffffffff81000000ull, 1};
	d.hw[2] = (struct gdb_hw_bp){true, GDB_HW_WRITE, 0xffffffff82000008ull, 8};
	d.hw[3] = (struct gdb_hw_bp){true, GDB_HW_ACCESS, 0x1000, 4};
	gdb_x86_guest_debug(&d, false, &g);
	assert_int_equal(g.control,
			 KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP);
	assert_true(g.arch.debugreg[0] == 0xffffffff81000000ull);
	assert_true(g.arch.debugreg[2] == 0xffffffff82000008ull);
	assert_true(g.arch.debugreg[3] == 0x1000);
	/* L0, L2, L3, GE; slot 2: RW=01 LEN=10; slot 3: RW=11 LEN=11; slot 0: all zero */
	assert_true(g.arch.debugreg[7] ==
		    (0x1ull | 0x10ull | 0x40ull | 0x200ull | (0x9ull << 24) | (0xfull << 28)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_file),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_guest_debug),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
