// SPDX-License-Identifier: BSD-3-Clause
/* crosvm stop|suspend|resume|balloon|balloon_stats|disk: arguments, help and output. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/virtio_balloon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "control/commands.h"
#include "control/control_lib.h"
#include "fake_vm.h"

static char dir[64];
static struct fake_vm f;
static char out[4096], errtext[1024];

static int setup(void **state)
{
	return fake_vm_setup(&f, dir, "/tmp/crosvm-cmd-XXXXXX");
}

static int teardown(void **state)
{
	return fake_vm_teardown(&f, dir);
}

static void slurp(int fd, char *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Runs the subcommand argv (NULL-terminated) with stdout and stderr captured. */
static int run(char **argv)
{
	int argc = 0, o, e, so, se, st;

	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	o = memfd_create("out", 0);
	e = memfd_create("err", 0);
	dup2(o, 1);
	dup2(e, 2);
	st = ctl_command(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(o, out, sizeof(out));
	slurp(e, errtext, sizeof(errtext));
	return st;
}

#define RUN(...)                                     \
	({                                           \
		char *argv_[] = {__VA_ARGS__, NULL}; \
		run(argv_);                          \
	})

/* One line on stderr, naming the subcommand. */
static void assert_one_error_line(const char *cmd)
{
	char *nl = strchr(errtext, '\n');

	assert_non_null(nl);
	assert_string_equal(nl + 1, "");
	assert_memory_equal(errtext, "crosvm ", 7);
	assert_memory_equal(errtext + 7, cmd, strlen(cmd));
}

static void test_help(void **state)
{
	static const char *const cmds[] = {"stop",    "suspend",       "resume", "powerbtn",
					   "balloon", "balloon_stats", "disk"};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s", cmds[i]);
		assert_int_equal(RUN(name, "--help"), EXIT_OK);
		assert_memory_equal(out, "Usage: crosvm ", 14);
		assert_non_null(strstr(out, name));
		assert_string_equal(errtext, "");
		assert_int_equal(RUN(name, "-h"), EXIT_OK);
		/* Any position: help is never taken for a SOCKET or a SIZE. */
		assert_int_equal(RUN(name, f.path, "--help"), EXIT_OK);
		assert_int_equal(f.requests, 0);
		assert_int_equal(RUN(name, "--bogus", f.path), EXIT_BAD_INPUT);
		assert_one_error_line(name);
		assert_non_null(strstr(errtext, "--bogus"));
	}
	assert_int_equal(RUN("run"), -1);
	assert_int_equal(RUN("nosuch"), -1);
}

static void test_bad_arguments(void **state)
{
	assert_int_equal(RUN("stop", ""), EXIT_BAD_INPUT);
	assert_one_error_line("stop");
	assert_non_null(strstr(errtext, "SOCKET is empty"));
	assert_int_equal(RUN("stop"), EXIT_BAD_INPUT);
	assert_one_error_line("stop");
	assert_int_equal(RUN("stop", f.path, f.path), EXIT_BAD_INPUT);
	assert_int_equal(RUN("balloon", "0x10", f.path), EXIT_BAD_INPUT);
	assert_non_null(strstr(errtext, "SIZE '0x10'"));
	assert_int_equal(RUN("balloon", "12Q", f.path), EXIT_BAD_INPUT);
	assert_int_equal(RUN("disk", "grow", "0", "1G", f.path), EXIT_BAD_INPUT);
	assert_int_equal(RUN("disk", "resize", "x", "1G", f.path), EXIT_BAD_INPUT);
	assert_int_equal(RUN("disk", "resize", "4294967296", "1G", f.path), EXIT_BAD_INPUT);
	assert_int_equal(RUN("disk", "resize", "0", "1T", f.path), EXIT_BAD_INPUT);
	assert_int_equal(RUN("balloon_stats", ""), EXIT_BAD_INPUT);
	assert_int_equal(f.requests, 0); /* none of these reached the VM */
	/* No VM: a runtime failure, one line. */
	assert_int_equal(RUN("suspend", "/nonexistent/vm.sock"), EXIT_RUNTIME);
	assert_one_error_line("suspend");
	assert_non_null(strstr(errtext, "no VM at"));
}

