// SPDX-License-Identifier: BSD-3-Clause
/* libcrosvm_control's functions against a fake VM, friendly and hostile. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/virtio_balloon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_lib.h"
#include "control/crosvm_control.h"
#include "fake_vm.h"

static char dir[64];
static struct fake_vm f;

static int setup(void **state)
{
	return fake_vm_setup(&f, dir, "/tmp/crosvm-lib-XXXXXX");
}

static int teardown(void **state)
{
	return fake_vm_teardown(&f, dir);
}

static void answer(uint16_t type)
{
	struct ctl_msg m = {.type = type};

	fake_vm_answer(&f, &m);
}

static void refuse(int e, const char *text)
{
	struct ctl_msg m = {.type = CTL_RESP_ERR};

	m.u.error.err = e;
	snprintf(m.u.error.text, sizeof(m.u.error.text), "%s", text);
	fake_vm_answer(&f, &m);
}

typedef bool (*simple_fn)(const char *);

/* stop, suspend, resume: the request sent, OK accepted, anything else refused. */
static void test_simple(void **state)
{
	static const struct {
		simple_fn fn;
		uint16_t type;
	} fns[] = {
		{crosvm_client_stop_vm, CTL_REQ_STOP},
		{crosvm_client_suspend_vm, CTL_REQ_SUSPEND},
		{crosvm_client_resume_vm, CTL_REQ_RESUME},
		{ctl_lib_powerbtn, CTL_REQ_POWERBTN}, /* not exported: crosvm has no such call */
	};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		answer(CTL_RESP_OK);
		assert_true(fns[i].fn(f.path));
		assert_int_equal(f.req.type, fns[i].type);
		assert_string_equal(crosvm_client_last_error(), "");
		/* The request echoed back is no success. */
		answer(fns[i].type);
		errno = 0;
		assert_false(fns[i].fn(f.path));
		assert_int_equal(errno, EPROTO);
		answer(CTL_RESP_BALLOON_STATS);
		assert_false(fns[i].fn(f.path));
		refuse(EBUSY, "busy\n");
		assert_false(fns[i].fn(f.path));
		assert_int_equal(errno, EBUSY);
		assert_string_equal(crosvm_client_last_error(), "refused: busy\\x0a");
		errno = 0;
		assert_false(fns[i].fn(NULL));
		assert_int_equal(errno, EINVAL);
	}
}

static void test_balloon(void **state)
{
	answer(CTL_RESP_OK);
	assert_true(crosvm_client_balloon_vms(f.path, 1ull << 40));
	assert_int_equal(f.req.type, CTL_REQ_BALLOON_SET);
	assert_int_equal(f.req.u.bytes, 1ull << 40);
	answer(CTL_REQ_BALLOON_SET);
	assert_false(crosvm_client_balloon_vms(f.path, 4096));
	refuse(0, "");
	assert_false(crosvm_client_balloon_vms(f.path, 4096));
	assert_int_equal(errno, EIO);
	assert_non_null(strstr(crosvm_client_last_error(), "without a reason"));
	assert_false(crosvm_client_balloon_vms(NULL, 4096));
}

static void test_resize(void **state)
{
	answer(CTL_RESP_OK);
	assert_true(crosvm_client_resize_disk(f.path, 3, 5ull << 30));
	assert_int_equal(f.req.type, CTL_REQ_DISK_RESIZE);
	assert_int_equal(f.req.u.resize.index, 3);
	assert_int_equal(f.req.u.resize.size, 5ull << 30);
	/* An index the wire cannot carry is refused before anything is sent. */
	f.requests = 0;
	assert_false(crosvm_client_resize_disk(f.path, 1ull << 32, 4096));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(f.requests, 0);
	refuse(ENODEV, "no disk 9");
	assert_false(crosvm_client_resize_disk(f.path, 9, 4096));
	assert_int_equal(errno, ENODEV);
	answer(CTL_RESP_BALLOON_STATS);
	assert_false(crosvm_client_resize_disk(f.path, 0, 4096));
	assert_false(crosvm_client_resize_disk(NULL, 0, 4096));
}

