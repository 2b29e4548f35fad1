// SPDX-License-Identifier: BSD-3-Clause
/* Loading encoder backend modules (crosvm-video-NAME.so next to the binary). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "devices/virtio/video/video.h"

static void test_stale_module_refused(void **state)
{
	char err[512] = "";

	assert_null(video_backend_load("stale", err, sizeof(err)));
	assert_non_null(strstr(err, "crosvm-video-stale.so was built for another crosvm"));
}

static void test_missing_module(void **state)
{
	char err[512] = "";

	assert_null(video_backend_load("nosuch", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot load the nosuch backend crosvm-video-nosuch.so"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_module_refused),
		cmocka_unit_test(test_missing_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
