// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "gdb/walk.h"

/* 8 MiB of guest RAM; page tables built by hand in it. */
static struct guest_memory gm;

#define P  1ull
#define W  2ull
#define PS 0x80ull

static const struct gdb_paging lm4 = {.cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500};

static void set_pte(uint64_t table, unsigned idx, uint64_t val)
{
	assert_int_equal(gm_write(&gm, table + idx * 8ull, &val, 8), 0);
}

static int setup(void **state)
{
	struct gm_layout l = {.nr = 1, .gpa = {0}, .size = {8ull << 20}};

	return gm_create(&gm, &l);
}

static int teardown(void **state)
{
	gm_destroy(&gm);
	return 0;
}

static unsigned ix(uint64_t va, int level)
{
	return (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
}

static void test_no_paging(void **state)
{
	const struct gdb_paging pg = {.cr0 = 0x11};
	uint64_t gpa, left;

	assert_int_equal(gdb_translate(&gm, &pg, 0x1234, &gpa, &left), 0);
	assert_int_equal(gpa, 0x1234);
	assert_int_equal(left, 0x1000 - 0x234);
}

static void test_4level_4k_2m_1g(void **state)
{
	const uint64_t va = 0xffffffff81234567ull; /* a kernel text address */
	uint64_t gpa, left;

	/* PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> page 0x200000 */
	set_pte(0x1000, ix(va, 4), 0x2000 | P | W);
	set_pte(0x2000, ix(va, 3), 0x3000 | P | W);
	set_pte(0x3000, ix(va, 2), 0x4000 | P | W);
	set_pte(0x4000, ix(va, 1), 0x200000 | P | W | (1ull << 63)); /* NX is not address */
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), 0);
	assert_int_equal(gpa, 0x200567);
	assert_int_equal(left, 0x1000 - 0x567);

	/* the same PD entry as a 2M page at 0x400000 */
	set_pte(0x3000, ix(va, 2), 0x400000 | P | W | PS);
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), 0);
	assert_int_equal(gpa, 0x400000 | (va & 0x1fffff));
	assert_int_equal(left, 0x200000 - (va & 0x1fffff));

	/* and the PDPT entry as a 1G page at 1G */
	set_pte(0x2000, ix(va, 3), 0x40000000 | P | PS);
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), 0);
	assert_int_equal(gpa, 0x40000000 | (va & 0x3fffffff));
}

static void test_unmapped(void **state)
{
	const uint64_t va = 0xffff888000001000ull;
	uint64_t gpa, left;

	/* nothing present at the top */
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), -EFAULT);
	/* present at the top, not at the leaf */
	set_pte(0x1000, ix(va, 4), 0x2000 | P);
	set_pte(0x2000, ix(va, 3), 0x3000 | P);
	set_pte(0x3000, ix(va, 2), 0x4000 | P);
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), -EFAULT);
	/* a table pointer outside guest RAM */
	set_pte(0x3000, ix(va, 2), 0x7ff00000000ull | P);
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), -EFAULT);
	/* non-canonical */
	assert_int_equal(gdb_translate(&gm, &lm4, 0x0000800000000000ull, &gpa, &left), -EFAULT);
}

static void test_5level(void **state)
{
	struct gdb_paging pg = lm4;
	/* canonical for LA57 only: bit 56 set and sign-extended */
	const uint64_t va = 0xff10000000000abcull;
	uint64_t gpa, left;

	pg.cr4 |= 1ull << 12;
	pg.cr3 = 0x5000;
	assert_int_equal(gdb_translate(&gm, &lm4, va, &gpa, &left), -EFAULT);
	set_pte(0x5000, ix(va, 5), 0x6000 | P);
	set_pte(0x6000, ix(va, 4), 0x7000 | P);
	set_pte(0x7000, ix(va, 3), 0x8000 | P);
	set_pte(0x8000, ix(va, 2), 0x9000 | P);
	set_pte(0x9000, ix(va, 1), 0x300000 | P);
	assert_int_equal(gdb_translate(&gm, &pg, va, &gpa, &left), 0);
	assert_int_equal(gpa, 0x300abc);
}

static void test_pae(void **state)
{
	/* 32-bit PAE: 4-entry PDPT at 0xa020 (32-byte aligned), PD, 2M page */
	const struct gdb_paging pg = {.cr0 = 0x80000011, .cr3 = 0xa020, .cr4 = 0x20};
	const uint64_t va = 0xc0345678;
	uint64_t gpa, left;

	set_pte(0xa020, (unsigned)(va >> 30), 0xb000 | P);
	set_pte(0xb000, ix(va, 2), 0x600000 | P | PS);
	assert_int_equal(gdb_translate(&gm, &pg, va, &gpa, &left), 0);
	assert_int_equal(gpa, 0x600000 | (va & 0x1fffff));
	/* 32-bit paging without PAE is refused, not guessed */
	const struct gdb_paging np = {.cr0 = 0x80000011, .cr3 = 0xa000};

	assert_int_equal(gdb_translate(&gm, &np, va, &gpa, &left), -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level_4k_2m_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_5level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