static void test_outputs(void **state)
{
	struct ctl_msg m = {.type = CTL_RESP_OK};

	fake_vm_answer(&f, &m);
	assert_int_equal(RUN("stop", f.path), EXIT_OK);
	assert_string_equal(out, "stop: done\n");
	assert_int_equal(RUN("powerbtn", f.path), EXIT_OK);
	assert_int_equal(f.req.type, CTL_REQ_POWERBTN);
	assert_string_equal(out, "powerbtn: done\n");
	assert_int_equal(RUN("powerbtn"), EXIT_BAD_INPUT);
	assert_int_equal(RUN("balloon", "0777", f.path), EXIT_OK); /* decimal */
	assert_int_equal(f.req.u.bytes, 777);
	assert_int_equal(RUN("balloon", "08M", f.path), EXIT_OK);
	assert_int_equal(f.req.u.bytes, 8ull << 20);
	assert_string_equal(out, "balloon: target set to 8388608 bytes\n");
	assert_int_equal(RUN("disk", "resize", "1", "2G", f.path), EXIT_OK);
	assert_string_equal(out, "disk 1: resized to 2147483648 bytes\n");

	m.type = CTL_RESP_BALLOON_STATS;
	m.u.stats.actual_bytes = 4096;
	m.u.stats.valid = (1u << VIRTIO_BALLOON_S_MEMFREE) | (1u << VIRTIO_BALLOON_S_SWAP_IN);
	m.u.stats.stat[VIRTIO_BALLOON_S_MEMFREE] = 123456;
	fake_vm_answer(&f, &m);
	assert_int_equal(RUN("balloon_stats", f.path), EXIT_OK);
	assert_string_equal(out, "{\n"
				 "  \"BalloonStats\": {\n"
				 "    \"stats\": {\n"
				 "      \"swap_in\": 0,\n"
				 "      \"swap_out\": null,\n"
				 "      \"major_faults\": null,\n"
				 "      \"minor_faults\": null,\n"
				 "      \"free_memory\": 123456,\n"
				 "      \"total_memory\": null,\n"
				 "      \"available_memory\": null,\n"
				 "      \"disk_caches\": null,\n"
				 "      \"hugetlb_allocations\": null,\n"
				 "      \"hugetlb_failures\": null,\n"
				 "      \"shared_memory\": null,\n"
				 "      \"unevictable_memory\": null\n"
				 "    },\n"
				 "    \"balloon_actual\": 4096\n"
				 "  }\n"
				 "}\n");

	/* A hostile VM: the wrong answer fails, its text is escaped, one line. */
	assert_int_equal(RUN("stop", f.path), EXIT_RUNTIME);
	assert_one_error_line("stop");
	m = (struct ctl_msg){.type = CTL_RESP_ERR};
	m.u.error.err = 1;
	strcpy(m.u.error.text, "\x1b]0;owned\x07\nline two");
	fake_vm_answer(&f, &m);
	assert_int_equal(RUN("resume", f.path), EXIT_RUNTIME);
	assert_one_error_line("resume");
	assert_string_equal(out, "");
	assert_non_null(strstr(errtext, "refused: \\x1b]0;owned\\x07\\x0aline two"));
}

/* The README's promise: a stuck VM is given up on (at 15 s; shortened here). */
static void test_stuck(void **state)
{
	struct fake_vm stuck;
	long long t;

	fake_vm_start(&stuck, dir, FAKE_VM_BACKLOG);
	ctl_lib_set_timeout_ms(300);
	t = fake_vm_now_ms();
	assert_int_equal(RUN("balloon_stats", stuck.path), EXIT_RUNTIME);
	t = fake_vm_now_ms() - t;
	assert_true(t >= 250 && t < 2000);
	assert_one_error_line("balloon_stats");
	assert_non_null(strstr(errtext, "accepted no connection"));
	fake_vm_stop(&stuck);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
