// SPDX-License-Identifier: BSD-3-Clause
/* The control socket: wire format, validation, socket set-up, and a client round trip. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "config.h"
#include "control/client.h"
#include "control/commands.h"
#include "control/protocol.h"
#include "control/server.h"
#include "fake_vm.h"
#include "util/log.h"
#include "vm/vm.h"

static struct ctl_msg last_req;
static int handled;

static void record(void *opaque, const struct ctl_msg *req, struct ctl_msg *resp)
{
	last_req = *req;
	handled++;
	memset(resp, 0, sizeof(*resp));
	if (req->type == CTL_REQ_BALLOON_STATS) {
		resp->type = CTL_RESP_BALLOON_STATS;
		resp->u.stats.actual_bytes = 4096;
		resp->u.stats.valid = 1u << 4;
		resp->u.stats.stat[4] = 123456;
	} else if (req->type == CTL_REQ_DISK_RESIZE && req->u.resize.index > 3) {
		ctl_error(resp, ENODEV, "no disk %u", req->u.resize.index);
	} else {
		resp->type = CTL_RESP_OK;
	}
}

static const struct ctl_handler handler = {.handle = record};

static void test_round_trip(void **state)
{
	static const uint16_t types[] = {
		CTL_REQ_STOP,	       CTL_REQ_SUSPEND,	      CTL_REQ_RESUME,	CTL_REQ_BALLOON_SET,
		CTL_REQ_BALLOON_STATS, CTL_REQ_DISK_RESIZE,   CTL_REQ_POWERBTN, CTL_RESP_OK,
		CTL_RESP_ERR,	       CTL_RESP_BALLOON_STATS};
	uint8_t buf[CTL_MAX_MSG];
	const char *why;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct ctl_msg m = {.type = types[i]}, back;
		int n;

		m.u.stats.stat[7] = 0x1122334455667788ull; /* overlaps every payload kind */
		if (types[i] == CTL_REQ_BALLOON_SET)
			m.u.bytes = 1ull << 33;
		if (types[i] == CTL_REQ_DISK_RESIZE) {
			m.u.resize.index = 2;
			m.u.resize.size = 3ull << 30;
		}
		if (types[i] == CTL_RESP_ERR) {
			m.u.error.err = ENOSPC;
			strcpy(m.u.error.text, "no room");
		}
		n = ctl_encode(&m, buf, sizeof(buf));
		assert_true(n >= CTL_HDR_LEN);
		assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), 0);
		assert_int_equal(back.type, m.type);
		if (types[i] == CTL_REQ_BALLOON_SET)
			assert_int_equal(back.u.bytes, 1ull << 33);
		if (types[i] == CTL_REQ_DISK_RESIZE) {
			assert_int_equal(back.u.resize.index, 2);
			assert_int_equal(back.u.resize.size, 3ull << 30);
		}
		if (types[i] == CTL_RESP_ERR) {
			assert_int_equal(back.u.error.err, ENOSPC);
			assert_string_equal(back.u.error.text, "no room");
		}
		if (types[i] == CTL_RESP_BALLOON_STATS)
			assert_int_equal(back.u.stats.stat[7], 0x1122334455667788ull);
		/* Exactly the right length: one byte less or more is refused. */
		assert_int_equal(ctl_decode(buf, (size_t)n - 1, &back, &why), -1);
		buf[n] = 0;
		assert_int_equal(ctl_decode(buf, (size_t)n + 1, &back, &why), -1);
	}
}

