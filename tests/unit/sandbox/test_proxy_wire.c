// SPDX-License-Identifier: BSD-3-Clause
/*
 * The proxy's check of a device process's answers: a taken-over device
 * process may send anything, and nothing in an answer may reach KVM (routes,
 * BAR moves, interrupts) or the guest (read bytes) unless it fits the request.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sandbox/proxy_wire.h"

#define VECTORS	 3
#define BAR_SIZE 0x8000

static struct proxy_req q;
static struct proxy_resp r;

static void answer(uint32_t op, uint32_t len)
{
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	q.op = r.op = op;
	q.len = len;
	if (op == PROXY_CFG_READ || op == PROXY_BAR_READ)
		r.len = len;
}

static bool ok(void)
{
	return proxy_answer_ok(&q, &r, VECTORS, BAR_SIZE);
}

static void test_well_formed(void **state)
{
	answer(PROXY_CFG_READ, 4);
	assert_true(ok());
	answer(PROXY_BAR_WRITE, 8);
	r.nr_routes = 1;
	r.routes[0].vector = VECTORS - 1;
	r.fire = 1u << (VECTORS - 1);
	assert_true(ok());
	answer(PROXY_CFG_WRITE, 4);
	r.bar_changed = 1;
	r.bar0 = 2 * BAR_SIZE;
	assert_true(ok());
	answer(PROXY_CONTROL, 16);
	r.len = VIRTIO_CONTROL_MAX;
	assert_true(ok());
	answer(PROXY_CONTROL, 16);
	r.result = -EINVAL;
	assert_true(ok());
	answer(PROXY_STOP, 0);
	assert_true(ok());
}

static void test_wrong_op_or_result(void **state)
{
	answer(PROXY_CFG_READ, 4);
	r.op = PROXY_CFG_WRITE;
	assert_false(ok());
	answer(PROXY_PAUSE, 0);
	r.result = 1; /* errors are negative */
	assert_false(ok());
}

static void test_lengths(void **state)
{
	answer(PROXY_BAR_READ, 4);
	r.len = 2; /* a short read would leave guest bytes unset */
	assert_false(ok());
	answer(PROXY_CONTROL, 8);
	r.len = VIRTIO_CONTROL_MAX + 1;
	assert_false(ok());
	answer(PROXY_CONTROL, 8);
	r.result = -EIO;
	r.len = 4; /* a failed call has no reply */
	assert_false(ok());
	answer(PROXY_CFG_WRITE, 4);
	r.len = 4;
	assert_false(ok());
}

static void test_routes_and_interrupts(void **state)
{
	answer(PROXY_BAR_WRITE, 4);
	r.nr_routes = VECTORS + 1;
	assert_false(ok());
	answer(PROXY_BAR_WRITE, 4);
	r.nr_routes = 1;
	r.routes[0].vector = VECTORS;
	assert_false(ok());
	answer(PROXY_BAR_WRITE, 4);
	r.fire = 1u << VECTORS;
	assert_false(ok());
	answer(PROXY_BAR_WRITE, 4);
	r.fire = 0x80000000u;
	assert_false(ok());
	/* Only a guest's access carries side effects. */
	answer(PROXY_CONTROL, 8);
	r.fire = 1;
	assert_false(ok());
	answer(PROXY_RESUME, 0);
	r.nr_routes = 1;
	assert_false(ok());
}

static void test_bar_moves(void **state)
{
	answer(PROXY_CFG_WRITE, 4);
	r.bar_changed = 1;
	r.bar0 = BAR_SIZE + 0x1000; /* not aligned to its size */
	assert_false(ok());
	answer(PROXY_BAR_WRITE, 4); /* a BAR access cannot move the BAR */
	r.bar_changed = 1;
	r.bar0 = BAR_SIZE;
	assert_false(ok());
	answer(PROXY_CONTROL, 8);
	r.bar_changed = 1;
	assert_false(ok());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_wrong_op_or_result),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_routes_and_interrupts),
		cmocka_unit_test(test_bar_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
