// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb/server.h"

/* A target with nothing behind it: these tests are about the socket side. */
static uint8_t regs[GDB_REGS_SIZE];

static int get_regs(void *o, unsigned cpu, uint8_t r[GDB_REGS_SIZE])
{
	memcpy(r, regs, GDB_REGS_SIZE);
	return 0;
}

static int set_regs(void *o, unsigned cpu, const uint8_t r[GDB_REGS_SIZE])
{
	return 0;
}

static int no_mem(void *o, unsigned cpu, uint64_t va, void *buf, size_t len)
{
	return -EFAULT;
}

static int no_wmem(void *o, unsigned cpu, uint64_t va, const void *buf, size_t len)
{
	return -EFAULT;
}

static int set_debug(void *o, const struct gdb_debug *d)
{
	return 0;
}

static const struct gdb_target_ops ops = {get_regs, set_regs, no_mem, no_wmem, set_debug};

static struct gdb_conn conn;
static struct gdb_session sess;
static int lfd, client;

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	return ntohs(a.sin_port);
}

static int setup(void **state)
{
	char err[128];
	struct sockaddr_in a = {.sin_family = AF_INET};
	int sfd;

	lfd = gdb_listen(0, err, sizeof(err)); /* 0: any free port */
	assert_true(lfd >= 0);
	a.sin_port = htons(port_of(lfd));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	client = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(client, (struct sockaddr *)&a, sizeof(a)), 0);
	sfd = accept(lfd, NULL, NULL);
	assert_true(sfd >= 0);
	gdb_conn_init(&conn, sfd);
	gdb_session_init(&sess, &ops, NULL, 2);
	return 0;
}

static int teardown(void **state)
{
	close(client);
	close(conn.fd);
	close(lfd);
	return 0;
}

static void send_pkt(const char *payload)
{
	uint8_t f[256];
	int n = gdb_encode(payload, strlen(payload), f, sizeof(f));

	assert_true(n > 0);
	assert_int_equal(send(client, f, (size_t)n, 0), n);
}

/* Reads exactly what is expected (the server has sent it all before returning). */
static void expect(const char *want)
{
	char got[256];
	size_t n = strlen(want), have = 0;

	while (have < n) {
		ssize_t k = recv(client, got + have, n - have, 0);

		assert_true(k > 0);
		have += (size_t)k;
	}
	assert_memory_equal(got, want, n);
}

static void test_port_in_use(void **state)
{
	char err[128];
	int fd = gdb_listen(port_of(lfd), err, sizeof(err));

	assert_int_equal(fd, -EADDRINUSE);
	assert_non_null(strstr(err, "--gdb"));
	assert_non_null(strstr(err, "in use"));
}

static void test_bound_to_loopback(void **state)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &l), 0);
	assert_int_equal(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
}

static void test_reply_then_continue(void **state)
{
	send_pkt("qfThreadInfo");
	send_pkt("c");
	assert_int_equal(gdb_conn_serve(&conn, &sess), GDB_SERVE_CONTINUE);
	expect("+$m1,2#fc+");
	/* the interrupt byte while running */
	assert_int_equal(send(client, "\x03", 1, 0), 1);
	assert_int_equal(gdb_conn_serve(&conn, &sess), GDB_SERVE_INTERRUPT);
}

static void test_nack_resends(void **state)
{
	send_pkt("qC");
	assert_int_equal(send(client, "-", 1, 0), 1);
	send_pkt("s");
	assert_int_equal(gdb_conn_serve(&conn, &sess), GDB_SERVE_STEP);
	expect("+$QC1#c5$QC1#c5+");
}

static void test_bad_checksum_and_oversize(void **state)
{
	static char big[GDB_MAX_PACKET + 64];

	assert_int_equal(send(client, "$g#00", 5, 0), 5);
	send_pkt("k");
	assert_int_equal(gdb_conn_serve(&conn, &sess), GDB_SERVE_KILL);
	expect("-+");
	/* an oversized packet: acked, refused with E01, and the connection goes on */
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '$';
	memcpy(big + sizeof(big) - 4, "#00", 3);
	big[sizeof(big) - 1] = 0;
	/* the checksum must be right for it to count as received */
	uint8_t sum = 0;

	for (size_t i = 1; i < sizeof(big) - 4; i++)
		sum += (uint8_t)big[i];
	snprintf(big + sizeof(big) - 4, 4, "#%02x", sum);
	assert_int_equal(send(client, big, sizeof(big) - 1, 0), (ssize_t)sizeof(big) - 1);
	send_pkt("D");
	assert_int_equal(gdb_conn_serve(&conn, &sess), GDB_SERVE_DETACH);
	expect("+$E01#a6+$OK#9a");
}

static void test_client_gone(void **state)
{
	close(client);
	client = -1;
	assert_int_equal(gdb_conn_serve(&conn, &sess), GDB_SERVE_GONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_to_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_then_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nack_resends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_and_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
