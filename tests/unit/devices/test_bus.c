// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "devices/bus.h"

/* A device that records the last offset it saw and answers with its tag. */
struct rec {
	uint8_t tag;
	uint64_t off;
	int reads, writes;
};

static void rec_read(void *opaque, uint64_t off, uint8_t *data, uint32_t len)
{
	struct rec *r = opaque;

	r->off = off;
	r->reads++;
	memset(data, r->tag, len);
}

static void rec_write(void *opaque, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct rec *r = opaque;

	r->off = off;
	r->writes++;
}

static const struct bus_ops rec_ops = {rec_read, rec_write};

static void test_add_and_route(void **state)
{
	struct bus b;
	struct rec a = {.tag = 0xaa}, c = {.tag = 0xcc};
	uint8_t v[4];

	bus_init(&b);
	assert_int_equal(bus_add(&b, 0x1000, 0x100, "a", &rec_ops, &a), 0);
	assert_int_equal(bus_add(&b, 0x1100, 0x100, "c", &rec_ops, &c), 0);
	assert_int_equal(bus_add(&b, 0x10f0, 0x20, "x", &rec_ops, &a), -1);  /* overlaps */
	assert_int_equal(bus_add(&b, 0, 0, "x", &rec_ops, &a), -1);	     /* empty */
	assert_int_equal(bus_add(&b, UINT64_MAX, 2, "x", &rec_ops, &a), -1); /* wraps */
	assert_true(bus_read(&b, 0x1104, v, 4));
	assert_int_equal(v[0], 0xcc);
	assert_int_equal(c.off, 4);
	/* Straddling the end of a range, or hitting nothing: refused, reads see ones. */
	assert_false(bus_read(&b, 0x11fe, v, 4));
	assert_int_equal(v[3], 0xff);
	assert_false(bus_write(&b, 0x2000, v, 1));
	assert_int_equal(a.writes + c.writes, 0);
	bus_destroy(&b);
}

static void test_move(void **state)
{
	struct bus b;
	struct rec a = {.tag = 0xaa}, c = {.tag = 0xcc};
	uint8_t v;

	bus_init(&b);
	assert_int_equal(bus_add(&b, 0x1000, 0x100, "a", &rec_ops, &a), 0);
	assert_int_equal(bus_add(&b, 0x3000, 0x100, "c", &rec_ops, &c), 0);
	/* A disabled range claims nothing; enabled again at a new base, it is found there. */
	assert_int_equal(bus_move(&b, &a, 0x1000, false), 0);
	assert_false(bus_read(&b, 0x1000, &v, 1));
	assert_int_equal(bus_move(&b, &a, 0x8000, true), 0);
	assert_false(bus_read(&b, 0x1000, &v, 1));
	assert_true(bus_write(&b, 0x8010, &v, 1));
	assert_int_equal(a.off, 0x10);
	/* Onto another enabled range: refused, and the range stays off. */
	assert_int_equal(bus_move(&b, &a, 0x3080, true), -1);
	assert_true(bus_read(&b, 0x3080, &v, 1));
	assert_int_equal(v, 0xcc);
	assert_false(bus_read(&b, 0x8010, &v, 1));
	/* Over a disabled one it may go. */
	assert_int_equal(bus_move(&b, &c, 0x3000, false), 0);
	assert_int_equal(bus_move(&b, &a, 0x3000, true), 0);
	assert_true(bus_read(&b, 0x3000, &v, 1));
	assert_int_equal(v, 0xaa);
	assert_int_equal(bus_move(&b, &v, 0x3000, true), -1); /* not on the bus */
	bus_destroy(&b);
}

/* A guest-chosen base that would wrap the address space is never decoded. */
static void test_move_wraps(void **state)
{
	struct bus b;
	struct rec a = {.tag = 0xaa};
	uint8_t v;

	bus_init(&b);
	assert_int_equal(bus_add(&b, 0x1000, 0x100, "a", &rec_ops, &a), 0);
	assert_int_equal(bus_move(&b, &a, UINT64_MAX - 0x10, true), -1);
	assert_false(bus_read(&b, UINT64_MAX - 0x8, &v, 1));
	assert_false(bus_read(&b, 0x10, &v, 1));
	assert_int_equal(a.reads, 0);
	bus_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_route),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_move_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