static void test_malformed(void **state)
{
	struct ctl_msg m = {.type = CTL_REQ_DISK_RESIZE}, back;
	uint8_t buf[CTL_MAX_MSG + 64], good[CTL_MAX_MSG];
	const char *why;
	int n = ctl_encode(&m, good, sizeof(good));

	/* Short, empty, oversized. */
	assert_int_equal(ctl_decode(good, 8, &back, &why), -1);
	assert_int_equal(ctl_decode(good, 0, &back, &why), -1);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, good, (size_t)n);
	assert_int_equal(ctl_decode(buf, sizeof(buf), &back, &why), -1);
	assert_string_equal(why, "message too long");
	/* Each header field broken in turn. */
	memcpy(buf, good, (size_t)n);
	buf[0] ^= 1;
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), -1);
	memcpy(buf, good, (size_t)n);
	buf[4] = 2;
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), -1);
	memcpy(buf, good, (size_t)n);
	buf[6] = 0x77;
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), -1);
	assert_string_equal(why, "unknown message type");
	memcpy(buf, good, (size_t)n);
	buf[8] = 15;
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), -1);
	memcpy(buf, good, (size_t)n);
	buf[12] = 1;
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), -1);
	memcpy(buf, good, (size_t)n);
	buf[CTL_HDR_LEN + 4] = 1; /* reserved field of the resize payload */
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), -1);
	/* An error text without a NUL still decodes to a terminated string. */
	m = (struct ctl_msg){.type = CTL_RESP_ERR};
	n = ctl_encode(&m, buf, sizeof(buf));
	memset(buf + CTL_HDR_LEN + 4, 'x', CTL_ERR_MSG);
	assert_int_equal(ctl_decode(buf, (size_t)n, &back, &why), 0);
	assert_int_equal(strlen(back.u.error.text), CTL_ERR_MSG - 1);
	/* Too small an output buffer is refused, not overrun. */
	m = (struct ctl_msg){.type = CTL_RESP_BALLOON_STATS};
	assert_int_equal(ctl_encode(&m, buf, 32), -1);
}

/* The server side answers every datagram; only well-formed requests reach the VM. */
static void test_process(void **state)
{
	uint8_t in[CTL_MAX_MSG], out[CTL_MAX_MSG];
	struct ctl_msg m = {.type = CTL_REQ_SUSPEND}, resp;
	const char *why;
	int n;

	handled = 0;
	n = ctl_encode(&m, in, sizeof(in));
	n = ctl_server_process(in, (size_t)n, out, sizeof(out), &handler);
	assert_int_equal(ctl_decode(out, (size_t)n, &resp, &why), 0);
	assert_int_equal(resp.type, CTL_RESP_OK);
	assert_int_equal(handled, 1);
	assert_int_equal(last_req.type, CTL_REQ_SUSPEND);

	/* Garbage, and a response type sent as a request: errors, the handler never runs. */
	memset(in, 0xa5, sizeof(in));
	n = ctl_server_process(in, 40, out, sizeof(out), &handler);
	assert_int_equal(ctl_decode(out, (size_t)n, &resp, &why), 0);
	assert_int_equal(resp.type, CTL_RESP_ERR);
	assert_non_null(strstr(resp.u.error.text, "malformed"));
	m.type = CTL_RESP_OK;
	n = ctl_encode(&m, in, sizeof(in));
	n = ctl_server_process(in, (size_t)n, out, sizeof(out), &handler);
	assert_int_equal(ctl_decode(out, (size_t)n, &resp, &why), 0);
	assert_int_equal(resp.type, CTL_RESP_ERR);
	assert_int_equal(handled, 1);
}

static char dir[64];

