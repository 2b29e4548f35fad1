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
	/* A config write's answer, and the image's, carry the whole config space. */
	if (op == PROXY_CFG_WRITE || op == PROXY_CFG_IMAGE)
		r.len = PROXY_CFG_SPACE;
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
	answer(PROXY_CFG_IMAGE, 0);
	assert_true(ok());
	/* A failed config write carries nothing: the VMM then forwards config reads. */
	answer(PROXY_CFG_WRITE, 4);
	r.result = -EINVAL;
	r.len = 0;
	assert_true(ok());
}

/* A malformed answer: the request, then what the answer gets wrong. */
struct bad {
	const char *why;
	uint32_t op, len;
	uint32_t r_op; /* 0: the request's */
	int32_t result;
	int64_t r_len; /* -1: as a good answer has it */
	uint32_t nr_routes, vector, fire;
	uint8_t bar_changed;
	uint64_t bar0;
};

static const struct bad bads[] = {
	{"another op's answer", PROXY_CFG_READ, 4, .r_op = PROXY_CFG_WRITE, .r_len = -1},
	{"a positive error", PROXY_PAUSE, 0, .result = 1, .r_len = -1},
	{"a short read leaves guest bytes unset", PROXY_BAR_READ, 4, .r_len = 2},
	{"a reply beyond the buffer", PROXY_CONTROL, 8, .r_len = VIRTIO_CONTROL_MAX + 1},
	{"a failed call with a reply", PROXY_CONTROL, 8, .result = -EIO, .r_len = 4},
	{"a write that returns bytes", PROXY_BAR_WRITE, 4, .r_len = 4},
	{"a config write with part of the space", PROXY_CFG_WRITE, 4, .r_len = 4},
	{"a config write without the space", PROXY_CFG_WRITE, 4, .r_len = 0},
	{"a failed config write with the space", PROXY_CFG_WRITE, 4, .result = -EIO,
	 .r_len = PROXY_CFG_SPACE},
	{"a config image of the wrong size", PROXY_CFG_IMAGE, 0, .r_len = 64},
	{"a config image that fires", PROXY_CFG_IMAGE, 0, .r_len = -1, .fire = 1},
	{"more routes than vectors", PROXY_BAR_WRITE, 4, .r_len = -1, .nr_routes = VECTORS + 1},
	{"a route of no vector", PROXY_BAR_WRITE, 4, .r_len = -1, .nr_routes = 1,
	 .vector = VECTORS},
	{"an interrupt of no vector", PROXY_BAR_WRITE, 4, .r_len = -1, .fire = 1u << VECTORS},
	{"the top interrupt bit", PROXY_BAR_WRITE, 4, .r_len = -1, .fire = 0x80000000u},
	{"a control call that fires", PROXY_CONTROL, 8, .r_len = -1, .fire = 1},
	{"a resume that routes", PROXY_RESUME, 0, .r_len = -1, .nr_routes = 1},
	{"an unaligned BAR", PROXY_CFG_WRITE, 4, .r_len = -1, .bar_changed = 1,
	 .bar0 = BAR_SIZE + 0x1000},
	{"a BAR access moves the BAR", PROXY_BAR_WRITE, 4, .r_len = -1, .bar_changed = 1,
	 .bar0 = BAR_SIZE},
	{"a control call moves the BAR", PROXY_CONTROL, 8, .r_len = -1, .bar_changed = 1},
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];

		answer(b->op, b->len);
		if (b->r_op)
			r.op = b->r_op;
		r.result = b->result;
		if (b->r_len >= 0)
			r.len = (uint32_t)b->r_len;
		r.nr_routes = b->nr_routes;
		r.routes[0].vector = b->vector;
		r.fire = b->fire;
		r.bar_changed = b->bar_changed;
		r.bar0 = b->bar0;
		if (ok())
			fail_msg("accepted: %s", b->why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
