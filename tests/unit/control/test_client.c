// SPDX-License-Identifier: BSD-3-Clause
/* The client's side of the control socket: deadlines, and answers it must not trust. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/client.h"
#include "control/reply.h"
#include "fake_vm.h"

static char dir[64];
static char err[512];

static int mkdir_tmp(void **state)
{
	strcpy(dir, "/tmp/crosvm-client-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A request of type to the fake VM, within timeout_ms. */
static int ask(struct fake_vm *f, uint16_t type, int timeout_ms, struct ctl_msg *resp)
{
	struct ctl_msg req = {.type = type};

	return ctl_transact(f->path, &req, resp, timeout_ms, err, sizeof(err));
}

/* A VM whose queue is full, and one that never answers: each fails at its deadline. */
static void test_deadlines(void **state)
{
	struct fake_vm f;
	struct ctl_msg resp;
	long long t;

	assert_int_equal(CTL_TIMEOUT_MS, 15000); /* what the README promises */
	fake_vm_start(&f, dir, FAKE_VM_BACKLOG);
	t = fake_vm_now_ms();
	assert_int_equal(ask(&f, CTL_REQ_STOP, 300, &resp), -ETIMEDOUT);
	t = fake_vm_now_ms() - t;
	assert_true(t >= 250 && t < 2000);
	assert_non_null(strstr(err, "accepted no connection"));
	fake_vm_stop(&f);

	fake_vm_start(&f, dir, FAKE_VM_SILENT);
	t = fake_vm_now_ms();
	assert_int_equal(ask(&f, CTL_REQ_BALLOON_STATS, 300, &resp), -ETIMEDOUT);
	t = fake_vm_now_ms() - t;
	assert_true(t >= 250 && t < 2000);
	assert_non_null(strstr(err, "no answer"));
	fake_vm_stop(&f);
	assert_int_equal(f.requests, 1);
	assert_int_equal(f.req.type, CTL_REQ_BALLOON_STATS);

	fake_vm_start(&f, dir, FAKE_VM_CLOSE);
	assert_int_equal(ask(&f, CTL_REQ_STOP, 1000, &resp), -EPROTO);
	assert_non_null(strstr(err, "without answering"));
	fake_vm_stop(&f);

	/* Nobody there; an empty or too long path. */
	assert_int_equal(ask(&f, CTL_REQ_STOP, 1000, &resp), -ENOENT);
	assert_non_null(strstr(err, "no VM at"));
	{
		struct ctl_msg req = {.type = CTL_REQ_STOP};
		char longp[200];

		assert_int_equal(ctl_transact("", &req, &resp, 100, err, sizeof(err)), -EINVAL);
		memset(longp, 'a', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		assert_int_equal(ctl_transact(longp, &req, &resp, 100, err, sizeof(err)),
				 -ENAMETOOLONG);
		req.type = CTL_RESP_OK; /* not a request */
		assert_int_equal(ctl_transact(f.path, &req, &resp, 100, err, sizeof(err)), -EINVAL);
	}
}

/* Well-formed answers of the wrong type, and malformed ones. */
static void test_wrong_answers(void **state)
{
	static const struct {
		uint16_t req, resp;
	} wrong[] = {
		{CTL_REQ_STOP, CTL_REQ_STOP}, /* the request echoed back */
		{CTL_REQ_STOP, CTL_RESP_BALLOON_STATS},
		{CTL_REQ_BALLOON_STATS, CTL_RESP_OK},
		{CTL_REQ_DISK_RESIZE, CTL_REQ_DISK_RESIZE},
		{CTL_REQ_SUSPEND, CTL_REQ_RESUME},
	};
	struct fake_vm f;
	struct ctl_msg resp, m;
	uint8_t raw[CTL_MAX_MSG + 16];

	fake_vm_start(&f, dir, FAKE_VM_ANSWER);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		m = (struct ctl_msg){.type = wrong[i].resp};
		fake_vm_answer(&f, &m);
		assert_int_equal(ask(&f, wrong[i].req, 1000, &resp), -EPROTO);
		assert_non_null(strstr(err, "bad answer"));
	}
	/* The right type passes. */
	m = (struct ctl_msg){.type = CTL_RESP_OK};
	fake_vm_answer(&f, &m);
	assert_int_equal(ask(&f, CTL_REQ_RESUME, 1000, &resp), 0);
	assert_int_equal(f.req.type, CTL_REQ_RESUME);
	/* Statistics flagged beyond the known ones. */
	m = (struct ctl_msg){.type = CTL_RESP_BALLOON_STATS};
	m.u.stats.valid = 1ull << 40;
	fake_vm_answer(&f, &m);
	assert_int_equal(ask(&f, CTL_REQ_BALLOON_STATS, 1000, &resp), -EPROTO);
	/* Garbage, a truncated answer, an oversized one. */
	memset(raw, 0xa5, sizeof(raw));
	fake_vm_answer_raw(&f, raw, 40);
	assert_int_equal(ask(&f, CTL_REQ_STOP, 1000, &resp), -EPROTO);
	assert_non_null(strstr(err, "bad magic"));
	m = (struct ctl_msg){.type = CTL_RESP_BALLOON_STATS};
	fake_vm_answer(&f, &m);
	fake_vm_answer_raw(&f, f.reply, f.reply_len - 1);
	assert_int_equal(ask(&f, CTL_REQ_BALLOON_STATS, 1000, &resp), -EPROTO);
	fake_vm_answer(&f, &m);
	memset(f.reply + f.reply_len, 0, 40);
	fake_vm_answer_raw(&f, f.reply, CTL_MAX_MSG + 40);
	assert_int_equal(ask(&f, CTL_REQ_BALLOON_STATS, 1000, &resp), -EPROTO);
	assert_non_null(strstr(err, "too long"));
	fake_vm_answer_raw(&f, raw, 0);
	assert_true(ask(&f, CTL_REQ_STOP, 1000, &resp) < 0);
	fake_vm_stop(&f);
}

