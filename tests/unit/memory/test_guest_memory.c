// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "memory/guest_memory.h"

static struct guest_memory gm;

static int setup(void **state)
{
	struct gm_layout l = {.nr = 2, .gpa = {0, 0x100000000ull}, .size = {0x10000, 0x2000}};

	return gm_create(&gm, &l);
}

static int teardown(void **state)
{
	gm_destroy(&gm);
	return 0;
}

static void test_inside(void **state)
{
	uint8_t buf[16] = {1, 2, 3};

	assert_non_null(gm_ptr(&gm, 0, 0x10000));
	assert_non_null(gm_ptr(&gm, 0xfff0, 16));
	assert_int_equal(gm_write(&gm, 0x100000000ull + 0x1ff0, buf, 16), 0);
	assert_int_equal(gm_read(&gm, 0x100000000ull + 0x1ff0, buf + 8, 8), 0);
	assert_int_equal(buf[8], 1);
	assert_int_equal(buf[10], 3);
}

static void test_outside(void **state)
{
	uint8_t buf[16];

	/* Straddling a region end, in the gap, past the end, and overflowing sums. */
	assert_null(gm_ptr(&gm, 0xfff1, 16));
	assert_null(gm_ptr(&gm, 0x10000, 1));
	assert_null(gm_ptr(&gm, 0x80000000, 1));
	assert_null(gm_ptr(&gm, 0x100002000ull, 1));
	assert_null(gm_ptr(&gm, 0x10, UINT64_MAX));
	assert_null(gm_ptr(&gm, UINT64_MAX, 2));
	assert_int_equal(gm_read(&gm, 0xfffc, buf, 8), -14);
	assert_int_equal(gm_write(&gm, 0x100001ffcull, buf, 8), -14);
}

static void test_region_end(void **state)
{
	assert_int_equal(gm_region_end(&gm, 0x1234), 0x10000);
	assert_int_equal(gm_region_end(&gm, 0x100000000ull), 0x100002000ull);
	assert_int_equal(gm_region_end(&gm, 0x20000), 0);
}

static uint64_t blocks(void)
{
	struct stat st;

	assert_int_equal(fstat(gm.fd, &st), 0);
	return (uint64_t)st.st_blocks;
}

static void test_discard_frees_pages(void **state)
{
	uint8_t *lo = gm_ptr(&gm, 0, 0x1000), *hi = gm_ptr(&gm, 0x100000000ull, 0x2000);
	uint64_t before;

	memset(lo, 0x5a, 0x1000);
	memset(hi, 0xa5, 0x2000);
	before = blocks();
	/* The second region's first page: its fd offset is 0x10000, not 0. */
	assert_int_equal(gm_discard(&gm, 0x100000000ull, 0x1000), 0);
	assert_int_equal(before - blocks(), 0x1000 / 512);
	for (unsigned i = 0; i < 0x1000; i++)
		assert_int_equal(hi[i], 0);
	assert_int_equal(hi[0x1000], 0xa5);
	assert_int_equal(lo[0], 0x5a);
	assert_int_equal(lo[0xfff], 0x5a);
	/* Touched again, the page is plain memory once more. */
	hi[5] = 7;
	assert_int_equal(hi[5], 7);
	/* Outside RAM, straddling a region end, overflowing: refused, nothing freed. */
	before = blocks();
	assert_int_equal(gm_discard(&gm, 0x20000, 0x1000), -EFAULT);
	assert_int_equal(gm_discard(&gm, 0xf000, 0x2000), -EFAULT);
	assert_int_equal(gm_discard(&gm, 0x1000, UINT64_MAX), -EFAULT);
	assert_int_equal(blocks(), before);
	assert_int_equal(lo[0], 0x5a);
}

static void test_bad_layout(void **state)
{
	struct guest_memory g2;
	struct gm_layout l = {.nr = 0};

	assert_int_not_equal(gm_create(&g2, &l), 0);
	l.nr = GM_MAX_REGIONS + 1;
	assert_int_not_equal(gm_create(&g2, &l), 0);
	l.nr = 1;
	l.size[0] = 0;
	assert_int_not_equal(gm_create(&g2, &l), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_region_end),
		cmocka_unit_test(test_bad_layout),
		/* Last: it changes the shared memory's contents. */
		cmocka_unit_test(test_discard_frees_pages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