static void test_stats(void **state)
{
	struct ctl_msg m = {.type = CTL_RESP_BALLOON_STATS};
	struct BalloonStatsFfi s;
	uint64_t actual = 0;

	m.u.stats.actual_bytes = 12345 * 4096ull;
	m.u.stats.valid = (1u << VIRTIO_BALLOON_S_MEMFREE) | (1u << VIRTIO_BALLOON_S_SWAP_IN) |
			  (1u << VIRTIO_BALLOON_S_CACHES) | (1u << VIRTIO_BALLOON_S_MEMTOT);
	m.u.stats.stat[VIRTIO_BALLOON_S_MEMFREE] = 1000;
	m.u.stats.stat[VIRTIO_BALLOON_S_SWAP_IN] = 0;
	m.u.stats.stat[VIRTIO_BALLOON_S_CACHES] = 77;
	m.u.stats.stat[VIRTIO_BALLOON_S_MEMTOT] = UINT64_MAX; /* beyond int64_t: none */
	m.u.stats.stat[VIRTIO_BALLOON_S_AVAIL] = 99;	      /* not flagged: none */
	fake_vm_answer(&f, &m);
	assert_true(crosvm_client_balloon_stats(f.path, &s, &actual));
	assert_int_equal(f.req.type, CTL_REQ_BALLOON_STATS);
	assert_int_equal(actual, 12345 * 4096ull);
	assert_int_equal(s.free_memory, 1000);
	assert_int_equal(s.swap_in, 0);
	assert_int_equal(s.disk_caches, 77);
	assert_int_equal(s.total_memory, -1);
	assert_int_equal(s.available_memory, -1);
	assert_int_equal(s.swap_out, -1);
	assert_int_equal(s.unevictable_memory, -1);
	/* Both outputs are optional. */
	assert_true(crosvm_client_balloon_stats(f.path, NULL, NULL));
	assert_true(crosvm_client_balloon_stats_with_timeout(f.path, 1000, NULL, &actual));
	/* OK is no statistics; an error leaves the outputs alone. */
	answer(CTL_RESP_OK);
	actual = 7;
	assert_false(crosvm_client_balloon_stats(f.path, &s, &actual));
	assert_int_equal(actual, 7);
	refuse(ENOTSUP, "no balloon");
	assert_false(crosvm_client_balloon_stats_with_timeout(f.path, 1000, &s, &actual));
	assert_int_equal(errno, ENOTSUP);
	assert_false(crosvm_client_balloon_stats(NULL, &s, &actual));
}

/* A stuck VM: every function gives up at the timeout (15 s unless a test shortens it). */
static void test_stuck_vm(void **state)
{
	struct fake_vm stuck;
	long long t;

	assert_int_equal(ctl_lib_timeout_ms(), 15000);
	fake_vm_start(&stuck, dir, FAKE_VM_BACKLOG);
	t = fake_vm_now_ms();
	assert_false(crosvm_client_balloon_stats_with_timeout(stuck.path, 200, NULL, NULL));
	assert_int_equal(errno, ETIMEDOUT);
	ctl_lib_set_timeout_ms(200);
	assert_false(crosvm_client_stop_vm(stuck.path));
	assert_int_equal(errno, ETIMEDOUT);
	assert_false(crosvm_client_resize_disk(stuck.path, 0, 4096));
	assert_false(crosvm_client_balloon_vms(stuck.path, 4096));
	t = fake_vm_now_ms() - t;
	assert_true(t >= 700 && t < 4000);
	fake_vm_stop(&stuck);
	/* No VM at all. */
	assert_false(crosvm_client_suspend_vm(stuck.path));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(crosvm_client_last_error(), "no VM at"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_simple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balloon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_vm, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