/* Error answers: the VM's errno comes back, its text escaped, an empty one explained. */
static void test_refusals(void **state)
{
	struct fake_vm f;
	struct ctl_msg resp, m = {.type = CTL_RESP_ERR};

	fake_vm_start(&f, dir, FAKE_VM_ANSWER);
	m.u.error.err = ENOSPC;
	strcpy(m.u.error.text, "disk \x1b[2Jfull\r\nroot# \\ \x7f\xff");
	fake_vm_answer(&f, &m);
	assert_int_equal(ask(&f, CTL_REQ_DISK_RESIZE, 1000, &resp), -ENOSPC);
	assert_string_equal(err, "refused: disk \\x1b[2Jfull\\x0d\\x0aroot# \\\\ \\x7f\\xff");

	m.u.error.err = 0; /* no errno: EIO */
	m.u.error.text[0] = '\0';
	fake_vm_answer(&f, &m);
	assert_int_equal(ask(&f, CTL_REQ_STOP, 1000, &resp), -EIO);
	assert_non_null(strstr(err, "without a reason"));

	m.u.error.err = -5; /* impossible errnos too */
	fake_vm_answer(&f, &m);
	assert_int_equal(ask(&f, CTL_REQ_STOP, 1000, &resp), -EIO);
	m.u.error.err = 1 << 20;
	fake_vm_answer(&f, &m);
	assert_int_equal(ask(&f, CTL_REQ_STOP, 1000, &resp), -EIO);
	fake_vm_stop(&f);
}

static void test_escape(void **state)
{
	char out[16];

	assert_int_equal(ctl_escape("plain", 5, out, sizeof(out)), 5);
	assert_string_equal(out, "plain");
	/* Stops at a NUL and at inlen. */
	assert_int_equal(ctl_escape("ab\0cd", 5, out, sizeof(out)), 2);
	assert_int_equal(ctl_escape("abcdef", 3, out, sizeof(out)), 3);
	/* Never half an escape when out is full. */
	ctl_escape("0123456789ab\x01", 13, out, sizeof(out));
	assert_string_equal(out, "0123456789ab");
	ctl_escape("\t", 1, out, 4);
	assert_string_equal(out, "");
	assert_int_equal(ctl_escape("x", 1, out, 0), 0);
	assert_int_equal(ctl_reply_type(CTL_REQ_BALLOON_STATS), CTL_RESP_BALLOON_STATS);
	assert_int_equal(ctl_reply_type(CTL_RESP_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deadlines, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_wrong_answers, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_refusals, mkdir_tmp, rm_tmp),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
