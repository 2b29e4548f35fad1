// SPDX-License-Identifier: BSD-3-Clause
/*
 * A program as libcrosvm_control's users write it: only the public header and
 * the shared library (no crosvm-c internals linked), each function reachable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "control/crosvm_control.h"

static void test_exported(void **state)
{
	static const char nowhere[] = "/nonexistent/crosvm.sock";
	struct BalloonStatsFfi s;
	uint64_t actual;

	assert_false(crosvm_client_stop_vm(NULL));
	assert_int_equal(errno, EINVAL);
	assert_false(crosvm_client_stop_vm(nowhere));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(crosvm_client_last_error(), nowhere));
	assert_false(crosvm_client_suspend_vm(nowhere));
	assert_false(crosvm_client_resume_vm(nowhere));
	assert_false(crosvm_client_balloon_vms(nowhere, 4096));
	assert_false(crosvm_client_balloon_stats(nowhere, &s, &actual));
	assert_false(crosvm_client_balloon_stats_with_timeout(nowhere, 100, &s, &actual));
	assert_false(crosvm_client_resize_disk(nowhere, 0, 4096));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