static int mkdir_tmp(void **state)
{
	strcpy(dir, "/tmp/crosvm-ctl-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_open(void **state)
{
	struct ctl_server s, s2;
	char path[128], err[256], want[128];
	struct stat st;
	int fd;

	/* A directory: the socket is named after the pid inside it. */
	assert_int_equal(ctl_server_open(&s, dir, 1000, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/crosvm-%d.sock", dir, (int)getpid());
	assert_string_equal(s.path, want);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	/* A live VM there: refused, and its socket is left alone. */
	assert_int_equal(ctl_server_open(&s2, want, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already listens"));
	assert_int_equal(stat(want, &st), 0);
	ctl_server_close(&s);
	assert_int_equal(stat(want, &st), -1); /* removed on close */

	/* A stale socket (nobody listening): replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	{
		struct sockaddr_un a = {.sun_family = AF_UNIX};

		strcpy(a.sun_path, path);
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	}
	close(fd);
	assert_int_equal(ctl_server_open(&s, path, 1000, err, sizeof(err)), 0);
	ctl_server_close(&s);

	/* A regular file is not ours to remove; a path too long for sun_path is refused. */
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = creat(path, 0600);
	close(fd);
	assert_int_equal(ctl_server_open(&s, path, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(stat(path, &st), 0);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(ctl_server_open(&s, path, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

/* run -s on a VM that accepts no connection: refused at the probe's timeout, not hung. */
static void test_open_stuck(void **state)
{
	struct ctl_server s;
	struct fake_vm f;
	struct stat st;
	char err[256];
	long long t;

	fake_vm_start(&f, dir, FAKE_VM_BACKLOG);
	t = fake_vm_now_ms();
	assert_int_equal(ctl_server_open(&s, f.path, 300, err, sizeof(err)), -1);
	t = fake_vm_now_ms() - t;
	assert_true(t >= 250 && t < 2000);
	assert_non_null(strstr(err, "already listens"));
	assert_int_equal(stat(f.path, &st), 0); /* not taken over */
	fake_vm_stop(&f);
}

/* SIGTERM while `crosvm run -s` probes a stuck VM's socket (for up to 15 s) ends it at once. */
static void test_run_probe_sigterm(void **state)
{
	struct fake_vm f;
	long long t;
	pid_t pid;
	int ws;

	fake_vm_start(&f, dir, FAKE_VM_BACKLOG);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {"run", "-s", f.path, "--disable-sandbox", "/nonexistent-kernel"};
		struct vm_config cfg;
		char err[256];

		if (config_parse_run(5, argv, &cfg, err, sizeof(err)) != PARSE_OK)
			_exit(100);
		log_set_level(LOG_LVL_ERROR);
		_exit(vm_run(&cfg));
	}
	usleep(300 * 1000);
	t = fake_vm_now_ms();
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	t = fake_vm_now_ms() - t;
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(WTERMSIG(ws), SIGTERM);
	assert_true(t < 2000);
	fake_vm_stop(&f);
}

static struct ctl_server srv;

static void *serve_once(void *arg)
{
	struct pollfd p = {.fd = srv.fd, .events = POLLIN};

	poll(&p, 1, 5000);
	ctl_server_serve(&srv, &handler);
	return NULL;
}

/* `crosvm disk resize` and `crosvm balloon_stats` end to end over a real socket. */
static void test_client(void **state)
{
	char err[256], idx[] = "1", size[] = "2G", resize[] = "resize", path[128];
	char disk[] = "disk", bstats[] = "balloon_stats", stop[] = "stop", run[] = "run";
	char *resize_argv[] = {disk, resize, idx, size, path};
	char *stats_argv[] = {bstats, path};
	char *stop_argv[] = {stop};
	char *run_argv[] = {run};
	pthread_t t;

	assert_int_equal(ctl_server_open(&srv, dir, 1000, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s", srv.path);
	handled = 0;
	pthread_create(&t, NULL, serve_once, NULL);
	assert_int_equal(ctl_command(5, resize_argv), EXIT_OK);
	pthread_join(t, NULL);
	assert_int_equal(handled, 1);
	assert_int_equal(last_req.type, CTL_REQ_DISK_RESIZE);
	assert_int_equal(last_req.u.resize.index, 1);
	assert_int_equal(last_req.u.resize.size, 2ull << 30);

	pthread_create(&t, NULL, serve_once, NULL);
	assert_int_equal(ctl_command(2, stats_argv), EXIT_OK);
	pthread_join(t, NULL);
	assert_int_equal(last_req.type, CTL_REQ_BALLOON_STATS);

	/* A refused request: non-zero status. */
	idx[0] = '7';
	pthread_create(&t, NULL, serve_once, NULL);
	assert_int_equal(ctl_command(5, resize_argv), EXIT_RUNTIME);
	pthread_join(t, NULL);
	ctl_server_close(&srv);

	/* No VM at the socket any more; bad arguments; not a control command. */
	assert_int_equal(ctl_command(2, stats_argv), EXIT_RUNTIME);
	size[0] = 'x';
	assert_int_equal(ctl_command(5, resize_argv), EXIT_BAD_INPUT);
	assert_int_equal(ctl_command(1, stop_argv), EXIT_BAD_INPUT);
	assert_int_equal(ctl_command(1, run_argv), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_process),
		cmocka_unit_test_setup_teardown(test_open, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_client, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_open_stuck, mkdir_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(test_run_probe_sigterm, mkdir_tmp, rm_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
